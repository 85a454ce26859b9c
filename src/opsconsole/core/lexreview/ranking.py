"""How well the agent's intent ranking guesses, and the labelled data it learns from.

The review history is labelled data: every approved (or deployed) review item
says "this phrasing meant that intent". :func:`approved_phrases` reads it for
one bot locale; :class:`~opsconsole.core.lexreview.similarity.IntentIndex` ranks
with it. :func:`evaluate` measures top-1 / top-3 per locale on a held-out split
of labelled phrases (:func:`held_out_split`: whole conversations go to one side,
so a conversation's phrases never teach the ranking that is then asked about
them).
"""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from opsconsole.core.aws import Clients
from opsconsole.core.lexreview.bot import BotLocale, LocaleModel, load_locale_model
from opsconsole.core.lexreview.items import iter_review_items
from opsconsole.core.lexreview.similarity import IntentIndex, normalise
from opsconsole.core.lexreview.store import TABLES, Tables
from opsconsole.core.lexreview.triage import APPROVED, DEPLOYED

#: Review items whose intent a reviewer confirmed.
LABELLED_STATUSES = (APPROVED, DEPLOYED)


def approved_phrases(clients: Clients, bot_id: str, locale_id: str, *, tables: Tables = TABLES,
                     per_intent: int = 100, limit: int = 5000) -> dict[str, list[str]]:
    """``{intent: texts}`` of the locale's approved and deployed review items, newest first.

    Distinct texts only (as :func:`normalise` compares them), at most
    ``per_intent`` per intent and ``limit`` items read: ranking a phrase
    compares it with each of them on the GUI thread, as the agent types.
    One Query stream per status on the locale index (nothing scans the table).
    """
    found: dict[str, list[str]] = {}
    seen: set[tuple[str, str]] = set()
    read = 0
    for page in iter_review_items(clients, statuses=LABELLED_STATUSES, bot_id=bot_id, locale_id=locale_id,
                                  tables=tables):
        for item in page:
            key = (item.intent_name, normalise(item.text))
            texts = found.setdefault(item.intent_name, []) if item.intent_name else []
            if item.intent_name and key[1] and key not in seen and len(texts) < per_intent:
                seen.add(key)
                texts.append(item.text)
        read += len(page)
        if read >= limit:
            break
    return {intent: texts for intent, texts in found.items() if texts}


@dataclass(frozen=True)
class LabelledPhrase:
    """A customer's phrasing and the intent a reviewer said it meant; ``group`` is its conversation."""

    locale_id: str
    text: str
    intent: str
    group: str = ""


@dataclass(frozen=True)
class RankingScore:
    """Top-1 and top-3 accuracy of one locale's ranking on ``n`` held-out phrases."""

    locale_id: str
    n: int
    top1: float
    top3: float


def held_out_split(examples: Iterable[LabelledPhrase], test_share: float = 0.3, *,
                   by: str = "group") -> tuple[list[LabelledPhrase], list[LabelledPhrase]]:
    """(train, test): a stable split (a hash, not a random draw) by conversation (``by="group"``) or by text.

    By conversation is what an agent meets: phrasings come back from call to
    call, so a phrase may be in the history already. By text (``by="text"``)
    every test phrasing is new to the ranking: how it generalises.
    """
    train: list[LabelledPhrase] = []
    test: list[LabelledPhrase] = []
    for ex in examples:
        key = ex.group if by == "group" else " ".join(ex.text.casefold().split())
        bucket = int.from_bytes(hashlib.sha256(f"{ex.locale_id}:{key}".encode()).digest()[:4], "big") / 2**32
        (test if bucket < test_share else train).append(ex)
    return train, test


def evaluate(samples: Mapping[str, Mapping[str, Sequence[str]]], train: Sequence[LabelledPhrase],
             test: Sequence[LabelledPhrase], *, use_history: bool = True) -> list[RankingScore]:
    """Per locale: how often the right intent is ranked first, and among the first three.

    ``samples`` is ``{locale: {intent: sample utterances}}``; ``train`` plays the
    approved review history (left out with ``use_history=False``, the samples
    alone); ``test`` is what is asked. Test phrases of intents the locale does
    not have are skipped.
    """
    scores = []
    for locale_id in sorted({ex.locale_id for ex in test}):
        intents = samples.get(locale_id, {})
        approved: dict[str, list[str]] = {}
        if use_history:
            for ex in train:
                if ex.locale_id == locale_id:
                    approved.setdefault(ex.intent, []).append(ex.text)
        index = IntentIndex(intents, approved)
        n = top1 = top3 = 0
        for ex in test:
            if ex.locale_id != locale_id or ex.intent not in intents:
                continue
            names = [name for name, _score in index.rank(ex.text)[:3]]
            n += 1
            top1 += names[:1] == [ex.intent]
            top3 += ex.intent in names
        scores.append(RankingScore(locale_id, n, top1 / n if n else 0.0, top3 / n if n else 0.0))
    return scores


def load_ranking_model(clients: Clients, locale: BotLocale, previous: LocaleModel | None = None,
                       *, tables: Tables = TABLES) -> LocaleModel:
    """The locale's intents (only changed ones described again, see :func:`load_locale_model`) and its approved phrases.

    The two are read side by side (Lex and DynamoDB): the agent may be waiting for this locale.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ApprovedPhrases") as pool:
        approved = pool.submit(approved_phrases, clients, locale.bot_id, locale.locale_id, tables=tables)
        model = load_locale_model(clients, locale, previous=previous)
        model.approved = approved.result()
    model.index  # noqa: B018 - built here, on the worker: the first ranking on screen costs nothing extra
    return model
