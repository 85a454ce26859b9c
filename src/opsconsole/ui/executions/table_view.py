"""The executions table view: row selection, Enter/double-click to open, Ctrl+C copies ARNs."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeyEvent, QKeySequence, QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QMenu, QTableView, QWidget

from opsconsole.core.executions.listing import Execution
from opsconsole.ui.theme import EXECUTION_LABELS
from opsconsole.ui.executions.table_model import Column, ExecutionsTableModel
from opsconsole.ui.widgets.status_badge import StatusBadgeDelegate

#: Starting widths in characters: a timestamp, "Pending redrive", a 30-character machine name.
_WIDTH_CHARS = {
    Column.STATUS: 17,
    Column.NAME: 30,
    Column.STATE_MACHINE: 32,
    Column.STARTED: 20,
    Column.STOPPED: 20,
    Column.DURATION: 10,
    Column.REDRIVES: 9,
    Column.WAITING: 24,
}
#: What Name and State machine may shrink to when the window is narrow (they elide in the middle).
_MIN_TEXT_CHARS = 16
_SHRINKABLE = (Column.NAME, Column.STATE_MACHINE)

#: Selections larger than this are not carried across a re-filter.
_MAX_KEPT_SELECTION = 10_000


class ExecutionsTable(QTableView):
    """A table of executions; emits ``execution_activated`` on Enter or double-click."""

    execution_activated = Signal(object)  # Execution

    def __init__(self, model: ExecutionsTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("executions-table")
        self.setModel(model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.setCornerButtonEnabled(False)
        self.setItemDelegateForColumn(Column.STATUS, StatusBadgeDelegate("execution", EXECUTION_LABELS, self))

        # Fixed row heights: the view never measures rows, so 100,000 rows cost
        # nothing to lay out (QTableView's equivalent of uniformRowHeights).
        rows = self.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.fontMetrics().height() + 10)

        header = self.horizontalHeader()
        header.setHighlightSections(False)
        header.setStretchLastSection(True)
        header.setSectionsMovable(True)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        # Interactive widths set from the font, never ResizeToContents: that would
        # format every one of 100,000 rows to measure them.
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self._auto_fit, self._fitting = True, False
        self.reset_column_widths()
        header.sectionResized.connect(self._on_section_resized)

        header.setSortIndicator(Column.STARTED, Qt.SortOrder.DescendingOrder)  # newest first
        self.setSortingEnabled(True)

        # Filters reset the model (rows come and go); the selection is put back by ARN.
        self._kept: list[str] = []
        model.modelAboutToBeReset.connect(self._remember_selection)
        model.modelReset.connect(self._restore_selection)

        self.copy_action = QAction("Copy ARNs", self)
        self.copy_action.setShortcut(QKeySequence.StandardKey.Copy)
        self.copy_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.copy_action.triggered.connect(self.copy_selected_arns)
        self.addAction(self.copy_action)
        self.open_action = QAction("Open", self)
        self.open_action.triggered.connect(self._activate_current)
        self.doubleClicked.connect(self._on_double_clicked)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._show_menu)

    def executions_model(self) -> ExecutionsTableModel:
        model = self.model()
        assert isinstance(model, ExecutionsTableModel)
        return model

    def reset_column_widths(self, available: int | None = None) -> None:
        """Font-based widths; with ``available`` pixels, Name and State machine give way first.

        Execution names end in their unique part (``...-8cdd``) and machine names
        start with theirs, so both elide in the middle rather than lose either end.
        """
        char = self.fontMetrics().averageCharWidth()
        widths = {column: chars * char + 16 for column, chars in _WIDTH_CHARS.items()}
        if available is not None:
            excess = sum(widths.values()) - available
            floor = _MIN_TEXT_CHARS * char + 16
            for column in _SHRINKABLE:
                if excess <= 0:
                    break
                give = min(excess, max(0, widths[column] - floor))
                widths[column] -= give
                excess -= give
        for column, width in widths.items():
            self.setColumnWidth(column, width)

    def keep_restored_widths(self) -> None:
        """Saved widths were restored: stop fitting columns to the window."""
        self._auto_fit = False

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt name
        super().resizeEvent(event)
        if self._auto_fit:
            # Until the user sizes a column, columns follow the window they are shown in.
            self._fitting = True
            try:
                self.reset_column_widths(self.viewport().width())
            finally:
                self._fitting = False

    def _on_section_resized(self, logical: int, _old: int, _new: int) -> None:
        header = self.horizontalHeader()
        stretched = header.stretchLastSection() and header.visualIndex(logical) == header.count() - 1
        if not self._fitting and not stretched:  # the stretched last column follows the window by itself
            self._auto_fit = False  # the user took over

    def selected_executions(self) -> list[Execution]:
        """Selected rows, top to bottom."""
        model = self.executions_model()
        rows = sorted({index.row() for index in self.selectionModel().selectedRows()})
        return [model.execution(row) for row in rows]

    def _remember_selection(self) -> None:
        rows = self.selectionModel().selectedRows() if self.selectionModel() else []
        model = self.executions_model()
        # Past this many, remembering costs more than re-selecting helps.
        self._kept = [model.execution(i.row()).arn for i in rows] if len(rows) <= _MAX_KEPT_SELECTION else []

    def _restore_selection(self) -> None:
        model = self.executions_model()
        rows, self._kept = model.rows_of(self._kept), []
        if not rows:
            return
        selection = QItemSelection()
        last = model.columnCount() - 1
        start = prev = rows[0]
        for row in [*rows[1:], None]:
            if row is not None and row == prev + 1:
                prev = row
                continue
            selection.select(model.index(start, 0), model.index(prev, last))
            if row is not None:
                start = prev = row
        self.selectionModel().select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)

    def copy_selected_arns(self) -> None:
        """Put the selected executions' ARNs on the clipboard, one per line."""
        arns = [e.arn for e in self.selected_executions()]
        if arns:
            QGuiApplication.clipboard().setText("\n".join(arns))

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt name
        if event.matches(QKeySequence.StandardKey.Copy):
            # QAbstractItemView would copy the current cell's text; ARNs are what people paste.
            self.copy_selected_arns()
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self._activate_current()
            return
        super().keyPressEvent(event)

    def _activate_current(self) -> None:
        index = self.currentIndex()
        if index.isValid():
            self.execution_activated.emit(self.executions_model().execution(index.row()))

    def _on_double_clicked(self, index: QModelIndex) -> None:
        if index.isValid():
            self.execution_activated.emit(self.executions_model().execution(index.row()))

    def _show_menu(self, pos) -> None:
        if not self.indexAt(pos).isValid():
            return
        menu = QMenu(self)
        menu.addAction(self.open_action)
        menu.addAction(self.copy_action)
        menu.exec(self.viewport().mapToGlobal(pos))
