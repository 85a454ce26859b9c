"""A search box for filtering lists: clear button, Escape to clear, optional debounce."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit, QWidget


class FilterLineEdit(QLineEdit):
    """Emits ``filter_changed(text)`` after typing pauses for ``delay_ms``.

    A short pause keeps a 100,000-row re-filter from running on every key
    stroke while still feeling instant; ``delay_ms=0`` emits on every change.
    """

    filter_changed = Signal(str)

    def __init__(self, placeholder: str = "Filter", delay_ms: int = 120, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText(placeholder)
        self.setClearButtonEnabled(True)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self._emit)
        self.textChanged.connect(self._on_text_changed)

    def _on_text_changed(self, _text: str) -> None:
        if self._timer.interval() <= 0:
            self._emit()
        else:
            self._timer.start()

    def _emit(self) -> None:
        self._timer.stop()
        self.filter_changed.emit(self.text())

    def flush(self) -> None:
        """Emit now if a change is waiting (e.g. before saving state)."""
        if self._timer.isActive():
            self._emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt name
        if event.key() == Qt.Key.Key_Escape and self.text():
            self.clear()
            self._emit()
            return
        super().keyPressEvent(event)
