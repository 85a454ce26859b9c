"""Who is on an alarm: acknowledge, assign, snooze, shared by every console on the account.

One DynamoDB table (:data:`TABLE`, key ``alarm_arn``) holds one record per
alarm someone has handled. Each record belongs to one state of its alarm: it
keeps the alarm's state and the time that state began (``state_since``), and
a record whose ``state_since`` is not the alarm's current one is *cleared*
(the alarm changed state again: nobody has acknowledged the new one). A
snooze ends by itself at ``snoozed_until``.

Every change is a conditional PutItem on the ``version`` the user saw, so two
consoles never overwrite each other: the one that loses gets a
:class:`~opsconsole.core.writes.Conflict` saying who got there first and when.
Nothing here touches the alarm itself (its actions keep running).

The console creates the table when it is missing (:func:`create_table_write`,
on-demand capacity), as it does for the review tables.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from opsconsole.core import paging
from opsconsole.core.alerts.alarms import Alarm
from opsconsole.core.aws import Clients
from opsconsole.core.errors import DomainError
from opsconsole.core.format import format_day_time_in_sentence
from opsconsole.core.identity import Identity
from opsconsole.core.writes import ApiCall, Conflict, Write

#: The table every console of the account shares.
TABLE = "opsconsole-alarm-handling"

_ser, _deser = TypeSerializer(), TypeDeserializer()


class HandlingRefused(DomainError):
    """A change that makes no sense as asked (snoozing into the past, assigning nobody)."""


def _iso(when: datetime) -> str:
    return when.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _parse(text: Any) -> datetime | None:
    if not text:
        return None
    try:
        when = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def state_since(alarm: Alarm) -> str:
    """The moment the alarm's current state began, as stored (StateTransitionedTimestamp, else StateUpdated)."""
    when = _parse(alarm.raw.get("StateTransitionedTimestamp")) if isinstance(
        alarm.raw.get("StateTransitionedTimestamp"), str) else alarm.raw.get("StateTransitionedTimestamp")
    when = when or alarm.since
    if isinstance(when, datetime):
        return _iso(when if when.tzinfo else when.replace(tzinfo=timezone.utc))
    return ""


@dataclass(frozen=True, slots=True)
class Handling:
    """Who acknowledged, who is assigned, and any snooze, for one state of one alarm."""

    alarm_arn: str
    alarm_name: str = ""
    state: str = ""
    state_since: str = ""
    acked_by: str = ""
    acked_at: datetime | None = None
    assignee: str = ""
    assigned_by: str = ""
    assigned_at: datetime | None = None
    snoozed_until: datetime | None = None
    snoozed_by: str = ""
    #: 0: no record yet. Every write adds one; writes are conditional on it.
    version: int = 0
    updated_by: str = ""
    updated_at: datetime | None = None

    def applies_to(self, alarm: Alarm) -> bool:
        """Is this record about the alarm's current state (not cleared by a change since)?"""
        return self.version > 0 and self.state == alarm.state and self.state_since == state_since(alarm)

    def snoozed(self, now: datetime | None = None) -> bool:
        return self.snoozed_until is not None and self.snoozed_until > (now or datetime.now(timezone.utc))

    def to_record(self) -> dict[str, Any]:
        rec: dict[str, Any] = {
            "alarm_arn": self.alarm_arn, "alarm_name": self.alarm_name, "state": self.state,
            "state_since": self.state_since, "acked_by": self.acked_by, "assignee": self.assignee,
            "assigned_by": self.assigned_by, "snoozed_by": self.snoozed_by, "version": self.version,
            "updated_by": self.updated_by,
        }
        for key in ("acked_at", "assigned_at", "snoozed_until", "updated_at"):
            value = getattr(self, key)
            if value is not None:
                rec[key] = _iso(value)
        return {k: v for k, v in rec.items() if v != ""}

    @classmethod
    def from_record(cls, rec: Mapping[str, Any]) -> Handling:
        def num(v: Any) -> int:
            return int(v) if isinstance(v, (int, Decimal)) else 0

        return cls(
            alarm_arn=str(rec["alarm_arn"]), alarm_name=str(rec.get("alarm_name", "")), state=str(rec.get("state", "")),
            state_since=str(rec.get("state_since", "")), acked_by=str(rec.get("acked_by", "")),
            acked_at=_parse(rec.get("acked_at")), assignee=str(rec.get("assignee", "")),
            assigned_by=str(rec.get("assigned_by", "")), assigned_at=_parse(rec.get("assigned_at")),
            snoozed_until=_parse(rec.get("snoozed_until")), snoozed_by=str(rec.get("snoozed_by", "")),
            version=num(rec.get("version")), updated_by=str(rec.get("updated_by", "")),
            updated_at=_parse(rec.get("updated_at")),
        )


def fresh(alarm: Alarm) -> Handling:
    """No one has handled the alarm's current state yet."""
    return Handling(alarm.arn, alarm.name, alarm.state, state_since(alarm))


def current(alarm: Alarm, stored: Handling | None) -> Handling:
    """What applies to the alarm now: the stored record if it is about this state, else a fresh one
    (keeping the stored version, which the next write is conditional on)."""
    if stored is None:
        return fresh(alarm)
    if stored.applies_to(alarm):
        return stored
    return replace(fresh(alarm), version=stored.version)


# -- reading ----------------------------------------------------------------------
def load(clients: Clients, table: str = TABLE) -> Iterator[dict[str, Handling]]:
    """Every record, a page per yield ({alarm ARN: Handling}); nothing when the table does not exist yet.

    A Scan: the table holds one small record per handled alarm, and the list
    needs all of them.
    """
    ddb = clients.client("dynamodb")
    try:
        for page in paging.pages(ddb, "scan", "Items", TableName=table):
            yield {h.alarm_arn: h for h in (Handling.from_record(_plain(i)) for i in page)}
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            return
        raise


def table_exists(clients: Clients, table: str = TABLE) -> bool:
    try:
        clients.client("dynamodb").describe_table(TableName=table)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            return False
        raise
    return True


def get(clients: Clients, arn: str, table: str = TABLE) -> Handling | None:
    out = clients.client("dynamodb").get_item(TableName=table, Key={"alarm_arn": {"S": arn}}, ConsistentRead=True)
    item = out.get("Item")
    return Handling.from_record(_plain(item)) if item else None


def _plain(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _deser.deserialize(v) for k, v in item.items()}


# -- the table -----------------------------------------------------------------------
def table_definition(table: str = TABLE) -> dict[str, Any]:
    return {"TableName": table, "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": [{"AttributeName": "alarm_arn", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "alarm_arn", "AttributeType": "S"}]}


def create_table(clients: Clients, table: str = TABLE) -> str:
    """Create the table unless it exists (another console may have just made it); wait until ACTIVE."""
    ddb = clients.client("dynamodb")
    try:
        ddb.create_table(**table_definition(table))
        done = f"created table {table}"
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ResourceInUseException":
            raise
        done = f"table {table} already existed"
    ddb.get_waiter("table_exists").wait(TableName=table, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    return done


def create_table_write(who: Identity | None = None, table: str = TABLE) -> Write:
    """The audited write that creates the shared table (on-demand capacity)."""
    call = ApiCall("dynamodb", "CreateTable", table_definition(table))
    return Write(action="Create alarm handling table", target=table, service="dynamodb", operation="CreateTable",
                 run=lambda clients: create_table(clients, table), who=who, calls=(call,),
                 details={"why": "acknowledgements, assignments and snoozes are shared through it"})


# -- changing -------------------------------------------------------------------------
def _put_call(new: Handling, expected_version: int, table: str) -> ApiCall:
    item = {k: _ser.serialize(v) for k, v in new.to_record().items()}
    if expected_version == 0:
        condition = "attribute_not_exists(alarm_arn)"
        values: dict[str, Any] = {}
    else:
        condition = "version = :expected"
        values = {":expected": {"N": str(expected_version)}}
    params: dict[str, Any] = {"TableName": table, "Item": item, "ConditionExpression": condition}
    if values:
        params["ExpressionAttributeValues"] = values
    return ApiCall("dynamodb", "PutItem", params)


def conflict_sentence(now_stored: Handling | None, alarm: Alarm) -> str:
    if now_stored is None:
        return f"The handling of {alarm.name} was removed meanwhile; reload and try again."
    who = now_stored.updated_by or "someone"
    when = format_day_time_in_sentence(now_stored.updated_at) if now_stored.updated_at else "just now"
    what = []
    if now_stored.applies_to(alarm):
        if now_stored.acked_by:
            what.append("acknowledged" if now_stored.acked_by == who else f"acknowledged by {now_stored.acked_by}")
        if now_stored.assignee:
            what.append(f"assigned to {now_stored.assignee}")
        if now_stored.snoozed():
            what.append("snoozed")
    state = ", ".join(what) if what else "changed"
    return f"{alarm.name} was {state} by {who} at {when} first; the view now shows that."


def _write(action: str, alarm: Alarm, before: Handling, after: Handling, who: Identity, table: str,
           details: Mapping[str, Any]) -> Write:
    call = _put_call(after, before.version, table)

    def run(clients: Clients) -> Handling:
        try:
            call.send(clients)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                stored = get(clients, alarm.arn, table)
                raise Conflict(conflict_sentence(stored, alarm), current(alarm, stored)) from None
            raise
        return after

    return Write(action=action, target=alarm.arn, service="dynamodb", operation="PutItem", run=run, who=who,
                 calls=(call,), details={"alarm": alarm.name, "state": alarm.state, **details})


def _stamp(h: Handling, who: Identity, now: datetime) -> Handling:
    return replace(h, version=h.version + 1, updated_by=who.name, updated_at=now)


def acknowledge(alarm: Alarm, seen: Handling, who: Identity, now: datetime | None = None, table: str = TABLE) -> Write:
    """Say you are looking at the alarm's current state. ``seen``: the handling the user was shown."""
    now = (now or datetime.now(timezone.utc)).replace(microsecond=0)
    after = _stamp(replace(seen, acked_by=who.name, acked_at=now), who, now)
    return _write("Acknowledge alarm", alarm, seen, after, who, table, {})


def assign(alarm: Alarm, seen: Handling, assignee: str, who: Identity, now: datetime | None = None,
           table: str = TABLE) -> Write:
    assignee = assignee.strip()
    if not assignee:
        raise HandlingRefused("Type the name of the person who takes the alarm.", title="No one to assign")
    now = (now or datetime.now(timezone.utc)).replace(microsecond=0)
    after = _stamp(replace(seen, assignee=assignee, assigned_by=who.name, assigned_at=now), who, now)
    return _write("Assign alarm", alarm, seen, after, who, table, {"assignee": assignee})


def snooze(alarm: Alarm, seen: Handling, until: datetime, who: Identity, now: datetime | None = None,
           table: str = TABLE) -> Write:
    """Drop the alarm to the bottom of the list until ``until`` or its next state change."""
    now = (now or datetime.now(timezone.utc)).replace(microsecond=0)
    if until <= now:
        raise HandlingRefused("Pick a time after now for the snooze to end.", title="Snooze ends in the past")
    after = _stamp(replace(seen, snoozed_until=until.replace(microsecond=0), snoozed_by=who.name), who, now)
    return _write("Snooze alarm", alarm, seen, after, who, table, {"until": _iso(until)})


def unsnooze(alarm: Alarm, seen: Handling, who: Identity, now: datetime | None = None, table: str = TABLE) -> Write:
    if seen.snoozed_until is None:
        raise HandlingRefused(f"{alarm.name} is not snoozed.", title="Not snoozed")
    now = (now or datetime.now(timezone.utc)).replace(microsecond=0)
    after = _stamp(replace(seen, snoozed_until=None, snoozed_by=""), who, now)
    return _write("Unsnooze alarm", alarm, seen, after, who, table, {})
