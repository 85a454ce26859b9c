"""The agent's writes, applied in the view at once and sent behind it.

A submit shows its result before the write is sent: the turn is marked
forwarded and the next open turn (or conversation) comes up; the write goes on
the ordered write queue through the audited write path and :class:`~.outbox.Outbox`
follows it. A failure puts things back where the write had changed them (the
turn open again, the conversation back in the queue) without moving the agent,
and lists the write to retry. Someone else closing the conversation first is
said plainly, and the conversation is closed here too.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

from opsconsole.core.format import format_day_time
from opsconsole.core.lexreview import triage as core
from opsconsole.core.lexreview.conversations import Conversation
from opsconsole.core.lexreview.triage import Conflict, Phrase
from opsconsole.ui.widgets.message_bar import Severity


class TriageWrites:
    """The agent view's submit and close, as a part of :class:`~.view.AgentView` (which has the state)."""

    def submit(self) -> None:
        """Ctrl+Enter: forward the phrase (the selected part of it, if any) as a review item."""
        conv = self.current
        if conv is None or self.turn_index is None:
            self.say("Nothing to submit: no missed turn is selected.")
            return
        intent = self.picker.chosen_intent
        text = self.phrase_edit.selectedText() if self.phrase_edit.hasSelectedText() else self.phrase_edit.text()
        if not text.strip():
            self.message_bar.show_message("Nothing to submit", "The phrase is empty.", Severity.WARNING)
            return
        if not intent and self._pending_rank is not None:
            self._pending_submit = True
            self.say(f"Intent {self._pending_rank} will be chosen and submitted as soon as the intents are in.")
            return
        if not intent:
            self.message_bar.show_message(
                "Choose an intent first", "Press 1–9 for a suggested intent or / to search.", Severity.WARNING
            )
            return
        if conv.triaged:
            self.message_bar.show_message("Already triaged", "This conversation is closed.", Severity.INFO)
            return
        self.say("")
        finish = not [i for i in self._open_missed(conv) if i != self.turn_index]
        self._send_phrase(conv, Phrase(text.strip(), intent, self.turn_index), finish)

    def _send_phrase(self, conv: Conversation, phrase: Phrase, finish: bool) -> None:
        self.message_bar.hide()
        self.forwarded.setdefault(conv.contact_id, {})[phrase.turn_index] = phrase.intent_name
        if finish:
            self._close_here(conv, replace(conv, triage_status=core.TRIAGE_FORWARDED, triaged_by=self.session.user,
                                           triaged_at=datetime.now(timezone.utc)))
        elif self._is_current(conv):
            self.transcript.set_forwarded(self.forwarded[conv.contact_id])
            open_turns = self._open_missed(conv)
            self.set_turn(open_turns[0] if open_turns else None)
            self.transcript.setFocus()
        self._update_controls()
        job = self.review_actions.submit_phrase(conv, phrase, finish, exclusive=False)

        def undo() -> None:
            marks = self.forwarded.get(conv.contact_id, {})
            if marks.get(phrase.turn_index) == phrase.intent_name:
                del marks[phrase.turn_index]
            self._back_in_queue(conv)

        self.outbox.track(job, f"“{phrase.text}” as {phrase.intent_name}", self.session.not_connected,
                          retry=lambda: self._send_phrase(conv, phrase, finish), undo=undo,
                          subject=(conv.contact_id, phrase.turn_index))

    def nothing_to_learn(self) -> None:
        """Ctrl+Backspace: close the conversation, nothing (more) in it is worth teaching the bot."""
        conv = self.current
        if conv is None:
            self.say("No conversation is open.")
            return
        if conv.triaged:
            self.say("This conversation is closed already.")
            return
        self.say("")
        status = core.TRIAGE_FORWARDED if self.forwarded.get(conv.contact_id) else core.TRIAGE_NOTHING
        self._send_close(conv, status)

    def _send_close(self, conv: Conversation, status: str) -> None:
        self.message_bar.hide()
        self._close_here(conv, replace(conv, triage_status=status, triaged_by=self.session.user,
                                       triaged_at=datetime.now(timezone.utc)))
        job = self.review_actions.mark_triaged(conv, status, exclusive=False)
        what = "nothing to learn" if status == core.TRIAGE_NOTHING else "done"
        self.outbox.track(job, f"Conversation of {format_short(conv)} closed as {what}", self.session.not_connected,
                          retry=lambda: self._send_close(conv, status), undo=lambda: self._back_in_queue(conv),
                          subject=(conv.contact_id, "closed"))

    def _is_current(self, conv: Conversation) -> bool:
        return self.current is not None and self.current.contact_id == conv.contact_id

    def _close_here(self, conv: Conversation, closed: Conversation) -> None:
        """The conversation is done: drop it from the queue (or grey it) and, if it was open, move on."""
        row = self.model.row_of(conv.contact_id)
        if row < 0:
            return
        current = self._is_current(conv)
        if self.filters.include_triaged():
            self.model.replace(closed)
            if current:
                self.select_row(min(row + 1, self.model.rowCount() - 1))
        else:
            self.model.remove(conv.contact_id)
            self._count()
            if current and self.model.rowCount():
                self.select_row(min(row, self.model.rowCount() - 1))
            elif not self.model.rowCount():
                self._show(None)
                self.transcript.show_message("Queue cleared. Nothing left to triage.")
        if current:
            self.transcript.setFocus()
        self._update_controls()

    def _back_in_queue(self, conv: Conversation) -> None:
        """A write failed: the conversation is as it was (the agent stays where they are)."""
        if self.model.row_of(conv.contact_id) < 0:
            self.model.add([conv])
            self._count()
            if self.current is None:
                self.select_row(self.model.row_of(conv.contact_id))
        else:
            self.model.replace(conv)
        if self._is_current(conv):
            self.transcript.set_forwarded(self.forwarded.get(conv.contact_id, {}))
        self._update_controls()

    def _on_closed(self, _conv: Conversation, closed: Conversation) -> None:
        """The close landed: what the queue shows of it is what was stored."""
        if self.filters.include_triaged():
            self.model.replace(closed)
        self.triaged.emit(closed)

    def _closed_elsewhere(self, conv: Conversation, conflict: Conflict) -> None:
        """Someone else closed it first: a normal outcome, said plainly; the conversation is closed here too."""
        current = conflict.current if isinstance(conflict.current, Conversation) else None
        closed = conv
        if current is not None and current.triaged:
            closed = replace(conv, triage_status=current.triage_status, triaged_by=current.triaged_by,
                             triaged_at=current.triaged_at)
            self._close_here(conv, closed)
        self.message_bar.show_message("Not applied", conflict.message, Severity.WARNING)
        self.triaged.emit(closed)
        self._update_controls()


def format_short(conv: Conversation) -> str:
    """'amy.kb, 14:02': whose conversation and when, to tell it apart in a list of unsaved changes."""
    return f"{conv.agent or conv.contact_id}, {format_day_time(conv.started_at)}"
