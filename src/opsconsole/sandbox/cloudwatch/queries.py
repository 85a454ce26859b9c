"""GetMetricData over the metric index: MetricStat queries, id references and ANOMALY_DETECTION_BAND.

How the band comes back: CloudWatch's metric math reference describes
``ANOMALY_DETECTION_BAND(m1, k)`` as a band of two time series, the upper and
the lower limit of the expected values, k standard deviations wide (default
2). The sandbox answers with two MetricDataResults that share the
expression's Id, the upper first, labelled ``<label> High`` and
``<label> Low``. The labels' exact wording and the order are not confirmed
from AWS's documentation (see docs/sandbox-alerts.md).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import math
import re
from typing import Any

from opsconsole.sandbox.cloudwatch import metrics
from opsconsole.sandbox.cloudwatch.wire import (
    CloudWatchError,
    invalid_value,
    validation,
)

#: GetMetricData's limits (CloudWatch API reference, GetMetricData)
MAX_QUERIES = 500
MAX_DATAPOINTS = 100_800
_BAND = re.compile(r"\s*ANOMALY_DETECTION_BAND\s*\(\s*(?P<id>[a-z][A-Za-z0-9_]*)\s*(?:,\s*(?P<k>[0-9.]+)\s*)?\)\s*")
_REFERENCE = re.compile(r"\s*(?P<id>[a-z][A-Za-z0-9_]*)\s*")
_ID = re.compile(r"[a-z][A-Za-z0-9_]*")


class Unsupported(Exception):
    """An expression the sandbox does not compute (moto answers it instead)."""


def check_queries(queries: list[dict[str, Any]]) -> None:
    """GetMetricData / PutMetricAlarm query rules the model cannot express."""
    if len(queries) > MAX_QUERIES:
        raise validation(f"The collection MetricDataQueries must not have a size greater than {MAX_QUERIES}.")
    ids = [q["Id"] for q in queries]
    if len(set(ids)) != len(ids):
        raise validation("The values for parameter id in MetricDataQueries are not unique.")
    for query in queries:
        if not _ID.fullmatch(query["Id"]):
            raise validation(f"Invalid metric data query id {query['Id']}: the first character must be a "
                             "lowercase letter, the others letters, numbers or underscores.")
        if (query.get("MetricStat") is None) == (query.get("Expression") is None):
            raise validation("Exactly one element of the metrics list should have either Expression or MetricStat.")
        stat = query.get("MetricStat")
        if stat is not None:
            if stat["Period"] not in (1, 5, 10, 20, 30) and stat["Period"] % 60:
                raise invalid_value("The parameter Period must be 1, 5, 10, 20, 30 or a multiple of 60.")
            if not metrics.is_statistic(stat["Stat"]):
                raise invalid_value(f"The value {stat['Stat']} for parameter MetricDataQueries.member.Stat "
                                    "is not supported.")


def get_metric_data(index: metrics.MetricIndex, params: dict[str, Any],
                    band_used: Any = None) -> dict[str, Any]:
    """The GetMetricData answer; raises :class:`Unsupported` for expressions beyond the band."""
    queries = params["MetricDataQueries"]
    check_queries(queries)
    start, end = params["StartTime"], params["EndTime"]
    if start >= end:
        raise validation("The parameter StartTime must be less than the parameter EndTime.")
    descending = params.get("ScanBy", "TimestampDescending") == "TimestampDescending"
    by_id = {q["Id"]: q for q in queries}
    results: list[dict[str, Any]] = []
    for query in queries:
        if not query.get("ReturnData", True):
            continue
        if query.get("MetricStat"):
            results.append(_result(query, _label(query), stat_series(index, query["MetricStat"], start, end)))
            continue
        expression = query["Expression"]
        found = _BAND.fullmatch(expression)
        if found:
            source = by_id.get(found.group("id"))
            if source is None or not source.get("MetricStat"):
                raise validation(f"Error in expression '{query['Id']}': Unrecognized metric or expression "
                                 f"{found.group('id')}")
            width = float(found.group("k") or 2)
            if band_used is not None:
                band_used(source["MetricStat"])
            upper, lower = band_series(index, source["MetricStat"], start, end, width)
            label = query.get("Label") or query["Id"]
            results += [_result(query, f"{label} High", upper), _result(query, f"{label} Low", lower)]
            continue
        found = _REFERENCE.fullmatch(expression)
        if found and by_id.get(found.group("id"), {}).get("MetricStat"):
            source = by_id[found.group("id")]
            results.append(_result(query, query.get("Label") or query["Id"],
                                   stat_series(index, source["MetricStat"], start, end)))
            continue
        raise Unsupported(expression)
    for result in results:
        if descending:
            result["Timestamps"].reverse()
            result["Values"].reverse()
    return _paged(results, params)


def stat_series(index: metrics.MetricIndex, stat: dict[str, Any], start: dt.datetime,
                end: dt.datetime) -> list[tuple[float, float]]:
    """The statistic per period, only as far back as CloudWatch keeps that resolution."""
    metric = stat["Metric"]
    key = metrics.metric_key(metric["Namespace"], metric["MetricName"], metric.get("Dimensions"))
    oldest = dt.datetime.now(dt.timezone.utc).timestamp() - retention(stat["Period"])
    series = index.series(key, max(start, dt.datetime.fromtimestamp(oldest, dt.timezone.utc)), end,
                          stat["Period"], stat["Stat"], stat.get("Unit"))
    return [(at, value) for at, value in series if at >= oldest]


def retention(period: int) -> float:
    """Seconds a period's datapoints stay retrievable (GetMetricData): under 60 s for 3 hours,
    whole minutes for 15 days, multiples of 5 minutes for 63 days, of an hour for 455 days."""
    if period < 60:
        return 3 * 3600
    if period % 300:
        return 15 * metrics.DAY
    if period % 3600:
        return 63 * metrics.DAY
    return 455 * metrics.DAY


def band_series(index: metrics.MetricIndex, stat: dict[str, Any], start: dt.datetime, end: dt.datetime,
                width: float) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    """(upper, lower) series of the band over the query's range."""
    history = dict(stat_series(index, stat, metrics.history_start(start), end))
    first = math.floor(start.timestamp() / stat["Period"]) * stat["Period"]
    times = [at for at in sorted(history) if at >= first]
    band = metrics.band(history, times, stat["Period"], width)
    return [(at, high) for at, _, high in band], [(at, low) for at, low, _ in band]


def _label(query: dict[str, Any]) -> str:
    return query.get("Label") or query["MetricStat"]["Metric"]["MetricName"]


def _result(query: dict[str, Any], label: str, series: list[tuple[float, float]]) -> dict[str, Any]:
    return {"Id": query["Id"], "Label": label, "StatusCode": "Complete",
            "Timestamps": [dt.datetime.fromtimestamp(at, dt.timezone.utc) for at, _ in series],
            "Values": [value for _, value in series]}


def _paged(results: list[dict[str, Any]], params: dict[str, Any]) -> dict[str, Any]:
    """Cut the answer at MaxDatapoints (default 100,800); NextToken continues where it stopped."""
    limit = int(params.get("MaxDatapoints") or MAX_DATAPOINTS)
    skip = 0
    if params.get("NextToken"):
        try:
            skip = int(json.loads(base64.urlsafe_b64decode(params["NextToken"].encode()))["skip"])
        except (ValueError, TypeError, KeyError):
            raise CloudWatchError("InvalidNextToken", "The service returned an invalid next token.") from None
    position, answer = 0, []
    for result in results:
        size = len(result["Values"])
        take_from = max(0, skip - position)
        room = limit - sum(len(r["Values"]) for r in answer)
        chunk = slice(take_from, take_from + max(room, 0))
        position += size
        if take_from >= size and size:
            continue
        piece = {**result, "Timestamps": result["Timestamps"][chunk], "Values": result["Values"][chunk]}
        if take_from + len(piece["Values"]) < size:
            piece["StatusCode"] = "PartialData"
        answer.append(piece)
    delivered = skip + sum(len(r["Values"]) for r in answer)
    total = sum(len(r["Values"]) for r in results)
    token = None
    if delivered < total:
        token = base64.urlsafe_b64encode(json.dumps({"skip": delivered}).encode()).decode()
    return {"MetricDataResults": answer, "NextToken": token, "Messages": []}
