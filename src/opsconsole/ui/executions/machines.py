"""The state-machine list on the left: "All state machines", then one row per machine.

Each row shows the machine's name, its type and how many of the loaded
executions are in each status, so a glance finds the machine that is failing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor, QFont, QPainter, QPalette
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from opsconsole.core.executions.listing import STATUSES, StateMachine
from opsconsole.ui import theme

ALL_LABEL = "All state machines"
#: The row's StateMachine (None on the "All" row).
MACHINE_ROLE = Qt.ItemDataRole.UserRole + 1
#: Counter of loaded executions by status for the row.
COUNTS_ROLE = Qt.ItemDataRole.UserRole + 2

_DISPLAY = Qt.ItemDataRole.DisplayRole


class StateMachineListModel(QAbstractListModel):
    """Row 0 is "All state machines"; rows 1.. are machines sorted by name."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._machines: list[StateMachine] = []
        self._counts: Mapping[str, Counter[str]] = {}

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._machines) + 1

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = _DISPLAY) -> Any:
        row = index.row()
        if not 0 <= row <= len(self._machines):
            return None
        machine = self._machines[row - 1] if row else None
        if role == _DISPLAY:
            return machine.name if machine else ALL_LABEL
        if role == MACHINE_ROLE:
            return machine
        if role == COUNTS_ROLE:
            if machine is None:
                total: Counter[str] = Counter()
                for counter in self._counts.values():
                    total.update(counter)
                return total
            return self._counts.get(machine.arn, Counter())
        if role == Qt.ItemDataRole.ToolTipRole:
            head = machine.arn if machine else "Executions of every state machine"
            counts = self.data(index, COUNTS_ROLE)
            lines = [text for _status, text in counts_text(counts)]
            return "\n".join([head, *(["Loaded: " + ", ".join(lines)] if lines else [])])
        return None

    def set_machines(self, machines: Sequence[StateMachine]) -> None:
        self.beginResetModel()
        self._machines = list(machines)
        self.endResetModel()

    def machines(self) -> list[StateMachine]:
        return list(self._machines)

    def set_counts(self, counts: Mapping[str, Counter[str]]) -> None:
        """Show these per-machine status counts (the model keeps a reference, not a copy)."""
        self._counts = counts
        if self._machines or counts:
            self.dataChanged.emit(self.index(0), self.index(len(self._machines)), [COUNTS_ROLE])

    def row_of(self, arn: str) -> int | None:
        for row, machine in enumerate(self._machines, start=1):
            if machine.arn == arn:
                return row
        return None


class StateMachineFilterProxy(QSortFilterProxyModel):
    """Filters machines by name; the "All" row always stays (it is how you get back)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._text = ""

    def set_text(self, text: str) -> None:
        text = text.strip().casefold()
        if hasattr(self, "beginFilterChange"):  # Qt >= 6.9; invalidateRowsFilter is deprecated there
            self.beginFilterChange()
            self._text = text
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:  # pragma: no cover - older Qt
            self._text = text
            self.invalidateRowsFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex) -> bool:  # noqa: N802
        if source_row == 0 or not self._text:
            return True
        name = self.sourceModel().index(source_row, 0, source_parent).data(_DISPLAY) or ""
        return self._text in name.casefold()


def counts_text(counts: Counter[str]) -> list[tuple[str, str]]:
    """(status, "12 running") pairs in the usual status order, zero counts left out."""
    return [(s, f"{counts[s]:,} {s.replace('_', ' ').lower()}") for s in STATUSES if counts.get(s)]


class StateMachineDelegate(QStyledItemDelegate):
    """Two lines: bold name with the type at the right; coloured status counts below."""

    PAD = 6

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)

        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        active = bool(opt.state & QStyle.StateFlag.State_Active)
        group = QPalette.ColorGroup.Active if active else QPalette.ColorGroup.Inactive
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        text_color = opt.palette.color(group, role)
        dim = QColor(text_color)
        dim.setAlphaF(0.65)

        machine: StateMachine | None = index.data(MACHINE_ROLE)
        name = index.data(_DISPLAY) or ""
        rect = opt.rect.adjusted(self.PAD, self.PAD // 2, -self.PAD, -self.PAD // 2)
        bold = QFont(opt.font)
        bold.setBold(True)
        small = QFont(opt.font)
        small.setPointSizeF(max(6.0, opt.font.pointSizeF() * 0.88))
        line_h = opt.fontMetrics.height()

        painter.save()
        type_text = machine.type.capitalize() if machine else ""
        painter.setFont(small)
        type_w = painter.fontMetrics().horizontalAdvance(type_text) + (8 if type_text else 0)
        painter.setPen(dim)
        painter.drawText(QRect(rect.left(), rect.top(), rect.width(), line_h),
                         Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, type_text)
        painter.setFont(bold)
        painter.setPen(text_color)
        name_rect = QRect(rect.left(), rect.top(), rect.width() - type_w, line_h)
        painter.drawText(name_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         painter.fontMetrics().elidedText(name, Qt.TextElideMode.ElideRight, name_rect.width()))

        painter.setFont(small)
        fm = painter.fontMetrics()
        x, y = rect.left(), rect.top() + line_h + 2
        counts = counts_text(index.data(COUNTS_ROLE) or Counter())
        if not counts:
            painter.setPen(dim)
            # Express workflows keep no execution history in Step Functions (their runs go to CloudWatch Logs)
            empty = "history in CloudWatch Logs only" if machine is not None and machine.express \
                else "no executions loaded"
            painter.drawText(QRect(x, y, rect.width(), line_h), Qt.AlignmentFlag.AlignVCenter, empty)
        dot = max(6, fm.height() // 2)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for status, text in counts:
            width = dot + 4 + fm.horizontalAdvance(text)
            if x + width > rect.right() and x > rect.left():
                if y + 2 * line_h > rect.bottom() + 2:
                    # No third line: say there is more (the tooltip has the full breakdown).
                    painter.setPen(dim)
                    painter.drawText(QRect(x, y, max(0, rect.right() - x), line_h), Qt.AlignmentFlag.AlignVCenter, "…")
                    break
                x, y = rect.left(), y + line_h  # wrap onto the second line of counts
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(theme.current().execution[status].fill))
            painter.drawEllipse(x, y + (line_h - dot) // 2, dot, dot)
            painter.setPen(text_color)
            painter.drawText(QRect(x + dot + 4, y, width, line_h), Qt.AlignmentFlag.AlignVCenter, text)
            x += width + 10
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:  # noqa: N802
        # A name line and up to two lines of counts (six statuses rarely fit on one).
        line_h = option.fontMetrics.height()
        # Narrow on purpose: a wider hint would give the list a horizontal scroll bar.
        return QSize(120, 3 * line_h + 2 + self.PAD)
