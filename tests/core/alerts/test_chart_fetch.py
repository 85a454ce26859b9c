"""One alarm's chart fetched from GetMetricData: the exact requests (checked against CloudWatch's own
service model by botocore's Stubber), pages followed, tiers joined, the band told apart and the
breaching points marked, for threshold, band, metric-math and Metrics Insights alarms."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from stubbed_aws import StubbedClients

from opsconsole.core.alerts.alarms import Alarm
from opsconsole.core.alerts.charts import fetch

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)
MACHINE = "arn:aws:states:eu-west-1:123456789012:stateMachine:mlops-training"


def at(minutes_before_now: float) -> datetime:
    return NOW - timedelta(minutes=minutes_before_now)


def request(queries, start, end, token=None):
    params = {"MetricDataQueries": queries, "StartTime": start, "EndTime": end, "ScanBy": "TimestampAscending"}
    if token:
        params["NextToken"] = token
    return params


def result(id_, label, points, status="Complete"):
    return {"Id": id_, "Label": label, "Timestamps": [t for t, _ in points], "Values": [v for _, v in points],
            "StatusCode": status}


def execution_time_alarm(**extra):
    return Alarm.from_api({
        "AlarmName": "training-slow", "AlarmArn": "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:training-slow",
        "StateValue": "ALARM", "Namespace": "AWS/States", "MetricName": "ExecutionTime",
        "Dimensions": [{"Name": "StateMachineArn", "Value": MACHINE}], "Period": 300, "EvaluationPeriods": 2,
        "Threshold": 5000.0, "ComparisonOperator": "GreaterThanOrEqualToThreshold", **extra})


def test_a_threshold_chart_asks_for_the_alarms_metric_follows_pages_and_marks_points_at_the_threshold():
    alarm = execution_time_alarm(Statistic="Maximum", Unit="Milliseconds")
    query = [{"Id": "m1", "ReturnData": True, "MetricStat": {
        "Metric": {"Namespace": "AWS/States", "MetricName": "ExecutionTime",
                   "Dimensions": [{"Name": "StateMachineArn", "Value": MACHINE}]},
        "Period": 300, "Stat": "Maximum", "Unit": "Milliseconds"}}]
    cw = StubbedClients("cloudwatch")
    start = NOW - timedelta(days=1)
    cw.expect("cloudwatch", "get_metric_data", request(query, start, NOW), {
        "MetricDataResults": [result("m1", "ExecutionTime", [(at(10), 4999.0), (at(5), 5000.0)], "PartialData")],
        "NextToken": "page-2"})
    cw.expect("cloudwatch", "get_metric_data", request(query, start, NOW, "page-2"), {
        "MetricDataResults": [result("m1", "ExecutionTime", [(at(20), 7200.0)])]})

    data = fetch(cw, alarm, start, NOW, NOW)

    cw.all_made()
    assert data.times.tolist() == [at(20).timestamp(), at(10).timestamp(), at(5).timestamp()]  # oldest first
    assert data.values.tolist() == [7200.0, 4999.0, 5000.0]
    assert data.breaching.tolist() == [True, False, True]  # "greater than or equal": 5000 breaches
    assert (data.label, data.threshold, data.calls, data.periods, data.has_band) == (
        "ExecutionTime", 5000.0, 2, (300,), False)


def test_a_percentile_alarm_asks_for_its_percentile():
    alarm = execution_time_alarm(ExtendedStatistic="p99")
    cw = StubbedClients("cloudwatch")
    query = [{"Id": "m1", "ReturnData": True, "MetricStat": {
        "Metric": {"Namespace": "AWS/States", "MetricName": "ExecutionTime",
                   "Dimensions": [{"Name": "StateMachineArn", "Value": MACHINE}]}, "Period": 300, "Stat": "p99"}}]
    cw.expect("cloudwatch", "get_metric_data", request(query, at(180), NOW),
              {"MetricDataResults": [result("m1", "ExecutionTime p99", [(at(30), 4000.0)])]})
    data = fetch(cw, alarm, at(180), NOW, NOW)
    cw.all_made()
    assert data.label == "ExecutionTime p99" and data.breaching.tolist() == [False]


def band_alarm(period=120, op="LessThanLowerOrGreaterThanUpperThreshold"):
    return Alarm.from_api({
        "AlarmName": "orders-anomaly-DE", "AlarmArn": "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:orders-DE",
        "StateValue": "ALARM", "ComparisonOperator": op, "ThresholdMetricId": "ad1", "EvaluationPeriods": 3,
        "Metrics": [
            {"Id": "m1", "ReturnData": True, "AccountId": "123456789012", "MetricStat": {
                "Metric": {"Namespace": "Retail/Orders", "MetricName": "Orders",
                           "Dimensions": [{"Name": "Marketplace", "Value": "DE"}]}, "Period": period, "Stat": "Sum"}},
            {"Id": "ad1", "Expression": "ANOMALY_DETECTION_BAND(m1, 2)", "Label": "Orders (expected)",
             "ReturnData": True}]})


def band_queries(period):
    return [{"Id": "m1", "ReturnData": True, "AccountId": "123456789012", "MetricStat": {
                "Metric": {"Namespace": "Retail/Orders", "MetricName": "Orders",
                           "Dimensions": [{"Name": "Marketplace", "Value": "DE"}]}, "Period": period, "Stat": "Sum"}},
            {"Id": "ad1", "Expression": "ANOMALY_DETECTION_BAND(m1, 2)", "Label": "Orders (expected)",
             "ReturnData": True}]


def test_a_band_chart_over_two_retention_tiers_joins_them_and_tells_upper_from_lower_by_value():
    # 20 days: the 5 days older than 15 at 300 s (the 5-minute tier), the last 15 days at the alarm's 120 s.
    cw = StubbedClients("cloudwatch")
    old, recent = NOW - timedelta(days=20), NOW - timedelta(days=15)
    day = 24 * 60
    cw.expect("cloudwatch", "get_metric_data", request(band_queries(300), old, recent), {"MetricDataResults": [
        result("m1", "Orders", [(at(18 * day), 100.0), (at(17 * day), 300.0)]),
        result("ad1", "Orders (expected) lower", [(at(18 * day), 80.0), (at(17 * day), 90.0)]),  # lower first
        result("ad1", "Orders (expected) upper", [(at(18 * day), 120.0), (at(17 * day), 130.0)])]})
    cw.expect("cloudwatch", "get_metric_data", request(band_queries(120), recent, NOW), {"MetricDataResults": [
        result("m1", "Orders", [(at(6), 150.0), (at(4), 20.0), (at(2), 95.0), (at(1), 75.0)]),
        result("ad1", "Orders (expected) upper", [(at(6), 150.0), (at(4), 140.0), (at(2), 130.0)]),  # upper first
        result("ad1", "Orders (expected) lower", [(at(6), 70.0), (at(4), 60.0), (at(2), 50.0)])]})

    data = fetch(cw, band_alarm(), old, NOW, NOW)

    cw.all_made()
    assert data.periods == (300, 120) and data.calls == 2 and data.has_band
    assert data.times.tolist() == [t.timestamp() for t in (at(18 * day), at(17 * day), at(6), at(4), at(2), at(1))]
    assert data.values.tolist() == [100.0, 300.0, 150.0, 20.0, 95.0, 75.0]
    assert data.band_times.tolist() == data.times.tolist()[:5]
    assert data.upper.tolist() == [120.0, 130.0, 150.0, 140.0, 130.0]
    assert data.lower.tolist() == [80.0, 90.0, 70.0, 60.0, 50.0]
    # above the band, on its upper edge (not outside), below it, inside, and a point the band has no value for
    assert data.breaching.tolist() == [False, True, False, True, False, False]
    assert data.label == "Orders"


@pytest.mark.parametrize(("op", "expected"), [
    ("GreaterThanUpperThreshold", [False, True, False, False, False]),
    ("LessThanLowerThreshold", [False, False, False, True, False]),
])
def test_a_one_sided_band_alarm_marks_only_its_side(op, expected):
    cw = StubbedClients("cloudwatch")
    cw.expect("cloudwatch", "get_metric_data", request(band_queries(120), at(60), NOW), {"MetricDataResults": [
        result("ad1", "lower", [(at(10), 80.0), (at(8), 80.0), (at(6), 80.0), (at(4), 80.0), (at(2), 80.0)]),
        result("ad1", "upper", [(at(10), 120.0), (at(8), 120.0), (at(6), 120.0), (at(4), 120.0), (at(2), 120.0)]),
        result("m1", "Orders", [(at(10), 100.0), (at(8), 121.0), (at(6), 80.0), (at(4), 79.0), (at(2), 120.0)])]})
    data = fetch(cw, band_alarm(op=op), at(60), NOW, NOW)
    assert data.breaching.tolist() == expected


def test_a_metric_math_alarm_charts_the_expression_it_compares_not_its_inputs():
    alarm = Alarm.from_api({
        "AlarmName": "errors-per-second", "StateValue": "OK", "Threshold": 10.0,
        "ComparisonOperator": "GreaterThanThreshold", "EvaluationPeriods": 1, "Metrics": [
            {"Id": "m1", "ReturnData": False, "MetricStat": {"Metric": {
                "Namespace": "AWS/Lambda", "MetricName": "Errors", "Dimensions": []}, "Period": 60, "Stat": "Sum"}},
            {"Id": "e1", "Expression": "m1 / 60", "Label": "errors per second", "ReturnData": True}]})
    cw = StubbedClients("cloudwatch")
    queries = [{"Id": "m1", "ReturnData": True, "MetricStat": {"Metric": {
                   "Namespace": "AWS/Lambda", "MetricName": "Errors", "Dimensions": []}, "Period": 60, "Stat": "Sum"}},
               {"Id": "e1", "Expression": "m1 / 60", "Label": "errors per second", "ReturnData": True}]
    cw.expect("cloudwatch", "get_metric_data", request(queries, at(180), NOW), {"MetricDataResults": [
        result("m1", "Errors", [(at(3), 900.0), (at(2), 300.0)]),
        result("e1", "errors per second", [(at(3), 15.0), (at(2), 5.0)])]})
    data = fetch(cw, alarm, at(180), NOW, NOW)
    cw.all_made()
    assert data.label == "errors per second"
    assert data.values.tolist() == [15.0, 5.0] and data.breaching.tolist() == [True, False]


def test_a_metrics_insights_alarm_is_charted_at_its_own_period_then_coarser_for_older_data():
    query = 'SELECT AVG(CPUUtilization) FROM SCHEMA("AWS/EC2", InstanceId)'
    alarm = Alarm.from_api({
        "AlarmName": "fleet-cpu", "StateValue": "OK", "Threshold": 80.0, "ComparisonOperator": "GreaterThanThreshold",
        "EvaluationPeriods": 3, "Metrics": [{"Id": "q1", "Expression": query, "Period": 120, "ReturnData": True}]})
    cw = StubbedClients("cloudwatch")
    old, recent = NOW - timedelta(days=16), NOW - timedelta(days=15)
    cw.expect("cloudwatch", "get_metric_data",
              request([{"Id": "q1", "Expression": query, "Period": 300, "ReturnData": True}], old, recent),
              {"MetricDataResults": [result("q1", "cpu", [(at(15.5 * 24 * 60), 85.0)])]})
    cw.expect("cloudwatch", "get_metric_data",
              request([{"Id": "q1", "Expression": query, "Period": 120, "ReturnData": True}], recent, NOW),
              {"MetricDataResults": [result("q1", "cpu", [(at(4), 50.0)])]})
    data = fetch(cw, alarm, old, NOW, NOW)
    cw.all_made()
    assert data.periods == (300, 120) and data.values.tolist() == [85.0, 50.0]
    assert data.breaching.tolist() == [True, False]


def test_a_band_listed_before_its_metric_and_read_over_two_pages():
    alarm = Alarm.from_api({
        "AlarmName": "orders-DE", "StateValue": "OK", "ThresholdMetricId": "band",
        "ComparisonOperator": "LessThanLowerOrGreaterThanUpperThreshold", "EvaluationPeriods": 1, "Metrics": [
            {"Id": "band", "Expression": "ANOMALY_DETECTION_BAND(orders, 2)"},
            {"Id": "orders", "MetricStat": {"Metric": {"Namespace": "Retail/Orders", "MetricName": "Orders",
                                                       "Dimensions": []}, "Period": 60, "Stat": "Sum"}}]})
    queries = [{"Id": "band", "Expression": "ANOMALY_DETECTION_BAND(orders, 2)", "ReturnData": True},
               {"Id": "orders", "ReturnData": True, "MetricStat": {"Metric": {
                   "Namespace": "Retail/Orders", "MetricName": "Orders", "Dimensions": []}, "Period": 60, "Stat": "Sum"}}]
    cw = StubbedClients("cloudwatch")
    cw.expect("cloudwatch", "get_metric_data", request(queries, at(60), NOW), {"MetricDataResults": [
        result("band", "lower", [(at(3), 40.0)]), result("band", "upper", [(at(3), 60.0)]),
        result("orders", "Orders", [(at(3), 70.0)])], "NextToken": "2"})
    cw.expect("cloudwatch", "get_metric_data", request(queries, at(60), NOW, "2"), {"MetricDataResults": [
        result("band", "lower", [(at(2), 41.0), (at(1), 42.0)]), result("band", "upper", [(at(2), 61.0), (at(1), 62.0)]),
        result("orders", "Orders", [(at(2), 50.0), (at(1), 30.0)])]})
    data = fetch(cw, alarm, at(60), NOW, NOW)
    cw.all_made()
    assert data.label == "Orders" and data.values.tolist() == [70.0, 50.0, 30.0]
    assert data.upper.tolist() == [60.0, 61.0, 62.0] and data.lower.tolist() == [40.0, 41.0, 42.0]
    assert data.breaching.tolist() == [True, False, True]


def test_a_range_without_data_draws_an_empty_chart_named_after_the_metric():
    alarm = execution_time_alarm(Statistic="Maximum")
    query = [{"Id": "m1", "ReturnData": True, "MetricStat": {
        "Metric": {"Namespace": "AWS/States", "MetricName": "ExecutionTime",
                   "Dimensions": [{"Name": "StateMachineArn", "Value": MACHINE}]}, "Period": 300, "Stat": "Maximum"}}]
    cw = StubbedClients("cloudwatch")
    cw.expect("cloudwatch", "get_metric_data", request(query, at(180), NOW), {"MetricDataResults": []})
    data = fetch(cw, alarm, at(180), NOW, NOW)
    assert data.label == "ExecutionTime" and data.values.size == 0 and data.breaching.size == 0
    cw.expect("cloudwatch", "get_metric_data", request(query, at(180), NOW),
              {"MetricDataResults": [{"Id": "m1", "Timestamps": [at(5)], "Values": [1.0]}]})  # no Label
    assert fetch(cw, alarm, at(180), NOW, NOW).label == "m1"
