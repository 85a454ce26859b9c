"""The Alarms page: every alarm of the account and Region, what is wrong first, and one alarm beside it.

Loading streams DescribeAlarms pages into the model; pages, tags and handling
records are merged as they come and the rows rebuilt at most every
:data:`BATCH_MS` (one sort per batch, not per alarm), so 5,000 alarms arrive
without the list stuttering. The list refreshes itself every
``REFRESH_SECONDS`` while it is shown; an alarm that newly goes to ALARM counts
on the Alerts entry of the navigation and, if the user opted in, raises a
desktop notification.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QHideEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QSplitter,
    QStyle,
    QSystemTrayIcon,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from opsconsole.core import settings as keys
from opsconsole.core.alerts import alarms as core
from opsconsole.core.alerts import handling as core_handling
from opsconsole.core.alerts.alarms import ANOMALY_BAND, Alarm, TagCache
from opsconsole.core.alerts.handling import Handling
from opsconsole.core.aws import Clients
from opsconsole.core.errors import ErrorKind, UserError
from opsconsole.core.format import format_clock
from opsconsole.jobs.runner import Job
from opsconsole.ui.alerts.alarm_actions import AlarmActions
from opsconsole.ui.alerts.alarm_detail import AlarmDetail
from opsconsole.ui.alerts.alarm_filters import AlarmsFilterBar
from opsconsole.ui.alerts.alarms_model import NAME, REASON, STATE, AlarmsModel
from opsconsole.ui.context import AppContext
from opsconsole.ui.theme import ALARM_LABELS
from opsconsole.ui.widgets.message_bar import MessageBar, Severity
from opsconsole.ui.widgets.status_badge import StatusBadgeDelegate

#: How long changes gather before the rows are rebuilt (ms).
BATCH_MS = 150


def read_handling(clients: Clients, table: str) -> tuple[bool, dict[str, Handling]]:
    """(does the table exist, every record by alarm ARN): the shared handling, read in one job."""
    if not core_handling.table_exists(clients, table):
        return False, {}
    records: dict[str, Handling] = {}
    for page in core_handling.load(clients, table):
        records.update(page)
    return True, records


class AlarmsView(QWidget):
    """The Alarms page of the Alerts area (a page: ``load()``, ``loaded``/``load_failed``, ``badge_changed``)."""

    loaded = Signal(str)
    load_failed = Signal(object)
    badge_changed = Signal(int)
    #: Open the executions list filtered (an ExecutionsFilter).
    show_executions = Signal(object)
    #: The list was listed again (number of alarms): first load and every refresh.
    listed = Signal(int)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, *, table: str = core_handling.TABLE,
                 tag_rate: float = core.TAG_CALLS_PER_SECOND, refresh_ms: int = core.REFRESH_SECONDS * 1000) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.table_name = table
        self.tag_rate = tag_rate
        self.tags = TagCache()
        self._list_job: Job | None = None
        self._tags_job: Job | None = None
        self._handling_job: Job | None = None
        self._listing: list[Alarm] = []
        self._listed_once = False
        self._load_reported = False
        self._states: dict[str, str] = {}
        self._last_listed: datetime | None = None
        self.new_alarms: list[str] = []
        self._tray: QSystemTrayIcon | None = None

        self.message_bar = MessageBar()
        self.filter_bar = AlarmsFilterBar()
        self.filter_bar.changed.connect(self._filters_changed)
        self.filter_bar.refresh_requested.connect(self.refresh)
        self.model = AlarmsModel(self)
        self.table = QTableView()
        self.table.setObjectName("alarms-table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(False)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        vh = self.table.verticalHeader()
        vh.hide()
        vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # no per-row size work for 5,000 rows
        vh.setDefaultSectionSize(self.fontMetrics().height() + 8)
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        hh.setStretchLastSection(True)
        for col, width in ((STATE, 120), (NAME, 300), (2, 110), (3, 130), (4, 150), (5, 170), (REASON, 300)):
            self.table.setColumnWidth(col, width)
        self.table.setItemDelegateForColumn(STATE, StatusBadgeDelegate("alarm", ALARM_LABELS, self.table))
        self.table.doubleClicked.connect(self._activated)
        self.table.clicked.connect(lambda _i: self.seen())  # the user is looking at the list
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)

        self.empty = QLabel()
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.hide()

        self.actions = AlarmActions(ctx, self, table)
        self.actions.handling_changed.connect(self._handling_changed)
        self.actions.alarm_changed.connect(self._alarm_changed)
        self.actions.message.connect(self._action_message)
        self.detail = AlarmDetail(ctx, self.actions)
        self.detail.show_executions.connect(self.show_executions)

        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setTextVisible(False)
        self.progress.setFixedWidth(70)
        self.progress.setMaximumHeight(10)
        self.progress.hide()
        self.count_label = QLabel()
        self.count_label.setObjectName("alarms-count")
        self.refreshed_label = QLabel()
        self.notify_box = QCheckBox("Desktop notifications")
        self.notify_box.setToolTip("Show a desktop notification when an alarm newly goes to ALARM")
        self.notify_box.setChecked(ctx.settings.get(keys.ALERTS_DESKTOP_NOTIFICATIONS))
        self.notify_box.toggled.connect(lambda on: ctx.settings.set(keys.ALERTS_DESKTOP_NOTIFICATIONS, on))
        status = QHBoxLayout()
        status.setContentsMargins(2, 0, 2, 0)
        status.addWidget(self.progress)
        status.addWidget(self.count_label)
        status.addStretch(1)
        status.addWidget(self.refreshed_label)
        status.addWidget(self.notify_box)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.message_bar)
        left_layout.addWidget(self.filter_bar)
        left_layout.addWidget(self.table, 1)
        left_layout.addWidget(self.empty, 1)
        left_layout.addLayout(status)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([780, 620])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)
        # The detail's shortcuts (K, A, S, U, Ctrl+E) work from the list too.
        for action in self.detail.actions():
            self.table.addAction(action)

        self._rebuild_timer = QTimer(self)
        self._rebuild_timer.setSingleShot(True)
        self._rebuild_timer.setInterval(BATCH_MS)
        self._rebuild_timer.timeout.connect(self.rebuild)
        self._after_listing = QTimer(self)
        self._after_listing.setSingleShot(True)
        self._after_listing.setInterval(0)
        self._after_listing.timeout.connect(self._listing_settled)
        self.refresh_timer = QTimer(self)
        self.refresh_timer.setInterval(refresh_ms)
        self.refresh_timer.timeout.connect(self.refresh)
        self._add_action("Refresh", [QKeySequence(Qt.Key.Key_F5)], self.refresh)
        self._add_action("Filter by name", [QKeySequence(QKeySequence.StandardKey.Find)],
                         lambda: self.filter_bar.name.setFocus())
        self._add_action("Unfold", [QKeySequence(Qt.Key.Key_Space)], self._toggle_current)
        ctx.notices.throttled.connect(self._throttled)

    def _add_action(self, text: str, shortcuts: list[QKeySequence], slot) -> QAction:
        action = QAction(text, self)
        action.setShortcuts(shortcuts)
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    # -- loading ----------------------------------------------------------------------
    def load(self) -> None:
        self._load_reported = False
        self.refresh()

    def refresh(self) -> None:
        """List every alarm again (and the shared handling records)."""
        if self.ctx.clients is None:
            self._fail(UserError(ErrorKind.CONFIG, "Not connected", "Choose a connection to list alarms."))
            return
        if self._list_job is not None and self._list_job.active:
            return  # one listing at a time: the quota is the account's
        self.message_bar.hide()
        self._apply_scope()
        self._listing = []
        self.progress.show()
        self.count_label.setText("Listing alarms…")
        job = self.ctx.runner.submit(core.iter_alarms, self.ctx.clients, owner=self, name="DescribeAlarms")
        job.page.connect(self._on_page)
        job.done.connect(self._on_listed)
        job.failed.connect(self._fail)
        self._list_job = job
        self._read_handling()

    def _read_handling(self) -> None:
        if self._handling_job is not None and self._handling_job.active:
            return
        job = self.ctx.runner.submit(read_handling, self.ctx.clients, self.table_name, owner=self,
                                     name="Scan alarm handling")
        job.done.connect(self._on_handling)
        job.failed.connect(lambda err: self.refreshed_label.setText(f"Who is on what: {err.title.lower()}"))
        self._handling_job = job

    def _on_page(self, page: list[Alarm]) -> None:
        self._listing.extend(page)
        if not self._listed_once:
            self.model.add_alarms(page)
            self.count_label.setText(f"Listing alarms… {len(self._listing):,}")
            self._schedule()

    def _on_listed(self, _result: object) -> None:
        self._list_job = None
        listing, self._listing = self._listing, []
        self.model.replace_alarms(listing)
        self._note_new_alarms(listing)
        self._listed_once = True
        self._last_listed = datetime.now(timezone.utc)
        self.progress.hide()
        self.refreshed_label.setText(f"Listed {format_clock(self._last_listed)}")
        self.rebuild()
        if self.isVisible():
            self.refresh_timer.start()
        self._after_listing.start()

    def _listing_settled(self) -> None:
        """The listing's second half, on the event loop's next turn: the first one reordered thousands of
        rows, and opening the first alarm and asking for tags in the same turn stalled the window."""
        if not self._load_reported:
            self._load_reported = True
            self._select_first()
            self.loaded.emit(f"{self.model.loaded_count()} alarms")
        self._fetch_tags()
        self.listed.emit(self.model.loaded_count())

    def _fail(self, err: UserError) -> None:
        self.progress.hide()
        self.count_label.setText("")
        self.message_bar.show_error(err)
        if not self._load_reported:
            self._load_reported = True
            self.load_failed.emit(err)

    def _on_handling(self, result: tuple[bool, dict[str, Handling]]) -> None:
        exists, records = result
        self.actions.table_exists = exists
        self.model.set_handling(records)
        self._schedule()
        self._refresh_detail()

    def _fetch_tags(self) -> None:
        if self._tags_job is not None and self._tags_job.active:
            return
        ordered = sorted(self.model.alarms(), key=core.sort_key)  # what is wrong gets its tenant first
        missing = self.tags.missing([a.arn for a in ordered])
        if not missing or self.ctx.clients is None:
            return
        job = self.ctx.runner.submit(core.fetch_tags, self.ctx.clients, missing, self.tags, per_second=self.tag_rate, batch=10,
                                     owner=self, name="ListTagsForResource")
        job.page.connect(self._on_tags)
        job.failed.connect(lambda err: self.refreshed_label.setText(f"Tags: {err.title.lower()}"))
        self._tags_job = job

    def _on_tags(self, batch: Mapping[str, Mapping[str, str]]) -> None:
        self.model.set_tags(batch)
        self._schedule()

    def _throttled(self, operation: str, code: str, attempt: int) -> None:
        if operation in ("DescribeAlarms", "ListTagsForResource", "GetMetricData", "DescribeAlarmHistory"):
            self.refreshed_label.setText(f"AWS is throttling {operation} ({code}); retrying with backoff "
                                         f"(attempt {attempt})")

    # -- new alarms -------------------------------------------------------------------
    def _note_new_alarms(self, listing: list[Alarm]) -> None:
        before, self._states = self._states, {a.name: a.state for a in listing}
        if not self._listed_once:
            return
        fresh = [a for a in listing if a.state == "ALARM" and before.get(a.name) != "ALARM"]
        if not fresh:
            return
        self.new_alarms.extend(a.name for a in fresh)
        self.badge_changed.emit(len(self.new_alarms))
        if self.ctx.settings.get(keys.ALERTS_DESKTOP_NOTIFICATIONS):
            self._notify(fresh)

    def _notify(self, fresh: list[Alarm]) -> None:
        if not QSystemTrayIcon.isSystemTrayAvailable() or not QSystemTrayIcon.supportsMessages():
            return
        if self._tray is None:
            self._tray = QSystemTrayIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning), self)
            self._tray.show()
        names = ", ".join(a.name for a in fresh[:3]) + (f" and {len(fresh) - 3} more" if len(fresh) > 3 else "")
        title = "Alarm" if len(fresh) == 1 else f"{len(fresh)} alarms"
        self._tray.showMessage(f"{title} in ALARM", names, QSystemTrayIcon.MessageIcon.Warning, 10_000)

    def seen(self) -> None:
        """The user looked: the count on the navigation clears."""
        if self.new_alarms:
            self.new_alarms = []
            self.badge_changed.emit(0)

    # -- the rows ---------------------------------------------------------------------
    def _schedule(self) -> None:
        if not self._rebuild_timer.isActive():
            self._rebuild_timer.start()

    def rebuild(self) -> None:
        """Rebuild the rows now (keeping the selected alarm selected)."""
        self._rebuild_timer.stop()
        current = self.current_alarm()
        self.filter_bar.set_choices(self.filter_bar.tenant, self.model.tenants())
        self.filter_bar.set_choices(self.filter_bar.namespace, self.model.namespaces())
        self.model.rebuild()
        if current is not None:
            row = self.model.row_of(current.name, None)
            if row is not None:
                self.table.selectionModel().setCurrentIndex(
                    self.model.index(row, 0),
                    QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        self._show_counts()
        self._refresh_detail()

    def _filters_changed(self) -> None:
        bar = self.filter_bar
        f = self.model.filters
        state = bar.state.currentData()
        f.states = frozenset({state}) if state else frozenset()
        f.tenant = self._scope() or bar.tenant.currentData() or ""
        f.namespace = bar.namespace.currentData() or ""
        f.tag = bar.tag.text().strip()
        f.name = bar.name.text().strip()
        self.rebuild()

    def _scope(self) -> str:
        """The tenant the connection is scoped to ("" = every tenant)."""
        return self.ctx.connection.tenant if self.ctx.connection is not None else ""

    def _apply_scope(self) -> None:
        """A scoped connection shows its tenant's alarms only (DescribeAlarms is account-wide)."""
        scope = self._scope()
        self.filter_bar.tenant.setEnabled(not scope)
        self.filter_bar.tenant.setToolTip(f"This connection is scoped to the tenant {scope}" if scope else "")
        self.model.filters.tenant = scope or self.filter_bar.tenant.currentData() or ""

    def _show_counts(self) -> None:
        counts = self.model.state_counts()
        loaded = self.model.loaded_count()
        shown = self.model.top_count
        if self._list_job is not None and self._list_job.active and not self._listed_once:
            text = f"Listing alarms… {loaded:,}"
        else:
            text = (f"{loaded:,} alarms · {counts.get('ALARM', 0)} in alarm · "
                    f"{counts.get('INSUFFICIENT_DATA', 0)} insufficient data · {counts.get('OK', 0)} OK")
            if shown != loaded:
                text += f" · {shown:,} shown"
            tagged = self.model.tagged_count()
            if tagged < loaded:  # tenant and tag filters see only alarms whose tags have arrived
                text += f" · tenants known for {tagged:,}"
        self.count_label.setText(text)
        no_rows = self.model.rowCount() == 0 and self._listed_once
        self.empty.setVisible(no_rows)
        self.table.setVisible(not no_rows)
        if no_rows:
            self.empty.setText("No alarm matches these filters." if loaded else
                               "No alarms in this account and Region. Alarms created in CloudWatch appear here.")

    def current_alarm(self) -> Alarm | None:
        row = self.model.row_at(self.table.currentIndex().row())
        return row.alarm if row is not None else None

    def select(self, name: str) -> bool:
        row = self.model.row_of(name, None)
        if row is None:
            return False
        self.table.selectionModel().setCurrentIndex(
            self.model.index(row, NAME),
            QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        self.table.scrollTo(self.model.index(row, NAME))
        return True

    def _select_first(self) -> None:
        """Open the alarm most worth a look: the first in ALARM, an anomaly-band one if any (it shows most).

        Never over one the user already opened while the list was still coming in.
        """
        if self.detail.alarm is not None:
            return
        rows = self.model.all_rows()
        alarming = [r for r in rows if r.alarm.state == "ALARM" and not r.snoozed]
        pick = next((r for r in alarming if r.alarm.type == ANOMALY_BAND), alarming[0] if alarming else None)
        if pick is None and rows:
            pick = rows[0]
        if pick is not None:
            self.select(pick.alarm.name)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row = self.model.row_at(current.row())
        self.detail.show_alarm(row.alarm if row else None, self.model.handling_of(row.alarm) if row else None)

    def _refresh_detail(self) -> None:
        alarm = self.detail.alarm
        if alarm is None:
            return
        now = self.model.alarm(alarm.name)
        if now is not None and (now is not alarm or self.model.handling_of(now) != self.detail.handling):
            self.detail.show_alarm(now, self.model.handling_of(now))

    def _activated(self, index: QModelIndex) -> None:
        row = self.model.row_at(index.row())
        if row is not None:
            self.model.toggle(row.alarm.name)
            self.select(row.alarm.name)

    def _toggle_current(self) -> None:
        self._activated(self.table.currentIndex())

    # -- outcomes ------------------------------------------------------------------------
    def _handling_changed(self, h: Handling) -> None:
        self.model.set_handling({h.alarm_arn: h})
        self.detail.update_handling(h)
        self.rebuild()

    def _alarm_changed(self, name: str) -> None:
        if self.ctx.clients is None:
            return
        job = self.ctx.runner.submit(core.describe_alarm, self.ctx.clients, name, owner=self, name="DescribeAlarms")
        job.done.connect(self._described)

    def _described(self, alarm: Alarm | None) -> None:
        if alarm is not None:
            self.model.add_alarms([alarm])
            self.rebuild()

    def _action_message(self, text: str, ok: bool) -> None:
        self.message_bar.show_message("Done" if ok else "Not done", text, Severity.INFO if ok else Severity.ERROR)

    # -- visibility ------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt name
        super().showEvent(event)
        if self._listed_once:
            self.refresh_timer.start()
        self.seen()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 - Qt name
        self.refresh_timer.stop()  # nobody is looking: spend no API calls
        super().hideEvent(event)

    def cancel_jobs(self) -> None:
        self.ctx.runner.cancel_owned(self)
        self.ctx.runner.cancel_owned(self.detail)
        self.ctx.runner.cancel_owned(self.actions)
        self._list_job = self._tags_job = self._handling_job = None

    def reset(self) -> None:
        """Another connection: nothing listed here belongs to it."""
        self.cancel_jobs()
        self.tags = TagCache()
        self.model.clear()
        self._listed_once = False
        self._states = {}
        self.detail.show_alarm(None, None)
