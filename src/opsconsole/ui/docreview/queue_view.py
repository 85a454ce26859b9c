"""The Reviewer queue: documents waiting for a reviewer, oldest first, with why each is there."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from opsconsole.core import docreview as core
from opsconsole.core.docreview import ReviewTask
from opsconsole.core.docreview.store import utcnow
from opsconsole.core.errors import UserError
from opsconsole.core.format import format_day_time, format_duration
from opsconsole.ui.docreview.controller import DocReviewController
from opsconsole.ui.widgets.message_bar import MessageBar
from opsconsole.ui.widgets.rows_model import RowsModel


class QueueModel(RowsModel[ReviewTask]):
    headers = ("Document", "Type", "Tenant", "Waiting since", "Waiting", "Why", "Status")

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        t = self.row_at(index.row())
        if t is None or role != Qt.ItemDataRole.DisplayRole:
            if t is not None and role == Qt.ItemDataRole.ToolTipRole and index.column() == 5:
                return "\n".join(f"{r.key or r.field}: {r.confidence:.3f}" for r in t.reasons)
            return None
        col = index.column()
        if col == 0:
            return t.document_id
        if col == 1:
            return t.doc_type
        if col == 2:
            return t.tenant
        if col == 3:
            return format_day_time(t.queued_at) if t.queued_at else ""
        if col == 4:
            return format_duration(utcnow() - t.queued_at) if t.queued_at else ""
        if col == 5:
            return t.why
        if col == 6:
            return "claim ran out" if t.status == core.CLAIMED else "waiting"
        return None


class QueueView(QWidget):
    """The queue, a claim at Enter (the selected document) or Ctrl+N (the oldest free one)."""

    #: (task, claimed): open this document in the Review tab.
    open_requested = Signal(object, bool)
    #: Send this document to an A2I flow definition's workforce instead (task).
    a2i_requested = Signal(object)
    loaded = Signal(int)
    load_failed = Signal(object)

    def __init__(self, controller: DocReviewController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("docreview-queue")
        self.controller = controller
        self.model = QueueModel(self)
        self.table = QTableView()
        self.table.setObjectName("docreview-queue-table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(lambda _i: self.claim_selected())
        self.empty = QLabel("No documents wait for review.\n\nDocuments whose extraction has a field under the "
                            "confidence threshold arrive here, oldest first, when the document-processing state "
                            "machine hands them to the console.")
        self.empty.setObjectName("docreview-queue-empty")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setMaximumHeight(6)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.message = MessageBar()
        self.message.retry_requested.connect(self.reload)
        self.count = QLabel("")
        self.claim_button = QPushButton("Claim selected (Enter)")
        self.claim_button.clicked.connect(self.claim_selected)
        self.a2i_button = QPushButton("Send to A2I… (Ctrl+Shift+A)")
        self.a2i_button.setToolTip("Start an A2I human loop for the selected document: the flow definition's "
                                   "workforce reviews it in the worker portal")
        self.a2i_button.clicked.connect(self.send_to_a2i)
        self.next_button = QPushButton("Claim oldest (Ctrl+N)")
        self.next_button.clicked.connect(self.claim_next)
        self.create_button = QPushButton("Create the review table")
        self.create_button.setObjectName("docreview-create-table")
        self.create_button.clicked.connect(self.create_table)
        self.create_button.hide()
        bar = QHBoxLayout()
        bar.addWidget(self.create_button)
        bar.addWidget(self.count, 1)
        bar.addWidget(self.a2i_button)
        bar.addWidget(self.claim_button)
        bar.addWidget(self.next_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.message)
        layout.addLayout(bar)
        layout.addWidget(self.progress)
        layout.addWidget(self.stack, 1)
        for text, keys, slot in (("Claim selected", ["Return", "Enter"], self.claim_selected),
                                 ("Claim oldest", ["Ctrl+N"], self.claim_next),
                                 ("Preview selected", ["Space"], self.preview_selected),
                                 ("Send to A2I", ["Ctrl+Shift+A"], self.send_to_a2i)):
            action = QAction(text, self)
            action.setShortcuts([QKeySequence(k) for k in keys])
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(slot)
            self.addAction(action)
        self._job = None
        self._claiming = False

    def reload(self, keep_message: bool = False) -> None:
        """Read the queue again (``keep_message``: what the message bar says still stands)."""
        if not self.controller.connected:
            self.load_failed.emit(self.controller.not_connected())
            return
        if self._job is not None and self._job.active:
            self._job.cancel()
        if not keep_message:
            self.message.hide()
        self.progress.show()
        rows: list[ReviewTask] = []
        self._pending = rows
        job = self.controller.read(core.iter_queue, self.controller.config, name="Query")
        self._job = job
        job.page.connect(rows.extend)
        job.done.connect(lambda _r: self._loaded(rows))
        job.failed.connect(self._failed)

    def _loaded(self, rows: list[ReviewTask]) -> None:
        self.progress.hide()
        self.model.set_rows(rows)
        self.stack.setCurrentWidget(self.table if rows else self.empty)
        self.count.setText(f"{len(rows)} document{'s' if len(rows) != 1 else ''} waiting, oldest first")
        if rows:
            self.table.selectRow(0)
        if self.isVisible():  # a reload behind the review screen must not take the keyboard from it
            self.table.setFocus()
        self.loaded.emit(len(rows))

    def _failed(self, err: UserError) -> None:
        self.progress.hide()
        if err.code == "ResourceNotFoundException":
            table = self.controller.config.table
            self.message.show_message("No review table", f"This account has no table {table}: the console can "
                                      "create it (on-demand capacity) with the key and index the pipeline uses.")
            self.create_button.show()
            self.model.set_rows([])
            self.stack.setCurrentWidget(self.empty)
            self.loaded.emit(0)
            return
        self.message.show_error(err)
        self.load_failed.emit(err)

    def create_table(self) -> None:
        """CreateTable, audited; then the (empty) queue."""
        from opsconsole.core.docreview.tasks import table_definition
        from opsconsole.core.writes import ApiCall, Write

        config = self.controller.config
        call = ApiCall("dynamodb", "CreateTable", table_definition(config))
        write = Write.api("Create review table", config.table, call, who=self.controller.ctx.who,
                          result=lambda out: out.get("TableDescription", {}).get("TableName", ""))

        def done(_name: str) -> None:
            self.create_button.hide()
            self.message.show_message("Table created", f"{config.table} is being created; the queue fills as "
                                      "documents arrive.")
            self.reload()

        self.controller.send(write, done)

    def selected(self) -> ReviewTask | None:
        return self.model.row_at(self.table.currentIndex().row())

    def claim_selected(self) -> None:
        task = self.selected()
        if task is not None:
            self._claim(task)

    def claim_next(self) -> None:
        self._claim(None)

    def preview_selected(self) -> None:
        task = self.selected()
        if task is not None:
            self.open_requested.emit(task, False)

    def send_to_a2i(self) -> None:
        task = self.selected()
        if task is not None:
            self.a2i_requested.emit(task)

    def _claim(self, task: ReviewTask | None) -> None:
        if self._claiming:
            return
        self._claiming = True

        def done(claimed: ReviewTask | None) -> None:
            self._claiming = False
            if claimed is None:
                self.message.show_message("Queue empty", "No document is free to claim right now.")
                self.reload(keep_message=True)
                return
            self.open_requested.emit(claimed, True)
            self.reload()

        def failed(err: UserError) -> None:
            self._claiming = False
            self.message.show_error(err, retry=False)
            self.reload(keep_message=True)

        self.controller.send(self.controller.claim_write(task), done, failed=failed)
