"""DynamoDB attribute values and the time format the review-tasks table stores (no domain rules)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

_ser = TypeSerializer()
_deser = TypeDeserializer()


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _ddb(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, list | tuple):
        return [_ddb(v) for v in value]
    if isinstance(value, dict):
        return {k: _ddb(v) for k, v in value.items()}
    return value


def to_attrs(record: Mapping[str, Any]) -> dict[str, Any]:
    """A plain dict as attribute values (None and "" left out)."""
    return {k: _ser.serialize(_ddb(v)) for k, v in record.items() if v is not None and v != ""}


def from_attrs(item: Mapping[str, Any]) -> dict[str, Any]:
    """Attribute values as a plain dict (numbers as int or float)."""
    return {k: _plain(_deser.deserialize(v)) for k, v in item.items()}


def attr(value: Any) -> dict[str, Any]:
    """One attribute value."""
    return _ser.serialize(_ddb(value))


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(when: datetime) -> str:
    """'2026-11-30T15:04:05.123Z': UTC with milliseconds, the table's sortable time."""
    when = when.astimezone(UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def parse_time(text: Any) -> datetime | None:
    """An ISO 8601 time (with or without Z or milliseconds), or None."""
    if isinstance(text, datetime):
        return text if text.tzinfo else text.replace(tzinfo=UTC)
    if not text:
        return None
    try:
        value = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def error_code(exc: BaseException) -> str:
    """AWS's error code of a ClientError, "" for anything else."""
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", ""))
    return ""
