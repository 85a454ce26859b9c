"""How far a batch of item writes has got (done / total), with a way to leave out the rest (Esc)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QPushButton, QWidget


class BatchProgress(QWidget):
    """A bar and a Cancel button, shown while a batch of more than one write runs.

    Esc (anywhere in ``scope``) asks to cancel, but only while a batch runs:
    otherwise Esc keeps its usual meaning (clearing a filter, closing a dialog).
    """

    cancel_requested = Signal()

    def __init__(self, scope: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bar = QProgressBar()
        self.bar.setObjectName("batch-progress")
        self.bar.setMaximumWidth(220)
        self.bar.setFormat("%v / %m")
        self.cancel_button = QPushButton("Cancel (Esc)")
        self.cancel_button.setObjectName("batch-cancel")
        self.cancel_button.setToolTip("Leave out the items not sent yet; those already sent stay changed")
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.cancel_action = QAction("Cancel the batch", scope)
        self.cancel_action.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        self.cancel_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.cancel_action.setEnabled(False)
        self.cancel_action.triggered.connect(self.cancel_requested)
        scope.addAction(self.cancel_action)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button)
        self.hide()

    def show_progress(self, done: int, total: int) -> None:
        """``done`` of ``total`` written; hidden again once all are (or for a single write)."""
        running = done < total
        self.setVisible(running and total > 1)
        self.cancel_action.setEnabled(running)
        self.bar.setRange(0, total)
        self.bar.setValue(done)
