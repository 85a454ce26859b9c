"""Reading the KPIs from CloudWatch: anomaly detectors, the series of a namespace, values and bands
within GetMetricData's limits, and the scan that judges them all."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

import pandas as pd

from opsconsole.core import paging
from opsconsole.core.alerts.anomalies.detect import group_anomalies, judge, judge_band, latest_anomaly
from opsconsole.core.alerts.anomalies.model import (
    BAND_WIDTH,
    CLOUDWATCH_BAND,
    CONSOLE_DETECTOR,
    DEFAULT_SOURCES,
    DEFAULT_THRESHOLD,
    MAX_DATAPOINTS,
    MAX_QUERIES,
    AnomalyReport,
    KpiSource,
    SeriesKey,
    SeriesView,
)
from opsconsole.core.progress import Progress

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
            band = band_pair(results.get(f"b{i}", []))
            if band is not None:
                lower, upper = band
            out[key] = (actual[~actual.index.duplicated()].sort_index(), lower, upper)
    return out


def band_pair(results: Sequence[Mapping[str, Any]]) -> tuple[pd.Series, pd.Series] | None:
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


#: Series read and judged between two progress reports (where a cancelled scan stops: within a few
#: seconds even on a loaded machine, instead of after a whole namespace).
SCAN_BATCH = 50


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
        for first in range(0, len(keys), SCAN_BATCH):
            if first:  # a point where a cancelled scan stops, and the progress moves
                yield Progress(done, len(wanted), f"Reading {source.namespace}: {first:,} of {len(keys):,} series")
            part = keys[first:first + SCAN_BATCH]
            data = fetch(clients, part, set(part) & set(known), source.period, end - source.lookback, end)
            for key, (actual, lower, upper) in data.items():
                if len(actual) < 5:
                    continue
                if lower is not None and upper is not None and len(lower):
                    frame = judge_band(actual, lower.reindex(actual.index), upper.reindex(actual.index))
                    views[key] = SeriesView(key, CLOUDWATCH_BAND, source.period, frame)
                else:
                    views[key] = SeriesView(key, CONSOLE_DETECTOR, source.period,
                                            judge(actual, source.period, threshold))
    yield Progress(len(wanted), len(wanted), "Grouping")
    found = [a for a in (latest_anomaly(v) for v in views.values()) if a is not None]
    return AnomalyReport(tuple(group_anomalies(found, views)), views, len(known))
