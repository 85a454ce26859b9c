"""The agent's writes: submitting a phrase, closing a conversation, and what happens after.

A mixin of :class:`~opsconsole.ui.lexreview.agent.view.AgentView` (it uses the
view's session, widgets and navigation); kept apart so each file holds one idea.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from opsconsole.core.lexreview import triage as core
from opsconsole.core.errors import UserError
from opsconsole.core.lexreview.triage import Conflict, Conversation, Phrase, ReviewItem
from opsconsole.ui.lexreview.session import Refused
from opsconsole.ui.widgets.message_bar import Severity

if TYPE_CHECKING:
    from opsconsole.ui.lexreview.agent.view import AgentView

    _Base = AgentView
else:
    _Base = object


class TriageWrites(_Base):
    """Submit (Ctrl+Enter) and nothing to learn (Ctrl+Backspace), one write at a time."""

    def submit(self) -> None:
        """Forward the phrase (the selected part of it, if any) as a review item."""
        conv = self.current
        if conv is None or self.turn_index is None or self._busy():
            return
        intent = self.picker.chosen_intent
        text = self.phrase_edit.selectedText() if self.phrase_edit.hasSelectedText() else self.phrase_edit.text()
        if not text.strip():
            self.message_bar.show_message("Nothing to submit", "The phrase is empty.", Severity.WARNING)
            return
        if not intent:
            self.message_bar.show_message(
                "Choose an intent first", "Press 1–9 for a suggested intent or / to search.", Severity.WARNING
            )
            return
        if conv.triaged:
            self.message_bar.show_message("Already triaged", "This conversation is closed.", Severity.INFO)
            return
        remaining = [i for i in self._open_missed(conv) if i != self.turn_index]
        finish = not remaining
        phrase = Phrase(text.strip(), intent, self.turn_index)
        job = self.session.write(
            "Submit phrase",
            f"{conv.bot_name} {conv.locale_id} {intent}",
            _submit,
            conv,
            phrase,
            self.session.user,
            finish,
            details={"contact_id": conv.contact_id, "turn": self.turn_index, "text": phrase.text, "intent": intent},
        )
        job.done.connect(lambda result: self._on_submitted(conv, phrase, finish, result))
        job.failed.connect(self._on_write_failed)
        self._write_job = job
        self._update_controls()

    def _on_submitted(self, conv: Conversation, phrase: Phrase, finish: bool, result: object) -> None:
        self._write_job = None
        if isinstance(result, Refused):
            self._closed_elsewhere(conv, result.conflict)
            return
        self.message_bar.hide()
        self.forwarded.setdefault(conv.contact_id, {})[phrase.turn_index] = phrase.intent_name
        self.submitted.emit(list(result or []))
        if finish:
            self._closed(conv, core.TRIAGE_FORWARDED)
            return
        if self.current is conv:
            self.transcript.set_forwarded(self.forwarded[conv.contact_id])
            open_turns = self._open_missed(conv)
            self.set_turn(open_turns[0] if open_turns else None)
            self.transcript.setFocus()
        self._update_controls()

    def nothing_to_learn(self) -> None:
        """Close the conversation: nothing (more) in it is worth teaching the bot."""
        conv = self.current
        if conv is None or conv.triaged or self._busy():
            return
        status = core.TRIAGE_FORWARDED if self.forwarded.get(conv.contact_id) else core.TRIAGE_NOTHING
        job = self.session.write(
            "Mark conversation triaged",
            f"conversation {conv.contact_id}",
            core.mark_triaged,
            conv,
            self.session.user,
            status,
            details={"status": status},
        )
        job.done.connect(lambda result: self._on_marked(conv, result))
        job.failed.connect(self._on_write_failed)
        self._write_job = job
        self._update_controls()

    def _on_marked(self, conv: Conversation, result: object) -> None:
        self._write_job = None
        if isinstance(result, Refused):
            self._closed_elsewhere(conv, result.conflict)
            return
        self.message_bar.hide()
        self._closed(conv, result.triage_status if isinstance(result, Conversation) else core.TRIAGE_NOTHING)

    def _closed(self, conv: Conversation, status: str) -> None:
        """The conversation is done: drop it from the queue (or grey it) and move on."""
        closed = replace(conv, triage_status=status, triaged_by=self.session.user)
        self.triaged.emit(closed)
        row = self.model.row_of(conv.contact_id)
        if self.filters.include_triaged():
            self.model.replace(closed)
            self.select_row(min(row + 1, self.model.rowCount() - 1))
        else:
            self.model.remove(conv.contact_id)
            self._count()
            if self.model.rowCount():
                self.select_row(min(row, self.model.rowCount() - 1))
            else:
                self._show(None)
                self.transcript.show_message("Queue cleared. Nothing left to triage.")
        self.transcript.setFocus()
        self._update_controls()

    def _closed_elsewhere(self, conv: Conversation, conflict: Conflict) -> None:
        self.message_bar.show_message("Not applied", conflict.message, Severity.WARNING)
        current = conflict.current if isinstance(conflict.current, Conversation) else None
        if current is not None and current.triaged:
            self._closed(conv, current.triage_status)
        self._update_controls()

    def _on_write_failed(self, err: UserError) -> None:
        self._write_job = None
        self.message_bar.show_error(err, retry=False)
        self._update_controls()


def _submit(clients: Any, conv: Conversation, phrase: Phrase, by: str, finish: bool) -> list[ReviewItem]:
    """Submit one phrase; closes the conversation with it when it was the last open missed turn."""
    return core.submit_phrases(clients, conv, [phrase], by, finish=finish)
