"""Conversations and agent submissions against the sandbox's stored conversations."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

from opsconsole.core.lexreview import conversations as lc
from opsconsole.core.lexreview import triage as lr
from opsconsole.core.lexreview import bot as lb
from opsconsole.core.lexreview.items import get_review_item, list_review_items
from opsconsole.core.lexreview.store import to_attrs


@pytest.fixture(scope="module")
def lex(sandbox):
    return sandbox.scenario.lex


@pytest.fixture
def add_conversation(sandbox_clients, lex):
    """Add conversations of our own (the seeded ones stay as seeded); deleted after the test."""
    made: list[str] = []

    def add(locale="en_US", missed=("do you do student loans",)) -> lc.Conversation:
        turns = [{"index": 0, "speaker": "bot", "text": "Hi, how can I help?"}]
        for text in missed:
            turns.append({"index": len(turns), "speaker": "customer", "text": text, "intent": "FallbackIntent",
                          "missed": True})
            turns.append({"index": len(turns), "speaker": "bot", "text": "Sorry, I didn't get that."})
        row = {"contact_id": f"test-lexreview-{uuid.uuid4()}", "bot_id": lex["bot_id"], "bot_name": lex["bot_name"],
               "locale_id": locale, "agent": "amy.test", "channel": "chat",
               "started_at": datetime.now(timezone.utc).isoformat(), "turns": turns,
               "triage_status": "NEW", "missed_count": len(missed)}
        sandbox_clients.client("dynamodb").put_item(TableName=lex["tables"]["conversations"], Item=to_attrs(row))
        made.append(row["contact_id"])
        return lc.get_conversation(sandbox_clients, row["contact_id"])

    yield add
    for contact_id in made:
        sandbox_clients.client("dynamodb").delete_item(TableName=lex["tables"]["conversations"],
                                                       Key=to_attrs({"contact_id": contact_id}))


def test_queue_lists_untriaged_conversations_with_missed_turns(sandbox_clients, lex):
    convs = [c for page in lc.iter_conversations(sandbox_clients, page_size=50) for c in page]
    assert len(convs) >= 50  # several pages of the seeded ones
    assert all(c.missed_count > 0 and c.missed_turns and not c.triaged for c in convs)
    assert {c.locale_id for c in convs} >= set(lex["locales"])
    assert len({c.contact_id for c in convs}) == len(convs)


def test_queue_filters_by_locale_and_date(sandbox_clients, lex):
    since = datetime.now(timezone.utc) - timedelta(days=2)
    convs = [c for page in lc.iter_conversations(sandbox_clients, locale_id="es_US", since=since) for c in page]
    assert convs and all(c.locale_id == "es_US" and c.started_at >= since for c in convs)
    none = [c for page in lc.iter_conversations(sandbox_clients, bot_id="NOSUCHBOT") for c in page]
    assert none == []


def test_submitting_creates_pending_items_and_closing_hides_the_conversation(
    sandbox_clients, lex, add_conversation
):
    conv = add_conversation(missed=("do you do student loans", "operator"))
    items = lr.submit_phrases(sandbox_clients, conv, [lr.Phrase("student loans", "LoanInquiry", 1)], "amy.test")
    assert len(items) == 1
    stored = get_review_item(sandbox_clients, items[0].item_id)
    assert stored == items[0]
    assert (stored.status, stored.text, stored.intent_name, stored.agent, stored.contact_id, stored.turn_index,
            stored.bot_id, stored.locale_id, stored.source, stored.revision) == (
        "PENDING", "student loans", "LoanInquiry", "amy.test", conv.contact_id, 1, lex["bot_id"], "en_US", "agent", 1)
    assert not lc.get_conversation(sandbox_clients, conv.contact_id).triaged  # one missed turn still open

    lr.submit_phrases(sandbox_clients, conv, [lr.Phrase("operator", "SpeakToAgent", 3)], "amy.test", finish=True)
    closed = lc.get_conversation(sandbox_clients, conv.contact_id)
    assert (closed.triage_status, closed.triaged_by) == ("FORWARDED", "amy.test")
    queued = {c.contact_id for page in lc.iter_conversations(sandbox_clients) for c in page}
    assert conv.contact_id not in queued
    shown = {c.contact_id for page in lc.iter_conversations(sandbox_clients, include_triaged=True) for c in page}
    assert conv.contact_id in shown


def test_nothing_to_learn_and_a_late_submission_are_told_apart_plainly(sandbox_clients, lex, add_conversation):
    conv = add_conversation()
    lr.mark_nothing_to_learn(sandbox_clients, conv, "james.test")
    with pytest.raises(lr.Conflict) as late:
        lr.submit_phrases(sandbox_clients, conv, [lr.Phrase("student loans", "LoanInquiry", 1)], "amy.test")
    assert late.value.message.startswith("Already marked nothing to learn by james.test at ")
    assert late.value.message.endswith("your phrase was not submitted")
    # Nothing was written for the late submission.
    mine = [i for i in list_review_items(sandbox_clients) if i.contact_id == conv.contact_id]
    assert mine == []
    with pytest.raises(lr.Conflict, match="Already marked nothing to learn by james.test"):
        lr.mark_nothing_to_learn(sandbox_clients, conv, "amy.test")


def test_lex_analytics_queue_the_most_missed_utterances_once(sandbox_clients, lex):
    locale = lb.BotLocale(lex["bot_id"], lex["bot_name"], "es_US")
    first = lb.pull_lex_analytics(sandbox_clients, locale, "dana.test", max_items=5)
    assert 0 < len(first.added) <= 5
    counts = [i.missed_count for i in first.added]
    assert counts == sorted(counts, reverse=True) and counts[0] > 1
    assert all(i.source == "Lex analytics" and i.status == "PENDING" and i.intent_name == "" for i in first.added)
    stored = get_review_item(sandbox_clients, first.added[0].item_id)
    assert stored.missed_count == first.added[0].missed_count
    again = lb.pull_lex_analytics(sandbox_clients, locale, "dana.test", max_items=5)
    assert again.added == [] and again.already_queued == len(first.added) + first.already_queued


def test_a_conversation_deleted_meanwhile_is_not_brought_back(sandbox_clients, lex, add_conversation):
    conv = add_conversation()
    table = lex["tables"]["conversations"]
    sandbox_clients.client("dynamodb").delete_item(TableName=table, Key=to_attrs({"contact_id": conv.contact_id}))
    with pytest.raises(lr.Conflict, match="no longer exists"):
        lr.submit_phrases(sandbox_clients, conv, [lr.Phrase("student loans", "LoanInquiry", 1)], "amy.test",
                          finish=True)
    with pytest.raises(lr.Conflict, match="no longer exists"):
        lr.mark_nothing_to_learn(sandbox_clients, conv, "amy.test")
    assert lc.get_conversation(sandbox_clients, conv.contact_id) is None  # no stub written by the update
