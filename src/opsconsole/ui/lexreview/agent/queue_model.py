"""The agent's queue: conversations with missed turns, newest first."""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import QAbstractItemView, QApplication, QHeaderView, QTableView

from opsconsole.core.format import format_day_time, format_timestamp
from opsconsole.core.lexreview.conversations import TRIAGE_FORWARDED, TRIAGE_NOTHING, Conversation
from opsconsole.ui.widgets.rows_model import RowsModel

CONVERSATION_ROLE = Qt.ItemDataRole.UserRole + 1

_TRIAGE_LABELS = {"NEW": "New", TRIAGE_FORWARDED: "Forwarded", TRIAGE_NOTHING: "Nothing to learn"}


class QueueColumn(IntEnum):
    STARTED = 0
    BOT = 1
    LOCALE = 2
    CHANNEL = 3
    MISSED = 4
    PHRASE = 5
    STATUS = 6


HEADERS = {
    QueueColumn.STARTED: "Started",
    QueueColumn.BOT: "Bot",
    QueueColumn.LOCALE: "Locale",
    QueueColumn.CHANNEL: "Channel",
    QueueColumn.MISSED: "Missed",
    QueueColumn.PHRASE: "First missed phrase",
    QueueColumn.STATUS: "Triage",
}


class ConversationQueueModel(RowsModel[Conversation]):
    """Conversations sorted newest first; triaged ones shown greyed when they are listed at all."""

    headers = tuple(HEADERS[c] for c in QueueColumn)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._by_id: dict[str, int] = {}

    # -- Qt interface ----------------------------------------------------

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not 0 <= index.row() < len(self._rows):
            return None
        c = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == QueueColumn.STARTED:
                return format_day_time(c.started_at)
            if col == QueueColumn.BOT:
                return c.bot_name
            if col == QueueColumn.LOCALE:
                return c.locale_id
            if col == QueueColumn.CHANNEL:
                return c.channel
            if col == QueueColumn.MISSED:
                return str(c.missed_count)
            if col == QueueColumn.PHRASE:
                missed = c.missed_turns
                return missed[0].text if missed else ""
            if col == QueueColumn.STATUS:
                return _TRIAGE_LABELS.get(c.triage_status, c.triage_status)
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == QueueColumn.STATUS and c.triaged:
                return f"{_TRIAGE_LABELS.get(c.triage_status, c.triage_status)} by {c.triaged_by}"
            if col == QueueColumn.STARTED:
                return f"{format_timestamp(c.started_at)}\ncontact {c.contact_id}"
            if col == QueueColumn.PHRASE:
                return "\n".join(t.text for t in c.missed_turns)
        if role == Qt.ItemDataRole.ForegroundRole and c.triaged:
            return QApplication.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        if role == Qt.ItemDataRole.FontRole and col == QueueColumn.MISSED:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and col == QueueColumn.MISSED:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == CONVERSATION_ROLE:
            return c
        return None

    # -- content ---------------------------------------------------------
    def clear(self) -> None:
        self.beginResetModel()
        self._rows, self._by_id = [], {}
        self.endResetModel()

    def add(self, conversations: Iterable[Conversation]) -> None:
        """Add a page; keeps newest first (a page is small, a full re-sort is cheap)."""
        fresh = [c for c in conversations if c.contact_id not in self._by_id]
        if not fresh:
            return
        self.layoutAboutToBeChanged.emit()
        old = list(self._rows)
        self._rows.extend(fresh)
        self._rows.sort(key=lambda c: (c.started_at, c.contact_id), reverse=True)
        self._reindex()
        persistent = self.persistentIndexList()
        if persistent:
            moved = []
            for p in persistent:
                if 0 <= p.row() < len(old):
                    moved.append(self.index(self._by_id[old[p.row()].contact_id], p.column()))
                else:
                    moved.append(QModelIndex())
            self.changePersistentIndexList(persistent, moved)
        self.layoutChanged.emit()

    def replace(self, conversation: Conversation) -> None:
        row = self._by_id.get(conversation.contact_id)
        if row is None:
            return
        self._rows[row] = conversation
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(QueueColumn) - 1))

    def remove(self, contact_id: str) -> None:
        row = self._by_id.get(contact_id)
        if row is None:
            return
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._rows[row]
        self._reindex()
        self.endRemoveRows()

    def _reindex(self) -> None:
        self._by_id = {c.contact_id: i for i, c in enumerate(self._rows)}

    def conversation(self, row: int) -> Conversation | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, contact_id: str) -> int:
        return self._by_id.get(contact_id, -1)

    def conversations(self) -> list[Conversation]:
        return list(self._rows)

    def bot_count(self) -> int:
        return len({c.bot_id for c in self._rows})


class QueueTable(QTableView):
    """The queue's table: whole rows, one at a time, read-only; the phrase column takes the room."""

    def __init__(self, model: ConversationQueueModel) -> None:
        super().__init__()
        self.setObjectName("conversation-queue")
        self.setModel(model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        header = self.horizontalHeader()
        header.setStretchLastSection(False)
        # Columns fit what is on screen and a little more, not every row: measured whenever a row
        # goes (a submit), all of them would cost the keys their time in a long queue.
        header.setResizeContentsPrecision(60)
        for col in QueueColumn:
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(QueueColumn.PHRASE, QHeaderView.ResizeMode.Stretch)
