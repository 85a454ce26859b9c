"""The agent's intent ranking learns from approved phrases; its accuracy measured on a held-out split."""

from __future__ import annotations

import uuid

import pytest

from opsconsole.core.lexreview import bot as lb
from opsconsole.core.lexreview.ranking import (
    LabelledPhrase,
    approved_phrases,
    evaluate,
    held_out_split,
    load_ranking_model,
)
from opsconsole.core.lexreview.similarity import IntentIndex
from opsconsole.core.lexreview.store import to_attrs
from opsconsole.core.lexreview.triage import Phrase, new_item

SAMPLES = {
    "CheckBalance": ["what is my balance", "how much money do I have"],
    "ReportLostCard": ["I lost my card", "my card was stolen"],
    "SpeakToAgent": ["speak to an agent", "talk to a person"],
}


@pytest.fixture(scope="module")
def lex(sandbox):
    return sandbox.scenario.lex


def test_approved_phrases_rank_what_the_samples_alone_miss():
    assert IntentIndex(SAMPLES).rank("xyzzy")[0][0] != "SpeakToAgent"  # nothing in common with any sample
    ranked = IntentIndex(SAMPLES, {"SpeakToAgent": ["xyzzy please"]}).rank("xyzzy")
    assert ranked[0][0] == "SpeakToAgent"


def test_without_approvals_the_ranking_is_the_samples_alone():
    for phrase in ("what is my balance", "lost card", "operator"):
        assert IntentIndex(SAMPLES, {}).rank(phrase) == IntentIndex(SAMPLES).rank(phrase)


def test_a_phrase_sharing_nothing_goes_to_the_intent_approved_most():
    approved = {"ReportLostCard": ["wallet gone", "purse stolen", "left it at the bar"], "CheckBalance": ["payday?"]}
    assert IntentIndex(SAMPLES, approved).rank("فقدت بطاقتي")[0][0] == "ReportLostCard"
    # approvals of an intent the locale does not have are ignored
    assert [n for n, _ in IntentIndex(SAMPLES, {"Gone": ["x"]}).rank("y")] == sorted(SAMPLES, key=str.casefold)


def examples(n_groups: int = 40) -> list[LabelledPhrase]:
    out = []
    for g in range(n_groups):
        out.append(LabelledPhrase("en_US", "xyzzy", "SpeakToAgent", f"c{g}"))
        out.append(LabelledPhrase("en_US", "plugh", "ReportLostCard", f"c{g}"))
    return out


def test_the_split_keeps_each_conversation_on_one_side_and_is_stable():
    train, test = held_out_split(examples())
    assert train and test
    assert not {e.group for e in train} & {e.group for e in test}
    assert held_out_split(examples()) == (train, test)
    by_text_train, by_text_test = held_out_split(examples(), 0.5, by="text")
    assert not {e.text for e in by_text_train} & {e.text for e in by_text_test}


def test_evaluate_scores_top1_and_top3_per_locale():
    train, test = held_out_split(examples() + [LabelledPhrase("es_US", "operadora", "SpeakToAgent", "e1"),
                                               LabelledPhrase("es_US", "x", "NotAnIntent", "e2")], 0.5)
    samples = {"en_US": SAMPLES, "es_US": SAMPLES}
    with_history = {s.locale_id: s for s in evaluate(samples, train, test)}
    alone = {s.locale_id: s for s in evaluate(samples, train, test, use_history=False)}
    en = with_history["en_US"]
    assert en.n == len([e for e in test if e.locale_id == "en_US"]) and en.top1 == en.top3 == 1.0
    assert alone["en_US"].top1 < 1.0  # "xyzzy" and "plugh" are in no sample
    assert all(s.top3 >= s.top1 for s in (*with_history.values(), *alone.values()))


def put_item(clients, lex, text, intent, status, locale="en_US"):
    item = new_item(Phrase(text, intent), bot_id=lex["bot_id"], bot_name=lex["bot_name"], locale_id=locale,
                    by="ana.ops", item_id=f"test-ranking-{uuid.uuid4()}")
    record = item.to_record()
    record["status"] = status
    record["status_updated"] = f"{status}#{record['updated_at']}"
    clients.client("dynamodb").put_item(TableName=lex["tables"]["review_items"], Item=to_attrs(record))
    return item.item_id


def test_approved_phrases_are_read_from_the_review_history(sandbox_clients, lex):
    made = [put_item(sandbox_clients, lex, "my wallet got nicked", "ReportLostCard", "APPROVED"),
            put_item(sandbox_clients, lex, "operator", "SpeakToAgent", "DEPLOYED"),
            put_item(sandbox_clients, lex, "Operator!", "SpeakToAgent", "APPROVED"),  # the same phrase again
            put_item(sandbox_clients, lex, "not reviewed yet", "CheckBalance", "PENDING"),
            put_item(sandbox_clients, lex, "turned down", "CheckBalance", "REJECTED"),
            put_item(sandbox_clients, lex, "otra lengua", "CheckBalance", "APPROVED", locale="es_US")]
    try:
        found = approved_phrases(sandbox_clients, lex["bot_id"], "en_US")
        assert "my wallet got nicked" in found.get("ReportLostCard", [])
        texts = {t for ts in found.values() for t in ts}
        assert not texts & {"not reviewed yet", "turned down", "otra lengua"}
        assert len([t for t in found["SpeakToAgent"] if t.casefold().strip("!") == "operator"]) == 1
        capped = approved_phrases(sandbox_clients, lex["bot_id"], "en_US", per_intent=1)
        assert capped and all(len(ts) == 1 for ts in capped.values())
        model = load_ranking_model(sandbox_clients, lb.BotLocale(lex["bot_id"], lex["bot_name"], "en_US"))
        assert model.rank("operator")[0][0] == "SpeakToAgent"
    finally:
        for item_id in made:
            sandbox_clients.client("dynamodb").delete_item(TableName=lex["tables"]["review_items"],
                                                           Key=to_attrs({"item_id": item_id}))


def test_a_refresh_describes_only_the_intents_that_changed(sandbox_clients, lex):
    locale = lb.BotLocale(lex["bot_id"], lex["bot_name"], "es_US")
    lex_client = sandbox_clients.client("lexv2-models")
    calls: list[str] = []

    def count(model=None, **_kw):
        calls.append(model.name)

    lex_client.meta.events.register("before-call.*", count)
    try:
        first = lb.load_locale_model(sandbox_clients, locale)
        assert calls.count("DescribeIntent") == len(first.intents) > 1
        calls.clear()
        again = lb.load_locale_model(sandbox_clients, locale, previous=first)
        assert calls == ["ListIntents"] and again.utterances() == first.utterances()

        intent = first.intents["FindBranch"]
        detail = lex_client.describe_intent(intentId=intent.intent_id, botId=locale.bot_id, botVersion="DRAFT",
                                            localeId="es_US")
        keep = {k: detail[k] for k in ("intentName", "sampleUtterances", "parentIntentSignature",
                                       "slotPriorities", "fulfillmentCodeHook", "dialogCodeHook",
                                       "intentClosingSetting", "description") if k in detail}
        try:
            lex_client.update_intent(intentId=intent.intent_id, botId=locale.bot_id, botVersion="DRAFT",
                                     localeId="es_US", **{**keep, "sampleUtterances": [
                                         *detail.get("sampleUtterances", []), {"utterance": "abren los sábados"}]})
            calls.clear()
            changed = lb.load_locale_model(sandbox_clients, locale, previous=again)
            assert calls == ["ListIntents", "DescribeIntent"]
            assert "abren los sábados" in changed.intents["FindBranch"].utterances
            assert list(changed.intents) == list(first.intents)  # the picker's order, whatever was described again
        finally:
            lex_client.update_intent(intentId=intent.intent_id, botId=locale.bot_id, botVersion="DRAFT",
                                     localeId="es_US", **keep)
    finally:
        lex_client.meta.events.unregister("before-call.*", count)
