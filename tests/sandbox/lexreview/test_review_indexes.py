"""The sandbox answers Query on a global secondary index as DynamoDB does: order, Limit, paging, fresh after writes."""

from __future__ import annotations

import random
import uuid
from typing import Any

import pytest


@pytest.fixture
def table(ddb: Any) -> Any:
    name = f"test-gsi-{uuid.uuid4().hex[:8]}"
    ddb.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in ("id", "kind", "at")],
        GlobalSecondaryIndexes=[{"IndexName": "kind-at", "Projection": {"ProjectionType": "ALL"},
                                 "KeySchema": [{"AttributeName": "kind", "KeyType": "HASH"},
                                               {"AttributeName": "at", "KeyType": "RANGE"}]}])
    yield name
    ddb.delete_table(TableName=name)


def query_all(ddb: Any, table: str, **request: Any) -> list[list[str]]:
    """Every page's ids, following LastEvaluatedKey by hand (as DynamoDB's clients do)."""
    pages, start = [], None
    while True:
        out = ddb.query(TableName=table, IndexName="kind-at", **request,
                        **({"ExclusiveStartKey": start} if start else {}))
        pages.append([i["id"]["S"] for i in out["Items"]])
        start = out.get("LastEvaluatedKey")
        if not start:
            return pages
        assert set(start) == {"id", "kind", "at"}  # the table's key and the index's


def test_newest_first_in_pages_of_limit_from_the_start_key(ddb, table):
    rng = random.Random(4)
    rows = [{"id": f"i{n:03d}", "kind": rng.choice("ab"), "at": f"2026-06-{rng.randrange(1, 29):02d}T{n % 24:02d}"}
            for n in range(120)]
    rows += [{"id": "no-range-key", "kind": "a"}]  # not in the index: it lacks a key attribute of it
    for start in range(0, len(rows), 25):
        ddb.batch_write_item(RequestItems={table: [{"PutRequest": {"Item": {k: {"S": v} for k, v in r.items()}}}
                                                   for r in rows[start:start + 25]]})
    key = {"KeyConditionExpression": "kind = :k", "ExpressionAttributeValues": {":k": {"S": "a"}}}
    pages = query_all(ddb, table, ScanIndexForward=False, Limit=7, **key)
    want = [r["id"] for r in sorted((r for r in rows if r["kind"] == "a" and "at" in r),
                                    key=lambda r: (r["at"], r["id"]), reverse=True)]
    assert [i for p in pages for i in p] == want
    assert len(pages) > 5 and all(len(p) == 7 for p in pages[:-1]) and len(pages[-1]) <= 7
    oldest_first = query_all(ddb, table, ScanIndexForward=True, Limit=50, **key)
    assert [i for p in oldest_first for i in p] == want[::-1]
    # A range condition and a filter: Limit counts what matches the key, the filter thins the page.
    ranged = query_all(ddb, table, ScanIndexForward=False, Limit=5,
                       KeyConditionExpression="kind = :k AND #at BETWEEN :lo AND :hi",
                       FilterExpression="NOT begins_with(id, :odd)", ExpressionAttributeNames={"#at": "at"},
                       ExpressionAttributeValues={":k": {"S": "a"}, ":lo": {"S": "2026-06-10"},
                                                  ":hi": {"S": "2026-06-20"}, ":odd": {"S": "i1"}})
    inside = [i for i in want if "2026-06-10" <= next(r["at"] for r in rows if r["id"] == i) <= "2026-06-20"]
    assert [i for p in ranged for i in p] == [i for i in inside if not i.startswith("i1")]
    assert len(ranged) >= -(-len(inside) // 5)  # pages of 5 matching the key, fewer after the filter


def test_a_query_sees_every_write_before_it(ddb, table):
    def put(item_id: str, kind: str, at: str) -> None:
        ddb.put_item(TableName=table, Item={"id": {"S": item_id}, "kind": {"S": kind}, "at": {"S": at}})

    def newest(kind: str) -> list[str]:
        out = ddb.query(TableName=table, IndexName="kind-at", KeyConditionExpression="kind = :k",
                        ExpressionAttributeValues={":k": {"S": kind}}, ScanIndexForward=False)
        return [i["id"]["S"] for i in out["Items"]]

    put("x", "a", "2026-01-01")
    put("y", "a", "2026-01-02")
    assert newest("a") == ["y", "x"]
    ddb.update_item(TableName=table, Key={"id": {"S": "x"}}, UpdateExpression="SET #at = :at",
                    ExpressionAttributeNames={"#at": "at"}, ExpressionAttributeValues={":at": {"S": "2026-01-03"}})
    assert newest("a") == ["x", "y"]
    ddb.update_item(TableName=table, Key={"id": {"S": "y"}}, UpdateExpression="SET kind = :k",
                    ExpressionAttributeValues={":k": {"S": "b"}})
    assert (newest("a"), newest("b")) == (["x"], ["y"])
    ddb.delete_item(TableName=table, Key={"id": {"S": "x"}})
    assert newest("a") == []


def test_item_pages_leave_the_sandbox_exactly_as_moto_serializes_them(ddb, table):
    from opsconsole.sandbox.dynamodb import item_pages

    odd = {"id": {"S": "odd"}, "kind": {"S": "a"}, "at": {"S": "2026-01-01"}, "empty": {"L": []}, "map": {"M": {}},
           "none": {"NULL": True}, "flag": {"BOOL": False}, "ss": {"SS": ["x", "y"]}, "ns": {"NS": ["1", "2.5"]},
           "nested": {"L": [{"M": {"text": {"S": "¿qué tal? 👋"}, "n": {"N": "-3"}}}]}}
    ddb.put_item(TableName=table, Item=odd)
    ddb.put_item(TableName=table, Item={"id": {"S": "bin"}, "kind": {"S": "b"}, "at": {"S": "2026-01-02"},
                                        "data": {"B": b"\x00\x01binary"}})

    def reads() -> list[dict[str, Any]]:
        answers = [
            ddb.query(TableName=table, IndexName="kind-at", KeyConditionExpression="kind = :k",
                      ExpressionAttributeValues={":k": {"S": "a"}}, ReturnConsumedCapacity="TOTAL", Limit=1),
            ddb.scan(TableName=table),
            ddb.get_item(TableName=table, Key={"id": {"S": "odd"}}),
            ddb.get_item(TableName=table, Key={"id": {"S": "bin"}}),
            ddb.get_item(TableName=table, Key={"id": {"S": "missing"}}),
        ]
        for answer in answers:
            answer.pop("ResponseMetadata")
        return answers

    fast = reads()
    item_pages.uninstall()
    try:
        assert reads() == fast
    finally:
        item_pages.install()
    assert fast[2]["Item"] == odd and fast[3]["Item"]["data"] == {"B": b"\x00\x01binary"}
