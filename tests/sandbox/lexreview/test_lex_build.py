"""Lex V2 builds, versions and aliases in the sandbox: asynchronous builds that can fail, numbered
versions never reused, aliases moved between versions.

The failing build edits the seeded bot's es_US DRAFT and restores it (ending
Built); version numbering and alias moves use a bot of their own, deleted at
the end, so the seeded bot keeps its versions.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

META = {"intentId", "botId", "botVersion", "localeId", "creationDateTime", "lastUpdatedDateTime", "ResponseMetadata"}
ROLE = "arn:aws:iam::123456789012:role/aws-service-role/lexv2.amazonaws.com/AWSServiceRoleForLexV2Bots_T"


@pytest.fixture(scope="module")
def lex(client: Any) -> Any:
    return client("lexv2-models")


def error_of(call: Callable[..., Any], **kwargs: Any) -> dict[str, str]:
    with pytest.raises(ClientError) as raised:
        call(**kwargs)
    return raised.value.response["Error"]


def built(lex: Any, wait_for: Any, bot_id: str, locale: str) -> dict[str, Any]:
    """Poll DescribeBotLocale until the build ends (Built or Failed); returns the last answer."""
    def ended() -> dict[str, Any] | None:
        found = lex.describe_bot_locale(botId=bot_id, botVersion="DRAFT", localeId=locale)
        return found if found["botLocaleStatus"] not in ("Building", "ReadyExpressTesting") else None
    return wait_for(ended, timeout=20, interval=0.2, what=f"the build of {locale}")


def available(lex: Any, wait_for: Any, bot_id: str, version: str) -> None:
    wait_for(lambda: lex.describe_bot_version(botId=bot_id, botVersion=version)["botStatus"] == "Available",
             timeout=10, interval=0.1, what=f"version {version}")


def test_a_build_takes_a_few_seconds_and_can_fail_then_builds_when_fixed(lex, sandbox, wait_for):
    bot_id = sandbox.scenario.lex["bot_id"]
    summaries = lex.list_intents(botId=bot_id, botVersion="DRAFT", localeId="es_US")["intentSummaries"]
    ids = {s["intentName"]: s["intentId"] for s in summaries}
    keys = dict(botId=bot_id, botVersion="DRAFT", localeId="es_US", intentId=ids["CheckBalance"])
    original = lex.describe_intent(**keys)
    restore = {k: v for k, v in original.items() if k not in META}
    borrowed = lex.describe_intent(**{**keys, "intentId": ids["TransferFunds"]})["sampleUtterances"][1]["utterance"]
    try:
        # an agent forwarded a TransferFunds phrase for CheckBalance (written in other case and spacing)
        wrong = {**restore, "sampleUtterances": restore["sampleUtterances"] + [{"utterance": f"  {borrowed.upper()} "}]}
        lex.update_intent(**keys, **wrong)
        started = lex.build_bot_locale(botId=bot_id, botVersion="DRAFT", localeId="es_US")
        assert started["ResponseMetadata"]["HTTPStatusCode"] == 202
        assert started["botLocaleStatus"] == "Building"
        assert lex.describe_bot_locale(botId=bot_id, botVersion="DRAFT", localeId="es_US")["botLocaleStatus"] == "Building"
        assert error_of(lex.build_bot_locale, botId=bot_id, botVersion="DRAFT", localeId="es_US")["Code"] == "ConflictException"
        failed = built(lex, wait_for, bot_id, "es_US")
        assert failed["botLocaleStatus"] == "Failed"
        assert failed["lastBuildSubmittedDateTime"] == started["lastBuildSubmittedDateTime"]
        assert failed["failureReasons"] == [
            f"Duplicate sample utterance '{borrowed}' in intents CheckBalance and TransferFunds. "
            "A sample utterance can belong to only one intent of a locale."]
        assert "Remove the sample utterance" in failed["recommendedActions"][0]
        # a failed DRAFT can't become a version
        assert error_of(lex.create_bot_version, botId=bot_id, botVersionLocaleSpecification={
            "es_US": {"sourceBotVersion": "DRAFT"}})["Code"] == "ValidationException"
    finally:
        lex.update_intent(**keys, **restore)
    assert lex.describe_bot_locale(botId=bot_id, botVersion="DRAFT", localeId="es_US")["botLocaleStatus"] == "NotBuilt"
    lex.build_bot_locale(botId=bot_id, botVersion="DRAFT", localeId="es_US")
    fixed = built(lex, wait_for, bot_id, "es_US")
    assert fixed["botLocaleStatus"] == "Built" and "failureReasons" not in fixed


@pytest.fixture
def scratch_bot(lex: Any, wait_for: Any) -> Any:
    """A small bot of this test's own (en_US, two intents, not built yet), deleted afterwards."""
    bot = lex.create_bot(botName=f"ScratchBot-{uuid.uuid4().hex[:8]}", roleArn=ROLE,
                         dataPrivacy={"childDirected": False}, idleSessionTTLInSeconds=300,
                         botTags={"tenant": "contact-center"})
    assert bot["botStatus"] == "Creating" and bot["ResponseMetadata"]["HTTPStatusCode"] == 202
    bot_id = bot["botId"]
    lex.create_bot_locale(botId=bot_id, botVersion="DRAFT", localeId="en_US", nluIntentConfidenceThreshold=0.4)
    lex.create_intent(botId=bot_id, botVersion="DRAFT", localeId="en_US", intentName="Greet",
                      sampleUtterances=[{"utterance": "hello"}, {"utterance": "good morning"}])
    lex.create_intent(botId=bot_id, botVersion="DRAFT", localeId="en_US", intentName="Goodbye",
                      sampleUtterances=[{"utterance": "bye"}, {"utterance": "see you"}])
    assert lex.describe_bot_locale(botId=bot_id, botVersion="DRAFT", localeId="en_US")["botLocaleStatus"] == "NotBuilt"
    yield bot_id
    lex.delete_bot(botId=bot_id, skipResourceInUseCheck=True)
    assert error_of(lex.describe_bot, botId=bot_id)["Code"] == "ResourceNotFoundException"


@pytest.fixture
def built_bot(lex: Any, wait_for: Any, scratch_bot: str) -> str:
    """The scratch bot with its en_US locale built."""
    lex.build_bot_locale(botId=scratch_bot, botVersion="DRAFT", localeId="en_US")
    assert built(lex, wait_for, scratch_bot, "en_US")["botLocaleStatus"] == "Built"
    return scratch_bot


def test_versions_are_numbered_and_never_reused(lex, wait_for, built_bot):
    scratch_bot = built_bot
    spec = {"en_US": {"sourceBotVersion": "DRAFT"}}
    first = lex.create_bot_version(botId=scratch_bot, botVersionLocaleSpecification=spec, description="first")
    assert first["botVersion"] == "1" and first["botStatus"] == "Creating"
    assert first["ResponseMetadata"]["HTTPStatusCode"] == 202
    available(lex, wait_for, scratch_bot, "1")
    second = lex.create_bot_version(botId=scratch_bot, botVersionLocaleSpecification=spec)
    assert second["botVersion"] == "2"
    available(lex, wait_for, scratch_bot, "2")
    lex.delete_bot_version(botId=scratch_bot, botVersion="2")
    third = lex.create_bot_version(botId=scratch_bot, botVersionLocaleSpecification=spec)
    assert third["botVersion"] == "3"
    available(lex, wait_for, scratch_bot, "3")
    listed = lex.list_bot_versions(botId=scratch_bot)["botVersionSummaries"]
    assert [v["botVersion"] for v in listed] == ["1", "3", "DRAFT"]
    descending = lex.list_bot_versions(botId=scratch_bot, sortBy={"attribute": "BotVersion", "order": "Descending"})
    assert [v["botVersion"] for v in descending["botVersionSummaries"]] == ["DRAFT", "3", "1"]
    assert lex.list_bots(filters=[{"name": "BotName", "values": ["ScratchBot"], "operator": "CO"}])[
        "botSummaries"][0]["latestBotVersion"] == "3"
    # a version is a snapshot: later DRAFT edits don't reach it
    intent_id = {s["intentName"]: s["intentId"] for s in lex.list_intents(
        botId=scratch_bot, botVersion="DRAFT", localeId="en_US")["intentSummaries"]}["Greet"]
    lex.update_intent(botId=scratch_bot, botVersion="DRAFT", localeId="en_US", intentId=intent_id,
                      intentName="Greet", sampleUtterances=[{"utterance": "hi there"}])
    snapshot = lex.describe_intent(botId=scratch_bot, botVersion="3", localeId="en_US", intentId=intent_id)
    assert [u["utterance"] for u in snapshot["sampleUtterances"]] == ["hello", "good morning"]
    # and an unbuilt DRAFT can't be published
    assert error_of(lex.create_bot_version, botId=scratch_bot,
                    botVersionLocaleSpecification=spec)["Code"] == "ValidationException"


def test_update_bot_alias_moves_the_alias(lex, wait_for, built_bot):
    scratch_bot = built_bot
    spec = {"en_US": {"sourceBotVersion": "DRAFT"}}
    for number in ("1", "2"):
        assert lex.create_bot_version(botId=scratch_bot, botVersionLocaleSpecification=spec)["botVersion"] == number
        available(lex, wait_for, scratch_bot, number)
    settings = {"en_US": {"enabled": True}}
    alias = lex.create_bot_alias(botId=scratch_bot, botAliasName="live", botVersion="1",
                                 botAliasLocaleSettings=settings, tags={"tenant": "contact-center"})
    alias_id = alias["botAliasId"]
    assert len(alias_id) == 10 and alias["ResponseMetadata"]["HTTPStatusCode"] == 202
    moved = lex.update_bot_alias(botId=scratch_bot, botAliasId=alias_id, botAliasName="live", botVersion="2",
                                 botAliasLocaleSettings=settings)
    assert moved["botVersion"] == "2" and moved["ResponseMetadata"]["HTTPStatusCode"] == 202
    described = lex.describe_bot_alias(botId=scratch_bot, botAliasId=alias_id)
    assert described["botVersion"] == "2" and described["botAliasStatus"] == "Available"
    history = described["botAliasHistoryEvents"]
    assert [e["botVersion"] for e in history] == ["2", "1"]
    assert "endDate" not in history[0] and history[1]["endDate"] == history[0]["startDate"]
    assert error_of(lex.delete_bot_version, botId=scratch_bot, botVersion="2")["Code"] == "ConflictException"
    assert error_of(lex.update_bot_alias, botId=scratch_bot, botAliasId=alias_id, botAliasName="live",
                    botVersion="DRAFT")["Code"] == "ValidationException"
    assert error_of(lex.update_bot_alias, botId=scratch_bot, botAliasId=alias_id, botAliasName="live",
                    botVersion="9")["Code"] == "PreconditionFailedException"
    assert error_of(lex.update_bot_alias, botId=scratch_bot, botAliasId="TSTALIASID", botAliasName="TestBotAlias",
                    botVersion="1")["Code"] == "ValidationException"
    back = lex.update_bot_alias(botId=scratch_bot, botAliasId=alias_id, botAliasName="live", botVersion="1")
    assert back["botVersion"] == "1"
    arn = f"arn:aws:lex:{lex.meta.region_name}:123456789012:bot-alias/{scratch_bot}/{alias_id}"
    assert lex.list_tags_for_resource(resourceARN=arn)["tags"] == {"tenant": "contact-center"}
    lex.tag_resource(resourceARN=arn, tags={"stage": "prod"})
    lex.untag_resource(resourceARN=arn, tagKeys=["tenant"])
    assert lex.list_tags_for_resource(resourceARN=arn)["tags"] == {"stage": "prod"}


def test_a_sample_utterance_naming_a_missing_slot_fails_the_build(lex, wait_for, scratch_bot):
    intent_id = {s["intentName"]: s["intentId"] for s in lex.list_intents(
        botId=scratch_bot, botVersion="DRAFT", localeId="en_US")["intentSummaries"]}["Greet"]
    lex.update_intent(botId=scratch_bot, botVersion="DRAFT", localeId="en_US", intentId=intent_id,
                      intentName="Greet", sampleUtterances=[{"utterance": "hello"}, {"utterance": "hi {Name}"}])
    lex.build_bot_locale(botId=scratch_bot, botVersion="DRAFT", localeId="en_US")
    failed = built(lex, wait_for, scratch_bot, "en_US")
    assert failed["botLocaleStatus"] == "Failed"
    assert failed["failureReasons"] == ["The sample utterance 'hi {Name}' in intent Greet refers to the slot "
                                        "{Name}, which isn't defined for the intent."]
    lex.create_slot(botId=scratch_bot, botVersion="DRAFT", localeId="en_US", intentId=intent_id, slotName="Name",
                    slotTypeId="AMAZON.FirstName", valueElicitationSetting={"slotConstraint": "Optional"})
    lex.build_bot_locale(botId=scratch_bot, botVersion="DRAFT", localeId="en_US")
    assert built(lex, wait_for, scratch_bot, "en_US")["botLocaleStatus"] == "Built"


def test_an_edit_during_a_build_leaves_the_locale_not_built(lex, wait_for, scratch_bot):
    intent_id = {s["intentName"]: s["intentId"] for s in lex.list_intents(
        botId=scratch_bot, botVersion="DRAFT", localeId="en_US")["intentSummaries"]}["Goodbye"]
    lex.build_bot_locale(botId=scratch_bot, botVersion="DRAFT", localeId="en_US")
    lex.update_intent(botId=scratch_bot, botVersion="DRAFT", localeId="en_US", intentId=intent_id,
                      intentName="Goodbye", sampleUtterances=[{"utterance": "bye"}, {"utterance": "farewell"}])
    assert built(lex, wait_for, scratch_bot, "en_US")["botLocaleStatus"] == "NotBuilt"
