"""DynamoDB attribute values and the time format the review-tasks table stores (no domain rules)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from opsconsole.core.dynamo import attr, from_attrs, to_attrs  # noqa: F401 - the area's modules take them from here


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
