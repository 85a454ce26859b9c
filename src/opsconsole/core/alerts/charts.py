"""One alarm's chart: which GetMetricData calls to make for a time range, and what came back.

GetMetricData's rules (API reference), all applied by :func:`plan`:

- Retention decides the finest period that has data: under 60 s only for the
  last 3 hours (high resolution), whole minutes for the last 15 days, multiples
  of 5 minutes for the last 63 days, of an hour for the last 455 days (15 months).
  A range reaching further back than a tier is fetched as one call per tier,
  each at the finest period that tier keeps, so recent data stays fine-grained.
- The alarm's own period is the finest one worth drawing (a threshold applies to
  the statistic over that period); a tier only ever coarsens it.
- One call returns at most 100,800 datapoints and takes at most 500 queries:
  a tier with more is split into consecutive calls.

The band of an anomaly-detection alarm is the ``ANOMALY_DETECTION_BAND``
expression its ``ThresholdMetricId`` names; it comes back as two series under
that Id (upper and lower bound). Which is which is decided by comparing their
values, never by their order or labels.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import numpy as np

from opsconsole.core.alerts.alarms import ANOMALY_BAND, COMPOSITE, Alarm
from opsconsole.core.aws import Clients

#: (how far back the tier reaches, the finest period it keeps, what periods must be a multiple of).
TIERS: tuple[tuple[timedelta, int, int], ...] = (
    (timedelta(hours=3), 1, 1),
    (timedelta(days=15), 60, 60),
    (timedelta(days=63), 300, 300),
    (timedelta(days=455), 3600, 3600),
)
#: GetMetricData: datapoints per call, queries per call.
MAX_DATAPOINTS = 100_800
MAX_QUERIES = 500
#: What a high-resolution period may be (under a minute).
HIGH_RESOLUTION_PERIODS = (1, 5, 10, 30)

#: The range presets of the chart, shortest first (label, span).
RANGES: tuple[tuple[str, timedelta], ...] = (
    ("3 h", timedelta(hours=3)),
    ("1 d", timedelta(days=1)),
    ("1 w", timedelta(days=7)),
    ("15 d", timedelta(days=15)),
    ("63 d", timedelta(days=63)),
    ("15 mo", timedelta(days=455)),
)

_ABOVE = {"GreaterThanOrEqualToThreshold": np.greater_equal, "GreaterThanThreshold": np.greater}
_BELOW = {"LessThanThreshold": np.less, "LessThanOrEqualToThreshold": np.less_equal}
_BAND_OPERATORS = {"LessThanLowerOrGreaterThanUpperThreshold", "LessThanLowerThreshold", "GreaterThanUpperThreshold"}


class NotChartable(ValueError):
    """This alarm has no metric to draw (a composite alarm), or the range is empty."""


def allowed_period(age: timedelta, wanted: int) -> int:
    """The finest period at least ``wanted`` that data ``age`` old still has (AWS's retention rules)."""
    for reach, finest, multiple in TIERS:
        if age <= reach:
            period = max(wanted, finest)
            if period < 60:
                return min(p for p in HIGH_RESOLUTION_PERIODS if p >= period)
            return int(math.ceil(period / max(multiple, 60)) * max(multiple, 60))
    raise NotChartable("CloudWatch keeps no data older than 455 days (15 months)")


def period_is_allowed(age: timedelta, period: int) -> bool:
    """Does data ``age`` old exist at ``period``? (Under 60 s: 3 h; 60 s: 15 days; 300 s: 63 days; 3600 s: 455 days.)"""
    for reach, finest, multiple in TIERS:
        if age <= reach:
            if period < 60:
                return finest < 60 and period in HIGH_RESOLUTION_PERIODS
            return period >= finest and period % max(multiple, 60) == 0
    return False


@dataclass(frozen=True)
class Call:
    """One GetMetricData request of a plan."""

    start: datetime
    end: datetime
    period: int
    queries: tuple[Mapping[str, Any], ...]
    #: Series the answer holds per query (a band is two), for the datapoint count.
    series: int

    @property
    def datapoints(self) -> int:
        return self.series * math.ceil((self.end - self.start).total_seconds() / self.period)

    def request(self) -> dict[str, Any]:
        return {"MetricDataQueries": [dict(q) for q in self.queries], "StartTime": self.start, "EndTime": self.end,
                "ScanBy": "TimestampAscending"}


def _stat_query(alarm: Alarm) -> dict[str, Any]:
    raw = alarm.raw
    metric = {"Namespace": alarm.namespace, "MetricName": alarm.metric,
              "Dimensions": [{"Name": k, "Value": v} for k, v in alarm.dimensions]}
    stat = raw.get("ExtendedStatistic") or raw.get("Statistic") or "Average"
    query: dict[str, Any] = {"Id": "m1", "MetricStat": {"Metric": metric, "Period": int(raw.get("Period") or 60),
                                                       "Stat": stat}, "ReturnData": True}
    if raw.get("Unit"):
        query["MetricStat"]["Unit"] = raw["Unit"]
    return query


def queries(alarm: Alarm) -> list[dict[str, Any]]:
    """The alarm's metric (and band) queries, with their own periods."""
    if alarm.type == COMPOSITE:
        raise NotChartable("a composite alarm has no metric of its own; open one of its children")
    if alarm.raw.get("Metrics"):
        out = []
        for q in alarm.raw["Metrics"]:
            q = {k: v for k, v in q.items() if k in ("Id", "MetricStat", "Expression", "Label", "Period", "AccountId")}
            q["ReturnData"] = True
            out.append(q)
        return out
    return [_stat_query(alarm)]


def alarm_period(alarm: Alarm) -> int:
    """The period the alarm evaluates (its metric's, for math and band alarms)."""
    if alarm.raw.get("Period"):
        return int(alarm.raw["Period"])
    for q in alarm.raw.get("Metrics") or []:
        if q.get("MetricStat"):
            return int(q["MetricStat"].get("Period") or 60)
        if q.get("Period"):
            return int(q["Period"])
    return 60


def _with_period(query: Mapping[str, Any], period: int) -> dict[str, Any]:
    q = dict(query)
    if "MetricStat" in q:
        q["MetricStat"] = {**q["MetricStat"], "Period": period}
    elif "Expression" in q and "Period" in q:
        q["Period"] = period
    return q


def _series_count(queries_: Sequence[Mapping[str, Any]]) -> int:
    return sum(2 if "ANOMALY_DETECTION_BAND" in str(q.get("Expression", "")) else 1
               for q in queries_ if q.get("ReturnData", True))


def plan(alarm: Alarm, start: datetime, end: datetime, now: datetime | None = None,
         *, max_datapoints: int = MAX_DATAPOINTS, max_queries: int = MAX_QUERIES) -> list[Call]:
    """The GetMetricData calls that draw ``alarm`` from ``start`` to ``end``, oldest first.

    One call per retention tier the range touches (each at the finest period the
    tier keeps, never finer than the alarm's), split further when a call would
    exceed ``max_datapoints`` or ``max_queries``.
    """
    now = now or datetime.now(timezone.utc)
    end = min(end, now)
    oldest = now - TIERS[-1][0]
    start = max(start, oldest)
    if start >= end:
        raise NotChartable("the range holds no time CloudWatch keeps data for")
    qs = queries(alarm)
    if len(qs) > max_queries:
        raise NotChartable(f"the alarm has {len(qs)} queries; GetMetricData takes at most {max_queries}")
    wanted = alarm_period(alarm)
    # Tier boundaries inside [start, end], newest tier last.
    edges = sorted({start, end, *[now - reach for reach, _f, _m in TIERS if start < now - reach < end]})
    segments: list[tuple[datetime, datetime, int]] = []
    for seg_start, seg_end in zip(edges, edges[1:]):
        period = allowed_period(now - seg_start, wanted)
        # Align to the period so consecutive calls meet on whole periods.
        aligned = datetime.fromtimestamp(math.floor(seg_start.timestamp() / period) * period, timezone.utc)
        if segments and segments[-1][2] == period:
            segments[-1] = (segments[-1][0], seg_end, period)
        else:
            segments.append((aligned if not segments else segments[-1][1], seg_end, period))
    calls: list[Call] = []
    for seg_start, seg_end, period in segments:
        period_qs = tuple(_with_period(q, period) for q in qs)
        series = _series_count(period_qs)
        per_call = max(1, max_datapoints // max(series, 1))  # periods per call
        t = seg_start
        while t < seg_end:
            t_end = min(seg_end, t + timedelta(seconds=per_call * period))
            calls.append(Call(t, t_end, period, period_qs, series))
            t = t_end
    return calls


def minimum_calls(alarm: Alarm, start: datetime, end: datetime, now: datetime | None = None) -> int:
    """The fewest calls any plan could make at the same periods: total datapoints over the per-call cap,
    and at least one per period used (a call has one StartTime/EndTime, and a tier one period)."""
    calls = plan(alarm, start, end, now)
    total = sum(c.datapoints for c in calls)
    return max(len({c.period for c in calls}), math.ceil(total / MAX_DATAPOINTS))


@dataclass
class ChartData:
    """What a chart draws: the metric, the threshold or band, the breaching points (epoch seconds)."""

    times: np.ndarray
    values: np.ndarray
    label: str = ""
    threshold: float | None = None
    band_times: np.ndarray = field(default_factory=lambda: np.empty(0))
    upper: np.ndarray = field(default_factory=lambda: np.empty(0))
    lower: np.ndarray = field(default_factory=lambda: np.empty(0))
    breaching: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=bool))
    calls: int = 0
    periods: tuple[int, ...] = ()

    @property
    def has_band(self) -> bool:
        return self.upper.size > 0


def _metric_id(alarm: Alarm) -> str:
    """The Id of the series the alarm compares (the one the band's expression is not)."""
    band_id = alarm.raw.get("ThresholdMetricId")
    for q in alarm.raw.get("Metrics") or []:
        if q.get("Id") != band_id and q.get("ReturnData", True) is not False:
            return q["Id"]
    return "m1"


def split_band(a_times: Sequence[float], a: Sequence[float], b_times: Sequence[float], b: Sequence[float]
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(times, upper, lower) from two band series in any order: the one higher on most shared points is upper.

    Points where the two are equal (a band of no width, e.g. a metric at 0 overnight) say nothing
    about which is which, so they do not vote."""
    sa = dict(zip(a_times, a))
    sb = dict(zip(b_times, b))
    times = np.array(sorted(set(sa) & set(sb)), dtype=float)
    va = np.array([sa[t] for t in times], dtype=float)
    vb = np.array([sb[t] for t in times], dtype=float)
    if np.count_nonzero(va > vb) >= np.count_nonzero(vb > va):
        return times, va, vb
    return times, vb, va


def breaching(alarm: Alarm, times: np.ndarray, values: np.ndarray, threshold: float | None,
              band_times: np.ndarray, upper: np.ndarray, lower: np.ndarray) -> np.ndarray:
    """Which of ``values`` cross the alarm's threshold or leave its band (per its ComparisonOperator)."""
    op = str(alarm.raw.get("ComparisonOperator") or "")
    if op in _BAND_OPERATORS:
        if band_times.size == 0:
            return np.zeros(values.shape, dtype=bool)
        idx = np.searchsorted(band_times, times)
        idx_c = np.clip(idx, 0, band_times.size - 1)
        matched = (idx < band_times.size) & (band_times[idx_c] == times)
        hi, lo = upper[idx_c], lower[idx_c]
        out = np.zeros(values.shape, dtype=bool)
        if op != "LessThanLowerThreshold":
            out |= values > hi
        if op != "GreaterThanUpperThreshold":
            out |= values < lo
        return out & matched
    if threshold is None:
        return np.zeros(values.shape, dtype=bool)
    if op in _ABOVE:
        return _ABOVE[op](values, threshold)
    if op in _BELOW:
        return _BELOW[op](values, threshold)
    return np.zeros(values.shape, dtype=bool)


def fetch(clients: Clients, alarm: Alarm, start: datetime, end: datetime, now: datetime | None = None) -> ChartData:
    """Make the planned calls and assemble the chart's series (NextToken pages followed within a call)."""
    calls = plan(alarm, start, end, now)
    cw = clients.client("cloudwatch")
    metric_id = _metric_id(alarm)
    band_id = alarm.raw.get("ThresholdMetricId") if alarm.type == ANOMALY_BAND else None
    series: dict[str, list[tuple[list[float], list[float]]]] = {}
    labels: dict[str, str] = {}
    made = 0
    band_calls: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for call in calls:
        request = call.request()
        band_parts: list[tuple[list[float], list[float]]] = []
        while True:
            out = cw.get_metric_data(**request)
            made += 1
            for result in out.get("MetricDataResults") or []:
                ts = [t.timestamp() for t in result.get("Timestamps") or []]
                vs = list(result.get("Values") or [])
                rid = result.get("Id", "")
                labels.setdefault(rid, result.get("Label", rid))
                if rid == band_id:
                    band_parts.append((ts, vs))
                else:
                    series.setdefault(rid, []).append((ts, vs))
            token = out.get("NextToken")
            if not token:
                break
            request["NextToken"] = token
        # The two band series of one call (and its pages), in whatever order they came.
        if len(band_parts) >= 2:
            a, b = band_parts[::2], band_parts[1::2]
            band_calls.append(split_band([t for p in a for t in p[0]], [v for p in a for v in p[1]],
                                         [t for p in b for t in p[0]], [v for p in b for v in p[1]]))

    def joined(key: str) -> tuple[np.ndarray, np.ndarray]:
        parts = series.get(key, [])
        ts = np.array([t for p in parts for t in p[0]], dtype=float)
        vs = np.array([v for p in parts for v in p[1]], dtype=float)
        order = np.argsort(ts, kind="stable")
        return ts[order], vs[order]

    times, values = joined(metric_id)
    threshold = alarm.raw.get("Threshold")
    band_times = upper = lower = np.empty(0)
    if band_calls:
        band_times = np.concatenate([c[0] for c in band_calls])
        order = np.argsort(band_times, kind="stable")
        band_times = band_times[order]
        upper = np.concatenate([c[1] for c in band_calls])[order]
        lower = np.concatenate([c[2] for c in band_calls])[order]
    mask = breaching(alarm, times, values, threshold, band_times, upper, lower)
    return ChartData(times, values, labels.get(metric_id, alarm.metric), threshold, band_times, upper, lower, mask,
                     calls=made, periods=tuple(c.period for c in calls))
