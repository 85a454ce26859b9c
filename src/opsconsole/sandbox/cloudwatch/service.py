"""CloudWatch operations the sandbox serves in front of moto (AWS JSON 1.0, as botocore 1.44 sends them).

Served here (CloudWatch API reference, each operation's page):

* alarms: PutMetricAlarm, PutCompositeAlarm, DescribeAlarms (AlarmTypes,
  ChildrenOfAlarmName, ParentsOfAlarmName, paging), SetAlarmState, DeleteAlarms,
  DescribeAlarmHistory (StateUpdate / ConfigurationUpdate / Action items,
  dates, ScanBy, paging);
* anomaly detectors: PutAnomalyDetector, DescribeAnomalyDetectors, DeleteAnomalyDetector;
* GetMetricData (MetricStat queries, id references, ANOMALY_DETECTION_BAND),
  from an index over moto's datapoints; other metric math goes to moto;
* ListMetrics from the same index: each metric once, 500 a page, dimension
  filters by name alone or name and value (a metric with more dimensions
  matches), RecentlyActive=PT3H. (moto's walks every datapoint against every
  metric found so far, 11 s for the scenario's first page, and repeats a
  metric without dimensions once per datapoint.)

Every other CloudWatch operation (PutMetricData, tags,
Enable/DisableAlarmActions, DescribeAlarmsForMetric, ...) is moto's, over the
same endpoint, on the same alarms.
"""

from __future__ import annotations

import logging
import zoneinfo
from collections.abc import Callable
from typing import Any

from opsconsole.sandbox.cloudwatch import alarms, metrics, queries
from opsconsole.sandbox.cloudwatch.alarms import AlarmBook, book
from opsconsole.sandbox.cloudwatch.definitions import BAND_OPERATORS
from opsconsole.sandbox.cloudwatch.wire import (
    TARGET_PREFIX,
    CloudWatchError,
    combination,
    invalid_value,
    page,
    scope_of,
    service_model,
    validation,
)
from opsconsole.sandbox.server import (
    ExtensionRegistry,
    ExtensionRequest,
    ExtensionResponse,
)
from opsconsole.sandbox.cloudwatch.evaluator import evaluate_alarms

__all__ = ["AlarmBook", "book", "evaluate", "register", "reset"]

log = logging.getLogger(__name__)

Operation = Callable[[AlarmBook, dict[str, Any]], dict[str, Any]]
OPERATIONS: dict[str, Operation] = {}


def operation(name: str) -> Callable[[Operation], Operation]:
    def add(work: Operation) -> Operation:
        OPERATIONS[name] = work
        return work
    return add


# -- alarms -----------------------------------------------------------------------------------
@operation("PutMetricAlarm")
def put_metric_alarm(alarm_book: AlarmBook, params: dict[str, Any]) -> dict[str, Any]:
    """Create or update; a new alarm starts in INSUFFICIENT_DATA "and is then evaluated" (API reference)."""

    created = params["AlarmName"] not in alarm_book.backend.alarms
    put_metric_alarm_at(alarm_book, params, None)
    if created:  # an update leaves the state as it is
        evaluate_alarms(alarm_book, alarm_book.clock(), [params["AlarmName"]])
    return {}


def put_metric_alarm_at(alarm_book: AlarmBook, params: dict[str, Any], at: Any) -> None:
    """PutMetricAlarm as of ``at`` (None: now); the scenario back-dates what it seeds."""
    if params.get("Metrics"):
        queries.check_queries(params["Metrics"])
    alarm_book.put_metric_alarm(params, at)
    if params["ComparisonOperator"] in BAND_OPERATORS:
        for metric in params["Metrics"]:
            if metric.get("MetricStat") and metric.get("ReturnData", True):
                ensure_detector(alarm_book, metric["MetricStat"])


@operation("PutCompositeAlarm")
def put_composite_alarm(alarm_book: AlarmBook, params: dict[str, Any]) -> dict[str, Any]:
    alarm_book.put_composite_alarm(params)
    return {}


@operation("SetAlarmState")
def set_alarm_state(alarm_book: AlarmBook, params: dict[str, Any]) -> dict[str, Any]:
    alarm_book.set_state(params["AlarmName"], params["StateValue"], params["StateReason"],
                         params.get("StateReasonData"))
    return {}


@operation("DeleteAlarms")
def delete_alarms(alarm_book: AlarmBook, params: dict[str, Any]) -> dict[str, Any]:
    alarm_book.delete_alarms(params["AlarmNames"])
    return {}


@operation("DescribeAlarms")
def describe_alarms(alarm_book: AlarmBook, params: dict[str, Any]) -> dict[str, Any]:
    family = params.get("ChildrenOfAlarmName") or params.get("ParentsOfAlarmName")
    if family:
        others = [k for k in params if k not in ("ChildrenOfAlarmName", "ParentsOfAlarmName", "MaxRecords",
                                                  "NextToken")]
        if others or (params.get("ChildrenOfAlarmName") and params.get("ParentsOfAlarmName")):
            raise validation("If you specify ChildrenOfAlarmName or ParentsOfAlarmName, you cannot specify "
                             "any other parameters in the request except for MaxRecords and NextToken.")
    if params.get("AlarmNames") and params.get("AlarmNamePrefix"):
        raise combination("AlarmNames and AlarmNamePrefix cannot be used together.")
    with alarm_book.lock:
        every = sorted(alarm_book.backend.alarms.values(), key=lambda a: a.name)
        if params.get("ChildrenOfAlarmName"):
            wanted = set(alarm_book.children_of(params["ChildrenOfAlarmName"]))
            chosen = [a for a in every if a.name in wanted]
        elif params.get("ParentsOfAlarmName"):
            wanted = set(alarm_book.parents_of(alarm_book.name_of(params["ParentsOfAlarmName"])))
            chosen = [a for a in every if a.name in wanted]
        else:
            types = params.get("AlarmTypes") or ["MetricAlarm"]  # AWS: only metric alarms unless asked
            chosen = [a for a in every if _matches(alarm_book, a, params, types)]
        # describe only the page asked for: thousands of alarms are listed 100 at a time
        chunk, token = page(chosen, params.get("MaxRecords") or 50, params.get("NextToken"), scope_of(params))
        shown = [alarm_book.describe(a) for a in chunk]
    if params.get("ChildrenOfAlarmName"):  # AWS answers only these members for the family filters
        shown = [(kind, {k: a.get(k) for k in ("AlarmName", "AlarmArn", "StateValue", "StateUpdatedTimestamp")})
                 for kind, a in shown]
    elif params.get("ParentsOfAlarmName"):
        shown = [(kind, {k: a.get(k) for k in ("AlarmName", "AlarmArn")}) for kind, a in shown]
    return {"MetricAlarms": [a for kind, a in shown if kind == "MetricAlarm"],
            "CompositeAlarms": [a for kind, a in shown if kind == "CompositeAlarm"], "NextToken": token}


def _matches(alarm_book: AlarmBook, alarm: Any, params: dict[str, Any], types: list[str]) -> bool:
    kind = "CompositeAlarm" if alarm.name in alarm_book.composites or alarm.rule is not None else "MetricAlarm"
    if kind not in types:
        return False
    if params.get("AlarmNames") and alarm.name not in params["AlarmNames"]:
        return False
    if params.get("AlarmNamePrefix") and not alarm.name.startswith(params["AlarmNamePrefix"]):
        return False
    if params.get("StateValue") and alarm.state_value != params["StateValue"]:
        return False
    if params.get("ActionPrefix"):
        actions = [*alarm.alarm_actions, *alarm.ok_actions, *alarm.insufficient_data_actions]
        if not any(action.startswith(params["ActionPrefix"]) for action in actions):
            return False
    return True


@operation("DescribeAlarmHistory")
def describe_alarm_history(alarm_book: AlarmBook, params: dict[str, Any]) -> dict[str, Any]:
    start, end = params.get("StartDate"), params.get("EndDate")
    if start and end and start > end:
        raise invalid_value("The parameter StartDate must be less than or equal to the parameter EndDate.")
    types = params.get("AlarmTypes") or ["MetricAlarm"]  # AWS: only metric alarms unless asked
    with alarm_book.lock:
        items = [item for item in alarm_book.history
                 if (not params.get("AlarmName") or item["AlarmName"] == params["AlarmName"])
                 and item["AlarmType"] in types
                 and (not params.get("HistoryItemType") or item["HistoryItemType"] == params["HistoryItemType"])
                 and (not start or item["Timestamp"] >= start) and (not end or item["Timestamp"] <= end)]
    # history is appended in time order except for seeded back-dated items: sort by time, then by
    # the order things happened (a state change before the action it ran)
    order = sorted(range(len(items)), key=lambda i: (items[i]["Timestamp"], i),
                   reverse=params.get("ScanBy", "TimestampDescending") == "TimestampDescending")
    items = [items[i] for i in order]
    chunk, token = page(items, params.get("MaxRecords") or 100, params.get("NextToken"), scope_of(params))
    return {"AlarmHistoryItems": chunk, "NextToken": token}


# -- anomaly detectors ------------------------------------------------------------------------
def _detector_identity(params: dict[str, Any]) -> dict[str, Any]:
    """The detector a Put/Delete names, as {"SingleMetricAnomalyDetector": ...} or {"MetricMathAnomalyDetector": ...}."""
    legacy = {k: params[k] for k in ("Namespace", "MetricName", "Dimensions", "Stat") if params.get(k) is not None}
    single, math = params.get("SingleMetricAnomalyDetector"), params.get("MetricMathAnomalyDetector")
    if sum(bool(x) for x in (legacy, single, math)) > 1:
        raise combination("Specify only one of SingleMetricAnomalyDetector, MetricMathAnomalyDetector or the "
                          "Namespace, MetricName, Dimensions and Stat parameters.")
    if math:
        returned = [q for q in math.get("MetricDataQueries", []) if q.get("ReturnData", True)]
        if len(returned) != 1:
            raise invalid_value("Exactly one MetricDataQuery of a MetricMathAnomalyDetector must have "
                                "ReturnData set to true.")
        queries.check_queries(math["MetricDataQueries"])
        return {"MetricMathAnomalyDetector": math}
    single = dict(single or legacy)
    for member in ("Namespace", "MetricName", "Stat"):
        if not single.get(member):
            raise CloudWatchError("MissingRequiredParameterException", f"The parameter {member} is required.")
    if not metrics.is_statistic(single["Stat"]):
        raise invalid_value(f"The value {single['Stat']} for parameter Stat is not supported.")
    single.setdefault("Dimensions", [])
    return {"SingleMetricAnomalyDetector": single}


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    def key(identity: dict[str, Any]) -> Any:
        single = identity.get("SingleMetricAnomalyDetector")
        if single:
            return ("single", metrics.metric_key(single["Namespace"], single["MetricName"],
                                                 single.get("Dimensions")), single["Stat"])
        return ("math", repr(identity.get("MetricMathAnomalyDetector")))
    return key(a) == key(b)


@operation("PutAnomalyDetector")
def put_anomaly_detector(alarm_book: AlarmBook, params: dict[str, Any]) -> dict[str, Any]:
    identity = _detector_identity(params)
    configuration = params.get("Configuration") or {}
    for window in configuration.get("ExcludedTimeRanges", []):
        if window["StartTime"] >= window["EndTime"]:
            raise invalid_value("The StartTime of an excluded time range must be before its EndTime.")
    zone = configuration.get("MetricTimezone")
    if zone:
        try:
            zoneinfo.ZoneInfo(zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise invalid_value(f"The value {zone} for parameter MetricTimezone is not a valid time zone.") from None
    detector = {**identity, "Configuration": configuration,
                "MetricCharacteristics": params.get("MetricCharacteristics") or {"PeriodicSpikes": False}}
    with alarm_book.lock:
        alarm_book.detectors = [d for d in alarm_book.detectors if not _same(d, identity)] + [detector]
    return {}


def ensure_detector(alarm_book: AlarmBook, stat: dict[str, Any]) -> None:
    """The model an anomaly-band alarm or chart uses (created with it, like CloudWatch does)."""
    identity = {"SingleMetricAnomalyDetector": {**stat["Metric"], "Dimensions": stat["Metric"].get("Dimensions", []),
                                                "Stat": stat["Stat"]}}
    with alarm_book.lock:
        if not any(_same(d, identity) for d in alarm_book.detectors):
            alarm_book.detectors.append({**identity, "Configuration": {},
                                         "MetricCharacteristics": {"PeriodicSpikes": False}})


@operation("DescribeAnomalyDetectors")
def describe_anomaly_detectors(alarm_book: AlarmBook, params: dict[str, Any]) -> dict[str, Any]:
    types = params.get("AnomalyDetectorTypes") or ["SINGLE_METRIC", "METRIC_MATH"]
    wanted_dims = {(d["Name"], d["Value"]) for d in params.get("Dimensions", [])}
    index = metrics.index_for(alarm_book.backend)
    shown = []
    with alarm_book.lock:
        detectors = list(alarm_book.detectors)
    for detector in detectors:
        single = detector.get("SingleMetricAnomalyDetector")
        if single is None:
            if "METRIC_MATH" in types and not any(params.get(k) for k in ("Namespace", "MetricName", "Dimensions")):
                shown.append({**detector, "StateValue": "TRAINED"})
            continue
        if "SINGLE_METRIC" not in types:
            continue
        dims = {(d["Name"], d["Value"]) for d in single.get("Dimensions", [])}
        if (params.get("Namespace") and single["Namespace"] != params["Namespace"]) or \
                (params.get("MetricName") and single["MetricName"] != params["MetricName"]) or \
                (wanted_dims and not wanted_dims <= dims):
            continue
        shown.append({"Namespace": single["Namespace"], "MetricName": single["MetricName"],
                      "Dimensions": single.get("Dimensions", []), "Stat": single["Stat"], **detector,
                      "StateValue": _training_state(index, single)})
    chunk, token = page(shown, params.get("MaxResults") or 100, params.get("NextToken"), scope_of(params))
    return {"AnomalyDetectors": chunk, "NextToken": token}


def _training_state(index: metrics.MetricIndex, single: dict[str, Any]) -> str:
    """TRAINED with three days of data, TRAINED_INSUFFICIENT_DATA with some, PENDING_TRAINING with none."""
    key = metrics.metric_key(single["Namespace"], single["MetricName"], single.get("Dimensions"))
    points = index.points(key, 0, float("inf"))
    if not points:
        return "PENDING_TRAINING"
    return "TRAINED" if points[-1].at - points[0].at >= 3 * metrics.DAY else "TRAINED_INSUFFICIENT_DATA"


@operation("DeleteAnomalyDetector")
def delete_anomaly_detector(alarm_book: AlarmBook, params: dict[str, Any]) -> dict[str, Any]:
    identity = _detector_identity(params)
    with alarm_book.lock:
        kept = [d for d in alarm_book.detectors if not _same(d, identity)]
        if len(kept) == len(alarm_book.detectors):
            raise CloudWatchError("ResourceNotFoundException", "No anomaly detector found for the given parameters.")
        alarm_book.detectors = kept
    return {}


# -- metrics ----------------------------------------------------------------------------------
@operation("GetMetricData")
def get_metric_data(alarm_book: AlarmBook, params: dict[str, Any]) -> dict[str, Any]:
    index = metrics.index_for(alarm_book.backend)
    return queries.get_metric_data(index, params, band_used=lambda stat: ensure_detector(alarm_book, stat))


#: ListMetrics: "Up to 500 results are returned for any one call" (API reference); RecentlyActive: 3 hours.
LIST_METRICS_PAGE = 500
RECENTLY_ACTIVE_S = {"PT3H": 3 * 3600}


@operation("ListMetrics")
def list_metrics(alarm_book: AlarmBook, params: dict[str, Any]) -> dict[str, Any]:
    namespace, name = params.get("Namespace"), params.get("MetricName")
    wanted = [(f["Name"], f.get("Value")) for f in params.get("Dimensions") or []]
    since = None
    if params.get("RecentlyActive"):
        since = alarm_book.clock().timestamp() - RECENTLY_ACTIVE_S[params["RecentlyActive"]]
    found: dict[metrics.MetricKey, None] = {}
    listed = [(key, last) for key, last in metrics.index_for(alarm_book.backend).metrics()]
    for datum in alarm_book.backend.aws_metric_data:  # what moto derives from other services (AWS/...)
        listed.append((metrics.metric_key(datum.namespace, datum.name,
                                          [{"Name": d.name, "Value": d.value} for d in datum.dimensions]), None))
    for key, last in listed:
        ns, metric, dims = key
        if (namespace and ns != namespace) or (name and metric != name) or key in found:
            continue
        if since is not None and (last is None or last < since):
            continue
        names = dict(dims)
        if all(n in names and (value is None or names[n] == value) for n, value in wanted):
            found[key] = None
    items = [{"Namespace": ns, "MetricName": metric, "Dimensions": [{"Name": n, "Value": v} for n, v in sorted(dims)]}
             for ns, metric, dims in found]
    shown, token = page(items, LIST_METRICS_PAGE, params.get("NextToken"), scope_of(params))
    result: dict[str, Any] = {"Metrics": shown}
    if token:
        result["NextToken"] = token
    return result


# -- wiring -----------------------------------------------------------------------------------
def handle(request: ExtensionRequest) -> ExtensionResponse | None:
    """Serve one CloudWatch JSON request; None hands it to moto (metric math we do not compute)."""
    name = request.headers.get("X-Amz-Target", "").split(".", 1)[-1]
    model = service_model()
    try:
        params = model.parameters(name, request.body)
        result = OPERATIONS[name](book(request.region, request.account_id), params)
    except queries.Unsupported:
        return None
    except CloudWatchError as error:
        return model.error(error)
    return model.answer(name, result)


def evaluate(region: str, at: Any, names: list[str] | None = None, actions: bool = True) -> dict[str, str]:
    """Evaluate the region's metric alarms at ``at`` (see :mod:`.evaluator`)."""

    return evaluate_alarms(book(region), at, names, actions)


def reset() -> None:
    """Forget alarms' history, composite rules and detectors (moto forgets the alarms)."""
    alarms.reset()
    metrics.reset()


def register(registry: ExtensionRegistry) -> None:
    """Serve the operations above on the sandbox's endpoint (and start with an empty account)."""
    reset()
    for name in OPERATIONS:
        registry.add_json_target(f"{TARGET_PREFIX}.{name}", handle)

