"""The stored conversations of the seeded Lex bot, and Lex's aggregated utterance statistics over them."""

from __future__ import annotations

import datetime as dt
import random
import re
from collections import Counter
from typing import Any

import pytest
from botocore.exceptions import ClientError

from opsconsole.sandbox.lexv2.build import build_problems, normalised
from opsconsole.sandbox.lexv2.model import LexBackend
from opsconsole.sandbox.scenario.lexreview import seed as lex_scenario
from opsconsole.sandbox.scenario.lexreview.conversations import conversations
from opsconsole.sandbox.scenario.lexreview.phrases import INTENTS, LOCALES
from opsconsole.sandbox.scenario.lexreview.utterances import CHAT_ONLY, LONG, MISSED, RECOGNISED
from opsconsole.sandbox.scenario.executions.models import from_attribute

NOW = dt.datetime(2026, 6, 15, 9, 30, tzinfo=dt.timezone.utc)
RTL = re.compile("[\u0590-\u05ff\u0600-\u06ff]")
EMOJI = re.compile("[\U0001f300-\U0001faff]")


@pytest.fixture(scope="module")
def lex(client: Any) -> Any:
    return client("lexv2-models")


@pytest.fixture(scope="module")
def stored(ddb: Any, sandbox: Any) -> list[dict[str, Any]]:
    """Every item of lex-conversations (all Scan pages), as plain values."""
    items, start = [], None
    while True:
        page = ddb.scan(TableName=sandbox.scenario.lex["tables"]["conversations"],
                        **({"ExclusiveStartKey": start} if start else {}))
        items += [{k: from_attribute(v) for k, v in item.items()} for item in page["Items"]]
        start = page.get("LastEvaluatedKey")
        if not start:
            return items


def parse(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_the_tables_exist(ddb, sandbox):
    tables = sandbox.scenario.lex["tables"]
    assert tables == {"conversations": "lex-conversations", "review_items": "lex-review-items",
                      "locks": "lex-deploy-locks", "deployments": "lex-deployments"}
    keys = {"lex-conversations": "contact_id", "lex-review-items": "item_id", "lex-deploy-locks": "lock_id",
            "lex-deployments": "deployment_id"}
    indexes = {"lex-conversations": {"triage_status-started_at"},
               "lex-review-items": {"status-updated_at", "bot_locale-status_updated"},
               "lex-deploy-locks": set(), "lex-deployments": {"history-started_at", "bot_locale-started_at"}}
    for table, key in keys.items():
        described = ddb.describe_table(TableName=table)["Table"]
        assert described["KeySchema"] == [{"AttributeName": key, "KeyType": "HASH"}]
        assert {i["IndexName"] for i in described.get("GlobalSecondaryIndexes") or []} == indexes[table]


def test_at_least_300_conversations_with_the_variety_of_real_ones(stored, sandbox):
    summary = sandbox.scenario.lex
    seeded = [c for c in stored if c["bot_id"] == summary["bot_id"]]
    assert len(seeded) >= 300 and summary["conversations"] == 340
    now = sandbox.scenario.now
    started = sorted(parse(c["started_at"]) for c in seeded)
    assert now - dt.timedelta(hours=1) < started[-1] <= now
    assert now - dt.timedelta(days=15) < started[0] < now - dt.timedelta(days=12)
    locales = Counter(c["locale_id"] for c in seeded)
    assert set(locales) == {"en_US", "es_US"} and locales["en_US"] > 2 * locales["es_US"]
    assert {c["channel"] for c in seeded} == {"voice", "chat"}
    assert len({c["agent"] for c in seeded}) >= 8 and "maria.lopez" in {c["agent"] for c in seeded}
    assert sum(c.get("triage_status") == "NEW" for c in seeded) >= 0.9 * len(seeded)
    customer = [t for c in seeded for t in c["turns"] if t["speaker"] == "customer"]
    for conversation in seeded:
        turns = conversation["turns"]
        assert [t["index"] for t in turns] == list(range(len(turns)))
        assert conversation["missed_count"] == sum(1 for t in turns if t.get("missed"))
        assert turns[0]["speaker"] == turns[-1]["speaker"] == "bot"
    for turn in customer:
        assert turn["missed"] == (turn["intent"] == "FallbackIntent")
        assert ("confidence" in turn) == (not turn["missed"])
    assert sum(c["missed_count"] > 0 for c in seeded) > 0.6 * len(seeded)
    assert sum(c["missed_count"] >= 2 for c in seeded) >= 30
    texts = [t["text"] for c in seeded for t in c["turns"]]
    assert any(RTL.search(t) for t in texts) and any(EMOJI.search(t) for t in texts)
    assert any(len(t) > 250 for t in texts)
    assert "¿Puedo transferir dinero a mi cuenta de ahorros?" in texts
    assert any(ch in "áéíóúñ" for t in texts for ch in t)
    missed = Counter(t["text"] for t in customer if t["missed"])
    assert sum(1 for n in missed.values() if n >= 3) >= 15  # the same words, call after call


def test_missed_phrasings_are_not_sample_utterances():
    """What Lex missed must not already be a sample: approving it is what teaches the bot."""
    for locale in LOCALES:
        samples = {normalised(u) for spec in INTENTS for u in spec.samples[locale]}
        for text, intent, weight in MISSED[locale] + CHAT_ONLY[locale] + LONG[locale]:
            assert normalised(text) not in samples, text
            assert intent is None or intent in RECOGNISED[locale] and weight >= 1
        assert set(RECOGNISED[locale]) == {spec.name for spec in INTENTS}
        for spec in INTENTS:
            assert 5 <= len(spec.samples[locale]) <= 15
            assert len({normalised(u) for u in spec.samples[locale]}) == len(spec.samples[locale])


def test_aggregated_utterances_count_the_stored_conversations(lex, stored, sandbox):
    summary = sandbox.scenario.lex
    for duration, locale in ((("Weeks", 2), "en_US"), (("Days", 3), "es_US"), (("Hours", 24), "en_US")):
        dimension, value = duration
        served, token, window = [], None, None
        while True:
            page = lex.list_aggregated_utterances(
                botId=summary["bot_id"], botAliasId=summary["alias_id"], localeId=locale, maxResults=40,
                aggregationDuration={"relativeAggregationDuration": {"timeDimension": dimension, "timeValue": value}},
                sortBy={"attribute": "MissedCount", "order": "Descending"}, **({"nextToken": token} if token else {}))
            served += page["aggregatedUtterancesSummaries"]
            window = (page["aggregationWindowStartTime"], page["aggregationWindowEndTime"])
            assert page["botAliasId"] == summary["alias_id"] and "botVersion" not in page
            token = page.get("nextToken")
            if not token:
                break
        start, end = window
        span = {"Weeks": dt.timedelta(weeks=value), "Days": dt.timedelta(days=value),
                "Hours": dt.timedelta(hours=value)}[dimension]
        assert end - start == span and end <= dt.datetime.now(dt.timezone.utc)
        hits, misses = Counter(), Counter()
        for conversation in stored:
            if (conversation["bot_id"], conversation["locale_id"], conversation.get("bot_alias_id")) != (
                    summary["bot_id"], locale, summary["alias_id"]):
                continue
            if not start <= parse(conversation["started_at"]) < end:
                continue
            for turn in conversation["turns"]:
                if turn["speaker"] == "customer":
                    (misses if turn["missed"] else hits)[turn["text"].strip()] += 1
        assert {s["utterance"]: s["missedCount"] for s in served if s["missedCount"]} == dict(misses)
        assert {s["utterance"]: s["hitCount"] for s in served if s["hitCount"]} == dict(hits)
        assert len(served) == len(set(hits) | set(misses)) > 0
        assert [s["missedCount"] for s in served] == sorted((s["missedCount"] for s in served), reverse=True)
        for s in served:
            first = s["utteranceFirstRecordedInAggregationDuration"]
            assert start <= first <= s["utteranceLastRecordedInAggregationDuration"] < end
            assert s["containsDataFromDeletedResources"] is False


def test_aggregated_utterances_filters_and_versions(lex, sandbox):
    summary = sandbox.scenario.lex
    two_weeks = {"relativeAggregationDuration": {"timeDimension": "Weeks", "timeValue": 2}}
    by_version = lex.list_aggregated_utterances(botId=summary["bot_id"], botVersion="1", localeId="en_US",
                                                aggregationDuration=two_weeks)
    by_alias = lex.list_aggregated_utterances(botId=summary["bot_id"], botAliasId=summary["alias_id"],
                                              localeId="en_US", aggregationDuration=two_weeks)
    assert by_version["botVersion"] == "1" and "botAliasId" not in by_version
    assert sorted(map(str, by_version["aggregatedUtterancesSummaries"])) == sorted(
        map(str, by_alias["aggregatedUtterancesSummaries"]))
    wallet = lex.list_aggregated_utterances(
        botId=summary["bot_id"], botAliasId=summary["alias_id"], localeId="en_US", aggregationDuration=two_weeks,
        filters=[{"name": "Utterance", "values": ["WALLET"], "operator": "CO"}])["aggregatedUtterancesSummaries"]
    assert wallet and all("wallet" in s["utterance"].lower() for s in wallet)
    assert sum(s["missedCount"] for s in wallet) >= 5


@pytest.mark.parametrize("dimension,value", [("Days", 15), ("Days", 20), ("Weeks", 3), ("Hours", 48), ("Days", 7)])
def test_windows_lex_does_not_offer_are_rejected(lex, sandbox, dimension, value):
    summary = sandbox.scenario.lex
    with pytest.raises(ClientError) as raised:
        lex.list_aggregated_utterances(
            botId=summary["bot_id"], botAliasId=summary["alias_id"], localeId="en_US",
            aggregationDuration={"relativeAggregationDuration": {"timeDimension": dimension, "timeValue": value}})
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_aggregated_utterances_want_an_alias_or_a_version(lex, sandbox):
    summary = sandbox.scenario.lex
    two_weeks = {"relativeAggregationDuration": {"timeDimension": "Weeks", "timeValue": 2}}
    for extra in ({}, {"botAliasId": summary["alias_id"], "botVersion": "1"}):
        with pytest.raises(ClientError) as raised:
            lex.list_aggregated_utterances(botId=summary["bot_id"], localeId="en_US",
                                           aggregationDuration=two_weeks, **extra)
        assert raised.value.response["Error"]["Code"] == "ValidationException"


def test_same_seed_same_conversations_other_seed_others():
    one = conversations(7, NOW, "BOTID00001", "ALIAS00001", "1", "BankingHelpDesk")
    assert one == conversations(7, NOW, "BOTID00001", "ALIAS00001", "1", "BankingHelpDesk")
    other = conversations(8, NOW, "BOTID00001", "ALIAS00001", "1", "BankingHelpDesk")
    assert {c["contact_id"] for c in one}.isdisjoint({c["contact_id"] for c in other})
    assert [c["turns"] for c in one] != [c["turns"] for c in other]
    later = conversations(7, NOW + dt.timedelta(hours=5), "BOTID00001", "ALIAS00001", "1", "BankingHelpDesk")
    assert [c["turns"] for c in later] == [c["turns"] for c in one]


def test_the_sandbox_serves_its_seed(stored, sandbox):
    """Bot ids and conversations are what the seed and the start time make."""
    summary, now = sandbox.scenario.lex, sandbox.scenario.now
    replay = LexBackend("123456789012", sandbox.region, random.Random(f"{sandbox.seed}:lex-ids"))
    bot_id, alias_id = lex_scenario.create_bot(replay, now)
    assert (bot_id, alias_id) == (summary["bot_id"], summary["alias_id"])
    for locale in replay.bots[bot_id].draft.values():
        assert build_problems(locale) == ([], [])
    expected = {c["contact_id"]: c for c in conversations(sandbox.seed, now, bot_id, alias_id, "1", "BankingHelpDesk")}
    served = {c["contact_id"]: c for c in stored if c["contact_id"] in expected}
    assert len(served) == len(expected)
    for contact_id, conversation in served.items():
        assert conversation["turns"] == expected[contact_id]["turns"]
        assert conversation["started_at"] == expected[contact_id]["started_at"]
