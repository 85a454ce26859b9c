"""The Operations tab: A2I flow definitions, the loops of one (thousands, streamed), one loop's answers.

Loops arrive a ListHumanLoops page (100) at a time and are appended as they
come; the filter (status, text) works on what has arrived. Stop and delete
are confirmed and audited; delete is offered only for loops A2I can delete.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from opsconsole.core import docreview as core
from opsconsole.core.docreview import (
    DELETABLE,
    LOOP_STATUSES,
    STOPPABLE,
    FlowDefinition,
    HumanLoop,
    LoopDetail,
)
from opsconsole.core.docreview.loops import count_loops
from opsconsole.core.errors import UserError
from opsconsole.ui.confirm import ConfirmDialog
from opsconsole.ui.docreview.controller import DocReviewController
from opsconsole.ui.docreview.loop_detail import LoopDetailView, StartLoopDialog
from opsconsole.ui.docreview.ops_models import FlowsModel, LoopFilter, LoopsModel
from opsconsole.ui.widgets.filter_line_edit import FilterLineEdit
from opsconsole.ui.widgets.message_bar import MessageBar


def _table(name: str) -> QTableView:
    table = QTableView()
    table.setObjectName(name)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().hide()
    table.verticalHeader().setDefaultSectionSize(22)
    return table


class OperationsView(QWidget):
    """Flow definitions (with counts), their loops, the selected loop; start, stop, delete."""

    loops_loaded = Signal(int)
    #: The flow definitions are listed (not yet counted).
    flows_listed = Signal()

    def __init__(self, controller: DocReviewController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("docreview-ops")
        self.controller = controller
        self.message = MessageBar()
        self.message.retry_requested.connect(self.reload)

        self.flows = FlowsModel(self)
        self.flows_table = _table("docreview-flows")
        self.flows_table.setModel(self.flows)
        self.flows_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.flows_table.setMaximumHeight(110)
        self.flows_table.selectionModel().currentRowChanged.connect(lambda cur, _p: self._on_flow(cur.row()))
        self.flows_progress = QProgressBar()
        self.flows_progress.setMaximumHeight(6)
        self.flows_progress.setTextVisible(False)
        self.flows_progress.hide()

        self.loops = LoopsModel(self)
        self.proxy = LoopFilter(self)
        self.proxy.setSourceModel(self.loops)
        self.proxy.setSortRole(Qt.ItemDataRole.UserRole)
        self.loops_table = _table("docreview-loops")
        self.loops_table.setModel(self.proxy)
        self.loops_table.setSortingEnabled(False)
        header = self.loops_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in ((0, 210), (1, 90), (2, 130), (3, 90)):
            header.resizeSection(column, width)
        self.loops_table.selectionModel().selectionChanged.connect(lambda _s, _d: self._on_selection())
        for signal in (self.proxy.modelReset, self.proxy.layoutChanged, self.proxy.rowsRemoved,
                       self.proxy.rowsInserted):
            signal.connect(self._on_selection)
        self.loops_empty = QLabel("Pick a flow definition above: its human loops (A2I's review tasks for its "
                                  "workforce) are listed here, newest first.")
        self.loops_empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.loops_empty.setWordWrap(True)
        self.loops_stack = QStackedWidget()
        self.loops_stack.addWidget(self.loops_empty)
        self.loops_stack.addWidget(self.loops_table)
        self.status_filter = QComboBox()
        self.status_filter.addItem("Any status", "")
        for s in LOOP_STATUSES:
            self.status_filter.addItem(s, s)
        self.since = QComboBox()
        self.since.setObjectName("docreview-loops-since")
        for label, hours in (("Created: any time", 0), ("Last 24 hours", 24), ("Last 7 days", 168),
                             ("Last 30 days", 720)):
            self.since.addItem(label, hours)
        self.since.setToolTip("ListHumanLoops' CreationTimeAfter: older loops are not fetched at all")
        self.since.currentIndexChanged.connect(lambda _i: self.selected_flow() and self.load_loops(self.selected_flow()))
        self.text_filter = FilterLineEdit("Filter loops by name or failure (Ctrl+F)")
        self.status_filter.currentIndexChanged.connect(lambda _i: self._filter())
        self.text_filter.filter_changed.connect(lambda _t: self._filter())
        self.loops_count = QLabel("")
        self.loops_progress = QProgressBar()
        self.loops_progress.setRange(0, 0)
        self.loops_progress.setMaximumHeight(6)
        self.loops_progress.setTextVisible(False)
        self.loops_progress.hide()

        self.detail = LoopDetailView()
        self.start_button = QPushButton("Start loop…")
        self.stop_button = QPushButton("Stop")
        self.delete_button = QPushButton("Delete")
        self.start_button.clicked.connect(self.start_loop)
        self.stop_button.clicked.connect(self.stop_loop)
        self.delete_button.clicked.connect(self.delete_loop)
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addStretch(1)
        buttons.addWidget(self.stop_button)
        buttons.addWidget(self.delete_button)

        bar = QHBoxLayout()
        bar.addWidget(self.since)
        bar.addWidget(self.status_filter)
        bar.addWidget(self.text_filter, 1)
        bar.addWidget(self.loops_count)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addLayout(bar)
        ll.addWidget(self.loops_progress)
        ll.addWidget(self.loops_stack, 1)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.detail, 1)
        rl.addLayout(buttons)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.message)
        layout.addWidget(QLabel("Flow definitions"))
        layout.addWidget(self.flows_progress)
        layout.addWidget(self.flows_table)
        layout.addWidget(split, 1)
        for text, keys, slot in (("Filter loops", ["Ctrl+F"], self.text_filter.setFocus),
                                 ("Start loop", ["Ctrl+Shift+N"], self.start_loop),
                                 ("Stop loop", ["Ctrl+Shift+S"], self.stop_loop),
                                 ("Delete loop", ["Delete"], self.delete_loop)):
            action = QAction(text, self)
            action.setShortcuts([QKeySequence(k) for k in keys])
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(slot)
            self.addAction(action)
        self._flows_job = None
        self._loops_job = None
        self._detail_job = None
        self._shown: HumanLoop | None = None
        self._enable()

    # -- flows ------------------------------------------------------------------------------------
    def reload(self) -> None:
        if not self.controller.connected:
            return
        for job in (self._flows_job, self._loops_job):
            if job is not None and job.active:
                job.cancel()
        self.message.hide()
        self.flows.set_rows([])
        self.flows_progress.setRange(0, 0)
        self.flows_progress.show()
        job = self.controller.read(self._overview, name="ListHumanLoops")
        self._flows_job = job
        job.page.connect(self._on_flow_counted)
        job.done.connect(lambda _r: self.flows_progress.hide())
        job.failed.connect(self._failed)

    @staticmethod
    def _overview(clients):
        """Flow definitions first (listed, not counted), then each again once its loops are counted."""
        flows = [f for page in core.iter_flow_definitions(clients) for f in page]
        yield flows
        for flow in flows:
            counted = count_loops(flow, [])
            for page in core.iter_loops(clients, flow.arn):
                counted = count_loops(flow, page, into=counted)
            yield counted

    def _on_flow_counted(self, value) -> None:
        if isinstance(value, list):
            self.flows.set_rows(value)
            if value and self.flows_table.currentIndex().row() < 0:
                self.flows_table.selectRow(0)
            self.flows_listed.emit()
            if not value:
                self.loops_empty.setText("No flow definitions in this account and region. A flow definition "
                                         "(SageMaker › Augmented AI) sends low-confidence items to a workforce; "
                                         "its loops are listed here.")
            return
        self.flows.replace(value)

    def _failed(self, err: UserError) -> None:
        self.flows_progress.hide()
        self.loops_progress.hide()
        self.message.show_error(err)

    def selected_flow(self) -> FlowDefinition | None:
        return self.flows.row_at(self.flows_table.currentIndex().row())

    # -- loops ------------------------------------------------------------------------------------
    def _on_flow(self, row: int) -> None:
        flow = self.flows.row_at(row)
        if flow is not None:
            self.load_loops(flow)

    def load_loops(self, flow: FlowDefinition) -> None:
        if self._loops_job is not None and self._loops_job.active:
            self._loops_job.cancel()
        self.loops.set_rows([])
        self.detail.show_detail(None)
        self.loops_stack.setCurrentWidget(self.loops_table)
        self.loops_progress.show()
        self.loops_count.setText("loading…")
        hours = int(self.since.currentData() or 0)
        after = datetime.now(UTC) - timedelta(hours=hours) if hours else None
        job = self.controller.read(core.iter_loops, flow.arn, after=after, name="ListHumanLoops")
        self._loops_job = job
        job.page.connect(self._on_loops_page)
        job.done.connect(lambda _r: self._loops_done())
        job.failed.connect(self._failed)

    def _on_loops_page(self, page: list[HumanLoop]) -> None:
        self.loops.append_rows(page)
        self._count()

    def _loops_done(self) -> None:
        self.loops_progress.hide()
        self._count()
        if not self.loops.rowCount():
            self.loops_empty.setText("This flow definition has no human loops yet: loops appear when the "
                                     "pipeline (or Start loop…) sends it an item.")
            self.loops_stack.setCurrentWidget(self.loops_empty)
        self.loops_loaded.emit(self.loops.rowCount())

    def _count(self) -> None:
        shown, total = self.proxy.rowCount(), self.loops.rowCount()
        more = "…" if self._loops_job is not None and self._loops_job.active else ""
        self.loops_count.setText(f"{shown:,} of {total:,}{more} loops" if shown != total else f"{total:,}{more} loops")

    def _filter(self) -> None:
        self.proxy.set_filter(self.status_filter.currentData() or "", self.text_filter.text())
        self._count()

    def selected_loop(self) -> HumanLoop | None:
        picked = self.loops_table.selectionModel().selectedIndexes()
        index = picked[0] if picked else None
        if index is None or not index.isValid():
            return None
        return self.loops.row_at(self.proxy.mapToSource(index).row())

    def _on_selection(self, *_args) -> None:
        """The loop picked changed (or the list under it did): its detail, and what may be done to it."""
        loop = self.selected_loop()
        self._enable()
        if loop is None or loop == self._shown:
            return
        self._shown = loop
        if self._detail_job is not None and self._detail_job.active:
            self._detail_job.cancel()
        self.detail.show_loading(loop.name)
        job = self.controller.read(core.describe_loop, loop.name, name="DescribeHumanLoop")
        self._detail_job = job
        job.done.connect(self._on_detail)
        job.failed.connect(lambda err: self.detail.show_error(err))

    def _on_detail(self, detail: LoopDetail) -> None:
        loop = self.selected_loop()
        if loop is None or loop.name != detail.name:
            return
        self.detail.show_detail(detail)

    def _enable(self) -> None:
        loop = self.selected_loop()
        self.stop_button.setEnabled(loop is not None and loop.status in STOPPABLE)
        can_delete = loop is not None and loop.status in DELETABLE
        self.delete_button.setEnabled(can_delete)
        self.delete_button.setToolTip(
            "Delete this loop and its record in A2I (Delete)" if can_delete else
            "A2I deletes only Failed, Completed or Stopped loops; stop a loop in progress first"
            if loop is not None else "Pick a loop")
        self.stop_button.setToolTip("Stop this loop: its workers' pending tasks are withdrawn (Ctrl+Shift+S)"
                                    if loop is not None and loop.status in STOPPABLE else
                                    "Only a loop in progress can be stopped")

    # -- writes -----------------------------------------------------------------------------------
    def _confirm_and_send(self, write, consequence: str, loop: HumanLoop, new_status: str) -> ConfirmDialog:
        dialog = ConfirmDialog(write.action, loop.name, consequence, self, write=write,
                               connection=self.controller.ctx.connection)

        def done(_out) -> None:
            self.message.show_message(f"{write.action}: done", f"{loop.name} is {new_status}.")
            self._replace_loop(loop, new_status)

        dialog.accepted.connect(lambda: self.controller.send(
            write, done, confirmed=True, failed=lambda err: self.message.show_error(err, retry=False)))
        dialog.open()
        self.confirm_dialog = dialog
        return dialog

    def _replace_loop(self, loop: HumanLoop, status: str) -> None:
        rows = self.loops.all_rows()
        for i, have in enumerate(rows):
            if have.name == loop.name:
                if status == "deleted":
                    rows.pop(i)
                else:
                    rows[i] = replace(have, status=status)
                break
        self.loops.set_rows(rows)
        self._count()
        self._enable()

    def stop_loop(self) -> ConfirmDialog | None:
        loop = self.selected_loop()
        if loop is None or loop.status not in STOPPABLE:
            return None
        write = core.stop_loop_write(loop, self.controller.ctx.who)
        return self._confirm_and_send(write, "A2I withdraws the loop's tasks from its workers; answers not yet "
                                             "submitted are lost. The loop ends as <b>Stopped</b>.", loop, "Stopping")

    def delete_loop(self) -> ConfirmDialog | None:
        loop = self.selected_loop()
        if loop is None:
            return None
        if loop.status not in DELETABLE:
            self.message.show_message("Cannot delete", f"{loop.name} is {loop.status}: A2I deletes only Failed, "
                                      "Completed or Stopped loops. Stop it first.")
            return None
        write = core.delete_loop_write(loop, self.controller.ctx.who)
        return self._confirm_and_send(write, "A2I forgets the loop; its output in S3 stays where it is.",
                                      loop, "deleted")

    def start_loop(self, document_id: str = "", doc_type: str = "", task=None) -> StartLoopDialog | None:
        """Start a loop (``document_id``: prefilled; ``task``: the queue's waiting document it takes over)."""
        flows = self.flows.all_rows()
        if not flows:
            self.message.show_message("No flow definition", "A loop is started on a flow definition; "
                                      "this account has none listed.")
            return None
        flow = self.selected_flow()
        if doc_type:  # the flow definition of that kind of document, when there is one
            kind = "invoice" if doc_type == "invoice" else "customs"
            flow = next((f for f in flows if kind in f.name), flow)
        dialog = StartLoopDialog(self.controller, flows, flow, self, task=task)
        if document_id:
            dialog.document.setText(document_id)
            dialog.document.textEdited.emit(document_id)
        dialog.started.connect(lambda name: (self.message.show_message("Loop started", name),
                                             self.load_loops(self.selected_flow()) if self.selected_flow() else None))
        dialog.open()
        self.start_dialog = dialog
        return dialog
