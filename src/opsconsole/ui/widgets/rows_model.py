"""A flat Qt table over a Python list of core records: one row per record, named columns.

The tables of the console (jobs, audit records, conversations, deployments,
map runs...) are lists of Qt-free dataclasses from core; this is the one
adapter that makes such a list a ``QAbstractTableModel``: counting rows and
columns, the header, replacing or appending rows. A subclass says what its
columns are called (``headers``) and what a cell shows (``data``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

T = TypeVar("T")

_ROOT = QModelIndex()


class RowsModel(QAbstractTableModel, Generic[T]):
    """Rows of ``T`` in a list; ``headers`` names the columns in order."""

    headers: Sequence[str] = ()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[T] = []

    # -- the rows -------------------------------------------------------------
    def row_at(self, row: int) -> T | None:
        """The record shown at ``row``, or None outside the table."""
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def all_rows(self) -> list[T]:
        """Every record shown, top to bottom (a copy)."""
        return list(self._rows)

    def set_rows(self, rows: Iterable[T]) -> None:
        """Show these records instead of what was shown."""
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def append_rows(self, rows: Sequence[T]) -> None:
        """Add records at the bottom (a page that arrived)."""
        if rows:
            self.beginInsertRows(_ROOT, len(self._rows), len(self._rows) + len(rows) - 1)
            self._rows.extend(rows)
            self.endInsertRows()

    # -- Qt's side --------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:  # noqa: N802 - Qt's name
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:  # noqa: N802 - Qt's name
        return 0 if parent.isValid() else len(self.headers)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802 - Qt's name
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < len(self.headers)):
            return self.headers[section]
        return None
