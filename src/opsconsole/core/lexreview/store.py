"""DynamoDB and time plumbing shared by the review-workflow modules (no domain logic)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from opsconsole.core.format import format_day_time_in_sentence


@dataclass(frozen=True)
class Tables:
    """The DynamoDB tables of the review workflow (one set per account and region)."""

    conversations: str = "lex-conversations"
    items: str = "lex-review-items"
    locks: str = "lex-deploy-locks"
    deployments: str = "lex-deployments"


TABLES = Tables()

_ser = TypeSerializer()
_deser = TypeDeserializer()


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, set):
        return {_plain(v) for v in value}
    return value


def _ddb(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, list | tuple):
        return [_ddb(v) for v in value]
    if isinstance(value, dict):
        return {k: _ddb(v) for k, v in value.items()}
    return value


def to_attrs(record: Mapping[str, Any]) -> dict[str, Any]:
    """A plain dict as DynamoDB attribute values (None and "" left out: DynamoDB keys hate them)."""
    return {k: _ser.serialize(_ddb(v)) for k, v in record.items() if v is not None and v != ""}


def from_attrs(item: Mapping[str, Any]) -> dict[str, Any]:
    """DynamoDB attribute values as a plain dict (numbers as int or float)."""
    return {k: _plain(_deser.deserialize(v)) for k, v in item.items()}


def values(**kwargs: Any) -> dict[str, Any]:
    """``ExpressionAttributeValues`` from keyword arguments (``v_x=1`` -> ``:v_x``)."""
    return {f":{k}": _ser.serialize(_ddb(v)) for k, v in kwargs.items()}


def is_condition_failure(exc: ClientError) -> bool:
    """A conditional write (or transaction) refused because its condition did not hold."""
    code = exc.response.get("Error", {}).get("Code", "")
    return code in ("ConditionalCheckFailedException", "TransactionCanceledException")


def utcnow() -> datetime:
    """Now, to the second: what is stored is what the caller keeps in memory."""
    return datetime.now(timezone.utc).replace(microsecond=0)


def iso(when: datetime) -> str:
    """ISO-8601 in UTC with a 'Z', to the second: how the tables store times."""
    return when.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def parse_time(text: str | None) -> datetime | None:
    """An ISO-8601 timestamp as an aware datetime (naive ones are UTC)."""
    if not text:
        return None
    try:
        when = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def when_text(when: datetime | None, now: datetime | None = None) -> str:
    """'10:42' today, '22:58 yesterday', 'May 03 10:42' otherwise, in local time: to follow "at"."""
    return format_day_time_in_sentence(when, now or utcnow())
