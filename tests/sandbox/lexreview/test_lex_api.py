"""Lex V2 model building in the sandbox, through boto3's lexv2-models client: discovery and shapes.

botocore validates every request against the service model and parses every
answer, so these calls prove the wire shapes. The bot is the seeded
BankingHelpDesk; tests that edit it restore what they change.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from opsconsole.sandbox.scenario.lexreview.phrases import INTENTS, LOCALES

META = {"intentId", "botId", "botVersion", "localeId", "creationDateTime", "lastUpdatedDateTime", "ResponseMetadata"}


@pytest.fixture(scope="module")
def lex(client: Any) -> Any:
    return client("lexv2-models")


@pytest.fixture(scope="module")
def bot(sandbox: Any) -> dict[str, Any]:
    return sandbox.scenario.lex


def pages(call: Any, key: str, **kwargs: Any) -> list[dict[str, Any]]:
    found, token = [], None
    while True:
        out = call(**kwargs, **({"nextToken": token} if token else {}))
        found += out[key]
        token = out.get("nextToken")
        if not token:
            return found


def intent_ids(lex: Any, bot_id: str, version: str, locale: str) -> dict[str, str]:
    summaries = pages(lex.list_intents, "intentSummaries", botId=bot_id, botVersion=version, localeId=locale)
    return {s["intentName"]: s["intentId"] for s in summaries}


def test_the_bot_is_found_by_name(lex, bot):
    summaries = pages(lex.list_bots, "botSummaries", maxResults=5)
    mine = [s for s in summaries if s["botName"] == "BankingHelpDesk"]
    assert len(mine) == 1 and mine[0]["botId"] == bot["bot_id"]
    assert mine[0]["botStatus"] == "Available" and mine[0]["botType"] == "Bot"
    filtered = lex.list_bots(filters=[{"name": "BotName", "values": ["Banking"], "operator": "CO"}])
    assert [s["botName"] for s in filtered["botSummaries"]] == ["BankingHelpDesk"]
    described = lex.describe_bot(botId=bot["bot_id"])
    assert described["botName"] == "BankingHelpDesk" and described["idleSessionTTLInSeconds"] == 300
    assert described["dataPrivacy"] == {"childDirected": False}
    assert described["creationDateTime"] <= described["lastUpdatedDateTime"]
    arn = f"arn:aws:lex:{lex.meta.region_name}:123456789012:bot/{bot['bot_id']}"
    assert lex.list_tags_for_resource(resourceARN=arn)["tags"] == {"tenant": "contact-center"}


def test_two_locales_with_at_least_eight_intents_and_their_utterances(lex, bot):
    locales = lex.list_bot_locales(botId=bot["bot_id"], botVersion="DRAFT")["botLocaleSummaries"]
    assert sorted(l["localeId"] for l in locales) == ["en_US", "es_US"] == sorted(bot["locales"])
    for locale in LOCALES:
        described = lex.describe_bot_locale(botId=bot["bot_id"], botVersion="1", localeId=locale)
        assert described["botLocaleStatus"] == "Built" and described["intentsCount"] == 10
        assert described["slotTypesCount"] == 3 and described["nluIntentConfidenceThreshold"] == 0.4
        ids = intent_ids(lex, bot["bot_id"], "1", locale)
        assert len(ids) == 10 and "FallbackIntent" in ids
        fallback = lex.describe_intent(botId=bot["bot_id"], botVersion="1", localeId=locale,
                                       intentId=ids["FallbackIntent"])
        assert fallback["parentIntentSignature"] == "AMAZON.FallbackIntent" and not fallback.get("sampleUtterances")
        for name, intent_id in ids.items():
            if name == "FallbackIntent":
                continue
            intent = lex.describe_intent(botId=bot["bot_id"], botVersion="1", localeId=locale, intentId=intent_id)
            assert intent["intentName"] == name and intent["localeId"] == locale and intent["botVersion"] == "1"
            assert 5 <= len(intent["sampleUtterances"]) <= 15
            assert intent["creationDateTime"] <= intent["lastUpdatedDateTime"]


def test_slots_and_slot_types(lex, bot):
    ids = intent_ids(lex, bot["bot_id"], "1", "en_US")
    slots = lex.list_slots(botId=bot["bot_id"], botVersion="1", localeId="en_US",
                           intentId=ids["TransferFunds"])["slotSummaries"]
    assert sorted(s["slotName"] for s in slots) == ["Amount", "SourceAccount", "TargetAccount"]
    types = lex.list_slot_types(botId=bot["bot_id"], botVersion="1", localeId="en_US")["slotTypeSummaries"]
    names = {t["slotTypeName"]: t["slotTypeId"] for t in types}
    assert set(names) == {"AccountType", "CardType", "LoanType"}
    account = next(s for s in slots if s["slotName"] == "TargetAccount")
    assert account["slotTypeId"] == names["AccountType"] and account["slotConstraint"] == "Required"
    described = lex.describe_slot_type(botId=bot["bot_id"], botVersion="1", localeId="en_US",
                                       slotTypeId=names["AccountType"])
    assert [v["sampleValue"]["value"] for v in described["slotTypeValues"]] == ["checking", "savings", "credit card"]


def test_aliases_live_and_test(lex, bot):
    aliases = {a["botAliasName"]: a for a in lex.list_bot_aliases(botId=bot["bot_id"])["botAliasSummaries"]}
    assert {"live", "TestBotAlias"} <= set(aliases)
    assert aliases["TestBotAlias"]["botAliasId"] == "TSTALIASID" and aliases["TestBotAlias"]["botVersion"] == "DRAFT"
    live = lex.describe_bot_alias(botId=bot["bot_id"], botAliasId=bot["alias_id"])
    assert live["botAliasName"] == "live" and live["botAliasStatus"] == "Available"
    assert live["botAliasLocaleSettings"] == {"en_US": {"enabled": True}, "es_US": {"enabled": True}}
    assert live["botAliasHistoryEvents"][-1]["botVersion"] == "1"
    version = lex.describe_bot_version(botId=bot["bot_id"], botVersion="1")
    assert version["botStatus"] == "Available" and version["botName"] == "BankingHelpDesk"
    listed = lex.list_bot_versions(botId=bot["bot_id"])["botVersionSummaries"]
    assert listed[0]["botVersion"] == "1"


def test_list_bot_versions_always_lists_draft(lex, bot):
    # AWS's ListBotVersions: "the DRAFT version is always listed" (botVersionSummaries, BotVersionSummary shape)
    # (every page: deploys made by other tests may have added more versions than one page holds)
    listed, token = {}, None
    while True:
        page = lex.list_bot_versions(botId=bot["bot_id"], **({"nextToken": token} if token else {}))
        listed.update({v["botVersion"]: v for v in page["botVersionSummaries"]})
        if not (token := page.get("nextToken")):
            break
    assert "DRAFT" in listed and "1" in listed
    draft = listed["DRAFT"]
    assert draft["botName"] == "BankingHelpDesk" and draft["botStatus"] and draft["creationDateTime"]
    descending = lex.list_bot_versions(botId=bot["bot_id"], sortBy={"attribute": "BotVersion", "order": "Descending"})
    assert descending["botVersionSummaries"][0]["botVersion"] == "DRAFT"


def test_lists_page_with_next_token(lex, bot):
    first = lex.list_intents(botId=bot["bot_id"], botVersion="1", localeId="en_US", maxResults=3)
    assert len(first["intentSummaries"]) == 3 and first["nextToken"]
    everything = pages(lex.list_intents, "intentSummaries", botId=bot["bot_id"], botVersion="1",
                       localeId="en_US", maxResults=3)
    assert len(everything) == 10 == len({s["intentId"] for s in everything})
    default_page = lex.list_intents(botId=bot["bot_id"], botVersion="1", localeId="en_US")
    assert len(default_page["intentSummaries"]) == 10 and "nextToken" not in default_page
    newest_first = lex.list_intents(botId=bot["bot_id"], botVersion="1", localeId="en_US",
                                    sortBy={"attribute": "IntentName", "order": "Descending"})
    names = [s["intentName"] for s in newest_first["intentSummaries"]]
    assert names == sorted(names, key=str.lower, reverse=True)
    with pytest.raises(ClientError) as raised:
        lex.list_intents(botId=bot["bot_id"], botVersion="1", localeId="es_US", nextToken=first["nextToken"])
    assert raised.value.response["Error"]["Code"] == "ValidationException"


def test_update_intent_on_draft_replaces_the_whole_intent(lex, bot):
    ids = intent_ids(lex, bot["bot_id"], "DRAFT", "es_US")
    keys = dict(botId=bot["bot_id"], botVersion="DRAFT", localeId="es_US", intentId=ids["FindBranch"])
    original = lex.describe_intent(**keys)
    assert original["description"] and original["slotPriorities"] and original["intentClosingSetting"]
    try:
        added = original["sampleUtterances"] + [{"utterance": "¿Abren los domingos?"}]
        updated = lex.update_intent(**keys, intentName="FindBranch", sampleUtterances=added)
        assert updated["sampleUtterances"] == added and updated["botVersion"] == "DRAFT"
        assert updated["lastUpdatedDateTime"] > original["lastUpdatedDateTime"]
        now = lex.describe_intent(**keys)
        assert now["sampleUtterances"] == added
        # what the request left out is gone: UpdateIntent has no merge
        for cleared in ("description", "slotPriorities", "intentClosingSetting"):
            assert cleared not in now
        locale = lex.describe_bot_locale(botId=bot["bot_id"], botVersion="DRAFT", localeId="es_US")
        assert locale["botLocaleStatus"] == "NotBuilt"
        # the published version is untouched
        published = intent_ids(lex, bot["bot_id"], "1", "es_US")["FindBranch"]
        kept = lex.describe_intent(botId=bot["bot_id"], botVersion="1", localeId="es_US", intentId=published)
        assert kept["sampleUtterances"] == original["sampleUtterances"] and kept["description"]
    finally:
        lex.update_intent(**keys, **{k: v for k, v in original.items() if k not in META})
    assert lex.describe_intent(**keys)["slotPriorities"] == original["slotPriorities"]


def test_update_intent_only_on_draft(lex, bot, sandbox):
    ids = intent_ids(lex, bot["bot_id"], "1", "en_US")
    # botocore itself refuses a numbered version (the model says ^DRAFT$); the service refuses it too
    raw = boto3.session.Session().client(
        "lexv2-models", endpoint_url=sandbox.endpoint_url, region_name=sandbox.region,
        config=Config(retries={"max_attempts": 1}, parameter_validation=False), **sandbox.credentials)
    with pytest.raises(ClientError) as raised:
        raw.update_intent(botId=bot["bot_id"], botVersion="1", localeId="en_US", intentId=ids["CheckBalance"],
                          intentName="CheckBalance", sampleUtterances=[{"utterance": "balance"}])
    error = raised.value.response["Error"]
    assert error["Code"] == "ValidationException" and "^DRAFT$" in error["Message"]
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    intent = lex.describe_intent(botId=bot["bot_id"], botVersion="1", localeId="en_US", intentId=ids["CheckBalance"])
    assert len(intent["sampleUtterances"]) > 1


def test_errors_are_lex_errors(lex, bot):
    def code(call: Any, **kwargs: Any) -> tuple[str, int]:
        with pytest.raises(ClientError) as raised:
            call(**kwargs)
        return raised.value.response["Error"]["Code"], raised.value.response["ResponseMetadata"]["HTTPStatusCode"]

    assert code(lex.describe_bot, botId="NOSUCHBOT0") == ("ResourceNotFoundException", 404)
    assert code(lex.describe_intent, botId=bot["bot_id"], botVersion="DRAFT", localeId="en_US",
                intentId="NOSUCHINT0") == ("ResourceNotFoundException", 404)
    # Lex's writes report a missing resource as a failed precondition
    assert code(lex.update_intent, botId=bot["bot_id"], botVersion="DRAFT", localeId="en_US",
                intentId="NOSUCHINT0", intentName="Nope") == ("PreconditionFailedException", 412)
    assert code(lex.describe_bot_version, botId=bot["bot_id"], botVersion="999") == ("ResourceNotFoundException", 404)
    assert code(lex.create_intent, botId=bot["bot_id"], botVersion="DRAFT", localeId="en_US",
                intentName="CheckBalance") == ("ConflictException", 409)
    ids = intent_ids(lex, bot["bot_id"], "DRAFT", "en_US")
    assert code(lex.update_intent, botId=bot["bot_id"], botVersion="DRAFT", localeId="en_US",
                intentId=ids["FallbackIntent"], intentName="FallbackIntent",
                parentIntentSignature="AMAZON.FallbackIntent",
                sampleUtterances=[{"utterance": "huh"}]) == ("ValidationException", 400)
    assert code(lex.list_bot_recommendations, botId=bot["bot_id"], botVersion="DRAFT",
                localeId="en_US") == ("NotImplemented", 501)


def test_the_seeded_intents_are_the_catalogue(lex, bot):
    for locale in LOCALES:
        ids = intent_ids(lex, bot["bot_id"], "1", locale)
        for spec in INTENTS:
            intent = lex.describe_intent(botId=bot["bot_id"], botVersion="1", localeId=locale, intentId=ids[spec.name])
            assert [u["utterance"] for u in intent["sampleUtterances"]] == list(spec.samples[locale])
