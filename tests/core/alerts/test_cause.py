"""From an alarm to its cause: the executions list an alarm on a Step Functions metric opens (which
machine, which status, which window), without the sandbox."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from opsconsole.core.alerts.alarms import Alarm
from opsconsole.core.alerts.cause import executions_filter

MACHINE = "arn:aws:states:eu-west-1:123456789012:stateMachine:mlops-training"
CHANGED = datetime(2026, 11, 30, 10, 0, tzinfo=timezone.utc)


def alarm(metric="ExecutionsFailed", namespace="AWS/States", dims=(("StateMachineArn", MACHINE),), **extra):
    record = {"AlarmName": "mlops-training-failed", "StateValue": "ALARM", "Namespace": namespace,
              "MetricName": metric, "Dimensions": [{"Name": k, "Value": v} for k, v in dims],
              "StateUpdatedTimestamp": CHANGED, "Period": 300, "EvaluationPeriods": 3, **extra}
    return Alarm.from_api(record)


@pytest.mark.parametrize(("metric", "status"), [
    ("ExecutionsFailed", "FAILED"), ("ExecutionsTimedOut", "TIMED_OUT"), ("ExecutionsAborted", "ABORTED"),
    ("ExecutionsSucceeded", "SUCCEEDED"), ("ExecutionsStarted", None), ("ExecutionThrottled", None),
    ("ExecutionTime", None), ("SomeNewMetric", "FAILED"),
])
def test_the_list_opens_on_that_machine_with_the_status_the_metric_counts(metric, status):
    found = executions_filter(alarm(metric))
    assert found.state_machine_arn == MACHINE and found.status == status
    assert found.reason == "alarm mlops-training-failed" and found.until is None


def test_the_window_starts_where_the_evaluation_before_the_change_started():
    # 3 periods of 5 minutes before the state change at 10:00
    assert executions_filter(alarm()).since == CHANGED - timedelta(minutes=15)
    assert executions_filter(alarm(EvaluationPeriods=None)).since == CHANGED - timedelta(minutes=5)
    math = Alarm.from_api({"AlarmName": "m", "StateValue": "ALARM", "StateUpdatedTimestamp": CHANGED,
                           "EvaluationPeriods": 2, "Metrics": [{"Id": "m1", "ReturnData": True, "MetricStat": {
                               "Metric": {"Namespace": "AWS/States", "MetricName": "ExecutionsFailed",
                                          "Dimensions": [{"Name": "StateMachineArn", "Value": MACHINE}]},
                               "Period": 60, "Stat": "Sum"}}]})
    assert executions_filter(math).since == CHANGED - timedelta(minutes=2)


def test_the_window_reaches_back_to_the_breaching_point_that_fired_it_but_not_to_later_ones():
    hit = (CHANGED - timedelta(hours=2)).timestamp()
    assert executions_filter(alarm(), breaching_times=[hit, hit + 300]).since == CHANGED - timedelta(minutes=115)
    at_change = CHANGED.timestamp()
    assert executions_filter(alarm(), breaching_times=[at_change - 3600, at_change]).since == \
        CHANGED - timedelta(minutes=15)  # the point at the change itself is the latest before it
    assert executions_filter(alarm(), breaching_times=[at_change + 60]).since == CHANGED - timedelta(minutes=15)
    assert executions_filter(alarm(), breaching_times=[at_change - 60]).since == CHANGED - timedelta(minutes=15)


def test_an_alarm_never_changed_counts_back_from_now():
    now = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)
    never = Alarm.from_api({"AlarmName": "n", "StateValue": "INSUFFICIENT_DATA", "Namespace": "AWS/States",
                            "MetricName": "ExecutionsFailed", "Period": 60, "EvaluationPeriods": 1,
                            "Dimensions": [{"Name": "StateMachineArn", "Value": MACHINE}]})
    assert executions_filter(never, now).since == now - timedelta(minutes=1)
    assert executions_filter(never).since <= datetime.now(timezone.utc) - timedelta(minutes=1)


@pytest.mark.parametrize("other", [
    alarm(namespace="AWS/Lambda"), alarm(dims=(("FunctionName", "f"),)), alarm(dims=(("StateMachineArn", ""),))])
def test_an_alarm_on_something_else_offers_no_executions(other):
    assert executions_filter(other) is None
