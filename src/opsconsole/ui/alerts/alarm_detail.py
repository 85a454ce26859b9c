"""One alarm: what it says, its chart and state history, its definition, and what can be done about it.

The chart's range presets go from 3 hours to 15 months; each range is fetched
as the calls core plans (GetMetricData's retention and size rules), in the
background. Buttons carry their keyboard shortcuts in their tooltips:
K acknowledge, A assign, S snooze, U unsnooze, Ctrl+E failed executions, [ and ] a shorter or
longer range (the mouse wheel zooms within it).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from opsconsole.core.alerts import actions as core_actions
from opsconsole.core.alerts import charts, history
from opsconsole.core.alerts.alarms import COMPOSITE, Alarm, console_url
from opsconsole.core.alerts.cause import executions_filter
from opsconsole.core.alerts.charts import ChartData
from opsconsole.core.alerts.handling import Handling
from opsconsole.core.errors import UserError
from opsconsole.core.format import format_timestamp, format_timestamp_tooltip
from opsconsole.jobs.runner import Job
from opsconsole.ui import theme
from opsconsole.ui.alerts.alarm_actions import AlarmActions
from opsconsole.ui.alerts.alarm_chart import AlarmChart
from opsconsole.ui.context import AppContext
from opsconsole.ui.theme import ALARM_LABELS, EXECUTION_LABELS

#: Snooze choices: (label, how long).
SNOOZES: tuple[tuple[str, timedelta], ...] = (
    ("1 hour", timedelta(hours=1)), ("4 hours", timedelta(hours=4)), ("24 hours", timedelta(hours=24)),
    ("3 days", timedelta(days=3)),
)
DEFAULT_RANGE = 2  # 1 week


def _plain(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class AlarmDetail(QWidget):
    """The pane beside the list; ``show_alarm`` fills it."""

    #: The chart for the current alarm and range is drawn (ChartData).
    chart_drawn = Signal(object)
    #: The chart could not be drawn (UserError).
    chart_failed = Signal(object)
    #: The state history arrived (list of HistoryItem).
    history_loaded = Signal(object)
    #: Open the executions list filtered to what this alarm is about (an ExecutionsFilter).
    show_executions = Signal(object)

    def __init__(self, ctx: AppContext, actions: AlarmActions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.controller = actions
        self.alarm: Alarm | None = None
        self.handling: Handling | None = None
        self.range_index = DEFAULT_RANGE
        self._chart_job: Job | None = None
        self._history_job: Job | None = None

        self.empty = QLabel("Select an alarm to see its chart, its history and who is on it.")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.body = QWidget()
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.empty)
        outer.addWidget(self.body, 1)
        self.body.hide()

        self.title = _plain()
        self.title.setObjectName("alarm-title")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.title.setFont(font)
        self.state_label = _plain()
        self.state_label.setObjectName("alarm-state")
        self.reason = _plain()
        self.reason.setWordWrap(True)
        self.handling_label = _plain()
        self.handling_label.setObjectName("alarm-handling")
        self.handling_label.setWordWrap(True)

        # Handling: acknowledge, assign, snooze.
        self.ack_button = QPushButton("Acknowledge")
        self.ack_button.setToolTip("Say you are on it (K)")
        self.assignee = QLineEdit()
        self.assignee.setPlaceholderText("Assign to…")
        self.assignee.setMaximumWidth(160)
        self.assign_button = QPushButton("Assign")
        self.assign_button.setToolTip("Assign to the person typed (A to type a name, Enter to assign)")
        self.snooze_choice = QComboBox()
        for label, delta in SNOOZES:
            self.snooze_choice.addItem(label, delta)
        self.snooze_button = QPushButton("Snooze")
        self.snooze_button.setToolTip("Move it to the bottom of the list until then or until its state changes (S)")
        self.unsnooze_button = QPushButton("Unsnooze")
        self.unsnooze_button.setToolTip("Back to its place in the list (U)")
        handle_row = QHBoxLayout()
        for w in (self.ack_button, self.assignee, self.assign_button, self.snooze_choice, self.snooze_button,
                  self.unsnooze_button):
            handle_row.addWidget(w)
        handle_row.addStretch(1)

        # Links and the alarm's own actions.
        self.console_button = QPushButton("Open in AWS console")
        self.arn_button = QPushButton("Copy ARN")
        self.cli_button = QPushButton("Copy CLI")
        self.cli_button.setToolTip("Copy the equivalent aws cloudwatch describe-alarms command")
        self.executions_button = QPushButton("Failed executions")
        self.executions_button.setToolTip("Open the executions this alarm counts, in its window (Ctrl+E)")
        self.actions_button = QPushButton("Disable actions")
        links_row = QHBoxLayout()
        for w in (self.console_button, self.arn_button, self.cli_button, self.executions_button):
            links_row.addWidget(w)
        links_row.addStretch(1)
        links_row.addWidget(self.actions_button)

        # Range presets.
        self.range_group = QButtonGroup(self)
        self.range_group.setExclusive(True)
        range_row = QHBoxLayout()
        range_row.addWidget(QLabel("Range"))
        for i, (label, _span) in enumerate(charts.RANGES):
            b = QPushButton(label)
            b.setCheckable(True)
            b.setFlat(True)
            b.setObjectName(f"range-{i}")
            b.setToolTip("[ shorter, ] longer")
            self.range_group.addButton(b, i)
            range_row.addWidget(b)
        self.range_group.button(self.range_index).setChecked(True)
        self.range_group.idClicked.connect(self.set_range)
        self.chart_status = _plain()
        self.chart_status.setObjectName("chart-status")
        range_row.addStretch(1)

        self.chart = AlarmChart()
        self.definition = QPlainTextEdit()
        self.definition.setReadOnly(True)
        self.definition.setObjectName("alarm-definition")
        self.history_list = QTreeWidget()
        self.history_list.setHeaderLabels(["When", "Type", "Summary"])
        self.history_list.setRootIsDecorated(False)
        self.history_list.setUniformRowHeights(True)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.history_list, "History")
        self.tabs.addTab(self.definition, "Definition and actions")

        layout = QVBoxLayout(self.body)
        layout.setContentsMargins(6, 0, 0, 0)
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.state_label)
        layout.addLayout(head)
        layout.addWidget(self.reason)
        layout.addWidget(self.handling_label)
        layout.addLayout(handle_row)
        layout.addLayout(links_row)
        layout.addLayout(range_row)
        layout.addWidget(self.chart, 3)
        layout.addWidget(self.chart_status)
        layout.addWidget(self.tabs, 2)

        self.ack_button.clicked.connect(self.acknowledge)
        self.assign_button.clicked.connect(self.assign)
        self.assignee.returnPressed.connect(self.assign)
        self.snooze_button.clicked.connect(self.snooze)
        self.unsnooze_button.clicked.connect(self.unsnooze)
        self.console_button.clicked.connect(self.open_console)
        self.arn_button.clicked.connect(self.copy_arn)
        self.cli_button.clicked.connect(self.copy_cli)
        self.executions_button.clicked.connect(self.open_executions)
        self.actions_button.clicked.connect(self.toggle_actions)
        self._shortcut("K", self.acknowledge)
        self._shortcut("A", lambda: self.assignee.setFocus())
        self._shortcut("S", self.snooze)
        self._shortcut("U", self.unsnooze)
        self._shortcut("Ctrl+E", self.open_executions)
        self._shortcut("]", lambda: self.set_range(min(self.range_index + 1, len(charts.RANGES) - 1)))
        self._shortcut("[", lambda: self.set_range(max(self.range_index - 1, 0)))
        theme.follow(self, lambda _t: self._show_state())

    def _shortcut(self, key: str, slot) -> QAction:
        action = QAction(self)
        action.setShortcut(QKeySequence(key))
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(slot)
        # The list view beside us carries them too (the view adds our actions to itself).
        self.addAction(action)
        return action

    # -- filling ------------------------------------------------------------------------
    def show_alarm(self, alarm: Alarm | None, handling: Handling | None) -> None:
        same = alarm is not None and self.alarm is not None and alarm.name == self.alarm.name
        self.alarm, self.handling = alarm, handling
        if alarm is None:
            self.body.hide()
            self.empty.show()
            return
        self.empty.hide()
        self.body.show()
        self.title.setText(alarm.name)
        self.reason.setText(alarm.reason)
        self._show_state()
        self._show_handling()
        record = {k: v for k, v in alarm.raw.items() if k != "ResponseMetadata"}
        self.definition.setPlainText(json.dumps(record, indent=2, default=str))
        cause = executions_filter(alarm)
        self.executions_button.setVisible(cause is not None)
        if cause is not None:
            label = EXECUTION_LABELS.get(cause.status or "", "All").capitalize() if cause.status else "All"
            self.executions_button.setText(f"{label} executions")
        self.actions_button.setText("Disable actions" if alarm.actions_enabled else "Enable actions")
        if not same:
            self._load_chart()
            self._load_history()

    def update_handling(self, handling: Handling) -> None:
        if self.alarm is not None and handling.alarm_arn == self.alarm.arn:
            self.handling = handling
            self._show_handling()

    def _show_state(self) -> None:
        if self.alarm is None:
            return
        t = theme.current()
        sw = t.alarm.get(self.alarm.state, t.alarm["INSUFFICIENT_DATA"])
        since = f" since {format_timestamp(self.alarm.since)}" if self.alarm.since else ""
        self.state_label.setText(f" {ALARM_LABELS.get(self.alarm.state, self.alarm.state)}{since} ")
        self.state_label.setStyleSheet(f"QLabel#alarm-state {{ background: {sw.fill}; color: {sw.text};"
                                       " border-radius: 3px; padding: 2px 6px; }")

    def _show_handling(self) -> None:
        h = self.handling
        now = datetime.now(timezone.utc)
        parts = []
        if h is not None and h.acked_by:
            parts.append(f"Acknowledged by {h.acked_by} at {format_timestamp_tooltip(h.acked_at).split(' (')[0]}")
        if h is not None and h.assignee:
            parts.append(f"assigned to {h.assignee} by {h.assigned_by}")
        if h is not None and h.snoozed(now):
            parts.append(f"snoozed by {h.snoozed_by} until {format_timestamp(h.snoozed_until)}")
        self.handling_label.setText("; ".join(parts) if parts else "Nobody has acknowledged this state yet.")
        snoozed = h is not None and h.snoozed(now)
        self.unsnooze_button.setEnabled(snoozed)
        self.ack_button.setEnabled(not (h is not None and h.acked_by))

    # -- chart and history ----------------------------------------------------------------
    def set_range(self, index: int) -> None:
        self.range_index = index
        button = self.range_group.button(index)
        if button is not None and not button.isChecked():
            button.setChecked(True)
        self._load_chart()

    def _load_chart(self) -> None:
        if self._chart_job is not None:
            self._chart_job.cancel()
        alarm = self.alarm
        self.chart.clear()
        if alarm is None or self.ctx.clients is None:
            return
        if alarm.type == COMPOSITE:
            self.chart_status.setText("")
            self.chart.show_message("A composite alarm has no metric: its children are listed under it")
            return
        now = datetime.now(timezone.utc)
        span = charts.RANGES[self.range_index][1]
        self.chart_status.setText("Loading…")
        job = self.ctx.runner.submit(charts.fetch, self.ctx.clients, alarm, now - span, now, now,
                                     owner=self, name="GetMetricData")
        job.done.connect(lambda data, name=alarm.name: self._chart_done(name, data))
        job.failed.connect(self._chart_failed)
        self._chart_job = job

    def _chart_done(self, name: str, data: ChartData) -> None:
        if self.alarm is None or self.alarm.name != name:
            return
        self.chart.set_data(data)
        periods = sorted(set(data.periods), reverse=True)
        hits = int(data.breaching.sum())
        self.chart_status.setText(
            f"{data.values.size:,} points · period {', '.join(f'{p} s' for p in periods)} · {data.calls} call"
            f"{'s' if data.calls != 1 else ''} · {hits} breaching")
        self.chart_drawn.emit(data)

    def _chart_failed(self, err: UserError) -> None:
        self.chart_status.setText(f"{err.title}: {err.message}")
        self.chart.show_message("The chart could not be loaded")
        self.chart_failed.emit(err)

    def _load_history(self) -> None:
        if self._history_job is not None:
            self._history_job.cancel()
        self.history_list.clear()
        alarm = self.alarm
        if alarm is None or self.ctx.clients is None:
            return
        start = datetime.now(timezone.utc) - charts.RANGES[-1][1]
        job = self.ctx.runner.submit(history.load_history, self.ctx.clients, alarm.name, start, owner=self,
                                     name="DescribeAlarmHistory")
        job.done.connect(lambda items, name=alarm.name: self._history_done(name, items))
        job.failed.connect(lambda err: self.history_list.addTopLevelItem(
            QTreeWidgetItem(["", "", f"{err.title}: {err.message}"])))
        self._history_job = job

    def _history_done(self, name: str, items: list[history.HistoryItem]) -> None:
        if self.alarm is None or self.alarm.name != name:
            return
        now = datetime.now(timezone.utc)
        self.chart.set_spans(history.state_spans(items, now, self.alarm.state, self.alarm.since))
        rows = [QTreeWidgetItem([format_timestamp(i.when), i.kind, i.summary]) for i in items]
        self.history_list.addTopLevelItems(rows)
        if not rows:
            self.history_list.addTopLevelItem(QTreeWidgetItem(["", "", "No history in the last 15 months"]))
        self.history_list.resizeColumnToContents(0)
        self.history_loaded.emit(items)

    # -- doing --------------------------------------------------------------------------
    def acknowledge(self) -> None:
        if self.alarm is not None and self.handling is not None and self.ack_button.isEnabled():
            self.controller.acknowledge(self.alarm, self.handling)

    def assign(self) -> None:
        if self.alarm is not None and self.handling is not None:
            self.controller.assign(self.alarm, self.handling, self.assignee.text())

    def snooze(self) -> None:
        if self.alarm is not None and self.handling is not None:
            delta: timedelta = self.snooze_choice.currentData()
            self.controller.snooze(self.alarm, self.handling, datetime.now(timezone.utc) + delta)

    def unsnooze(self) -> None:
        if self.alarm is not None and self.handling is not None and self.unsnooze_button.isEnabled():
            self.controller.unsnooze(self.alarm, self.handling)

    def toggle_actions(self) -> None:
        if self.alarm is None:
            return
        if self.alarm.actions_enabled:
            self.controller.disable_actions(self.alarm)
        else:
            self.controller.enable_actions(self.alarm)

    def open_executions(self) -> None:
        data = self.chart.data
        hits = data.times[data.breaching].tolist() if data is not None and data.breaching.size else []
        wanted = executions_filter(self.alarm, breaching_times=hits) if self.alarm is not None else None
        if wanted is not None:
            self.show_executions.emit(wanted)

    def open_console(self) -> None:
        if self.alarm is not None:
            QDesktopServices.openUrl(QUrl(console_url(self.alarm)))

    def copy_arn(self) -> None:
        if self.alarm is not None:
            QGuiApplication.clipboard().setText(self.alarm.arn)

    def copy_cli(self) -> str:
        if self.alarm is None:
            return ""
        text = core_actions.cli_command(self.alarm, self.ctx.connection)
        QGuiApplication.clipboard().setText(text)
        return text
