"""The Alerts area: one panel, one tab per page; the Alarms page first.

:data:`PAGES` lists the pages in order as ``(title, factory)``; ``factory(ctx)``
returns a QWidget with a ``load()`` method. A page may also have the signals
``loaded(str)``/``load_failed(object)`` (the first page's first load is the
area's, for ``--smoke-test``), ``badge_changed(int)`` (its count of new things:
the navigation shows the sum) and ``show_executions(object)`` (an
``ExecutionsFilter``: open the executions list filtered) and ``open_execution(object)``
(an ``Execution``: open that run).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from opsconsole.core import settings as keys
from opsconsole.core.settings import Settings
from opsconsole.ui.alerts.alarms_view import AlarmsView
from opsconsole.ui.alerts.anomalies import AnomaliesView
from opsconsole.ui.alerts.dlq import DeadLetterView
from opsconsole.ui.alerts.feed import FeedView
from opsconsole.ui.context import AppContext
from opsconsole.ui.panel import Panel

#: The pages of the Alerts area, in tab order: (title, factory(ctx) -> QWidget with load()).
PAGES: tuple[tuple[str, Callable[[AppContext], QWidget]], ...] = (
    ("Alarms", AlarmsView),
    ("Anomalies", AnomaliesView),
    ("Feed", FeedView),
    ("Dead-letter queues", DeadLetterView),
)


class AlertsPanel(Panel):
    """The tabs of the Alerts area."""

    key = "alerts"
    title = "Alerts"

    #: Open the executions list filtered (an ExecutionsFilter); the area's link sends it on.
    show_executions = Signal(object)
    #: Open one execution (an Execution: a dead letter naming its run); the area's link sends it on.
    open_execution = Signal(object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("alerts-tabs")
        self.tabs.setDocumentMode(True)
        self.pages: list[QWidget] = []
        self._badges: dict[int, int] = {}
        for i, (title, factory) in enumerate(PAGES):
            page = factory(ctx)
            self.pages.append(page)
            self.tabs.addTab(page, title)
            badge = getattr(page, "badge_changed", None)
            if badge is not None:
                badge.connect(lambda count, i=i: self._page_badge(i, count))
            for name in ("show_executions", "open_execution"):
                link = getattr(page, name, None)
                if link is not None:
                    link.connect(getattr(self, name))
        first = self.pages[0]
        first.loaded.connect(self.loaded)
        first.load_failed.connect(self.load_failed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.tabs)

    @property
    def alarms(self) -> AlarmsView:
        return self.pages[0]  # type: ignore[return-value]

    def load(self) -> None:
        for page in self.pages:
            page.load()

    def _page_badge(self, index: int, count: int) -> None:
        self._badges[index] = count
        title = PAGES[index][0]
        self.tabs.setTabText(index, f"{title} ({count})" if count else title)
        self.badge_changed.emit(sum(self._badges.values()))

    def save_state(self, settings: Settings) -> None:
        view = self.alarms
        settings.set(keys.ALERTS_STATE_FILTER, view.filter_bar.state.currentData() or "")
        settings.set(keys.ALERTS_SPLITTER, view.splitter.saveState().data())

    def restore_state(self, settings: Settings) -> None:
        view = self.alarms
        state = settings.get(keys.ALERTS_STATE_FILTER)
        index = view.filter_bar.state.findData(state) if state else 0
        view.filter_bar.state.setCurrentIndex(max(index, 0))
        splitter = settings.get(keys.ALERTS_SPLITTER)
        if splitter:
            view.splitter.restoreState(splitter)

    def cancel_jobs(self) -> None:
        super().cancel_jobs()
        for page in self.pages:
            cancel = getattr(page, "cancel_jobs", None)
            if cancel is not None:
                cancel()

    def _on_connection_changed(self, connection: object) -> None:
        for page in self.pages:
            reset = getattr(page, "reset", None)
            if reset is not None:
                reset()
        super()._on_connection_changed(connection)
