"""The Alerts area: alarms, KPI anomalies, the alert feed and dead-letter queues (pages in ``panel.PAGES``)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QStyle

from opsconsole.core.errors import UserError
from opsconsole.ui.alerts.panel import PAGES, AlertsPanel
from opsconsole.ui.panel import Area, Links


def _link(panel: AlertsPanel, links: Links) -> None:
    panel.show_executions.connect(links.show_executions)
    panel.open_execution.connect(links.open_execution)


def _probe(panel: AlertsPanel, ok: Callable[[str], None], failed: Callable[[UserError], None]) -> None:
    """``alerts: N alarms`` once the list is in and the alarm it opened has its chart (for --screenshot)."""
    view = panel.alarms
    summary: list[str] = []

    def chart_in(*_args: object) -> None:
        if summary:
            ok(summary[0])

    def listed(text: str) -> None:
        summary.append(text)
        if view.detail.alarm is None or view.detail.alarm.type == "composite":
            ok(text)

    view.detail.chart_drawn.connect(chart_in)
    view.detail.chart_failed.connect(chart_in)
    panel.loaded.connect(listed)
    panel.load_failed.connect(failed)


AREA = Area("alerts", "Alerts", QStyle.StandardPixmap.SP_MessageBoxWarning, AlertsPanel, probe=_probe, link=_link)

__all__ = ["AREA", "PAGES", "AlertsPanel"]
