"""DescribeAlarmHistory, SetAlarmState, PutMetricAlarm and DeleteAlarms as AWS answers them.

CloudWatch API reference: DescribeAlarmHistory, SetAlarmState, PutMetricAlarm, DeleteAlarms.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from botocore.exceptions import ClientError


def _alarm(cloudwatch, name: str, topic: str | None = None, **extra) -> None:
    cloudwatch.put_metric_alarm(AlarmName=name, Namespace="Test/Alerts", MetricName="Errors", Statistic="Sum",
                                Period=60, EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold",
                                AlarmActions=[topic] if topic else [], **extra)


def _code(caught) -> tuple[str, int]:
    return caught.value.response["Error"]["Code"], caught.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_state_changes_write_history_and_notify_the_subscribed_queue(cloudwatch, client, made_alarms, topic_inbox):
    """SetAlarmState: the change is a StateUpdate item (HistoryData JSON with oldState/newState); the
    ALARM action publishes CloudWatch's alarm message to the topic, recorded as an Action item."""
    topic, inbox = topic_inbox
    made_alarms.append("test-history-errors")
    _alarm(cloudwatch, "test-history-errors", topic)
    cloudwatch.set_alarm_state(AlarmName="test-history-errors", StateValue="ALARM", StateReason="errors seen",
                               StateReasonData=json.dumps({"version": "1.0"}))
    cloudwatch.set_alarm_state(AlarmName="test-history-errors", StateValue="OK", StateReason="recovered")

    items = cloudwatch.describe_alarm_history(AlarmName="test-history-errors")["AlarmHistoryItems"]
    kinds = [i["HistoryItemType"] for i in items]
    assert kinds == ["StateUpdate", "Action", "StateUpdate", "ConfigurationUpdate"]  # newest first
    assert items[0]["HistorySummary"] == "Alarm updated from ALARM to OK"
    data = json.loads(items[2]["HistoryData"])
    assert data["oldState"]["stateValue"] == "INSUFFICIENT_DATA" and data["newState"]["stateValue"] == "ALARM"
    assert items[1]["HistorySummary"] == f"Successfully executed action {topic}"
    assert items[3]["HistorySummary"] == 'Alarm "test-history-errors" created'
    assert all(i["AlarmType"] == "MetricAlarm" and isinstance(i["Timestamp"], dt.datetime) for i in items)

    message = client("sqs").receive_message(QueueUrl=inbox, WaitTimeSeconds=1)["Messages"][0]
    envelope = json.loads(message["Body"])
    assert envelope["Type"] == "Notification" and envelope["Subject"].startswith('ALARM: "test-history-errors"')
    alarm = json.loads(envelope["Message"])
    assert (alarm["AlarmName"], alarm["OldStateValue"], alarm["NewStateValue"]) == ("test-history-errors",
                                                                                    "INSUFFICIENT_DATA", "ALARM")
    assert alarm["Trigger"]["MetricName"] == "Errors"


def test_history_filters_scan_order_dates_and_paging(cloudwatch, made_alarms):
    """HistoryItemType filters; ScanBy TimestampAscending reverses the default order; StartDate/EndDate
    bound it; MaxRecords pages with a NextToken that continues the same query."""
    made_alarms.append("test-history-paging")
    _alarm(cloudwatch, "test-history-paging")
    for state in ("ALARM", "OK", "ALARM", "OK", "ALARM"):
        cloudwatch.set_alarm_state(AlarmName="test-history-paging", StateValue=state, StateReason="flap")
    updates = cloudwatch.describe_alarm_history(AlarmName="test-history-paging",
                                                HistoryItemType="StateUpdate")["AlarmHistoryItems"]
    assert len(updates) == 5
    ascending = cloudwatch.describe_alarm_history(AlarmName="test-history-paging", HistoryItemType="StateUpdate",
                                                  ScanBy="TimestampAscending")["AlarmHistoryItems"]
    assert ascending == updates[::-1]
    first = cloudwatch.describe_alarm_history(AlarmName="test-history-paging", MaxRecords=4)
    assert len(first["AlarmHistoryItems"]) == 4 and first["NextToken"]
    rest = cloudwatch.describe_alarm_history(AlarmName="test-history-paging", MaxRecords=4,
                                            NextToken=first["NextToken"])
    assert len(rest["AlarmHistoryItems"]) == 2 and "NextToken" not in rest
    future = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)
    assert cloudwatch.describe_alarm_history(AlarmName="test-history-paging",
                                             StartDate=future)["AlarmHistoryItems"] == []
    assert cloudwatch.describe_alarm_history(AlarmName="no-such-alarm")["AlarmHistoryItems"] == []


def test_history_refusals(cloudwatch):
    """A NextToken from elsewhere: InvalidNextToken (400); MaxRecords outside 1-100: ValidationError (400)."""
    with pytest.raises(ClientError) as caught:
        cloudwatch.describe_alarm_history(NextToken="bm90LWEtdG9rZW4=")
    assert _code(caught) == ("InvalidNextToken", 400)
    with pytest.raises(ClientError) as caught:
        cloudwatch.describe_alarm_history(MaxRecords=101)
    assert _code(caught) == ("ValidationError", 400)


def test_set_alarm_state_refusals(cloudwatch, made_alarms):
    """SetAlarmState: an unknown alarm is ResourceNotFound (404); StateReasonData that is not JSON is
    InvalidFormat (400); a state outside OK/ALARM/INSUFFICIENT_DATA is a ValidationError (400)."""
    with pytest.raises(ClientError) as caught:
        cloudwatch.set_alarm_state(AlarmName="no-such-alarm", StateValue="ALARM", StateReason="x")
    assert _code(caught) == ("ResourceNotFound", 404)
    made_alarms.append("test-state-refusals")
    _alarm(cloudwatch, "test-state-refusals")
    with pytest.raises(ClientError) as caught:
        cloudwatch.set_alarm_state(AlarmName="test-state-refusals", StateValue="ALARM", StateReason="x",
                                   StateReasonData="{not json")
    assert _code(caught) == ("InvalidFormat", 400)
    with pytest.raises(ClientError) as caught:
        cloudwatch.set_alarm_state(AlarmName="test-state-refusals", StateValue="BROKEN", StateReason="x")
    assert _code(caught) == ("ValidationError", 400)


def test_put_metric_alarm_refusals_and_update_history(cloudwatch, made_alarms):
    """PutMetricAlarm: Metrics with MetricName is InvalidParameterCombination (400); a band operator
    without ThresholdMetricId is a ValidationError; an update is a ConfigurationUpdate item naming
    the changed fields, keeps the state and ignores Tags."""
    with pytest.raises(ClientError) as caught:
        cloudwatch.put_metric_alarm(
            AlarmName="test-bad", MetricName="Errors", Namespace="Test/Alerts", EvaluationPeriods=1, Threshold=1,
            ComparisonOperator="GreaterThanThreshold",
            Metrics=[{"Id": "m1", "MetricStat": {"Metric": {"Namespace": "N", "MetricName": "M"}, "Period": 60,
                                                  "Stat": "Sum"}}])
    assert _code(caught) == ("InvalidParameterCombination", 400)
    with pytest.raises(ClientError) as caught:
        cloudwatch.put_metric_alarm(
            AlarmName="test-bad", EvaluationPeriods=1, ComparisonOperator="LessThanLowerThreshold",
            Metrics=[{"Id": "m1", "MetricStat": {"Metric": {"Namespace": "N", "MetricName": "M"}, "Period": 60,
                                                  "Stat": "Sum"}}])
    assert _code(caught) == ("ValidationError", 400)
    made_alarms.append("test-update")
    _alarm(cloudwatch, "test-update")
    cloudwatch.set_alarm_state(AlarmName="test-update", StateValue="ALARM", StateReason="x")
    _alarm(cloudwatch, "test-update", AlarmDescription="now described")
    alarm = cloudwatch.describe_alarms(AlarmNames=["test-update"])["MetricAlarms"][0]
    assert alarm["StateValue"] == "ALARM" and alarm["AlarmDescription"] == "now described"
    _alarm(cloudwatch, "test-update", AlarmDescription="now described", Tags=[{"Key": "tenant", "Value": "other"}])
    assert cloudwatch.list_tags_for_resource(ResourceARN=alarm["AlarmArn"])["Tags"] == []  # ignored on update
    update = cloudwatch.describe_alarm_history(AlarmName="test-update",
                                               HistoryItemType="ConfigurationUpdate")["AlarmHistoryItems"][1]
    assert update["HistorySummary"] == 'Alarm "test-update" updated'
    assert "AlarmDescription" in json.loads(update["HistoryData"])["originalUpdatedFields"]


def test_delete_alarms_skips_unknown_names(cloudwatch, made_alarms):
    """DeleteAlarms: "If you specify any incorrect alarm names, the alarms you specify with correct
    names are still deleted"; the deletion is a ConfigurationUpdate item, and the history stays."""
    made_alarms.append("test-delete-me")
    _alarm(cloudwatch, "test-delete-me")
    cloudwatch.delete_alarms(AlarmNames=["test-delete-me", "no-such-alarm"])
    assert cloudwatch.describe_alarms(AlarmNames=["test-delete-me"])["MetricAlarms"] == []
    items = cloudwatch.describe_alarm_history(AlarmName="test-delete-me")["AlarmHistoryItems"]
    assert [i["HistorySummary"] for i in items] == ['Alarm "test-delete-me" deleted', 'Alarm "test-delete-me" created']
