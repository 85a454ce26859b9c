"""Paging through listings (core/paging.py), against the sandbox over HTTP: one call per page asked for."""

from __future__ import annotations

import uuid

import pytest

from opsconsole.core import paging


@pytest.fixture
def table(sandbox_clients):
    """A fresh DynamoDB table of 25 items, deleted afterwards."""
    ddb = sandbox_clients.client("dynamodb")
    name = f"paging-{uuid.uuid4().hex[:8]}"
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    for i in range(25):
        ddb.put_item(TableName=name, Item={"id": {"S": f"item-{i:02d}"}, "n": {"N": str(i)}})
    yield name
    ddb.delete_table(TableName=name)


@pytest.fixture
def scans(sandbox_clients):
    """The parameters of every Scan the shared client sends during the test."""
    events = sandbox_clients.client("dynamodb").meta.events
    calls: list[dict] = []

    def count(params, **_):
        calls.append(dict(params))

    events.register("provide-client-params.dynamodb.Scan", count, unique_id="test-paging")
    yield calls
    events.unregister("provide-client-params.dynamodb.Scan", unique_id="test-paging")


def test_one_call_per_page_and_none_before_the_first_is_asked_for(sandbox_clients, table, scans):
    ddb, calls = sandbox_clients.client("dynamodb"), scans
    pages = paging.pages(ddb, "scan", "Items", page_size=10, TableName=table)
    assert calls == []
    first = next(pages)
    assert len(first) == 10 and len(calls) == 1
    assert calls[0]["Limit"] == 10
    rest = list(pages)
    assert [len(p) for p in rest] == [10, 5] and len(calls) == 3
    ids = {item["id"]["S"] for page in [first, *rest] for item in page}
    assert len(ids) == 25, "every item once"


def test_items_stop_costs_no_further_call(sandbox_clients, table, scans):
    ddb, calls = sandbox_clients.client("dynamodb"), scans
    items = paging.items(ddb, "scan", "Items", page_size=10, TableName=table)
    taken = [next(items) for _ in range(3)]
    assert len(taken) == 3 and len(calls) == 1


def test_a_page_a_filter_emptied_is_skipped_unless_asked_for(sandbox_clients, table):
    ddb = sandbox_clients.client("dynamodb")
    only_last = {"FilterExpression": "n >= :v", "ExpressionAttributeValues": {":v": {"N": "24"}}}
    kept = list(paging.pages(ddb, "scan", "Items", page_size=10, TableName=table, **only_last))
    assert [len(p) for p in kept] == [1]
    every = list(paging.pages(ddb, "scan", "Items", page_size=10, TableName=table, skip_empty=False, **only_last))
    assert sorted(len(p) for p in every) == [0, 0, 1]
