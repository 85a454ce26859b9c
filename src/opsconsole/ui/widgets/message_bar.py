"""An inline message strip (error, warning, info) with an optional Retry button.

Errors belong where the data would have been, not in a modal dialog: the user
can read the cause, fix it (log in, reconnect) and press Retry in place.
"""

from __future__ import annotations

from enum import Enum

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QVBoxLayout, QWidget

from opsconsole.core.errors import UserError


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


# Accent colours; the strip's fill is the accent blended into the window colour,
# so it is a tint on light palettes and a dark wash on dark ones.
_ACCENTS = {Severity.ERROR: "#d13212", Severity.WARNING: "#c77700", Severity.INFO: "#0b63c4"}


def _blend(base: QColor, accent: QColor, amount: float) -> QColor:
    return QColor(
        round(base.red() + (accent.red() - base.red()) * amount),
        round(base.green() + (accent.green() - base.green()) * amount),
        round(base.blue() + (accent.blue() - base.blue()) * amount),
    )


class MessageBar(QFrame):
    """Hidden until :meth:`show_error` or :meth:`show_message`; ``retry_requested`` on Retry."""

    retry_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("message-bar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.title_label = QLabel()
        self.title_label.setObjectName("message-bar-title")
        font = self.title_label.font()
        font.setBold(True)
        self.title_label.setFont(font)
        self.text_label = QLabel()
        self.text_label.setObjectName("message-bar-text")
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
        parent = self.parentWidget()
        window = (parent or self).palette().color(QPalette.ColorRole.Window)
        accent = QColor(_ACCENTS[self.severity])
        # Light themes get a pale tint, dark ones a deeper wash; text keeps the theme's colour.
        fill = _blend(window, accent, 0.16)
        self.setStyleSheet(
            f"#message-bar {{ background: {fill.name()}; border: 1px solid {_blend(window, accent, 0.45).name()};"
            f" border-left: 4px solid {accent.name()}; border-radius: 3px; }}"
        )
