"""The alarm list's rules without the sandbox: a DescribeAlarms record as the row shows it (state, reason,
since when, metric, tenant), the order of the list, the console link, the paged listing and the tag
fill-in at a bounded rate (requests and answers checked against CloudWatch's model by botocore's Stubber)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from stubbed_aws import StubbedClients

from opsconsole.core.alerts import alarms as core
from opsconsole.core.alerts.alarms import ANOMALY_BAND, COMPOSITE, METRIC, Alarm, TagCache

CHANGED = datetime(2026, 11, 30, 10, 15, tzinfo=timezone.utc)
ARN = "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:"


def metric_record(name="mlops-training-failed", state="ALARM", since=CHANGED, **extra):
    return {"AlarmName": name, "AlarmArn": ARN + name, "StateValue": state, "StateUpdatedTimestamp": since,
            "StateReason": "Threshold Crossed: 1 datapoint [3.0] was greater than the threshold (0.0).",
            "AlarmDescription": "Training runs fail", "Namespace": "AWS/States", "MetricName": "ExecutionsFailed",
            "Dimensions": [{"Name": "StateMachineArn", "Value": "arn:aws:states:eu-west-1:1:stateMachine:t"}],
            "ActionsEnabled": False, "AlarmActions": ["arn:aws:sns:eu-west-1:1:page"], "OKActions": ["arn:ok"],
            "InsufficientDataActions": ["arn:insufficient"], "Statistic": "Sum", "Period": 300,
            "EvaluationPeriods": 1, "Threshold": 0.0, "ComparisonOperator": "GreaterThanThreshold", **extra}


def test_a_metric_alarm_row_shows_its_state_reason_metric_and_actions():
    alarm = Alarm.from_api(metric_record())
    assert (alarm.name, alarm.arn, alarm.type, alarm.state) == (
        "mlops-training-failed", ARN + "mlops-training-failed", METRIC, "ALARM")
    assert alarm.since == CHANGED and alarm.reason.startswith("Threshold Crossed: 1 datapoint")
    assert alarm.description == "Training runs fail"
    assert (alarm.namespace, alarm.metric) == ("AWS/States", "ExecutionsFailed")
    assert alarm.dimension == {"StateMachineArn": "arn:aws:states:eu-west-1:1:stateMachine:t"}
    assert not alarm.actions_enabled
    assert (alarm.alarm_actions, alarm.ok_actions, alarm.insufficient_data_actions) == (
        ("arn:aws:sns:eu-west-1:1:page",), ("arn:ok",), ("arn:insufficient",))
    assert alarm.region == "eu-west-1" and alarm.raw["Period"] == 300
    assert (alarm.rule, alarm.children, alarm.tags, alarm.tenant) == ("", (), None, "")
    assert alarm.with_tags({"tenant": "acme", "team": "ml"}).tenant == "acme"


def test_a_record_with_little_in_it_still_makes_a_row():
    alarm = Alarm.from_api({"AlarmName": "bare"})
    assert (alarm.state, alarm.since, alarm.reason, alarm.description, alarm.arn, alarm.region) == (
        "INSUFFICIENT_DATA", None, "", "", "", "")
    assert alarm.actions_enabled and alarm.namespace == "" and alarm.metric == "" and alarm.dimensions == ()


@pytest.mark.parametrize("stamp", ["2026-11-30T10:15:00Z", "2026-11-30T11:15:00+01:00",
                                   datetime(2026, 11, 30, 10, 15), datetime(2026, 11, 30, 11, 15,
                                                                            tzinfo=timezone(timedelta(hours=1)))])
def test_since_when_reads_in_utc_whatever_form_it_came_in(stamp):
    assert Alarm.from_api(metric_record(since=stamp)).since == CHANGED
    assert Alarm.from_api(metric_record(since=stamp)).since.utcoffset() == timedelta(0)


def test_a_band_alarm_shows_the_metric_its_band_is_about():
    alarm = Alarm.from_api({"AlarmName": "orders-DE", "ThresholdMetricId": "ad1", "Metrics": [
        {"Id": "ad1", "Expression": "ANOMALY_DETECTION_BAND(m1, 2)"},
        {"Id": "m1", "MetricStat": {"Metric": {"Namespace": "Retail/Orders", "MetricName": "Orders", "Dimensions": [
            {"Name": "Marketplace", "Value": "DE"}]}, "Period": 3600, "Stat": "Sum"}}]})
    assert alarm.type == ANOMALY_BAND
    assert (alarm.namespace, alarm.metric, alarm.dimensions) == ("Retail/Orders", "Orders", (("Marketplace", "DE"),))


def test_a_composite_alarm_row_knows_the_alarms_its_rule_names():
    alarm = Alarm.from_api({"AlarmName": "training-health", "StateValue": "OK",
                            "AlarmRule": 'ALARM("mlops-training-failed") OR ALARM("gpu-quota")'}, composite=True)
    assert alarm.type == COMPOSITE and alarm.rule.startswith("ALARM(")
    assert alarm.children == ("mlops-training-failed", "gpu-quota")
    # a metric alarm's record has no rule, whatever it holds
    assert Alarm.from_api({"AlarmName": "m", "AlarmRule": 'ALARM("x")'}).children == ()


def test_the_list_shows_what_is_wrong_first_and_the_latest_change_first_within_a_state():
    rows = [Alarm.from_api(metric_record(n, s, t)) for n, s, t in [
        ("a-ok-old", "OK", CHANGED - timedelta(hours=2)), ("a-alarm-old", "ALARM", CHANGED - timedelta(hours=1)),
        ("insufficient", "INSUFFICIENT_DATA", CHANGED), ("b-alarm-new", "ALARM", CHANGED),
        ("b-ok-new", "OK", CHANGED), ("a-never-changed", "ALARM", None), ("odd", "UNKNOWN", CHANGED),
        ("c-alarm-new", "ALARM", CHANGED)]]
    assert [a.name for a in sorted(rows, key=core.sort_key)] == [
        "b-alarm-new", "c-alarm-new", "a-alarm-old", "a-never-changed", "insufficient", "b-ok-new", "a-ok-old", "odd"]


def test_the_console_link_opens_the_alarm_in_its_region_with_its_name_escaped():
    alarm = Alarm.from_api(metric_record("orders DE/app"))
    assert core.console_url(alarm) == ("https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1"
                                       "#alarmsV2:alarm/orders%20DE%2Fapp")
    assert core.console_url(Alarm.from_api({"AlarmName": "x"})).startswith(
        "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#")


def describe(token=None):
    params = {"AlarmTypes": ["MetricAlarm", "CompositeAlarm"], "MaxRecords": 100}
    if token:
        params["NextToken"] = token
    return params


def test_the_list_arrives_a_page_per_describe_alarms_call_metric_and_composite_alike():
    cw = StubbedClients("cloudwatch")
    cw.expect("cloudwatch", "describe_alarms", describe(), {
        "MetricAlarms": [metric_record("a")], "CompositeAlarms": [
            {"AlarmName": "c", "AlarmRule": 'ALARM("a")', "StateValue": "OK"}], "NextToken": "2"})
    cw.expect("cloudwatch", "describe_alarms", describe("2"), {"MetricAlarms": [], "NextToken": "3"})
    cw.expect("cloudwatch", "describe_alarms", describe("3"), {"MetricAlarms": [metric_record("b")]})
    pages = list(core.iter_alarms(cw))
    cw.all_made()
    assert [[(a.name, a.type) for a in page] for page in pages] == [[("a", METRIC), ("c", COMPOSITE)],
                                                                   [("b", METRIC)]]
    assert pages[0][1].children == ("a",)


@pytest.mark.parametrize(("answer", "found"), [
    ({"MetricAlarms": [metric_record("a")]}, ("a", METRIC)),
    ({"CompositeAlarms": [{"AlarmName": "c", "AlarmRule": "TRUE"}]}, ("c", COMPOSITE)),
    ({}, None)])
def test_one_alarm_by_name_of_either_kind(answer, found):
    cw = StubbedClients("cloudwatch")
    cw.expect("cloudwatch", "describe_alarms", {"AlarmNames": ["a"], "AlarmTypes": ["MetricAlarm", "CompositeAlarm"]},
              answer)
    alarm = core.describe_alarm(cw, "a")
    assert (alarm.name, alarm.type) == found if found else alarm is None


class Clock:
    def __init__(self):
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds


def test_tags_fill_in_at_most_five_calls_a_second_only_for_alarms_not_seen_and_in_batches():
    cache = TagCache()
    cache.put(ARN + "known", {"tenant": "old"})
    cw = StubbedClients("cloudwatch")
    for name, tags in [("a", [{"Key": "tenant", "Value": "acme"}]), ("b", []), ("c", [{"Key": "team", "Value": "ml"}])]:
        cw.expect("cloudwatch", "list_tags_for_resource", {"ResourceARN": ARN + name}, {"Tags": tags})
    cw.refuse("cloudwatch", "list_tags_for_resource", "ResourceNotFoundException", {"ResourceARN": ARN + "gone"})
    clock = Clock()
    batches = list(core.fetch_tags(cw, [ARN + n for n in ("a", "known", "b", "c", "gone")], cache, batch=2,
                                   clock=clock, sleep=clock.sleep))
    cw.all_made()
    assert batches == [{ARN + "a": {"tenant": "acme"}, ARN + "b": {}},
                       {ARN + "c": {"team": "ml"}, ARN + "gone": {}}]
    assert clock.slept == [0.2, 0.2, 0.2]  # calls 0.2 s apart: 5 a second
    assert cache.get(ARN + "gone") == {} and cache.get(ARN + "known") == {"tenant": "old"} and len(cache) == 5
    assert cache.missing([ARN + "a", ARN + "new"]) == [ARN + "new"]


def test_a_slow_answer_uses_up_the_wait_before_the_next_call():
    cw = StubbedClients("cloudwatch")
    for name in ("a", "b"):
        cw.expect("cloudwatch", "list_tags_for_resource", {"ResourceARN": ARN + name}, {"Tags": []})
    clock = Clock()

    def slow_sleep(seconds):
        clock.sleep(seconds)

    original = cw.client("cloudwatch").list_tags_for_resource

    def slow_call(**params):
        clock.now += 0.15  # the call itself took 150 ms
        return original(**params)

    cw.client("cloudwatch").list_tags_for_resource = slow_call
    list(core.fetch_tags(cw, [ARN + "a", ARN + "b"], TagCache(), per_second=5, clock=clock, sleep=slow_sleep))
    assert clock.slept == [0.05]
    assert list(core.fetch_tags(StubbedClients("cloudwatch"), [], TagCache())) == []


def test_a_rate_of_zero_means_no_waiting_and_a_slow_rate_spaces_calls_further():
    for per_second, slept in [(0, []), (0.5, [2.0])]:
        cw = StubbedClients("cloudwatch")
        for name in ("a", "b"):
            cw.expect("cloudwatch", "list_tags_for_resource", {"ResourceARN": ARN + name}, {"Tags": []})
        clock = Clock()
        list(core.fetch_tags(cw, [ARN + "a", ARN + "b"], TagCache(), per_second=per_second, clock=clock,
                             sleep=clock.sleep))
        assert clock.slept == slept


def test_tags_of_a_long_list_arrive_fifty_alarms_at_a_time():
    cw = StubbedClients("cloudwatch")
    arns = [f"{ARN}a{i}" for i in range(51)]
    for arn in arns:
        cw.expect("cloudwatch", "list_tags_for_resource", {"ResourceARN": arn}, {"Tags": []})
    clock = Clock()
    assert [len(b) for b in core.fetch_tags(cw, arns, TagCache(), clock=clock, sleep=clock.sleep)] == [50, 1]
