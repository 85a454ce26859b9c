""""Cannot be processed": the reason for failing the execution's review task, and its confirmation."""

from __future__ import annotations

from PySide6.QtWidgets import QPlainTextEdit, QWidget

from opsconsole.ui.confirm import ConfirmDialog


class RejectDialog(ConfirmDialog):
    """"Cannot be processed": the reason (required), then the confirmation in the same dialog."""

    def __init__(self, document_id: str, parent: QWidget | None = None) -> None:
        super().__init__("Reject document", f"document {document_id}",
                         "The execution waiting for this review <b>fails</b> with <code>DocumentRejected</code> "
                         "and the reason below; the document leaves the queue.", parent)
        self.reason = QPlainTextEdit()
        self.reason.setObjectName("docreview-reject-reason")
        self.reason.setPlaceholderText("Why the document cannot be processed (required): e.g. page 2 is missing")
        self.reason.setTabChangesFocus(True)
        self.reason.setMaximumHeight(90)
        self.layout().insertWidget(1, self.reason)
        self.ok.setEnabled(False)
        self.reason.textChanged.connect(lambda: self.ok.setEnabled(bool(self.reason.toPlainText().strip())))
        self.reason.setFocus()
