"""Tables of the Operations tab: flow definitions with their counts, human loops, one loop's answers."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QColor

from opsconsole.core.docreview import FieldComparison, FlowDefinition, HumanLoop
from opsconsole.core.docreview.store import utcnow
from opsconsole.core.format import format_day_time, format_duration
from opsconsole.ui import theme
from opsconsole.ui.widgets.rows_model import RowsModel

_DISPLAY = Qt.ItemDataRole.DisplayRole


class FlowsModel(RowsModel[FlowDefinition]):
    headers = ("Flow definition", "Status", "Workers per loop", "In progress", "Completed", "Failed", "Stopped",
               "Oldest open", "Near availability limit")

    def replace(self, flow: FlowDefinition) -> None:
        """Show ``flow`` (counted now) in its row, or add it."""
        for row, have in enumerate(self._rows):
            if have.arn == flow.arn:
                self._rows[row] = flow
                self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1))
                return
        self.append_rows([flow])

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = _DISPLAY) -> Any:
        f = self.row_at(index.row())
        if f is None:
            return None
        col = index.column()
        if role == Qt.ItemDataRole.ForegroundRole and col == 8 and f.near_limit:
            return QBrush(QColor(theme.current().danger))
        if role == Qt.ItemDataRole.ToolTipRole and col == 8:
            return (f"Loops in progress for more than 80 % of the task availability "
                    f"({format_duration(f.availability_s)}): they expire soon")
        if role != _DISPLAY:
            return None
        counting = "…" if not f.counted else None
        values = (f.name, f.status, str(f.task_count),
                  counting or str(f.counts.get("InProgress", 0)), counting or str(f.counts.get("Completed", 0)),
                  counting or str(f.counts.get("Failed", 0)),
                  counting or str(f.counts.get("Stopped", 0) + f.counts.get("Stopping", 0)),
                  counting or (format_duration(f.backlog_age()) if f.oldest_open else "none"),
                  counting or str(f.near_limit))
        return values[col]


class LoopsModel(RowsModel[HumanLoop]):
    headers = ("Human loop", "Status", "Created", "Age", "Failure")

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = _DISPLAY) -> Any:
        loop = self.row_at(index.row())
        if loop is None:
            return None
        col = index.column()
        if role == Qt.ItemDataRole.UserRole:  # sort key
            return loop.created.timestamp() if col in (2, 3) and loop.created else self.data(index)
        if role == Qt.ItemDataRole.ForegroundRole and col == 1:
            return QBrush(QColor(theme.current().badge("human_loop", loop.status).fill))
        if role != _DISPLAY:
            return None
        if col == 0:
            return loop.name
        if col == 1:
            return loop.status
        if col == 2:
            return format_day_time(loop.created) if loop.created else ""
        if col == 3:
            return format_duration(utcnow() - loop.created) if loop.created else ""
        return loop.failure_reason


class LoopFilter(QSortFilterProxyModel):
    """Loops by status and by a piece of their name."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.status = ""
        self.text = ""

    def set_filter(self, status: str, text: str) -> None:
        self.beginFilterChange()  # Qt >= 6.9 (invalidateRowsFilter is deprecated there)
        self.status, self.text = status, text.strip().lower()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, row: int, parent: QModelIndex | QPersistentModelIndex) -> bool:
        loop = self.sourceModel().row_at(row)
        if loop is None:
            return False
        if self.status and loop.status != self.status:
            return False
        return not self.text or self.text in loop.name.lower() or self.text in loop.failure_reason.lower()


class ComparisonModel(RowsModel[FieldComparison]):
    """Machine vs each worker, side by side; a worker's cell that differs from the machine is marked."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.workers: list[str] = []

    def set_comparison(self, rows: list[FieldComparison], workers: list[str]) -> None:
        self.beginResetModel()
        self.workers = workers
        self.headers = ("Field", "Machine", *[f"Worker {w}" for w in workers])
        self._rows = list(rows)
        self.endResetModel()

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = _DISPLAY) -> Any:
        r = self.row_at(index.row())
        if r is None:
            return None
        col = index.column()
        value = r.key if col == 0 else r.machine if col == 1 else r.answers[col - 2]
        differs = col >= 2 and value is not None and _differs(value, r.machine)
        if role == _DISPLAY:
            text = "—" if value is None else value
            return f"≠ {text}" if differs else text
        if role == Qt.ItemDataRole.BackgroundRole and differs:
            return QBrush(QColor(theme.current().severity["warning"].fill))
        if role == Qt.ItemDataRole.ForegroundRole and differs:
            return QBrush(QColor(theme.current().severity["warning"].text))
        if role == Qt.ItemDataRole.ToolTipRole and col >= 2 and r.workers_disagree:
            return "The workers gave different answers for this field"
        return None


def _differs(a: str | None, b: str | None) -> bool:
    norm = lambda v: " ".join(str(v).split()).casefold() if v is not None else None
    return norm(a) != norm(b)
