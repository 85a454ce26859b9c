"""The Lex V2 steps of a deployment against a real ``lexv2-models`` client whose answers are stubbed.

botocore's Stubber checks every request against the service model (a field
UpdateIntent does not take, a missing required field, a wrong type all fail)
and every stubbed answer too, so the answers below are in the shapes Lex V2
documents. Each test says what the bot ends up with: the utterances that reach
UpdateIntent, the version the alias serves, what a failed build reports.
The sandbox tests (test_lexdeploy.py) run the same steps end to end.
"""

from __future__ import annotations

from datetime import datetime, timezone

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from opsconsole.core.errors import ErrorKind, describe
from opsconsole.core.lexreview.bot import BotLocale
from opsconsole.core.lexreview.deploy.steps import (
    BuildTimeout,
    DeploySettings,
    VersionFailed,
    build,
    create_version,
    intent_ids,
    merge_into_intent,
    move_alias,
    remove_from_intent,
    remove_versions_left,
    set_utterances,
    version_description,
    versions_left_by,
)
from support import drive as run

BOT_ID = "BANKBOT001"
INTENT_ID = "INTENT0001"
LOCALE = BotLocale(BOT_ID, "BankingHelpDesk", "es_US")
WHEN = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def lex():
    """A real lexv2-models client (dummy keys, never sends anything): each call must be stubbed, in order."""
    client = boto3.client("lexv2-models", region_name="us-east-1", aws_access_key_id="AKIDEXAMPLE",
                          aws_secret_access_key="not-a-secret")
    with Stubber(client) as stub:
        client.stub = stub
        yield client
        stub.assert_no_pending_responses()  # every answer given was asked for


class Clock:
    """Time that moves only when the step sleeps; records each wait."""

    def __init__(self) -> None:
        self.now = 100.0
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def settings(clock):
    return DeploySettings(poll_first_s=1.0, poll_max_s=3.0, build_timeout_s=60, sleep=clock.sleep, clock=clock)


def step(text, elapsed=None):
    """What the deployment's progress line would say."""
    return (text, elapsed)



def error(stub, method, code, status, message="Lex said no"):
    stub.add_client_error(method, service_error_code=code, service_message=message, http_status_code=status)


# --- the intent: DescribeIntent -> merge -> UpdateIntent ---------------------------------------------------

def described_intent(*utterances: str) -> dict:
    """A DescribeIntent answer as Lex V2 documents it, with settings UpdateIntent must get back unchanged."""
    return {
        "intentId": INTENT_ID,
        "intentName": "CheckBalance",
        "description": "Balance of an account",
        "sampleUtterances": [{"utterance": u} for u in utterances],
        "dialogCodeHook": {"enabled": False},
        "fulfillmentCodeHook": {"enabled": True},
        "slotPriorities": [{"priority": 1, "slotId": "SLOTACCT01"}],
        "outputContexts": [{"name": "balance", "timeToLiveInSeconds": 300, "turnsToLive": 3}],
        "botId": BOT_ID,
        "botVersion": "DRAFT",
        "localeId": "es_US",
        "creationDateTime": WHEN,
        "lastUpdatedDateTime": WHEN,
    }


DESCRIBE = {"intentId": INTENT_ID, "botId": BOT_ID, "botVersion": "DRAFT", "localeId": "es_US"}


def expect_describe(lex, *utterances: str) -> dict:
    answer = described_intent(*utterances)
    lex.stub.add_response("describe_intent", answer, DESCRIBE)
    return answer


def expect_update(lex, *utterances: str) -> None:
    """UpdateIntent with exactly these utterances and everything else the intent had (no read-only fields)."""
    request = {k: v for k, v in described_intent().items() if k not in ("creationDateTime", "lastUpdatedDateTime")}
    request["sampleUtterances"] = [{"utterance": u} for u in utterances]
    lex.stub.add_response("update_intent", {**request, "creationDateTime": WHEN, "lastUpdatedDateTime": WHEN},
                          request)


def test_merge_sends_the_intent_back_with_the_new_phrases_after_its_own(lex):
    expect_describe(lex, "What's my balance", "Check my account balance")
    expect_update(lex, "What's my balance", "Check my account balance", "balance please", "am I overdrawn")
    added = merge_into_intent(lex, LOCALE, INTENT_ID, ["  balance   please ", "am I overdrawn"])
    assert added == ["balance please", "am I overdrawn"]


def test_merge_skips_phrases_the_intent_has_whatever_their_case_spacing_or_punctuation(lex):
    expect_describe(lex, "What's my balance", "Check my account balance")
    expect_update(lex, "What's my balance", "Check my account balance", "how much is left")
    added = merge_into_intent(lex, LOCALE, INTENT_ID, ["whats my  BALANCE?", "CHECK my account balance!",
                                                       "how much is left"])
    assert added == ["how much is left"]


def test_merge_a_phrase_twice_in_one_batch_reaches_the_intent_once(lex):
    expect_describe(lex, "What's my balance")
    expect_update(lex, "What's my balance", "balance please", "how much is left")
    added = merge_into_intent(lex, LOCALE, INTENT_ID, ["balance please", "Balance please!", "how much is left",
                                                       "BALANCE  PLEASE"])
    assert added == ["balance please", "how much is left"]


def test_merge_of_nothing_new_leaves_the_intent_untouched(lex):
    # Only DescribeIntent is stubbed: an UpdateIntent would fail the test (no answer for it).
    expect_describe(lex, "What's my balance", "balance please")
    assert merge_into_intent(lex, LOCALE, INTENT_ID, ["whats my balance", "Balance, please", "  ", "?!"]) == []


def test_merge_into_an_intent_without_samples_and_with_an_empty_one(lex):
    answer = described_intent()
    del answer["sampleUtterances"]
    lex.stub.add_response("describe_intent", answer, DESCRIBE)
    expect_update(lex, "balance please")
    assert merge_into_intent(lex, LOCALE, INTENT_ID, ["balance please"]) == ["balance please"]

    expect_describe(lex, "", "What's my balance")  # an empty sample is not kept, nor counted as a phrase
    expect_update(lex, "What's my balance", "balance please")
    assert merge_into_intent(lex, LOCALE, INTENT_ID, ["balance please"]) == ["balance please"]


def test_remove_takes_out_only_the_phrases_named_and_keeps_the_order(lex):
    expect_describe(lex, "What's my balance", "balance please", "Check my account balance", "how much is left")
    expect_update(lex, "What's my balance", "Check my account balance")
    removed = remove_from_intent(lex, LOCALE, INTENT_ID, ["BALANCE PLEASE!", "how much is left", "not there"])
    assert removed == ["balance please", "how much is left"]  # as the intent had them


def test_remove_of_phrases_the_intent_lacks_leaves_it_untouched(lex):
    expect_describe(lex, "What's my balance")
    assert remove_from_intent(lex, LOCALE, INTENT_ID, ["balance please"]) == []


def test_set_utterances_replaces_the_samples_and_keeps_the_rest_of_the_intent(lex):
    expect_describe(lex, "What's my balance", "balance please")
    expect_update(lex, "What's my balance")
    set_utterances(lex, LOCALE, INTENT_ID, ["What's my balance"])


def test_intent_ids_reads_every_page_of_the_draft_locale(lex):
    first = {"botId": BOT_ID, "botVersion": "DRAFT", "localeId": "es_US", "maxResults": 100}
    lex.stub.add_response("list_intents", {"intentSummaries": [
        {"intentId": INTENT_ID, "intentName": "CheckBalance", "lastUpdatedDateTime": WHEN},
        {"intentId": "INTENT0002", "intentName": "ReportLostCard"}], "nextToken": "page-2"}, first)
    lex.stub.add_response("list_intents", {"intentSummaries": [
        {"intentId": "FALLBCKINT", "intentName": "FallbackIntent",
         "parentIntentSignature": "AMAZON.FallbackIntent"}]}, {**first, "nextToken": "page-2"})
    assert intent_ids(lex, LOCALE) == {"CheckBalance": INTENT_ID, "ReportLostCard": "INTENT0002",
                                       "FallbackIntent": "FALLBCKINT"}


# --- the build: BuildBotLocale, then DescribeBotLocale until it ends -----------------------------------------

LOCALE_KEY = {"botId": BOT_ID, "botVersion": "DRAFT", "localeId": "es_US"}


def expect_build_started(lex) -> None:
    lex.stub.add_response("build_bot_locale", {**LOCALE_KEY, "botLocaleStatus": "Building",
                                               "lastBuildSubmittedDateTime": WHEN}, LOCALE_KEY)


def expect_locale(lex, status: str, **more) -> dict:
    answer = {**LOCALE_KEY, "localeName": "Spanish (US)", "botLocaleStatus": status, "intentsCount": 5,
              "lastUpdatedDateTime": WHEN, **more}
    lex.stub.add_response("describe_bot_locale", answer, LOCALE_KEY)
    return answer


def test_the_build_is_waited_for_with_longer_pauses_and_its_last_answer_returned(lex, settings, clock):
    expect_build_started(lex)
    for status in ("Building", "Building", "ReadyExpressTesting", "Building", "Building"):
        expect_locale(lex, status)
    built = expect_locale(lex, "Built")
    reports, final = run(build(lex, LOCALE, settings, step))
    assert final == built
    assert clock.waits == [1.0, 1.5, 2.25, 3.0, 3.0]  # backing off up to poll_max_s
    assert reports == [
        ("Building BankingHelpDesk · es_US: Building for 0 s", 0.0),
        ("Building BankingHelpDesk · es_US: Building for 1 s", 1.0),
        ("Building BankingHelpDesk · es_US: ReadyExpressTesting for 2 s", 2.5),
        ("Building BankingHelpDesk · es_US: Building for 5 s", 4.75),
        ("Building BankingHelpDesk · es_US: Building for 8 s", 7.75),
    ]


@pytest.mark.parametrize("status", ["Building", "ReadyExpressTesting", "Processing", "Importing", "Creating"])
def test_a_locale_still_busy_is_polled_again(lex, settings, status):
    expect_build_started(lex)
    expect_locale(lex, status)
    built = expect_locale(lex, "Built")
    reports, final = run(build(lex, LOCALE, settings, step))
    assert final == built and reports == [(f"Building BankingHelpDesk · es_US: {status} for 0 s", 0.0)]


def test_a_failed_build_ends_the_wait_with_lex_reasons(lex, settings, clock):
    expect_build_started(lex)
    expect_locale(lex, "Building")
    reasons = ["Intent CheckBalance: sample utterance 'balance {Amount' has an unclosed slot"]
    expect_locale(lex, "Failed", failureReasons=reasons)
    reports, final = run(build(lex, LOCALE, settings, step))
    assert final["botLocaleStatus"] == "Failed" and final["failureReasons"] == reasons
    assert len(reports) == 1 and clock.waits == [1.0]


def test_a_build_started_elsewhere_is_waited_for_before_ours_starts(lex, settings, clock):
    for _ in range(2):  # someone built the locale from Lex's console
        lex.stub.add_client_error("build_bot_locale", service_error_code="ConflictException", http_status_code=409,
                                  service_message="The bot locale is being built", expected_params=LOCALE_KEY)
    expect_build_started(lex)
    built = expect_locale(lex, "Built")
    reports, final = run(build(lex, LOCALE, settings, step))
    assert final == built
    assert reports == [("Waiting for another build of BankingHelpDesk · es_US to end: 0 s", 0.0),
                       ("Waiting for another build of BankingHelpDesk · es_US to end: 1 s", 1.0)]
    assert clock.waits == [1.0, 1.5]


def test_a_build_lex_refuses_for_another_reason_is_the_error_shown(lex, settings):
    error(lex.stub, "build_bot_locale", "PreconditionFailedException", 412, "The locale has no intents")
    with pytest.raises(ClientError) as caught:
        run(build(lex, LOCALE, settings, step))
    assert "PreconditionFailedException" in str(caught.value) and "no intents" in str(caught.value)


def test_a_build_that_outlasts_the_wait_is_a_refusal_saying_what_to_do(lex, clock):
    settings = DeploySettings(poll_first_s=10.0, poll_max_s=10.0, build_timeout_s=30, sleep=clock.sleep, clock=clock)
    expect_build_started(lex)
    for _ in range(4):  # at 0, 10, 20 s still building; at 30 s the wait is over
        expect_locale(lex, "Building")
    with pytest.raises(BuildTimeout) as caught:
        run(build(lex, LOCALE, settings, step))
    err = describe(caught.value, operation="Deploy")
    assert err.kind is ErrorKind.REFUSED and err.title == "Lex took too long"
    assert err.message == ("The build of BankingHelpDesk · es_US did not finish within 30 s; "
                           "try again once Lex shows it finished")
    assert clock.waits == [10.0, 10.0, 10.0]


def test_a_build_of_another_console_that_never_ends_is_a_refusal_too(lex, clock):
    settings = DeploySettings(poll_first_s=20.0, poll_max_s=20.0, build_timeout_s=30, sleep=clock.sleep, clock=clock)
    for _ in range(3):
        lex.stub.add_client_error("build_bot_locale", service_error_code="ConflictException", http_status_code=409)
    with pytest.raises(BuildTimeout, match="^The other build of BankingHelpDesk · es_US did not finish within 30 s"):
        run(build(lex, LOCALE, settings, step))


# --- the version: CreateBotVersion, then ListBotVersions until Available ------------------------------------

def alias_answer(version: str | None = "3", **more) -> dict:
    """A DescribeBotAlias answer (what find_alias gives)."""
    answer = {"botAliasId": "LIVEALIAS1", "botAliasName": "live", "botId": BOT_ID, "botAliasStatus": "Available",
              "description": "What customers talk to",
              "botAliasLocaleSettings": {"es_US": {"enabled": True}, "en_US": {"enabled": True}},
              "sentimentAnalysisSettings": {"detectSentiment": False},
              "creationDateTime": WHEN, "lastUpdatedDateTime": WHEN, **more}
    if version is not None:
        answer["botVersion"] = version
    return answer


def version_summaries(*pairs: tuple[str, str], description: str = "") -> list[dict]:
    return [{"botName": "BankingHelpDesk", "botVersion": v, "botStatus": s, "description": description,
             "creationDateTime": WHEN} for v, s in pairs]


LIST_VERSIONS = {"botId": BOT_ID, "maxResults": 50, "sortBy": {"attribute": "BotVersion", "order": "Descending"}}
MARK = "es_US: reviewed phrases (deployment dep-7)"


def expect_create(lex, spec: dict, status: str, version: str = "4") -> None:
    lex.stub.add_response(
        "create_bot_version",
        {"botId": BOT_ID, "description": MARK, "botVersion": version, "botVersionLocaleSpecification": spec,
         "botStatus": status, "creationDateTime": WHEN},
        {"botId": BOT_ID, "description": MARK, "botVersionLocaleSpecification": spec})


def test_the_new_version_takes_this_locale_from_draft_and_the_others_from_the_live_version(lex, settings):
    lex.stub.add_response("list_bot_locales", {"botId": BOT_ID, "botVersion": "3", "botLocaleSummaries": [
        {"localeId": "en_US", "localeName": "English (US)", "botLocaleStatus": "Built"},
        {"localeId": "es_US", "localeName": "Spanish (US)", "botLocaleStatus": "Built"}]},
        {"botId": BOT_ID, "botVersion": "3", "maxResults": 100})
    spec = {"es_US": {"sourceBotVersion": "DRAFT"}, "en_US": {"sourceBotVersion": "3"}}
    expect_create(lex, spec, "Available")
    reports, version = run(create_version(lex, LOCALE, alias_answer("3"), settings, step, "dep-7"))
    assert version == "4" and reports == []


@pytest.mark.parametrize("live", [None, "DRAFT"])
def test_a_bot_with_no_published_version_gets_this_locale_alone(lex, settings, live):
    expect_create(lex, {"es_US": {"sourceBotVersion": "DRAFT"}}, "Available", version="1")
    assert run(create_version(lex, LOCALE, alias_answer(live), settings, step, "dep-7"))[1] == "1"


def test_the_version_is_waited_for_until_lex_lists_it_available(lex, settings, clock):
    expect_create(lex, {"es_US": {"sourceBotVersion": "DRAFT"}}, "Versioning")
    lex.stub.add_response("list_bot_versions", {"botId": BOT_ID, "botVersionSummaries": version_summaries(
        ("3", "Available"))}, LIST_VERSIONS)  # not listed yet
    lex.stub.add_response("list_bot_versions", {"botId": BOT_ID, "botVersionSummaries": version_summaries(
        ("4", "Versioning"), ("3", "Available"))}, LIST_VERSIONS)
    lex.stub.add_response("list_bot_versions", {"botId": BOT_ID, "botVersionSummaries": version_summaries(
        ("4", "Available"), ("3", "Available"))}, LIST_VERSIONS)
    reports, version = run(create_version(lex, LOCALE, alias_answer("DRAFT"), settings, step, "dep-7"))
    assert version == "4"
    assert reports == [("Creating a bot version: version 4 versioning for 0 s", 0.0),
                       ("Creating a bot version: version 4 versioning for 1 s", 1.0)]
    assert clock.waits == [1.0, 1.5]


def test_a_version_lex_could_not_create_is_an_error_saying_to_resume(lex, settings):
    expect_create(lex, {"es_US": {"sourceBotVersion": "DRAFT"}}, "Creating")
    lex.stub.add_response("list_bot_versions", {"botId": BOT_ID, "botVersionSummaries": version_summaries(
        ("4", "Failed"))}, LIST_VERSIONS)
    with pytest.raises(VersionFailed) as caught:
        run(create_version(lex, LOCALE, alias_answer(None), settings, step, "dep-7"))
    err = describe(caught.value, operation="Deploy")
    assert err.title == "Version not created"
    assert err.message == "Lex could not create version 4; resume the deployment to try again"


def test_a_version_of_another_locale_being_created_is_waited_for(lex, settings):
    spec = {"es_US": {"sourceBotVersion": "DRAFT"}}
    lex.stub.add_client_error("create_bot_version", service_error_code="ConflictException", http_status_code=409,
                              expected_params={"botId": BOT_ID, "description": MARK,
                                               "botVersionLocaleSpecification": spec})
    expect_create(lex, spec, "Available")
    reports, version = run(create_version(lex, LOCALE, alias_answer(None), settings, step, "dep-7"))
    assert version == "4"
    assert reports == [("Waiting for another version of BankingHelpDesk to be created: 0 s", 0.0)]


def test_a_version_lex_refuses_outright_is_the_error_shown(lex, settings):
    error(lex.stub, "create_bot_version", "ServiceQuotaExceededException", 402, "Too many versions")
    with pytest.raises(ClientError, match="ServiceQuotaExceededException"):
        run(create_version(lex, LOCALE, alias_answer(None), settings, step, "dep-7"))


def test_a_version_that_outlasts_the_wait_is_a_refusal(lex, clock):
    settings = DeploySettings(poll_first_s=30.0, poll_max_s=30.0, build_timeout_s=30, sleep=clock.sleep, clock=clock)
    expect_create(lex, {"es_US": {"sourceBotVersion": "DRAFT"}}, "Versioning")
    for _ in range(2):
        lex.stub.add_response("list_bot_versions", {"botId": BOT_ID, "botVersionSummaries": version_summaries(
            ("4", "Versioning"))}, LIST_VERSIONS)
    with pytest.raises(BuildTimeout, match="^Version 4 did not finish within 30 s"):
        run(create_version(lex, LOCALE, alias_answer(None), settings, step, "dep-7"))


def test_the_version_description_names_the_deployment_within_lex_limit():
    assert version_description("es_US", "dep-7") == MARK
    long = version_description("es_US", "d" * 300)
    assert len(long) == 200 and long.startswith("es_US: reviewed phrases (deployment ddd")


# --- the alias ---------------------------------------------------------------------------------------------

def test_the_alias_moves_to_the_new_version_and_keeps_its_settings(lex):
    alias = alias_answer("3", conversationLogSettings={"textLogSettings": [{"enabled": True, "destination": {
        "cloudWatch": {"cloudWatchLogGroupArn": "arn:aws:logs:us-east-1:123456789012:log-group:lex",
                       "logPrefix": "live/"}}}]})
    expected = {"botId": BOT_ID, "botAliasId": "LIVEALIAS1", "botVersion": "4", "botAliasName": "live",
                "description": "What customers talk to", "botAliasLocaleSettings": alias["botAliasLocaleSettings"],
                "conversationLogSettings": alias["conversationLogSettings"],
                "sentimentAnalysisSettings": {"detectSentiment": False}}
    lex.stub.add_response("update_bot_alias", {"botAliasId": "LIVEALIAS1", "botAliasName": "live",
                                               "botVersion": "4", "botAliasStatus": "Available", "botId": BOT_ID},
                          expected)
    move_alias(lex, alias, "4")


def test_an_alias_without_a_description_is_moved_without_one(lex):
    alias = alias_answer("3")
    del alias["description"]
    del alias["sentimentAnalysisSettings"]
    lex.stub.add_response("update_bot_alias", {"botAliasId": "LIVEALIAS1", "botAliasName": "live", "botId": BOT_ID},
                          {"botId": BOT_ID, "botAliasId": "LIVEALIAS1", "botVersion": "4", "botAliasName": "live",
                           "botAliasLocaleSettings": alias["botAliasLocaleSettings"]})
    move_alias(lex, alias, "4")


# --- resuming: versions an interrupted run left behind --------------------------------------------------------

def test_the_versions_an_interrupted_run_left_are_found_by_their_description_on_every_page(lex):
    lex.stub.add_response("list_bot_versions", {"botId": BOT_ID, "nextToken": "more", "botVersionSummaries": [
        *version_summaries(("9", "Available"), description="es_US: reviewed phrases (deployment dep-8)"),
        *version_summaries(("8", "Versioning"), description=MARK)]}, LIST_VERSIONS)
    lex.stub.add_response("list_bot_versions", {"botId": BOT_ID, "botVersionSummaries": [
        *version_summaries(("7", "Available"), description=MARK),
        *version_summaries(("6", "Available"))]}, {**LIST_VERSIONS, "nextToken": "more"})
    assert versions_left_by(lex, LOCALE, "dep-7") == [("8", "Versioning"), ("7", "Available")]


def test_versions_left_reads_at_most_twenty_pages(lex):
    for page in range(20):
        lex.stub.add_response("list_bot_versions", {"botId": BOT_ID, "nextToken": f"p{page + 1}",
                                                    "botVersionSummaries": version_summaries((str(100 - page), "Available"))},
                              {**LIST_VERSIONS, **({"nextToken": f"p{page}"} if page else {})})
    assert versions_left_by(lex, LOCALE, "dep-7") == []


def test_resuming_deletes_the_versions_it_left_once_lex_has_finished_them_but_never_the_live_one(
        lex, settings, clock):
    lex.stub.add_response("list_bot_versions", {"botId": BOT_ID, "botVersionSummaries": version_summaries(
        ("9", "Versioning"), ("8", "Available"), ("5", "Available"), description=MARK)}, LIST_VERSIONS)
    for status in ("Versioning", "Creating", "Available"):
        lex.stub.add_response("describe_bot_version", {"botId": BOT_ID, "botVersion": "9", "botStatus": status},
                              {"botId": BOT_ID, "botVersion": "9"})
    lex.stub.add_response("delete_bot_version", {"botId": BOT_ID, "botVersion": "9", "botStatus": "Deleting"},
                          {"botId": BOT_ID, "botVersion": "9"})
    # version 8 went away meanwhile: nothing to delete is no error
    lex.stub.add_response("describe_bot_version", {"botId": BOT_ID, "botVersion": "8", "botStatus": "Failed"},
                          {"botId": BOT_ID, "botVersion": "8"})
    lex.stub.add_client_error("delete_bot_version", service_error_code="ResourceNotFoundException",
                              http_status_code=404, expected_params={"botId": BOT_ID, "botVersion": "8"})
    reports, removed = run(remove_versions_left(lex, LOCALE, "dep-7", "5", settings, step))
    assert removed == ["9", "8"]  # 5 is what the live alias serves
    assert reports == [
        ("Waiting for version 9, left by the interrupted run, to finish (versioning): 0 s", 0.0),
        ("Waiting for version 9, left by the interrupted run, to finish (creating): 1 s", 1.0),
    ]
    assert clock.waits == [1.0, 1.5]


def test_a_left_version_lex_will_not_delete_stops_the_resume(lex, settings):
    lex.stub.add_response("list_bot_versions", {"botId": BOT_ID, "botVersionSummaries": version_summaries(
        ("9", "Available"), description=MARK)}, LIST_VERSIONS)
    lex.stub.add_response("describe_bot_version", {"botId": BOT_ID, "botVersion": "9", "botStatus": "Available"},
                          {"botId": BOT_ID, "botVersion": "9"})
    error(lex.stub, "delete_bot_version", "PreconditionFailedException", 412, "Version 9 is in use")
    with pytest.raises(ClientError, match="in use"):
        run(remove_versions_left(lex, LOCALE, "dep-7", "5", settings, step))


def test_a_resume_with_nothing_left_behind_deletes_nothing(lex, settings):
    lex.stub.add_response("list_bot_versions", {"botId": BOT_ID, "botVersionSummaries": version_summaries(
        ("3", "Available"))}, LIST_VERSIONS)
    assert run(remove_versions_left(lex, LOCALE, "dep-7", "3", settings, step)) == ([], [])


# --- answers Lex may give without their list (the model makes no list member required) --------------------------

def test_a_locale_lex_lists_no_intents_for_has_none(lex):
    lex.stub.add_response("list_intents", {"botId": BOT_ID, "botVersion": "DRAFT", "localeId": "es_US"},
                          {"botId": BOT_ID, "botVersion": "DRAFT", "localeId": "es_US", "maxResults": 100})
    assert intent_ids(lex, LOCALE) == {}


def test_a_live_version_listing_no_locales_and_a_version_list_without_versions_yet(lex, settings):
    lex.stub.add_response("list_bot_locales", {"botId": BOT_ID, "botVersion": "3"},
                          {"botId": BOT_ID, "botVersion": "3", "maxResults": 100})
    expect_create(lex, {"es_US": {"sourceBotVersion": "DRAFT"}}, "Versioning")
    lex.stub.add_response("list_bot_versions", {"botId": BOT_ID}, LIST_VERSIONS)
    lex.stub.add_response("list_bot_versions", {"botId": BOT_ID, "botVersionSummaries": version_summaries(
        ("4", "Available"))}, LIST_VERSIONS)
    reports, version = run(create_version(lex, LOCALE, alias_answer("3"), settings, step, "dep-7"))
    assert version == "4" and reports == [("Creating a bot version: version 4 versioning for 0 s", 0.0)]


def test_a_versions_page_without_versions_has_nothing_left(lex):
    lex.stub.add_response("list_bot_versions", {"botId": BOT_ID}, LIST_VERSIONS)
    assert versions_left_by(lex, LOCALE, "dep-7") == []


# --- waits that never end ----------------------------------------------------------------------------------------

def test_another_version_that_keeps_lex_busy_past_the_wait_is_a_refusal(lex, clock):
    settings = DeploySettings(poll_first_s=20.0, poll_max_s=20.0, build_timeout_s=30, sleep=clock.sleep, clock=clock)
    for _ in range(3):
        lex.stub.add_client_error("create_bot_version", service_error_code="ConflictException", http_status_code=409)
    with pytest.raises(BuildTimeout, match="^Another version of BankingHelpDesk did not finish within 30 s"):
        run(create_version(lex, LOCALE, alias_answer(None), settings, step, "dep-7"))


def test_a_left_version_lex_never_finishes_is_a_refusal_naming_it(lex, clock):
    settings = DeploySettings(poll_first_s=20.0, poll_max_s=20.0, build_timeout_s=30, sleep=clock.sleep, clock=clock)
    lex.stub.add_response("list_bot_versions", {"botId": BOT_ID, "botVersionSummaries": version_summaries(
        ("9", "Versioning"), description=MARK)}, LIST_VERSIONS)
    for _ in range(3):
        lex.stub.add_response("describe_bot_version", {"botId": BOT_ID, "botVersion": "9", "botStatus": "Versioning"},
                              {"botId": BOT_ID, "botVersion": "9"})
    with pytest.raises(BuildTimeout, match="^Version 9 did not finish within 30 s"):
        run(remove_versions_left(lex, LOCALE, "dep-7", "5", settings, step))


def test_a_left_version_the_alias_already_serves_is_kept_and_the_older_one_removed(lex, settings):
    # The alias moved to version 9 but the console died before noting it: 9 stays, 8 goes.
    lex.stub.add_response("list_bot_versions", {"botId": BOT_ID, "botVersionSummaries": version_summaries(
        ("9", "Available"), ("8", "Available"), description=MARK)}, LIST_VERSIONS)
    lex.stub.add_response("describe_bot_version", {"botId": BOT_ID, "botVersion": "8", "botStatus": "Available"},
                          {"botId": BOT_ID, "botVersion": "8"})
    lex.stub.add_response("delete_bot_version", {"botId": BOT_ID, "botVersion": "8", "botStatus": "Deleting"},
                          {"botId": BOT_ID, "botVersion": "8"})
    assert run(remove_versions_left(lex, LOCALE, "dep-7", "9", settings, step)) == ([], ["8"])
