"""What a metric alarm definition may be: PutMetricAlarm's rules, and its translation for moto.

The rules the service model cannot express (CloudWatch API reference,
PutMetricAlarm): a single metric or a Metrics list, never both; Statistic or
ExtendedStatistic; anomaly detection operators with a ThresholdMetricId naming
an ANOMALY_DETECTION_BAND expression and no Threshold; DatapointsToAlarm up to
EvaluationPeriods; an evaluation window of at most 7 days; periods of 10, 20,
30 s or whole minutes.
"""

from __future__ import annotations

from typing import Any

from opsconsole.sandbox.cloudwatch.wire import combination, invalid_value, validation

BAND_OPERATORS = ("LessThanLowerOrGreaterThanUpperThreshold", "LessThanLowerThreshold",
                  "GreaterThanUpperThreshold")


def check_metric_alarm(params: dict[str, Any]) -> None:
    """PutMetricAlarm's rules beyond the model's (CloudWatch API reference, PutMetricAlarm)."""
    single = any(params.get(k) is not None for k in ("MetricName", "Namespace", "Statistic", "ExtendedStatistic",
                                                        "Period", "Dimensions", "Unit"))
    metrics = params.get("Metrics")
    if metrics and single:
        raise combination("Metrics list cannot be used together with MetricName, Namespace, Statistic, "
                          "ExtendedStatistic, Period, Dimensions or Unit.")
    if metrics:
        _check_metrics(params, metrics)
    else:
        _check_single(params)
    _check_threshold(params, metrics)
    datapoints = params.get("DatapointsToAlarm")
    if datapoints is not None and datapoints > params["EvaluationPeriods"]:
        raise validation("DatapointsToAlarm must be less than or equal to EvaluationPeriods.")
    period = params.get("Period") or max((m.get("MetricStat", {}).get("Period", 60) for m in metrics or []),
                                         default=60)
    if period * params["EvaluationPeriods"] > 7 * 86400:
        raise validation("The evaluation window (Period x EvaluationPeriods) must not exceed 7 days.")
    low = params.get("EvaluateLowSampleCountPercentile")
    if low and low not in ("evaluate", "ignore"):
        raise validation(f"Option {low} is not supported. Supported options for parameter "
                         "EvaluateLowSampleCountPercentile are evaluate and ignore.")


def _check_single(params: dict[str, Any]) -> None:
    if not params.get("MetricName") or not params.get("Namespace"):
        raise validation("MetricName and Namespace are required when Metrics is not specified.")
    if params.get("Period") is None:
        raise validation("Period is required when Metrics is not specified.")
    if (params.get("Statistic") is None) == (params.get("ExtendedStatistic") is None):
        raise combination("Exactly one of Statistic or ExtendedStatistic must be specified.")
    extended = params.get("ExtendedStatistic")
    if extended and not extended.startswith("p"):
        raise invalid_value(f"The value {extended} for parameter ExtendedStatistic is not supported.")
    _check_period(params["Period"], "Period")


def _check_metrics(params: dict[str, Any], metrics: list[dict[str, Any]]) -> None:
    ids = [m["Id"] for m in metrics]
    if len(set(ids)) != len(ids):
        raise validation("The values for parameter id in Metrics are not unique.")
    for metric in metrics:
        if (metric.get("MetricStat") is None) == (metric.get("Expression") is None):
            raise validation("Exactly one element of the metrics list should have either Expression or "
                             "MetricStat.")
        if metric.get("MetricStat"):
            _check_period(metric["MetricStat"]["Period"], "Period")
    if params["ComparisonOperator"] in BAND_OPERATORS:
        if not params.get("ThresholdMetricId"):
            raise validation("ThresholdMetricId is required for anomaly detection alarms.")
        band = [m for m in metrics if m["Id"] == params["ThresholdMetricId"]]
        if not band or "ANOMALY_DETECTION_BAND" not in (band[0].get("Expression") or ""):
            raise validation("ThresholdMetricId must be the Id of an ANOMALY_DETECTION_BAND expression "
                             "in Metrics.")
    elif len([m for m in metrics if m.get("ReturnData", True)]) != 1:
        raise validation("Exactly one element of the metrics list should return data.")


def _check_threshold(params: dict[str, Any], metrics: list[dict[str, Any]] | None) -> None:
    if params["ComparisonOperator"] in BAND_OPERATORS:
        actions = [*params.get("AlarmActions", []), *params.get("OKActions", []),
                   *params.get("InsufficientDataActions", [])]
        if any(action.startswith("arn:aws:autoscaling:") for action in actions):
            raise validation("Alarms based on anomaly detection models cannot have Auto Scaling actions.")
        if params.get("Threshold") is not None:
            raise combination("Threshold cannot be used with an anomaly detection comparison operator; "
                              "use ThresholdMetricId.")
        if not metrics:
            raise validation("Anomaly detection alarms need Metrics with an ANOMALY_DETECTION_BAND expression.")
    elif params.get("Threshold") is None:
        raise validation("Threshold is required unless ThresholdMetricId is used.")
    elif params.get("ThresholdMetricId"):
        raise combination("ThresholdMetricId can only be used with an anomaly detection comparison operator.")


def _check_period(period: int, member: str) -> None:
    if period not in (10, 20, 30) and period % 60:
        raise invalid_value(f"The parameter {member} must be 10, 20, 30 or a multiple of 60.")


def moto_arguments(params: dict[str, Any]) -> dict[str, Any]:
    from moto.cloudwatch.models import Dimension, Metric, MetricDataQuery, MetricStat

    queries = None
    if params.get("Metrics"):
        queries = []
        for query in params["Metrics"]:
            stat = None
            if query.get("MetricStat"):
                spec = query["MetricStat"]
                dims = [Dimension(d["Name"], d["Value"]) for d in spec["Metric"].get("Dimensions", [])]
                stat = MetricStat(Metric(spec["Metric"]["MetricName"], spec["Metric"]["Namespace"], dims),
                                  spec["Period"], spec["Stat"], spec.get("Unit"))
            queries.append(MetricDataQuery(query["Id"], query.get("Label"), query.get("Period"),
                                           query.get("ReturnData", True), query.get("Expression"), stat))
    return dict(
        name=params["AlarmName"], namespace=params.get("Namespace"), metric_name=params.get("MetricName"),
        metric_data_queries=queries, comparison_operator=params["ComparisonOperator"],
        evaluation_periods=params["EvaluationPeriods"], datapoints_to_alarm=params.get("DatapointsToAlarm"),
        period=params.get("Period"), threshold=params.get("Threshold"), statistic=params.get("Statistic"),
        extended_statistic=params.get("ExtendedStatistic"), description=params.get("AlarmDescription"),
        dimensions=params.get("Dimensions", []), alarm_actions=params.get("AlarmActions", []),
        ok_actions=params.get("OKActions", []), insufficient_data_actions=params.get("InsufficientDataActions", []),
        unit=params.get("Unit"), actions_enabled=params.get("ActionsEnabled", True),
        treat_missing_data=params.get("TreatMissingData"),
        evaluate_low_sample_count_percentile=params.get("EvaluateLowSampleCountPercentile"),
        threshold_metric_id=params.get("ThresholdMetricId"), tags=params.get("Tags"))
