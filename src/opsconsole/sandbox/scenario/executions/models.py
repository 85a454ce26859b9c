"""DynamoDB side of the scenario: the winner-models table and the tables the workflows use.

The winner-models table has one row per country with a production model
(country, model, metric, metricValue, promotedAt); dataset manifests decide
whether training passes its data-quality gate; the capacity table decides
whether a training job gets an instance.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable
from typing import Any

from opsconsole.sandbox.scenario import catalog as c

#: table -> hash key attribute
TABLES: dict[str, str] = {
    c.WINNER_TABLE: "country",
    c.MANIFEST_TABLE: "datasetId",
    c.CAPACITY_TABLE: "instanceType",
    c.REGISTRY_TABLE: "modelName",
    c.EVALUATION_TABLE: "evaluationId",
    c.CLASSIFICATION_TABLE: "itemId",
}

#: instance type -> free training-job quota (0 = exhausted, reservations fail)
CAPACITY: dict[str, int] = {
    "ml.g5.4xlarge": 4, "ml.g5.2xlarge": 6, "ml.m5.4xlarge": 8,
    "ml.p3.8xlarge": 0, "ml.p3.16xlarge": 0, "ml.p4d.24xlarge": 0,
}


def winner_models(rng: random.Random, now: dt.datetime) -> dict[str, dict[str, Any]]:
    """The current winner model of every production country (plain values)."""
    winners = {}
    for country in c.COUNTRIES:
        family = rng.choice(c.MODEL_FAMILIES)
        promoted = now - dt.timedelta(days=rng.randint(3, 80), hours=rng.randint(0, 23),
                                      minutes=rng.randint(0, 59))
        winners[country] = {
            "country": country,
            "model": f"clf-{country}-{family}-v{rng.randint(3, 24)}",
            "metric": "macro_f1",
            "metricValue": round(rng.uniform(0.87, 0.93), 4),
            "promotedAt": promoted.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "previousModel": f"clf-{country}-{rng.choice(c.MODEL_FAMILIES)}-v{rng.randint(1, 2)}",
            "trainingJob": f"tr-{country}-{promoted:%Y%m%d}-{rng.getrandbits(16):04x}-hpo-0{rng.randint(1, 6)}",
        }
    return winners


def to_attribute(value: Any) -> dict[str, Any]:
    """A plain Python value as a DynamoDB AttributeValue."""
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, (int, float)):
        return {"N": repr(value)}
    if isinstance(value, str):
        return {"S": value}
    if value is None:
        return {"NULL": True}
    if isinstance(value, dict):
        return {"M": {k: to_attribute(v) for k, v in value.items()}}
    return {"L": [to_attribute(v) for v in value]}


def from_attribute(value: dict[str, Any]) -> Any:
    """A DynamoDB AttributeValue as a plain Python value."""
    (kind, inner), = value.items()
    if kind == "N":
        number = float(inner)
        return int(number) if number.is_integer() and "." not in inner else number
    if kind == "M":
        return {k: from_attribute(v) for k, v in inner.items()}
    if kind == "L":
        return [from_attribute(v) for v in inner]
    return None if kind == "NULL" else inner


def read_winners(ddb: Any) -> dict[str, dict[str, Any]]:
    """The winner-models table as country -> row (plain values)."""
    items = ddb.scan(TableName=c.WINNER_TABLE)["Items"]
    return {item["country"]["S"]: {k: from_attribute(v) for k, v in item.items()} for item in items}


def to_item(row: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: to_attribute(v) for k, v in row.items()}


def create_tables(ddb: Any) -> None:
    """Create the scenario's tables (on-demand), tagged with the retail tenant."""
    for table, key in TABLES.items():
        ddb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                         KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
                         Tags=[{"Key": "tenant", "Value": c.TENANT_RETAIL}])


def put_rows(ddb: Any, rows: Iterable[tuple[str, dict[str, Any]]]) -> int:
    """Write (table, row) pairs with BatchWriteItem, 25 at a time; returns the count."""
    pending = [(table, to_item(row)) for table, row in rows]
    for start in range(0, len(pending), 25):
        chunk: dict[str, list[dict[str, Any]]] = {}
        for table, item in pending[start:start + 25]:
            chunk.setdefault(table, []).append({"PutRequest": {"Item": item}})
        while chunk:
            chunk = ddb.batch_write_item(RequestItems=chunk).get("UnprocessedItems") or {}
    return len(pending)


def seed_rows(winners: dict[str, dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """Winner models and training capacity."""
    rows: list[tuple[str, dict[str, Any]]] = [(c.WINNER_TABLE, row) for row in winners.values()]
    rows += [(c.CAPACITY_TABLE, {"instanceType": name, "quota": quota, "reservations": 0})
             for name, quota in CAPACITY.items()]
    return rows
