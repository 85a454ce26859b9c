"""Winner models of the item-classification platform per country x category, and their history.

38 countries, 60 (country, category) pairs each with a production model: the
winner, its metric, the runner-up and its metric, since when, and a ``version``
that every promotion increments (the condition a console's promotion writes
with: ``version = :seen``). The history table keeps every change, newest
``changedAt`` last. The per-country table (catalog.WINNER_TABLE) that the
executions area's state machines read is left as it is.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from opsconsole.sandbox.scenario import catalog as c
from opsconsole.sandbox.scenario.executions import to_item

METRIC = "macro_f1"
PEOPLE = ("ana.lopez", "james.okafor", "mei.tanaka", "lukas.schmidt", "pipeline")


def pairs() -> list[tuple[str, str]]:
    """(country, category) with a production model: 3 categories in the 10 biggest countries,
    2 in the next two, 1 elsewhere: 60 in all."""
    out = []
    for index, country in enumerate(c.ALL_COUNTRIES):
        count = 3 if index < 10 else 2 if index < 12 else 1
        shift = index % len(c.PRODUCT_CATEGORIES)
        cats = [c.PRODUCT_CATEGORIES[(shift + k) % len(c.PRODUCT_CATEGORIES)] for k in range(count)]
        out += [(country, category) for category in cats]
    return out


def winner_rows(seed_value: int, now: dt.datetime) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(current rows, history rows), deterministic for the seed."""
    rng = random.Random(f"{seed_value}:winners-by-category")
    current, history = [], []
    for country, category in pairs():
        changes = rng.randint(1, 5)
        when = now - dt.timedelta(days=rng.randint(200, 400))
        previous = None
        for version in range(1, changes + 1):
            family = rng.choice(c.MODEL_FAMILIES)
            model = f"clf-{country}-{category}-{family}-v{version + rng.randint(0, 3)}"
            value = round(rng.uniform(0.84, 0.93), 4)
            runner_up = f"clf-{country}-{category}-{rng.choice(c.MODEL_FAMILIES)}-v{rng.randint(1, 9)}"
            runner_value = round(value - rng.uniform(0.002, 0.03), 4)
            by = "pipeline" if rng.random() < 0.7 else rng.choice(PEOPLE[:-1])
            row = {"country": country, "category": category, "model": model, "metric": METRIC,
                   "metricValue": value, "runnerUp": runner_up, "runnerUpMetricValue": runner_value,
                   "since": _iso(when), "version": version, "updatedBy": by}
            history.append({"pairKey": f"{country}#{category}", "changedAt": _iso(when), "country": country,
                            "category": category, "model": model, "previousModel": previous, "metric": METRIC,
                            "metricValue": value, "runnerUp": runner_up, "runnerUpMetricValue": runner_value,
                            "version": version, "changedBy": by,
                            "reason": "evaluation won" if by == "pipeline" else "challenger promoted"})
            previous = model
            if version < changes:
                when = when + dt.timedelta(days=rng.randint(20, 90))
                when = min(when, now - dt.timedelta(days=changes - version))
        current.append(row)
    return current, history


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def create_and_fill(ddb: Any, seed_value: int, now: dt.datetime) -> dict[str, int]:
    """Create both tables (tagged retail-compliance, the platform's tenant) and fill them."""
    tags = [{"Key": "tenant", "Value": c.TENANT_RETAIL}]
    ddb.create_table(TableName=c.WINNER_CATEGORY_TABLE, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "country", "KeyType": "HASH"},
                                {"AttributeName": "category", "KeyType": "RANGE"}],
                     AttributeDefinitions=[{"AttributeName": "country", "AttributeType": "S"},
                                           {"AttributeName": "category", "AttributeType": "S"}], Tags=tags)
    ddb.create_table(TableName=c.WINNER_HISTORY_TABLE, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "pairKey", "KeyType": "HASH"},
                                {"AttributeName": "changedAt", "KeyType": "RANGE"}],
                     AttributeDefinitions=[{"AttributeName": "pairKey", "AttributeType": "S"},
                                           {"AttributeName": "changedAt", "AttributeType": "S"}], Tags=tags)
    current, history = winner_rows(seed_value, now)
    _put(ddb, [(c.WINNER_CATEGORY_TABLE, row) for row in current]
         + [(c.WINNER_HISTORY_TABLE, {k: v for k, v in row.items() if v is not None}) for row in history])
    return {"winner_pairs": len(current), "winner_changes": len(history)}


def _put(ddb: Any, rows: list[tuple[str, dict[str, Any]]]) -> None:
    """BatchWriteItem, 25 at a time, until nothing is left unprocessed."""
    for start in range(0, len(rows), 25):
        chunk: dict[str, list[dict[str, Any]]] = {}
        for table, row in rows[start:start + 25]:
            chunk.setdefault(table, []).append({"PutRequest": {"Item": to_item(row)}})
        while chunk:
            chunk = ddb.batch_write_item(RequestItems=chunk).get("UnprocessedItems") or {}
