"""Plain-data parts of the review workflow: normalising, ranking, flags, merging, records."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from opsconsole.core.lexreview.deploy.record import DeployedPhrase, Deployment
from opsconsole.core.lexreview.deploy.steps import merge_utterances
from opsconsole.core.lexreview.conversations import Conversation
from opsconsole.core.lexreview.triage import Phrase, ReviewItem, new_item
from opsconsole.core.lexreview.flags import compute_flags
from opsconsole.core.lexreview.store import from_attrs, to_attrs
from opsconsole.core.lexreview.similarity import IntentIndex, near_duplicate_groups, normalise, rank_intents

INTENTS = {
    "CheckBalance": ["What's my balance", "Check my account balance", "How much money do I have",
                     "How much is in my {AccountType}"],
    "TransferFunds": ["Transfer money", "Move {Amount} from {SourceAccount} to {TargetAccount}",
                      "I need to move funds"],
    "ReportLostCard": ["I lost my card", "My card was stolen", "Block my card"],
    "FindBranch": ["Where is the nearest branch", "Branch hours"],
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  What's   my BALANCE?! ", "whats my balance"),
        ("what’s my balance", "whats my balance"),  # typographic apostrophe
        ("¿Cuál es mi saldo?", "cuál es mi saldo"),  # Spanish marks and accents kept
        ("e-mail\tme, please…", "e mail me please"),
        ("「東京」の支店はどこ？", "東京 の支店はどこ"),  # CJK letters kept, CJK punctuation gone
        ("أين أقرب فرع؟", "أين أقرب فرع"),  # Arabic letters kept, Arabic question mark gone
        ("lost my card 😭 what do i do", "lost my card what do i do"),
        ("ＦＵＬＬ width", "full width"),
        ("transfer $50 now", "transfer $50 now"),
        ("", ""),
    ],
)
def test_normalise(text, expected):
    assert normalise(text) == expected


def test_rank_puts_the_intent_with_the_closest_samples_first():
    assert rank_intents("someone stole my debit card", INTENTS)[0][0] == "ReportLostCard"
    assert rank_intents("how much money is in checking", INTENTS)[0][0] == "CheckBalance"
    assert rank_intents("where's the closest branch", INTENTS)[0][0] == "FindBranch"


def test_rank_lists_every_intent_once_with_scores_between_0_and_1_best_first():
    ranked = IntentIndex(INTENTS).rank("move money to savings")
    assert sorted(n for n, _ in ranked) == sorted(INTENTS)
    scores = [s for _, s in ranked]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert ranked[0][0] == "TransferFunds"


def test_slot_references_do_not_count_as_words():
    # "{AccountType}" must not make "account type" a CheckBalance word.
    ranked = dict(IntentIndex(INTENTS).rank("what account types do you have"))
    assert ranked["CheckBalance"] < 0.5


def test_rank_copes_with_nothing_to_compare():
    assert rank_intents("", INTENTS)[0][1] == 0.0
    assert rank_intents("hello", {}) == []
    assert rank_intents("hello", {"Empty": []}) == [("Empty", 0.0)]


def test_near_duplicates_find_the_same_request_spelt_differently():
    groups = near_duplicate_groups(
        {"a": "I lost my card", "b": "i lost my card!!", "c": "I lost my cards", "d": "transfer money"}
    )
    assert set(groups["a"]) == {"b", "c"}
    assert groups["d"] == []


def _item(text: str, intent: str, status: str = "PENDING", locale: str = "en_US", item_id: str | None = None):
    item = new_item(Phrase(text, intent), bot_id="B1", bot_name="Bank", locale_id=locale, by="amy",
                    item_id=item_id or text)
    return ReviewItem(**{**item.__dict__, "status": status})


def test_flags_say_duplicate_conflict_and_near_duplicate():
    items = [
        _item("what is my balance?!", "CheckBalance", item_id="dup"),  # already a CheckBalance sample
        _item("Block my card", "CheckBalance", item_id="conflict"),  # a ReportLostCard sample
        _item("did my paycheck come in yet?", "CheckBalance", item_id="n1"),
        _item("did my paycheck come in", "CheckBalance", "APPROVED", item_id="n2"),
        _item("did my paycheck come in", "CheckBalance", "REJECTED", item_id="closed"),
        _item("Block my card", "CheckBalance", locale="es_US", item_id="other-locale"),
    ]
    utterances = {("B1", "en_US"): {**INTENTS, "CheckBalance": [*INTENTS["CheckBalance"], "What is my balance"]}}
    flags = compute_flags(items, utterances, threshold=0.6)
    assert flags["dup"].duplicate and not flags["dup"].conflicts
    assert flags["conflict"].conflicts == ("ReportLostCard",) and not flags["conflict"].duplicate
    assert flags["n1"].near_duplicates == ("n2",) and flags["n2"].near_duplicates == ("n1",)
    assert "closed" not in flags["n2"].near_duplicates  # rejected items are not "pending"
    assert not flags["other-locale"].any  # no utterances known for es_US


def test_merge_keeps_order_appends_new_and_skips_duplicates():
    existing = ["What's my balance", "Check my account balance"]
    merged, added = merge_utterances(existing, ["whats my  BALANCE?", "balance please", "Balance please!", "  "])
    assert merged == ["What's my balance", "Check my account balance", "balance please"]
    assert added == ["balance please"]
    assert merge_utterances(merged, added) == (merged, [])  # merging again changes nothing


def test_review_item_survives_dynamodb_round_trip():
    item = _item("am I overdrawn", "CheckBalance")
    item = ReviewItem(**{**item.__dict__, "turn_index": 3, "missed_count": None, "reason": ""})
    assert ReviewItem.from_record(from_attrs(to_attrs(item.to_record()))) == item


def test_deployment_record_survives_dynamodb_round_trip():
    d = Deployment(
        "d1", "B1", "Bank", "en_US", "dana", datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc),
        phrases=[DeployedPhrase("i1", "am I overdrawn", "CheckBalance")], intents=["CheckBalance"],
        added={"CheckBalance": ["am I overdrawn"]}, version="7", failure_reasons=["x"],
    )
    back = Deployment.from_record(from_attrs(to_attrs(d.to_record())))
    assert back == d


def test_conversation_from_record_orders_turns_and_counts_missed():
    conv = Conversation.from_record({
        "contact_id": "c1", "bot_id": "B1", "bot_name": "Bank", "locale_id": "en_US", "agent": "amy",
        "channel": "chat", "started_at": "2026-05-01T10:00:00Z",
        "turns": [{"index": 1, "speaker": "customer", "text": "operator", "intent": "FallbackIntent", "missed": True},
                  {"index": 0, "speaker": "bot", "text": "Hi"}],
    })
    assert [t.index for t in conv.turns] == [0, 1]
    assert conv.missed_count == 1 and [t.text for t in conv.missed_turns] == ["operator"]
    assert conv.started_at == datetime(2026, 5, 1, 10, tzinfo=timezone.utc)
    assert not conv.triaged


@pytest.mark.parametrize("sample", ["I lost my card", "Where is the nearest branch", "Transfer money"])
def test_a_phrase_that_is_one_of_the_samples_scores_as_a_near_certain_match(sample):
    # The best-matching sample carries the score; the centroid only nudges it. A phrase equal to a
    # sample must read as a near-certain match (>= 0.85), not as a middling one.
    ranked = rank_intents(sample, INTENTS)
    intent = next(name for name, samples in INTENTS.items() if sample in samples)
    assert ranked[0][0] == intent
    assert ranked[0][1] >= 0.85
    assert ranked[1][1] < 0.4
