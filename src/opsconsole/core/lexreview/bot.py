"""What the review workflow reads from Lex V2: bots, locales, intents and their samples, analytics.

All reads use the ``lexv2-models`` API on the DRAFT version, which is what a
deployment edits. Lex's own missed-utterance statistics
(ListAggregatedUtterances) can be pulled into the review queue as items.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from opsconsole.core.aws import Clients
from opsconsole.core.errors import DomainError
from opsconsole.core.lexreview.triage import SOURCE_ANALYTICS, Phrase, ReviewItem, new_item
from opsconsole.core.lexreview.store import TABLES, Tables, is_condition_failure, to_attrs
from opsconsole.core.lexreview.similarity import IntentIndex, normalise

DRAFT = "DRAFT"
LIVE_ALIAS = "live"
#: Lex V2 names its fallback this way; nothing is ever taught to it.
FALLBACK_SIGNATURE = "AMAZON.FallbackIntent"
#: DescribeIntent calls in flight at once while a locale's intents load.
_DESCRIBE_FANOUT = 4
#: Stable ids for analytics items, so pulling twice never queues a phrase twice.
_ANALYTICS_NAMESPACE = uuid.UUID("6f1c1e9a-4d0b-4f53-9a57-0d7f3b1f2c11")


@dataclass(frozen=True)
class BotLocale:
    """One locale of one bot: what a deployment builds and publishes."""

    bot_id: str
    bot_name: str
    locale_id: str
    locale_name: str = ""

    @property
    def key(self) -> tuple[str, str]:
        """(bot id, locale id): how locales are told apart."""
        return (self.bot_id, self.locale_id)

    @property
    def label(self) -> str:
        """'BankingHelpDesk · en_US'."""
        return f"{self.bot_name} · {self.locale_id}"


@dataclass(frozen=True)
class Intent:
    """An intent of a bot locale and its sample utterances (DRAFT)."""

    intent_id: str
    name: str
    utterances: tuple[str, ...] = ()
    fallback: bool = False
    #: ListIntents' lastUpdatedDateTime: an unchanged intent need not be described again.
    updated: datetime | None = None


@dataclass
class LocaleModel:
    """The intents of one bot locale, with a similarity index over their samples."""

    locale: BotLocale
    intents: dict[str, Intent] = field(default_factory=dict)
    #: ``{intent: phrases}`` reviewers approved before (see core.lexreview.ranking): ranked on like samples.
    approved: dict[str, list[str]] = field(default_factory=dict)
    _index: IntentIndex | None = field(default=None, repr=False)

    def utterances(self) -> dict[str, list[str]]:
        """``{intent name: sample utterances}``, the fallback left out."""
        return {n: list(i.utterances) for n, i in self.intents.items() if not i.fallback}

    def intent_names(self) -> list[str]:
        """The intents an agent may pick (the fallback left out), alphabetically."""
        return sorted((n for n, i in self.intents.items() if not i.fallback), key=str.casefold)

    @property
    def index(self) -> IntentIndex:
        if self._index is None:
            self._index = IntentIndex(self.utterances(), self.approved)
        return self._index

    def rank(self, phrase: str) -> list[tuple[str, float]]:
        """Intents most likely meant by ``phrase`` first."""
        return self.index.rank(phrase)


def _pages(call: Any, key: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
    """Every summary of a Lex V2 list call, following ``nextToken``."""
    # A loop, not a paginator: botocore ships no paginators for lexv2-models (can_paginate is False for all).
    while True:
        out = call(**kwargs)
        yield from out.get(key, [])
        token = out.get("nextToken")
        if not token:
            return
        kwargs["nextToken"] = token


def list_bot_locales(clients: Clients) -> list[BotLocale]:
    """Every locale of every bot in the account and region, by bot name then locale."""
    lex = clients.client("lexv2-models")
    found: list[BotLocale] = []
    for bot in _pages(lex.list_bots, "botSummaries", maxResults=100):
        bot_id, bot_name = bot["botId"], bot.get("botName", bot["botId"])
        for loc in _pages(lex.list_bot_locales, "botLocaleSummaries", botId=bot_id, botVersion=DRAFT, maxResults=100):
            found.append(BotLocale(bot_id, bot_name, loc["localeId"], loc.get("localeName", "")))
    found.sort(key=lambda b: (b.bot_name.casefold(), b.locale_id))
    return found


def load_locale_model(clients: Clients, locale: BotLocale, version: str = DRAFT,
                      previous: LocaleModel | None = None) -> LocaleModel:
    """The intents of ``locale`` with their sample utterances (one DescribeIntent each, a few at a time).

    With ``previous`` (the same locale loaded before) only intents that are new
    or changed since (ListIntents' ``lastUpdatedDateTime``) are described again:
    a refresh of an unchanged locale is one call.
    """
    lex = clients.client("lexv2-models")
    model = LocaleModel(locale)
    known = {i.intent_id: i for i in previous.intents.values()} if previous is not None else {}
    summaries = _pages(
        lex.list_intents, "intentSummaries", botId=locale.bot_id, botVersion=version, localeId=locale.locale_id,
        maxResults=100,
    )
    listed: list[tuple[dict[str, Any], Intent | None]] = []  # in ListIntents' order, with the unchanged intent
    for summary in summaries:
        updated = summary.get("lastUpdatedDateTime")
        old = known.get(summary["intentId"])
        listed.append((summary, old if old is not None and updated is not None and old.updated == updated else None))
    todo = [summary for summary, old in listed if old is None]

    def describe(summary: dict[str, Any]) -> Intent:
        detail = lex.describe_intent(
            intentId=summary["intentId"], botId=locale.bot_id, botVersion=version, localeId=locale.locale_id
        )
        name = detail.get("intentName", summary.get("intentName", ""))
        return Intent(
            intent_id=summary["intentId"],
            name=name,
            utterances=tuple(u["utterance"] for u in detail.get("sampleUtterances") or [] if u.get("utterance")),
            fallback=detail.get("parentIntentSignature") == FALLBACK_SIGNATURE or name == "FallbackIntent",
            updated=summary.get("lastUpdatedDateTime"),
        )

    # A few DescribeIntent calls side by side: a locale of 12 intents is 3 round trips, not 12
    # (the agent is waiting for it); few enough to stay clear of Lex's model-building rate.
    if len(todo) > 1:
        with ThreadPoolExecutor(max_workers=min(_DESCRIBE_FANOUT, len(todo)),
                                thread_name_prefix="DescribeIntent") as pool:
            described = list(pool.map(describe, todo))
    else:
        described = [describe(summary) for summary in todo]
    fresh = iter(described)
    for _summary, old in listed:
        intent = old if old is not None else next(fresh)
        model.intents[intent.name] = intent
    return model


class AliasMissing(DomainError, LookupError):
    """The bot has no alias of the name the console publishes to (and pulls analytics from)."""

    title = "Alias missing"


def find_alias(clients: Clients, bot_id: str, name: str = LIVE_ALIAS) -> dict[str, Any]:
    """The alias called ``name`` (DescribeBotAlias shape); raises :class:`AliasMissing` (a LookupError) if none."""
    lex = clients.client("lexv2-models")
    for summary in _pages(lex.list_bot_aliases, "botAliasSummaries", botId=bot_id, maxResults=50):
        if summary.get("botAliasName") == name:
            return lex.describe_bot_alias(botId=bot_id, botAliasId=summary["botAliasId"])
    raise AliasMissing(f"The bot has no alias called '{name}': create it in Lex, then try again")


@dataclass
class AnalyticsPull:
    """What pulling Lex's missed utterances did."""

    added: list[ReviewItem] = field(default_factory=list)
    already_queued: int = 0
    already_samples: int = 0

    @property
    def summary(self) -> str:
        """'5 missed utterances added, 2 already in the queue'."""
        text = f"{len(self.added)} missed utterance{'s' if len(self.added) != 1 else ''} added"
        if self.already_queued:
            text += f", {self.already_queued} already in the queue"
        if self.already_samples:
            text += f", {self.already_samples} already sample utterances"
        return text


def analytics_item_id(bot_id: str, locale_id: str, utterance: str) -> str:
    """The item id a Lex-analytics utterance always gets (the same text, the same id)."""
    return str(uuid.uuid5(_ANALYTICS_NAMESPACE, f"{bot_id}/{locale_id}/{normalise(utterance)}"))


def pull_lex_analytics(
    clients: Clients,
    locale: BotLocale,
    by: str,
    *,
    alias_name: str = LIVE_ALIAS,
    model: LocaleModel | None = None,
    max_items: int = 100,
    now: datetime | None = None,
    tables: Tables = TABLES,
) -> AnalyticsPull:
    """Queue Lex's ``max_items`` most-missed utterances of the last two weeks as PENDING items.

    Items get no intent (a reviewer moves each to the right one before
    approving); utterances that already are sample utterances are skipped, and
    an utterance already queued, in any state, is not queued again.
    """
    lex = clients.client("lexv2-models")
    alias = find_alias(clients, locale.bot_id, alias_name)
    model = model or load_locale_model(clients, locale)
    known = {normalise(u) for utterances in model.utterances().values() for u in utterances}
    result = AnalyticsPull()
    ddb = clients.client("dynamodb")
    summaries = _pages(
        lex.list_aggregated_utterances,
        "aggregatedUtterancesSummaries",
        botId=locale.bot_id,
        botAliasId=alias["botAliasId"],
        localeId=locale.locale_id,
        # Lex keeps 15 days; two weeks is the longest window the API offers within it.
        aggregationDuration={"relativeAggregationDuration": {"timeDimension": "Weeks", "timeValue": 2}},
        sortBy={"attribute": "MissedCount", "order": "Descending"},
        maxResults=min(max_items, 1000),
    )
    considered = 0
    for summary in summaries:
        missed = int(summary.get("missedCount") or 0)
        text = summary.get("utterance", "")
        # Sorted by missed count: past zero the rest were understood. Only the top
        # ``max_items`` are looked at, so pulling again never creeps down the long tail.
        if missed <= 0 or considered >= max_items:
            break
        considered += 1
        if not normalise(text):
            continue
        if normalise(text) in known:
            result.already_samples += 1
            continue
        item = new_item(
            Phrase(text, ""),
            bot_id=locale.bot_id,
            bot_name=locale.bot_name,
            locale_id=locale.locale_id,
            by=by,
            source=SOURCE_ANALYTICS,
            now=now,
            item_id=analytics_item_id(locale.bot_id, locale.locale_id, text),
            missed_count=missed,
        )
        try:
            ddb.put_item(
                TableName=tables.items,
                Item=to_attrs(item.to_record()),
                ConditionExpression="attribute_not_exists(item_id)",
            )
        except ClientError as exc:
            if not is_condition_failure(exc):
                raise
            result.already_queued += 1
            continue
        result.added.append(item)
    return result
