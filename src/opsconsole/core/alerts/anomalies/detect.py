"""The console's own robust seasonal detector, the CloudWatch band's verdict, runs, grouping and ranking
(pure pandas; no AWS)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from opsconsole.core.alerts.anomalies.model import (
    BAND_WIDTH,
    DEFAULT_THRESHOLD,
    MIN_CHANGE,
    MIN_RELATIVE_SPREAD,
    RUN_GAP,
    Anomaly,
    AnomalyGroup,
    SeriesKey,
    SeriesView,
)

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
            # keep those overlapping the time of the most severe member that broke together with another
            # (a worse break of the same value at another time does not keep them apart)
            together: list[Anomaly] = []
            for lead in members:
                together = [a for a in members if _overlap(a, lead.start, lead.end)]
                if len(together) >= 2:
                    break
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
