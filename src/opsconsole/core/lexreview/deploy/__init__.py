"""Deploy approved phrases into a Lex V2 bot locale, step by step, safely.

The sequence: take the locale's lock → re-read the approved items → per intent
DescribeIntent, merge the phrases into ``sampleUtterances`` (normalised, no
duplicates, existing order kept) and UpdateIntent → BuildBotLocale and wait for
``Built`` → CreateBotVersion → point the ``live`` alias at it → mark the items
DEPLOYED → release the lock. :func:`deploy` and :func:`resume` are generators
yielding :class:`Progress` and returning the :class:`Deployment` record, so a
job runner can show each step and cancel between them.

A failed build takes the phrases it added back out of the intents (so the
locale builds again once the cause is fixed) and leaves the items APPROVED.
An interrupted deployment stays IN_PROGRESS in ``lex-deployments`` and
:func:`resume` finishes it; merging is idempotent, so nothing is doubled.
"""

from __future__ import annotations

import uuid
from collections.abc import Generator, Sequence

from botocore.exceptions import BotoCoreError, ClientError

from opsconsole.core.aws import Clients
from opsconsole.core.errors import DomainError
from opsconsole.core.lexreview.deploy.lock import DeployLock, LockLost
from opsconsole.core.lexreview.deploy.pace import ALIAS, BUILD, MARK, MERGE, VERSION, DeployPace, waited
from opsconsole.core.lexreview.deploy.record import (
    BLOCKED,
    FAILED,
    IN_PROGRESS,
    NOTHING_TO_DEPLOY,
    SUCCEEDED,
    SUPERSEDED,
    DeployedPhrase,
    Deployment,
    load,
    save,
)
from opsconsole.core.lexreview.deploy.steps import (
    DeploySettings,
    BuildTimeout,
    build,
    create_version,
    remove_versions_left,
    intent_ids,
    merge_into_intent,
    merge_utterances,
    move_alias,
    remove_from_intent,
)
from opsconsole.core.lexreview.triage import APPROVED, DEPLOYED, Conflict, ReviewItem
from opsconsole.core.lexreview.bot import BotLocale, find_alias
from opsconsole.core.lexreview.items import InvalidChange, get_review_item, transition
from opsconsole.core.lexreview.store import TABLES, Tables, utcnow
from opsconsole.core.progress import Progress
from opsconsole.core.lexreview.similarity import normalise

DeployRun = Generator[Progress, None, Deployment]
__all__ = ["BuildTimeout", "DeploySettings", "DeploymentNotFound", "IntentMissing", "deploy", "merge_utterances",
           "resume"]


class IntentMissing(DomainError, LookupError):
    """An item's intent was deleted from the bot after the item was approved."""

    title = "Intent missing"


class DeploymentNotFound(DomainError, LookupError):
    """The deployment to resume is not in the history (any more)."""

    title = "Deployment not found"


def deploy(
    clients: Clients,
    locale: BotLocale,
    item_ids: Sequence[str],
    by: str,
    settings: DeploySettings = DeploySettings(),  # noqa: B008 - frozen, shared safely
    tables: Tables = TABLES,
) -> DeployRun:
    """Deploy the approved items ``item_ids`` (those still approved once the lock is ours)."""
    deployment_id = str(uuid.uuid4())
    lock = DeployLock(
        clients, locale.bot_id, locale.locale_id, deployment_id, by,
        ttl_s=settings.lock_ttl_s, clock=settings.clock, tables=tables,
    )
    blocked = yield from _acquire(lock, locale, settings)
    if blocked:
        return _unsaved(deployment_id, locale, by, BLOCKED, blocked)
    record: Deployment | None = None
    try:
        # Re-read after the lock: another deployment may have taken some of them meanwhile.
        items = [i for i in (get_review_item(clients, x, tables) for x in item_ids) if i and i.status == APPROVED]
        items = [i for i in items if i.bot_id == locale.bot_id and i.locale_id == locale.locale_id]
        if not items:
            lock.release()
            return _unsaved(deployment_id, locale, by, NOTHING_TO_DEPLOY, "No approved items left to deploy")
        record = Deployment(
            deployment_id=deployment_id,
            bot_id=locale.bot_id,
            bot_name=locale.bot_name,
            locale_id=locale.locale_id,
            started_by=by,
            started_at=utcnow(),
            phrases=[DeployedPhrase(i.item_id, i.text, i.intent_name) for i in items],
            intents=sorted({i.intent_name for i in items}),
        )
        save(clients, record, tables)
        yield from _run(clients, record, {i.item_id: i for i in items}, lock, settings, tables)
    except GeneratorExit:
        # Cancelled (the job is not resumed) and maybe collected on the GUI thread:
        # no network calls here. The lock expires by itself; the record says how far it got.
        raise
    except LockLost as exc:  # someone else holds the lock now: stop, resumable, nothing to release
        return _stopped(clients, record, exc, tables) or _unsaved(deployment_id, locale, by, BLOCKED, str(exc))
    except Exception as exc:
        _stopped(clients, record, exc, tables)
        _release_quietly(lock)
        raise
    lock.release()
    return record


def resume(
    clients: Clients,
    deployment_id: str,
    by: str,
    settings: DeploySettings = DeploySettings(),  # noqa: B008
    tables: Tables = TABLES,
) -> DeployRun:
    """Finish an interrupted deployment from its record: re-merge (idempotent), build, publish, mark."""
    record = load(clients, deployment_id, tables)
    if record is None:
        raise DeploymentNotFound(f"Deployment {deployment_id} does not exist; refresh the history and pick "
                                 "another one")
    if record.status != IN_PROGRESS:
        return record
    locale = BotLocale(record.bot_id, record.bot_name, record.locale_id)
    lock = DeployLock(
        clients, locale.bot_id, locale.locale_id, deployment_id, by,
        ttl_s=settings.lock_ttl_s, clock=settings.clock, tables=tables,
    )
    blocked = yield from _acquire(lock, locale, settings)
    if blocked:
        return _unsaved(deployment_id, locale, by, BLOCKED, blocked)
    try:
        record = load(clients, deployment_id, tables) or record  # re-read: we hold the lock now
        record.resumed_by, record.resumed_at, record.last_error = by, utcnow(), ""
        items: dict[str, ReviewItem] = {}
        keep: set[tuple[str, str]] = set()
        for phrase in record.phrases:
            item = get_review_item(clients, phrase.item_id, tables)
            if item is None:
                continue
            if item.status == APPROVED or item.deployment_id == deployment_id:
                items[item.item_id] = item
            elif item.status == DEPLOYED:
                # Deployed by a later deployment meanwhile: in the bot for good reason.
                keep.add((item.intent_name, normalise(item.text)))
        if items:  # the history shows what goes in now (texts may have been edited meanwhile)
            record.phrases = [DeployedPhrase(i.item_id, i.text, i.intent_name) for i in items.values()]
        save(clients, record, tables)
        yield from _run(clients, record, items, lock, settings, tables, keep)
    except GeneratorExit:
        raise
    except LockLost as exc:
        return _stopped(clients, record, exc, tables) or record
    except Exception as exc:
        _stopped(clients, record, exc, tables)
        _release_quietly(lock)
        raise
    lock.release()
    return record


def _stopped(clients: Clients, record: Deployment | None, exc: BaseException, tables: Tables) -> Deployment | None:
    """Note on the record why it stopped part way (it stays IN_PROGRESS, to be resumed)."""
    if record is None:
        return None
    record.last_error = str(exc) or type(exc).__name__
    try:
        save(clients, record, tables)
    except (ClientError, BotoCoreError):
        pass  # the error being reported matters more than this note
    return record


def _release_quietly(lock: DeployLock) -> None:
    try:
        lock.release()
    except (ClientError, BotoCoreError):
        pass  # it expires by itself; the original error is the one to report


def _unsaved(deployment_id: str, locale: BotLocale, by: str, status: str, note: str) -> Deployment:
    return Deployment(
        deployment_id, locale.bot_id, locale.bot_name, locale.locale_id, by, utcnow(), status=status, notes=[note]
    )


def _acquire(lock: DeployLock, locale: BotLocale, settings: DeploySettings) -> Generator[Progress, None, str]:
    """Wait for the locale's lock; '' once it is ours, or why we gave up."""
    deadline = settings.clock() + settings.lock_wait_s
    delay = settings.poll_first_s
    while True:
        holder = lock.try_acquire()
        if holder is None:
            return ""
        now = settings.clock()
        if now >= deadline:
            return f"{holder.holder} is still deploying {locale.label}; try again later"
        yield Progress(0, None, f"Waiting for {holder.holder}'s deployment of {locale.label} to finish "
                                f"(its lock expires in {holder.expires_in(now):.0f} s)")
        settings.sleep(min(delay, max(holder.expires_in(now), 0.05)))
        delay = min(delay * 1.5, settings.poll_max_s)


def _run(
    clients: Clients,
    record: Deployment,
    items: dict[str, ReviewItem],
    lock: DeployLock,
    settings: DeploySettings,
    tables: Tables,
    keep: set[tuple[str, str]] | None = None,
) -> Generator[Progress, None, None]:
    """The steps after the lock and the record, resuming from wherever ``record`` got to.

    ``items`` are what should end up in the bot (approved, or already marked by
    this deployment), as they are now: a resumed deployment merges their current
    text and intent. What this deployment added earlier and no item wants any
    more (rejected, edited or moved meanwhile) is taken back out, except what
    ``keep`` names ((intent, normalised text) another deployment put there).
    """
    lex = clients.client("lexv2-models")
    locale = BotLocale(record.bot_id, record.bot_name, record.locale_id)
    wanted = {(i.intent_name, normalise(i.text)) for i in items.values()} | (keep or set())
    stale: dict[str, list[str]] = {}
    for intent, added in record.added.items():
        unwanted = [u for u in added if (intent, normalise(u)) not in wanted]
        if unwanted:
            stale[intent] = unwanted
    if not items and not record.alias_moved and not stale:
        # Resumed after its items were all deployed by another deployment (or rejected
        # before anything reached the bot): there is nothing left for this one to do.
        record.status, record.finished_at = SUPERSEDED, utcnow()
        record.notes.append("Nothing left to deploy: its items were deployed or changed since")
        save(clients, record, tables)
        return
    record.intents = sorted({*record.intents, *(i.intent_name for i in items.values())})
    pace = DeployPace(len(record.intents), len(items))
    at: list = [MERGE, 0.0]  # the step under way, and the share of it done

    def step(text: str, elapsed_s: float | None = None) -> Progress:
        """Save the record, renew the lock, report: a waiting step says how long it has waited."""
        record.updated_at = utcnow()
        save(clients, record, tables)
        lock.renew()
        within = at[1] if elapsed_s is None else waited(elapsed_s, pace.usual_s(at[0]))
        return pace.report(at[0], text, within)

    if not record.alias_moved:
        ids = intent_ids(lex, locale)
        for n, intent in enumerate(record.intents):
            at[:] = [MERGE, n / len(record.intents)]
            yield step(f"Merging phrases into {intent}")
            if intent not in ids:
                raise IntentMissing(f"Intent {intent} no longer exists in {locale.label}: move its phrases to "
                                    "another intent (or re-create it in Lex), then deploy again")
            lock.renew()  # right before touching the bot: a lost lock stops us here
            if stale.get(intent):
                remove_from_intent(lex, locale, ids[intent], stale[intent])
                record.added[intent] = [u for u in record.added[intent] if u not in stale[intent]]
            phrases = [i.text for i in items.values() if i.intent_name == intent and i.status == APPROVED]
            added = merge_into_intent(lex, locale, ids[intent], phrases)
            known = record.added.setdefault(intent, [])
            known += [a for a in added if a not in known]
            if intent not in record.intents_updated:
                record.intents_updated.append(intent)

        at[:] = [BUILD, 0.0]
        record.build_status = "Building"
        yield step(f"Building {locale.label}")
        lock.renew()
        try:
            final = yield from build(lex, locale, settings, step)
        except BuildTimeout as exc:
            final = {"botLocaleStatus": "Failed", "failureReasons": [str(exc)]}
        record.build_status = final.get("botLocaleStatus", "")
        if record.build_status != "Built":
            record.failure_reasons = list(final.get("failureReasons") or []) or ["The build did not finish"]
            yield step("Build failed: taking the new phrases back out")
            for intent, added in record.added.items():
                if added and intent in ids:
                    remove_from_intent(lex, locale, ids[intent], added)
            record.rolled_back = True
            _rebuild_quietly(lex, locale, record)
            record.status, record.finished_at = FAILED, utcnow()
            save(clients, record, tables)
            return

        alias = find_alias(clients, locale.bot_id, settings.alias_name)
        at[:] = [VERSION, 0.0]
        yield step("Creating a bot version")
        record.previous_version = str(alias.get("botVersion") or "")
        lock.renew()
        if record.resumed_by:  # an interrupted run may have died while Lex was creating its version
            removed = yield from remove_versions_left(lex, locale, record.deployment_id, record.previous_version,
                                                      settings, step)
            if removed:
                record.notes.append(f"Removed version {', '.join(removed)}, created by the interrupted run from "
                                    "the DRAFT as it was then")
        record.version = yield from create_version(lex, locale, alias, settings, step, record.deployment_id)
        at[:] = [ALIAS, 0.0]
        yield step(f"Pointing alias {settings.alias_name} at version {record.version}")
        lock.renew()
        move_alias(lex, alias, record.version)
        record.alias_moved = True

    at[:] = [MARK, 0.0]
    yield step("Marking the items deployed")
    marked = 0
    for item in items.values():
        if item.status == DEPLOYED:
            marked += 1  # a previous run of this deployment already did
            continue
        try:
            transition(clients, item, DEPLOYED, record.resumed_by or record.started_by, deployed_version=record.version,
                       deployment_id=record.deployment_id, tables=tables)
            marked += 1
        except (Conflict, InvalidChange) as exc:
            record.notes.append(f"'{item.text}': {exc}")
    record.items_marked = marked
    record.status, record.finished_at = SUCCEEDED, utcnow()
    save(clients, record, tables)


def _rebuild_quietly(lex: object, locale: BotLocale, record: Deployment) -> None:
    """Start building the rolled-back locale, so its DRAFT is usable (e.g. TestBotAlias) again.

    Not waited for and allowed to fail: the next deployment builds anyway.
    """
    try:
        lex.build_bot_locale(botId=locale.bot_id, botVersion="DRAFT", localeId=locale.locale_id)
        record.notes.append("The locale is being rebuilt without the new phrases")
    except (ClientError, BotoCoreError):
        record.notes.append("The locale needs a build before Lex's test alias can use it")
