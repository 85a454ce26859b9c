"""Missed-utterance triage: the review items agents submit, and closing a conversation.

What an agent forwards from a conversation (:mod:`.conversations`) becomes a
:class:`ReviewItem` in ``lex-review-items``. Every write here is
conditional, so two people acting on the same thing at once never both win
silently: the loser gets a :class:`Conflict` that says what happened.
State changes of review items are in :mod:`opsconsole.core.lexreview.items`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime, timezone
from typing import Any

from botocore.exceptions import ClientError

from opsconsole.core.aws import Clients
from opsconsole.core.lexreview.conversations import (
    TRIAGE_FORWARDED,
    TRIAGE_NEW,
    TRIAGE_NOTHING,
    Conversation,
    get_conversation,
)
from opsconsole.core.writes import ApiCall, Conflict
from opsconsole.core.lexreview.store import (
    TABLES,
    Tables,
    is_condition_failure,
    iso,
    parse_time,
    to_attrs,
    utcnow,
    values,
    when_text,
)
from opsconsole.core.lexreview.tables import bot_locale, status_updated

# Review item statuses.
PENDING, APPROVED, REJECTED, DEPLOYED = "PENDING", "APPROVED", "REJECTED", "DEPLOYED"
STATUSES: tuple[str, ...] = (PENDING, APPROVED, REJECTED, DEPLOYED)
SOURCE_AGENT = "agent"
SOURCE_ANALYTICS = "Lex analytics"

#: The conversation exists (an update must not create a stub of a deleted one) and nobody triaged it.
_STILL_NEW = "attribute_exists(contact_id) AND (attribute_not_exists(triage_status) OR triage_status = :v_new)"


# -- review items -----------------------------------------------------------
@dataclass(frozen=True)
class ReviewItem:
    """A phrase someone thinks an intent should understand, on its way into the bot."""

    item_id: str
    text: str
    bot_id: str
    bot_name: str
    locale_id: str
    intent_name: str
    agent: str
    created_at: datetime
    contact_id: str = ""
    turn_index: int | None = None
    status: str = PENDING
    source: str = SOURCE_AGENT
    revision: int = 1
    reason: str = ""
    deployed_version: str = ""
    deployment_id: str = ""
    updated_by: str = ""
    updated_at: datetime | None = None
    missed_count: int | None = None
    #: What the agent first submitted, when someone has edited the text since.
    original_text: str = ""

    def to_record(self) -> dict[str, Any]:
        """Plain values for the ``lex-review-items`` table (times as ISO-8601 UTC), index attributes included."""
        rec: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            rec[f.name] = iso(value) if isinstance(value, datetime) else value
        # The keys of the review table's indexes (see opsconsole.core.lexreview.tables).
        rec["bot_locale"] = bot_locale(self.bot_id, self.locale_id)
        rec["status_updated"] = status_updated(self.status, rec["updated_at"] or rec["created_at"])
        return rec

    @classmethod
    def from_record(cls, rec: Mapping[str, Any]) -> ReviewItem:
        """From a ``lex-review-items`` item; absent fields take their defaults."""
        known = {f.name for f in fields(cls)}
        data = {k: v for k, v in rec.items() if k in known}
        for key in ("created_at", "updated_at"):
            data[key] = parse_time(data.get(key))
        data["created_at"] = data["created_at"] or datetime.fromtimestamp(0, timezone.utc)
        for key in ("revision", "turn_index", "missed_count"):
            if data.get(key) is not None:
                data[key] = int(data[key])
        # Empty strings are not stored (see to_attrs): absent means "".
        for key in ("text", "bot_id", "bot_name", "locale_id", "intent_name", "agent", "deployed_version",
                    "reason", "contact_id", "original_text"):
            data[key] = str(data.get(key) or "")
        return cls(**data)


@dataclass(frozen=True)
class Phrase:
    """What an agent picked in a transcript: the text, the intent it should have matched."""

    text: str
    intent_name: str
    turn_index: int | None = None


def new_item(
    phrase: Phrase,
    *,
    bot_id: str,
    bot_name: str,
    locale_id: str,
    by: str,
    contact_id: str = "",
    source: str = SOURCE_AGENT,
    now: datetime | None = None,
    item_id: str | None = None,
    missed_count: int | None = None,
) -> ReviewItem:
    """A fresh PENDING item (not yet written)."""
    when = now or utcnow()
    return ReviewItem(
        item_id=item_id or str(uuid.uuid4()),
        text=" ".join(phrase.text.split()),
        bot_id=bot_id,
        bot_name=bot_name,
        locale_id=locale_id,
        intent_name=phrase.intent_name,
        agent=by,
        created_at=when,
        contact_id=contact_id,
        turn_index=phrase.turn_index,
        source=source,
        updated_by=by,
        updated_at=when,
        missed_count=missed_count,
    )


def _triage_conflict(clients: Clients, contact_id: str, tables: Tables, not_applied: str) -> Conflict:
    current = get_conversation(clients, contact_id, tables)
    if current is None:
        return Conflict(f"Conversation {contact_id} no longer exists — {not_applied}")
    what = "marked nothing to learn" if current.triage_status == TRIAGE_NOTHING else "triaged"
    who = current.triaged_by or "someone else"
    return Conflict(
        f"Already {what} by {who} at {when_text(current.triaged_at)} — {not_applied}", current
    )


@dataclass(frozen=True)
class PhraseSubmission:
    """Phrases forwarded from a conversation, described before sending: one TransactWriteItems.

    The items (their ids made here) are put only while the conversation is
    still untriaged; ``request`` is exactly what :func:`send_submission` sends.
    """

    conversation: Conversation
    items: tuple[ReviewItem, ...]
    request: Mapping[str, Any]
    #: The conflict's ending: "your phrase was not submitted".
    not_applied: str

    @property
    def call(self) -> ApiCall:
        return ApiCall("dynamodb", "TransactWriteItems", self.request)


def submit_request(
    conversation: Conversation,
    phrases: Sequence[Phrase],
    by: str,
    *,
    finish: bool = False,
    now: datetime | None = None,
    tables: Tables = TABLES,
) -> PhraseSubmission:
    """The transaction that creates PENDING review items for ``phrases`` (and, with ``finish``, closes the conversation)."""
    when = now or utcnow()
    items = [
        new_item(
            p,
            bot_id=conversation.bot_id,
            bot_name=conversation.bot_name,
            locale_id=conversation.locale_id,
            by=by,
            contact_id=conversation.contact_id,
            now=when,
        )
        for p in phrases
        if p.text.strip()
    ]
    key = to_attrs({"contact_id": conversation.contact_id})
    actions: list[dict[str, Any]] = [
        {
            "Put": {
                "TableName": tables.items,
                "Item": to_attrs(item.to_record()),
                "ConditionExpression": "attribute_not_exists(item_id)",
            }
        }
        for item in items
    ]
    if finish:
        actions.append({"Update": _triage_update(key, TRIAGE_FORWARDED, by, when, tables)})
    else:
        actions.append(
            {
                "ConditionCheck": {
                    "TableName": tables.conversations,
                    "Key": key,
                    "ConditionExpression": _STILL_NEW,
                    "ExpressionAttributeValues": values(v_new=TRIAGE_NEW),
                }
            }
        )
    noun = "phrase was" if len(items) == 1 else "phrases were"
    return PhraseSubmission(conversation, tuple(items), {"TransactItems": actions}, f"your {noun} not submitted")


def send_submission(clients: Clients, submission: PhraseSubmission, tables: Tables = TABLES) -> list[ReviewItem]:
    """Send exactly ``submission.request``; the items created, or :class:`Conflict` if someone closed it first."""
    try:
        submission.call.send(clients)
    except ClientError as exc:
        if not is_condition_failure(exc):
            raise
        raise _triage_conflict(clients, submission.conversation.contact_id, tables, submission.not_applied) from None
    return list(submission.items)


def submit_phrases(
    clients: Clients,
    conversation: Conversation,
    phrases: Sequence[Phrase],
    by: str,
    *,
    finish: bool = False,
    now: datetime | None = None,
    tables: Tables = TABLES,
) -> list[ReviewItem]:
    """Create PENDING review items for ``phrases``; with ``finish``, close the conversation too.

    One transaction: the items are written only while the conversation is
    still untriaged, so a phrase is never forwarded from a conversation that
    someone else already closed (that raises :class:`Conflict`).
    """
    submission = submit_request(conversation, phrases, by, finish=finish, now=now, tables=tables)
    return send_submission(clients, submission, tables)


def _triage_update(key: dict[str, Any], status: str, by: str, when: datetime, tables: Tables) -> dict[str, Any]:
    return {
        "TableName": tables.conversations,
        "Key": key,
        "UpdateExpression": "SET triage_status = :v_status, triaged_by = :v_by, triaged_at = :v_at",
        "ConditionExpression": _STILL_NEW,
        "ExpressionAttributeValues": values(v_status=status, v_by=by, v_at=iso(when), v_new=TRIAGE_NEW),
    }


@dataclass(frozen=True)
class TriageChange:
    """Closing a conversation, described before sending: one conditional UpdateItem."""

    conversation: Conversation
    #: The conversation as it is once closed.
    closed: Conversation
    request: Mapping[str, Any]
    not_applied: str

    @property
    def call(self) -> ApiCall:
        return ApiCall("dynamodb", "UpdateItem", self.request)


def triage_request(
    conversation: Conversation,
    by: str,
    status: str = TRIAGE_NOTHING,
    *,
    now: datetime | None = None,
    tables: Tables = TABLES,
) -> TriageChange:
    """The UpdateItem closing ``conversation`` (``NOTHING_TO_LEARN`` or ``FORWARDED``) if nobody did first."""
    when = now or utcnow()
    update = _triage_update(to_attrs({"contact_id": conversation.contact_id}), status, by, when, tables)
    verb = "your 'nothing to learn' was not applied" if status == TRIAGE_NOTHING else "it was not closed again"
    closed = replace(conversation, triage_status=status, triaged_by=by, triaged_at=when)
    return TriageChange(conversation, closed, update, verb)


def send_triage(clients: Clients, change: TriageChange, tables: Tables = TABLES) -> Conversation:
    """Send exactly ``change.request``; the closed conversation, or :class:`Conflict` if someone was first."""
    try:
        change.call.send(clients)
    except ClientError as exc:
        if not is_condition_failure(exc):
            raise
        raise _triage_conflict(clients, change.conversation.contact_id, tables, change.not_applied) from None
    return change.closed


def mark_triaged(
    clients: Clients,
    conversation: Conversation,
    by: str,
    status: str = TRIAGE_NOTHING,
    *,
    now: datetime | None = None,
    tables: Tables = TABLES,
) -> Conversation:
    """Close a conversation (``NOTHING_TO_LEARN`` or ``FORWARDED``) if nobody did first."""
    return send_triage(clients, triage_request(conversation, by, status, now=now, tables=tables), tables)


def mark_nothing_to_learn(clients: Clients, conversation: Conversation, by: str, **kwargs: Any) -> Conversation:
    """The agent read it and there is no phrase worth teaching the bot."""
    return mark_triaged(clients, conversation, by, TRIAGE_NOTHING, **kwargs)
