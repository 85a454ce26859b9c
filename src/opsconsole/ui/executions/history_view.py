"""Every event of an execution in a table, filtered by type, state and text, streamed page by page.

The model keeps events in id order however the pages arrive and filters in one
pass over its rows; display strings are made the first time a row is painted,
so a 25,000-event history costs nothing for rows nobody scrolls to.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable, Sequence
from datetime import datetime
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from opsconsole.core.aws import Clients
from opsconsole.core.executions.history.events import (
    PROBLEM_EVENTS,
    HistoryEvent,
    event_summary,
    iter_history,
)
from opsconsole.core.executions.history.filter import EventFilter
from opsconsole.core.executions.history.runs import state_runs
from opsconsole.ui import theme
from opsconsole.core.format import format_elapsed, format_timestamp_ms, format_timestamp_tooltip
from opsconsole.ui.widgets.filter_line_edit import FilterLineEdit
from opsconsole.jobs.runner import Job, JobRunner

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


class HistoryView(QWidget):
    """Filter bar (types, state, text) over the history table; ``event_selected`` on selection."""

    event_selected = Signal(object)  # HistoryEvent

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = HistoryTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        # Fixed row heights: the view never measures 25,000 rows.
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        for column, width in ((Column.ID, 60), (Column.TYPE, 190), (Column.STATE, 200), (Column.TIME, 185),
                              (Column.ELAPSED, 120)):
            self.table.setColumnWidth(column, width)
        self.table.selectionModel().currentRowChanged.connect(self._on_current)

        self.type_button = QToolButton(text="All types")
        self.type_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.type_menu = QMenu(self.type_button)
        self.type_button.setMenu(self.type_menu)
        self.type_menu.aboutToShow.connect(self._fill_type_menu)
        self.state_combo = QComboBox()
        self.state_combo.setMinimumContentsLength(18)
        self.state_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.state_combo.addItem("All states", None)
        self.state_combo.currentIndexChanged.connect(
            lambda _i: self.model.set_state_filter(self.state_combo.currentData()) or self._update_count())
        self.search = FilterLineEdit("Search type, state, input, output, error…")
        self.search.filter_changed.connect(lambda text: self.model.set_text_filter(text) or self._update_count())
        self.count_label = QLabel()
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.type_button)
        bar.addWidget(self.state_combo)
        bar.addWidget(self.search, 1)
        bar.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        self._update_count()

    # -- data ---------------------------------------------------------------
    def set_events(self, events: Sequence[HistoryEvent]) -> None:
        """Show ``events`` (replacing what was there)."""
        self.model.set_events(events)
        self._sync_states()

    def append_events(self, page: Sequence[HistoryEvent]) -> None:
        """Add a streamed page of events (rows stay in id order)."""
        self.model.append_events(page)
        self._sync_states()

    def clear(self) -> None:
        """Empty the table."""
        self.set_events([])

    # -- filters ---------------------------------------------------------------
    def set_type_filter(self, types: Iterable[str] | None) -> None:
        """Show only these event types (None: all); the button says which."""
        wanted = set(types) if types is not None else None
        self.model.set_type_filter(wanted)
        if wanted is None:
            self.type_button.setText("All types")
        elif wanted == PROBLEM_EVENTS:
            self.type_button.setText("Failures")
        else:
            self.type_button.setText(", ".join(sorted(wanted)) if len(wanted) <= 2 else f"{len(wanted)} types")
        self._update_count()

    def set_state_filter(self, state: str | None) -> None:
        """Show only events about ``state`` (None: all states)."""
        index = self.state_combo.findData(state) if state else 0
        self.state_combo.setCurrentIndex(max(index, 0))

    def _fill_type_menu(self) -> None:
        menu, current = self.type_menu, self.model.filter.types
        menu.clear()
        menu.addAction("All types", lambda: self.set_type_filter(None))
        menu.addAction("Failures only", lambda: self.set_type_filter(PROBLEM_EVENTS))
        menu.addSeparator()
        for type_, count in sorted(self.model.type_counts.items()):
            action = QAction(f"{type_} ({count:,})", menu, checkable=True)
            action.setChecked(current is None or type_ in current)
            action.toggled.connect(lambda on, t=type_: self._toggle_type(t, on))
            menu.addAction(action)

    def _toggle_type(self, type_: str, on: bool) -> None:
        current = set(self.model.filter.types or self.model.type_counts)
        (current.add if on else current.discard)(type_)
        self.set_type_filter(None if current >= set(self.model.type_counts) else current)

    def _sync_states(self) -> None:
        """Offer every state seen so far, in order of first appearance."""
        known = {self.state_combo.itemData(i) for i in range(1, self.state_combo.count())}
        for state in self.model.state_counts:
            if state not in known:
                self.state_combo.addItem(state, state)
        self._update_count()

    def _update_count(self) -> None:
        shown, total = self.model.rowCount(), self.model.loaded_count()
        self.count_label.setText(f"{total:,} events" if shown == total else f"{shown:,} of {total:,} events")

    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self.event_selected.emit(self.model.event_at(current.row()))

    def select_event(self, event_id: int) -> bool:
        """Select and scroll to an event (when the filters show it)."""
        row = self.model.row_of(event_id)
        if row is None:
            return False
        index = self.model.index(row, 0)
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        return True


class HistoryLoader(QObject):
    """Streams an execution's history into a :class:`HistoryView`, then builds its state runs.

    Pages are fetched and parsed on the worker pool. They reach the table one
    per event-loop pass: a worker that outpaces the GUI would otherwise have its
    queued pages applied back to back, freezing the window for the whole burst.
    The state runs are computed on the pool too; ``runs_ready(events, runs)``
    fires once everything is in.
    """

    runs_ready = Signal(list, list)  # events, state runs
    failed = Signal(object)  # UserError

    def __init__(self, runner: JobRunner, view: HistoryView, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner, self.view = runner, view
        self.events: list[HistoryEvent] = []
        self._jobs: list[Job] = []
        self._pending: deque[list[HistoryEvent]] = deque()
        self._fetched = False
        self._drain_timer = QTimer(self)
        self._drain_timer.setSingleShot(True)
        self._drain_timer.setInterval(0)
        self._drain_timer.timeout.connect(self._drain)

    def load(self, clients: Clients, execution_arn: str, page_size: int = 1000) -> Job:
        """Start loading (cancelling a load in progress)."""
        self.cancel()
        self.events, self._fetched = [], False
        self.view.clear()
        job = self.runner.submit(iter_history, clients, execution_arn, page_size, name="GetExecutionHistory",
                                 owner=self)
        job.page.connect(self._on_page)
        job.done.connect(self._on_fetched)
        job.failed.connect(self.failed)
        self._jobs = [job]
        return job

    def cancel(self) -> None:
        """Stop loading: no further page is fetched or shown."""
        for job in self._jobs:
            job.cancel()
        self._jobs = []
        self._pending.clear()
        self._drain_timer.stop()

    def _on_page(self, page: list[HistoryEvent]) -> None:
        self._pending.append(page)
        self._drain_timer.start()

    def _on_fetched(self, _result: object) -> None:
        self._fetched = True
        if not self._pending:
            self._build_runs()

    def _drain(self) -> None:
        if self._pending:
            page = self._pending.popleft()
            self.events.extend(page)
            self.view.append_events(page)
        if self._pending:
            self._drain_timer.start()
        elif self._fetched:
            self._build_runs()

    def _build_runs(self) -> None:
        events = list(self.events)
        job = self.runner.submit(state_runs, events, name="state runs", owner=self)
        job.done.connect(lambda runs: self.runs_ready.emit(events, runs))
        job.failed.connect(self.failed)
        self._jobs.append(job)
