"""The dead-letter queues page: every DLQ, a peek at its messages, redrive with progress, cancel,
delete chosen messages, export as JSON, and the execution a message names."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from opsconsole.core import executions
from opsconsole.core.alerts import dlq as core
from opsconsole.core.alerts.dlq import DeadLetter, DeadLetterQueue, Deleted, MoveTask
from opsconsole.core.errors import DomainError, UserError
from opsconsole.core.format import format_timestamp
from opsconsole.core.writes import Write
from opsconsole.jobs.runner import Job
from opsconsole.ui.alerts.dlq.models import MessageColumn, MessagesModel, QueueColumn, QueuesModel
from opsconsole.ui.alerts.dlq.redrive import RedriveDialog
from opsconsole.ui.confirm import ConfirmDialog
from opsconsole.ui.context import AppContext
from opsconsole.ui.widgets.message_bar import MessageBar, Severity
from opsconsole.ui.widgets.rows_model import RowsModel

#: How often a running redrive's progress is asked for.
MOVE_POLL_MS = 1000
PEEK_NOTE = ("A peek receives the messages: each one's receive count goes up by one and it is hidden for a few "
             "seconds, then made visible again at once (visibility timeout set back to 0). The peek is audited.")


class DeadLetterView(QWidget):
    """Dead-letter queues; ``open_execution(Execution)`` when a message's execution is opened."""

    #: An ``Execution`` (opsconsole.core.executions) to open, from a message that names it.
    open_execution = Signal(object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.messages_of: DeadLetterQueue | None = None
        self.task: MoveTask | None = None
        self.before: dict[str, int] | None = None
        self.confirm_dialog: ConfirmDialog | None = None
        self.redrive_dialog: RedriveDialog | None = None
        self._jobs: dict[str, Job] = {}
        self._destinations: list[str] = []

        intro = QLabel("Every queue another queue's redrive policy sends failed messages to. Redrive moves them "
                       "back (or to a queue you choose); counts before and after show nothing was lost.")
        intro.setWordWrap(True)
        self.status = QLabel("Not loaded yet.")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setToolTip("List the dead-letter queues again (F5)")
        self.refresh_button.clicked.connect(self.load)
        QShortcut(QKeySequence(Qt.Key.Key_F5), self, self.load, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.message_bar = MessageBar(self)
        self.message_bar.retry_requested.connect(self.load)

        self.queues = QueuesModel(self)
        self.queue_table = self._table(self.queues, "dlq-queues", QueueColumn.SOURCES)
        self.queue_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.queue_table.selectionModel().currentRowChanged.connect(lambda *_a: self._on_queue_changed())
        self.empty = QLabel("No dead-letter queue: no queue in this account and region has a redrive policy. "
                            "Queues that receive other queues' failed messages would be listed here.")
        self.empty.setWordWrap(True)
        self.empty.hide()

        self.peek_button = QPushButton("Peek at messages")
        self.peek_button.setShortcut(QKeySequence("Ctrl+P"))
        self.peek_button.setToolTip("Receive up to 100 messages and return them at once (Ctrl+P)")
        self.peek_button.clicked.connect(self.peek)
        self.redrive_button = QPushButton("Redrive…")
        self.redrive_button.setShortcut(QKeySequence("Ctrl+R"))
        self.redrive_button.clicked.connect(self.ask_redrive)
        self.cancel_button = QPushButton("Cancel redrive…")
        self.cancel_button.clicked.connect(self.ask_cancel)
        self.progress = QProgressBar()
        self.progress.setObjectName("dlq-progress")
        self.progress.setMaximumWidth(220)
        self.progress.hide()
        self.move_label = QLabel()
        self.move_label.setObjectName("dlq-move")
        self.move_label.setTextFormat(Qt.TextFormat.PlainText)
        self.move_label.setWordWrap(True)
        queue_actions = QHBoxLayout()
        for w in (self.peek_button, self.redrive_button, self.cancel_button, self.progress):
            queue_actions.addWidget(w)
        queue_actions.addWidget(self.move_label, 1)

        self.note = QLabel(PEEK_NOTE)
        self.note.setWordWrap(True)
        self.messages = MessagesModel(self)
        self.message_table = self._table(self.messages, "dlq-messages", MessageColumn.BODY)
        self.message_table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.message_table.selectionModel().selectionChanged.connect(lambda *_a: self._on_message_changed())
        self.message_table.doubleClicked.connect(lambda _i: self.open_selected_execution())
        self.detail = QPlainTextEdit()
        self.detail.setObjectName("dlq-detail")
        self.detail.setReadOnly(True)
        self.detail.setPlaceholderText("Peek at a queue's messages, then pick one to read it whole.")
        self.delete_button = QPushButton("Delete chosen…")
        self.delete_button.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        self.delete_button.clicked.connect(self.ask_delete)
        self.export_button = QPushButton("Export as JSON…")
        self.export_button.setShortcut(QKeySequence("Ctrl+S"))
        self.export_button.clicked.connect(self.ask_export)
        self.execution_button = QPushButton("Open execution")
        self.execution_button.setToolTip("Open the Step Functions execution the message names (double-click)")
        self.execution_button.clicked.connect(self.open_selected_execution)
        message_actions = QHBoxLayout()
        for w in (self.delete_button, self.export_button, self.execution_button):
            message_actions.addWidget(w)
        message_actions.addStretch(1)

        top = QHBoxLayout()
        top.addWidget(self.status, 1)
        top.addWidget(self.refresh_button)
        upper = QWidget()
        up = QVBoxLayout(upper)
        up.setContentsMargins(0, 0, 0, 0)
        up.addWidget(self.queue_table, 1)
        up.addWidget(self.empty)
        up.addLayout(queue_actions)
        lower = QWidget()
        low = QVBoxLayout(lower)
        low.setContentsMargins(0, 0, 0, 0)
        low.addWidget(self.note)
        inner = QSplitter(Qt.Orientation.Horizontal)
        inner.addWidget(self.message_table)
        inner.addWidget(self.detail)
        inner.setStretchFactor(0, 3)
        inner.setStretchFactor(1, 2)
        low.addWidget(inner, 1)
        low.addLayout(message_actions)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(upper)
        split.addWidget(lower)
        split.setSizes([220, 480])
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(top)
        layout.addWidget(self.message_bar)
        layout.addWidget(split, 1)

        self.move_timer = QTimer(self)
        self.move_timer.setInterval(MOVE_POLL_MS)
        self.move_timer.timeout.connect(self.poll_moves)
        ctx.connection_changed.connect(self._on_connection_changed)
        self._update()

    @staticmethod
    def _table(model: RowsModel, name: str, stretch: int) -> QTableView:
        table = QTableView()
        table.setObjectName(name)
        table.setModel(model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.verticalHeader().hide()
        table.setWordWrap(False)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
        return table

    # -- jobs ----------------------------------------------------------------
    def _read(self, key: str, func, *args, name: str) -> Job | None:
        if self.ctx.clients is None:
            return None
        old = self._jobs.pop(key, None)
        if old is not None:
            old.cancel()
        job = self.ctx.runner.submit(func, self.ctx.clients, *args, owner=self, name=name)
        self._jobs[key] = job
        job.finished.connect(lambda: self._jobs.pop(key, None) if self._jobs.get(key) is job else None)
        job.failed.connect(self._show_error)
        return job

    def _show_error(self, err: UserError) -> None:
        self.message_bar.show_error(err, retry=err.kind.value not in ("refused",))

    def cancel(self) -> None:
        self.move_timer.stop()
        for job in list(self._jobs.values()):
            job.cancel()
        self._jobs.clear()

    # -- queues ----------------------------------------------------------------
    def load(self) -> None:
        """List the dead-letter queues (keeps the selected one selected)."""
        self.message_bar.hide()
        if self.ctx.clients is None:
            self.status.setText("Not connected.")
            return
        self.status.setText("Reading the queues and their redrive policies…")
        job = self._read("queues", core.dead_letter_queues, name="List dead-letter queues")
        job.page.connect(self._on_queues)
        self._read("destinations", core.all_queue_arns, name="List queues").done.connect(self._on_destinations)

    def _on_destinations(self, arns: list[str]) -> None:
        self._destinations = arns

    def _on_queues(self, queues: list[DeadLetterQueue]) -> None:
        current = self.selected_queue()
        self.queues.set_rows(queues)
        self.queue_table.setVisible(bool(queues))
        self.empty.setVisible(not queues)
        total = sum(q.visible for q in queues)
        self.status.setText(f"{len(queues)} dead-letter queue(s), {total} message(s) waiting.")
        names = [q.arn for q in queues]
        row = names.index(current.arn) if current is not None and current.arn in names else (0 if queues else -1)
        if row >= 0:
            self.queue_table.selectRow(row)
        self._update()

    def selected_queue(self) -> DeadLetterQueue | None:
        return self.queues.row_at(self.queue_table.currentIndex().row())

    def _on_queue_changed(self) -> None:
        queue = self.selected_queue()
        if queue is None:
            return
        if self.messages_of is not None and self.messages_of.arn != queue.arn:
            self.messages.set_rows([])
            self.messages_of = None
            self.detail.clear()
        if self.task is None or self.task.source_arn != queue.arn:
            self.task = None
            self.progress.hide()
            self.move_label.clear()
            self.poll_moves()
        self._update()

    # -- peek --------------------------------------------------------------------
    def peek(self) -> None:
        queue = self.selected_queue()
        if queue is None or self.ctx.clients is None:
            return
        job = self.ctx.writes.submit(core.peek_write(queue), owner=self)
        self.status.setText(f"Peeking at {queue.name}…")
        job.done.connect(lambda found: self._on_peeked(queue, found))
        job.failed.connect(self._show_error)

    def _on_peeked(self, queue: DeadLetterQueue, found: list[DeadLetter]) -> None:
        self.messages_of = queue
        self.messages.set_rows(found)
        more = (f" Only the first {core.PEEK_LIMIT} are shown; the queue has {queue.visible}."
                if len(found) >= core.PEEK_LIMIT and queue.visible > len(found) else "")
        self.status.setText(f"{len(found)} message(s) of {queue.name} read and returned to the queue.{more}")
        if found:
            self.message_table.selectRow(0)
        self._update()

    def chosen(self) -> list[DeadLetter]:
        rows = sorted({i.row() for i in self.message_table.selectionModel().selectedRows()})
        return [m for m in (self.messages.row_at(r) for r in rows) if m is not None]

    def _on_message_changed(self) -> None:
        chosen = self.chosen()
        self.detail.setPlainText(self._describe(chosen[0]) if len(chosen) == 1 else
                                 f"{len(chosen)} messages chosen." if chosen else "")
        self._update()

    @staticmethod
    def _describe(m: DeadLetter) -> str:
        lines = [f"Message ID: {m.message_id}", f"Sent: {format_timestamp(m.sent) if m.sent else '?'}",
                 f"Received {m.receive_count} time(s)"]
        lines += [f"Names execution: {arn}" for arn in m.execution_arns]
        lines += [f"Attribute {k}: {v}" for k, v in m.attributes.items()]
        return "\n".join(lines + ["", m.body])

    # -- redrive -----------------------------------------------------------------
    def ask_redrive(self) -> None:
        queue = self.selected_queue()
        if queue is None:
            return
        self.redrive_dialog = RedriveDialog(queue, self._destinations, self)
        self.redrive_dialog.accepted.connect(lambda: self.redrive(queue, *self.redrive_dialog.choice()))
        self.redrive_dialog.open()

    def redrive(self, queue: DeadLetterQueue, destination: str | None = None, rate: int | None = None) -> None:
        """Confirm (with the CLI), count before, start the move, follow it."""
        try:
            write = core.redrive_write(queue, destination, rate)
        except DomainError as exc:
            self.message_bar.show_message(exc.title, exc.message, Severity.ERROR)
            return
        where = core.queue_name(destination) if destination else ", ".join(queue.source_names)
        speed = f"at up to {rate} messages a second" if rate else "at the rate SQS chooses"
        self.confirm_dialog = ConfirmDialog(
            write.action, queue.name,
            f"Moves the {queue.visible} message(s) now in the queue to {where}, {speed}. Whatever reads that "
            "queue will process them again. Progress is shown here; a move can be cancelled while it runs, "
            "which stops it but does not bring back what already moved.",
            self, write=write, connection=self.ctx.connection)
        self.confirm_dialog.accepted.connect(lambda: self._count_then_send(queue, destination, write))
        self.confirm_dialog.open()

    def _count_then_send(self, queue: DeadLetterQueue, destination: str | None, write: Write) -> None:
        arns = [queue.arn, *([destination] if destination else queue.sources)]
        job = self._read("before", core.counts_by_arn, arns, name="Count messages before the redrive")
        if job is None:
            return
        job.done.connect(lambda counts: self._send_redrive(counts, write))

    def _send_redrive(self, counts: dict[str, int], write: Write) -> None:
        self.before = counts
        job = self.ctx.writes.submit(write, confirmed=True, owner=self)
        self.move_label.setText("Starting the move…")
        job.done.connect(lambda _handle: self.poll_moves())
        job.failed.connect(self._show_error)

    def poll_moves(self) -> None:
        """Ask ListMessageMoveTasks about the selected queue (in the background; a question still on its
        way is dropped for this newer one)."""
        queue = self.selected_queue()
        if queue is None:
            return
        job = self._read("moves", core.move_tasks, queue.arn, name="ListMessageMoveTasks")
        if job is not None:
            job.done.connect(lambda tasks: self._on_moves(queue, tasks))

    def _on_moves(self, queue: DeadLetterQueue, tasks: list[MoveTask]) -> None:
        current = self.selected_queue()
        if current is None or current.arn != queue.arn:
            return
        latest = tasks[0] if tasks else None
        was_active = self.task is not None and self.task.active
        self.task = latest
        if latest is None:
            self.progress.hide()
            self._update()
            return
        total = latest.to_move or 0
        self.progress.setVisible(latest.active or was_active)
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(min(latest.moved, max(total, 1)))
        text = f"Last redrive {latest.status.lower()}: {latest.moved} of {total} moved"
        if latest.started:
            text += f", started {format_timestamp(latest.started)}"
        if latest.failure:
            text += f". {latest.failure}"
        self.move_label.setText(text + ".")
        if latest.active:
            self.move_timer.start()
        else:
            self.move_timer.stop()
            if was_active or self.before is not None:
                self._count_after(queue, latest)
        self._update()

    def _count_after(self, queue: DeadLetterQueue, task: MoveTask) -> None:
        before = self.before or {}
        self.before = None
        if not before:
            self.load()
            return
        job = self._read("after", core.counts_by_arn, list(before), name="Count messages after the redrive")
        if job is not None:
            job.done.connect(lambda after: self._show_counts(task, before, after))

    def _show_counts(self, task: MoveTask, before: dict[str, int], after: dict[str, int]) -> None:
        parts = [f"{core.queue_name(arn)} {before[arn]} → {after.get(arn, '?')}" for arn in before]
        lost = sum(before.values()) - sum(after.values())
        verdict = ("nothing lost" if lost == 0 else
                   f"{lost} fewer in total: other consumers may have taken or added messages meanwhile")
        self.move_label.setText(f"Redrive {task.status.lower()}: {task.moved} moved. Before and after: "
                                f"{'; '.join(parts)} ({verdict}).")
        self.load()

    def ask_cancel(self) -> None:
        task = self.task
        if task is None:
            return
        try:
            write = core.cancel_write(task)
        except DomainError as exc:
            self.message_bar.show_message(exc.title, exc.message, Severity.WARNING)
            return
        self.confirm_dialog = ConfirmDialog(
            write.action, core.queue_name(task.source_arn),
            f"Stops the move. The {task.moved} message(s) already moved stay where they went: cancelling does "
            "not undo them; the rest stay in the dead-letter queue.",
            self, write=write, connection=self.ctx.connection)
        self.confirm_dialog.accepted.connect(lambda: self._send_cancel(write))
        self.confirm_dialog.open()

    def _send_cancel(self, write: Write) -> None:
        job = self.ctx.writes.submit(write, confirmed=True, owner=self)
        job.done.connect(lambda _t: self.poll_moves())
        job.failed.connect(self._show_error)

    # -- delete, export, open ----------------------------------------------------------
    def ask_delete(self) -> None:
        queue, chosen = self.messages_of, self.chosen()
        if queue is None or not chosen:
            return
        write = core.delete_write(queue, [m.message_id for m in chosen])
        self.confirm_dialog = ConfirmDialog(
            write.action, queue.name,
            f"Deletes {len(chosen)} message(s) for good. They cannot be redriven afterwards; export them first "
            "if they may be needed. Other messages received on the way are returned at once.",
            self, details="\n".join(m.message_id for m in chosen), write=write, connection=self.ctx.connection)
        self.confirm_dialog.accepted.connect(lambda: self._send_delete(write))
        self.confirm_dialog.open()

    def _send_delete(self, write: Write) -> None:
        job = self.ctx.writes.submit(write, confirmed=True, owner=self)
        job.done.connect(self._on_deleted)
        job.failed.connect(self._show_error)

    def _on_deleted(self, result: Deleted) -> None:
        gone = set(result.deleted)
        self.messages.set_rows([m for m in self.messages.all_rows() if m.message_id not in gone])
        text = f"{len(result.deleted)} message(s) deleted."
        if result.not_found:
            text += f" {len(result.not_found)} were not found (someone else received or deleted them)."
        self.message_bar.show_message("Deleted", text, Severity.WARNING if result.not_found else Severity.INFO)
        self.load()

    def ask_export(self) -> None:
        if not self.messages.rowCount():
            return
        name = f"{self.messages_of.name if self.messages_of else 'messages'}.json"
        path, _ = QFileDialog.getSaveFileName(self, "Export messages as JSON", name, "JSON (*.json)")
        if path:
            self.export_to(path)

    def export_to(self, path: str) -> int:
        """Write the chosen messages (or all shown) to ``path`` (owner-only); says how many."""
        messages = self.chosen() or self.messages.all_rows()
        try:
            count = core.export_messages(messages, path, self.messages_of)
        except OSError as exc:
            self.message_bar.show_message("Not exported", f"{path}: {exc.strerror or exc}", Severity.ERROR)
            return 0
        self.message_bar.show_message("Exported", f"{count} message(s) written to {path} (readable by you only).")
        return count

    def open_selected_execution(self) -> None:
        chosen = self.chosen()
        arns = chosen[0].execution_arns if len(chosen) == 1 else []
        if not arns:
            return
        job = self._read("execution", executions.describe_execution, arns[0], name="DescribeExecution")
        if job is not None:
            job.done.connect(self.open_execution.emit)

    # -- state -------------------------------------------------------------------
    def _update(self) -> None:
        queue = self.selected_queue()
        chosen = self.chosen()
        self.peek_button.setEnabled(queue is not None)
        running = self.task is not None and self.task.active
        self.redrive_button.setEnabled(queue is not None and queue.visible > 0 and not running)
        self.redrive_button.setToolTip("A move is already running for this queue" if running else
                                       "Move the messages back to their source queue or to another (Ctrl+R)")
        self.cancel_button.setEnabled(self.task is not None and self.task.status == "RUNNING")
        self.cancel_button.setToolTip("Only a running move can be cancelled; it does not undo what already moved")
        self.delete_button.setEnabled(bool(chosen))
        self.export_button.setEnabled(self.messages.rowCount() > 0)
        names = len(chosen) == 1 and bool(chosen[0].execution_arns)
        self.execution_button.setEnabled(names)

    def _on_connection_changed(self, _connection: object) -> None:
        self.cancel()
        self.task = None
        self.before = None
        self.messages_of = None
        self.messages.set_rows([])
        self.queues.set_rows([])
        self.load()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        self.cancel()
        super().closeEvent(event)

