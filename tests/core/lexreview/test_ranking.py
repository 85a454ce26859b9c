"""The agent's intent ranking learns from approved phrases; its accuracy measured on a held-out split."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest
from botocore.stub import Stubber

from opsconsole.core.aws import Clients, Connection
from opsconsole.core.lexreview import bot as lb
from opsconsole.core.lexreview.ranking import (
    LabelledPhrase,
    RankingScore,
    approved_phrases,
    evaluate,
    held_out_split,
    load_ranking_model,
)
from opsconsole.core.lexreview.similarity import IntentIndex, rank_intents
from opsconsole.core.lexreview.store import TABLES, Tables, to_attrs
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


def test_ranking_a_phrase_once_takes_the_approved_phrases_given_too():
    assert rank_intents("xyzzy", SAMPLES, {"SpeakToAgent": ["xyzzy please"]})[0][0] == "SpeakToAgent"
    assert rank_intents("xyzzy", SAMPLES)[0][0] != "SpeakToAgent"


def test_without_approvals_the_ranking_is_the_samples_alone():
    for phrase in ("what is my balance", "lost card", "operator"):
        assert IntentIndex(SAMPLES, {}).rank(phrase) == IntentIndex(SAMPLES).rank(phrase)
        assert IntentIndex(SAMPLES, {"SpeakToAgent": []}).rank(phrase) == IntentIndex(SAMPLES).rank(phrase)


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


# --- fast tests: what the agent sees in the intent list, on a small labelled banking locale ----------------------

BANKING = {
    "CheckBalance": ["what is my balance", "show my account balance", "how much money do I have"],
    "TransferFunds": ["move {Amount} to savings", "transfer money to my savings account", "send money"],
    "ReportLostCard": ["I lost my card", "my card was stolen"],
    "SpeakToAgent": ["speak to an agent", "talk to a person"],
    "FindBranch": ["where is the nearest branch", "branch opening hours"],
}
BANCA = {"CheckBalance": ["cuál es mi saldo", "cuánto dinero tengo"], "SpeakToAgent": ["hablar con un agente"]}


def test_an_exact_sample_match_is_shown_first_at_0_91_not_0_62():
    # Mostly the best-matching sample, a little of the intent's centroid: a phrase that *is* a sample
    # is near-certain, even in an intent whose other samples are unlike it.
    ranked = IntentIndex(BANKING).rank("how much money do I have")
    assert ranked[0] == ("CheckBalance", pytest.approx(0.91, abs=0.005))
    assert ranked[1][1] < 0.5


def test_an_exact_match_of_the_intent_approved_most_shows_100_percent_not_more():
    # best 1.0 and centroid 1.0 plus the approval tie-breaker would be 1.02: the picker would say "102%".
    ranked = IntentIndex({"SpeakToAgent": ["operator"], "CheckBalance": ["balance"]},
                         {"SpeakToAgent": ["Operator!"]}).rank("operator")
    assert ranked[0] == ("SpeakToAgent", 1.0)


LABELLED = [
    LabelledPhrase("en_US", "what's my balance", "CheckBalance", "c1"),  # first
    LabelledPhrase("en_US", "transfer money to savings", "TransferFunds", "c1"),  # first
    LabelledPhrase("en_US", "where is my card", "ReportLostCard", "c2"),  # second, after FindBranch
    LabelledPhrase("en_US", "operator please", "SpeakToAgent", "c3"),  # second: nothing shared but "please"
    LabelledPhrase("en_US", "my money is gone", "ReportLostCard", "c4"),  # fourth: money is balance or transfer
    LabelledPhrase("en_US", "open an account", "OpenAccount", "c5"),  # the locale has no such intent
    LabelledPhrase("es_US", "¿Cuál es mi saldo?", "CheckBalance", "e1"),  # first
    LabelledPhrase("es_US", "quiero una persona", "SpeakToAgent", "e2"),  # second of two
]


def test_evaluate_counts_the_right_intent_first_and_among_the_first_three_per_locale():
    samples = {"en_US": BANKING, "es_US": BANCA}
    assert evaluate(samples, [], LABELLED) == [RankingScore("en_US", 5, 2 / 5, 4 / 5),
                                               RankingScore("es_US", 2, 1 / 2, 2 / 2)]


def test_evaluate_learns_from_the_training_phrases_of_the_same_locale_only():
    samples = {"en_US": BANKING, "es_US": BANCA}
    taught = [LabelledPhrase("en_US", "operator", "SpeakToAgent", "t1")]
    elsewhere = [LabelledPhrase("es_US", "operator", "SpeakToAgent", "t1")]
    assert evaluate(samples, taught, LABELLED)[0] == RankingScore("en_US", 5, 3 / 5, 4 / 5)
    assert evaluate(samples, elsewhere, LABELLED)[0] == RankingScore("en_US", 5, 2 / 5, 4 / 5)
    assert evaluate(samples, taught, LABELLED, use_history=False)[0] == RankingScore("en_US", 5, 2 / 5, 4 / 5)


def test_evaluate_of_a_locale_with_nothing_to_ask_scores_zero_not_an_error():
    only_unknown = [LabelledPhrase("fr_FR", "mon solde", "CheckBalance", "f1")]
    assert evaluate({"en_US": BANKING}, [], only_unknown) == [RankingScore("fr_FR", 0, 0.0, 0.0)]


def test_the_split_holds_out_about_the_share_asked_and_every_phrase_at_the_ends():
    many = [LabelledPhrase("en_US", f"phrase {n}", "CheckBalance", f"c{n}") for n in range(2000)]
    train, test = held_out_split(many)
    assert len(train) + len(test) == 2000 and 0.27 < len(test) / 2000 < 0.33
    assert held_out_split(many, 0.0) == (many, [])
    assert held_out_split(many, 1.0) == ([], many)
    # Each locale is split on its own: the same conversation id in another locale is another conversation.
    other = [LabelledPhrase("es_US", ex.text, ex.intent, ex.group) for ex in many]
    assert held_out_split(other)[1] != [LabelledPhrase("es_US", e.text, e.intent, e.group) for e in test]


def test_the_split_by_text_keeps_a_phrasing_on_one_side_whatever_its_case_and_spacing():
    phrasings = [LabelledPhrase("en_US", text, "CheckBalance", f"c{n}")
                 for n in range(200) for text in (f"balance {n}", f"BALANCE  {n}", f" Balance {n} ")]
    train, test = held_out_split(phrasings, 0.5, by="text")
    assert train and test
    side = {}
    for bucket, examples in (("train", train), ("test", test)):
        for ex in examples:
            side.setdefault(" ".join(ex.text.casefold().split()), set()).add(bucket)
    assert all(len(sides) == 1 for sides in side.values())
    # By conversation, the three phrasings of a number each go their own way.
    by_group = held_out_split(phrasings, 0.5)
    assert by_group != (train, test)


# --- the approved history, read from DynamoDB (a real client, Query answers stubbed and checked by the model) ---

@pytest.fixture
def ddb_clients():
    """Clients whose DynamoDB client answers only what a test stubs (dummy keys: nothing is ever sent)."""
    clients = Clients(Connection(region="us-east-1", access_key="AKIDEXAMPLE", secret_key="not-a-secret"))
    ddb = clients.client("dynamodb")
    with Stubber(ddb) as stub:
        clients.stub = stub
        yield clients
        stub.assert_no_pending_responses()


def stored(text, intent, status, minute, locale="en_US"):
    """A review item as the table holds it (DynamoDB's attribute-value form), changed at 09:<minute>."""
    item = new_item(Phrase(text, intent), bot_id="BANKBOT001", bot_name="BankingHelpDesk", locale_id=locale,
                    by="ana.ops", item_id=f"item-{status}-{minute}",
                    now=datetime(2026, 11, 30, 9, minute, tzinfo=timezone.utc))
    record = item.to_record()
    record["status"] = status
    record["status_updated"] = f"{status}#{record['updated_at']}"
    return to_attrs(record)


WHEN = datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)


def answer(*items, more=False):
    out = {"Items": list(items), "Count": len(items), "ScannedCount": len(items)}
    if more:
        out["LastEvaluatedKey"] = {"item_id": {"S": "next"}}
    return out


def query(status):
    """The Query approved_phrases makes per status: the locale's index, newest first, nothing scanned."""
    return {"TableName": TABLES.items, "IndexName": "bot_locale-status_updated", "ScanIndexForward": False,
            "KeyConditionExpression": "#pk = :v_pk AND begins_with(#sk, :v_sk)",
            "ExpressionAttributeNames": {"#pk": "bot_locale", "#sk": "status_updated"},
            "ExpressionAttributeValues": {":v_pk": {"S": "BANKBOT001#en_US"}, ":v_sk": {"S": f"{status}#"}},
            "Limit": 100}


def test_approved_history_is_newest_first_without_repeats_per_intent(ddb_clients):
    ddb_clients.stub.add_response("query", answer(
        stored("Operator!", "SpeakToAgent", "APPROVED", 50),
        stored("my wallet got nicked", "ReportLostCard", "APPROVED", 40),
        stored("?!", "CheckBalance", "APPROVED", 30),  # nothing left once normalised
        stored("no intent given", "", "APPROVED", 20),
    ), query("APPROVED"))
    ddb_clients.stub.add_response("query", answer(
        stored("operator", "SpeakToAgent", "DEPLOYED", 45),  # the same phrase again, older
        stored("operator", "ReportLostCard", "DEPLOYED", 35),  # the same phrase for another intent counts there
        stored("purse stolen", "ReportLostCard", "DEPLOYED", 10),
    ), query("DEPLOYED"))
    assert approved_phrases(ddb_clients, "BANKBOT001", "en_US") == {
        "SpeakToAgent": ["Operator!"],
        "ReportLostCard": ["my wallet got nicked", "operator", "purse stolen"],
    }


def test_approved_history_keeps_the_newest_phrases_of_each_intent_up_to_the_cap(ddb_clients):
    ddb_clients.stub.add_response("query", answer(
        *(stored(f"lost card {n}", "ReportLostCard", "APPROVED", 50 - n) for n in range(4)),
        stored("operator", "SpeakToAgent", "APPROVED", 1)), query("APPROVED"))
    ddb_clients.stub.add_response("query", answer(), query("DEPLOYED"))
    assert approved_phrases(ddb_clients, "BANKBOT001", "en_US", per_intent=2) == {
        "ReportLostCard": ["lost card 0", "lost card 1"], "SpeakToAgent": ["operator"]}


def test_approved_history_stops_reading_at_the_limit(ddb_clients):
    # Each status has more pages; once `limit` items are read no further page is asked for
    # (an unstubbed Query would fail the test).
    ddb_clients.stub.add_response("query", answer(*(stored(f"balance {n}", "CheckBalance", "APPROVED", 50 - n)
                                                    for n in range(3)), more=True), query("APPROVED"))
    ddb_clients.stub.add_response("query", answer(stored("old one", "CheckBalance", "DEPLOYED", 5), more=True),
                                  query("DEPLOYED"))
    found = approved_phrases(ddb_clients, "BANKBOT001", "en_US", limit=3)
    assert found == {"CheckBalance": ["balance 0", "balance 1", "balance 2"]}


def test_the_ranking_model_ranks_with_the_locale_samples_and_its_approved_history(ddb_clients, monkeypatch):
    monkeypatch.setattr(lb, "_DESCRIBE_FANOUT", 1)  # one DescribeIntent at a time: the Stubber answers in order
    lex = ddb_clients.client("lexv2-models")
    key = {"botId": "BANKBOT001", "botVersion": "DRAFT", "localeId": "en_US"}
    with Stubber(lex) as lex_stub:
        lex_stub.add_response("list_intents", {**key, "intentSummaries": [
            {"intentId": "INTENT0001", "intentName": "CheckBalance"},
            {"intentId": "INTENT0002", "intentName": "SpeakToAgent"}]}, {**key, "maxResults": 100})
        for intent_id, name in (("INTENT0001", "CheckBalance"), ("INTENT0002", "SpeakToAgent")):
            lex_stub.add_response("describe_intent", {**key, "intentId": intent_id, "intentName": name,
                                                      "sampleUtterances": [{"utterance": u} for u in BANKING[name]]},
                                  {**key, "intentId": intent_id})
        ddb_clients.stub.add_response("query", answer(stored("operator", "SpeakToAgent", "APPROVED", 9)),
                                      query("APPROVED"))
        ddb_clients.stub.add_response("query", answer(), query("DEPLOYED"))
        model = load_ranking_model(ddb_clients, lb.BotLocale("BANKBOT001", "BankingHelpDesk", "en_US"))
        lex_stub.assert_no_pending_responses()
    assert model.approved == {"SpeakToAgent": ["operator"]}
    assert model.rank("operator please")[0][0] == "SpeakToAgent"
    assert model.rank("what is my balance")[0][0] == "CheckBalance"


def test_approved_history_counts_every_page_read_towards_the_limit(ddb_clients):
    # Pages as merged newest first: none yet (one status asked so far), then 50 and 49, then 30: three read,
    # so the older deployed one (already fetched, not yet given out) and the next deployed page are not.
    ddb_clients.stub.add_response("query", answer(stored("balance a", "CheckBalance", "APPROVED", 50),
                                                  stored("balance b", "CheckBalance", "APPROVED", 49), more=True),
                                  query("APPROVED"))
    ddb_clients.stub.add_response("query", answer(stored("balance old", "CheckBalance", "DEPLOYED", 5), more=True),
                                  query("DEPLOYED"))
    ddb_clients.stub.add_response("query", answer(stored("balance c", "CheckBalance", "APPROVED", 30)),
                                  {**query("APPROVED"), "Limit": 500, "ExclusiveStartKey": {"item_id": {"S": "next"}}})
    assert approved_phrases(ddb_clients, "BANKBOT001", "en_US", limit=3) == {
        "CheckBalance": ["balance a", "balance b", "balance c"]}


def test_approved_history_keeps_a_hundred_phrases_per_intent_unless_told(ddb_clients):
    ddb_clients.stub.add_response("query", answer(*(stored(f"lost card {n}", "ReportLostCard", "APPROVED", 59)
                                                    for n in range(100)), more=True), query("APPROVED"))
    ddb_clients.stub.add_response("query", answer(stored("older", "ReportLostCard", "DEPLOYED", 1)), query("DEPLOYED"))
    ddb_clients.stub.add_response("query", answer(stored("lost card 100", "ReportLostCard", "APPROVED", 2)),
                                  {**query("APPROVED"), "Limit": 500, "ExclusiveStartKey": {"item_id": {"S": "next"}}})
    found = approved_phrases(ddb_clients, "BANKBOT001", "en_US")
    assert found["ReportLostCard"] == [f"lost card {n}" for n in range(100)]


def test_the_ranking_model_reads_the_tables_it_is_given_and_describes_only_changed_intents(ddb_clients):
    tables = Tables(items="tenant-a-review-items")
    locale = lb.BotLocale("BANKBOT001", "BankingHelpDesk", "en_US")
    lex = ddb_clients.client("lexv2-models")
    key = {"botId": "BANKBOT001", "botVersion": "DRAFT", "localeId": "en_US"}
    summary = {"intentId": "INTENT0001", "intentName": "CheckBalance", "lastUpdatedDateTime": WHEN}
    previous = lb.LocaleModel(locale, intents={"CheckBalance": lb.Intent(
        "INTENT0001", "CheckBalance", tuple(BANKING["CheckBalance"]), updated=WHEN)})
    with Stubber(lex) as lex_stub:
        # unchanged since last time: listed, not described again
        lex_stub.add_response("list_intents", {**key, "intentSummaries": [summary]}, {**key, "maxResults": 100})
        for status in ("APPROVED", "DEPLOYED"):
            ddb_clients.stub.add_response("query", answer(), {**query(status), "TableName": "tenant-a-review-items"})
        model = load_ranking_model(ddb_clients, locale, previous, tables=tables)
        lex_stub.assert_no_pending_responses()
    assert model.utterances() == {"CheckBalance": BANKING["CheckBalance"]}
