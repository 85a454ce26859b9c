"""The dead-letter queues page's tables: the queues, and the messages a peek brought back."""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from opsconsole.core.alerts.dlq import DeadLetter, DeadLetterQueue
from opsconsole.core.format import format_duration, format_timestamp
from opsconsole.ui.widgets.rows_model import RowsModel


class QueueColumn(IntEnum):
    NAME = 0
    MESSAGES = 1
    IN_FLIGHT = 2
    OLDEST = 3
    SOURCES = 4
    RECEIVES = 5


class QueuesModel(RowsModel[DeadLetterQueue]):
    headers = ("Dead-letter queue", "Messages", "In flight", "Oldest message", "Source queues", "Max receives")

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        q = self.row_at(index.row())
        if q is None:
            return None
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return {QueueColumn.NAME: q.name, QueueColumn.MESSAGES: str(q.visible),
                    QueueColumn.IN_FLIGHT: str(q.in_flight),
                    QueueColumn.OLDEST: format_duration(q.oldest_age) if q.oldest_age is not None else "—",
                    QueueColumn.SOURCES: ", ".join(q.source_names),
                    QueueColumn.RECEIVES: str(q.max_receive_count or "—")}.get(col, "")
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == QueueColumn.OLDEST:
                return "CloudWatch's ApproximateAgeOfOldestMessage (AWS/SQS), latest datapoint of the last hour"
            if col == QueueColumn.NAME:
                return q.arn
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (QueueColumn.MESSAGES, QueueColumn.IN_FLIGHT):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class MessageColumn(IntEnum):
    ID = 0
    SENT = 1
    RECEIVES = 2
    EXECUTION = 3
    BODY = 4


class MessagesModel(RowsModel[DeadLetter]):
    headers = ("Message ID", "Sent", "Receives", "Execution", "Body")

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        m = self.row_at(index.row())
        if m is None or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        col = index.column()
        if col == MessageColumn.ID:
            return m.message_id
        if col == MessageColumn.SENT:
            return format_timestamp(m.sent) if m.sent else ""
        if col == MessageColumn.RECEIVES:
            return str(m.receive_count)
        if col == MessageColumn.EXECUTION:
            arns = m.execution_arns
            return arns[0].rsplit(":", 1)[-1] if arns else ""
        if col == MessageColumn.BODY:
            body = m.body.replace("\n", " ")
            return body[:200] if role == Qt.ItemDataRole.DisplayRole else body[:2000]
        return None
