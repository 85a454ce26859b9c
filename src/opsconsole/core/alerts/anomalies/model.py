"""What the KPI anomaly scan deals in: series, judged series, anomalies, groups, the report; severity."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

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


def describe_change(anomaly: Anomaly) -> str:
    """"-82 %" or "+40 %" (or "" when nothing was expected), for a table cell."""
    change = anomaly.change
    if change is None or not math.isfinite(change):
        return ""
    return f"{change * 100:+.0f} %"
