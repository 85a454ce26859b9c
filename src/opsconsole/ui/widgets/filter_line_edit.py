"""A search box for filtering lists: clear button, Escape to clear, optional debounce."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit, QWidget
from superqt.utils import qdebounced


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
        self._debounced = qdebounced(self._emit, timeout=delay_ms, parent=self) if delay_ms > 0 else None
        self.textChanged.connect(self._on_text_changed)

    def _on_text_changed(self, _text: str) -> None:
        if self._debounced is None:
            self._emit()
        else:
            self._debounced()

    def _emit(self) -> None:
        self.filter_changed.emit(self.text())

    def flush(self) -> None:
        """Emit now if a change is waiting (e.g. before saving state)."""
        if self._debounced is not None:
            self._debounced.flush(restart_timer=False)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt name
        if event.key() == Qt.Key.Key_Escape and self.text():
            self.clear()
            if self._debounced is not None:
                self._debounced.cancel()
            self._emit()
            return
        super().keyPressEvent(event)
