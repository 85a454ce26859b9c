"""The stored bot/customer conversations of workflow 3: one item per contact in ``lex-conversations``.

Every conversation reached an agent (that is why an agent reviews it): the
bot greets, the customer asks one to five things, each customer turn marked
with the intent Lex recognised or as missed (``FallbackIntent``), and the bot
answers, falls back, or hands over. Voice turns are speech-to-text
transcripts (lower case, no punctuation); chat turns are typed as is, with
emoji and other scripts. Deterministic for a seed: the clock only moves the
start times.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import uuid
from typing import Any

from opsconsole.sandbox.scenario.lexreview.phrases import FALLBACK, GREETING, HANDOFF, INTENTS
from opsconsole.sandbox.scenario.lexreview.utterances import CHAT_ONLY, LONG, MISSED, RECOGNISED

#: conversations seeded; spread over the last 14 days (Lex keeps 15 days of statistics)
COUNT = 340
DAYS = 14
#: agent logins; the Spanish-speaking ones take the es_US contacts
AGENTS = {
    "en_US": ("maria.lopez", "james.chen", "aisha.khan", "david.miller", "li.wei", "omar.haddad",
              "emma.johnson", "noa.levi", "tom.brennan"),
    "es_US": ("maria.lopez", "carlos.mendez", "sofia.rossi", "lucia.fernandez"),
}
FALLBACK_INTENT = "FallbackIntent"
#: hours (UTC) weighted like a US contact center's day
_HOUR_WEIGHTS = [3, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 4, 8, 10, 11, 11, 10, 10, 9, 8, 7, 6, 4]
_REPLIES = {spec.name: spec.reply for spec in INTENTS}


def started_times(rng: random.Random, now: dt.datetime, count: int) -> list[dt.datetime]:
    """Start times, newest first; the newest within the last hour."""
    times = [now - dt.timedelta(minutes=rng.uniform(3, 50))]
    oldest = now - dt.timedelta(days=DAYS) + dt.timedelta(minutes=30)
    while len(times) < count:
        day = now - dt.timedelta(days=rng.randrange(DAYS))
        hour = rng.choices(range(24), _HOUR_WEIGHTS)[0]
        when = day.replace(hour=hour, minute=rng.randrange(60), second=rng.randrange(60), microsecond=0)
        if when >= now:
            when -= dt.timedelta(days=1)
        if when > oldest:
            times.append(when)
    return sorted(times, reverse=True)


def spoken(text: str) -> str:
    """A speech-to-text transcript of ``text``: lower case, no punctuation."""
    return " ".join(re.sub(r"[^\w\s']", " ", text.lower()).split())


def typed(rng: random.Random, text: str) -> str:
    roll = rng.random()
    if roll < 0.2:
        return text.lower()
    if roll < 0.28:
        return text.rstrip("?.!") + rng.choice(("??", "!", "..."))
    return text


def _weighted(rng: random.Random, phrases: tuple[tuple[str, str | None, int], ...]) -> tuple[str, str | None]:
    text, intent, _ = rng.choices(phrases, [weight for _, _, weight in phrases])[0]
    return text, intent


def customer_turn(rng: random.Random, locale: str, channel: str, missed: bool) -> tuple[str, str | None]:
    """What the customer said and the intent Lex recognised (None: missed)."""
    if missed:
        roll = rng.random()
        if roll < 0.07:
            text, _ = _weighted(rng, LONG[locale])
        elif channel == "chat" and roll < 0.32:
            return _weighted(rng, CHAT_ONLY[locale])[0], None  # typed exactly so
        else:
            text, _ = _weighted(rng, MISSED[locale])
        return (spoken(text) if channel == "voice" else typed(rng, text)), None
    intent = rng.choice(sorted(RECOGNISED[locale]))
    text = rng.choice(RECOGNISED[locale][intent])
    return (spoken(text) if channel == "voice" else typed(rng, text)), intent


def conversation(rng: random.Random, locale: str, channel: str) -> list[dict[str, Any]]:
    """The turns of one conversation, ending with the hand-over to an agent."""
    turns: list[dict[str, Any]] = [{"speaker": "bot", "text": GREETING[locale]}]
    asks = rng.choices((1, 2, 3, 4, 5), (18, 34, 26, 14, 8))[0]
    forced_miss = rng.randrange(asks) if rng.random() < 0.8 else -1
    in_a_row = 0
    for ask in range(asks):
        missed = ask == forced_miss or rng.random() < 0.35
        text, intent = customer_turn(rng, locale, channel, missed)
        turn: dict[str, Any] = {"speaker": "customer", "text": text, "intent": intent or FALLBACK_INTENT,
                                "missed": intent is None}
        if intent is not None:
            turn["confidence"] = round(rng.uniform(0.72, 0.99), 2)
        turns.append(turn)
        if intent is None:
            in_a_row += 1
            if in_a_row == 2:
                break
            turns.append({"speaker": "bot", "text": FALLBACK[locale][0]})
            continue
        in_a_row = 0
        if intent == "SpeakToAgent":
            break
        turns.append({"speaker": "bot", "text": _REPLIES[intent][locale]})
    if turns[-1]["speaker"] == "customer" and turns[-1]["missed"]:
        turns.append({"speaker": "bot", "text": FALLBACK[locale][1]})
    turns.append({"speaker": "bot", "text": HANDOFF[locale]})
    for index, turn in enumerate(turns):
        turn["index"] = index
    return turns


def conversations(seed_value: int, now: dt.datetime, bot_id: str, alias_id: str, bot_version: str,
                  bot_name: str, count: int = COUNT) -> list[dict[str, Any]]:
    """Every seeded conversation as a plain row of ``lex-conversations`` (pure: same input, same rows)."""
    rng = random.Random(f"{seed_value}:lex-conversations")
    # times from their own generator: the same seed says the same things whatever the clock
    times = started_times(random.Random(f"{seed_value}:lex-times"), now, count)
    rows = []
    for started in times:
        locale = "es_US" if rng.random() < 0.2 else "en_US"
        channel = "chat" if rng.random() < 0.45 else "voice"
        turns = conversation(rng, locale, channel)
        rows.append({
            "contact_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "bot_id": bot_id, "bot_name": bot_name, "bot_alias_id": alias_id, "bot_version": bot_version,
            "locale_id": locale, "agent": rng.choice(AGENTS[locale]), "channel": channel,
            "started_at": started.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "turns": turns, "triage_status": "NEW",
            "missed_count": sum(1 for t in turns if t.get("missed")),
        })
    return rows
