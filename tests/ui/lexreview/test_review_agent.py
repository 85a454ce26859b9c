"""The agent's view against the sandbox: the whole triage loop from the keyboard alone."""

from __future__ import annotations

import threading
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from opsconsole.core.lexreview import conversations as lc
from opsconsole.core.lexreview import triage as lr
from opsconsole.core.lexreview.items import list_review_items
from opsconsole.core.lexreview.store import to_attrs

TIMEOUT = 30000
CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture(scope="module")
def lex(sandbox):
    return sandbox.scenario.lex


@pytest.fixture
def add_conversation(sandbox_clients, lex):
    """Add a conversation newer than every seeded one (so it heads the queue); deleted after the test."""
    made: list[str] = []

    def add(missed, minutes_ahead, locale="en_US") -> lc.Conversation:
        turns = [{"index": 0, "speaker": "bot", "text": "Hi, thanks for calling. How can I help you today?"}]
        for text in missed:
            turns.append({"index": len(turns), "speaker": "customer", "text": text, "intent": "FallbackIntent",
                          "missed": True})
            turns.append({"index": len(turns), "speaker": "bot", "text": "Sorry, I didn't get that."})
        started = datetime.now(timezone.utc) + timedelta(minutes=minutes_ahead)
        row = {"contact_id": f"test-ui-agent-{uuid.uuid4()}", "bot_id": lex["bot_id"], "bot_name": lex["bot_name"],
               "locale_id": locale, "agent": "amy.kb", "channel": "chat", "started_at": started.isoformat(),
               "turns": turns, "triage_status": "NEW", "missed_count": len(missed)}
        sandbox_clients.client("dynamodb").put_item(TableName=lex["tables"]["conversations"], Item=to_attrs(row))
        made.append(row["contact_id"])
        return lc.get_conversation(sandbox_clients, row["contact_id"])

    yield add
    for contact_id in made:
        sandbox_clients.client("dynamodb").delete_item(TableName=lex["tables"]["conversations"],
                                                       Key=to_attrs({"contact_id": contact_id}))


@pytest.fixture
def open_panel(review_opener):
    """Open the Review queues as agent amy.kb (after the test has added its conversations)."""
    review_opener.prepare("agent", "amy.kb")
    return lambda: review_opener("agent", "amy.kb")


def press(qtbot, key, modifier=Qt.KeyboardModifier.NoModifier):
    """A key typed into whatever has the keyboard focus, as a person would."""
    target = QApplication.focusWidget()
    assert target is not None, "nothing has the keyboard focus"
    qtbot.keyClick(target, key, modifier)


def test_a_conversation_is_cleared_from_the_keyboard_alone(
    qtbot, sandbox_clients, add_conversation, open_panel
):
    first = add_conversation(["someone stole my debit card", "i never got the verification code"], 3)
    second = add_conversation(["am i overdrawn"], 2)
    panel = open_panel()
    view = panel.agent_view
    qtbot.waitUntil(lambda: view.current is not None and view.current.contact_id == first.contact_id)
    qtbot.waitUntil(lambda: view.picker.model.rowCount() > 0, timeout=TIMEOUT)  # the locale's intents are in
    assert QApplication.focusWidget() is view.transcript

    # J / K walk the queue, newest first.
    press(qtbot, Qt.Key.Key_J)
    assert view.current.contact_id == second.contact_id
    press(qtbot, Qt.Key.Key_K)
    assert view.current.contact_id == first.contact_id

    # The first missed turn is selected; 1 picks the most likely intent; Ctrl+Enter submits it.
    assert view.turn_index == 1 and view.phrase_edit.text() == "someone stole my debit card"
    assert view.picker.model.name(0) == "ReportLostCard"
    press(qtbot, Qt.Key.Key_1)
    assert view.picker.chosen_intent == "ReportLostCard"
    with qtbot.waitSignal(view.submitted, timeout=TIMEOUT):
        press(qtbot, Qt.Key.Key_Return, CTRL)

    # On to the next missed turn by itself; / searches the intents, Enter takes the match.
    assert view.turn_index == 3 and view.transcript.forwarded == {1: "ReportLostCard"}
    press(qtbot, Qt.Key.Key_Slash)
    assert QApplication.focusWidget() is view.picker.search
    qtbot.keyClicks(view.picker.search, "reset")
    press(qtbot, Qt.Key.Key_Return)
    assert view.picker.chosen_intent == "ResetPassword"
    assert QApplication.focusWidget() is view.transcript
    # E edits the phrase; only the selected words are forwarded.
    press(qtbot, Qt.Key.Key_E)
    assert QApplication.focusWidget() is view.phrase_edit
    press(qtbot, Qt.Key.Key_End)
    for _ in range(2):
        press(qtbot, Qt.Key.Key_Left, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert view.phrase_edit.selectedText() == "verification code"
    with qtbot.waitSignal(view.triaged, timeout=TIMEOUT):  # the last open missed turn closes the conversation
        press(qtbot, Qt.Key.Key_Return, CTRL)

    # The queue moved on to the next conversation; nothing in it is worth teaching.
    qtbot.waitUntil(lambda: view.current is not None and view.current.contact_id == second.contact_id)
    assert view.model.row_of(first.contact_id) == -1
    with qtbot.waitSignal(view.triaged, timeout=TIMEOUT):
        press(qtbot, Qt.Key.Key_Backspace, CTRL)
    assert view.model.row_of(second.contact_id) == -1

    items = sorted((i for i in list_review_items(sandbox_clients) if i.contact_id == first.contact_id),
                   key=lambda i: i.turn_index)
    assert [(i.text, i.intent_name, i.turn_index, i.agent, i.status) for i in items] == [
        ("someone stole my debit card", "ReportLostCard", 1, "amy.kb", "PENDING"),
        ("verification code", "ResetPassword", 3, "amy.kb", "PENDING"),
    ]
    assert lc.get_conversation(sandbox_clients, first.contact_id).triage_status == "FORWARDED"
    closed = lc.get_conversation(sandbox_clients, second.contact_id)
    assert (closed.triage_status, closed.triaged_by) == ("NOTHING_TO_LEARN", "amy.kb")
    assert [r.action for r in panel.ctx.audit.read()] == [
        "Submit phrase", "Submit phrase", "Mark conversation triaged"]


def test_every_locale_of_the_bot_is_ready_before_the_agent_reaches_it(qtbot, open_panel, lex):
    # Once the bot's locales are listed, each one's intents load side by side, whatever pages of the
    # queue have arrived: the first conversation of a locale never shows an empty intents list.
    panel = open_panel()
    session = panel.session
    qtbot.waitUntil(lambda: {loc.locale_id for loc in session.locales} >= set(lex["locales"]), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: all(loc.key in session.models() for loc in session.locales), timeout=TIMEOUT)
    view = panel.agent_view
    for locale in lex["locales"]:
        row = next(r for r in range(view.model.rowCount()) if view.model.conversation(r).locale_id == locale)
        view.queue.setFocus()
        view.select_row(row)
        assert view.picker.model.rowCount() > 0, f"the first {locale} conversation showed no intents"
        assert "loading intents" not in view.turn_label.text()


def test_submitting_without_an_intent_says_what_to_do(qtbot, sandbox_clients, add_conversation, open_panel):
    add_conversation(["can my teenager get an account"], 4)
    panel = open_panel()
    view = panel.agent_view
    qtbot.waitUntil(lambda: view.current is not None and view.current.missed_turns[0].text.startswith("can my teen"))
    view.transcript.setFocus()
    press(qtbot, Qt.Key.Key_Return, CTRL)
    assert view.message_bar.isVisible() and view.message_bar.title_label.text() == "Choose an intent first"
    assert panel.ctx.audit.read() == []


def test_a_conversation_closed_elsewhere_is_said_plainly_and_dropped(
    qtbot, sandbox_clients, add_conversation, open_panel
):
    conv = add_conversation(["just get me a human"], 5)
    panel = open_panel()
    view = panel.agent_view
    qtbot.waitUntil(lambda: view.current is not None and view.current.contact_id == conv.contact_id)
    qtbot.waitUntil(lambda: view.picker.model.rowCount() > 0, timeout=TIMEOUT)
    lr.mark_nothing_to_learn(sandbox_clients, conv, "james.other")  # another agent, another console
    view.transcript.setFocus()
    press(qtbot, Qt.Key.Key_1)
    with qtbot.waitSignal(view.triaged, timeout=TIMEOUT):
        press(qtbot, Qt.Key.Key_Return, CTRL)
    assert view.message_bar.text_label.text().startswith("Already marked nothing to learn by james.other at ")
    assert view.model.row_of(conv.contact_id) == -1
    assert [i for i in list_review_items(sandbox_clients) if i.contact_id == conv.contact_id] == []
    assert [(r.action, r.result) for r in panel.ctx.audit.read()] == [("Submit phrase", "conflict")]


def test_a_span_of_a_missed_turn_is_picked_in_the_transcript(
    qtbot, sandbox_clients, add_conversation, open_panel
):
    conv = add_conversation(["hi there i lost my card yesterday at the mall"], 6)
    panel = open_panel()
    view = panel.agent_view
    qtbot.waitUntil(lambda: view.current is not None and view.current.contact_id == conv.contact_id)
    assert QApplication.focusWidget() is view.transcript
    # The cursor waits at the start of the missed turn; Ctrl+Shift+Right selects word by word.
    for _ in range(3):
        press(qtbot, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)
    for _ in range(4):
        press(qtbot, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert view.phrase_edit.text() == "lost my card yesterday"
    assert view.turn_index == 1
    qtbot.waitUntil(lambda: view.picker.model.rowCount() > 0, timeout=TIMEOUT)
    assert view.picker.model.name(0) == "ReportLostCard"  # ranked for the span, not the whole turn
    # A selection outside any missed turn (a bot turn) changes nothing.
    start, _end = view.transcript.ranges[2]
    cursor = view.transcript.textCursor()
    cursor.setPosition(start)
    cursor.setPosition(start + 5, cursor.MoveMode.KeepAnchor)
    view.transcript.setTextCursor(cursor)
    assert view.phrase_edit.text() == "lost my card yesterday"


@pytest.fixture
def hold_writes(ctx):
    """``hold()``: writes queue up behind a held one until ``release()`` (the write queue is one ordered thread)."""
    gates: list[threading.Event] = []

    class Hold:
        def hold(self) -> None:
            gate = threading.Event()
            gates.append(gate)
            ctx.runner.submit(gate.wait, 60, name="held write", write=True)

        def release(self) -> None:
            for gate in gates:
                gate.set()

    hold = Hold()
    yield hold
    hold.release()


def items_of(clients, conv) -> list[tuple[str, str, int]]:
    return sorted((i.text, i.intent_name, i.turn_index) for i in list_review_items(clients)
                  if i.contact_id == conv.contact_id)


def test_submit_shows_the_next_phrase_at_once_and_the_write_follows_in_order(
    qtbot, sandbox_clients, add_conversation, open_panel, hold_writes
):
    first = add_conversation(["someone stole my debit card", "am i overdrawn"], 7)
    second = add_conversation(["just get me a human"], 6)
    panel = open_panel()
    view = panel.agent_view
    qtbot.waitUntil(lambda: view.current is not None and view.current.contact_id == first.contact_id)
    qtbot.waitUntil(lambda: view.picker.model.rowCount() > 0, timeout=TIMEOUT)
    hold_writes.hold()  # the network is slow: nothing the agent sends lands until released

    press(qtbot, Qt.Key.Key_1)
    press(qtbot, Qt.Key.Key_Return, CTRL)
    # The next missed turn is there before the write landed.
    assert view.turn_index == 3 and view.phrase_edit.text() == "am i overdrawn"
    assert view.transcript.forwarded == {1: "ReportLostCard"}
    assert view.triage.save_label.text() == "Saving 1 change…"
    assert items_of(sandbox_clients, first) == []
    # Typed ahead: pick, submit (the last open turn closes the conversation), and close the next one.
    press(qtbot, Qt.Key.Key_1)
    chosen = view.picker.chosen_intent
    press(qtbot, Qt.Key.Key_Return, CTRL)
    assert view.current.contact_id == second.contact_id and view.model.row_of(first.contact_id) == -1
    press(qtbot, Qt.Key.Key_Backspace, CTRL)
    assert view.model.row_of(second.contact_id) == -1
    assert view.triage.save_label.text() == "Saving 3 changes…"
    assert lc.get_conversation(sandbox_clients, first.contact_id).triage_status == "NEW"

    hold_writes.release()
    qtbot.waitUntil(lambda: view.triage.save_label.text() == "", timeout=TIMEOUT)
    assert items_of(sandbox_clients, first) == [("am i overdrawn", chosen, 3),
                                                ("someone stole my debit card", "ReportLostCard", 1)]
    assert lc.get_conversation(sandbox_clients, first.contact_id).triage_status == "FORWARDED"
    assert lc.get_conversation(sandbox_clients, second.contact_id).triage_status == "NOTHING_TO_LEARN"
    # Each went through the audited write path, in the order typed.
    assert [(r.action, r.result) for r in panel.ctx.audit.read()] == [
        ("Submit phrase", "ok"), ("Submit phrase", "ok"), ("Mark conversation triaged", "ok")]
    assert not view.unsaved.isVisible()


def test_a_failed_write_comes_back_to_retry_and_the_agent_stays_where_they_are(
    qtbot, sandbox_clients, add_conversation, open_panel
):
    first = add_conversation(["the atm ate my card"], 9)
    second = add_conversation(["is the downtown office still open", "operator"], 8)
    panel = open_panel()
    view = panel.agent_view
    qtbot.waitUntil(lambda: view.current is not None and view.current.contact_id == first.contact_id)
    qtbot.waitUntil(lambda: view.picker.model.rowCount() > 0, timeout=TIMEOUT)
    audit_path = panel.ctx.audit.path
    panel.ctx.audit.path = Path("/dev/full")  # the disk is full: nothing may be sent unaudited

    press(qtbot, Qt.Key.Key_1)
    chosen = view.picker.chosen_intent
    press(qtbot, Qt.Key.Key_Return, CTRL)
    assert view.current.contact_id == second.contact_id
    qtbot.waitUntil(lambda: view.unsaved.isVisible(), timeout=TIMEOUT)
    assert view.unsaved.title.text() == "1 change not saved"
    [entry] = view.unsaved.entries
    assert entry.what == f"“the atm ate my card” as {chosen}" and "audit log" in entry.error.message
    # The conversation is back in the queue, open again; the agent is still on the next one.
    assert view.model.row_of(first.contact_id) >= 0
    assert view.current.contact_id == second.contact_id and view.turn_index == 1
    assert QApplication.focusWidget() is view.transcript
    assert items_of(sandbox_clients, first) == []

    panel.ctx.audit.path = audit_path  # space again
    with qtbot.waitSignal(view.triaged, timeout=TIMEOUT):
        press(qtbot, Qt.Key.Key_R)
    assert not view.unsaved.isVisible()
    assert view.model.row_of(first.contact_id) == -1 and view.current.contact_id == second.contact_id
    assert items_of(sandbox_clients, first) == [("the atm ate my card", chosen, 1)]
    assert [(r.action, r.result) for r in panel.ctx.audit.read()] == [("Submit phrase", "ok")]


def test_keys_typed_before_the_intents_arrive_are_done_when_they_do(
    qtbot, sandbox_clients, add_conversation, open_panel
):
    conv = add_conversation(["se me perdió la cartera con la tarjeta adentro"], 10, locale="es_US")
    panel = open_panel()
    view = panel.agent_view
    qtbot.waitUntil(lambda: view.current is not None and view.current.contact_id == conv.contact_id)
    panel.session.reset()  # as after a reconnection: no intents known yet
    press(qtbot, Qt.Key.Key_1)
    assert "as soon as the intents of es_US are in" in view.hint_label.text()
    with qtbot.waitSignal(view.triaged, timeout=TIMEOUT):
        press(qtbot, Qt.Key.Key_Return, CTRL)
    [(text, intent, turn)] = items_of(sandbox_clients, conv)
    model = panel.session.model(conv.bot_id, conv.locale_id)
    assert (text, turn) == ("se me perdió la cartera con la tarjeta adentro", 1)
    assert intent == model.rank(text)[0][0] == "ReportLostCard"


def test_every_locale_in_the_queue_is_loaded_before_its_conversation_shows(
    qtbot, add_conversation, open_panel
):
    add_conversation(["¿a qué hora abren el sábado?"], 12, locale="es_US")
    add_conversation(["am i overdrawn"], 11)
    panel = open_panel()
    view = panel.agent_view
    qtbot.waitUntil(lambda: view.current is not None and view.current.locale_id == "es_US")
    # The agent has not been to an en_US conversation, and its intents are in all the same.
    qtbot.waitUntil(lambda: {k[1] for k in panel.session.models()} == {"en_US", "es_US"}, timeout=TIMEOUT)
    assert view.current.locale_id == "es_US"


def test_an_empty_search_says_no_match_and_clears_the_choice(qtbot, add_conversation, open_panel):
    add_conversation(["cant find my visa anywhere"], 13)
    panel = open_panel()
    view = panel.agent_view
    qtbot.waitUntil(lambda: view.picker.model.rowCount() > 0, timeout=TIMEOUT)
    press(qtbot, Qt.Key.Key_1)
    assert view.picker.chosen_intent is not None
    press(qtbot, Qt.Key.Key_Slash)
    qtbot.keyClicks(view.picker.search, "zzz")
    assert view.picker.model.rowCount() == 0
    assert view.picker.chosen_intent is None
    assert "no match for “zzz”" in view.picker.choice_label.text()
    press(qtbot, Qt.Key.Key_Escape)
    assert QApplication.focusWidget() is view.transcript
    press(qtbot, Qt.Key.Key_Return, CTRL)
    assert view.message_bar.title_label.text() == "Choose an intent first"


def test_a_key_that_cannot_act_says_why(qtbot, add_conversation, open_panel):
    add_conversation(["do you do student loans"], 14)
    panel = open_panel()
    view = panel.agent_view
    qtbot.waitUntil(lambda: view.picker.model.rowCount() > 0, timeout=TIMEOUT)
    press(qtbot, Qt.Key.Key_K)
    assert view.hint_label.text() == "This is the first conversation in the queue."
    press(qtbot, Qt.Key.Key_R)
    assert view.hint_label.text() == "Every change is saved: nothing to retry."
    press(qtbot, Qt.Key.Key_J)  # a key that can act clears what the last one said
    assert view.hint_label.text() == ""
    press(qtbot, Qt.Key.Key_X)  # no key of the view: the keys there are are listed
    assert view.hint_label.text().startswith("“x” does nothing here. J/K conversation")


def test_the_agent_view_has_the_keyboard_when_the_app_starts_on_it_and_when_the_area_opens(
    qtbot, ctx, add_conversation, review_opener
):
    from opsconsole.core.settings import WINDOW_AREA
    from opsconsole.ui.lexreview import AREA
    from opsconsole.ui.panel import not_built
    from opsconsole.ui.shell.main_window import MainWindow

    conv = add_conversation(["can i refinance my house with you"], 15)
    review_opener.prepare("agent", "amy.kb")
    ctx.settings.set(WINDOW_AREA, "review")
    window = MainWindow(ctx, areas=[not_built("other", "Other area", None, "elsewhere"), AREA])
    qtbot.addWidget(window)
    panel = window.panels[1]
    with qtbot.waitSignal(panel.loaded, timeout=TIMEOUT):
        window.show()
        window.activateWindow()
        panel.load()
    view = panel.agent_view
    qtbot.waitUntil(lambda: QApplication.focusWidget() is view.transcript)
    qtbot.waitUntil(lambda: view.current is not None and view.current.contact_id == conv.contact_id)
    press(qtbot, Qt.Key.Key_J)  # the keys work without a click first
    assert view.current.contact_id != conv.contact_id

    press(qtbot, Qt.Key.Key_1, CTRL)  # another area takes the screen...
    assert window.stack.currentWidget() is window.panels[0]
    press(qtbot, Qt.Key.Key_2, CTRL)  # ...and back: the agent view has the keys again
    assert QApplication.focusWidget() is view.transcript
    press(qtbot, Qt.Key.Key_K)
    assert view.current.contact_id == conv.contact_id
    panel.cancel_jobs()


def test_submitting_a_failed_phrase_again_by_hand_replaces_its_retry(
    qtbot, sandbox_clients, add_conversation, open_panel
):
    first = add_conversation(["do you have business accounts"], 17)
    second = add_conversation(["wire money to my landlord"], 16)
    panel = open_panel()
    view = panel.agent_view
    qtbot.waitUntil(lambda: view.current is not None and view.current.contact_id == first.contact_id)
    qtbot.waitUntil(lambda: view.picker.model.rowCount() > 0, timeout=TIMEOUT)
    audit_path = panel.ctx.audit.path
    panel.ctx.audit.path = Path("/dev/full")
    press(qtbot, Qt.Key.Key_1)
    press(qtbot, Qt.Key.Key_Return, CTRL)
    qtbot.waitUntil(lambda: view.unsaved.isVisible(), timeout=TIMEOUT)
    assert view.current.contact_id == second.contact_id
    panel.ctx.audit.path = audit_path

    press(qtbot, Qt.Key.Key_K)  # back to the conversation whose phrase was not saved
    assert view.current.contact_id == first.contact_id and view.transcript.forwarded == {}
    press(qtbot, Qt.Key.Key_2)
    chosen = view.picker.chosen_intent
    with qtbot.waitSignal(view.triaged, timeout=TIMEOUT):
        press(qtbot, Qt.Key.Key_Return, CTRL)
    assert not view.unsaved.isVisible() and view.unsaved.entries == []
    assert items_of(sandbox_clients, first) == [("do you have business accounts", chosen, 1)]
