"""An inline message strip (error, warning, info) with an optional Retry button.

Errors belong where the data would have been, not in a modal dialog: the user
can read the cause, fix it (log in, reconnect) and press Retry in place.
"""

from __future__ import annotations

from enum import Enum

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QVBoxLayout, QWidget

from opsconsole.core.errors import UserError
from opsconsole.ui import theme


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"



class MessageBar(QFrame):
    """Hidden until :meth:`show_error` or :meth:`show_message`; ``retry_requested`` on Retry."""

    retry_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("message-bar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.title_label = QLabel()
        self.title_label.setObjectName("message-bar-title")
        # Errors quote AWS, resource names and other people's text: never read as markup.
        self.title_label.setTextFormat(Qt.TextFormat.PlainText)
        font = self.title_label.font()
        font.setBold(True)
        self.title_label.setFont(font)
        self.text_label = QLabel()
        self.text_label.setObjectName("message-bar-text")
        # What AWS or another user's record said (a name, a reason): shown as text, never as markup.
        self.title_label.setTextFormat(Qt.TextFormat.PlainText)
        self.text_label.setTextFormat(Qt.TextFormat.PlainText)
        self.text_label.setWordWrap(True)
        self.text_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.retry_button = QPushButton("Retry")
        self.retry_button.setObjectName("message-bar-retry")
        self.retry_button.clicked.connect(self.retry_requested)
        self.close_button = QToolButton()
        self.close_button.setText("✕")
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip("Dismiss")
        self.close_button.clicked.connect(self.hide)

        texts = QVBoxLayout()
        texts.setSpacing(2)
        texts.addWidget(self.title_label)
        texts.addWidget(self.text_label)
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 6, 6, 6)
        row.addLayout(texts, 1)
        row.addWidget(self.retry_button, 0, Qt.AlignmentFlag.AlignVCenter)
        row.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        self.severity = Severity.INFO
        theme.follow(self, lambda _t: self._apply_colors())
        self.hide()

    def show_error(self, error: UserError, retry: bool = True) -> None:
        """Show a :class:`UserError`: its title, its message, and Retry."""
        self.show_message(error.title, error.message, Severity.ERROR, retry)

    def show_message(self, title: str, text: str, severity: Severity = Severity.INFO, retry: bool = False) -> None:
        self.severity = severity
        self.title_label.setText(title)
        self.text_label.setText(text)
        self.retry_button.setVisible(retry)
        self._apply_colors()
        self.show()

    def _apply_colors(self) -> None:
        # The theme's strip for the severity: a pale tint on light palettes, a deeper wash on dark ones,
        # with the text colour chosen for it.
        strip = theme.current().severity[self.severity.value]
        self.setStyleSheet(
            f"#message-bar {{ background: {strip.fill}; border: 1px solid {strip.border};"
            f" border-left: 4px solid {strip.accent}; border-radius: 3px; }}"
            f" #message-bar-title, #message-bar-text {{ color: {strip.text}; }}"
        )
