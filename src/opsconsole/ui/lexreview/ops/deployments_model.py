"""The deployment history: who deployed which phrases into which locale, when, and how it ended."""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from opsconsole.core.format import format_minute, format_timestamp
from opsconsole.core.lexreview.deploy.record import Deployment
from opsconsole.ui.widgets.rows_model import RowsModel

DEPLOYMENT_ROLE = Qt.ItemDataRole.UserRole + 1


class HistoryColumn(IntEnum):
    STARTED = 0
    LOCALE = 1
    BY = 2
    STATUS = 3
    STEP = 4
    VERSION = 5
    PHRASES = 6


HEADERS = {
    HistoryColumn.STARTED: "Started",
    HistoryColumn.LOCALE: "Bot · locale",
    HistoryColumn.BY: "By",
    HistoryColumn.STATUS: "Status",
    HistoryColumn.STEP: "Where it got to",
    HistoryColumn.VERSION: "Version",
    HistoryColumn.PHRASES: "Phrases",
}


def display_status(d: Deployment) -> str:
    """IN_PROGRESS that nobody is running any more reads as INTERRUPTED."""
    return "INTERRUPTED" if d.interrupted else d.status


def describe(d: Deployment, phrases: bool = True) -> str:
    """Everything about one deployment, for a tooltip or (without the phrases) the details line."""
    lines = [f"{d.bot_name} · {d.locale_id}: {display_status(d).replace('_', ' ').lower()}, started by "
             f"{d.started_by} at {format_timestamp(d.started_at)}"]
    if d.resumed_by:
        lines.append(f"resumed by {d.resumed_by}")
    if d.version:
        moved = f", alias moved from {d.previous_version or '—'}" if d.alias_moved else ""
        lines.append(f"version {d.version}{moved}")
    if d.failure_reasons:
        lines.append("Lex said: " + " | ".join(d.failure_reasons))
    if d.rolled_back:
        lines.append("the phrases were taken back out of the intents; the items are still approved")
    if d.last_error:
        lines.append(f"last error: {d.last_error}")
    lines += d.notes
    if phrases:
        lines.append("Phrases:")
        lines += [f"  • {p.text}  →  {p.intent_name}" for p in d.phrases]
    return "\n".join(lines)


class DeploymentsModel(RowsModel[Deployment]):
    """Deployments, newest first, as :func:`iter_deployments` lists them (page by page)."""

    headers = tuple(HEADERS[c] for c in HistoryColumn)

    def set_deployments(self, deployments: list[Deployment]) -> None:
        self.set_rows(deployments)

    def add_deployments(self, deployments: list[Deployment]) -> None:
        """Append the next page of the history (a deployment already shown is not added again)."""
        known = {d.deployment_id for d in self._rows}
        self.append_rows([d for d in deployments if d.deployment_id not in known])

    def row_of(self, deployment_id: str) -> int:
        return next((r for r, d in enumerate(self._rows) if d.deployment_id == deployment_id), -1)

    def deployment(self, row: int) -> Deployment | None:
        return self.row_at(row)

    def deployments(self) -> list[Deployment]:
        return self.all_rows()

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        d = self.deployment(index.row())
        if d is None:
            return None
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == HistoryColumn.STARTED:
                return format_minute(d.started_at)
            if col == HistoryColumn.LOCALE:
                return f"{d.bot_name} · {d.locale_id}"
            if col == HistoryColumn.BY:
                return d.started_by + (f" (resumed by {d.resumed_by})" if d.resumed_by else "")
            if col == HistoryColumn.STATUS:
                return display_status(d)
            if col == HistoryColumn.STEP:
                if d.status == "FAILED" and d.failure_reasons:
                    return f"{d.step}: {d.failure_reasons[0]}"
                return d.step
            if col == HistoryColumn.VERSION:
                return d.version
            if col == HistoryColumn.PHRASES:
                return str(d.phrase_count)
        if role == Qt.ItemDataRole.ToolTipRole:
            return describe(d)
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (HistoryColumn.VERSION, HistoryColumn.PHRASES):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == DEPLOYMENT_ROLE:
            return d
        return None
