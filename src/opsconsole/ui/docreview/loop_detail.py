"""One human loop: status, failure, timing, each worker's answer beside the machine's; and starting a loop."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from opsconsole.core import docreview as core
from opsconsole.core.docreview import FlowDefinition, LoopDetail
from opsconsole.core.errors import UserError
from opsconsole.core.format import format_day_time, format_duration
from opsconsole.ui import theme
from opsconsole.ui.docreview.controller import DocReviewController
from opsconsole.ui.docreview.ops_models import ComparisonModel


class LoopDetailView(QWidget):
    """What A2I says about one loop, and its output.json compared field by field."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("docreview-loop-detail")
        self.heading = QLabel("Pick a loop to see its input, the machine's answer and each worker's answer.")
        self.heading.setObjectName("docreview-loop-heading")
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.heading.setWordWrap(True)
        self.facts = QLabel("")
        self.facts.setObjectName("docreview-loop-facts")
        self.facts.setTextFormat(Qt.TextFormat.PlainText)
        self.facts.setWordWrap(True)
        self.model = ComparisonModel(self)
        self.table = QTableView()
        self.table.setObjectName("docreview-comparison")
        self.table.setModel(self.model)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(self.facts)
        layout.addWidget(self.table, 1)
        self.shown: LoopDetail | None = None

    def show_loading(self, name: str) -> None:
        self.heading.setText(f"{name}: loading…")
        self.facts.setText("")
        self.model.set_comparison([], [])

    def show_error(self, err: UserError) -> None:
        self.heading.setText(err.title)
        self.facts.setText(err.message)

    def show_detail(self, detail: LoopDetail | None) -> None:
        self.shown = detail
        if detail is None:
            self.heading.setText("Pick a loop to see its input, the machine's answer and each worker's answer.")
            self.facts.setText("")
            self.model.set_comparison([], [])
            return
        self.heading.setText(f"{detail.name} · {detail.status}")
        lines = []
        if detail.created:
            lines.append(f"Created {format_day_time(detail.created)}")
        if detail.failure_reason or detail.failure_code:
            lines.append(f"Failed: {detail.failure_code} {detail.failure_reason}".strip())
        for a in detail.answers:
            spent = format_duration(a.time_spent_s) if a.time_spent_s is not None else "?"
            when = format_day_time(a.submitted) if a.submitted else "?"
            lines.append(f"Worker {a.worker_id}: {spent} spent, submitted {when}")
        agreement = detail.agreement()
        if agreement is not None:
            lines.append(f"Agreement between workers: {agreement:.0%} of fields")
        if detail.output_uri:
            lines.append(f"Output: {detail.output_uri}")
        elif detail.status == core.loops.IN_PROGRESS:
            lines.append("No answer yet: the loop is with its workers.")
        if detail.output_error:
            lines.append(detail.output_error)
        rows = detail.comparison()
        diffs = sum(1 for r in rows if r.machine_differs)
        if rows:
            lines.append(f"{diffs} of {len(rows)} fields changed by a worker (marked ≠)")
        self.facts.setText("\n".join(lines))
        self.model.set_comparison(rows, [a.worker_id for a in detail.answers])


class StartLoopDialog(QDialog):
    """Send a document to A2I: a flow definition, the document, the loop's name (checked as typed)."""

    started = Signal(str)

    def __init__(self, controller: DocReviewController, flows: list[FlowDefinition],
                 current: FlowDefinition | None, parent: QWidget | None = None, task=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Send document to A2I" if task is not None else "Start human loop")
        self.controller = controller
        #: The waiting review task this loop takes over (its step's token travels with the loop), if any.
        self.task = task
        self.flow = QComboBox()
        for f in flows:
            self.flow.addItem(f.name, f)
        if current is not None:
            self.flow.setCurrentText(current.name)
        self.document = QLineEdit()
        self.document.setPlaceholderText("document id, e.g. inv-0042")
        self.name = QLineEdit()
        self.name.setPlaceholderText("loop name (lower-case, digits, hyphens)")
        self.error = QLabel("")
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {theme.current().danger};")
        form = QFormLayout()
        form.addRow("Flow definition", self.flow)
        form.addRow("Document", self.document)
        form.addRow("Loop name", self.name)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.addButton("Start loop", QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.clicked.connect(self._start)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("A2I's workforce reviews the document's extraction; the answer lands in the flow "
                                "definition's S3 output path."))
        if task is not None:
            handoff = QLabel("The document leaves the console's queue; its execution goes on when A2I's answer "
                             "arrives (the loop carries the waiting step's token).")
            handoff.setWordWrap(True)
            layout.addWidget(handoff)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.document.textEdited.connect(self._suggest)
        self.name.textEdited.connect(lambda _t: self._check())
        self._check()

    def _suggest(self, text: str) -> None:
        self.name.setText(core.loop_name(text.strip()) + "-a2i" if text.strip() else "")
        self._check()

    def _check(self) -> str | None:
        problem = None
        if not self.document.text().strip():
            problem = "Type the document's id"
        else:
            problem = core.check_loop_name(self.name.text())
            problem = f"Loop name: {problem}" if problem else None
        self.error.setText(problem or "")
        self.ok.setEnabled(problem is None)
        return problem

    def _start(self) -> None:
        if self._check():
            return
        flow: FlowDefinition = self.flow.currentData()
        doc_id, name = self.document.text().strip(), self.name.text().strip()
        self.ok.setEnabled(False)
        self.error.setText("Reading the document's extraction…")
        job = self.controller.read(core.load_document, doc_id, self.controller.config, with_images=False,
                                   name="GetObject")
        job.done.connect(lambda doc: self._send(flow, name, doc))
        job.failed.connect(lambda err: (self.error.setText(f"{err.title}: {err.message}"), self.ok.setEnabled(True)))

    def _send(self, flow: FlowDefinition, name: str, doc) -> None:
        content = {"documentId": doc.document_id, "docType": doc.doc_type, "tenant": doc.tenant,
                   "threshold": doc.threshold,
                   "fields": [{"id": f.id, "key": f.key, "value": f.value, "confidence": f.confidence,
                               "entityType": f.entity_type, "page": f.page} for f in doc.fields]}
        try:
            if self.task is not None and self.task.document_id == doc.document_id:
                write = core.hand_to_a2i_write(self.task, flow, name, content, self.controller.ctx.who,
                                               config=self.controller.config)
            else:
                write = core.start_loop_write(flow, name, content, self.controller.ctx.who)
        except core.LoopRefused as exc:
            self.error.setText(exc.message)
            self.ok.setEnabled(True)
            return

        def done(_out) -> None:
            self.started.emit(name)
            self.accept()

        self.controller.send(write, done, failed=lambda err: (self.error.setText(f"{err.title}: {err.message}"),
                                                              self.ok.setEnabled(True)))
