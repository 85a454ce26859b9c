"""The review workflow's DynamoDB tables and the secondary indexes its listings Query.

Every listing of the review views is a Query on one of these global secondary
indexes, newest first, one page at a time; none scans a table. The index keys
are attributes the console writes itself (see ``ReviewItem.to_record`` and
``Deployment.to_record``) or, for conversations, attributes the contact
pipeline already writes (``triage_status``, ``started_at``). docs/review-tables.md
explains them for an operator; :func:`create_missing_tables` creates what an
account lacks, and :func:`backfill_index_attributes` gives items written before
the indexes existed their index attributes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from opsconsole.core import paging
from opsconsole.core.aws import Clients
from opsconsole.core.lexreview.store import TABLES, Tables, from_attrs, iso, parse_time, to_attrs

#: Review items by status, most recently changed first: the operations view's status filter.
ITEMS_BY_STATUS = "status-updated_at"
#: Review items of one bot locale by status and change time (``status_updated`` = "STATUS#updated_at").
ITEMS_BY_LOCALE = "bot_locale-status_updated"
#: Conversations by triage status, newest first: the agent's queue (``NEW``) and, with triaged ones, the others.
CONVERSATIONS_BY_TRIAGE = "triage_status-started_at"
#: Every deployment, newest first (``history`` is the same value on every record: one partition).
DEPLOYMENTS_BY_TIME = "history-started_at"
#: The deployments of one bot locale, newest first.
DEPLOYMENTS_BY_LOCALE = "bot_locale-started_at"
#: The value of ``history`` on every deployment record.
HISTORY = "ALL"


def bot_locale(bot_id: str, locale_id: str) -> str:
    """The ``bot_locale`` index attribute: 'BOTID#en_US'."""
    return f"{bot_id}#{locale_id}"


def status_updated(status: str, updated_at: str) -> str:
    """The ``status_updated`` index attribute: 'PENDING#2026-06-15T09:30:00Z'."""
    return f"{status}#{updated_at}"


def _gsi(name: str, hash_key: str, range_key: str) -> dict[str, Any]:
    return {"IndexName": name,
            "KeySchema": [{"AttributeName": hash_key, "KeyType": "HASH"},
                          {"AttributeName": range_key, "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "ALL"}}


def _table(name: str, key: str, indexes: list[dict[str, Any]]) -> dict[str, Any]:
    attrs = {key} | {k["AttributeName"] for i in indexes for k in i["KeySchema"]}
    spec: dict[str, Any] = {
        "TableName": name,
        "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": key, "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": a, "AttributeType": "S"} for a in sorted(attrs)],
    }
    if indexes:
        spec["GlobalSecondaryIndexes"] = indexes
    return spec


def table_definitions(tables: Tables = TABLES) -> dict[str, dict[str, Any]]:
    """CreateTable requests (on-demand capacity) for each table, by role."""
    return {
        "conversations": _table(tables.conversations, "contact_id",
                                [_gsi(CONVERSATIONS_BY_TRIAGE, "triage_status", "started_at")]),
        "items": _table(tables.items, "item_id", [_gsi(ITEMS_BY_STATUS, "status", "updated_at"),
                                                  _gsi(ITEMS_BY_LOCALE, "bot_locale", "status_updated")]),
        "locks": _table(tables.locks, "lock_id", []),
        "deployments": _table(tables.deployments, "deployment_id",
                              [_gsi(DEPLOYMENTS_BY_TIME, "history", "started_at"),
                               _gsi(DEPLOYMENTS_BY_LOCALE, "bot_locale", "started_at")]),
    }


def create_missing_tables(ddb: Any, tables: Tables = TABLES, tags: Mapping[str, str] | None = None) -> list[str]:
    """Create the tables ``ddb`` (a DynamoDB client) lacks and add the indexes existing ones lack.

    Returns what it did, one sentence each. DynamoDB adds one index per
    UpdateTable and builds it in the background: an index added here is
    ``CREATING`` for a while (its listings fail until it is ``ACTIVE``).
    """
    done: list[str] = []
    for spec in table_definitions(tables).values():
        name = spec["TableName"]
        try:
            existing = ddb.describe_table(TableName=name)["Table"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                raise
            request = dict(spec)
            if tags:
                request["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
            ddb.create_table(**request)
            done.append(f"created table {name}")
            continue
        have = {i["IndexName"] for i in existing.get("GlobalSecondaryIndexes") or []}
        for index in spec.get("GlobalSecondaryIndexes", []):
            if index["IndexName"] in have:
                continue
            keys = {k["AttributeName"] for k in index["KeySchema"]}
            ddb.update_table(
                TableName=name,
                AttributeDefinitions=[d for d in spec["AttributeDefinitions"] if d["AttributeName"] in keys],
                GlobalSecondaryIndexUpdates=[{"Create": index}],
            )
            done.append(f"added index {index['IndexName']} to {name}")
    return done


def backfill_index_attributes(clients: Clients, tables: Tables = TABLES) -> int:
    """Give review items and deployments written before the indexes their index attributes; how many.

    Conversations need none of their own (the pipeline's ``triage_status`` and
    ``started_at`` are the keys); conversations without ``triage_status`` are
    given ``NEW``, which the old listing assumed for them. A scan, run once.
    """
    ddb = clients.client("dynamodb")
    fixed = 0

    def update(table: str, key: dict[str, Any], sets: dict[str, Any]) -> None:
        nonlocal fixed
        names = {f"#{i}": k for i, k in enumerate(sets)}
        try:
            ddb.update_item(
                TableName=table, Key=to_attrs(key),
                UpdateExpression="SET " + ", ".join(f"#{i} = :v{i}" for i in range(len(sets))),
                ConditionExpression="attribute_exists(#key)",
                ExpressionAttributeNames={**names, "#key": next(iter(key))},
                ExpressionAttributeValues={f":v{i}": v for i, v in enumerate(to_attrs(sets).values())},
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            return  # deleted meanwhile
        fixed += 1

    for page in paging.pages(ddb, "scan", "Items", TableName=tables.items):  # once, to backfill: a Scan is right
        for raw in page:
            rec = from_attrs(raw)
            when = parse_time(rec.get("updated_at")) or parse_time(rec.get("created_at"))
            if when is None:
                continue
            want = {"updated_at": iso(when), "bot_locale": bot_locale(str(rec.get("bot_id", "")),
                                                                      str(rec.get("locale_id", ""))),
                    "status_updated": status_updated(str(rec.get("status", "PENDING")), iso(when))}
            sets = {k: v for k, v in want.items() if rec.get(k) != v}
            if "status" not in rec:
                sets["status"] = "PENDING"
            if sets:
                update(tables.items, {"item_id": rec["item_id"]}, sets)
    for page in paging.pages(ddb, "scan", "Items", TableName=tables.deployments):
        for raw in page:
            rec = from_attrs(raw)
            want = {"history": HISTORY,
                    "bot_locale": bot_locale(str(rec.get("bot_id", "")), str(rec.get("locale_id", "")))}
            sets = {k: v for k, v in want.items() if rec.get(k) != v}
            if sets:
                update(tables.deployments, {"deployment_id": rec["deployment_id"]}, sets)
    untriaged = paging.items(ddb, "scan", "Items", TableName=tables.conversations, ProjectionExpression="contact_id",
                             FilterExpression="attribute_not_exists(triage_status)")
    for raw in untriaged:
        update(tables.conversations, {"contact_id": from_attrs(raw)["contact_id"]}, {"triage_status": "NEW"})
    return fixed
