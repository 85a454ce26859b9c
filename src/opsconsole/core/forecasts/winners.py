"""The winner models per country x category (DynamoDB), their history, and promoting a challenger.

The table holds, per (country, category), the winning model, its metric, the
runner-up and since when; the history table keeps every change under
``country#category``. Promoting the runner-up is one ``TransactWriteItems``:
the winner row is updated only if it is still what the user saw (same model,
same time of change), and a history record is added in the same transaction.
When someone else changed the row first, the write is a
:class:`~opsconsole.core.writes.Conflict` that says who and when.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from opsconsole.core import paging
from opsconsole.core.identity import Identity
from opsconsole.core.writes import ApiCall, Conflict, Write

WINNER_TABLE = "mlops-winner-models-by-category"
HISTORY_TABLE = "mlops-winner-models-history"
#: The history table's partition key: ``<country>#<category>``.
HISTORY_KEY = "pairKey"


def plain(value: dict[str, Any]) -> Any:
    """A DynamoDB AttributeValue as a plain value."""
    (kind, inner), = value.items()
    if kind == "N":
        number = float(inner)
        return int(number) if number.is_integer() and "." not in inner else number
    if kind == "M":
        return {k: plain(v) for k, v in inner.items()}
    if kind == "L":
        return [plain(v) for v in inner]
    if kind == "NULL":
        return None
    return inner


def attribute(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, (int, float)):
        return {"N": repr(value)}
    if value is None:
        return {"NULL": True}
    return {"S": str(value)}


def _first(row: dict[str, Any], *names: str, default: Any = None) -> Any:
    n = _read_from(row, names)
    return default if n is None else row[n]


def _read_from(row: dict[str, Any], names: tuple[str, ...]) -> str | None:
    """The name a field is read from: the first of ``names`` the row holds a value under (not empty, not NULL)."""
    return next((n for n in names if n in row and row[n] not in (None, "")), None)


def _written_as(row: dict[str, Any], names: tuple[str, ...], default: str) -> str:
    """The name a new value of a field is written under, so that it is the one read back: the name the field is
    read from; when it shows nothing, a name the row already has (empty) or else ``default``."""
    return _read_from(row, names) or next((n for n in names if n in row), default)


#: The names a winners row may carry each field under, in the order they are read (the first one set is shown).
MODEL_NAMES = ("model", "winner", "winnerModel")
VALUE_NAMES = ("metricValue", "value")
RUNNER_UP_NAMES = ("runnerUp", "runnerUpModel", "challenger")
RUNNER_UP_VALUE_NAMES = ("runnerUpValue", "runnerUpMetricValue", "challengerValue")
TIME_NAMES = ("since", "promotedAt", "changedAt", "updatedAt")
BY_NAMES = ("promotedBy", "changedBy", "updatedBy")


@dataclass(frozen=True)
class Winner:
    """One (country, category): who wins, by what metric, who is next, since when and by whom."""

    country: str
    category: str
    model: str
    metric: str
    value: float | None
    runner_up: str
    runner_up_value: float | None
    since: str
    changed_by: str
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def key(self) -> str:
        return f"{self.country}#{self.category}"

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Winner:
        row = {k: plain(v) for k, v in item.items()}
        return cls(
            country=str(row.get("country", "")),
            category=str(row.get("category", "")),
            model=str(_first(row, *MODEL_NAMES, default="")),
            metric=str(_first(row, "metric", default="")),
            value=_first(row, *VALUE_NAMES),
            runner_up=str(_first(row, *RUNNER_UP_NAMES, default="")),
            runner_up_value=_first(row, *RUNNER_UP_VALUE_NAMES),
            since=str(_first(row, *TIME_NAMES, default="")),
            changed_by=str(_first(row, *BY_NAMES, default="")),
            raw=row,
        )


def list_winners(ddb: Any, table: str = WINNER_TABLE) -> Iterator[list[Winner]]:
    """The winner rows, one Scan page at a time."""
    for page in paging.pages(ddb, "scan", "Items", TableName=table):
        yield [Winner.from_item(item) for item in page]


def all_winners(ddb: Any, table: str = WINNER_TABLE) -> list[Winner]:
    rows = [w for page in list_winners(ddb, table) for w in page]
    return sorted(rows, key=lambda w: (w.country, w.category))


def read_winners(clients: Any) -> list[Winner]:
    """The winner rows of the connection (a job)."""
    return all_winners(clients.client("dynamodb"))


@dataclass(frozen=True)
class Change:
    at: str
    model: str
    previous: str
    value: float | None
    by: str
    reason: str


def history(ddb: Any, winner: Winner, table: str = HISTORY_TABLE) -> list[Change]:
    """Every recorded change of one (country, category), newest first."""
    key_name = _hash_key(ddb, table)
    items = paging.items(ddb, "query", "Items", TableName=table, KeyConditionExpression="#k = :k",
                         ExpressionAttributeNames={"#k": key_name}, ExpressionAttributeValues={":k": {"S": winner.key}},
                         ScanIndexForward=False)
    out = []
    for item in items:
        row = {k: plain(v) for k, v in item.items()}
        out.append(Change(str(_first(row, "changedAt", "at", "since", default="")),
                          str(_first(row, "model", "winner", default="")),
                          str(_first(row, "previousModel", "previous", default="")),
                          _first(row, "metricValue", "value"), str(_first(row, "changedBy", "by", default="")),
                          str(_first(row, "reason", default=""))))
    return out


def read_history(clients: Any, winner: Winner) -> list[Change]:
    return history(clients.client("dynamodb"), winner)


def _hash_key(ddb: Any, table: str) -> str:
    schema = ddb.describe_table(TableName=table)["Table"]["KeySchema"]
    return next(k["AttributeName"] for k in schema if k["KeyType"] == "HASH")


def _still(row: dict[str, Any], name: str, ref: str, value_ref: str, shown: str, values: dict[str, Any]) -> str:
    """The condition that the attribute ``name`` (``ref`` in the expression) still holds what the user saw,
    ``shown``, as the row really is: DynamoDB takes a missing attribute as equal to nothing (not even ""), so
    one that is missing is held to be missing, and one that is NULL to be NULL."""
    if name not in row:
        return f"attribute_not_exists({ref})"
    if row[name] is None:
        values[":null"] = {"S": "NULL"}
        return f"attribute_type({ref}, :null)"
    values[value_ref] = attribute(shown)
    return f"{ref} = {value_ref}"


def promote_call(winner: Winner, who: str, now: dt.datetime, history_key: str = HISTORY_KEY,
                 reason: str = "") -> ApiCall:
    """The one TransactWriteItems request that promotes ``winner.runner_up``."""
    at = now.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    row = winner.raw
    # Every field is held to and written under the name the row keeps it by, the one it is read back from.
    names = {"#m": _written_as(row, MODEL_NAMES, "model"), "#r": _written_as(row, RUNNER_UP_NAMES, "runnerUp"),
             "#t": _written_as(row, TIME_NAMES, "since"), "#b": _written_as(row, BY_NAMES, "promotedBy")}
    values = {":new": attribute(winner.runner_up), ":old": attribute(winner.model), ":at": attribute(at),
              ":by": attribute(who)}
    update = "SET #m = :new, #r = :old, #t = :at, #b = :by"
    condition = (f"{_still(row, names['#m'], '#m', ':old', winner.model, values)} AND "
                 f"{_still(row, names['#t'], '#t', ':seen', winner.since, values)}")
    # The values swap: the new winner shows the runner-up's and the new runner-up the winner's, and one
    # that has none shows none (its old value is removed, under every name that holds one).
    removes: list[str] = []
    for ref, value_ref, field_names, default, value in (
            ("#mv", ":newv", VALUE_NAMES, "metricValue", winner.runner_up_value),
            ("#rv", ":oldv", RUNNER_UP_VALUE_NAMES, "runnerUpMetricValue", winner.value)):
        if value is not None:
            update += f", {ref} = {value_ref}"
            names[ref] = _written_as(row, field_names, default)
            values[value_ref] = attribute(value)
            continue
        for i, name in enumerate(n for n in field_names if row.get(n) not in (None, "")):
            name_ref = f"{ref}{i + 1}" if i else ref
            names[name_ref] = name
            removes.append(name_ref)
    version = row.get("version")
    if isinstance(version, int):
        # Every change bumps the version; the condition also holds it to what the user saw.
        update += ", #v = :nextv"
        condition += " AND #v = :seenv"
        names["#v"] = "version"
        values[":nextv"] = attribute(version + 1)
        values[":seenv"] = attribute(version)
    if removes:
        update += " REMOVE " + ", ".join(removes)
    history_item = {history_key: attribute(winner.key), "changedAt": attribute(at), "country": attribute(winner.country),
                    "category": attribute(winner.category), "model": attribute(winner.runner_up),
                    "previousModel": attribute(winner.model), "changedBy": attribute(who),
                    "reason": attribute(reason or "promoted the runner-up from the console")}
    if winner.runner_up_value is not None:
        history_item["metricValue"] = attribute(winner.runner_up_value)
    if winner.value is not None:
        history_item["runnerUpMetricValue"] = attribute(winner.value)
    history_item["runnerUp"] = attribute(winner.model)
    if winner.metric:
        history_item["metric"] = attribute(winner.metric)
    if isinstance(version, int):
        history_item["version"] = attribute(version + 1)
    return ApiCall("dynamodb", "TransactWriteItems", {"TransactItems": [
        {"Update": {"TableName": WINNER_TABLE,
                    "Key": {"country": attribute(winner.country), "category": attribute(winner.category)},
                    "UpdateExpression": update,
                    "ConditionExpression": condition,
                    "ExpressionAttributeNames": names, "ExpressionAttributeValues": values}},
        {"Put": {"TableName": HISTORY_TABLE, "Item": history_item}},
    ]})


def promote(winner: Winner, who: Identity, now: dt.datetime | None = None, history_key: str = HISTORY_KEY,
            reason: str = "") -> Write:
    """Promote the runner-up of ``winner`` (confirmed, audited, conditional on what the user saw)."""
    if not winner.runner_up:
        from opsconsole.core.errors import DomainError

        raise DomainError(f"{winner.country} / {winner.category} has no runner-up to promote.")
    call = promote_call(winner, who.name, now or dt.datetime.now(dt.timezone.utc), history_key, reason)

    def run(clients: Any) -> Winner:
        ddb = clients.client("dynamodb")
        try:
            call.send(clients)
        except ClientError as exc:
            err = exc.response.get("Error", {})
            reasons = exc.response.get("CancellationReasons") or []
            lost = err.get("Code") == "TransactionCanceledException" and (
                not reasons or reasons[0].get("Code") == "ConditionalCheckFailed")
            if not lost:
                raise
            raise _conflict(ddb, winner) from exc
        item = ddb.get_item(TableName=WINNER_TABLE, Key={"country": attribute(winner.country),
                                                       "category": attribute(winner.category)}, ConsistentRead=True)
        return Winner.from_item(item.get("Item") or {})

    return Write(action="Promote challenger", target=f"{winner.country} / {winner.category}: {winner.runner_up}",
                 service="dynamodb", operation="TransactWriteItems", run=run, who=who, calls=(call,),
                 details={"from": winner.model, "to": winner.runner_up, "seen_since": winner.since},
                 destructive=True)


def _conflict(ddb: Any, seen: Winner) -> Conflict:
    item = ddb.get_item(TableName=WINNER_TABLE, Key={"country": attribute(seen.country),
                                                   "category": attribute(seen.category)}, ConsistentRead=True).get("Item")
    if not item:
        return Conflict(f"{seen.country} / {seen.category} was removed by someone else.")
    now = Winner.from_item(item)
    by = now.changed_by or "someone else"
    return Conflict(f"{seen.country} / {seen.category} was changed by {by} at {now.since}: "
                    f"the winner is now {now.model} (you saw {seen.model}). Nothing was promoted.", now)
