"""Alarm evaluation from the metrics: what CloudWatch does every period, done when asked.

:func:`evaluate_alarms` looks at each metric alarm's last EvaluationPeriods
complete periods at a given time, decides its state the way CloudWatch
documents it ("Evaluating an alarm": M out of N datapoints breaching,
TreatMissingData missing / notBreaching / breaching / ignore, anomaly bands
for ``ThresholdMetricId`` alarms) and moves it through
:meth:`AlarmBook.set_state` (history, actions, composite parents). Composite
alarms follow from their children. The caller owns the schedule: the
scenario's live thread, or a test with a pinned time.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

from opsconsole.sandbox.cloudwatch import metrics
from opsconsole.sandbox.cloudwatch.alarms import AlarmBook
from opsconsole.sandbox.cloudwatch.definitions import BAND_OPERATORS
from opsconsole.sandbox.cloudwatch.queries import band_series, stat_series

_OPERATORS = {
    "GreaterThanOrEqualToThreshold": (lambda v, t: v >= t, "greater than or equal to"),
    "GreaterThanThreshold": (lambda v, t: v > t, "greater than"),
    "LessThanThreshold": (lambda v, t: v < t, "less than"),
    "LessThanOrEqualToThreshold": (lambda v, t: v <= t, "less than or equal to"),
}


def evaluate_alarms(book: AlarmBook, at: dt.datetime, names: list[str] | None = None,
                    actions: bool = True) -> dict[str, str]:
    """Evaluate metric alarms (all, or ``names``) at ``at``; returns name -> new state for those that
    changed (``actions=False``: record the changes without running the alarms' actions)."""
    index = metrics.index_for(book.backend)
    changed = {}
    with book.lock:
        targets = [n for n in (names or list(book.definitions)) if n not in book.composites
                   and n in book.definitions and n in book.backend.alarms]
    for name in targets:
        with book.lock:
            definition = book.definitions.get(name)
            if definition is None or name not in book.backend.alarms:
                continue
            decided = decide(index, definition, at)
            if decided is None:
                continue
            state, reason, data = decided
            if book.set_state(name, state, reason, json.dumps(data), at, actions):
                changed[name] = state
    return changed


def decide(index: metrics.MetricIndex, alarm: dict[str, Any], at: dt.datetime) -> tuple[str, str, dict] | None:
    """(state, reason, reason data) for one alarm at ``at``; None to keep the state (TreatMissingData=ignore)."""
    stat, period = _metric_stat(alarm)
    if stat is None:
        return None
    periods = alarm["EvaluationPeriods"]
    needed = alarm.get("DatapointsToAlarm") or periods
    end = math.floor(at.timestamp() / period) * period  # the last complete period ends here
    start = end - periods * period
    begin, finish = (dt.datetime.fromtimestamp(t, dt.timezone.utc) for t in (start, end))
    values = dict(stat_series(index, stat, begin, finish))
    operator = alarm["ComparisonOperator"]
    bounds: dict[float, tuple[float, float]] = {}
    if operator in BAND_OPERATORS:
        width = _band_width(alarm)
        upper, lower = band_series(index, stat, begin, finish, width)
        bounds = {t: (low, high) for (t, high), (_, low) in zip(upper, lower)}
    slots = [start + i * period for i in range(periods)]
    breaching, present, points = 0, 0, []
    for slot in slots:
        value = values.get(slot)
        if value is None or (operator in BAND_OPERATORS and slot not in bounds):
            continue
        present += 1
        points.append((slot, value))
        if _breaches(operator, value, alarm.get("Threshold"), bounds.get(slot)):
            breaching += 1
    missing = periods - present
    treat = alarm.get("TreatMissingData") or "missing"
    if present == 0:
        if treat == "ignore":
            return None
        if treat == "missing":
            return ("INSUFFICIENT_DATA", f"Insufficient Data: {periods} datapoint"
                    f"{'s were' if periods > 1 else ' was'} unknown.", _data(stat, period, points, alarm, at))
    if treat == "breaching":
        breaching += missing
    state = "ALARM" if breaching >= needed else "OK"
    return state, _reason(alarm, state, breaching, periods, points), _data(stat, period, points, alarm, at)


def _metric_stat(alarm: dict[str, Any]) -> tuple[dict[str, Any] | None, int]:
    if alarm.get("Metrics"):
        returned = [m for m in alarm["Metrics"] if m.get("MetricStat") and m.get("ReturnData", True)]
        if not returned:
            return None, 60  # metric math the sandbox does not compute
        stat = returned[0]["MetricStat"]
        return stat, stat["Period"]
    stat = {"Metric": {"Namespace": alarm["Namespace"], "MetricName": alarm["MetricName"],
                       "Dimensions": alarm.get("Dimensions", [])},
            "Period": alarm["Period"], "Stat": alarm.get("Statistic") or alarm["ExtendedStatistic"],
            "Unit": alarm.get("Unit")}
    return stat, alarm["Period"]


def _band_width(alarm: dict[str, Any]) -> float:
    for metric in alarm["Metrics"]:
        if metric["Id"] == alarm.get("ThresholdMetricId"):
            inside = metric["Expression"].split("(", 1)[1].rsplit(")", 1)[0].split(",")
            return float(inside[1]) if len(inside) > 1 else 2.0
    return 2.0


def _breaches(operator: str, value: float, threshold: float | None, bounds: tuple[float, float] | None) -> bool:
    if operator in BAND_OPERATORS:
        low, high = bounds or (value, value)
        return {"LessThanLowerOrGreaterThanUpperThreshold": value < low or value > high,
                "LessThanLowerThreshold": value < low, "GreaterThanUpperThreshold": value > high}[operator]
    return _OPERATORS[operator][0](value, float(threshold or 0))


def _reason(alarm: dict[str, Any], state: str, breaching: int, periods: int, points: list) -> str:
    shown = ", ".join(f"{v:g} ({dt.datetime.fromtimestamp(t, dt.timezone.utc):%d/%m/%y %H:%M:%S})"
                      for t, v in points[-5:])
    operator = alarm["ComparisonOperator"]
    if operator in BAND_OPERATORS:
        if state == "ALARM":
            return (f"Thresholds Crossed: {breaching} out of the last {periods} datapoints [{shown}] "
                    "were outside the band.")
        return f"Thresholds Crossed: no datapoints were outside the band [{shown}]."
    words = _OPERATORS[operator][1]
    threshold = float(alarm["Threshold"])
    if state == "ALARM":
        return (f"Threshold Crossed: {breaching} out of the last {periods} datapoints [{shown}] "
                f"{'was' if breaching == 1 else 'were'} {words} the threshold ({threshold})")
    return f"Threshold Crossed: no datapoints were {words} the threshold ({threshold}) [{shown}]."


def _data(stat: dict[str, Any], period: int, points: list, alarm: dict[str, Any], at: dt.datetime) -> dict:
    data = {"version": "1.0", "queryDate": at.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
            "statistic": stat["Stat"], "period": period,
            "recentDatapoints": [v for _, v in points],
            "evaluatedDatapoints": [{"timestamp": dt.datetime.fromtimestamp(t, dt.timezone.utc)
                                     .strftime("%Y-%m-%dT%H:%M:%S.000+0000"), "value": v}
                                    for t, v in reversed(points)]}
    if alarm.get("Threshold") is not None:
        data["threshold"] = float(alarm["Threshold"])
    return data
