"""The agent's view against the sandbox: the whole triage loop from the keyboard alone."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

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
