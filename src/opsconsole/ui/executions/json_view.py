"""A JSON payload two ways: a tree to browse and the raw text to copy.

State inputs and outputs go up to 256 KB, so the tree model builds a node's
children only when the view first asks for them.
"""

from __future__ import annotations

import html

import json
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from opsconsole.core import strictjson

_DISPLAY = Qt.ItemDataRole.DisplayRole
#: The node's Python value (dict, list or scalar).
VALUE_ROLE = Qt.ItemDataRole.UserRole + 1


class _Node:
    __slots__ = ("key", "value", "parent", "row", "_children")

    def __init__(self, key: str, value: Any, parent: _Node | None, row: int) -> None:
        self.key, self.value, self.parent, self.row = key, value, parent, row
        self._children: list[_Node] | None = None

    @property
    def children(self) -> list[_Node]:
        """Child nodes, built on first use."""
        if self._children is None:
            v = self.value
            if isinstance(v, dict):
                self._children = [_Node(str(k), item, self, i) for i, (k, item) in enumerate(v.items())]
            elif isinstance(v, list):
                self._children = [_Node(f"[{i}]", item, self, i) for i, item in enumerate(v)]
            else:
                self._children = []
        return self._children

    def has_children(self) -> bool:
        """True for a non-empty object or array (without building the children)."""
        return isinstance(self.value, (dict, list)) and len(self.value) > 0


def value_text(value: Any) -> str:
    """How a value reads in the tree's Value column."""
    if isinstance(value, dict):
        return f"{{{len(value)} keys}}" if len(value) != 1 else "{1 key}"
    if isinstance(value, list):
        return f"[{len(value)} items]" if len(value) != 1 else "[1 item]"
    return json.dumps(value, ensure_ascii=False)


class JsonTreeModel(QAbstractItemModel):
    """Key / Value tree over a parsed JSON document."""

    HEADERS = ("Key", "Value")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._root = _Node("", None, None, 0)

    def set_document(self, value: Any) -> None:
        """Show a parsed JSON document."""
        self.beginResetModel()
        # The top-level object's members are the first level of the tree; a scalar document is one row.
        holder = value if isinstance(value, (dict, list)) else {"(value)": value}
        self._root = _Node("", holder, None, 0)
        self.endResetModel()

    def clear(self) -> None:
        """Show nothing."""
        self.beginResetModel()
        self._root = _Node("", None, None, 0)
        self.endResetModel()

    def _node(self, index: QModelIndex | QPersistentModelIndex) -> _Node:
        return index.internalPointer() if index.isValid() else self._root

    # -- Qt model interface -------------------------------------------------
    def index(self, row: int, column: int, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> QModelIndex:  # noqa: B008
        children = self._node(parent).children
        if 0 <= row < len(children) and 0 <= column < 2:
            return self.createIndex(row, column, children[row])
        return QModelIndex()

    def parent(self, index: QModelIndex | QPersistentModelIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid():
            return QModelIndex()
        up = index.internalPointer().parent
        if up is None or up is self._root:
            return QModelIndex()
        return self.createIndex(up.row, 0, up)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        if parent.isValid() and parent.column() != 0:
            return 0
        return len(self._node(parent).children)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 2

    def hasChildren(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> bool:  # noqa: B008, N802
        # Answered without building the children, so a collapsed 10,000-item list costs nothing.
        if parent.isValid() and parent.column() != 0:
            return False
        return self._node(parent).has_children()

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        node: _Node = index.internalPointer()
        if role in (_DISPLAY, Qt.ItemDataRole.ToolTipRole):
            text = node.key if index.column() == 0 else value_text(node.value)
            if role == Qt.ItemDataRole.ToolTipRole and len(text) < 80:
                return None
            return text if role == _DISPLAY else text[:2000]
        if role == VALUE_ROLE:
            return node.value
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == _DISPLAY and 0 <= section < 2:
            return self.HEADERS[section]
        return None


class JsonView(QWidget):
    """A payload as a tree (default) or as raw text, with a Copy button for the raw text.

    The raw text is the payload pretty-printed when it is JSON (what an
    operator pastes into a ticket or a new execution's input), else the text as
    received (e.g. a truncated payload).
    """

    copied = Signal(str)

    def __init__(self, title: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._raw = ""
        self.model = JsonTreeModel(self)
        self.tree = QTreeView()
        self.tree.setModel(self.model)
        self.tree.setUniformRowHeights(True)  # lets a long list scroll without measuring every row
        self.tree.setAlternatingRowColors(True)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.tree.header().setStretchLastSection(True)
        self.tree.setColumnWidth(0, 220)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.raw = QPlainTextEdit()
        self.raw.setReadOnly(True)
        self.raw.setFont(mono)
        self.raw.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.note = QLabel()
        self.note.setEnabled(False)  # the palette's disabled text: muted on light and dark alike
        self.stack = QStackedWidget()
        self.stack.addWidget(self.tree)
        self.stack.addWidget(self.raw)

        self.tree_button = QToolButton(text="Tree", checkable=True, checked=True)
        self.raw_button = QToolButton(text="Raw", checkable=True)
        group = QButtonGroup(self)
        group.setExclusive(True)
        for i, button in enumerate((self.tree_button, self.raw_button)):
            group.addButton(button, i)
        group.idClicked.connect(self.stack.setCurrentIndex)
        self.copy_button = QPushButton("Copy")
        self.copy_button.setToolTip("Copy the raw text to the clipboard")
        self.copy_button.clicked.connect(self.copy)

        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        if title:
            bar.addWidget(QLabel(f"<b>{html.escape(title)}</b>"))
        bar.addWidget(self.tree_button)
        bar.addWidget(self.raw_button)
        bar.addWidget(self.note, 1)
        bar.addWidget(self.copy_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.stack, 1)
        self.set_text(None)

    def set_text(self, text: str | None, missing: str = "Not in the history") -> None:
        """Show ``text`` (a JSON document as a string); None shows ``missing`` instead."""
        self.note.setText("")
        if text is None:
            self.model.clear()
            self._raw = ""
            self.raw.setPlainText("")
            self.note.setText(missing)
            self.copy_button.setEnabled(False)
            return
        try:
            strictjson.check_depth(text)  # a 10,000-level document would overflow the tree's recursion
            document = json.loads(text)
        except (ValueError, RecursionError):
            self.model.clear()
            self._raw = text
            self.note.setText("Not valid JSON: shown as received")
            self.stack.setCurrentIndex(1)
            self.raw_button.setChecked(True)
        else:
            self.model.set_document(document)
            self._raw = json.dumps(document, indent=2, ensure_ascii=False)
            size = len(text.encode("utf-8"))
            self.note.setText(f"{size / 1024:.1f} KB" if size >= 1024 else f"{size} bytes")
            if self.model.rowCount() <= 50:
                self.tree.expandToDepth(0)
        self.raw.setPlainText(self._raw)
        self.copy_button.setEnabled(True)

    def raw_text(self) -> str:
        """The text the Raw view shows and Copy copies."""
        return self._raw

    def copy(self) -> None:
        """Put the raw text on the clipboard."""
        QGuiApplication.clipboard().setText(self._raw)
        self.copied.emit(self._raw)

    def show_raw(self, raw: bool = True) -> None:
        """Switch to the raw text (or back to the tree)."""
        (self.raw_button if raw else self.tree_button).setChecked(True)
        self.stack.setCurrentIndex(1 if raw else 0)
