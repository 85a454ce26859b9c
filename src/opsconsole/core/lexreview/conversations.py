"""Conversations with missed turns, as agents triage them: one item per contact in ``lex-conversations``.

Listed newest first through the triage-status index (a Query per status, one
page per call), so the agent's queue never scans the table.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from opsconsole.core.aws import Clients
from opsconsole.core.lexreview.store import (
    TABLES,
    Tables,
    from_attrs,
    merge_newest,
    parse_time,
    query_pages,
    to_attrs,
    values,
)
from opsconsole.core.lexreview.tables import CONVERSATIONS_BY_TRIAGE

# Conversation triage statuses: only NEW ones are waiting for an agent.
TRIAGE_NEW = "NEW"
TRIAGE_FORWARDED = "FORWARDED"
TRIAGE_NOTHING = "NOTHING_TO_LEARN"


@dataclass(frozen=True)
class Turn:
    """One utterance of a conversation; ``missed`` when the bot fell back."""

    index: int
    speaker: str  # "customer" | "bot"
    text: str
    intent: str = ""
    missed: bool = False
    confidence: float | None = None


@dataclass(frozen=True)
class Conversation:
    """A stored transcript with its triage state."""

    contact_id: str
    bot_id: str
    bot_name: str
    locale_id: str
    agent: str
    channel: str
    started_at: datetime
    turns: tuple[Turn, ...]
    triage_status: str = TRIAGE_NEW
    missed_count: int = 0
    triaged_by: str = ""
    triaged_at: datetime | None = None

    @property
    def missed_turns(self) -> list[Turn]:
        """The turns the bot fell back on, in order."""
        return [t for t in self.turns if t.missed]

    @property
    def triaged(self) -> bool:
        """An agent has closed it (forwarded, or nothing to learn)."""
        return self.triage_status != TRIAGE_NEW

    @classmethod
    def from_record(cls, rec: Mapping[str, Any]) -> Conversation:
        """From a ``lex-conversations`` item (plain values)."""
        turns = tuple(
            Turn(
                index=int(t.get("index", i)),
                speaker=str(t.get("speaker", "customer")),
                text=str(t.get("text", "")),
                intent=str(t.get("intent", "") or ""),
                missed=bool(t.get("missed", False)),
                confidence=float(t["confidence"]) if t.get("confidence") is not None else None,
            )
            for i, t in enumerate(rec.get("turns") or [])
        )
        turns = tuple(sorted(turns, key=lambda t: t.index))
        return cls(
            contact_id=str(rec["contact_id"]),
            bot_id=str(rec.get("bot_id", "")),
            bot_name=str(rec.get("bot_name", "")),
            locale_id=str(rec.get("locale_id", "")),
            agent=str(rec.get("agent", "")),
            channel=str(rec.get("channel", "")),
            started_at=parse_time(rec.get("started_at")) or datetime.fromtimestamp(0, timezone.utc),
            turns=turns,
            triage_status=str(rec.get("triage_status") or TRIAGE_NEW),
            missed_count=int(rec.get("missed_count", sum(t.missed for t in turns))),
            triaged_by=str(rec.get("triaged_by", "")),
            triaged_at=parse_time(rec.get("triaged_at")),
        )


def iter_conversations(
    clients: Clients,
    *,
    include_triaged: bool = False,
    bot_id: str | None = None,
    locale_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    page_size: int = 500,
    tables: Tables = TABLES,
) -> Iterator[list[Conversation]]:
    """Conversations with at least one missed turn, newest first, one Query page per yield.

    A Query on the triage-status index (``NEW``; with ``include_triaged`` the
    closed statuses too, merged newest first), the time range in the key
    condition. Missed turns, bot and locale are filtered by DynamoDB; the
    exact time range again here, on parsed times, because stored timestamps
    need not share one ISO spelling ("Z" or "+00:00"). Pages may be empty.
    """
    ddb = clients.client("dynamodb")
    statuses = [TRIAGE_NEW, TRIAGE_FORWARDED, TRIAGE_NOTHING] if include_triaged else [TRIAGE_NEW]
    key = "#pk = :v_status"
    bounds: dict[str, Any] = {}
    # Second-precision bounds without a zone suffix: every spelling of a time in range sorts inside them.
    if since is not None:
        bounds["v_lo"] = since.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    if until is not None:
        bounds["v_hi"] = until.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S") + "~"
    if since is not None and until is not None:
        key += " AND #sk BETWEEN :v_lo AND :v_hi"
    elif bounds:
        key += " AND #sk >= :v_lo" if since is not None else " AND #sk <= :v_hi"
    conds = ["missed_count > :v_zero"]
    vals: dict[str, Any] = {"v_zero": 0, **bounds}
    if bot_id:
        conds.append("bot_id = :v_bot")
        vals["v_bot"] = bot_id
    if locale_id:
        conds.append("locale_id = :v_locale")
        vals["v_locale"] = locale_id
    names = {"#pk": "triage_status", **({"#sk": "started_at"} if bounds else {})}

    def in_range(c: Conversation) -> bool:
        return (since is None or c.started_at >= since) and (until is None or c.started_at < until)

    def pages(status: str) -> Iterator[list[tuple[str, Conversation]]]:
        for page in query_pages(
            ddb, page_size, Conversation.from_record, "started_at", TableName=tables.conversations,
            IndexName=CONVERSATIONS_BY_TRIAGE, ScanIndexForward=False, KeyConditionExpression=key,
            FilterExpression=" AND ".join(conds), ExpressionAttributeNames=names,
            ExpressionAttributeValues=values(v_status=status, **vals),
        ):
            yield [(k, c) for k, c in page if in_range(c)]

    yield from merge_newest([pages(status) for status in statuses])


def get_conversation(clients: Clients, contact_id: str, tables: Tables = TABLES) -> Conversation | None:
    """One conversation by contact id (strongly consistent), or None."""
    out = clients.client("dynamodb").get_item(
        TableName=tables.conversations, Key=to_attrs({"contact_id": contact_id}), ConsistentRead=True
    )
    return Conversation.from_record(from_attrs(out["Item"])) if out.get("Item") else None
