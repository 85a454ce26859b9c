"""The executions table: a flat model over a list of core ``Execution`` objects.

A running execution parked at a task token (a manual step, a callback) shows
the state it waits at in "Waiting for" once the panel has asked (:meth:`set_waiting`).

Sorting and the client-side filters (name substring, start time) live in the
model itself rather than in a QSortFilterProxyModel: a proxy sorts by asking the
Python model for one value per comparison, which measured 18 s for 100,000 rows
(and 20 s to drop a filter). Here a sort is one ``list.sort`` over cached keys
(tens of milliseconds) and a filter one pass over the rows.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from opsconsole.core.executions.listing import Execution
from opsconsole.core.format import format_duration, format_timestamp, format_timestamp_tooltip

#: The raw value behind a cell (datetime, seconds, int, str), for sorting and tests.
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
#: The row's :class:`Execution`.
EXECUTION_ROLE = Qt.ItemDataRole.UserRole + 2

_DISPLAY = Qt.ItemDataRole.DisplayRole
_ALIGN_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class Column(IntEnum):
    STATUS = 0
    NAME = 1
    STATE_MACHINE = 2
    STARTED = 3
    STOPPED = 4
    DURATION = 5
    REDRIVES = 6
    WAITING = 7


HEADERS: dict[Column, str] = {
    Column.STATUS: "Status",
    Column.NAME: "Name",
    Column.STATE_MACHINE: "State machine",
    Column.STARTED: "Started",
    Column.STOPPED: "Stopped",
    Column.DURATION: "Duration",
    Column.REDRIVES: "Redrives",
    Column.WAITING: "Waiting for",
}

# Columns whose sort key changes when a refresh updates a row in place.
_STATUS_DEPENDENT = {Column.STATUS, Column.STOPPED, Column.DURATION, Column.REDRIVES, Column.WAITING}


def _sort_key(column: int, e: Execution) -> Any:
    if column == Column.STATUS:
        return e.status
    if column == Column.NAME:
        return e.name.casefold()
    if column == Column.STATE_MACHINE:
        return e.state_machine_name.casefold()
    if column == Column.STARTED:
        return e.start.timestamp()
    if column == Column.STOPPED:
        # Still running sorts as "latest": it has not stopped yet.
        return e.stop.timestamp() if e.stop else math.inf
    if column == Column.DURATION:
        return e.duration.total_seconds()
    if column == Column.REDRIVES:
        return e.redrive_count
    return 0


def _raw_value(column: int, e: Execution) -> Any:
    if column == Column.STATUS:
        return e.status
    if column == Column.NAME:
        return e.name
    if column == Column.STATE_MACHINE:
        return e.state_machine_name
    if column == Column.STARTED:
        return e.start
    if column == Column.STOPPED:
        return e.stop
    if column == Column.DURATION:
        return e.duration.total_seconds()
    return e.redrive_count


def _texts(e: Execution) -> tuple[str, ...]:
    return (
        e.status,
        e.name,
        e.state_machine_name,
        format_timestamp(e.start),
        format_timestamp(e.stop),
        format_duration(e.duration),
        str(e.redrive_count) if e.redrive_count else "",
    )


class ExecutionsTableModel(QAbstractTableModel):
    """Executions in display order, filtered and sorted; pages append in one insert each.

    ``_rows`` keeps every loaded execution in arrival order; ``_order`` lists the
    indices of the rows that pass the filters, in display order. Display strings
    are formatted the first time a row is painted and cached per row.
    """

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[Execution] = []
        self._by_arn: dict[str, int] = {}
        self._order: list[int] = []
        self._texts: list[tuple[str, ...] | None] = []
        self._sort_column = -1
        self._sort_order = Qt.SortOrder.AscendingOrder
        self._keys: list[Any] = []  # sort keys of _rows for _sort_column
        self._name_filter = ""
        self._started_after: datetime | None = None
        self._counts: dict[str, Counter[str]] = {}
        #: ARN -> the state a running execution waits at for its task token.
        self._waiting: dict[str, str] = {}

    # -- Qt model interface ------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._order)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(Column)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == _DISPLAY and 0 <= section < len(Column):
            return HEADERS[Column(section)]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = _DISPLAY) -> Any:
        row, col = index.row(), index.column()
        if not 0 <= row < len(self._order):
            return None
        src = self._order[row]
        if role == _DISPLAY:
            e = self._rows[src]
            if col == Column.WAITING:
                return self._waiting_for(e)
            if col == Column.DURATION and e.stop is None:
                # Still growing: never cached. A final status without a stop date (some
                # emulators omit it) has no duration we can honestly show.
                return "" if e.finished else format_duration(e.duration)
            texts = self._texts[src]
            if texts is None:
                texts = self._texts[src] = _texts(e)
            return texts[col]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _ALIGN_RIGHT if col in (Column.DURATION, Column.REDRIVES) else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(self._rows[src], col)
        if role == SORT_ROLE:
            return self._waiting_for(self._rows[src]) if col == Column.WAITING else _raw_value(col, self._rows[src])
        if role == EXECUTION_ROLE:
            return self._rows[src]
        return None

    def _tooltip(self, e: Execution, col: int) -> str | None:
        if col == Column.STARTED:
            return format_timestamp_tooltip(e.start)
        if col == Column.STOPPED:
            return format_timestamp_tooltip(e.stop)
        if col == Column.NAME:
            return e.arn
        if col == Column.REDRIVES and e.redrive_date:
            return f"Last redriven {format_timestamp_tooltip(e.redrive_date)}"
        if col == Column.WAITING and self._waiting_for(e):
            return f"Parked at {self._waiting_for(e)} until someone sends its task token's answer"
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by ``column`` (-1: arrival order), keeping selection and current row."""
        if column != self._sort_column:
            self._keys = [self._key(column, e) for e in self._rows] if column >= 0 else []
        elif column in (Column.DURATION,):
            # Running durations grow; re-sorting on request should see today's values.
            self._keys = [self._key(column, e) for e in self._rows]
        self._sort_column, self._sort_order = column, order
        self._resort()

    # -- loading -------------------------------------------------------------
    def clear(self) -> None:
        """Drop every row (a new query starts)."""
        self.beginResetModel()
        self._rows, self._by_arn, self._order, self._texts, self._keys = [], {}, [], [], []
        self._counts, self._waiting = {}, {}
        self.endResetModel()

    def append_page(self, page: Sequence[Execution]) -> int:
        """Add a page of executions; returns how many were new.

        Executions already loaded (a refresh got there first) are updated in
        place instead of duplicated.
        """
        known = [e for e in page if e.arn in self._by_arn]
        fresh = [e for e in page if e.arn not in self._by_arn]
        if known:
            self.upsert(known)
        if not fresh:
            return 0
        start = len(self._rows)
        for offset, e in enumerate(fresh):
            self._by_arn[e.arn] = start + offset
            self._count(e, 1)
        self._rows.extend(fresh)
        self._texts.extend([None] * len(fresh))
        if self._sort_column >= 0:
            self._keys.extend(self._key(self._sort_column, e) for e in fresh)
        visible = [i for i in range(start, len(self._rows)) if self._accepts(self._rows[i])]
        if visible:
            first = len(self._order)
            self.beginInsertRows(QModelIndex(), first, first + len(visible) - 1)
            self._order.extend(visible)
            self.endInsertRows()
            if self._sort_column >= 0 and not self._in_order(first - 1):
                # Nearly sorted (a sorted run plus one page): timsort merges it in ~linear time.
                self._resort()
        return len(fresh)

    def _in_order(self, from_row: int) -> bool:
        """Whether display rows from ``from_row`` on are already sorted.

        A listing arrives newest first, which is the default order: most pages
        then need no re-sort (and no layout change) at all.
        """
        keys, order = self._keys, self._order
        descending = self._sort_order == Qt.SortOrder.DescendingOrder
        for row in range(max(from_row, 0), len(order) - 1):
            a, b = keys[order[row]], keys[order[row + 1]]
            if (a < b) if descending else (b < a):
                return False
        return True

    def upsert(self, executions: Iterable[Execution]) -> None:
        """Replace loaded executions by newer versions of themselves; add unknown ones."""
        fresh: list[Execution] = []
        changed = False
        for e in executions:
            src = self._by_arn.get(e.arn)
            if src is None:
                fresh.append(e)
                continue
            old = self._rows[src]
            if old == e:
                continue
            self._count(old, -1)
            self._count(e, 1)
            self._rows[src] = e
            self._texts[src] = None
            if self._sort_column >= 0:
                self._keys[src] = self._key(self._sort_column, e)
            changed = True
        if changed and self._order:
            # One signal for the whole range: the view repaints only what is on screen.
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._order) - 1, len(Column) - 1))
            if self._sort_column in _STATUS_DEPENDENT:
                self._resort()
        if fresh:
            self.append_page(fresh)

    def refresh_durations(self) -> None:
        """Repaint running durations (they grow while nothing else changes)."""
        if self._order:
            self.dataChanged.emit(
                self.index(0, Column.DURATION), self.index(len(self._order) - 1, Column.DURATION), [_DISPLAY]
            )

    def set_waiting(self, waiting: dict[str, str | None]) -> None:
        """What running executions wait at (ARN -> state, None: not waiting for a token)."""
        changed = []
        for arn, state in waiting.items():
            if self._waiting.get(arn) == state or (state is None and arn not in self._waiting):
                continue
            if state:
                self._waiting[arn] = state
            else:
                self._waiting.pop(arn, None)
            if arn in self._by_arn:
                changed.append(self._by_arn[arn])
        if not changed:
            return
        if self._sort_column == Column.WAITING:
            for src in changed:
                self._keys[src] = self._key(Column.WAITING, self._rows[src])
            self._resort()
        if self._order:
            self.dataChanged.emit(self.index(0, Column.WAITING), self.index(len(self._order) - 1, Column.WAITING),
                                  [_DISPLAY])

    def waiting_for(self, arn: str) -> str:
        """The state ``arn`` waits at for its task token ("" when it is not known to wait)."""
        src = self._by_arn.get(arn)
        return self._waiting_for(self._rows[src]) if src is not None else ""

    def _waiting_for(self, e: Execution) -> str:
        return self._waiting.get(e.arn, "") if e.status == "RUNNING" else ""

    def _key(self, column: int, e: Execution) -> Any:
        return self._waiting_for(e).casefold() if column == Column.WAITING else _sort_key(column, e)

    # -- filters ---------------------------------------------------------
    def set_name_filter(self, text: str) -> None:
        """Show only executions whose name contains ``text`` (any case)."""
        text = text.strip().casefold()
        if text != self._name_filter:
            self._name_filter = text
            self._refilter()

    def set_started_after(self, cutoff: datetime | None) -> None:
        """Show only executions started at or after ``cutoff`` (None: all)."""
        if cutoff != self._started_after:
            self._started_after = cutoff
            self._refilter()

    @property
    def name_filter(self) -> str:
        return self._name_filter

    @property
    def started_after(self) -> datetime | None:
        return self._started_after

    def _accepts(self, e: Execution) -> bool:
        if self._name_filter and self._name_filter not in e.name.casefold():
            return False
        return self._started_after is None or e.start >= self._started_after

    def _refilter(self) -> None:
        # A reset, not a layout change: the row count changes. The panel puts the
        # selection back by ARN.
        self.beginResetModel()
        rows, accepts = self._rows, self._accepts
        self._order = self._sorted([i for i in range(len(rows)) if accepts(rows[i])])
        self.endResetModel()

    # -- sorting ---------------------------------------------------------
    @property
    def sort_column(self) -> int:
        return self._sort_column

    @property
    def sort_order(self) -> Qt.SortOrder:
        return self._sort_order

    def _sorted(self, order: list[int]) -> list[int]:
        if self._sort_column < 0:
            order.sort()  # arrival order
        else:
            order.sort(key=self._keys.__getitem__, reverse=self._sort_order == Qt.SortOrder.DescendingOrder)
        return order

    def _resort(self) -> None:
        self.layoutAboutToBeChanged.emit()
        old_order = self._order
        self._order = self._sorted(list(old_order))
        persistent = self.persistentIndexList()
        if persistent:
            position = [0] * len(self._rows)
            for row, src in enumerate(self._order):
                position[src] = row
            moved = [
                self.index(position[old_order[p.row()]], p.column()) if 0 <= p.row() < len(old_order) else QModelIndex()
                for p in persistent
            ]
            self.changePersistentIndexList(persistent, moved)
        self.layoutChanged.emit()

    # -- looking up -------------------------------------------------------
    def execution(self, row: int) -> Execution:
        """The execution shown in display row ``row``."""
        return self._rows[self._order[row]]

    def executions(self) -> list[Execution]:
        """Every loaded execution, shown or filtered out, in arrival order."""
        return list(self._rows)

    def visible_executions(self) -> list[Execution]:
        """The executions that pass the filters, in display order."""
        return [self._rows[i] for i in self._order]

    def loaded_count(self) -> int:
        return len(self._rows)

    def rows_of(self, arns: Iterable[str]) -> list[int]:
        """Display rows of the given executions (those loaded and shown), ascending."""
        wanted = {self._by_arn[a] for a in arns if a in self._by_arn}
        return [row for row, src in enumerate(self._order) if src in wanted] if wanted else []

    def running_arns(self) -> list[str]:
        return [e.arn for e in self._rows if e.status == "RUNNING"]

    def status_counts(self) -> dict[str, Counter[str]]:
        """Loaded executions per state machine ARN and status."""
        return self._counts

    def _count(self, e: Execution, delta: int) -> None:
        counter = self._counts.setdefault(e.state_machine_arn, Counter())
        counter[e.status] += delta
        if counter[e.status] <= 0:
            del counter[e.status]
