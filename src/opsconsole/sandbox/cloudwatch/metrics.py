"""Metric series for GetMetricData and alarm evaluation: an index over moto's datapoints, and the band.

moto keeps every datapoint in one list and scans all of it for every period
of every query, which takes seconds for a week of the scenario's metrics and
would make evaluating hundreds of alarms impossible. :class:`MetricIndex`
reads moto's list incrementally (it only ever grows) into one sorted series
per metric (namespace, name, dimension set).

The anomaly band (:func:`band`) stands in for CloudWatch's trained model: the
expected value at a time is the median of the same time of day on up to 14
earlier days (CloudWatch trains on up to two weeks, with daily and weekly
seasonality), taking only days of the same kind (weekday or weekend) where
at least two exist, or, where fewer than three days exist at all, of the
preceding 60 periods; the band is expected ± k x (1.4826 x median absolute
deviation), never narrower than k x 8% of the expected value (a handful of
days gives an unstable deviation; without the floor a third of ordinary
points fell outside a k=2 band). It is a robust stand-in, not AWS's algorithm.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import statistics
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

DAY = 86400
SEASON_DAYS = 14
TRAILING = 60
#: The narrowest spread, as a share of the expected value.
SPREAD_FLOOR = 0.08

MetricKey = tuple[str, str, frozenset[tuple[str, str]]]


def metric_key(namespace: str, name: str, dimensions: Iterable[dict[str, str]] | None) -> MetricKey:
    return namespace, name, frozenset((d["Name"], d["Value"]) for d in dimensions or ())


@dataclass
class _Point:
    at: float
    total: float
    count: float
    low: float
    high: float
    unit: str | None
    values: tuple[float, ...]


class MetricIndex:
    """Datapoints of one moto CloudWatch backend, by metric, sorted by time."""

    def __init__(self, backend: Any):
        self.backend = backend
        self._seen = 0
        self._series: dict[MetricKey, list[_Point]] = {}
        self._times: dict[MetricKey, list[float]] = {}
        self._lock = threading.Lock()

    def refresh(self) -> None:
        with self._lock:
            data = self.backend.metric_data
            fresh, self._seen = data[self._seen:], len(data)
            for datum in fresh:
                dims = frozenset((d.name, d.value) for d in datum.dimensions)
                key = (datum.namespace, datum.name, dims)
                at = datum.timestamp.timestamp()
                if hasattr(datum, "value"):
                    value = float(datum.value)
                    point = _Point(at, value, 1, value, value, datum.unit, (value,))
                else:  # StatisticValues
                    point = _Point(at, float(datum.sum_stat), float(datum.sample_count), float(datum.min_stat),
                                   float(datum.max_stat), datum.unit, ())
                times = self._times.setdefault(key, [])
                series = self._series.setdefault(key, [])
                where = bisect.bisect_right(times, at)
                times.insert(where, at)
                series.insert(where, point)

    def metrics(self) -> list[tuple[MetricKey, float]]:
        """Every metric with its latest datapoint's time, in the order they first got data."""
        with self._lock:
            return [(key, times[-1]) for key, times in self._times.items() if times]

    def points(self, key: MetricKey, start: float, end: float) -> list[_Point]:
        with self._lock:
            times = self._times.get(key, [])
            series = self._series.get(key, [])
            return series[bisect.bisect_left(times, start):bisect.bisect_left(times, end)]

    def series(self, key: MetricKey, start: dt.datetime, end: dt.datetime, period: int, stat: str,
               unit: str | None = None) -> list[tuple[float, float]]:
        """(bucket start, statistic) per period with data, oldest first; buckets aligned to the epoch."""
        first = math.floor(start.timestamp() / period) * period
        buckets: dict[float, list[_Point]] = {}
        for point in self.points(key, first, end.timestamp()):
            if unit and point.unit != unit:
                continue
            buckets.setdefault(math.floor(point.at / period) * period, []).append(point)
        return [(at, statistic(stat, buckets[at])) for at in sorted(buckets)]


def statistic(stat: str, points: list[_Point]) -> float:
    """Sum, SampleCount, Average, Minimum, Maximum or pNN(.NN) of the points of one period."""
    count = sum(p.count for p in points)
    if stat == "Sum":
        return sum(p.total for p in points)
    if stat == "SampleCount":
        return count
    if stat == "Average":
        return sum(p.total for p in points) / count if count else 0.0
    if stat == "Minimum":
        return min(p.low for p in points)
    if stat == "Maximum":
        return max(p.high for p in points)
    if stat.startswith("p"):
        values = sorted(v for p in points for v in p.values) or sorted(p.high for p in points)
        rank = float(stat[1:]) / 100 * (len(values) - 1)
        below = values[math.floor(rank)]
        above = values[math.ceil(rank)]
        return below + (above - below) * (rank - math.floor(rank))
    raise ValueError(stat)


def is_statistic(stat: str) -> bool:
    if stat in ("Sum", "SampleCount", "Average", "Minimum", "Maximum"):
        return True
    if stat.startswith("p"):
        try:
            return 0 <= float(stat[1:]) <= 100
        except ValueError:
            return False
    return False


def band(history: dict[float, float], times: list[float], period: int, width: float) -> list[tuple[float, float, float]]:
    """(time, lower, upper) for each of ``times`` where the model has enough history.

    ``history`` maps bucket start -> value and must reach back 14 days before ``times``.
    """
    out = []
    for at in times:
        earlier = [at - d * DAY for d in range(1, SEASON_DAYS + 1) if at - d * DAY in history]
        same_kind = [t for t in earlier if _weekend(t) == _weekend(at)]
        season = [history[t] for t in (same_kind if len(same_kind) >= 2 else earlier)]
        if len(season) < 3:
            season = [history[at - i * period] for i in range(1, TRAILING + 1) if at - i * period in history]
            if len(season) < 5:
                continue
        expected = statistics.median(season)
        spread = 1.4826 * statistics.median(abs(v - expected) for v in season)
        spread = max(spread, SPREAD_FLOOR * abs(expected), 1e-9)
        out.append((at, expected - width * spread, expected + width * spread))
    return out


def _weekend(at: float) -> bool:
    return dt.datetime.fromtimestamp(at, dt.timezone.utc).weekday() >= 5


def history_start(start: dt.datetime) -> dt.datetime:
    """How far back the band's model reads before ``start``."""
    return start - dt.timedelta(days=SEASON_DAYS)


_indexes: dict[int, MetricIndex] = {}
_indexes_lock = threading.Lock()


def index_for(backend: Any) -> MetricIndex:
    """The (refreshed) index of a moto CloudWatch backend."""
    with _indexes_lock:
        index = _indexes.get(id(backend))
        if index is None or index.backend is not backend:
            index = _indexes[id(backend)] = MetricIndex(backend)
    index.refresh()
    return index


def reset() -> None:
    with _indexes_lock:
        _indexes.clear()
