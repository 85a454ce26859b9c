"""The review screen's field list: every field in review order with its value, confidence and decision."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from opsconsole.core.docreview import (
    ACCEPTED,
    EDITED,
    MISSING,
    Decision,
    Document,
    Field,
)
from opsconsole.ui import theme
from opsconsole.ui.widgets.rows_model import RowsModel

_ROOT = QModelIndex()
_DECISION_TEXT = {ACCEPTED: "✓ accepted", EDITED: "✎ edited", MISSING: "∅ missing"}


class FieldsModel(RowsModel[Field]):
    """Rows: the document's fields, low-confidence first; the reviewer's decisions kept beside them."""

    headers = ("Field", "Value", "Confidence", "Type", "Decision")
    FIELD, VALUE, CONFIDENCE, TYPE, DECISION = range(5)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.doc: Document | None = None
        self.decisions: dict[str, Decision] = {}

    def set_document(self, doc: Document | None) -> None:
        self.doc = doc
        self.decisions = {}
        self.set_rows(doc.review_order() if doc else [])

    def decide(self, row: int, decision: Decision) -> None:
        self.decisions[decision.field_id] = decision
        self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1))

    def value_of(self, f: Field) -> str | None:
        """The value as the reviewer leaves it."""
        d = self.decisions.get(f.id)
        if d is None or d.status == ACCEPTED:
            return f.value
        return None if d.status == MISSING else d.value

    def type_of(self, f: Field) -> str:
        d = self.decisions.get(f.id)
        return (d.entity_type if d and d.entity_type else "") or f.entity_type

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        f = self.row_at(index.row())
        if f is None or self.doc is None:
            return None
        col = index.column()
        low = f.low(self.doc.threshold)
        d = self.decisions.get(f.id)
        if role == Qt.ItemDataRole.DisplayRole:
            if col == self.FIELD:
                return f.key or f.id
            if col == self.VALUE:
                value = self.value_of(f)
                return "— missing —" if value is None else value
            if col == self.CONFIDENCE:
                return f"{f.confidence:.2f}"
            if col == self.TYPE:
                return self.type_of(f)
            if col == self.DECISION:
                return _DECISION_TEXT.get(d.status, "") if d else ("to review" if low else "")
        if role == Qt.ItemDataRole.ToolTipRole and col == self.VALUE and d and d.status == EDITED:
            return f"Extracted: {f.value if f.value is not None else '(nothing)'}"
        if role == Qt.ItemDataRole.ForegroundRole:
            look = theme.current()
            if col == self.CONFIDENCE and low:
                return QBrush(QColor(look.danger))
            if col == self.DECISION and d is not None:
                return QBrush(QColor(look.success))
            if col == self.DECISION and low:
                return QBrush(QColor(look.warning))
        if role == Qt.ItemDataRole.FontRole and col == self.FIELD and low and d is None:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and col == self.CONFIDENCE:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None
