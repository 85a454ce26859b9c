"""The tree of review items: several rows (or whole groups) at once, kept across rebuilds."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeView, QWidget

from opsconsole.core.lexreview.triage import ReviewItem
from opsconsole.ui.lexreview.ops.items_model import GROUP_ITEMS_ROLE, KEY_ROLE, KIND_ROLE, ItemColumn, ReviewTreeModel
from opsconsole.ui.theme import REVIEW_ITEM_LABELS
from opsconsole.ui.widgets.empty_hint import EmptyHint
from opsconsole.ui.widgets.status_badge import StatusBadgeDelegate

EMPTY_TEXT = (
    "No review items here.\n\nPhrases agents forward from their conversations appear here, "
    "and so do Lex's own missed utterances once pulled (Pull Lex analytics)."
)


class ReviewTree(QTreeView):
    """Groups expanded; selection and current row survive the model's rebuilds (by key)."""

    def __init__(self, model: ReviewTreeModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("review-items")
        self.setModel(model)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setUniformRowHeights(True)
        self.setAlternatingRowColors(True)
        self.setIndentation(14)
        header = self.header()
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(60)
        # The phrase is what a reviewer reads: it takes the room; the rest keeps to a set width.
        header.setSectionResizeMode(ItemColumn.PHRASE, QHeaderView.ResizeMode.Stretch)
        # Long phrases are cut at the end of the cell; the tooltip has all of it.
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        widths = {ItemColumn.COUNT: 36, ItemColumn.STATUS: 84, ItemColumn.FLAGS: 110, ItemColumn.SOURCE: 52,
                  ItemColumn.BY: 90, ItemColumn.WHEN: 92, ItemColumn.CONVERSATION: 110}
        for col, width in widths.items():
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(col, width)
        self.setItemDelegateForColumn(
            ItemColumn.STATUS, StatusBadgeDelegate("review_item", REVIEW_ITEM_LABELS, self)
        )
        self.empty_hint = EmptyHint(self, EMPTY_TEXT)
        self.empty_hint.setObjectName("items-empty")
        self._model = model
        self._remembered: tuple[list[str], str | None, str | None] = ([], None, None)
        self._top: str | None = None  # the key of the row at the top, once the reader scrolled down
        self._resetting = False
        self.verticalScrollBar().valueChanged.connect(self._note_top)
        model.modelAboutToBeReset.connect(self._remember)
        model.modelReset.connect(self._restore)

    def selected_items(self) -> list[ReviewItem]:
        """Selected item rows, plus every item under a selected group row."""
        seen: dict[str, ReviewItem] = {}
        for index in self.selectionModel().selectedRows(0):
            for item in index.data(GROUP_ITEMS_ROLE) or []:
                seen.setdefault(item.item_id, item)
        return list(seen.values())

    def select_items(self, item_ids: list[str]) -> None:
        selection = self.selectionModel()
        selection.clearSelection()
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        first: QModelIndex | None = None
        for item_id in item_ids:
            index = self._model.index_of_key(f"item:{item_id}")
            if index.isValid():
                selection.select(index, flags)
                first = first or index
        if first is not None:
            selection.setCurrentIndex(first, QItemSelectionModel.SelectionFlag.NoUpdate)
            self.scrollTo(first)

    @staticmethod
    def _keys(index: QModelIndex) -> list[str]:
        """A row's lasting keys: a group's own, or each item of a phrase row (rows merge and split)."""
        if index.data(KIND_ROLE) == "item":
            return [f"item:{i.item_id}" for i in index.data(GROUP_ITEMS_ROLE) or []]
        return [index.data(KEY_ROLE)]

    def _remember(self) -> None:
        keys = [k for i in self.selectionModel().selectedRows(0) for k in self._keys(i)]
        current = self.currentIndex()
        self._resetting = True  # the reset scrolls to the top: that is not the reader's doing
        self._remembered = (keys, self._keys(current)[0] if current.isValid() else None, self._top)

    def _note_top(self, *_args: object) -> None:
        """The row at the top of the list, as the reader scrolled (during a reset rows have no place to ask)."""
        if self._resetting:
            return
        top = self.indexAt(self.viewport().rect().topLeft()) if self.verticalScrollBar().value() else QModelIndex()
        self._top = self._keys(top)[0] if top.isValid() else None

    def _span_groups(self, parent: QModelIndex = QModelIndex()) -> None:  # noqa: B008
        """Group rows read across the whole width ("CheckBalance (3 pending, 1 approved)")."""
        for row in range(self._model.rowCount(parent)):
            index = self._model.index(row, 0, parent)
            if index.data(KIND_ROLE) != "item":
                self.setFirstColumnSpanned(row, parent, True)
                self._span_groups(index)

    def _restore(self) -> None:
        self._span_groups()
        self.expandAll()
        keys, current, top = self._remembered
        selection = self.selectionModel()
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        for key in keys:
            index = self._model.index_of_key(key)
            if index.isValid():
                selection.select(index, flags)
        if current:
            index = self._model.index_of_key(current)
            if index.isValid():
                selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.NoUpdate)
        if top:  # rows arriving above do not move what the reader is looking at
            index = self._model.index_of_key(top)
            if index.isValid():
                self.executeDelayedItemsLayout()  # the rows' places as they are now
                self.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtTop)
        self._resetting = False
        self._note_top()

    def set_empty_text(self, text: str) -> None:
        """What the empty list says (nothing listed at all, or nothing the filters let through)."""
        self.empty_hint.setText(text)

