"""KPI anomalies: which business series broke, by how much, since when, and which broke together.

The view that replaces Lookout for Metrics. Each KPI series (a measure and its
dimensions, e.g. Orders for Marketplace=DE x Platform=mobile_app) is judged in
one of two ways:

* **CloudWatch band**: when the account has an anomaly detector for the
  series (``DescribeAnomalyDetectors``), the expected range is the detector's
  ``ANOMALY_DETECTION_BAND(m, k)`` from ``GetMetricData``;
* **console detector**: otherwise a robust seasonal model computed here:
  the expected value of a point is the median of the same hour of day over the
  window (hourly data covering three days or more), else the median of the
  preceding points; the spread is the MAD of the relative residuals. Medians
  keep a few hours of collapse from moving the expectation.

A point is anomalous when it is outside the range *and* at least 10 % off the
expected value (improbable and material).

Both give a z-like score (how many standard deviations from the expected
value), so rows from either source rank together. A series' anomaly is its
latest run of points outside the range; severity is the run's peak score.
Anomalies of several series that share a dimension value and overlap in time
are grouped ("all of DE", not only DE x mobile_app).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import numpy as np
import pandas as pd

from opsconsole.core import paging
from opsconsole.core.progress import Progress

CLOUDWATCH_BAND = "CloudWatch band"
CONSOLE_DETECTOR = "console detector"

#: Points further than this many standard deviations from the expected value are anomalous
#: (the console detector; a band's own width decides for the band).
DEFAULT_THRESHOLD = 3.5
#: Band width (``k`` of ANOMALY_DETECTION_BAND) asked of CloudWatch: the same number of standard
#: deviations as the console detector's threshold, so "outside the band" means the same for both.
BAND_WIDTH = DEFAULT_THRESHOLD
#: The relative spread below which noise is not believed (a flat synthetic series has none).
MIN_RELATIVE_SPREAD = 0.02
#: A point is anomalous only when it is also this far from the expected value (a fraction of it):
#: a 3 % wobble outside a tight band is improbable but not worth anyone's attention.
MIN_CHANGE = 0.10
#: Two flagged points separated by at most this many normal ones are one run.
RUN_GAP = 1
#: GetMetricData limits: queries and datapoints per call.
MAX_QUERIES = 500
MAX_DATAPOINTS = 100_800


@dataclass(frozen=True)
class KpiSource:
    """A namespace of business KPIs, the period its points are judged at and how far back."""

    namespace: str
    period: int = 3600
    lookback: timedelta = timedelta(days=7)


#: The platform's KPIs: orders per marketplace x platform (and revenue), items classified per
#: country, live checkout orders per minute. Namespaces that have anomaly detectors are added.
DEFAULT_SOURCES = (
    KpiSource("Retail/Orders"),
    KpiSource("Retail/Classification"),
    KpiSource("Retail/Checkout", period=60, lookback=timedelta(hours=3)),
)


@dataclass(frozen=True, order=True)
class SeriesKey:
    """One KPI series: namespace, measure, dimensions (sorted by name) and statistic."""

    namespace: str
    metric: str
    dimensions: tuple[tuple[str, str], ...] = ()
    stat: str = "Sum"

    @classmethod
    def of(cls, namespace: str, metric: str, dimensions: Iterable[Mapping[str, str]] = (), stat: str = "Sum") -> SeriesKey:
        dims = tuple(sorted((d["Name"], d["Value"]) for d in dimensions))
        return cls(namespace, metric, dims, stat)

    @property
    def dimension_text(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.dimensions) or "(no dimensions)"

    @property
    def label(self) -> str:
        return f"{self.namespace} {self.metric} · {self.dimension_text}"

    def metric_stat(self, period: int) -> dict[str, Any]:
        return {"Metric": {"Namespace": self.namespace, "MetricName": self.metric,
                           "Dimensions": [{"Name": k, "Value": v} for k, v in self.dimensions]},
                "Period": period, "Stat": self.stat}


@dataclass(frozen=True)
class SeriesView:
    """One series judged: a frame indexed by time with ``actual``, ``expected``, ``lower``,
    ``upper``, ``score`` (signed standard deviations) and ``flagged``."""

    key: SeriesKey
    source: str
    period: int
    frame: pd.DataFrame = field(repr=False, compare=False)


@dataclass(frozen=True)
class Anomaly:
    """The latest run of anomalous points of one series."""

    key: SeriesKey
    source: str
    start: datetime
    end: datetime  # the last anomalous point's start
    period: int
    points: int
    expected: float  # mean over the run
    actual: float  # mean over the run
    peak_score: float  # signed: negative is a drop
    ongoing: bool  # the series' last point is in the run
    episodes: int = 1  # runs in the window, this one included

    @property
    def duration(self) -> timedelta:
        return self.end - self.start + timedelta(seconds=self.period)

    @property
    def score(self) -> float:
        """Severity from 0 to 100: half from how improbable the run is (its peak standard deviations,
        up to 10), half from how far it is from the expected value (up to 100 %)."""
        change = self.change
        off = min(abs(change), 1.0) if change is not None and math.isfinite(change) else 1.0
        return round(min(abs(self.peak_score), 10.0) * 5 + off * 50, 1)

    @property
    def severity(self) -> str:
        return severity_word(self.score)

    @property
    def direction(self) -> str:
        return "drop" if self.peak_score < 0 else "spike"

    @property
    def change(self) -> float | None:
        """Actual against expected, as a fraction (-0.82: 82 % below), None when nothing was expected."""
        return (self.actual - self.expected) / abs(self.expected) if self.expected else None


def severity_word(score: float) -> str:
    """The word for a 0-100 severity score."""
    if score >= 70:
        return "critical"
    if score >= 50:
        return "high"
    if score >= 35:
        return "medium"
    return "low"


@dataclass(frozen=True)
class AnomalyGroup:
    """Anomalies that broke together: several series sharing ``dimension``, overlapping in time.

    A lone anomaly is a group of one with no dimension. ``of`` is how many series
    share the dimension value (3 of 3 platforms of DE broke, or 1 of 3).
    """

    members: tuple[Anomaly, ...]
    dimension: tuple[str, str] | None = None
    of: int = 1

    @property
    def score(self) -> float:
        return max(a.score for a in self.members)

    @property
    def severity(self) -> str:
        return severity_word(self.score)

    @property
    def start(self) -> datetime:
        return min(a.start for a in self.members)

    @property
    def end(self) -> datetime:
        return max(a.end for a in self.members)

    @property
    def title(self) -> str:
        if self.dimension is None:
            return self.members[0].key.label
        name, value = self.dimension
        return f"{name}={value}: {len(self.members)} of {self.of} series"


@dataclass(frozen=True)
class AnomalyReport:
    """What a scan found: groups ranked by severity, every judged series (for the chart), counts."""

    groups: tuple[AnomalyGroup, ...]
    series: Mapping[SeriesKey, SeriesView] = field(default_factory=dict)
    detectors: int = 0

    @property
    def anomalies(self) -> list[Anomaly]:
        return [a for g in self.groups for a in g.members]


# -- the console's own detector ------------------------------------------------------------------------
def _mad_sigma(values: np.ndarray) -> float:
    values = values[np.isfinite(values)]
    if values.size == 0:
        return 0.0
    return float(1.4826 * np.median(np.abs(values - np.median(values))))


def seasonal_expectation(actual: pd.Series, period: int) -> pd.Series:
    """The expected value of each point: the median of the same hour of day when the series is
    hourly and covers three days or more, else the median of the (up to 30) preceding points."""
    values = actual.astype(float)
    span = values.index.max() - values.index.min() if len(values) else timedelta(0)
    if period >= 3600 and period <= 3 * 3600 and span >= timedelta(days=3):
        index = pd.DatetimeIndex(values.index)
        return values.groupby(index.hour).transform("median")
    preceding = values.shift(1).rolling(30, min_periods=5).median()
    return preceding.fillna(values.expanding(min_periods=1).median())


def judge(actual: pd.Series, period: int, threshold: float = DEFAULT_THRESHOLD) -> pd.DataFrame:
    """The console detector over one series (time-indexed): expected, band, score, flagged."""
    actual = actual.sort_index().astype(float)
    expected = seasonal_expectation(actual, period)
    scale = expected.abs().where(expected.abs() > 0, np.nan)
    relative = (actual - expected) / scale
    sigma = max(_mad_sigma(relative.to_numpy()), MIN_RELATIVE_SPREAD)
    spread = (sigma * scale).fillna(sigma)
    score = ((actual - expected) / spread).fillna(0.0)
    return pd.DataFrame({"actual": actual, "expected": expected,
                         "lower": expected - threshold * spread, "upper": expected + threshold * spread,
                         "score": score, "flagged": (score.abs() > threshold) & _material(actual, expected)})


def _material(actual: pd.Series, expected: pd.Series) -> pd.Series:
    return (actual - expected).abs() >= MIN_CHANGE * expected.abs()


def judge_band(actual: pd.Series, lower: pd.Series, upper: pd.Series, width: float = BAND_WIDTH) -> pd.DataFrame:
    """A CloudWatch band over one series: outside [lower, upper] is anomalous; the score is in the
    band's standard deviations (its half-width is ``width`` of them)."""
    frame = pd.DataFrame({"actual": actual.astype(float), "lower": lower.astype(float),
                          "upper": upper.astype(float)}).sort_index()
    frame = frame.dropna(subset=["actual"])
    frame["expected"] = (frame["lower"] + frame["upper"]) / 2
    sigma = ((frame["upper"] - frame["lower"]) / (2 * width)).where(lambda s: s > 0, np.nan)
    frame["score"] = ((frame["actual"] - frame["expected"]) / sigma).fillna(0.0)
    outside = (frame["actual"] > frame["upper"]) | (frame["actual"] < frame["lower"])
    frame["flagged"] = outside & _material(frame["actual"], frame["expected"])
    return frame[["actual", "expected", "lower", "upper", "score", "flagged"]]


def _runs(flagged: Sequence[bool], gap: int = RUN_GAP) -> list[tuple[int, int]]:
    """(first, last) positions of runs of flagged points, bridging up to ``gap`` normal ones."""
    runs: list[tuple[int, int]] = []
    for i, bad in enumerate(flagged):
        if not bad:
            continue
        if runs and i - runs[-1][1] - 1 <= gap:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


def latest_anomaly(view: SeriesView) -> Anomaly | None:
    """The latest run of anomalous points of a judged series, or None when it has none."""
    frame = view.frame
    runs = _runs(frame["flagged"].tolist())
    if not runs:
        return None
    first, last = runs[-1]
    part = frame.iloc[first:last + 1]
    part = part[part["flagged"]]
    peak = part["score"].iloc[int(np.argmax(part["score"].abs().to_numpy()))]
    return Anomaly(key=view.key, source=view.source, start=_aware(frame.index[first]), end=_aware(frame.index[last]),
                   period=view.period, points=len(part), expected=float(part["expected"].mean()),
                   actual=float(part["actual"].mean()), peak_score=float(peak),
                   ongoing=last == len(frame) - 1, episodes=len(runs))


def _aware(value: Any) -> datetime:
    stamp = pd.Timestamp(value)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.to_pydatetime()


# -- grouping and ranking ------------------------------------------------------------------------------
def _overlap(a: Anomaly, start: datetime, end: datetime) -> bool:
    return a.start <= end + timedelta(seconds=a.period) and start <= a.end + timedelta(seconds=a.period)


def group_anomalies(anomalies: Sequence[Anomaly], series: Iterable[SeriesKey] = ()) -> list[AnomalyGroup]:
    """Anomalies grouped by a shared dimension value when two or more overlap in time, ranked by severity.

    Greedy: the dimension value shared by the most still-ungrouped anomalies
    (that overlap one another's time) makes a group, then the next; what is left
    stands alone. ``series`` (every series judged) says how many share a value.
    """
    sharing: dict[tuple[str, str], int] = defaultdict(int)
    for key in set(series) | {a.key for a in anomalies}:
        for dim in key.dimensions:
            sharing[dim] += 1
    left = sorted(anomalies, key=lambda a: -a.score)
    groups: list[AnomalyGroup] = []
    while True:
        best: tuple[int, float, tuple[str, str], list[Anomaly]] | None = None
        candidates = {dim for a in left for dim in a.key.dimensions}
        for dim in sorted(candidates):
            members = [a for a in left if dim in a.key.dimensions]
            if len(members) < 2:
                continue
            # keep those overlapping the most severe member's time (they broke together)
            lead = members[0]
            together = [a for a in members if _overlap(a, lead.start, lead.end)]
            if len(together) < 2:
                continue
            rank = (len(together), max(a.score for a in together), dim, together)
            if best is None or rank[:2] > best[:2]:
                best = rank
        if best is None:
            break
        _, _, dim, together = best
        groups.append(AnomalyGroup(tuple(together), dim, sharing[dim]))
        left = [a for a in left if a not in together]
    groups += [AnomalyGroup((a,)) for a in left]
    groups.sort(key=lambda g: (-g.score, -len(g.members), g.title))
    return groups


# -- reading CloudWatch ----------------------------------------------------------------------------------
def _detector_key(item: Mapping[str, Any]) -> SeriesKey | None:
    single = item.get("SingleMetricAnomalyDetector") or item
    if not single.get("MetricName"):
        return None  # a metric-math detector: not a KPI series
    return SeriesKey.of(single.get("Namespace", ""), single["MetricName"], single.get("Dimensions") or (),
                        single.get("Stat") or "Sum")


def detectors(clients: Any) -> dict[SeriesKey, str]:
    """Series with an anomaly detector -> its StateValue (TRAINED, PENDING_TRAINING...)."""
    found: dict[SeriesKey, str] = {}
    cw = clients.client("cloudwatch")
    for page in paging.pages(cw, "describe_anomaly_detectors", "AnomalyDetectors"):
        for item in page:
            key = _detector_key(item)
            if key is not None:
                found[key] = item.get("StateValue", "")
    return found


def _stat_for(metric: str) -> str:
    lowered = metric.lower()
    return "Average" if any(w in lowered for w in ("error", "rate", "latency", "duration", "ratio")) else "Sum"


def kpi_series(clients: Any, source: KpiSource) -> list[SeriesKey]:
    """Every series of the namespace (ListMetrics), each with the statistic a KPI of its kind uses."""
    cw = clients.client("cloudwatch")
    keys = {SeriesKey.of(source.namespace, m["MetricName"], m.get("Dimensions") or (), _stat_for(m["MetricName"]))
            for page in paging.pages(cw, "list_metrics", "Metrics", Namespace=source.namespace) for m in page}
    return sorted(keys)


def _series(result: Mapping[str, Any]) -> pd.Series:
    stamps = pd.to_datetime(list(result.get("Timestamps") or []), utc=True)
    return pd.Series(list(result.get("Values") or []), index=stamps, dtype=float).sort_index()


def fetch(clients: Any, keys: Sequence[SeriesKey], banded: set[SeriesKey], period: int,
          start: datetime, end: datetime) -> dict[SeriesKey, tuple[pd.Series, pd.Series | None, pd.Series | None]]:
    """Actual values (and the band where ``banded``) of ``keys``, within GetMetricData's limits per call."""
    points = max(1, int((end - start).total_seconds() // period) + 1)
    per_call = max(1, min(MAX_QUERIES // 2, MAX_DATAPOINTS // (3 * points)))
    cw = clients.client("cloudwatch")
    out: dict[SeriesKey, tuple[pd.Series, pd.Series | None, pd.Series | None]] = {}
    for first in range(0, len(keys), per_call):
        batch = keys[first:first + per_call]
        queries = []
        for i, key in enumerate(batch):
            queries.append({"Id": f"m{i}", "MetricStat": key.metric_stat(period), "ReturnData": True})
            if key in banded:
                queries.append({"Id": f"b{i}", "Expression": f"ANOMALY_DETECTION_BAND(m{i}, {BAND_WIDTH:g})",
                                "ReturnData": True})
        results: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
        for response in paging.responses(cw, "get_metric_data", MetricDataQueries=queries, StartTime=start,
                                         EndTime=end, ScanBy="TimestampAscending"):
            for result in response.get("MetricDataResults") or []:
                results[result["Id"]].append(result)
        for i, key in enumerate(batch):
            actual = pd.concat([_series(r) for r in results.get(f"m{i}", [])] or [pd.Series(dtype=float)])
            lower = upper = None
            band = _band_pair(results.get(f"b{i}", []))
            if band is not None:
                lower, upper = band
            out[key] = (actual[~actual.index.duplicated()].sort_index(), lower, upper)
    return out


def _band_pair(results: Sequence[Mapping[str, Any]]) -> tuple[pd.Series, pd.Series] | None:
    """The band's two series (pages joined by label), told apart by their values, not their order."""
    by_label: dict[str, list[pd.Series]] = defaultdict(list)
    for result in results:
        by_label[result.get("Label", "")].append(_series(result))
    series = [pd.concat(parts).sort_index() for parts in by_label.values()]
    series = [s[~s.index.duplicated()] for s in series if len(s)]
    if len(series) != 2:
        return None
    a, b = series
    lower, upper = (a, b) if float(a.mean()) <= float(b.mean()) else (b, a)
    return lower, upper


def scan(clients: Any, sources: Sequence[KpiSource] = DEFAULT_SOURCES, now: datetime | None = None,
         threshold: float = DEFAULT_THRESHOLD) -> Iterator[Progress]:
    """Judge every KPI series; yields progress, returns an :class:`AnomalyReport`."""
    now = now or datetime.now(timezone.utc)
    yield Progress(0, None, "Reading anomaly detectors")
    known = detectors(clients)
    wanted = list(sources)
    for namespace in sorted({k.namespace for k in known} - {s.namespace for s in wanted}):
        if not namespace.startswith("AWS/"):
            wanted.append(KpiSource(namespace))
    views: dict[SeriesKey, SeriesView] = {}
    for done, source in enumerate(wanted):
        yield Progress(done, len(wanted), f"Reading {source.namespace}")
        keys = kpi_series(clients, source)
        # a detector's own statistic wins over the guess
        by_series = {(k.namespace, k.metric, k.dimensions): k for k in known}
        keys = sorted({by_series.get((k.namespace, k.metric, k.dimensions), k) for k in keys})
        end = now.replace(second=0, microsecond=0)
        if source.period >= 3600:
            end = end.replace(minute=0)  # whole periods only: the current hour is still filling
        else:
            end -= timedelta(seconds=source.period)
        data = fetch(clients, keys, set(keys) & set(known), source.period, end - source.lookback, end)
        for key, (actual, lower, upper) in data.items():
            if len(actual) < 5:
                continue
            if lower is not None and upper is not None and len(lower):
                frame = judge_band(actual, lower.reindex(actual.index), upper.reindex(actual.index))
                views[key] = SeriesView(key, CLOUDWATCH_BAND, source.period, frame)
            else:
                views[key] = SeriesView(key, CONSOLE_DETECTOR, source.period, judge(actual, source.period, threshold))
    yield Progress(len(wanted), len(wanted), "Grouping")
    found = [a for a in (latest_anomaly(v) for v in views.values()) if a is not None]
    return AnomalyReport(tuple(group_anomalies(found, views)), views, len(known))


def describe_change(anomaly: Anomaly) -> str:
    """"-82 %" or "+40 %" (or "" when nothing was expected), for a table cell."""
    change = anomaly.change
    if change is None or not math.isfinite(change):
        return ""
    return f"{change * 100:+.0f} %"
