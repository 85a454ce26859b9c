"""Deploying reviewed phrases into the sandbox's Lex bot: the whole loop, failures, concurrency, resuming.

Destructive: these tests change BankingHelpDesk's es_US locale and move its live
alias; a fixture puts intents and alias back (and rebuilds) afterwards so the
rest of the session sees the bot as seeded.
"""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from opsconsole.core.lexreview import deploy as ld
from opsconsole.core.lexreview import conversations as lc
from opsconsole.core.lexreview import triage as lr
from opsconsole.core.lexreview import bot as lb
from opsconsole.core.lexreview import items as li
from opsconsole.core.aws import Clients
from opsconsole.core.errors import ErrorKind, describe
from opsconsole.core.lexreview.deploy.record import list_deployments, load
from opsconsole.core.lexreview.deploy.lock import DeployLock
from opsconsole.core.lexreview.deploy.steps import build, intent_ids, versions_left_by
from opsconsole.core.lexreview.store import to_attrs
from opsconsole.core.lexreview.similarity import normalise
from support import drive as run
from support import restored_locale

LOCALE = "es_US"
#: Short timings: a sandbox build takes 2–4 s.
FAST = ld.DeploySettings(lock_ttl_s=3.0, lock_wait_s=120, poll_first_s=0.2, poll_max_s=0.5, build_timeout_s=60)


@pytest.fixture(scope="module")
def lex(sandbox):
    return sandbox.scenario.lex


@pytest.fixture(scope="module")
def locale(lex):
    return lb.BotLocale(lex["bot_id"], lex["bot_name"], LOCALE)


@pytest.fixture
def restore_bot(sandbox_clients, locale):
    """Put the locale's sample utterances and the live alias back as they were, and rebuild."""
    yield from restored_locale(sandbox_clients, locale)


def approved_item(clients, lex, text, intent, locale=LOCALE):
    item = lr.new_item(lr.Phrase(text, intent), bot_id=lex["bot_id"], bot_name=lex["bot_name"],
                       locale_id=locale, by="amy.test", contact_id="test-deploy")
    clients.client("dynamodb").put_item(TableName=lex["tables"]["review_items"], Item=to_attrs(item.to_record()))
    return li.transition(clients, item, "APPROVED", "dana.k")



def utterances(clients, locale, intent):
    return lb.load_locale_model(clients, locale).intents[intent].utterances


def test_the_whole_loop_from_transcript_to_the_live_alias(sandbox_clients, lex, locale, restore_bot):
    # An agent reads a transcript and forwards the missed phrase.
    contact = f"test-deploy-{uuid.uuid4()}"
    turns = [{"index": 0, "speaker": "bot", "text": "Hola, ¿en qué le puedo ayudar?"},
             {"index": 1, "speaker": "customer", "text": "¿cuánto saldo me queda este mes?", "intent": "FallbackIntent",
              "missed": True}]
    sandbox_clients.client("dynamodb").put_item(TableName=lex["tables"]["conversations"], Item=to_attrs({
        "contact_id": contact, "bot_id": lex["bot_id"], "bot_name": lex["bot_name"], "locale_id": LOCALE,
        "agent": "carlos.test", "channel": "chat", "started_at": "2026-01-05T10:00:00Z", "turns": turns,
        "triage_status": "NEW", "missed_count": 1}))
    conv = lc.get_conversation(sandbox_clients, contact)
    model = lb.load_locale_model(sandbox_clients, locale)
    phrase = conv.missed_turns[0].text
    assert "CheckBalance" in [name for name, _ in model.rank(phrase)[:3]]
    [item] = lr.submit_phrases(sandbox_clients, conv, [lr.Phrase(phrase, "CheckBalance", 1)], "carlos.test",
                               finish=True)
    # The transcript has done its part: the table keeps only the seeded conversations for other tests.
    sandbox_clients.client("dynamodb").delete_item(TableName=lex["tables"]["conversations"],
                                                   Key=to_attrs({"contact_id": contact}))
    # Operations approve it and deploy the locale.
    item = li.transition(sandbox_clients, item, "APPROVED", "dana.k")
    live_before = lb.find_alias(sandbox_clients, locale.bot_id)["botVersion"]
    reports, result = run(ld.deploy(sandbox_clients, locale, [item.item_id], "dana.k", FAST))

    assert result.status == "SUCCEEDED", result.notes
    texts = [r.text for r in reports]
    assert texts[0] == "Merging phrases into CheckBalance"
    assert any(t.startswith("Building BankingHelpDesk · es_US") for t in texts)
    assert "Creating a bot version" in texts and any(t.startswith("Pointing alias live at version") for t in texts)
    # The intent in Lex has the phrase, once; the alias serves a new version built from it.
    assert [u for u in utterances(sandbox_clients, locale, "CheckBalance") if normalise(u) == normalise(phrase)] == [phrase]
    alias = lb.find_alias(sandbox_clients, locale.bot_id)
    assert alias["botVersion"] == result.version and int(result.version) > int(live_before)
    lex_client = sandbox_clients.client("lexv2-models")
    in_version = lex_client.list_intents(botId=locale.bot_id, botVersion=result.version, localeId=LOCALE,
                                         filters=[{"name": "IntentName", "values": ["CheckBalance"], "operator": "EQ"}])
    intent_id = in_version["intentSummaries"][0]["intentId"]
    published = lex_client.describe_intent(intentId=intent_id, botId=locale.bot_id, botVersion=result.version,
                                           localeId=LOCALE)
    assert phrase in [u["utterance"] for u in published["sampleUtterances"]]
    # Publishing es_US kept en_US in the live bot (from the version it served before).
    locales = lex_client.list_bot_locales(botId=locale.bot_id, botVersion=result.version)["botLocaleSummaries"]
    assert {loc["localeId"] for loc in locales} == set(lex["locales"])
    # The item says where it went; the history says who deployed what, when.
    stored = li.get_review_item(sandbox_clients, item.item_id)
    assert (stored.status, stored.deployed_version, stored.deployment_id) == (
        "DEPLOYED", result.version, result.deployment_id)
    record = next(d for d in list_deployments(sandbox_clients, time.time()) if d.deployment_id == result.deployment_id)
    assert (record.status, record.started_by, record.version, record.alias_moved, record.interrupted) == (
        "SUCCEEDED", "dana.k", result.version, True, False)
    assert [(p.text, p.intent_name) for p in record.phrases] == [(phrase, "CheckBalance")]
    assert record.previous_version == live_before and record.finished_at is not None


def test_a_failed_build_deploys_nothing_and_the_locale_can_be_fixed_and_retried(
    sandbox_clients, lex, locale, restore_bot
):
    before = restore_bot.intents["CheckBalance"].utterances
    clash = restore_bot.intents["TransferFunds"].utterances[0]  # the same phrase in two intents fails a build
    bad = approved_item(sandbox_clients, lex, clash, "CheckBalance")
    good = approved_item(sandbox_clients, lex, "¿cuánto me queda en la tarjeta?", "CheckBalance")
    live = lb.find_alias(sandbox_clients, locale.bot_id)["botVersion"]

    _reports, failed = run(ld.deploy(sandbox_clients, locale, [bad.item_id, good.item_id], "dana.k", FAST))

    assert failed.status == "FAILED" and failed.rolled_back
    assert any("Duplicate sample utterance" in r and "TransferFunds" in r for r in failed.failure_reasons)
    assert load(sandbox_clients, failed.deployment_id).failure_reasons == failed.failure_reasons
    assert lb.find_alias(sandbox_clients, locale.bot_id)["botVersion"] == live  # nothing published
    assert {li.get_review_item(sandbox_clients, i.item_id).status for i in (bad, good)} == {"APPROVED"}
    assert utterances(sandbox_clients, locale, "CheckBalance") == before  # taken back out

    # The fix: reject the clashing item; the retry deploys the other one.
    li.transition(sandbox_clients, li.get_review_item(sandbox_clients, bad.item_id), "REJECTED", "dana.k",
                  reason="Already a TransferFunds sample")
    _reports, retried = run(ld.deploy(sandbox_clients, locale, [bad.item_id, good.item_id], "dana.k", FAST))
    assert retried.status == "SUCCEEDED" and [p.item_id for p in retried.phrases] == [good.item_id]
    assert utterances(sandbox_clients, locale, "CheckBalance") == (*before, "¿cuánto me queda en la tarjeta?")


def test_two_consoles_deploying_at_once_keep_both_sets_of_phrases(
    sandbox_connection, lex, locale, restore_bot
):
    setup = Clients(sandbox_connection)
    first = [approved_item(setup, lex, t, "CheckBalance") for t in ("¿me alcanza para la renta?", "saldo de ahorros")]
    second = [approved_item(setup, lex, t, "CheckBalance") for t in ("¿cuánto tengo disponible?", "ver mi saldo hoy")]
    start = threading.Barrier(2)
    results: dict[str, tuple[list, object]] = {}

    def console(who: str, items: list) -> None:
        clients = Clients(sandbox_connection)  # a console of its own
        start.wait(10)
        results[who] = run(ld.deploy(clients, locale, [i.item_id for i in items], who, FAST))

    threads = [threading.Thread(target=console, args=("dana.k", first)),
               threading.Thread(target=console, args=("erin.m", second))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(180)

    assert {r.status for _p, r in results.values()} == {"SUCCEEDED"}
    # One of them waited for the other's lock instead of overwriting its intent.
    waited = [who for who, (reports, _r) in results.items() if any(p.text.startswith("Waiting for") for p in reports)]
    assert len(waited) == 1
    final = utterances(setup, locale, "CheckBalance")
    for item in first + second:
        assert final.count(item.text) == 1
    versions = sorted(int(r.version) for _p, r in results.values())
    assert lb.find_alias(setup, locale.bot_id)["botVersion"] == str(versions[-1])


def test_an_interrupted_deployment_is_shown_and_resumes_without_doubling(sandbox_clients, lex, locale, restore_bot):
    item = approved_item(sandbox_clients, lex, "quiero ver mis movimientos", "CheckBalance")
    generator = ld.deploy(sandbox_clients, locale, [item.item_id], "dana.k", FAST)
    for report in generator:
        if report.text.startswith("Building"):
            break  # UpdateIntent is done; the build was not started
    generator.close()  # the console dies here: no clean-up runs, the lock stays until it expires
    assert utterances(sandbox_clients, locale, "CheckBalance").count("quiero ver mis movimientos") == 1

    history = list_deployments(sandbox_clients, time.time())
    record = next(d for d in history if d.status == "IN_PROGRESS" and d.phrases[0].item_id == item.item_id)
    assert record.intents_updated == ["CheckBalance"] and not record.alias_moved
    assert not record.interrupted  # its lock is still live: it might be running somewhere
    later = time.time() + FAST.lock_ttl_s + 1
    assert next(d for d in list_deployments(sandbox_clients, later) if d.deployment_id == record.deployment_id).interrupted

    _reports, resumed = run(ld.resume(sandbox_clients, record.deployment_id, "erin.m", FAST))
    assert resumed.status == "SUCCEEDED" and resumed.resumed_by == "erin.m"
    assert utterances(sandbox_clients, locale, "CheckBalance").count("quiero ver mis movimientos") == 1
    assert lb.find_alias(sandbox_clients, locale.bot_id)["botVersion"] == resumed.version
    stored = li.get_review_item(sandbox_clients, item.item_id)
    assert (stored.status, stored.deployed_version) == ("DEPLOYED", resumed.version)
    assert load(sandbox_clients, record.deployment_id).status == "SUCCEEDED"


def test_a_deployment_killed_while_lex_creates_its_version_leaves_no_orphan_version_after_resume(
        sandbox_clients, lex, locale, restore_bot):
    lex_client = sandbox_clients.client("lexv2-models")
    item = approved_item(sandbox_clients, lex, "cuánto tengo en la cuenta de ahorros", "CheckBalance")
    generator = ld.deploy(sandbox_clients, locale, [item.item_id], "dana.k", FAST)
    for report in generator:
        if report.text.startswith("Creating a bot version: version"):
            break  # CreateBotVersion was sent; Lex is still creating it
    generator.close()  # the console dies here
    [record] = [d for d in list_deployments(sandbox_clients, time.time()) if d.phrases[0].item_id == item.item_id]
    [(orphan, _status)] = versions_left_by(lex_client, locale, record.deployment_id)
    assert not record.version  # the record never learnt its number

    _reports, resumed = run(ld.resume(sandbox_clients, record.deployment_id, "erin.m", FAST))
    assert resumed.status == "SUCCEEDED" and resumed.version != orphan
    assert [v for v, _s in versions_left_by(lex_client, locale, record.deployment_id)] == [resumed.version]
    with pytest.raises(lex_client.exceptions.ResourceNotFoundException):
        lex_client.describe_bot_version(botId=locale.bot_id, botVersion=orphan)
    assert any(f"Removed version {orphan}" in note for note in resumed.notes)
    assert lb.find_alias(sandbox_clients, locale.bot_id)["botVersion"] == resumed.version


def test_resuming_takes_back_a_phrase_rejected_while_it_was_interrupted(sandbox_clients, lex, locale, restore_bot):
    keep = approved_item(sandbox_clients, lex, "saldo de mi cuenta corriente", "CheckBalance")
    drop = approved_item(sandbox_clients, lex, "¿me pagaron ya?", "CheckBalance")
    generator = ld.deploy(sandbox_clients, locale, [keep.item_id, drop.item_id], "dana.k", FAST)
    for report in generator:
        if report.text.startswith("Building"):
            break
    generator.close()
    assert {"saldo de mi cuenta corriente", "¿me pagaron ya?"} <= set(utterances(sandbox_clients, locale, "CheckBalance"))
    record = next(d for d in list_deployments(sandbox_clients, time.time())
                  if d.status == "IN_PROGRESS" and {p.item_id for p in d.phrases} == {keep.item_id, drop.item_id})
    # While nobody was looking, a reviewer changed their mind about one phrase.
    li.transition(sandbox_clients, li.get_review_item(sandbox_clients, drop.item_id), "REJECTED", "erin.m",
                  reason="Too vague")

    _reports, resumed = run(ld.resume(sandbox_clients, record.deployment_id, "dana.k", FAST))
    assert resumed.status == "SUCCEEDED"
    final = utterances(sandbox_clients, locale, "CheckBalance")
    assert "saldo de mi cuenta corriente" in final and "¿me pagaron ya?" not in final
    assert li.get_review_item(sandbox_clients, drop.item_id).status == "REJECTED"
    assert li.get_review_item(sandbox_clients, keep.item_id).status == "DEPLOYED"


def test_a_retry_after_an_interruption_does_not_double_and_the_old_record_is_superseded(
    sandbox_clients, lex, locale, restore_bot
):
    item = approved_item(sandbox_clients, lex, "mis movimientos de hoy", "CheckBalance")
    generator = ld.deploy(sandbox_clients, locale, [item.item_id], "dana.k", FAST)
    for report in generator:
        if report.text.startswith("Building"):
            break
    generator.close()
    abandoned = next(d for d in list_deployments(sandbox_clients, time.time())
                     if d.status == "IN_PROGRESS" and d.phrases[0].item_id == item.item_id)

    # Someone deploys the still-approved item again: it waits out the dead console's lock.
    reports, retried = run(ld.deploy(sandbox_clients, locale, [item.item_id], "erin.m", FAST))
    assert retried.status == "SUCCEEDED"
    assert any(p.text.startswith("Waiting for dana.k's deployment") for p in reports)
    assert utterances(sandbox_clients, locale, "CheckBalance").count("mis movimientos de hoy") == 1

    _reports, old = run(ld.resume(sandbox_clients, abandoned.deployment_id, "dana.k", FAST))
    assert old.status == "SUPERSEDED"
    assert utterances(sandbox_clients, locale, "CheckBalance").count("mis movimientos de hoy") == 1


def test_nothing_approved_means_nothing_deployed(sandbox_clients, lex, locale):
    item = approved_item(sandbox_clients, lex, "esto ya no", "CheckBalance")
    li.transition(sandbox_clients, item, "REJECTED", "dana.k", reason="Changed my mind")
    _reports, result = run(ld.deploy(sandbox_clients, locale, [item.item_id], "dana.k", FAST))
    assert result.status == "NOTHING_TO_DEPLOY"
    assert intent_ids(sandbox_clients.client("lexv2-models"), locale)  # the bot is untouched and answers


def test_a_deployment_that_lost_its_lock_stops_before_touching_the_bot_again(
    sandbox_clients, lex, locale, restore_bot
):
    item = approved_item(sandbox_clients, lex, "saldo al día de hoy", "CheckBalance")
    generator = ld.deploy(sandbox_clients, locale, [item.item_id], "dana.k", FAST)
    report = next(generator)  # "Merging phrases into CheckBalance": the lock is ours
    assert report.text == "Merging phrases into CheckBalance"
    # It stalled past its lock's expiry and another console took the lock over.
    sandbox_clients.client("dynamodb").put_item(TableName=lex["tables"]["locks"], Item=to_attrs({
        "lock_id": f"{locale.bot_id}#{LOCALE}", "owner": "someone-else", "holder": "erin.m",
        "acquired_at": time.time(), "expires_at": time.time() + 60}))
    reports, stopped = run(generator)
    assert stopped.status == "IN_PROGRESS" and "lock" in stopped.last_error
    assert not any(r.text.startswith("Building") for r in reports)  # it built nothing
    assert load(sandbox_clients, stopped.deployment_id).last_error == stopped.last_error
    assert li.get_review_item(sandbox_clients, item.item_id).status == "APPROVED"
    assert "saldo al día de hoy" not in utterances(sandbox_clients, locale, "CheckBalance")
    sandbox_clients.client("dynamodb").delete_item(TableName=lex["tables"]["locks"],
                                                   Key=to_attrs({"lock_id": f"{locale.bot_id}#{LOCALE}"}))


def test_an_intent_deleted_since_approval_stops_the_deployment_with_what_to_do(sandbox_clients, lex, locale):
    item = approved_item(sandbox_clients, lex, "mi tarjeta no funciona", "NoSuchIntent")
    with pytest.raises(ld.IntentMissing) as caught:
        run(ld.deploy(sandbox_clients, locale, [item.item_id], "dana.k", FAST))
    err = describe(caught.value, operation="Deploy")
    assert err.kind is ErrorKind.REFUSED and err.title == "Intent missing"
    assert err.message == (f"Intent NoSuchIntent no longer exists in {locale.label}: move its phrases to another "
                           "intent (or re-create it in Lex), then deploy again")
    stored = li.get_review_item(sandbox_clients, item.item_id)
    assert stored.status == "APPROVED"
    # The lock is free again: the next deployment of the locale does not wait for this one.
    assert DeployLock(sandbox_clients, locale.bot_id, LOCALE, "probe", "erin.m").current() is None
    li.transition(sandbox_clients, stored, "REJECTED", "dana.k", reason="Test item")


def test_a_build_that_outlasts_the_wait_is_a_refusal_saying_what_to_do(locale):
    class StillBuilding:
        """A Lex whose build never ends (the sandbox's always does)."""

        def build_bot_locale(self, **_kwargs):
            return {}

        def describe_bot_locale(self, **_kwargs):
            return {"botLocaleStatus": "Building"}

    ticks = iter(range(0, 1000, 30))
    settings = ld.DeploySettings(build_timeout_s=60, sleep=lambda _s: None, clock=lambda: float(next(ticks)))
    with pytest.raises(ld.BuildTimeout) as caught:
        run(build(StillBuilding(), locale, settings, lambda text, _elapsed=None: text))
    err = describe(caught.value, operation="Deploy")
    assert err.kind is ErrorKind.REFUSED and err.title == "Lex took too long"
    assert err.message == (f"The build of {locale.label} did not finish within 60 s; "
                           "try again once Lex shows it finished")


def test_the_deployment_pace_gives_the_build_most_of_the_bar_and_never_ends_a_wait_early():
    from opsconsole.core.lexreview.deploy.pace import BUILD, MARK, MERGE, SCALE, VERSION, DeployPace, waited

    pace = DeployPace(intents=3, items=10)
    # Three intents merged is a sliver; the build is most of the way; marking the items ends it.
    assert pace.at(BUILD) <= SCALE * 0.1 and pace.at(VERSION) >= SCALE * 0.8
    assert pace.at(MARK, 1.0) == SCALE
    marks = [pace.at(MERGE, n / 3) for n in range(3)] + [pace.at(BUILD, waited(s, 60)) for s in (1, 30, 600)]
    assert marks == sorted(marks) and marks[-1] < pace.at(VERSION)  # a long build creeps, never reaches the end
    assert waited(0, 60) == 0 and 0 < waited(1, 60) < waited(60, 60) < waited(6000, 60) < 1
