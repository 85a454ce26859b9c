"""How times, durations and sizes read everywhere in the app (no Qt).

Times are shown in the user's local zone (the machine's, or ``tz`` when given):
operators compare runs with their own clock and CloudWatch's local view. A
naive datetime is taken to be UTC, as AWS and our stores write them.

- :func:`format_timestamp` ``2024-05-03 10:42:07``: tables, to the second.
- :func:`format_timestamp_ms` ``2024-05-03 10:42:07.250``: event history.
- :func:`format_minute` ``2024-05-03 10:42``: where the second is noise.
- :func:`format_clock` ``10:42:07``: today's events (last refresh, log lines).
- :func:`format_timestamp_tooltip`: local and UTC with offsets, for hover and tickets.
- :func:`format_day_time` ``Today 10:42`` / ``Yesterday 22:58`` / ``Nov 23 19:50``: queues.
- :func:`format_day_time_in_sentence` ``10:42`` / ``22:58 yesterday`` / ``Nov 23 19:50``: after "at".
- :func:`format_duration` ``850 ms`` / ``3 m 12 s`` / ``2 h 05 m``; :func:`format_elapsed` to the millisecond.
- :func:`format_size` ``850 B`` / ``12.4 KB`` / ``3.2 MB`` (1 KB = 1,024 bytes, as AWS counts its limits).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone, tzinfo

TIMESTAMP = "%Y-%m-%d %H:%M:%S"
MINUTE = "%Y-%m-%d %H:%M"
CLOCK = "%H:%M:%S"
DAY_TIME = "%H:%M"
OTHER_DAY = "%b %d %H:%M"
OTHER_YEAR = "%b %d %Y %H:%M"


def to_local(value: datetime, tz: tzinfo | None = None) -> datetime:
    """``value`` in ``tz`` (default: the machine's zone); naive values are UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(tz)


def format_timestamp(value: datetime | None, tz: tzinfo | None = None) -> str:
    """Local wall-clock time to the second; blank when there is none (e.g. still running)."""
    return "" if value is None else to_local(value, tz).strftime(TIMESTAMP)


def format_timestamp_ms(value: datetime, tz: tzinfo | None = None) -> str:
    """Local time to the millisecond, for events that happen many to a second."""
    local = to_local(value, tz)
    return f"{local.strftime(TIMESTAMP)}.{local.microsecond // 1000:03d}"


def format_minute(value: datetime, tz: tzinfo | None = None) -> str:
    """Local date and time to the minute."""
    return to_local(value, tz).strftime(MINUTE)


def format_clock(value: datetime | float, tz: tzinfo | None = None) -> str:
    """Local time of day to the second; ``value`` may be a POSIX timestamp (as logging records hold)."""
    if not isinstance(value, datetime):
        value = datetime.fromtimestamp(value, timezone.utc)
    return to_local(value, tz).strftime(CLOCK)


def format_timestamp_tooltip(value: datetime | None, tz: tzinfo | None = None) -> str:
    """The unambiguous form (with UTC offset), for hover and for copying into tickets."""
    if value is None:
        return "Not stopped yet"
    local = to_local(value, tz)
    utc = local.astimezone(timezone.utc)
    return f"{local.isoformat(timespec='milliseconds')}\n{utc.isoformat(timespec='milliseconds')} UTC"


def _days_ago(value: datetime, now: datetime | None, tz: tzinfo | None) -> tuple[datetime, int, bool]:
    local = to_local(value, tz)
    today = to_local(now or datetime.now(timezone.utc), tz).date()
    return local, (today - local.date()).days, local.year == today.year


def format_day_time(value: datetime, now: datetime | None = None, tz: tzinfo | None = None) -> str:
    """Short, the way people scan a queue: 'Today 07:24', 'Yesterday 22:58', 'Nov 23 19:50'.

    Another year's date carries its year ('Nov 23 2023 19:50').
    """
    local, days, this_year = _days_ago(value, now, tz)
    if days == 0:
        return f"Today {local.strftime(DAY_TIME)}"
    if days == 1:
        return f"Yesterday {local.strftime(DAY_TIME)}"
    return local.strftime(OTHER_DAY if this_year else OTHER_YEAR)


def format_day_time_in_sentence(value: datetime | None, now: datetime | None = None, tz: tzinfo | None = None) -> str:
    """The same, to follow "at": '10:42' today, '22:58 yesterday', 'Nov 23 19:50'."""
    if value is None:
        return "an unknown time"
    local, days, this_year = _days_ago(value, now, tz)
    if days == 0:
        return local.strftime(DAY_TIME)
    if days == 1:
        return f"{local.strftime(DAY_TIME)} yesterday"
    return local.strftime(OTHER_DAY if this_year else OTHER_YEAR)


def _seconds(value: timedelta | float) -> float:
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    return max(seconds, 0.0)


def format_duration(value: timedelta | float) -> str:
    """Compact and sortable by eye: '850 ms', '45 s', '3 m 12 s', '2 h 05 m', '3 d 04 h'."""
    seconds = _seconds(value)
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


def format_elapsed(value: timedelta | float) -> str:
    """Time since a start, to the millisecond: '0.412 s', '3 m 07.250 s', '2 h 05 m 12 s'."""
    seconds = _seconds(value)
    if seconds < 60:
        return f"{seconds:.3f} s"
    minutes, sec = divmod(seconds, 60)
    if minutes < 60:
        return f"{int(minutes)} m {sec:06.3f} s"
    hours, minutes = divmod(int(minutes), 60)
    if hours < 24:
        return f"{hours} h {minutes:02d} m {int(sec):02d} s"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours:02d} h {minutes:02d} m"


def format_size(size_bytes: int) -> str:
    """'850 B', '12.4 KB', '256.0 KB', '3.2 MB', '1.5 GB' (KB = 1,024 bytes, as AWS counts its 256 KB)."""
    if size_bytes < 1024:
        return f"{size_bytes} B"
    for unit in ("KB", "MB", "GB"):
        size_bytes /= 1024
        if size_bytes < 1024 or unit == "GB":
            break
    return f"{size_bytes:.1f} {unit}"
