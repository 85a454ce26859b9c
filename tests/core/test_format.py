"""How times, durations and sizes read: local zone, Today/Yesterday, compact durations, sizes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from opsconsole.core.format import (
    format_clock,
    format_day_time,
    format_day_time_in_sentence,
    format_duration,
    format_elapsed,
    format_minute,
    format_size,
    format_timestamp,
    format_timestamp_ms,
    format_timestamp_tooltip,
)

BERLIN, TOKYO, NEW_YORK = ZoneInfo("Europe/Berlin"), ZoneInfo("Asia/Tokyo"), ZoneInfo("America/New_York")
NOW = datetime(2024, 5, 3, 12, 0, tzinfo=timezone.utc)  # 14:00 in Berlin, 21:00 in Tokyo


def test_times_are_shown_in_the_local_time_zone(local_time_zone):
    at = datetime(2024, 5, 3, 8, 42, 7, 250_000, tzinfo=timezone.utc)
    local_time_zone("Europe/Berlin")
    assert format_timestamp(at) == "2024-05-03 10:42:07"
    assert format_minute(at) == "2024-05-03 10:42"
    assert format_clock(at) == "10:42:07"
    assert format_timestamp_ms(at) == "2024-05-03 10:42:07.250"
    local_time_zone("America/New_York")
    assert format_timestamp(at) == "2024-05-03 04:42:07"
    assert format_clock(at.timestamp()) == "04:42:07", "a logging record's POSIX time"


def test_an_explicit_zone_and_naive_times_as_utc():
    at = datetime(2024, 1, 15, 23, 30)  # naive: AWS and our stores write UTC
    assert format_timestamp(at, TOKYO) == "2024-01-16 08:30:00"
    assert format_timestamp(at.replace(tzinfo=timezone.utc), NEW_YORK) == "2024-01-15 18:30:00"
    assert format_timestamp(None) == ""


def test_the_tooltip_names_both_zones():
    at = datetime(2024, 5, 3, 8, 42, 7, 250_000, tzinfo=timezone.utc)
    assert format_timestamp_tooltip(at, BERLIN) == "2024-05-03T10:42:07.250+02:00\n2024-05-03T08:42:07.250+00:00 UTC"
    assert format_timestamp_tooltip(None) == "Not stopped yet"


@pytest.mark.parametrize(("when", "queue", "sentence"), [
    (NOW - timedelta(hours=3), "Today 11:00", "11:00"),
    (datetime(2024, 5, 2, 20, 58, tzinfo=timezone.utc), "Yesterday 22:58", "22:58 yesterday"),
    (datetime(2024, 4, 23, 17, 50, tzinfo=timezone.utc), "Apr 23 19:50", "Apr 23 19:50"),
    (datetime(2023, 11, 23, 18, 50, tzinfo=timezone.utc), "Nov 23 2023 19:50", "Nov 23 2023 19:50"),
])
def test_today_yesterday_and_older(when, queue, sentence):
    assert format_day_time(when, NOW, BERLIN) == queue
    assert format_day_time_in_sentence(when, NOW, BERLIN) == sentence


def test_today_is_the_local_today():
    # 23:30 UTC on May 2 is already May 3 in Tokyo, still May 2 in New York.
    late = datetime(2024, 5, 2, 23, 30, tzinfo=timezone.utc)
    now = datetime(2024, 5, 3, 1, 0, tzinfo=timezone.utc)
    assert format_day_time(late, now, TOKYO) == "Today 08:30"
    assert format_day_time(late, now, NEW_YORK) == "Today 19:30"
    assert format_day_time(late, now, BERLIN) == "Today 01:30"
    assert format_day_time(late, datetime(2024, 5, 3, 16, 0, tzinfo=timezone.utc), NEW_YORK) == "Yesterday 19:30"


def test_the_machine_zone_decides_today(local_time_zone):
    late = datetime(2024, 5, 2, 23, 30, tzinfo=timezone.utc)
    now = datetime(2024, 5, 3, 1, 0, tzinfo=timezone.utc)
    local_time_zone("Asia/Tokyo")
    assert format_day_time(late, now) == "Today 08:30"
    local_time_zone("America/New_York")
    assert format_day_time(late, now) == "Today 19:30"
    assert format_day_time_in_sentence(None) == "an unknown time"


@pytest.mark.parametrize(("seconds", "text"), [
    (0, "0 ms"), (0.25, "250 ms"), (45, "45 s"), (59.9, "59 s"), (192, "3 m 12 s"), (3600, "1 h 00 m"),
    (7500, "2 h 05 m"), (3 * 86400 + 4 * 3600, "3 d 04 h"), (-5, "0 ms"),
])
def test_durations_read_compactly(seconds, text):
    assert format_duration(seconds) == text
    assert format_duration(timedelta(seconds=seconds)) == text


@pytest.mark.parametrize(("seconds", "text"), [
    (0.412, "0.412 s"), (187.25, "3 m 07.250 s"), (7512, "2 h 05 m 12 s"), (90000, "1 d 01 h 00 m"), (-1, "0.000 s"),
])
def test_elapsed_time_to_the_millisecond(seconds, text):
    assert format_elapsed(seconds) == text


@pytest.mark.parametrize(("size", "text"), [
    (0, "0 B"), (850, "850 B"), (1024, "1.0 KB"), (12_700, "12.4 KB"), (256 * 1024, "256.0 KB"),
    (3_355_443, "3.2 MB"), (1536 * 1024 ** 2, "1.5 GB"), (5 * 1024 ** 4, "5120.0 GB"),
])
def test_sizes(size, text):
    assert format_size(size) == text
