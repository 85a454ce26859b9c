"""How execution times and durations read in the executions table."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def format_timestamp(value: datetime | None) -> str:
    """Local wall-clock time to the second; blank when there is none (still running)."""
    if value is None:
        return ""
    # Operators compare runs with their own clock and CloudWatch's local view.
    return value.astimezone().strftime(TIME_FORMAT)


def format_timestamp_tooltip(value: datetime | None) -> str:
    """The unambiguous form (with UTC offset), for hover and for copying into tickets."""
    if value is None:
        return "Not stopped yet"
    local = value.astimezone()
    utc = value.astimezone(timezone.utc)
    return f"{local.isoformat(timespec='milliseconds')}\n{utc.isoformat(timespec='milliseconds')} UTC"


def format_duration(value: timedelta | float) -> str:
    """Compact and sortable by eye: '850 ms', '45 s', '3 m 12 s', '2 h 05 m', '3 d 04 h'."""
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    if seconds < 0:
        seconds = 0.0
    if seconds < 1:
        return f"{int(seconds * 1000)} ms"
    if seconds < 60:
        return f"{int(seconds)} s"
    minutes, sec = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} m {sec:02d} s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes:02d} m"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours:02d} h"
