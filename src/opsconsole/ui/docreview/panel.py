"""The Document review area: the reviewer queue, the review screen, A2I operations and throughput."""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QLabel, QTabWidget, QVBoxLayout, QWidget

from opsconsole.core.docreview import ReviewTask
from opsconsole.core.errors import UserError
from opsconsole.ui.context import AppContext
from opsconsole.ui.docreview.controller import DocReviewController
from opsconsole.ui.docreview.ops_view import OperationsView
from opsconsole.ui.docreview.queue_view import QueueView
from opsconsole.ui.docreview.review_view import ReviewView
from opsconsole.ui.docreview.throughput_view import ThroughputView
from opsconsole.ui.panel import Panel


class DocReviewPanel(Panel):
    """Four tabs: Reviewer queue, Review, Operations (A2I), Throughput. F5 reloads the one showing."""

    key = "docreview"
    title = "Document review"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.controller = DocReviewController(ctx, self)
        self.queue = QueueView(self.controller)
        self.review = ReviewView(self.controller)
        self.ops = OperationsView(self.controller)
        self.throughput = ThroughputView(self.controller)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("docreview-tabs")
        self.tabs.addTab(self.queue, "Reviewer queue")
        self.tabs.addTab(self.review, "Review")
        self.tabs.addTab(self.ops, "Operations (A2I)")
        self.tabs.addTab(self.throughput, "Throughput")
        self.user_label = QLabel()
        self.user_label.setTextFormat(Qt.TextFormat.PlainText)
        header = QHBoxLayout()
        title = QLabel("Document review")
        font = title.font()
        font.setBold(True)
        title.setFont(font)
        header.addWidget(title)
        header.addStretch(1)
        header.addWidget(self.user_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(header)
        layout.addWidget(self.tabs, 1)

        self._loaded_tabs: set[int] = set()
        self._reported = False
        self.waiting = 0
        self.queue.open_requested.connect(self.open_document)
        self.queue.a2i_requested.connect(self.send_to_a2i)
        self.queue.loaded.connect(self._on_queue)
        self.queue.load_failed.connect(self._fail)
        self.review.finished.connect(lambda _t: self.queue.reload())
        self.review.next_requested.connect(self.queue.claim_next)
        self.tabs.currentChanged.connect(self._on_tab)
        ctx.identity_changed.connect(lambda _who: self._show_user())
        self._show_user()
        for text, keys, slot in (("Refresh", ["F5"], self.refresh),
                                 ("Reviewer queue", ["Alt+1"], lambda: self.tabs.setCurrentIndex(0)),
                                 ("Review", ["Alt+2"], lambda: self.tabs.setCurrentIndex(1)),
                                 ("Operations", ["Alt+3"], lambda: self.tabs.setCurrentIndex(2)),
                                 ("Throughput", ["Alt+4"], lambda: self.tabs.setCurrentIndex(3))):
            action = QAction(text, self)
            action.setShortcuts([QKeySequence(k) for k in keys])
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(slot)
            self.addAction(action)

    def _show_user(self) -> None:
        self.user_label.setText(f"Reviewing as {self.ctx.who.label}")
        self.user_label.setToolTip(f"<qt>{html.escape(self.ctx.who.describe())}</qt>")

    # -- loading ---------------------------------------------------------------------------------
    def load(self) -> None:
        self._reported = False
        self._loaded_tabs = {0}
        self._show_user()
        self.queue.reload()
        if self.tabs.currentIndex() not in (0, 1):
            self._on_tab(self.tabs.currentIndex())

    def refresh(self) -> None:
        index = self.tabs.currentIndex()
        if index in (0, 1):
            self.queue.reload()
        elif index == 2:
            self.ops.reload()
        else:
            self.throughput.reload()

    def _on_tab(self, index: int) -> None:
        if index == 0:
            self.queue.table.setFocus()
        elif index == 1:
            self.review.table.setFocus()
        if index in self._loaded_tabs or not self.controller.connected:
            return
        self._loaded_tabs.add(index)
        if index == 2:
            self.ops.reload()
        elif index == 3:
            self.throughput.reload()

    def _on_queue(self, n: int) -> None:
        self.waiting = n
        if not self._reported:
            self._reported = True
            self.loaded.emit(f"documents: {n} waiting")

    def _fail(self, err: UserError) -> None:
        if not self._reported:
            self._reported = True
            self.load_failed.emit(err)

    def open_document(self, task: ReviewTask, claimed: bool) -> None:
        self.tabs.setCurrentWidget(self.review)
        self.review.open(task, claimed)

    def send_to_a2i(self, task: ReviewTask) -> None:
        """The Operations tab's Start loop, for this document (flow definitions listed first if need be)."""
        self.tabs.setCurrentWidget(self.ops)

        def start() -> None:
            dialog = self.ops.start_loop(task.document_id, task.doc_type, task)
            if dialog is not None:  # the document left the queue: show it without it
                dialog.started.connect(lambda _name: self.queue.reload(keep_message=True))

        if self.ops.flows.rowCount():
            start()
            return
        self.ops.flows_listed.connect(start, Qt.ConnectionType.SingleShotConnection)

    def _on_connection_changed(self, connection: object) -> None:
        self._loaded_tabs.clear()
        super()._on_connection_changed(connection)


def smoke_probe(panel: DocReviewPanel, ok: Callable[[str], None], failed: Callable[[UserError], None]) -> None:
    """``documents: N waiting``; with a document waiting, it is opened (preview, not claimed) on the Review tab."""
    summary: list[str] = []

    def on_loaded(text: str) -> None:
        summary.append(text)
        first = panel.queue.model.row_at(0)
        if first is None:
            ok(text)
            return
        panel.review.document_shown.connect(lambda _id: ok(summary[0]))
        panel.review.message.hide()
        panel.open_document(first, False)

    panel.loaded.connect(on_loaded)
    panel.load_failed.connect(failed)
