"""Answer Query on a global secondary index from a kept index, as DynamoDB does, not by sorting the table.

moto answers every Query on a GSI by sorting the whole table and then the
matching items (with Python comparisons of its attribute objects), so the
first page of a 100,000-item table takes seconds where DynamoDB reads one
page. Here each GSI is grouped by partition key and sorted once, and kept
until the next write to its table; a Query then starts at its
``ExclusiveStartKey`` (a bisection) and reads only the page it returns.

The answers are moto's: the same items in the same order, ``Limit`` counted
on items that match the key condition, the 1 MB page limit, the same
``LastEvaluatedKey``, projection and filter applied as moto applies them.
Queries this does not cover (local indexes, several key attributes, legacy
``KeyConditions`` filters) go to moto's own code.
"""

from __future__ import annotations

import bisect
import copy
import threading
from collections.abc import Callable
from typing import Any

_WRITES = ("put_item", "update_item", "delete_item", "transact_write_items", "batch_write_item",
           "create_table", "delete_table", "update_table")
_lock = threading.RLock()
_originals: dict[tuple[type, str], Callable[..., Any]] = {}
#: Bumped by every item write and table change: a kept index older than it is rebuilt.
_epoch = [0]
#: (table id, index name) -> (epoch, {partition sort key: (sort keys, items)})
_kept: dict[tuple[int, str], tuple[int, dict[Any, tuple[list[Any], list[Any]]]]] = {}


def install() -> None:
    """Patch moto's DynamoDB Query and its writes (idempotent)."""
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table

    if _originals:
        return
    for name in _WRITES:
        original = getattr(DynamoDBBackend, name, None)
        if original is None:
            continue
        _originals[(DynamoDBBackend, name)] = original

        def bumped(self: Any, *args: Any, _original: Callable[..., Any] = original, **kwargs: Any) -> Any:
            try:
                return _original(self, *args, **kwargs)
            finally:
                with _lock:
                    _epoch[0] += 1

        setattr(DynamoDBBackend, name, bumped)
    _originals[(Table, "query")] = Table.query
    Table.query = _query


def uninstall() -> None:
    for (owner, name), original in _originals.items():
        setattr(owner, name, original)
    _originals.clear()
    _kept.clear()


def _table_class() -> type:
    from moto.dynamodb.models.table import Table

    return Table


def _value(attr: Any) -> tuple[str, Any]:
    """A DynamoDB attribute as a plain, comparable sort key (type first, as types never mix in a key)."""
    return (attr.type, attr.cast_value)


def _sort_key(item: Any, range_attr: str | None, table: Any) -> tuple[Any, ...]:
    # moto's order: index range key, then the table's hash and range keys.
    key: list[Any] = [_value(item.attrs[range_attr])] if range_attr else []
    key.append(_value(item.hash_key))
    if table.range_key_attr:
        key.append(_value(item.range_key) if item.range_key is not None else ("", ""))
    return tuple(key)


def _partitions(table: Any, index: Any, hash_attr: str, range_attr: str | None) -> dict[Any, tuple[list, list]]:
    """The index's items grouped by partition key, each group in ascending order (kept until a write)."""
    ident = (id(table), index.name)
    with _lock:
        epoch = _epoch[0]
        kept = _kept.get(ident)
        if kept is not None and kept[0] == epoch:
            return kept[1]
    groups: dict[Any, list[tuple[tuple[Any, ...], Any]]] = {}
    stored = table.items.values()
    for item in [i for group in stored for i in group.values()] if table.range_key_attr else list(stored):
        hash_value = item.attrs.get(hash_attr)
        if not hash_value or (range_attr and not item.attrs.get(range_attr)):
            continue  # a GSI holds only items that have every key attribute of it
        groups.setdefault(_value(hash_value), []).append((_sort_key(item, range_attr, table), item))
    built = {}
    for hash_value, entries in groups.items():
        entries.sort(key=lambda e: e[0])
        built[hash_value] = ([k for k, _ in entries], [i for _, i in entries])
    with _lock:
        if _epoch[0] == epoch:
            _kept[ident] = (epoch, built)
    return built


def _query(self: Any, hash_key: Any, range_comparison: str | None, range_objs: list[Any], limit: int,
           exclusive_start_key: dict[str, Any] | None, scan_index_forward: bool,
           projection_expressions: list[list[str]] | None, index_name: str | None = None,
           consistent_read: bool = False, filter_expression: Any = None,
           hash_key_conditions: list[tuple[str, Any]] | None = None,
           range_key_conditions: list[tuple[str, str, list[Any]]] | None = None, **filter_kwargs: Any) -> Any:
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import RESULT_SIZE_LIMIT, GlobalSecondaryIndex

    original = _originals[(_table_class(), "query")]
    index = next((i for i in self.global_indexes if i.name == index_name), None) if index_name else None
    hashes = [k for k in index.schema if k["KeyType"] == "HASH"] if index is not None else []
    ranges = [k for k in index.schema if k["KeyType"] == "RANGE"] if index is not None else []
    covered = (
        isinstance(index, GlobalSecondaryIndex) and not consistent_read and not filter_kwargs
        and len(hashes) == 1 and len(ranges) <= 1 and len(hash_key_conditions or []) == 1
        and hash_key_conditions[0][0] == hashes[0]["AttributeName"]
        and len(range_key_conditions or []) <= 1
        and (not range_key_conditions or (ranges and range_key_conditions[0][0] == ranges[0]["AttributeName"]))
    )
    if not covered:
        return original(self, hash_key, range_comparison, range_objs, limit, exclusive_start_key,
                        scan_index_forward, projection_expressions, index_name, consistent_read,
                        filter_expression, hash_key_conditions=hash_key_conditions,
                        range_key_conditions=range_key_conditions, **filter_kwargs)
    hash_attr = hashes[0]["AttributeName"]
    range_attr = ranges[0]["AttributeName"] if ranges else None
    keys, items = _partitions(self, index, hash_attr, range_attr).get(_value(hash_key_conditions[0][1]), ([], []))
    count = len(items)
    if exclusive_start_key:
        start = [DynamoType(exclusive_start_key[range_attr])] if range_attr else []
        start.append(DynamoType(exclusive_start_key[self.hash_key_attr]))
        if self.range_key_attr:
            start.append(DynamoType(exclusive_start_key[self.range_key_attr]))
        mark = tuple(_value(v) for v in start)
        positions = (range(bisect.bisect_right(keys, mark), count) if scan_index_forward
                     else range(bisect.bisect_left(keys, mark) - 1, -1, -1))
    else:
        positions = range(count) if scan_index_forward else range(count - 1, -1, -1)

    results: list[Any] = []
    size = 0
    last_evaluated_key = None
    for position in positions:
        item = items[position]
        if len(results) == limit or size + item.size() > RESULT_SIZE_LIMIT:
            last_evaluated_key = self._get_last_evaluated_key(results[-1], index_name)
            break
        if range_comparison and not item.attrs[range_attr].compare(range_comparison, range_objs):
            continue
        results.append(item)
        size += item.size()
    scanned_count = len(results)
    results = [index.project(copy.deepcopy(r)) for r in results]
    if filter_expression is not None:
        results = [item for item in results if filter_expression.expr(item)]
    if projection_expressions:
        results = [r.project(projection_expressions) for r in results]
    return results, scanned_count, last_evaluated_key
