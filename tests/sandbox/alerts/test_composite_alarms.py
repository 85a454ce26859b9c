"""Composite alarms: PutCompositeAlarm's AlarmRule, DescribeAlarms' AlarmTypes and family filters.

CloudWatch API reference: PutCompositeAlarm, DescribeAlarms, DeleteAlarms.
"""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError


def _metric_alarm(cloudwatch, name: str) -> None:
    cloudwatch.put_metric_alarm(AlarmName=name, Namespace="Test/Composite", MetricName="Errors", Statistic="Sum",
                                Period=60, EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold")


@pytest.fixture
def children(cloudwatch, made_alarms):
    names = ["test-child-a", "test-child-b", "test child c"]
    made_alarms.extend(names)
    for name in names:
        _metric_alarm(cloudwatch, name)
    return names


def _state(cloudwatch, name: str) -> str:
    return cloudwatch.describe_alarms(AlarmNames=[name], AlarmTypes=["CompositeAlarm"])["CompositeAlarms"][0]["StateValue"]


def test_rule_follows_its_children(cloudwatch, made_alarms, children):
    """The composite is ALARM while its rule holds and OK otherwise; NOT, AND, OR, parentheses,
    quoted names with spaces and TRUE/FALSE all count; each change is a StateUpdate item, listed by
    DescribeAlarmHistory when AlarmTypes asks for composite alarms (metric alarms only by default)."""
    made_alarms.append("test-composite")
    rule = '(ALARM("test-child-a") AND NOT OK(test-child-b)) OR (ALARM("test child c") AND TRUE) OR FALSE'
    cloudwatch.put_composite_alarm(AlarmName="test-composite", AlarmRule=rule)
    assert _state(cloudwatch, "test-composite") == "OK"
    cloudwatch.set_alarm_state(AlarmName="test-child-a", StateValue="ALARM", StateReason="x")
    assert _state(cloudwatch, "test-composite") == "ALARM"  # child b is INSUFFICIENT_DATA: NOT OK holds
    cloudwatch.set_alarm_state(AlarmName="test-child-b", StateValue="OK", StateReason="x")
    assert _state(cloudwatch, "test-composite") == "OK"
    cloudwatch.set_alarm_state(AlarmName="test child c", StateValue="ALARM", StateReason="x")
    assert _state(cloudwatch, "test-composite") == "ALARM"
    composite = cloudwatch.describe_alarms(AlarmNames=["test-composite"],
                                           AlarmTypes=["CompositeAlarm"])["CompositeAlarms"][0]
    assert composite["AlarmRule"] == rule
    reason = json.loads(composite["StateReasonData"])
    assert reason["triggeringAlarms"][0]["arn"].endswith(":alarm:test child c")
    assert cloudwatch.describe_alarm_history(AlarmName="test-composite")["AlarmHistoryItems"] == []  # metric only
    items = cloudwatch.describe_alarm_history(AlarmName="test-composite", HistoryItemType="StateUpdate",
                                              AlarmTypes=["CompositeAlarm"])["AlarmHistoryItems"]
    assert [i["HistorySummary"] for i in items][:3] == ["Alarm updated from OK to ALARM",
                                                         "Alarm updated from ALARM to OK",
                                                         "Alarm updated from OK to ALARM"]


def test_alarm_types_children_and_parents(cloudwatch, made_alarms, children):
    """DescribeAlarms lists only metric alarms unless AlarmTypes asks for composites;
    ChildrenOfAlarmName / ParentsOfAlarmName list the family; either with another filter is a
    ValidationError (400)."""
    made_alarms.extend(["test-parent", "test-grandparent"])
    cloudwatch.put_composite_alarm(AlarmName="test-parent", AlarmRule='ALARM("test-child-a") OR ALARM("test-child-b")')
    cloudwatch.put_composite_alarm(AlarmName="test-grandparent", AlarmRule='ALARM("test-parent")')
    default = cloudwatch.describe_alarms(AlarmNamePrefix="test-")
    assert default["CompositeAlarms"] == [] and {"test-child-a", "test-child-b"} <= {
        a["AlarmName"] for a in default["MetricAlarms"]}
    both = cloudwatch.describe_alarms(AlarmNamePrefix="test-", AlarmTypes=["CompositeAlarm", "MetricAlarm"])
    assert {a["AlarmName"] for a in both["CompositeAlarms"]} == {"test-parent", "test-grandparent"}
    kids = cloudwatch.describe_alarms(ChildrenOfAlarmName="test-parent")
    assert {a["AlarmName"] for a in kids["MetricAlarms"]} == {"test-child-a", "test-child-b"}
    # only name, ARN, state and its time for children; name and ARN for parents
    assert set(kids["MetricAlarms"][0]) == {"AlarmName", "AlarmArn", "StateValue", "StateUpdatedTimestamp"}
    parents = cloudwatch.describe_alarms(ParentsOfAlarmName="test-parent")
    assert parents["CompositeAlarms"] == [{"AlarmName": "test-grandparent",
                                           "AlarmArn": parents["CompositeAlarms"][0]["AlarmArn"]}]
    with pytest.raises(ClientError) as caught:
        cloudwatch.describe_alarms(ChildrenOfAlarmName="test-parent", StateValue="OK")
    assert caught.value.response["Error"]["Code"] == "ValidationError"


def test_deleting_a_composite_another_rule_needs_is_refused(cloudwatch, made_alarms, children):
    """DeleteAlarms: a composite alarm that another composite's rule depends on cannot be deleted
    (409 ResourceConflict); one call deletes at most one composite alarm; parent first works."""
    made_alarms.extend(["test-inner", "test-outer"])
    cloudwatch.put_composite_alarm(AlarmName="test-inner", AlarmRule='ALARM("test-child-a")')
    cloudwatch.put_composite_alarm(AlarmName="test-outer", AlarmRule='ALARM("test-inner")')
    with pytest.raises(ClientError) as caught:
        cloudwatch.delete_alarms(AlarmNames=["test-inner"])
    assert (caught.value.response["Error"]["Code"],
            caught.value.response["ResponseMetadata"]["HTTPStatusCode"]) == ("ResourceConflict", 409)
    with pytest.raises(ClientError) as caught:  # at most one composite alarm per call
        cloudwatch.delete_alarms(AlarmNames=["test-outer", "test-inner"])
    assert caught.value.response["Error"]["Code"] == "ValidationError"
    cloudwatch.delete_alarms(AlarmNames=["test-outer"])
    cloudwatch.delete_alarms(AlarmNames=["test-inner"])


@pytest.mark.parametrize("rule", [
    'ALARM("test-child-a") AND', 'alarm("test-child-a")', 'ALARM()', '(ALARM("test-child-a")',
    'ALARM("test-child-a") XOR OK("test-child-b")', 'ALARM("no-such-alarm")'])
def test_rules_aws_refuses(cloudwatch, children, rule):
    """PutCompositeAlarm: a rule that does not parse, or names alarms that do not exist, is a
    ValidationError (400) and nothing is created."""
    with pytest.raises(ClientError) as caught:
        cloudwatch.put_composite_alarm(AlarmName="test-refused", AlarmRule=rule)
    error = caught.value.response
    assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == ("ValidationError", 400)
    assert cloudwatch.describe_alarms(AlarmNames=["test-refused"], AlarmTypes=["CompositeAlarm"])["CompositeAlarms"] == []


def test_describe_alarms_pages_the_scenario(cloudwatch, sandbox):
    """DescribeAlarms: MaxRecords 1-100 per page, NextToken until the last page; the scenario has
    300+ alarms over three tenants, metric, anomaly-band and composite."""
    pages = list(cloudwatch.get_paginator("describe_alarms").paginate(
        AlarmTypes=["MetricAlarm", "CompositeAlarm"], PaginationConfig={"PageSize": 100}))
    assert len(pages) >= 4 and all(len(p["MetricAlarms"]) + len(p["CompositeAlarms"]) <= 100 for p in pages)
    metric = [a for p in pages for a in p["MetricAlarms"]]
    composite = [a for p in pages for a in p["CompositeAlarms"]]
    bands = [a for a in metric if a.get("ThresholdMetricId")]
    assert len(metric) + len(composite) >= 300 and len(bands) >= 40 and len(composite) >= 30
    tenants = {cloudwatch.list_tags_for_resource(ResourceARN=a["AlarmArn"])["Tags"][0]["Value"]
               for a in metric[::25] + composite[::5]}
    assert tenants == set(sandbox.scenario.tenants)
    with pytest.raises(ClientError) as caught:
        cloudwatch.describe_alarms(MaxRecords=101)
    assert caught.value.response["Error"]["Code"] == "ValidationError"
