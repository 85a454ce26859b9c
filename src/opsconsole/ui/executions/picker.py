"""The left column: a search box over the state-machine list, with multi-selection."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QListView, QVBoxLayout, QWidget
from superqt.utils import signals_blocked

from opsconsole.core.executions import listing
from opsconsole.core.executions.listing import StateMachine
from opsconsole.ui.executions.machines import (
    MACHINE_ROLE,
    StateMachineDelegate,
    StateMachineFilterProxy,
    StateMachineListModel,
)
from opsconsole.ui.widgets.filter_line_edit import FilterLineEdit


class StateMachinePicker(QWidget):
    """Pick "All state machines" or any set of machines; ``selection_changed`` on user picks only."""

    selection_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = FilterLineEdit("Search state machines…", delay_ms=0)
        self.search.setObjectName("machine-search")
        self.model = StateMachineListModel(self)
        self.proxy = StateMachineFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.list_view = QListView()
        self.list_view.setObjectName("machine-list")
        self.list_view.setModel(self.proxy)
        self.list_view.setItemDelegate(StateMachineDelegate(self.list_view))
        self.list_view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list_view.setUniformItemSizes(True)
        # Rows elide to the column's width; sideways scrolling would hide the counts.
        self.list_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.search.filter_changed.connect(self.proxy.set_text)
        self.list_view.selectionModel().selectionChanged.connect(lambda *_: self.selection_changed.emit())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search)
        layout.addWidget(self.list_view)

    def set_machines(self, machines: Sequence[StateMachine], selected: Sequence[str] = ()) -> None:
        """Show ``machines`` and select those in ``selected`` ("All" when none of them exist)."""
        selection_model = self.list_view.selectionModel()
        with signals_blocked(selection_model):  # a reload is not a user's pick
            self.model.set_machines(machines)
            self.select(selected)
        self.list_view.viewport().update()

    def select(self, arns: Sequence[str]) -> None:
        rows = [r for r in (self.model.row_of(a) for a in arns) if r is not None] or [0]
        selection = QItemSelection()
        for row in rows:
            index = self.proxy.mapFromSource(self.model.index(row))
            if index.isValid():
                selection.select(index, index)
        selection_model = self.list_view.selectionModel()
        selection_model.select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        if not selection.isEmpty():
            # NoUpdate: the view's setCurrentIndex would read the keyboard (Ctrl held = toggle).
            selection_model.setCurrentIndex(selection.indexes()[0], QItemSelectionModel.SelectionFlag.NoUpdate)

    def selected_arns(self, explicit: bool = False) -> list[str]:
        """ARNs a query should cover; with ``explicit``, [] stands for "All state machines".

        A query covers no EXPRESS machine (AWS keeps no execution history for
        them and refuses to list it); ``explicit`` gives the selection as picked.
        """
        chosen = self._chosen()
        if explicit:
            return sorted(m.arn for m in chosen)
        if chosen:
            return sorted(listing.listable_arns(chosen))
        return listing.listable_arns(self.model.machines())

    def selected_express(self) -> list[StateMachine]:
        """The EXPRESS machines picked by hand (not through "All state machines")."""
        return [m for m in self._chosen() if m.express]

    def _chosen(self) -> list[StateMachine]:
        chosen: list[StateMachine] = []
        for index in self.list_view.selectionModel().selectedIndexes():
            machine = index.data(MACHINE_ROLE)
            if machine is None:  # "All" wins over any machine picked with it
                return []
            chosen.append(machine)
        return chosen

    def set_counts(self, counts: Mapping[str, Counter[str]]) -> None:
        self.model.set_counts(counts)

    def clear(self) -> None:
        self.set_machines([])
        self.model.set_counts({})
