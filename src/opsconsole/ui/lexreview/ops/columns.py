"""The columns of the operations view's tree of review items."""

from __future__ import annotations

from enum import IntEnum


class ItemColumn(IntEnum):
    PHRASE = 0
    COUNT = 1
    STATUS = 2
    FLAGS = 3
    SOURCE = 4
    BY = 5
    WHEN = 6
    CONVERSATION = 7


HEADERS = {
    ItemColumn.PHRASE: "Phrase",
    ItemColumn.COUNT: "×",
    ItemColumn.STATUS: "Status",
    ItemColumn.FLAGS: "Flags",
    ItemColumn.SOURCE: "Source",
    ItemColumn.BY: "Submitted by",
    ItemColumn.WHEN: "Submitted",
    ItemColumn.CONVERSATION: "Conversation",
}
