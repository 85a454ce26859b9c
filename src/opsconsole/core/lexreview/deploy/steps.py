"""The Lex V2 calls a deployment is made of: merge into an intent, build, version, alias.

Each step is safe to repeat: merging skips phrases the intent already has,
removing takes out only the phrases named. The waiting steps are generators
that yield a progress report per poll, so a caller can show it and cancel.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from opsconsole.core.errors import DomainError
from opsconsole.core.lexreview.bot import DRAFT, LIVE_ALIAS, BotLocale
from opsconsole.core.lexreview.deploy.lock import DEFAULT_TTL_S
from opsconsole.core.progress import Progress
from opsconsole.core.lexreview.similarity import normalise


#: DescribeIntent answers with these, UpdateIntent does not take them back.
_READ_ONLY = frozenset({"creationDateTime", "lastUpdatedDateTime", "ResponseMetadata"})
_BUILDING = frozenset({"Building", "ReadyExpressTesting", "Processing", "Importing", "Creating"})


class BuildTimeout(DomainError, RuntimeError):
    """Lex was still building (or versioning) when we stopped waiting; the message says what to do."""

    title = "Lex took too long"


class VersionFailed(DomainError, RuntimeError):
    """Lex could not create the bot version; the locale is built and the items are still approved."""

    title = "Version not created"


@dataclass(frozen=True)
class DeploySettings:
    """Timings of a deployment; tests shorten them, nothing else should need to."""

    lock_ttl_s: float = DEFAULT_TTL_S
    #: How long to wait for another deployment of the same locale to finish (then BLOCKED).
    lock_wait_s: float = 5 * 60
    poll_first_s: float = 1.0
    poll_max_s: float = 10.0
    build_timeout_s: float = 5 * 60
    alias_name: str = LIVE_ALIAS
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    clock: Callable[[], float] = field(default=time.time, repr=False)


def _busy(exc: ClientError) -> bool:
    """Lex says another build or version of the bot is under way (ConflictException)."""
    return exc.response.get("Error", {}).get("Code") == "ConflictException"


def merge_utterances(existing: Sequence[str], new: Iterable[str]) -> tuple[list[str], list[str]]:
    """``existing`` in its order, then each new phrase it lacks (normalised); and the ones added."""
    seen = {normalise(u) for u in existing}
    merged, added = list(existing), []
    for phrase in new:
        text = " ".join(phrase.split())
        key = normalise(text)
        if key and key not in seen:
            seen.add(key)
            merged.append(text)
            added.append(text)
    return merged, added


def intent_ids(lex: Any, locale: BotLocale) -> dict[str, str]:
    """Intent name → id in the DRAFT locale, read fresh."""
    kwargs: dict[str, Any] = {"botId": locale.bot_id, "botVersion": DRAFT, "localeId": locale.locale_id,
                              "maxResults": 100}
    found: dict[str, str] = {}
    # A loop, not a paginator: botocore ships no paginators for lexv2-models.
    while True:
        out = lex.list_intents(**kwargs)
        for summary in out.get("intentSummaries", []):
            found[summary["intentName"]] = summary["intentId"]
        if not out.get("nextToken"):
            return found
        kwargs["nextToken"] = out["nextToken"]


def _update_request(lex: Any, described: dict[str, Any], utterances: Sequence[str]) -> dict[str, Any]:
    """An UpdateIntent request that keeps everything the intent had but the utterances.

    UpdateIntent replaces the whole intent, so every field DescribeIntent gave
    (slots priorities, hooks, contexts, prompts) goes back as it was.
    """
    accepted = lex.meta.service_model.operation_model("UpdateIntent").input_shape.members
    request = {k: v for k, v in described.items() if k in accepted and k not in _READ_ONLY and v is not None}
    request["sampleUtterances"] = [{"utterance": u} for u in utterances]
    return request


def _describe(lex: Any, locale: BotLocale, intent_id: str) -> dict[str, Any]:
    return lex.describe_intent(intentId=intent_id, botId=locale.bot_id, botVersion=DRAFT, localeId=locale.locale_id)


def set_utterances(lex: Any, locale: BotLocale, intent_id: str, utterances: Sequence[str]) -> None:
    """Make the DRAFT intent's sample utterances exactly ``utterances``, the rest of it untouched."""
    lex.update_intent(**_update_request(lex, _describe(lex, locale, intent_id), utterances))


def merge_into_intent(lex: Any, locale: BotLocale, intent_id: str, phrases: Iterable[str]) -> list[str]:
    """DescribeIntent → merge → UpdateIntent (skipped when nothing is new); the phrases added."""
    described = _describe(lex, locale, intent_id)
    existing = [u["utterance"] for u in described.get("sampleUtterances") or [] if u.get("utterance")]
    merged, added = merge_utterances(existing, phrases)
    if added:
        lex.update_intent(**_update_request(lex, described, merged))
    return added


def remove_from_intent(lex: Any, locale: BotLocale, intent_id: str, phrases: Iterable[str]) -> list[str]:
    """Take ``phrases`` (normalised match) out of the intent's sample utterances; the ones removed."""
    unwanted = {normalise(p) for p in phrases}
    described = _describe(lex, locale, intent_id)
    existing = [u["utterance"] for u in described.get("sampleUtterances") or [] if u.get("utterance")]
    kept = [u for u in existing if normalise(u) not in unwanted]
    if len(kept) != len(existing):
        lex.update_intent(**_update_request(lex, described, kept))
    return [u for u in existing if normalise(u) in unwanted]


def _poll(
    settings: DeploySettings, check: Callable[[], tuple[bool, Any]], report: Callable[[float, Any], Progress],
    timeout_s: float, what: str,
) -> Generator[Progress, None, Any]:
    """Call ``check`` with backoff until it says done; a progress report between polls."""
    began = settings.clock()
    delay = settings.poll_first_s
    while True:
        finished, value = check()
        if finished:
            return value
        elapsed = settings.clock() - began
        if elapsed >= timeout_s:
            raise BuildTimeout(f"{what} did not finish within {timeout_s:.0f} s; "
                               "try again once Lex shows it finished")
        yield report(elapsed, value)
        settings.sleep(delay)
        delay = min(delay * 1.5, settings.poll_max_s)


def build(
    lex: Any, locale: BotLocale, settings: DeploySettings, step: Callable[..., Progress]
) -> Generator[Progress, None, dict[str, Any]]:
    """BuildBotLocale, then poll DescribeBotLocale until Built or Failed; its last answer.

    A build already running (someone built the locale from Lex's console) is
    waited for first: its result would not include our phrases.
    """

    def start() -> tuple[bool, Any]:
        try:
            lex.build_bot_locale(botId=locale.bot_id, botVersion=DRAFT, localeId=locale.locale_id)
        except ClientError as exc:
            if not _busy(exc):
                raise
            return False, "another build"
        return True, None

    yield from _poll(settings, start, lambda elapsed, _v: step(
        f"Waiting for another build of {locale.label} to end: {elapsed:.0f} s", elapsed),
        settings.build_timeout_s, f"The other build of {locale.label}")

    def check() -> tuple[bool, Any]:
        out = lex.describe_bot_locale(botId=locale.bot_id, botVersion=DRAFT, localeId=locale.locale_id)
        return out.get("botLocaleStatus") not in _BUILDING, out

    def report(elapsed: float, out: Any) -> Progress:
        return step(f"Building {locale.label}: {out.get('botLocaleStatus', '…')} for {elapsed:.0f} s", elapsed)

    return (yield from _poll(settings, check, report, settings.build_timeout_s, f"The build of {locale.label}"))


def version_description(locale_id: str, deployment_id: str) -> str:
    """What a deployment writes on the version it creates: how a resumed run finds what it left behind."""
    return f"{locale_id}: reviewed phrases (deployment {deployment_id})"[:200]  # (Lex: at most 200 characters)


def versions_left_by(lex: Any, locale: BotLocale, deployment_id: str) -> list[tuple[str, str]]:
    """(version, status) of the versions an earlier run of this deployment created, newest first."""
    mark = version_description(locale.locale_id, deployment_id)
    found: list[tuple[str, str]] = []
    token = None
    for _page in range(20):  # newest first: an interrupted run's version is among the latest
        listed = lex.list_bot_versions(botId=locale.bot_id, maxResults=50,
                                       sortBy={"attribute": "BotVersion", "order": "Descending"},
                                       **({"nextToken": token} if token else {}))
        found += [(str(v["botVersion"]), v.get("botStatus", "")) for v in listed.get("botVersionSummaries", [])
                  if v.get("description") == mark]
        token = listed.get("nextToken")
        if not token:
            break
    return found


def remove_versions_left(
    lex: Any, locale: BotLocale, deployment_id: str, live: str, settings: DeploySettings,
    step: Callable[..., Progress],
) -> Generator[Progress, None, list[str]]:
    """Delete the versions an interrupted run of this deployment created and never made live.

    A console that died while Lex was creating its version left that version
    behind, made from a DRAFT this run may have changed since: the resumed run
    creates its own from the DRAFT as it is now, and this one would only sit
    in the bot's version list (and count against its version quota).
    """
    removed: list[str] = []
    for version, _status in versions_left_by(lex, locale, deployment_id):
        if version == live:
            continue  # the alias serves it: never removed from under callers

        def settled(version: str = version) -> tuple[bool, Any]:
            status = lex.describe_bot_version(botId=locale.bot_id, botVersion=version).get("botStatus", "")
            return status not in ("Creating", "Versioning"), status

        yield from _poll(settings, settled, lambda elapsed, status, version=version: step(
            f"Waiting for version {version}, left by the interrupted run, to finish ({str(status).lower()}): "
            f"{elapsed:.0f} s", elapsed), settings.build_timeout_s, f"Version {version}")
        try:
            lex.delete_bot_version(botId=locale.bot_id, botVersion=version)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                raise
        removed.append(version)
    return removed


def create_version(
    lex: Any, locale: BotLocale, alias: dict[str, Any], settings: DeploySettings, step: Callable[..., Progress],
    deployment_id: str = "",
) -> Generator[Progress, None, str]:
    """CreateBotVersion and wait until it is Available; the new version number.

    The version takes this locale from DRAFT and every other locale from the
    version the alias serves now, so publishing one locale never ships
    another locale's untested DRAFT (nor drops it from the live bot). Its
    description names the deployment (:func:`versions_left_by`).
    """
    current = str(alias.get("botVersion") or "")
    spec = {locale.locale_id: {"sourceBotVersion": DRAFT}}
    if current and current != DRAFT:
        others = lex.list_bot_locales(botId=locale.bot_id, botVersion=current, maxResults=100)
        for summary in others.get("botLocaleSummaries", []):
            spec.setdefault(summary["localeId"], {"sourceBotVersion": current})

    def start() -> tuple[bool, Any]:
        try:
            return True, lex.create_bot_version(
                botId=locale.bot_id,
                description=version_description(locale.locale_id, deployment_id),
                botVersionLocaleSpecification=spec,
            )
        except ClientError as exc:
            # One version of a bot at a time: another locale's deployment may be publishing.
            if not _busy(exc):
                raise
            return False, None

    out = yield from _poll(settings, start, lambda elapsed, _v: step(
        f"Waiting for another version of {locale.bot_name} to be created: {elapsed:.0f} s", elapsed),
        settings.build_timeout_s, f"Another version of {locale.bot_name}")
    version = str(out["botVersion"])
    if out.get("botStatus") == "Available":
        return version

    def check() -> tuple[bool, Any]:
        listed = lex.list_bot_versions(botId=locale.bot_id, maxResults=50,
                                       sortBy={"attribute": "BotVersion", "order": "Descending"})
        for summary in listed.get("botVersionSummaries", []):
            if str(summary.get("botVersion")) == version:
                status = summary.get("botStatus", "")
                if status == "Failed":
                    raise VersionFailed(f"Lex could not create version {version}; "
                                        "resume the deployment to try again")
                return status == "Available", status
        return False, "Versioning"

    def report(elapsed: float, status: Any) -> Progress:
        return step(f"Creating a bot version: version {version} {str(status).lower()} for {elapsed:.0f} s",
                    elapsed)

    yield from _poll(settings, check, report, settings.build_timeout_s, f"Version {version}")
    return version


def move_alias(lex: Any, alias: dict[str, Any], version: str) -> None:
    """UpdateBotAlias to ``version``, keeping every other setting of the alias as it was."""
    keep = ("botAliasName", "description", "botAliasLocaleSettings", "conversationLogSettings",
            "sentimentAnalysisSettings")
    request = {k: alias[k] for k in keep if alias.get(k) is not None}
    lex.update_bot_alias(botId=alias["botId"], botAliasId=alias["botAliasId"], botVersion=version, **request)
