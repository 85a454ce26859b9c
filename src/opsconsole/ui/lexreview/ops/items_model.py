"""Review items grouped bot → locale → intent, with counts per group and flags per item.

Items that are the same phrase (same intent and status, text equal once case,
spaces and punctuation are ignored: what Lex would add once) share one row with
a count; an action on the row applies to every item in it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont

from opsconsole.core.lexreview.items import phrase_key
from opsconsole.core.lexreview.triage import SOURCE_ANALYTICS, ReviewItem
from opsconsole.core.lexreview.flags import ItemFlags
from opsconsole.core.format import format_day_time
from opsconsole.ui import theme
from opsconsole.ui.lexreview.ops.columns import HEADERS, ItemColumn
from opsconsole.ui.lexreview.ops.phrase_cells import MERGED_CELLS, phrase_tooltip
from opsconsole.ui.widgets.plain_tooltip import plain_tooltip

ITEM_ROLE = Qt.ItemDataRole.UserRole + 1
#: For group rows: the items under them (all levels).
GROUP_ITEMS_ROLE = Qt.ItemDataRole.UserRole + 2
#: "bot", "locale", "intent" or "item".
KIND_ROLE = Qt.ItemDataRole.UserRole + 3
#: A stable key for restoring expansion and selection across rebuilds.
KEY_ROLE = Qt.ItemDataRole.UserRole + 4

NO_INTENT = "(choose an intent)"


@dataclass(eq=False)
class _Node:
    kind: str
    key: str
    label: str
    parent: _Node | None = None
    children: list[_Node] = field(default_factory=list)
    #: A phrase row's items, newest first (the first is the one shown).
    members: list[ReviewItem] = field(default_factory=list)

    @property
    def item(self) -> ReviewItem | None:
        return self.members[0] if self.members else None

    def row(self) -> int:
        return self.parent.children.index(self) if self.parent else 0

    def items(self) -> list[ReviewItem]:
        if self.members:
            return list(self.members)
        return [i for child in self.children for i in child.items()]


def flag_texts(flags: ItemFlags | None, names: Mapping[str, str]) -> tuple[str, str]:
    """(short cell text, tooltip) for an item's flags; ``names`` maps item ids to their text."""
    if flags is None or not flags.any:
        return "", ""
    short, long = [], []
    if flags.conflicts:
        short.append(f"⚠ conflict: {', '.join(flags.conflicts)}")
        long.append(f"Already a sample utterance of {', '.join(flags.conflicts)}: approving it into another "
                    "intent makes Lex's build fail or the bot ambiguous.")
    if flags.duplicate:
        short.append("= already in intent")
        long.append("Already a sample utterance of this intent (ignoring case, spaces and punctuation): "
                    "deploying it adds nothing.")
    if flags.near_duplicates:
        short.append(f"≈ {len(flags.near_duplicates)} similar")
        others = "\n".join(f"  • {names.get(i, i)}" for i in flags.near_duplicates[:8])
        long.append(f"Nearly the same as other open items:\n{others}")
    return "  ".join(short), "\n\n".join(long)


class ReviewTreeModel(QAbstractItemModel):
    """A tree over review items; ``set_items`` rebuilds it (the view restores expansion by key)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._root = _Node("root", "", "")
        self._items: dict[str, ReviewItem] = {}
        self._flags: dict[str, ItemFlags] = {}
        self._accept: Callable[[ReviewItem], bool] = lambda _i: True
        self._rows: dict[str, _Node] = {}  # item id -> its phrase row
        # Worked out once per item revision: normalising every text on every regrouping took 10x the time.
        self._keys: dict[str, tuple[ReviewItem, tuple[str, ...]]] = {}

    # -- content ---------------------------------------------------------
    def set_items(self, items: Iterable[ReviewItem]) -> None:
        """Replace every item."""
        self._items = {i.item_id: i for i in items}
        self._keys = {k: v for k, v in self._keys.items() if k in self._items}
        self._rebuild()

    def add_items(self, items: Iterable[ReviewItem]) -> int:
        """Add a page of a listing; an item already here is shown once, in its latest revision.

        Returns how many were new or newer; the tree is regrouped only when some were.
        """
        changed = 0
        for item in items:
            known = self._items.get(item.item_id)
            if known is None or known.revision < item.revision or (known.revision == item.revision
                                                                    and known != item):
                self._items[item.item_id] = item
                changed += 1
        if changed:
            self._rebuild()
        return changed

    def update_items(self, items: Iterable[ReviewItem]) -> None:
        """Put newer versions of items in (by id)."""
        for item in items:
            self._items[item.item_id] = item
        self._rebuild()

    def set_flags(self, flags: Mapping[str, ItemFlags]) -> None:
        """The flags of each item, by item id."""
        self._flags = dict(flags)
        if self._root.children:
            # Repaint everything: a change over several rows repaints the whole view. No row moves, so
            # expansion, selection and the scroll position stay (a layout change would lay every row out again).
            last = self.index(len(self._root.children) - 1, len(ItemColumn) - 1)
            self.dataChanged.emit(self.index(0, 0), last)

    def set_filter(self, accept: Callable[[ReviewItem], bool]) -> None:
        """Show only the items ``accept`` takes."""
        self._accept = accept
        self._rebuild()

    def item_flags(self, item_id: str) -> ItemFlags | None:
        return self._flags.get(item_id)

    def all_items(self) -> list[ReviewItem]:
        return list(self._items.values())

    def item(self, item_id: str) -> ReviewItem | None:
        return self._items.get(item_id)

    def visible_items(self) -> list[ReviewItem]:
        """The items that pass the filter, in tree order."""
        return self._root.items()

    def row_items(self, item_id: str) -> list[ReviewItem]:
        """The items sharing ``item_id``'s row (itself included), newest first; [] when it is not shown."""
        node = self._rows.get(item_id)
        return list(node.members) if node is not None else []

    def phrase_rows(self) -> int:
        """How many phrase rows are shown (items forwarded more than once count once)."""
        return len({id(node) for node in self._rows.values()})

    def _rebuild(self) -> None:
        self.beginResetModel()
        root = _Node("root", "", "")
        groups: dict[tuple[str, ...], _Node] = {}
        shown = sorted(
            (i for i in self._items.values() if self._accept(i)),
            # Groups alphabetically; newest first inside an intent.
            key=lambda i: (i.bot_name.casefold(), i.locale_id, i.intent_name.casefold(), -i.created_at.timestamp()),
        )
        for item in shown:
            path = [("bot", (item.bot_id,), item.bot_name or item.bot_id),
                    ("locale", (item.bot_id, item.locale_id), item.locale_id),
                    ("intent", (item.bot_id, item.locale_id, item.intent_name), item.intent_name or NO_INTENT)]
            parent = root
            for kind, key, label in path:
                node = groups.get(key)
                if node is None:
                    node = groups[key] = _Node(kind, "/".join(key), label, parent)
                    parent.children.append(node)
                parent = node
            key = self._phrase_key(item)
            row = groups.get(key)
            if row is None:
                row = groups[key] = _Node("item", item.item_id, item.text, parent)
                parent.children.append(row)
            row.members.append(item)
        self._rows = {i.item_id: node for node in groups.values() for i in node.members}
        self._root = root
        self.endResetModel()

    def _phrase_key(self, item: ReviewItem) -> tuple[str, ...]:
        known = self._keys.get(item.item_id)
        if known is None or known[0] is not item:
            known = self._keys[item.item_id] = (item, ("phrase", *phrase_key(item), item.status))
        return known[1]

    # -- Qt interface ----------------------------------------------------
    def _node(self, index: QModelIndex | QPersistentModelIndex) -> _Node:
        return index.internalPointer() if index.isValid() else self._root

    def index(self, row: int, column: int, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> QModelIndex:  # noqa: B008
        node = self._node(parent)
        if 0 <= row < len(node.children) and 0 <= column < len(ItemColumn):
            return self.createIndex(row, column, node.children[row])
        return QModelIndex()

    def parent(self, index: QModelIndex | QPersistentModelIndex = QModelIndex()) -> QModelIndex:  # noqa: B008
        if not index.isValid():
            return QModelIndex()
        node: _Node = index.internalPointer()
        up = node.parent
        if up is None or up is self._root:
            return QModelIndex()
        return self.createIndex(up.row(), 0, up)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        if parent.isValid() and parent.column() != 0:
            return 0
        return len(self._node(parent).children)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return len(ItemColumn)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        horizontal = orientation == Qt.Orientation.Horizontal
        if horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(ItemColumn):
            return HEADERS[ItemColumn(section)]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        node: _Node = index.internalPointer()
        col = index.column()
        if role == KIND_ROLE:
            return node.kind
        if role == KEY_ROLE:
            return f"{node.kind}:{node.key}"
        if role == GROUP_ITEMS_ROLE:
            return node.items()
        if not node.members:
            return self._group_data(node, col, role)
        return self._item_data(node, col, role)

    def _group_data(self, node: _Node, col: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and col == ItemColumn.PHRASE:
            counts = Counter(i.status for i in node.items())
            parts = [f"{n} {s.lower()}" for s, n in sorted(counts.items(), key=lambda kv: _ORDER.get(kv[0], 9))]
            return f"{node.label}   ({', '.join(parts)})"
        if role == Qt.ItemDataRole.FontRole and col == ItemColumn.PHRASE:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and node.kind == "intent" and node.label == NO_INTENT:
            return QColor(theme.current().warning)
        return None

    def row_flags(self, members: list[ReviewItem]) -> ItemFlags | None:
        """The flags of a phrase row: its newest item's, without its other items as near-duplicates."""
        flags = self._flags.get(members[0].item_id)
        if flags is None or len(members) == 1 or not flags.near_duplicates:
            return flags
        own = {i.item_id for i in members}
        return replace(flags, near_duplicates=tuple(i for i in flags.near_duplicates if i not in own))

    def _item_data(self, node: _Node, col: int, role: int) -> Any:
        item, members = node.members[0], node.members
        if role == ITEM_ROLE:
            return item
        flags = self.row_flags(members)
        if role == Qt.ItemDataRole.DisplayRole:
            if len(members) > 1 and col in MERGED_CELLS:
                return MERGED_CELLS[col](members)
            if col == ItemColumn.PHRASE:
                return item.text
            if col == ItemColumn.COUNT:
                return ""
            if col == ItemColumn.STATUS:
                return item.status
            if col == ItemColumn.FLAGS:
                return flag_texts(flags, {})[0]
            if col == ItemColumn.SOURCE:
                return "Lex" if item.source == SOURCE_ANALYTICS else "Agent"
            if col == ItemColumn.BY:
                return item.agent
            if col == ItemColumn.WHEN:
                return format_day_time(item.created_at)
            if col == ItemColumn.CONVERSATION:
                if item.source == SOURCE_ANALYTICS:
                    return f"missed {item.missed_count or 0}×"
                turn = f" · turn {item.turn_index}" if item.turn_index is not None else ""
                # Contact ids are UUIDs: the first block tells them apart, the tooltip has all of it.
                return f"{item.contact_id[:8]}{turn}" if item.contact_id else ""
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(members, col, flags)
        if role == Qt.ItemDataRole.TextAlignmentRole and col == ItemColumn.COUNT:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole:
            if col == ItemColumn.FLAGS and flags is not None and flags.conflicts:
                return QColor(theme.current().danger)
            if col == ItemColumn.FLAGS and flags is not None and flags.duplicate:
                return QColor(theme.current().warning)
            if col == ItemColumn.CONVERSATION and item.contact_id:
                return QColor(theme.current().link)
        if role == Qt.ItemDataRole.FontRole and col == ItemColumn.CONVERSATION and item.contact_id:
            font = QFont()
            font.setUnderline(True)
            return font
        return None

    def _tooltip(self, members: list[ReviewItem], col: int, flags: ItemFlags | None) -> str | None:
        item = members[0]
        if col in (ItemColumn.PHRASE, ItemColumn.COUNT, ItemColumn.BY):
            return phrase_tooltip(members)
        if col == ItemColumn.FLAGS:
            return flag_texts(flags, self._names())[1] or None
        if col == ItemColumn.SOURCE:
            return ("Lex's own missed-utterance statistics (ListAggregatedUtterances)"
                    if item.source == SOURCE_ANALYTICS else "Forwarded by an agent from a conversation")
        if col == ItemColumn.CONVERSATION and item.contact_id:
            return f"Conversation {item.contact_id}: open it beside the list (O)"
        if col == ItemColumn.STATUS:
            lines = [f"{item.status.capitalize()} · revision {item.revision}"]
            if item.updated_by:
                lines.append(f"last changed by {item.updated_by}")
            if item.reason:
                lines.append(f"reason: {item.reason}")
            if item.deployed_version:
                lines.append(f"deployed in version {item.deployed_version}")
            return "\n".join(lines)
        if col == ItemColumn.CONVERSATION and len(members) > 1:
            return plain_tooltip("\n".join(f"{i.contact_id or 'Lex analytics'} · {i.agent}" for i in members[:12]))
        return None

    def _names(self) -> dict[str, str]:
        return {k: v.text for k, v in self._items.items()}

    # -- lookups for the view ---------------------------------------------
    def index_of_item(self, item_id: str) -> QModelIndex:
        """The phrase row showing ``item_id`` (alone or with the same phrase forwarded again), or an invalid one."""
        node = self._rows.get(item_id)
        return self.createIndex(node.row(), 0, node) if node is not None else QModelIndex()

    def index_of_key(self, key: str, node: _Node | None = None) -> QModelIndex:
        """The index whose KEY_ROLE is ``key`` (depth-first), or an invalid one; "item:<id>" finds its phrase row."""
        if node is None and key.startswith("item:"):
            return self.index_of_item(key[5:])
        node = node or self._root
        for row, child in enumerate(node.children):
            if f"{child.kind}:{child.key}" == key:
                return self.createIndex(row, 0, child)
            found = self.index_of_key(key, child)
            if found.isValid():
                return found
        return QModelIndex()


_ORDER = {"PENDING": 0, "APPROVED": 1, "REJECTED": 2, "DEPLOYED": 3}
