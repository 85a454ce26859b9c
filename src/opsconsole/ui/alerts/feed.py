"""The alert feed page: SNS notifications and alarm state changes, newest first, live.

It never receives from a queue someone else consumes. Until the user agrees
to give the console a queue of its own (an audited write, undoable), it shows
alarm state changes from the alarm history only, and says so.
"""

from __future__ import annotations

import html
from datetime import datetime, timedelta, timezone
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QHideEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from opsconsole.core.alerts import feed as core
from opsconsole.core.alerts.feed import FeedEntry, Subscription
from opsconsole.core.errors import UserError
from opsconsole.core.format import format_timestamp
from opsconsole.jobs.runner import Job
from opsconsole.jobs.writes import Conflicted
from opsconsole.ui import theme
from opsconsole.ui.confirm import ConfirmDialog
from opsconsole.ui.context import AppContext
from opsconsole.ui.widgets.message_bar import MessageBar, Severity
from opsconsole.ui.widgets.rows_model import RowsModel
from opsconsole.ui.widgets.rows_table import rows_table

#: How often the feed asks for what is new while it is on screen.
POLL_MS = 20_000


class Column(IntEnum):
    TIME = 0
    KIND = 1
    SOURCE = 2
    STATE = 3
    TEXT = 4


class FeedModel(RowsModel[FeedEntry]):
    headers = ("Time", "Kind", "From", "State", "Message")

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        entry = self.row_at(index.row())
        if entry is None:
            return None
        col = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if col == Column.TIME:
                return format_timestamp(entry.at) if entry.at else "(no time)"
            if col == Column.KIND:
                return entry.kind
            if col == Column.SOURCE:
                return entry.source or "(unknown)"
            if col == Column.STATE:
                if entry.new_state:
                    return f"{entry.old_state or '?'} → {entry.new_state}"
                return ""
            if col == Column.TEXT:
                first = (entry.subject + ": " if entry.subject and entry.kind != core.STATE_CHANGE else "") + entry.text
                first = first.replace("\n", " ")
                return first[:300] if role == Qt.ItemDataRole.DisplayRole else first[:2000]
        if role == Qt.ItemDataRole.ForegroundRole and col == Column.STATE and entry.new_state:
            look = theme.current()
            colour = {"ALARM": look.danger, "OK": look.success}.get(entry.new_state, look.muted)
            return theme.qcolor(colour)
        if role == Qt.ItemDataRole.ForegroundRole and entry.problem:
            return theme.qcolor(theme.current().warning)
        return None


def describe_entry(entry: FeedEntry) -> str:
    """Everything about one entry, as plain text for the detail pane."""
    lines = [f"{entry.kind} from {entry.source or '(unknown)'} at {format_timestamp(entry.at) if entry.at else '?'}"]
    if entry.problem:
        lines.append(f"Note: {entry.problem}")
    if entry.subject:
        lines.append(f"Subject: {entry.subject}")
    if entry.alarm:
        lines.append(f"Alarm: {entry.alarm} ({entry.old_state or '?'} → {entry.new_state or '?'})")
    if entry.topic_arn:
        lines.append(f"Topic: {entry.topic_arn}")
    if entry.message_id:
        lines.append(f"Message ID: {entry.message_id}")
    for name, value in entry.attributes.items():
        lines.append(f"Attribute {name}: {value}")
    lines += ["", entry.text]
    return "\n".join(lines)


class FeedView(QWidget):
    """The feed; ``load()`` reads history (and the own queue), then it polls while shown."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.entries: list[FeedEntry] = []
        self.subscription: Subscription | None = None
        self.confirm_dialog: ConfirmDialog | None = None
        self._jobs: dict[str, Job] = {}
        self._again: set[str] = set()
        self._newest: datetime | None = None
        self.how = QLabel("Reading how the feed is subscribed…")
        self.how.setObjectName("feed-how")
        self.how.setWordWrap(True)
        self.how.setTextFormat(Qt.TextFormat.RichText)  # built from escaped names only
        self.subscribe_button = QPushButton("Give the console its own queue…")
        self.subscribe_button.setObjectName("feed-subscribe")
        self.subscribe_button.clicked.connect(self.ask_subscribe)
        self.unsubscribe_button = QPushButton("Remove the console's queue…")
        self.unsubscribe_button.setObjectName("feed-unsubscribe")
        self.unsubscribe_button.clicked.connect(self.ask_unsubscribe)
        for button in (self.subscribe_button, self.unsubscribe_button):
            button.hide()
        self.status = QLabel("Not loaded yet.")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setToolTip("Read what is new now (F5)")
        self.refresh_button.clicked.connect(self.poll)
        QShortcut(QKeySequence(Qt.Key.Key_F5), self, self.poll, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.message_bar = MessageBar(self)
        self.message_bar.retry_requested.connect(self.load)
        self.model = FeedModel(self)
        self.table = rows_table(self.model, "feed-table")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(Column.TEXT, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().currentRowChanged.connect(lambda cur, _p: self._show(cur.row()))
        self.detail = QPlainTextEdit()
        self.detail.setObjectName("feed-detail")
        self.detail.setReadOnly(True)
        self.detail.setPlaceholderText("Alarm state changes and SNS notifications appear above, newest first; "
                                       "pick one to read it whole.")
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.poll)

        buttons = QHBoxLayout()
        buttons.addWidget(self.subscribe_button)
        buttons.addWidget(self.unsubscribe_button)
        buttons.addStretch(1)
        buttons.addWidget(self.status)
        buttons.addWidget(self.refresh_button)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.how)
        layout.addLayout(buttons)
        layout.addWidget(self.message_bar)
        layout.addWidget(split, 1)
        ctx.connection_changed.connect(self._on_connection_changed)

    # -- reading -----------------------------------------------------------
    @property
    def queue_name(self) -> str:
        """The own queue's name: one per AWS principal (known once the subscriptions were read)."""
        return self.subscription.queue_name if self.subscription is not None else ""

    def load(self) -> None:
        """Start over: how the feed is subscribed, the last 24 hours of state changes."""
        self.cancel()
        self.entries = []
        self._newest = None
        self.model.set_rows([])
        self.message_bar.hide()
        if self.ctx.clients is None:
            self.status.setText("Not connected.")
            return
        self._read_subscription()
        self._read_history(core.default_since())
        if self.isVisible():
            self.timer.start()

    def poll(self) -> None:
        """Ask for what is new: state changes since the newest seen, the own queue's notifications."""
        if self.ctx.clients is None:
            return
        if "history" in self._jobs:
            self._again.add("history")  # asked while a read is on its way: read once more after it
        else:
            since = (self._newest - timedelta(minutes=1)) if self._newest else core.default_since()
            self._read_history(since)
        if self.subscription is not None and self.subscription.subscribed:
            if "queue" in self._jobs:
                self._again.add("queue")
            else:
                self._read_queue()

    def _submit(self, key: str, func, *args, name: str) -> Job:
        job = self.ctx.runner.submit(func, self.ctx.clients, *args, owner=self, name=name)
        self._jobs[key] = job
        job.done.connect(lambda _r: self._finished(key, job))
        job.failed.connect(self._on_failed)
        job.finished.connect(lambda: self._jobs.pop(key, None) if self._jobs.get(key) is job else None)
        return job

    def _finished(self, key: str, job: Job) -> None:
        """A read ended well; when it was asked for again meanwhile, ask once more."""
        if self._jobs.get(key) is job:
            del self._jobs[key]
        if key in self._again:
            self._again.discard(key)
            self.poll()

    def _read_subscription(self) -> None:
        job = self._submit("subscription", core.subscription, name="Read the feed's subscriptions")
        job.done.connect(self._on_subscription)

    def _read_history(self, since: datetime) -> None:
        self.status.setText("Reading alarm history…")
        job = self._submit("history", core.state_changes, since, name="DescribeAlarmHistory")
        job.page.connect(self._add)
        job.done.connect(lambda _r: self._loaded())

    def _read_queue(self) -> None:
        assert self.subscription is not None and self.subscription.queue_url
        job = self._submit("queue", core.read_own_queue, self.subscription.queue_url, name="Read the feed queue")
        job.done.connect(self._add)

    def _add(self, entries: list[FeedEntry]) -> None:
        if not entries:
            return
        selected = self.selected()
        self.entries = core.merge(self.entries, entries)
        stamps = [e.at for e in self.entries if e.at and e.kind == core.STATE_CHANGE]
        if stamps:
            self._newest = max(stamps)
        self.model.set_rows(self.entries)
        if selected is not None:
            keys = [e.key for e in self.entries]
            if selected.key in keys:
                self.table.selectRow(keys.index(selected.key))

    def _loaded(self) -> None:
        now = datetime.now(timezone.utc)
        what = (f"{len(self.entries)} entries" if self.entries else
                "No alarm changed state in the last 24 hours and no notification arrived")
        self.status.setText(f"{what}; checked at {format_timestamp(now)}; every {POLL_MS // 1000} s while shown.")

    def _on_failed(self, err: UserError) -> None:
        self.status.setText("Could not read the feed.")
        self.message_bar.show_error(err)

    # -- how it is subscribed --------------------------------------------------
    def _on_subscription(self, sub: Subscription) -> None:
        self.subscription = sub
        self.subscribe_button.setVisible(not sub.subscribed and bool(sub.topics))
        self.unsubscribe_button.setVisible(sub.queue_url is not None)
        self.how.setText(self._how_text(sub))
        if sub.subscribed:
            self._read_queue()

    def _how_text(self, sub: Subscription) -> str:
        esc = html.escape
        history = ("<b>Alarm state changes</b> come from CloudWatch's alarm history (DescribeAlarmHistory), "
                   "which reads without taking anything away from anyone.")
        if not sub.topics:
            return history + " There is no SNS topic in this account and region."
        if sub.subscribed:
            return (history + f" <b>SNS notifications</b> of {len(sub.subscriptions)} topic(s) arrive in the "
                    f"console's own queue <b>{esc(core.topic_name(sub.queue_arn or ''))}</b>, which nobody else reads; "
                    "the feed reads them without deleting any (they leave with the queue's retention). "
                    "Other subscribers get their own copies.")
        readers = sorted({core.topic_name(q) for qs in sub.readers.values() for q in qs})
        shared = (f" Their notifications go to {', '.join('<b>' + esc(r) + '</b>' for r in readers)}, "
                  "which other consumers read: receiving from it would hide messages from them and raise their "
                  "receive counts, so the feed does not read it.") if readers else ""
        return (history + f" <b>SNS notifications</b> of the {len(sub.topics)} topic(s) are not shown yet."
                + shared + " To see them, give the console a queue of its own, subscribed to the topics "
                "(you can remove it again).")

    def subscribe_write(self):
        assert self.subscription is not None
        return core.subscribe_write(self.queue_name, self.subscription.topics)

    def ask_subscribe(self) -> None:
        """Ask before creating the own queue and its subscriptions (the CLI of every request is shown)."""
        if self.subscription is None or not self.subscription.topics:
            return
        write = self.subscribe_write()
        topics = "\n".join(self.subscription.topics)
        self.confirm_dialog = ConfirmDialog(
            write.action, self.queue_name,
            "Creates an SQS queue for this console only and subscribes it to every topic below (raw delivery off, "
            "so each message keeps SNS's envelope). Nobody else's messages are taken. Costs a few SQS requests "
            "a minute while the feed is shown. You can remove it again.",
            self, details=topics, write=write, connection=self.ctx.connection)
        self.confirm_dialog.accepted.connect(lambda: self._send(write))  # consent given: audited as confirmed
        self.confirm_dialog.open()

    def ask_unsubscribe(self) -> None:
        sub = self.subscription
        if sub is None or sub.queue_url is None:
            return
        write = core.unsubscribe_write(sub)
        self.confirm_dialog = ConfirmDialog(
            write.action, core.topic_name(sub.queue_arn or sub.queue_url),
            "Unsubscribes the console's queue from its topics and deletes the queue with any notifications "
            "not shown yet. Alarm state changes stay in the feed (they come from the alarm history).",
            self, write=write, connection=self.ctx.connection)
        self.confirm_dialog.accepted.connect(lambda: self._send(write))
        self.confirm_dialog.open()

    def _send(self, write) -> None:
        """Send a write the user has just confirmed in its dialog."""
        job = self.ctx.writes.submit(write, confirmed=True, owner=self)
        self.status.setText(f"{write.action}…")
        job.done.connect(self._on_written)
        job.failed.connect(lambda err: self.message_bar.show_error(err, retry=False))

    def _on_written(self, result: object) -> None:
        if isinstance(result, Conflicted):
            self.message_bar.show_message("Not done", result.message, Severity.WARNING)
        self._read_subscription()

    # -- the rest ----------------------------------------------------------
    def _show(self, row: int) -> None:
        entry = self.model.row_at(row)
        self.detail.setPlainText(describe_entry(entry) if entry else "")

    def selected(self) -> FeedEntry | None:
        return self.model.row_at(self.table.currentIndex().row())

    def cancel(self) -> None:
        self.timer.stop()
        for job in list(self._jobs.values()):
            job.cancel()
        self._jobs.clear()
        self._again.clear()

    def _on_connection_changed(self, _connection: object) -> None:
        self.subscription = None
        self.load()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if self.ctx.clients is not None and self.subscription is not None:
            self.timer.start()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 - Qt's name
        self.timer.stop()
        super().hideEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        self.cancel()
        super().closeEvent(event)


__all__ = ["FeedModel", "FeedView", "describe_entry"]
