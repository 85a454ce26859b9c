"""One execution in depth: summary, graph, history, timeline, step details and actions.

Opened from the executions list (Enter / double-click). Everything is loaded
through the job runner: the description and definition first (the graph shows
as soon as the layout is ready), then the history streamed page by page into
the table, then per-state runs and outcomes computed off the GUI thread to
colour the graph and draw the timeline.

A failed run opens on the state that failed (its error, cause and input in the
step pane), with the keyboard in the graph: arrow keys pick states there, and
moving through the history rows picks the state of each event. While the run
is running the window refreshes itself, and it does after every action.
"""

from __future__ import annotations

import html

import logging
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from superqt.utils import signals_blocked

from opsconsole.core.executions import asl
from opsconsole.core.executions import history
from opsconsole.core.errors import UserError
from opsconsole.core.executions.listing import Execution, RunDetail, describe_execution, describe_run
from opsconsole.ui.context import AppContext
from opsconsole.ui.executions.actions.controller import ExecutionActions
from opsconsole.core.format import format_duration, format_timestamp
from opsconsole.ui.executions.graph.fonts import text_metrics
from opsconsole.ui.executions.graph.view import GraphView
from opsconsole.ui.executions.history.loader import HistoryLoader
from opsconsole.ui.executions.history.view import HistoryView
from opsconsole.ui.executions.map_runs import MapRunsView
from opsconsole.ui.executions.step_details import StepDetails
from opsconsole.ui.executions.timeline.view import TimelineView
from opsconsole.ui import theme
from opsconsole.ui.theme import EXECUTION_LABELS
from opsconsole.ui.widgets.message_bar import MessageBar, Severity

log = logging.getLogger(__name__)

#: How often a window re-reads a running execution (DescribeExecution + its history).
REFRESH_INTERVAL_MS = 10_000


class ExecutionDetail(QWidget):
    """The detail of one execution; a window holds one of these."""

    title_changed = Signal(str)
    #: The history is in and analysed (number of events).
    runs_loaded = Signal(int)
    graph_ready = Signal()
    #: Another execution should open in its own window (a re-run's new execution).
    open_requested = Signal(object)  # Execution

    def __init__(self, ctx: AppContext, execution: Execution, parent: QWidget | None = None, *,
                 refresh_interval_ms: int = REFRESH_INTERVAL_MS) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.execution = execution
        self.detail: RunDetail | None = None
        self._definition: str | None = None
        #: The execution the last re-run started (its ARN), which the "Open" button opens.
        self.rerun_arn: str | None = None
        #: The history row the user is on (event id): a refresh reloads the table and puts it back.
        self._picked_event: int | None = None
        self._outcomes: dict[str, str] = {}
        self.events: list[history.HistoryEvent] = []
        self.runs: list[history.StateRun] = []
        #: The runs that stand now (a redrive's new runs replace the failed ones): what the step pane shows.
        self.current_runs: list[history.StateRun] = []
        self.selected_state: str | None = None
        self.run_actions = ExecutionActions(ctx, self)
        self.run_actions.changed.connect(lambda arn: arn == self.execution.arn and self.reload())
        self.run_actions.message.connect(self._action_message)
        self.run_actions.redriven.connect(self._redriven)
        self.run_actions.started.connect(self._rerun_started)
        # Re-reads a running execution; an action's answer also reloads (``changed``).
        self.refresh_timer = QTimer(self)
        self.refresh_timer.setInterval(refresh_interval_ms)
        self.refresh_timer.timeout.connect(self._refresh_tick)

        self.badge = QLabel()
        self.name = QLabel()
        self.name.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.name.setStyleSheet("font-size: 14pt; font-weight: 600;")
        self.facts = QLabel()
        self.facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.facts.setWordWrap(True)
        self.progress_label = QLabel()
        self.failure = MessageBar()
        self.message = MessageBar()
        self.open_rerun_button = QPushButton("Open the re-run (Ctrl+Shift+O)")
        self.open_rerun_button.setObjectName("open-rerun")
        self.open_rerun_button.clicked.connect(self.open_rerun)
        self.open_rerun_button.hide()

        self.graph = GraphView()
        self.graph.state_clicked.connect(self.select_state)
        self.step = StepDetails()
        self.history_view = HistoryView()
        # Moving through the rows (keys or a click) shows each event's state.
        self.history_view.event_selected.connect(self._event_selected)
        self.loader = HistoryLoader(ctx.runner, self.history_view, self)
        self.loader.runs_ready.connect(self._runs_ready)
        self.loader.failed.connect(self._failed)
        self.timeline = TimelineView()
        self.timeline.state_clicked.connect(self.select_state)
        self.io_view = QPlainTextEdit()
        self.io_view.setReadOnly(True)
        self.map_runs = MapRunsView()
        self.map_runs.loaded.connect(self._map_runs_loaded)

        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.graph)
        top.addWidget(self.step)
        top.setStretchFactor(0, 3)
        top.setStretchFactor(1, 2)
        # The details pane would take all the room it asks for; the graph comes first.
        self.step.setMinimumWidth(320)
        top.setSizes([800, 520])
        self._top = top
        self.tabs = QTabWidget()
        self.tabs.addTab(self.history_view, "History")
        self.tabs.addTab(self.timeline, "Timeline")
        self.tabs.addTab(self.io_view, "Input / output")
        self.tabs.addTab(self.map_runs, "Map runs")
        # Only runs with Distributed Map runs get the tab (shown once ListMapRuns finds some).
        self.tabs.setTabVisible(self.tabs.indexOf(self.map_runs), False)
        body = QSplitter(Qt.Orientation.Vertical)
        body.addWidget(top)
        body.addWidget(self.tabs)
        body.setStretchFactor(0, 3)
        body.setStretchFactor(1, 2)

        head = QHBoxLayout()
        head.addWidget(self.badge)
        head.addWidget(self.name, 1)
        head.addWidget(self.progress_label)
        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(self.facts)
        layout.addWidget(self.failure)
        message_row = QHBoxLayout()
        message_row.addWidget(self.message, 1)
        message_row.addWidget(self.open_rerun_button, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addLayout(message_row)
        layout.addWidget(body, 1)
        self.failure.hide()
        self.message.hide()
        self._show_execution(execution)

    # -- loading --------------------------------------------------------------
    def reload(self) -> None:
        self.cancel_jobs()
        self.events = []
        clients = self.ctx.clients
        if clients is None:
            return
        job = self.ctx.runner.submit(describe_run, clients, self.execution.arn, name="DescribeExecution", owner=self)
        job.done.connect(self._described)
        job.failed.connect(self._failed)
        self.loader.load(clients, self.execution.arn, refresh=True)  # (the first time, there is nothing to keep)
        self.map_runs.load(self.ctx.runner, clients, self.execution.arn)

    def cancel_jobs(self) -> None:
        self.ctx.runner.cancel_owned(self)
        self.loader.cancel()
        self.ctx.runner.cancel_owned(self.map_runs)

    def _described(self, detail: RunDetail) -> None:
        self.detail = detail
        self._show_execution(detail.execution)
        parts = []
        for label, text in (("Input", detail.input), ("Output", detail.output)):
            if text:
                parts.append(f"— {label} —\n{_pretty(text)}")
        if detail.error or detail.cause:
            parts.append(f"— Error —\n{detail.error or ''}\n{detail.cause or ''}")
        self.io_view.setPlainText("\n\n".join(parts))
        if detail.definition == self._definition and self.graph.graph is not None:
            return  # a refresh: the same graph, kept as the user left it (zoom, scroll, pick)
        self._definition = detail.definition
        job = self.ctx.runner.submit(asl.build_graph, detail.definition, text_metrics(), name="layout graph",
                                     owner=self)
        job.done.connect(self._graph_ready)
        job.failed.connect(lambda err: self._show_message(f"Cannot draw the graph: {err.message}", False))

    def _graph_ready(self, graph: asl.Graph) -> None:
        self.graph.set_graph(graph)
        self.graph_ready.emit()
        if self.runs:
            self.graph.set_outcomes(self._outcomes)
        if self.selected_state:
            self.graph.select_state(self.selected_state)

    def _runs_ready(self, events: list[history.HistoryEvent], runs: list[history.StateRun]) -> None:
        self.events, self.runs = events, runs
        if self._picked_event is not None:
            with signals_blocked(self.history_view):  # the row comes back; the state picked since stays
                self.history_view.select_event(self._picked_event)
        self.timeline.set_runs(runs)
        job = self.ctx.runner.submit(history.summarise, events, runs, name="summarise history", owner=self)
        job.done.connect(self._summarised)
        job.failed.connect(self._failed)

    def _summarised(self, result: history.HistorySummary) -> None:
        self._outcomes = result.outcomes
        self.current_runs = result.current
        self.graph.set_outcomes(self._outcomes)
        self.runs_loaded.emit(len(self.events))
        state, error, cause = result.failure
        if state or error:
            where = f" in state {state}" if state else ""
            self.failure.show_message(f"Failed{where}: {error or ''}", cause or "", Severity.ERROR)
        else:
            self.failure.hide()
        p = result.progress
        self.progress_label.setText(str(p))
        # A failed run opens on its failed state: that is what the operator came for.
        pick = self.selected_state or state
        if pick:
            self.select_state(pick)

    def _failed(self, err: UserError) -> None:
        self._show_message(f"{err.title}: {err.message}", False)

    # -- showing --------------------------------------------------------------
    def _show_execution(self, e: Execution) -> None:
        self.execution = e
        if e.status == "RUNNING":
            self.refresh_timer.start()
        else:
            self.refresh_timer.stop()
        swatch = theme.current().badge("execution", e.status)
        self.badge.setText(EXECUTION_LABELS.get(e.status, e.status))
        self.badge.setStyleSheet(
            f"background: {swatch.fill}; color: {swatch.text};"
            " border-radius: 9px; padding: 2px 10px; font-weight: 600;"
        )
        self.name.setText(e.name)
        stop = format_timestamp(e.stop) if e.stop else "—"
        machine = e.state_machine_name
        if e.state_machine_version_arn:
            machine += f" (version {e.state_machine_version_arn.rsplit(':', 1)[-1]})"
        if e.state_machine_alias_arn:
            machine += f" (alias {e.state_machine_alias_arn.rsplit(':', 1)[-1]})"
        self.facts.setText(
            f"<b>State machine</b> {html.escape(machine)} &nbsp; <b>Started</b> {format_timestamp(e.start)} &nbsp; "
            f"<b>Stopped</b> {stop} &nbsp; <b>Duration</b> {format_duration(e.duration)} &nbsp; "
            f"<b>Redrives</b> {e.redrive_count}<br><span style='color:{theme.current().muted}'>{html.escape(e.arn)}</span>"
        )
        self.title_changed.emit(f"{e.name} · {e.status}")

    def select_state(self, name: str) -> None:
        self.selected_state = name
        self.graph.select_state(name)
        conn = self.ctx.connection
        logging_config = self.detail.logging_configuration if self.detail else None
        runs = self.current_runs or self.runs
        self.step.show_state(name, [r for r in runs if r.state == name], self.execution.arn,
                             conn.region if conn else "", logging_config)

    def _show_message(self, text: str, ok: bool) -> None:
        self.message.show_message(text, "", Severity.INFO if ok else Severity.ERROR)

    def _action_message(self, text: str, ok: bool) -> None:
        self._show_message(text, ok)
        self.open_rerun_button.hide()  # a newer message: the button belonged to the one before

    def _redriven(self, arn: str) -> None:
        # The old failure is history now: the redrive's own outcome comes with the reload.
        if arn == self.execution.arn:
            self.failure.hide()

    def _rerun_started(self, arn: str) -> None:
        # Said after its "Started ..." message: the button sits beside it.
        self.rerun_arn = arn
        self.open_rerun_button.setToolTip(arn)
        self.open_rerun_button.show()

    def open_rerun(self) -> None:
        """Open the execution the last re-run started, in its own window."""
        clients = self.ctx.clients
        if self.rerun_arn is None or clients is None:
            return
        job = self.ctx.runner.submit(describe_execution, clients, self.rerun_arn, name="DescribeExecution",
                                     owner=self)
        job.done.connect(self.open_requested)
        job.failed.connect(self._failed)

    def _event_selected(self, event: history.HistoryEvent) -> None:
        self._picked_event = event.id
        if event.state and event.state != self.selected_state:
            self.select_state(event.state)

    def _map_runs_loaded(self, count: int) -> None:
        self.tabs.setTabVisible(self.tabs.indexOf(self.map_runs), count > 0)

    def _refresh_tick(self) -> None:
        if self.execution.status != "RUNNING":
            self.refresh_timer.stop()
            return
        loading = any(job.active and job.owner in (self, self.loader) for job in self.ctx.runner.jobs)
        if self.isVisible() and not loading:  # never stack a refresh on one still loading
            self.reload()

    def stop_refreshing(self) -> None:
        self.refresh_timer.stop()

    # -- actions ----------------------------------------------------------------
    def copy_arn(self) -> None:
        QGuiApplication.clipboard().setText(self.execution.arn)

    def open_console(self) -> None:
        QDesktopServices.openUrl(QUrl(history.console_url(self.execution.arn)))

    def export_history(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export history", f"{self.execution.name}-history.json", "JSON (*.json)")
        if path:
            self.run_actions.export_history(self.execution.arn, path)

    def export_graph(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export graph", f"{self.execution.name}.png", "PNG image (*.png);;SVG drawing (*.svg)"
        )
        if path:
            (self.graph.export_svg if Path(path).suffix.lower() == ".svg" else self.graph.export_png)(path)
            self._show_message(f"Graph saved to {path}", True)

    def rerun_from_selected(self) -> None:
        if self.selected_state:
            self.run_actions.rerun_from_state(self.execution, self.selected_state)
        else:
            self._show_message("Pick a state in the graph or the timeline first.", False)


def _pretty(text: str) -> str:
    import json

    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except (ValueError, TypeError):
        return text


class ExecutionWindow(QMainWindow):
    """A window around :class:`ExecutionDetail` with its toolbar and shortcuts."""

    def __init__(self, ctx: AppContext, execution: Execution, parent: QWidget | None = None, *,
                 refresh_interval_ms: int = REFRESH_INTERVAL_MS) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._refresh_interval_ms = refresh_interval_ms
        self.detail = ExecutionDetail(ctx, execution, refresh_interval_ms=refresh_interval_ms)
        self.setCentralWidget(self.detail)
        self.detail.title_changed.connect(self.setWindowTitle)
        self.resize(1300, 860)
        bar = QToolBar("Execution")
        bar.setObjectName("executionToolbar")
        self.addToolBar(bar)
        d = self.detail

        def act(text: str, slot, shortcut: str | QKeySequence.StandardKey | None = None) -> QAction:
            action = QAction(text, self)
            if shortcut is not None:
                action.setShortcut(QKeySequence(shortcut))
            action.triggered.connect(slot)
            bar.addAction(action)
            return action

        act("Refresh", d.reload, "F5")
        act("Copy ARN", d.copy_arn, "Ctrl+Shift+C")
        bar.addSeparator()
        self.stop_action = act("Stop…", lambda: d.run_actions.stop([d.execution]), "Del")
        self.redrive_action = act("Redrive…", lambda: d.run_actions.redrive([d.execution]), "Ctrl+R")
        act("Re-run from state…", d.rerun_from_selected, "Ctrl+Shift+R")
        self.approve_action = act("Approve / reject…", lambda: d.run_actions.approve(d.execution), "Ctrl+Shift+P")
        bar.addSeparator()
        act("Export history…", d.export_history, "Ctrl+S")
        act("Export graph…", d.export_graph, "Ctrl+Shift+S")
        act("Open in AWS console", d.open_console)
        act("Fit graph", d.graph.fit, "F")
        self.open_rerun_action = act("Open the re-run", d.open_rerun, "Ctrl+Shift+O")
        self.open_rerun_action.setEnabled(False)
        d.run_actions.started.connect(lambda _arn: self.open_rerun_action.setEnabled(True))
        d.open_requested.connect(self._open_other)
        #: Windows this one opened (a re-run's execution), for tests and tools.
        self.opened: list[ExecutionWindow] = []
        # Keys go to the graph first: arrows pick states, and a failed run opens on its failed state.
        for text, key, target in (("Go to the graph", "Ctrl+G", d.graph),
                                  ("Go to the history", "Ctrl+H", d.history_view.table)):
            go = QAction(text, self)
            go.setShortcut(QKeySequence(key))
            go.triggered.connect(lambda _c=False, t=target: self._focus(t))
            self.addAction(go)
        d.graph.setFocus()
        d.reload()

    def _focus(self, widget: QWidget) -> None:
        if widget is self.detail.history_view.table:
            self.detail.tabs.setCurrentWidget(self.detail.history_view)
            table = widget
            if not table.currentIndex().isValid() and table.model().rowCount():
                table.setCurrentIndex(table.model().index(0, 0))
        widget.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _open_other(self, execution: Execution) -> None:
        window = ExecutionWindow(self.detail.ctx, execution, self.parentWidget(),
                                 refresh_interval_ms=self._refresh_interval_ms)
        window.setWindowFlag(Qt.WindowType.Window, True)
        window.show()
        self.opened.append(window)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt name
        self.detail.stop_refreshing()
        self.detail.cancel_jobs()
        super().closeEvent(event)
