"""The agent's view: the queue of conversations with missed turns, the transcript, and triage.

Built for the keyboard (the keys: :mod:`.keys`). The focus lives on the
transcript between steps, so the single-letter keys work and text fields keep
their own typing. Nothing waits for the network: a submit shows its result at
once and the write follows on the ordered write queue (:mod:`.outbox`; a failed
one comes back as an item to retry); the intents of every locale in the queue
are loaded while the queue loads. A key that cannot act says why.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtWidgets import QLabel, QSplitter, QVBoxLayout, QWidget
from superqt.utils import signals_blocked

from opsconsole.core.errors import UserError
from opsconsole.core.lexreview.conversations import Conversation, iter_conversations
from opsconsole.core.lexreview.bot import LocaleModel
from opsconsole.ui.lexreview.actions import ReviewActions
from opsconsole.ui.lexreview.agent.filters import AgentFilterBar
from opsconsole.ui.lexreview.agent.keys import KEYS_HELP, add_triage_keys
from opsconsole.ui.lexreview.agent.outbox import Outbox
from opsconsole.ui.lexreview.agent.triage_writes import TriageWrites
from opsconsole.ui.lexreview.agent.unsaved import UnsavedWrites
from opsconsole.ui.lexreview.agent.queue_model import ConversationQueueModel, QueueColumn, QueueTable
from opsconsole.ui.lexreview.session import ReviewSession
from opsconsole.ui.lexreview.agent.transcript import TranscriptView
from opsconsole.ui.lexreview.agent.triage_pane import TriagePane
from opsconsole.ui.widgets.message_bar import MessageBar
from opsconsole.jobs.runner import Job


class AgentView(TriageWrites, QWidget):
    """Triage missed turns into review items, one conversation after another.

    The writes are ``review_actions``' (:class:`ReviewActions`); this view says what
    they did and moves on.
    """

    #: The first query finished: number of conversations listed.
    queue_loaded = Signal(int)
    queue_failed = Signal(object)  # UserError
    #: A write landed: the items created (may be empty) or the conversation closed.
    submitted = Signal(list)
    triaged = Signal(object)  # Conversation

    def __init__(self, session: ReviewSession, actions: ReviewActions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("agent-view")
        self.session = session
        self.review_actions = actions
        self.current: Conversation | None = None
        self.turn_index: int | None = None
        #: contact id -> {turn index: intent} forwarded in this session.
        self.forwarded: dict[str, dict[int, str]] = {}
        self._query_job: Job | None = None
        #: 1-9 pressed before the locale's intents arrived: chosen (and submitted) when they do.
        self._pending_rank: int | None = None
        self._pending_submit = False

        self.filters = AgentFilterBar()
        self.filters.changed.connect(self.reload)
        self.filters.refresh_requested.connect(self.reload)
        self.model = ConversationQueueModel(self)
        self.queue = QueueTable(self.model)
        self.queue.selectionModel().currentRowChanged.connect(lambda cur, _prev: self._show_row(cur.row()))

        self.message_bar = MessageBar()
        self.message_bar.retry_requested.connect(self.reload)
        self.transcript = TranscriptView()
        self.transcript.span_selected.connect(self._on_span)
        self.transcript.missed_step_requested.connect(self.step_missed)
        self.transcript.unbound_key.connect(lambda text: self.say(f"“{text}” does nothing here. {KEYS_HELP}"))

        self.triage = TriagePane()
        self.phrase_edit, self.picker = self.triage.phrase_edit, self.triage.picker
        self.submit_button, self.nothing_button = self.triage.submit_button, self.triage.nothing_button
        self.turn_label = self.triage.turn_label
        self.phrase_edit.textEdited.connect(self._rerank)
        self.phrase_edit.returnPressed.connect(self.transcript.setFocus)
        self.picker.finished.connect(lambda: self.transcript.setFocus())
        self.submit_button.clicked.connect(self.submit)
        self.nothing_button.clicked.connect(self.nothing_to_learn)
        help_label = QLabel(KEYS_HELP)
        help_label.setWordWrap(True)
        help_label.setStyleSheet("color: palette(placeholder-text);")
        #: What the last key could not do, and why (plain text: it may quote the agent's search).
        self.hint_label = QLabel()
        self.hint_label.setObjectName("agent-hint")
        self.hint_label.setTextFormat(Qt.TextFormat.PlainText)
        self.hint_label.setWordWrap(True)
        self.unsaved = UnsavedWrites()
        self.outbox = Outbox(self.unsaved, self)
        self.outbox.changed.connect(lambda _n, _u: self._update_controls())

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.filters)
        left_layout.addWidget(self.queue, 1)
        middle = QWidget()
        middle_layout = QVBoxLayout(middle)
        middle_layout.setContentsMargins(0, 0, 0, 0)
        middle_layout.addWidget(self.message_bar)
        middle_layout.addWidget(self.unsaved)
        middle_layout.addWidget(self.transcript, 1)
        middle_layout.addWidget(self.hint_label)
        middle_layout.addWidget(help_label)
        right = self.triage
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        for widget in (left, middle, right):
            self.splitter.addWidget(widget)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([470, 560, 330])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)

        self.submit_action = add_triage_keys(self, self)
        session.model_loaded.connect(self._on_model_loaded)
        actions.phrase_submitted.connect(lambda _c, _p, _f, items: self.submitted.emit(items))
        actions.conversation_closed.connect(self._on_closed)
        actions.conversation_conflict.connect(self._closed_elsewhere)
        self._update_controls()

    # -- keyboard (the keys themselves are in .keys) ------------------------
    def take_keyboard(self) -> None:
        """The single-letter keys work from here on: the focus goes to the transcript."""
        self.transcript.setFocus(Qt.FocusReason.OtherFocusReason)

    def say(self, text: str) -> None:
        """Why the last key did nothing (cleared by the next one that does something)."""
        self.hint_label.setText(text)

    def retry_unsaved(self) -> None:
        """R: send every change that was not saved again, oldest first."""
        if not self.unsaved.entries:
            self.say("Every change is saved: nothing to retry.")
            return
        self.say("")
        self.unsaved.retry_all()

    def search_intents(self) -> None:
        """/: type to search every intent of the bot."""
        self.picker.focus_search()

    def back_to_transcript(self) -> None:
        """Escape: leave the search (emptied) or the phrase for the transcript."""
        self.picker.search.clear()
        self.transcript.setFocus()

    def edit_phrase(self) -> None:
        """E or F2: edit the phrase, all of it selected."""
        self.phrase_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.phrase_edit.selectAll()

    # -- loading -----------------------------------------------------------
    def reload(self) -> None:
        """Query the queue afresh with the current filters."""
        if self._query_job is not None:
            self._query_job.cancel()
        self.message_bar.hide()
        if not self.session.connected:
            self._fail(self.session.not_connected())
            return
        keep = self.current.contact_id if self.current else None
        self.session.refresh_models()  # sample utterances and approvals may have changed since
        self.model.clear()
        self.queue.setColumnHidden(QueueColumn.STATUS, not self.filters.include_triaged())
        self.filters.count_label.setText("Loading…")
        job = self.session.read(
            iter_conversations,
            include_triaged=self.filters.include_triaged(),
            bot_id=self.filters.bot_id(),
            locale_id=self.filters.locale_id(),
            since=self.filters.since(),
            name="List conversations to triage",
        )
        job.page.connect(lambda page: self._on_page(page, keep))
        job.done.connect(self._on_done)
        job.failed.connect(self._fail)
        self._query_job = job

    def _on_page(self, page: list[Conversation], keep: str | None) -> None:
        # Every locale the agent will meet is loaded now, side by side, before its first conversation shows.
        self.session.preload((c.bot_id, c.locale_id) for c in page)
        self.model.add(page)
        self._count()
        if self.current is None or self.model.row_of(self.current.contact_id) < 0:
            row = self.model.row_of(keep) if keep else -1
            if self.model.rowCount():
                self.select_row(max(row, 0))
        else:
            self.queue.scrollTo(self.model.index(self.model.row_of(self.current.contact_id), 0))

    def _on_done(self, _result: object) -> None:
        self._query_job = None
        self._count()
        if self.model.rowCount() == 0:
            self._show(None)
            self.transcript.show_message("No conversations with missed turns here. Nothing to triage.")
        self.queue_loaded.emit(self.model.rowCount())

    def _fail(self, err: UserError) -> None:
        self._query_job = None
        self.filters.count_label.setText("")
        self.message_bar.show_error(err)
        self.queue_failed.emit(err)

    def _count(self) -> None:
        # One bot (the usual case) needs no bot column; the transcript header names it.
        self.queue.setColumnHidden(QueueColumn.BOT, self.model.bot_count() <= 1)
        n = self.model.rowCount()
        loading = " (loading…)" if self._query_job is not None and self._query_job.active else ""
        self.filters.count_label.setText(f"{n} conversation{'s' if n != 1 else ''}{loading}")

    def set_locales(self, locales: list) -> None:
        """Offer these bots and locales in the filters (without re-querying)."""
        with signals_blocked(self.filters):
            self.filters.set_locales(locales)

    # -- navigation --------------------------------------------------------
    def select_row(self, row: int) -> None:
        """Make queue row ``row`` the current conversation."""
        if not 0 <= row < self.model.rowCount():
            return
        index = self.model.index(row, 0)
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        self.queue.selectionModel().setCurrentIndex(index, flags)
        self.queue.scrollTo(index)

    def select_conversation(self, contact_id: str) -> bool:
        """Show this conversation if it is in the queue; whether it was."""
        row = self.model.row_of(contact_id)
        if row >= 0:
            self.select_row(row)
        return row >= 0

    def step_conversation(self, step: int) -> None:
        """J/K: the next (1) or previous (-1) conversation."""
        row = self.queue.currentIndex().row()
        target = max(0, min(self.model.rowCount() - 1, row + step)) if row >= 0 else 0
        if not self.model.rowCount():
            self.say("The queue is empty.")
        elif target == row:
            self.say("That was the last conversation in the queue." if step > 0
                     else "This is the first conversation in the queue.")
        else:
            self.say("")
            self.select_row(target)
        self.transcript.setFocus()

    def _show_row(self, row: int) -> None:
        self._show(self.model.conversation(row))

    def _show(self, conv: Conversation | None) -> None:
        self.current = conv
        self.turn_index = None
        self._pending_rank, self._pending_submit = None, False
        self.picker.set_ranking([])
        if conv is None:
            self.transcript.show_message("Pick a conversation on the left.")
        else:
            pending = self._open_missed(conv)
            first = pending[0] if pending else (conv.missed_turns[0].index if conv.missed_turns else None)
            self.transcript.set_conversation(conv, None, self.forwarded.get(conv.contact_id, {}))
            self.set_turn(first)
        self._update_controls()

    def _open_missed(self, conv: Conversation) -> list[int]:
        """Missed turns not forwarded yet, in order."""
        done = self.forwarded.get(conv.contact_id, {})
        return [t.index for t in conv.missed_turns if t.index not in done]

    def set_turn(self, index: int | None, text: str | None = None) -> None:
        """Work on missed turn ``index``; the phrase is its text (or a span of it)."""
        conv = self.current
        self.turn_index = index
        turn = next((t for t in conv.turns if t.index == index), None) if conv and index is not None else None
        self.phrase_edit.setText(text if text is not None else (turn.text if turn else ""))
        self._pending_rank, self._pending_submit = None, False
        self.transcript.set_current(index)
        self._rerank()
        self.picker.clear_choice()
        self._update_controls()

    def step_missed(self, forward: bool = True) -> None:
        """N/Tab: the next (or previous) missed turn, wrapping around."""
        conv = self.current
        if conv is None or not conv.missed_turns:
            self.say("No conversation with missed turns is open." if conv is None
                     else "This conversation has no missed turn.")
            return
        self.say("")
        indexes = [t.index for t in conv.missed_turns]
        if self.turn_index not in indexes:
            self.set_turn(indexes[0])
            return
        pos = indexes.index(self.turn_index) + (1 if forward else -1)
        self.set_turn(indexes[pos % len(indexes)])
        self.transcript.setFocus()

    def _on_span(self, turn_index: int, text: str) -> None:
        # A selection in the transcript: that span of that missed turn is the phrase.
        self.turn_index = turn_index
        self.phrase_edit.setText(text)
        self._rerank()
        self._update_controls()

    # -- intents -----------------------------------------------------------
    def _locale_model(self) -> LocaleModel | None:
        conv = self.current
        return self.session.model(conv.bot_id, conv.locale_id) if conv else None

    def _rerank(self, *_args: object) -> None:
        model = self._locale_model()
        phrase = self.phrase_edit.text()
        if model is None:
            self.picker.set_ranking([], keep_choice=True)
            return
        self.picker.set_ranking(model.rank(phrase) if phrase.strip() else [(n, 0.0) for n in model.intent_names()],
                                keep_choice=True)

    def _on_model_loaded(self, model: LocaleModel) -> None:
        if self.current is not None and model.locale.key == (self.current.bot_id, self.current.locale_id):
            self._rerank()
            # Keys typed ahead of the intents are done now, in the order they were typed.
            rank, submit = self._pending_rank, self._pending_submit
            self._pending_rank, self._pending_submit = None, False
            if rank is not None:
                self.pick_rank(rank)
                if submit:
                    self.submit()
            self._update_controls()

    def pick_rank(self, number: int) -> None:
        """1–9: choose the intent shown at that place."""
        conv = self.current
        if conv is not None and self.turn_index is not None and self._locale_model() is None:
            self._pending_rank = number
            self.say(f"Intent {number} will be chosen as soon as the intents of {conv.locale_id} are in.")
            return
        if self.picker.choose_rank(number) is None:
            shown = self.picker.model.rowCount()
            self.say(f"No intent at place {number}: " + (f"only {shown} shown." if shown else "no intent is shown."))
            return
        self.say("")
        self._update_controls()

    def _update_controls(self) -> None:
        conv = self.current
        has_turn = conv is not None and self.turn_index is not None
        self.submit_button.setEnabled(has_turn and not conv.triaged)
        self.nothing_button.setEnabled(conv is not None and not conv.triaged)
        forwarded = bool(self.forwarded.get(conv.contact_id)) if conv else False
        self.nothing_button.setText(
            ("Done, nothing more to learn" if forwarded else "Nothing to learn") + "  (Ctrl+Backspace)"
        )
        self.triage.save_label.setText(self.outbox.status())
        if conv is None:
            self.turn_label.setText("")
        elif self.turn_index is None:
            self.turn_label.setText("No missed turn selected.")
        else:
            open_turns = self._open_missed(conv)
            self.turn_label.setText(
                f"Missed turn {self.turn_index} · {len(open_turns)} of {len(conv.missed_turns)} still to triage"
                + ("" if self._locale_model() is not None else " · loading intents…")
            )

