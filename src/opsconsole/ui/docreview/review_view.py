"""Reviewing one document with the keyboard: the page with its boxes, the fields beside it, the claim's clock.

J/K (or Tab/Shift+Tab, Down/Up) next/previous field · Enter or A accept · E or F2 edit the value
(Enter keeps it, Escape drops it; a value the field's type cannot hold is refused where it is typed) ·
T change the entity type · M mark missing · Ctrl+Enter submit · Ctrl+Shift+X cannot be processed ·
Ctrl+N next document · Ctrl+Shift+L release the document.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QEvent, QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from opsconsole.core import docreview as core
from opsconsole.core.docreview import (
    ACCEPTED,
    EDITED,
    ENTITY_TYPES,
    MISSING,
    Decision,
    Document,
    ReviewTask,
)
from opsconsole.core.errors import UserError
from opsconsole.core.format import format_duration
from opsconsole.ui import theme
from opsconsole.ui.docreview.controller import DocReviewController
from opsconsole.ui.docreview.fields_model import FieldsModel
from opsconsole.ui.docreview.page_view import PageView
from opsconsole.ui.docreview.reject_dialog import RejectDialog
from opsconsole.ui.widgets.message_bar import MessageBar, Severity

KEYS_HELP = ("J/K field · Enter/A accept · E edit · T type · M missing · Ctrl+Enter submit · "
             "Ctrl+Shift+X cannot be processed · Ctrl+N next document · Ctrl+Shift+L release")
#: Renew the lease when less than this share of it is left and the reviewer worked in the last minutes.
RENEW_SHARE = 0.5
ACTIVE_WITHIN_S = 300
_EDITOR_KEYS = (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Escape)


class ReviewView(QWidget):
    """The Review tab: one document at a time, claimed (editable) or previewed (read-only)."""

    #: A document's review ended (submitted, rejected, released): the queue should be reloaded.
    finished = Signal(object)  # ReviewTask
    #: A document is on screen with its page image (for the smoke probe and the benchmark).
    document_shown = Signal(str)
    #: The reviewer asked for the next document.
    next_requested = Signal()

    def __init__(self, controller: DocReviewController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("docreview-review")
        self.controller = controller
        self.task: ReviewTask | None = None
        self.doc: Document | None = None
        self.claimed = False
        self.started: datetime | None = None
        self._last_key = 0.0
        self._renewing = False
        self._busy = False
        self._load_job = None
        #: Keys handled by the review keys, for the keystrokes-per-field figure.
        self.keystrokes = 0

        self.message = MessageBar()
        self.title = QLabel("No document open")
        self.title.setObjectName("docreview-doc-title")
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.claim_label = QLabel("")
        self.claim_label.setObjectName("docreview-claim")
        self.claim_label.setTextFormat(Qt.TextFormat.PlainText)
        self.page = PageView()
        self.model = FieldsModel(self)
        self.table = QTableView()
        self.table.setObjectName("docreview-fields")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(FieldsModel.VALUE, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().currentRowChanged.connect(lambda cur, _prev: self._on_row(cur.row()))

        # The editor: under the list, showing which field it edits and why a value is refused.
        self.edit_label = QLabel("")
        self.edit_label.setTextFormat(Qt.TextFormat.PlainText)
        self.editor = QLineEdit()
        self.editor.setObjectName("docreview-value-editor")
        self.editor.returnPressed.connect(self._commit_edit)
        self.editor.textEdited.connect(lambda _t: self._check_edit())
        self.type_combo = QComboBox()
        self.type_combo.setObjectName("docreview-type")
        self.type_combo.addItems(ENTITY_TYPES)
        self.type_combo.activated.connect(lambda _i: self._commit_type())
        self.edit_error = QLabel("")
        self.edit_error.setObjectName("docreview-edit-error")
        self.edit_error.setTextFormat(Qt.TextFormat.PlainText)
        self.edit_error.setWordWrap(True)
        edit_row = QHBoxLayout()
        edit_row.addWidget(self.edit_label)
        edit_row.addWidget(self.editor, 1)
        edit_row.addWidget(self.type_combo)
        self.edit_box = QWidget()
        box_layout = QVBoxLayout(self.edit_box)
        box_layout.setContentsMargins(0, 0, 0, 0)
        box_layout.addLayout(edit_row)
        box_layout.addWidget(self.edit_error)
        self.edit_box.hide()
        self.editor.installEventFilter(self)
        self.type_combo.installEventFilter(self)

        self.why = QLabel("")
        self.why.setTextFormat(Qt.TextFormat.PlainText)
        self.why.setWordWrap(True)
        self.help = QLabel(KEYS_HELP)
        self.help.setObjectName("docreview-keys")
        self.help.setWordWrap(True)

        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.why)
        rl.addWidget(self.table, 1)
        rl.addWidget(self.edit_box)
        rl.addWidget(self.help)
        self.splitter = QSplitter()
        self.splitter.addWidget(self.page)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([720, 480])  # the page gets the room: the fields fit beside it
        self.page.setMinimumWidth(320)
        right.setMinimumWidth(360)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.claim_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.message)
        layout.addLayout(top)
        layout.addWidget(self.splitter, 1)

        self._add_keys()
        self.clock = QTimer(self)
        self.clock.setInterval(1000)
        self.clock.timeout.connect(self._tick)
        theme.follow(self, lambda t: self.edit_error.setStyleSheet(f"color: {t.danger};"))
        self._show_empty()

    # -- keys ------------------------------------------------------------------------------------
    def _add_keys(self) -> None:
        def key(text: str, keys: list[str], slot) -> QAction:
            action = QAction(text, self)
            action.setShortcuts([QKeySequence(k) for k in keys])
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(lambda: (self._count_key(), slot()))
            self.addAction(action)
            return action

        key("Next field", ["J", "Down", "Tab"], lambda: self.step(1))
        key("Previous field", ["K", "Up", "Backtab"], lambda: self.step(-1))
        key("Accept", ["Return", "Enter", "A"], self.accept_field)
        key("Edit value", ["E", "F2"], self.edit_field)
        key("Change entity type", ["T"], self.change_type)
        key("Mark missing", ["M"], self.mark_missing)
        self.submit_action = key("Submit", ["Ctrl+Return", "Ctrl+Enter"], self.submit)
        self.reject_action = key("Cannot be processed", ["Ctrl+Shift+X"], self.reject)
        key("Next document", ["Ctrl+N"], self.next_requested.emit)
        key("Release document", ["Ctrl+Shift+L"], self.release)

    def _count_key(self) -> None:
        self.keystrokes += 1
        self._last_key = time.monotonic()

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and event.key() in _EDITOR_KEYS:
            event.accept()  # the editor's own: no field step or accept while typing or choosing
            return True
        if event.type() == QEvent.Type.KeyPress:
            self._count_key()
            if event.key() == Qt.Key.Key_Escape:
                self._close_editor()
                return True
            if watched is self.type_combo and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._commit_type()
                return True
        return super().eventFilter(watched, event)

    # -- opening ---------------------------------------------------------------------------------
    def _show_empty(self, text: str = "") -> None:
        self.task, self.doc, self.claimed = None, None, False
        self.model.set_document(None)
        self.page.show_document(None)
        self.title.setText("No document open")
        self.why.setText(text or "Claim a document in the Reviewer queue (Enter) or take the oldest one "
                                 "with Ctrl+N: its page and the fields to check appear here.")
        self.claim_label.setText("")
        self.clock.stop()
        self._enable()

    def open(self, task: ReviewTask, claimed: bool) -> None:
        """Load ``task``'s document (extraction and page images); ``claimed``: the reviewer holds it."""
        if self._load_job is not None and self._load_job.active:
            self._load_job.cancel()
        self.message.hide()
        self.task, self.claimed, self.doc = task, claimed, None
        self.started = datetime.now(UTC)
        self.title.setText(f"Loading document {task.document_id}…")
        self.why.setText("")
        self.model.set_document(None)
        self.page.show_document(None)
        self._enable()
        job = self.controller.read(core.load_document, task.document_id, self.controller.config,
                                   document_uri=task.document_uri, name="GetObject")
        self._load_job = job
        job.done.connect(lambda doc, t=task: self._on_document(t, doc))
        job.failed.connect(lambda err: self._on_failed(err))
        if claimed:
            self.clock.start()
        self._tick()

    def _on_document(self, task: ReviewTask, doc: Document) -> None:
        if self.task is None or task.document_id != self.task.document_id:
            return
        self.show_document(task, doc)

    def show_document(self, task: ReviewTask, doc: Document) -> None:
        """Put a loaded document on screen (the page image drawn, the first field in focus)."""
        self.task, self.doc = task, doc
        mode = "" if self.claimed else " · preview (not claimed: Enter in the queue claims it)"
        self.title.setText(f"{doc.document_id} · {doc.doc_type or task.doc_type} · {doc.tenant or task.tenant}{mode}")
        low = [f for f in doc.review_order() if f.low(doc.threshold)]
        self.why.setText(f"{len(low)} of {len(doc.fields)} fields under {doc.threshold:.2f}: check them first."
                         if low else "Every field is over the threshold.")
        self.model.set_document(doc)
        self.page.show_document(doc, doc.review_order()[0].page if doc.fields else 1)
        self._enable()
        if doc.fields:
            self.select_row(0)
        self.table.setFocus()
        self.document_shown.emit(doc.document_id)

    def _on_failed(self, err: UserError) -> None:
        self.message.show_error(err, retry=False)
        self.title.setText(f"Document {self.task.document_id if self.task else ''} could not be opened")

    def _enable(self) -> None:
        can = self.claimed and self.doc is not None and not self._busy
        self.submit_action.setEnabled(can)
        self.reject_action.setEnabled(self.claimed and self.task is not None and not self._busy)

    # -- fields ----------------------------------------------------------------------------------
    def current_row(self) -> int:
        return self.table.currentIndex().row()

    def current_field(self):
        return self.model.row_at(self.current_row())

    def select_row(self, row: int) -> None:
        if 0 <= row < self.model.rowCount():
            index = self.model.index(row, 0)
            self.table.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
            self.table.scrollTo(index)

    def _on_row(self, row: int) -> None:
        self._close_editor()
        self.page.focus_field(self.model.row_at(row))

    def step(self, delta: int) -> None:
        if self.model.rowCount():
            self.select_row(min(max(self.current_row() + delta, 0), self.model.rowCount() - 1))

    def _editable(self) -> bool:
        if self.doc is None:
            return False
        if not self.claimed:
            self.message.show_message("Preview only", "Claim the document first (Enter in the Reviewer queue).",
                                      Severity.INFO)
            return False
        return not self._busy

    def _decide(self, decision: Decision, advance: bool = True) -> None:
        row = self.current_row()
        self.model.decide(row, decision)
        self.page.set_decided(set(self.model.decisions))
        if advance:
            nxt = next((r for r in range(row + 1, self.model.rowCount())
                        if self.model.row_at(r).id not in self.model.decisions), None)
            if nxt is not None:
                self.select_row(nxt)
            else:
                self.page.focus_field(self.current_field())
                left = core.undecided_fields(self.doc, self.model.decisions) if self.doc else []
                if not left:
                    self.message.show_message("Every field checked", "Ctrl+Enter submits the document.",
                                              Severity.INFO)

    def accept_field(self) -> None:
        if self.edit_box.isVisible():
            self._commit_edit()
            return
        f = self.current_field()
        if f is not None and self._editable():
            prev = self.model.decisions.get(f.id)
            if prev is not None and prev.status == EDITED:
                self._decide(prev)  # keeps the edit; moves on
            else:
                self._decide(Decision(f.id, ACCEPTED, entity_type=prev.entity_type if prev else ""))

    def mark_missing(self) -> None:
        f = self.current_field()
        if f is not None and self._editable():
            self._decide(Decision(f.id, MISSING))

    def edit_field(self) -> None:
        f = self.current_field()
        if f is None or not self._editable():
            return
        self.edit_label.setText(f"{f.key} =")
        self.editor.setText(self.model.value_of(f) or "")
        self.editor.selectAll()
        self.editor.show()
        self.type_combo.hide()
        self.edit_error.setText("")
        self.edit_box.show()
        self.editor.setFocus()

    def change_type(self) -> None:
        f = self.current_field()
        if f is None or not self._editable():
            return
        self.edit_label.setText(f"{f.key} is a")
        self.editor.hide()
        self.type_combo.show()
        self.type_combo.setCurrentText(self.model.type_of(f))
        self.edit_error.setText("Up/Down to choose, Enter to keep, Escape to leave it")
        self.edit_box.show()
        self.type_combo.setFocus()

    def _check_edit(self) -> str | None:
        f = self.current_field()
        problem = core.check_value(self.model.type_of(f), self.editor.text()) if f else None
        self.edit_error.setText(problem or "")
        return problem

    def _commit_edit(self) -> None:
        f = self.current_field()
        if f is None or self._check_edit():
            self.editor.setFocus()
            return
        text = " ".join(self.editor.text().split())
        prev = self.model.decisions.get(f.id)
        etype = prev.entity_type if prev else ""
        self._close_editor()
        if text == (f.value or "") and not etype:
            self._decide(Decision(f.id, ACCEPTED))
        else:
            self._decide(Decision(f.id, EDITED, text, etype))

    def _commit_type(self) -> None:
        f = self.current_field()
        if f is None:
            return
        etype = self.type_combo.currentText()
        prev = self.model.decisions.get(f.id)
        value = self.model.value_of(f)
        self._close_editor()
        if etype == f.entity_type and (prev is None or prev.status != EDITED):
            return
        status = MISSING if prev is not None and prev.status == MISSING else EDITED
        self._decide(Decision(f.id, status, value, etype if etype != f.entity_type else ""), advance=False)

    def _close_editor(self) -> None:
        if self.edit_box.isVisible():
            self.edit_box.hide()
            self.table.setFocus()

    # -- the claim's clock -----------------------------------------------------------------------
    def _tick(self) -> None:
        task = self.task
        if task is None or not self.claimed:
            self.claim_label.setText("")
            return
        left = task.remaining()
        if left <= timedelta(0):
            self.claim_label.setText("Claim ran out: someone else may take it")
            self.claim_label.setStyleSheet(f"color: {theme.current().danger};")
            return
        self.claim_label.setStyleSheet(f"color: {theme.current().muted};")
        self.claim_label.setText(f"Claimed by you · {format_duration(left)} left")
        lease = self.controller.config.lease_seconds
        active = time.monotonic() - self._last_key < ACTIVE_WITHIN_S
        if left.total_seconds() < lease * RENEW_SHARE and active and not self._renewing:
            self.renew()

    def renew(self) -> None:
        if self.task is None or not self.claimed:
            return
        self._renewing = True

        def done(task: ReviewTask) -> None:
            self._renewing = False
            if self.task is not None and task.document_id == self.task.document_id:
                self.task = task
                self._tick()

        def failed(err: UserError) -> None:
            self._renewing = False
            self.message.show_error(err, retry=False)

        self.controller.send(self.controller.renew_write(self.task), done, failed=failed)

    # -- ending ------------------------------------------------------------------------------------
    def submit(self) -> None:
        if not self.claimed or self.doc is None or self.task is None or self._busy:
            return
        self._close_editor()
        left = core.undecided_fields(self.doc, self.model.decisions)
        if left:
            self.message.show_message("Not finished", "Still to check: " + ", ".join(f.key for f in left),
                                      Severity.WARNING)
            self.select_row(self.model.all_rows().index(left[0]))
            return
        write = core.submit_write(self.task, self.doc, self.model.decisions, self.controller.ctx.who,
                                  started=self.started or datetime.now(UTC), config=self.controller.config)
        self._send_end(write, confirmed=False)

    def reject(self) -> None:
        if not self.claimed or self.task is None or self._busy:
            return
        dialog = RejectDialog(self.task.document_id, self)
        task = self.task
        dialog.accepted.connect(lambda: self._send_end(
            core.reject_write(task, dialog.reason.toPlainText().strip(), self.controller.ctx.who,
                              config=self.controller.config), confirmed=True))
        dialog.open()
        self.reject_dialog = dialog

    def _send_end(self, write, confirmed: bool) -> None:
        self._busy = True
        self._enable()
        task = self.task
        self.message.show_message(f"{write.action}…", "Sending.", Severity.INFO)

        def done(result: core.ReviewResult) -> None:
            self._busy = False
            self.clock.stop()
            self.claimed = False
            severity = Severity.INFO if result.kind == core.COMPLETED else Severity.WARNING
            title = "Submitted" if result.kind == core.COMPLETED else "Not delivered"
            self._show_empty(f"{result.sentence}. Ctrl+N opens the next document.")
            self.message.show_message(title, result.sentence, severity)
            self.finished.emit(result.task)

        def failed(err: UserError) -> None:
            self._busy = False
            self._enable()
            self.message.show_error(err, retry=False)
            if err.code == "Conflict":
                self.claimed = False
                self.clock.stop()
                self._enable()
                self.finished.emit(task)

        self.controller.send(write, done, confirmed=confirmed, failed=failed)

    def release(self) -> None:
        if not self.claimed or self.task is None or self._busy:
            return
        task = self.task

        def done(_t: ReviewTask) -> None:
            self._show_empty(f"Document {task.document_id} is back in the queue.")
            self.finished.emit(task)

        self.controller.send(self.controller.release_write(task), done,
                             failed=lambda err: self.message.show_error(err, retry=False))
