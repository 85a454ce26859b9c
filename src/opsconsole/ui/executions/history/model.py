"""The history table model: every event of an execution in id order, filtered by type, state and text.

The model keeps events in id order however the pages arrive and filters in one
pass over its rows; display strings are made the first time a row is painted,
so a 25,000-event history costs nothing for rows nobody scrolls to.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QColor

from opsconsole.core.executions.history.events import (
    PROBLEM_EVENTS,
    HistoryEvent,
    event_summary,
)
from opsconsole.core.executions.history.filter import EventFilter
from opsconsole.core.format import (
    format_elapsed,
    format_timestamp_ms,
    format_timestamp_tooltip,
)
from opsconsole.ui import theme

#: The row's :class:`HistoryEvent`.
EVENT_ROLE = Qt.ItemDataRole.UserRole + 1
_DISPLAY = Qt.ItemDataRole.DisplayRole


class Column(IntEnum):
    """Columns of the history table."""
    ID = 0
    TYPE = 1
    STATE = 2
    TIME = 3
    ELAPSED = 4
    DETAILS = 5


HEADERS = ("ID", "Type", "State", "Time", "Elapsed", "Details")


class HistoryTableModel(QAbstractTableModel):
    """History events in id order, with type/state/text filters."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[HistoryEvent] = []
        self._order: list[int] = []
        self._texts: list[tuple[str, ...] | None] = []
        self._start: datetime | None = None
        self.filter = EventFilter()
        self.type_counts: Counter[str] = Counter()
        self.state_counts: Counter[str] = Counter()

    # -- Qt model interface ------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._order)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(Column)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == _DISPLAY and 0 <= section < len(HEADERS):
            return HEADERS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = _DISPLAY) -> Any:
        row = index.row()
        if not 0 <= row < len(self._order):
            return None
        src = self._order[row]
        event = self._rows[src]
        if role == _DISPLAY:
            texts = self._texts[src]
            if texts is None:
                texts = self._texts[src] = self._display(event)
            return texts[index.column()]
        if role == EVENT_ROLE:
            return event
        if role == Qt.ItemDataRole.ForegroundRole and event.type in PROBLEM_EVENTS:
            return QColor(theme.current().danger)
        if role == Qt.ItemDataRole.ToolTipRole:
            if index.column() == Column.TIME:
                return format_timestamp_tooltip(event.timestamp)
            if index.column() == Column.DETAILS:
                return event_summary(event) or None
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in (Column.ID, Column.ELAPSED):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _display(self, e: HistoryEvent) -> tuple[str, ...]:
        elapsed = (e.timestamp - self._start).total_seconds() if self._start else 0.0
        return (str(e.id), e.type, e.state or "", format_timestamp_ms(e.timestamp),
                format_elapsed(elapsed), event_summary(e))

    # -- loading -------------------------------------------------------------
    def set_events(self, events: Sequence[HistoryEvent]) -> None:
        """Replace everything with ``events``."""
        self.beginResetModel()
        self._rows = sorted(events, key=lambda e: e.id)
        self.filter.forget()
        self._reindex()
        self.endResetModel()

    def append_events(self, page: Sequence[HistoryEvent]) -> None:
        """Add a streamed page; rows stay in id order whichever direction the pages come in."""
        known = {e.id for e in self._rows[-len(page):]} if self._rows else set()
        fresh = sorted((e for e in page if e.id not in known), key=lambda e: e.id)
        if not fresh:
            return
        if self._rows and fresh[0].id <= self._rows[-1].id:
            # Older events (a newest-first fetch) or a gap being filled: merge and re-show.
            have = {e.id for e in self._rows}
            self.set_events(self._rows + [e for e in fresh if e.id not in have])
            return
        first_new = len(self._rows)
        self._rows.extend(fresh)
        self._texts.extend([None] * len(fresh))
        self._count(fresh)
        if self._start is None:
            self._start = self._rows[0].timestamp
        accepts, rows = self.filter.accepts, self._rows
        visible = [i for i in range(first_new, len(rows)) if accepts(rows[i])]
        if visible:
            at = len(self._order)
            self.beginInsertRows(QModelIndex(), at, at + len(visible) - 1)
            self._order.extend(visible)
            self.endInsertRows()

    def clear(self) -> None:
        """Drop every event."""
        self.set_events([])

    def _reindex(self) -> None:
        self._texts = [None] * len(self._rows)
        self.type_counts, self.state_counts = Counter(), Counter()
        self._count(self._rows)
        # Elapsed counts from the execution's start (event 1) when we have it.
        self._start = self._rows[0].timestamp if self._rows else None
        self._order = [i for i, e in enumerate(self._rows) if self.filter.accepts(e)]

    def _count(self, events: Iterable[HistoryEvent]) -> None:
        for e in events:
            self.type_counts[e.type] += 1
            if e.state:
                self.state_counts[e.state] += 1

    # -- filters ---------------------------------------------------------------
    def set_type_filter(self, types: Iterable[str] | None) -> None:
        """Show only these event types (None: all)."""
        if self.filter.set_types(types):
            self._refilter()

    def set_state_filter(self, state: str | None) -> None:
        """Show only events about ``state`` (None: all)."""
        if self.filter.set_state(state):
            self._refilter()

    def set_text_filter(self, text: str) -> None:
        """Show only events whose type, state or payload contains ``text`` (any case)."""
        if self.filter.set_text(text):
            self._refilter()

    def _refilter(self) -> None:
        self.beginResetModel()
        self._order = [i for i, e in enumerate(self._rows) if self.filter.accepts(e)]
        self.endResetModel()

    # -- looking up --------------------------------------------------------------
    def event_at(self, row: int) -> HistoryEvent:
        """The event shown in display row ``row``."""
        return self._rows[self._order[row]]

    def events(self) -> list[HistoryEvent]:
        """Every loaded event, shown or not, in id order."""
        return list(self._rows)

    def loaded_count(self) -> int:
        """How many events are loaded, shown or not."""
        return len(self._rows)

    def visible_events(self) -> list[HistoryEvent]:
        """The events the filters let through, in display order."""
        return [self._rows[i] for i in self._order]

    def row_of(self, event_id: int) -> int | None:
        """Display row of an event id, if shown."""
        for row, src in enumerate(self._order):
            if self._rows[src].id == event_id:
                return row
        return None
