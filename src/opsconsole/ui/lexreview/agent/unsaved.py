"""The agent's writes that did not land: one line each, with what AWS said and a Retry.

The agent view submits without waiting (the write goes on behind); a write
that fails comes back here, where it stays until it is retried or dismissed,
while the agent carries on where they were.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import count

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from opsconsole.ui.widgets.plain_tooltip import plain_tooltip
from opsconsole.core.errors import UserError
from opsconsole.ui import theme

_ids = count(1)


@dataclass
class UnsavedWrite:
    """A write that failed: what it was (one line), why, and how to send it again."""

    what: str
    error: UserError
    retry: Callable[[], None]
    #: What it changes (a conversation's turn, a conversation): a newer change of the same supersedes it.
    subject: object = None
    key: int = field(default_factory=lambda: next(_ids))


class UnsavedWrites(QFrame):
    """Hidden while every write landed; otherwise a short list, newest last, each with Retry and Dismiss."""

    #: How many are listed now.
    changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("unsaved-writes")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.retry_all_button = QPushButton("Retry all  (R)")
        self.retry_all_button.setObjectName("retry-unsaved")
        self.retry_all_button.clicked.connect(self.retry_all)
        head = QHBoxLayout()
        head.setContentsMargins(0, 0, 0, 0)
        head.addWidget(self.title, 1)
        head.addWidget(self.retry_all_button)
        self.rows = QVBoxLayout()
        self.rows.setContentsMargins(0, 0, 0, 0)
        self.rows.setSpacing(2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(4)
        layout.addLayout(head)
        layout.addLayout(self.rows)
        self.entries: list[UnsavedWrite] = []
        self._widgets: dict[int, QWidget] = {}
        theme.follow(self, self._apply_colors)
        self.hide()

    def _apply_colors(self, colors: theme.Theme) -> None:
        self.setStyleSheet(f"QFrame#unsaved-writes {{ border: 1px solid {colors.missed_label}; border-radius: 4px; }}")
        self.title.setStyleSheet(f"font-weight: bold; color: {colors.missed_label};")

    def add(self, entry: UnsavedWrite) -> None:
        """List a failed write."""
        self.entries.append(entry)
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        text = QLabel(f"{entry.what} — {entry.error.title}: {entry.error.message}")
        text.setTextFormat(Qt.TextFormat.PlainText)  # the phrase is a customer's words
        text.setWordWrap(True)
        text.setToolTip(plain_tooltip(entry.error.code or entry.error.message))  # (AWS's words)
        retry = QPushButton("Retry")
        retry.clicked.connect(lambda: self.retry(entry))
        dismiss = QPushButton("Dismiss")
        dismiss.setToolTip("Forget this write (the conversation comes back when the queue is reloaded)")
        dismiss.clicked.connect(lambda: self.remove(entry))
        line.addWidget(text, 1)
        line.addWidget(retry)
        line.addWidget(dismiss)
        self.rows.addWidget(row)
        self._widgets[entry.key] = row
        self._update()

    def remove(self, entry: UnsavedWrite) -> None:
        if entry not in self.entries:
            return
        self.entries.remove(entry)
        row = self._widgets.pop(entry.key)
        self.rows.removeWidget(row)
        row.deleteLater()
        self._update()

    def supersede(self, subject: object) -> None:
        """A newer change of ``subject`` is on its way: the failed one is no longer wanted."""
        for entry in [e for e in self.entries if subject is not None and e.subject == subject]:
            self.remove(entry)

    def retry(self, entry: UnsavedWrite) -> None:
        """Send it again (it comes back here if it fails again)."""
        self.remove(entry)
        entry.retry()

    def retry_all(self) -> None:
        """Send every one again, oldest first (the order they were made in)."""
        for entry in list(self.entries):
            self.retry(entry)

    def _update(self) -> None:
        n = len(self.entries)
        self.title.setText(f"{n} change{'s' if n != 1 else ''} not saved")
        self.setVisible(n > 0)
        self.changed.emit(n)
