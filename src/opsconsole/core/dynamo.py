"""DynamoDB attribute values as plain Python values and back (the console's own tables, every area).

Numbers come back as int or float (not Decimal); ``None`` and ``""`` are left
out of records, as DynamoDB refuses empty key values.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

_ser = TypeSerializer()
_deser = TypeDeserializer()


def plain(value: Any) -> Any:
    """A deserialised value with Decimals as int or float."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, set):
        return {plain(v) for v in value}
    return value


def storable(value: Any) -> Any:
    """A plain value as boto3's serialiser takes it (floats as Decimal)."""
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, list | tuple):
        return [storable(v) for v in value]
    if isinstance(value, dict):
        return {k: storable(v) for k, v in value.items()}
    return value


def to_attrs(record: Mapping[str, Any]) -> dict[str, Any]:
    """A plain dict as DynamoDB attribute values (None and "" left out: DynamoDB keys refuse them)."""
    return {k: _ser.serialize(storable(v)) for k, v in record.items() if v is not None and v != ""}


def from_attrs(item: Mapping[str, Any]) -> dict[str, Any]:
    """DynamoDB attribute values as a plain dict (numbers as int or float)."""
    return {k: plain(_deser.deserialize(v)) for k, v in item.items()}


def attr(value: Any) -> dict[str, Any]:
    """One attribute value."""
    return _ser.serialize(storable(value))


def values(**kwargs: Any) -> dict[str, Any]:
    """``ExpressionAttributeValues`` from keyword arguments (``v_x=1`` -> ``:v_x``)."""
    return {f":{k}": attr(v) for k, v in kwargs.items()}
