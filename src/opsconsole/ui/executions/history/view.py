"""The history table on screen: a filter bar (event types, state, text) over the events, with counts.

Filtering itself is the model's (:mod:`.model`); this widget offers the choices the loaded events
allow and says how many rows they leave.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from PySide6.QtCore import QModelIndex, Signal
from PySide6.QtGui import QAction
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

from opsconsole.core.executions.history.events import PROBLEM_EVENTS, HistoryEvent
from opsconsole.ui.executions.history.model import Column, HistoryTableModel
from opsconsole.ui.widgets.filter_line_edit import FilterLineEdit


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
