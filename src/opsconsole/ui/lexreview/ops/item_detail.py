"""Beside the review items: the selected item's details and, on request, its source conversation."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from opsconsole.core.lexreview import conversations
from opsconsole.core.errors import UserError
from opsconsole.core.lexreview.conversations import Conversation
from opsconsole.core.lexreview.triage import SOURCE_ANALYTICS, ReviewItem
from opsconsole.ui import theme
from opsconsole.ui.lexreview.ops.items_model import ReviewTreeModel, flag_texts
from opsconsole.ui.lexreview.session import ReviewSession
from opsconsole.ui.lexreview.agent.transcript import TranscriptView


class ItemDetail(QWidget):
    """Details of one item; ``open_conversation`` shows the transcript it came from (read-only)."""

    def __init__(self, session: ReviewSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.item: ReviewItem | None = None
        #: The items of the phrase row shown (the same phrase forwarded several times), newest first.
        self.members: list[ReviewItem] = []
        self._model: ReviewTreeModel | None = None
        self._conversations: dict[str, Conversation] = {}
        self.summary = QLabel()
        self.summary.setObjectName("item-summary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.transcript = TranscriptView()
        self.transcript.setObjectName("item-transcript")
        self.transcript.show_message("Select an item; O opens the conversation it came from.")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(self.transcript, 1)

    def show_item(self, item: ReviewItem | None, model: ReviewTreeModel,
                  members: list[ReviewItem] | None = None) -> None:
        self.item, self._model = item, model
        self.members = list(members or ([item] if item else []))
        self.refresh()
        if item is not None and item.contact_id in self._conversations:
            self._show_conversation(self._conversations[item.contact_id], item)

    def refresh(self) -> None:
        item = self.item
        if item is None:
            self.summary.setText(f"<span style='color:{theme.current().muted}'>"
                                 "Select one phrase to see its intent, who forwarded it from which "
                                 "conversation, and what to check before approving it.</span>")
            return
        e = html.escape
        rows = [
            f"<b>{e(item.text)}</b>",
            f"Intent: <b>{e(item.intent_name) or '<i>none yet</i>'}</b> · {e(item.bot_name)} · {e(item.locale_id)}",
            f"{item.status.capitalize()} · revision {item.revision}"
            + (f" · last changed by {e(item.updated_by)}" if item.updated_by else ""),
        ]
        if item.source == SOURCE_ANALYTICS:
            rows.append(f"From Lex analytics: missed {item.missed_count or 0} times in the last two weeks")
        else:
            rows.append(f"Submitted by {e(item.agent)} from conversation {e(item.contact_id)}"
                        + (f", turn {item.turn_index}" if item.turn_index is not None else ""))
        if len(self.members) > 1:
            rows.append(f"<b>Forwarded {len(self.members)} times</b> (one row; an action changes each):")
            rows += [f"&nbsp;&nbsp;• “{e(i.text)}” — {e(i.agent or 'Lex analytics')}"
                     + (f", conversation {e(i.contact_id[:8])}" if i.contact_id else "") for i in self.members[:8]]
            if len(self.members) > 8:
                rows.append(f"&nbsp;&nbsp;… and {len(self.members) - 8} more")
        if item.original_text:
            rows.append(f"First submitted as: “{e(item.original_text)}”")
        if item.reason:
            rows.append(f"Reason: {e(item.reason)}")
        if item.deployed_version:
            rows.append(f"Deployed in version {e(item.deployed_version)}")
        flags = self._model.row_flags(self.members) if self._model is not None else None
        names = {i.item_id: i.text for i in self._model.all_items()} if self._model is not None else {}
        long = flag_texts(flags, names)[1]
        if long:
            rows.append(f"<span style='color:{theme.current().warning}'>" + e(long).replace("\n", "<br>") + "</span>")
        self.summary.setText("<br>".join(rows))

    def open_conversation(self, item: ReviewItem) -> None:
        """Load (once) and show the transcript the item came from, its turn marked."""
        if item.contact_id in self._conversations:
            self._show_conversation(self._conversations[item.contact_id], item)
            return
        self.transcript.show_message("Loading the conversation…")
        job = self.session.read(conversations.get_conversation, item.contact_id, name="GetItem lex-conversations")
        job.done.connect(lambda conv: self._on_conversation(conv, item))
        job.failed.connect(lambda err: self._on_failed(err))

    def _on_conversation(self, conv: Conversation | None, item: ReviewItem) -> None:
        if conv is None:
            self.transcript.show_message(f"Conversation {item.contact_id} is no longer stored.")
            return
        self._conversations[conv.contact_id] = conv
        if self.item is not None and self.item.contact_id == conv.contact_id:
            self._show_conversation(conv, self.item)

    def _show_conversation(self, conv: Conversation, item: ReviewItem) -> None:
        self.transcript.highlight_turn = item.turn_index
        self.transcript.set_conversation(conv)

    def _on_failed(self, err: UserError) -> None:
        self.transcript.show_message(f"Could not load the conversation. {err.title}: {err.message}")
