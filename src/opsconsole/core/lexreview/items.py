"""Review items after submission: listing, state changes and edits, and what a reviewer may do.

Every change is a conditional write on the item's ``revision`` and ``status``:
when two reviewers act on the same item at once exactly one change lands and
the other gets a :class:`~opsconsole.core.lexreview.triage.Conflict` saying who got
there first.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from opsconsole.core.aws import Clients
from opsconsole.core.errors import DomainError
from opsconsole.core.writes import ApiCall
from opsconsole.core.lexreview.triage import (
    APPROVED,
    DEPLOYED,
    PENDING,
    REJECTED,
    STATUSES,
    Conflict,
    ReviewItem,
)
from opsconsole.core.lexreview.store import (
    TABLES,
    Tables,
    from_attrs,
    iso,
    is_condition_failure,
    merge_newest,
    query_pages,
    to_attrs,
    utcnow,
    values,
    when_text,
)
from opsconsole.core.lexreview.similarity import normalise
from opsconsole.core.lexreview.tables import ITEMS_BY_LOCALE, ITEMS_BY_STATUS, bot_locale, status_updated

#: Which status may follow which. DEPLOYED is reached only by a deployment.
TRANSITIONS: dict[str, frozenset[str]] = {
    PENDING: frozenset({APPROVED, REJECTED}),
    APPROVED: frozenset({PENDING, REJECTED, DEPLOYED}),
    REJECTED: frozenset({PENDING}),
    DEPLOYED: frozenset(),
}

#: Statuses whose text and intent may still change (edit_item's rule).
EDITABLE: frozenset[str] = frozenset({PENDING, APPROVED})

#: What a reviewer can do to selected items: action -> the statuses it applies to, from TRANSITIONS
#: (approve, reject, reopen) and EDITABLE (edit, move).
ACTION_STATUSES: dict[str, frozenset[str]] = {
    "approve": frozenset(s for s, to in TRANSITIONS.items() if APPROVED in to),
    "reject": frozenset(s for s, to in TRANSITIONS.items() if REJECTED in to),
    "reopen": frozenset(s for s, to in TRANSITIONS.items() if PENDING in to),
    "edit": EDITABLE,
    "move": EDITABLE,
}

#: What a change is called in "your ... was not applied".
_NOUNS = {APPROVED: "approval", REJECTED: "rejection", PENDING: "reopening", DEPLOYED: "deployment"}
_PAST = {APPROVED: "approved", REJECTED: "rejected", PENDING: "reopened", DEPLOYED: "deployed"}
#: What to do instead, after "A ... item cannot be ...".
_HINTS = {REJECTED: ": reopen it first", DEPLOYED: ": it is in the bot already"}



class InvalidChange(DomainError, ValueError):
    """A change the item's current status does not allow (e.g. approving a deployed item).

    The message says what to do instead; still a ValueError for callers that catch that.
    """

    title = "Change not allowed"


def iter_review_items(
    clients: Clients,
    *,
    statuses: Iterable[str] | None = None,
    bot_id: str | None = None,
    locale_id: str | None = None,
    changed_since: datetime | None = None,
    page_size: int = 500,
    tables: Tables = TABLES,
) -> Iterator[list[ReviewItem]]:
    """Review items, most recently changed first, one Query page per yield (pages may be empty).

    One Query stream per status (every status when none is given), merged
    newest first: on the status index, or on the locale index when both
    ``bot_id`` and ``locale_id`` are given (a bot or a locale alone is a
    filter on the status index). Nothing scans the table. ``changed_since``
    keeps to items changed at or after that time (a key condition on the
    status index: a view's poll for what changed reads only that).
    """
    ddb = clients.client("dynamodb")
    wanted = list(dict.fromkeys(statuses or ())) or list(STATUSES)  # none given (or empty): every status
    streams = []
    for status in wanted:
        request: dict[str, Any]
        if bot_id and locale_id and changed_since is None:
            request = {"IndexName": ITEMS_BY_LOCALE,
                       "KeyConditionExpression": "#pk = :v_pk AND begins_with(#sk, :v_sk)",
                       "ExpressionAttributeNames": {"#pk": "bot_locale", "#sk": "status_updated"},
                       "ExpressionAttributeValues": values(v_pk=bot_locale(bot_id, locale_id),
                                                           v_sk=status_updated(status, ""))}
        else:
            vals: dict[str, Any] = {"v_pk": status}
            request = {"IndexName": ITEMS_BY_STATUS, "KeyConditionExpression": "#pk = :v_pk",
                       "ExpressionAttributeNames": {"#pk": "status"}}
            if changed_since is not None:
                request["KeyConditionExpression"] += " AND #sk >= :v_since"
                request["ExpressionAttributeNames"]["#sk"] = "updated_at"
                vals["v_since"] = iso(changed_since)
            conds = []
            if bot_id:
                conds.append("bot_id = :v_bot")
                vals["v_bot"] = bot_id
            if locale_id:
                conds.append("locale_id = :v_locale")
                vals["v_locale"] = locale_id
            if conds:
                request["FilterExpression"] = " AND ".join(conds)
            request["ExpressionAttributeValues"] = values(**vals)
        streams.append(query_pages(ddb, page_size, ReviewItem.from_record, "updated_at",
                                   TableName=tables.items, ScanIndexForward=False, **request))
    yield from merge_newest(streams)


def list_review_items(clients: Clients, **kwargs: Any) -> list[ReviewItem]:
    """Every matching item (every page of :func:`iter_review_items`), for callers that need them all at once."""
    return [item for page in iter_review_items(clients, **kwargs) for item in page]


def get_review_item(clients: Clients, item_id: str, tables: Tables = TABLES) -> ReviewItem | None:
    """One item as stored now (strongly consistent read), or None."""
    out = clients.client("dynamodb").get_item(
        TableName=tables.items, Key=to_attrs({"item_id": item_id}), ConsistentRead=True
    )
    return ReviewItem.from_record(from_attrs(out["Item"])) if out.get("Item") else None


def _conflict(clients: Clients, item: ReviewItem, attempted: str, tables: Tables) -> Conflict:
    """Explain a failed condition: what the item became, who did it, when."""
    current = get_review_item(clients, item.item_id, tables)
    not_applied = f"your {attempted} was not applied"
    if current is None:
        return Conflict(f"'{item.text}' no longer exists — {not_applied}")
    who, when = current.updated_by or "someone else", when_text(current.updated_at)
    if current.status != item.status:
        past = _PAST.get(current.status, current.status.lower())
        return Conflict(f"Already {past} by {who} at {when} — {not_applied}", current)
    return Conflict(f"Changed by {who} at {when} — {not_applied}; look at it again", current)


@dataclass(frozen=True)
class ItemChange:
    """One review item's change, described before it is sent: the exact UpdateItem and what it makes.

    ``request`` is the whole request (TableName, Key, UpdateExpression, the
    condition on the revision and status we saw, names and values): what the
    audit log records, what "Copy as AWS CLI" shows and what :func:`send_change`
    sends, unchanged.
    """

    #: The item as we saw it (the condition holds only while it is still this revision and status).
    item: ReviewItem
    #: The item as it will be once the change lands.
    new: ReviewItem
    #: The UpdateItem parameters.
    request: Mapping[str, Any]
    #: What the change is called in "your ... was not applied" (approval, edit, move, ...).
    attempted: str

    @property
    def call(self) -> ApiCall:
        return ApiCall("dynamodb", "UpdateItem", self.request)


def update_request(
    item: ReviewItem,
    changes: Mapping[str, Any],
    by: str,
    attempted: str,
    now: datetime | None = None,
    tables: Tables = TABLES,
) -> ItemChange:
    """The conditional UpdateItem applying ``changes`` if the stored item is still the revision and status we saw."""
    when = now or utcnow()
    new = replace(item, **changes, revision=item.revision + 1, updated_by=by, updated_at=when)
    record = new.to_record()
    # The index attributes (status and change time, bot locale) move with every change.
    keys = (*changes, "revision", "updated_by", "updated_at", "status_updated", "bot_locale")
    # Emptied fields are removed, as a fresh item never stores empty strings.
    sets = {k: record[k] for k in keys if record[k] not in (None, "")}
    remove = [k for k in keys if record[k] in (None, "")]
    names = {f"#{k}": k for k in (*sets, *remove, "status")}
    update = "SET " + ", ".join(f"#{k} = :n_{k}" for k in sets)
    if remove:
        update += " REMOVE " + ", ".join(f"#{k}" for k in remove)
    request = {
        "TableName": tables.items,
        "Key": to_attrs({"item_id": item.item_id}),
        "UpdateExpression": update,
        "ConditionExpression": "#revision = :c_revision AND #status = :c_status",
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": {
            **values(**{f"n_{k}": v for k, v in sets.items()}),
            **values(c_revision=item.revision, c_status=item.status),
        },
    }
    return ItemChange(item, new, request, attempted)


def send_change(clients: Clients, change: ItemChange, tables: Tables = TABLES) -> ReviewItem:
    """Send exactly ``change.request``; the changed item, or :class:`Conflict` saying who got there first."""
    try:
        change.call.send(clients)
    except ClientError as exc:
        if not is_condition_failure(exc):
            raise
        raise _conflict(clients, change.item, change.attempted, tables) from None
    return change.new


def transition_request(
    item: ReviewItem,
    to_status: str,
    by: str,
    reason: str | None = None,
    *,
    deployed_version: str = "",
    deployment_id: str = "",
    now: datetime | None = None,
    tables: Tables = TABLES,
) -> ItemChange:
    """The request moving ``item`` to ``to_status``; raises :class:`InvalidChange` when that is not allowed."""
    if to_status not in TRANSITIONS.get(item.status, frozenset()):
        raise InvalidChange(f"A {item.status.lower()} item cannot be {_PAST.get(to_status, to_status.lower())}"
                            + _HINTS.get(item.status, ""))
    if to_status == REJECTED and not (reason or "").strip():
        raise InvalidChange("A rejection needs a reason: say why the phrase should not be learned")
    if to_status == APPROVED and not item.intent_name:
        raise InvalidChange(f"'{item.text}' has no intent yet: move it to one before approving")
    changes: dict[str, Any] = {"status": to_status}
    if to_status == REJECTED:
        changes["reason"] = reason.strip() if reason else ""
    elif item.reason:
        changes["reason"] = ""  # a reopened or approved item has no rejection reason
    if to_status == DEPLOYED:
        changes.update(deployed_version=deployed_version, deployment_id=deployment_id)
    return update_request(item, changes, by, _NOUNS.get(to_status, "change"), now, tables)


def transition(
    clients: Clients,
    item: ReviewItem,
    to_status: str,
    by: str,
    reason: str | None = None,
    *,
    deployed_version: str = "",
    deployment_id: str = "",
    now: datetime | None = None,
    tables: Tables = TABLES,
) -> ReviewItem:
    """Move ``item`` to ``to_status``; raises :class:`Conflict` if it changed meanwhile."""
    change = transition_request(item, to_status, by, reason, deployed_version=deployed_version,
                                deployment_id=deployment_id, now=now, tables=tables)
    return send_change(clients, change, tables)


def edit_request(
    item: ReviewItem,
    by: str,
    *,
    text: str | None = None,
    intent_name: str | None = None,
    now: datetime | None = None,
    tables: Tables = TABLES,
) -> ItemChange | None:
    """The request changing the text and/or intent (PENDING or APPROVED items only); None: nothing changes."""
    if item.status not in EDITABLE:
        raise InvalidChange(f"A {item.status.lower()} item cannot be edited" + _HINTS.get(item.status, ""))
    changes: dict[str, Any] = {}
    if text is not None and " ".join(text.split()) != item.text:
        cleaned = " ".join(text.split())
        if not cleaned:
            raise InvalidChange("The text cannot be empty: type the phrase")
        changes["text"] = cleaned
        if not item.original_text:
            changes["original_text"] = item.text
    if intent_name is not None and intent_name != item.intent_name:
        changes["intent_name"] = intent_name
    if not changes:
        return None
    return update_request(item, changes, by, "edit" if "text" in changes else "move", now, tables)


def edit_item(
    clients: Clients,
    item: ReviewItem,
    by: str,
    *,
    text: str | None = None,
    intent_name: str | None = None,
    now: datetime | None = None,
    tables: Tables = TABLES,
) -> ReviewItem:
    """Change the text and/or move the item to another intent (PENDING or APPROVED items only)."""
    change = edit_request(item, by, text=text, intent_name=intent_name, now=now, tables=tables)
    return item if change is None else send_change(clients, change, tables)


@dataclass
class BatchResult:
    """What a change of many items did: the items changed and the ones someone else changed first."""

    updated: list[ReviewItem] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)
    #: Items left as they were because the batch was cancelled before their turn.
    cancelled: list[ReviewItem] = field(default_factory=list)

    @property
    def summary(self) -> str:
        """'3 changed, 1 changed by someone else first': for a status line."""
        parts = [f"{len(self.updated)} changed"]
        if self.conflicts:
            parts.append(f"{len(self.conflicts)} changed by someone else first")
        if self.invalid:
            parts.append(f"{len(self.invalid)} not allowed")
        if self.cancelled:
            parts.append(f"{len(self.cancelled)} not sent (cancelled)")
        return ", ".join(parts)


def transition_many(
    clients: Clients, items: Sequence[ReviewItem], to_status: str, by: str, reason: str | None = None, **kwargs: Any
) -> BatchResult:
    """:func:`transition` each item; conflicts are collected, not raised."""
    result = BatchResult()
    for item in items:
        try:
            result.updated.append(transition(clients, item, to_status, by, reason, **kwargs))
        except Conflict as exc:
            result.conflicts.append(exc)
        except InvalidChange as exc:
            result.invalid.append(str(exc))
    return result


def edit_many(clients: Clients, items: Sequence[ReviewItem], by: str, **kwargs: Any) -> BatchResult:
    """:func:`edit_item` each item (e.g. move several to one intent); conflicts are collected."""
    result = BatchResult()
    for item in items:
        try:
            result.updated.append(edit_item(clients, item, by, **kwargs))
        except Conflict as exc:
            result.conflicts.append(exc)
        except InvalidChange as exc:
            result.invalid.append(str(exc))
    return result


# -- one phrase, however often it was forwarded ----------------------------
PhraseKey = tuple[str, str, str, str]


def phrase_key(item: ReviewItem) -> PhraseKey:
    """What makes two items the same phrase: bot, locale, intent and the text as Lex compares it.

    Case, spaces and punctuation are ignored, as when a deployment merges
    phrases into an intent's sample utterances: items with one key add one
    utterance to the bot.
    """
    return item.bot_id, item.locale_id, item.intent_name, normalise(item.text)


def distinct_phrases(items: Iterable[ReviewItem]) -> dict[PhraseKey, list[ReviewItem]]:
    """``items`` by phrase (:func:`phrase_key`), in the order each phrase first appears."""
    phrases: dict[PhraseKey, list[ReviewItem]] = {}
    for item in items:
        phrases.setdefault(phrase_key(item), []).append(item)
    return phrases


# -- what a reviewer may do -------------------------------------------------
def items_for(action: str, items: Iterable[ReviewItem]) -> list[ReviewItem]:
    """The ``items`` that ``action`` (a key of :data:`ACTION_STATUSES`) applies to; the others are left alone."""
    statuses = ACTION_STATUSES[action]
    return [i for i in items if i.status in statuses]


def allowed_actions(items: Sequence[ReviewItem]) -> frozenset[str]:
    """The actions a reviewer may start on this selection (the buttons to enable).

    Approve, reject and reopen need at least one item they apply to (the rest
    are skipped); edit needs exactly one item, and that one editable; move
    needs editable items of one bot locale (they move to one of its intents).
    """
    allowed = {a for a in ("approve", "reject", "reopen") if items_for(a, items)}
    editable = items_for("edit", items)
    if len(items) == 1 and editable:
        allowed.add("edit")
    if editable and len({(i.bot_id, i.locale_id) for i in editable}) == 1:
        allowed.add("move")
    return frozenset(allowed)
