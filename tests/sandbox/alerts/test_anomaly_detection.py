"""Anomaly detectors and ANOMALY_DETECTION_BAND in GetMetricData; alarms evaluated from the metrics.

CloudWatch API reference: PutAnomalyDetector, DescribeAnomalyDetectors, DeleteAnomalyDetector,
GetMetricData; CloudWatch user guide, "Using metric math" (ANOMALY_DETECTION_BAND) and
"Evaluating an alarm".
"""

from __future__ import annotations

import datetime as dt

import pytest
from botocore.exceptions import ClientError

ORDERS_DE = {"Namespace": "Retail/Orders", "MetricName": "Orders",
             "Dimensions": [{"Name": "Marketplace", "Value": "DE"}, {"Name": "Platform", "Value": "mobile_app"}]}


def test_band_comes_back_as_upper_and_lower_series(cloudwatch, sandbox):
    """GetMetricData with ANOMALY_DETECTION_BAND(m1, 2): two results under the expression's Id, the
    upper and the lower limit; the seeded DE mobile_app collapse falls below the lower one."""
    now = sandbox.scenario.now
    result = cloudwatch.get_metric_data(
        MetricDataQueries=[{"Id": "m1", "MetricStat": {"Metric": ORDERS_DE, "Period": 3600, "Stat": "Sum"}},
                           {"Id": "ad1", "Expression": "ANOMALY_DETECTION_BAND(m1, 2)", "Label": "Orders (expected)"}],
        StartTime=now - dt.timedelta(days=2), EndTime=now, ScanBy="TimestampAscending")["MetricDataResults"]
    assert [(r["Id"], r["Label"]) for r in result] == [
        ("m1", "Orders"), ("ad1", "Orders (expected) High"), ("ad1", "Orders (expected) Low")]
    actual, upper, lower = ({t: v for t, v in zip(r["Timestamps"], r["Values"])} for r in result)
    assert all(lower[t] < upper[t] for t in upper) and len(upper) >= 40
    last = max(actual)
    assert actual[last] < lower[last]
    assert all(r["StatusCode"] == "Complete" for r in result)


def test_get_metric_data_pages_at_max_datapoints(cloudwatch, sandbox):
    """GetMetricData: more datapoints than MaxDatapoints come back in pages joined by NextToken, with
    StatusCode PartialData until the last; TimestampDescending is the default order."""
    now = sandbox.scenario.now
    query = [{"Id": "m1", "MetricStat": {"Metric": ORDERS_DE, "Period": 3600, "Stat": "Sum"}}]
    whole = cloudwatch.get_metric_data(MetricDataQueries=query, StartTime=now - dt.timedelta(days=3),
                                       EndTime=now)["MetricDataResults"][0]
    assert whole["Timestamps"] == sorted(whole["Timestamps"], reverse=True)
    first = cloudwatch.get_metric_data(MetricDataQueries=query, StartTime=now - dt.timedelta(days=3), EndTime=now,
                                       MaxDatapoints=50)
    assert first["MetricDataResults"][0]["StatusCode"] == "PartialData" and first["NextToken"]
    rest = cloudwatch.get_metric_data(MetricDataQueries=query, StartTime=now - dt.timedelta(days=3), EndTime=now,
                                      MaxDatapoints=50, NextToken=first["NextToken"])
    assert first["MetricDataResults"][0]["Values"] + rest["MetricDataResults"][0]["Values"] == whole["Values"]


def test_finer_periods_only_within_their_retention(cloudwatch):
    """GetMetricData: datapoints of periods under 60 s are kept for 3 hours; a 10-day-old datapoint
    comes back at Period 60 but not at Period 30."""
    at = dt.datetime.now(dt.timezone.utc).replace(second=0, microsecond=0) - dt.timedelta(days=10)
    cloudwatch.put_metric_data(Namespace="Test/Retention", MetricData=[
        {"MetricName": "Old", "Timestamp": at, "Value": 7.0, "StorageResolution": 1}])

    def values(period: int) -> list[float]:
        return cloudwatch.get_metric_data(MetricDataQueries=[{"Id": "m1", "MetricStat": {
            "Metric": {"Namespace": "Test/Retention", "MetricName": "Old"}, "Period": period, "Stat": "Sum"}}],
            StartTime=at - dt.timedelta(minutes=5), EndTime=at + dt.timedelta(minutes=5))["MetricDataResults"][0]["Values"]
    assert values(60) == [7.0] and values(30) == []


@pytest.mark.parametrize("queries, code", [
    ([{"Id": "M1", "MetricStat": {"Metric": ORDERS_DE, "Period": 3600, "Stat": "Sum"}}], "ValidationError"),
    ([{"Id": "m1", "MetricStat": {"Metric": ORDERS_DE, "Period": 3600, "Stat": "Sum"}},
      {"Id": "m1", "Expression": "ANOMALY_DETECTION_BAND(m1)"}], "ValidationError"),
    ([{"Id": "m1", "MetricStat": {"Metric": ORDERS_DE, "Period": 90, "Stat": "Sum"}}], "InvalidParameterValue"),
    ([{"Id": "m1", "MetricStat": {"Metric": ORDERS_DE, "Period": 60, "Stat": "Median"}}], "InvalidParameterValue"),
])
def test_get_metric_data_refusals(cloudwatch, sandbox, queries, code):
    """Ids start with a lower-case letter and are unique (ValidationError); Period is 1, 5, 10, 20,
    30 or a multiple of 60 and Stat a statistic (InvalidParameterValue); all 400."""
    now = sandbox.scenario.now
    with pytest.raises(ClientError) as caught:
        cloudwatch.get_metric_data(MetricDataQueries=queries, StartTime=now - dt.timedelta(hours=3), EndTime=now)
    assert (caught.value.response["Error"]["Code"], caught.value.response["ResponseMetadata"]["HTTPStatusCode"]) \
        == (code, 400)


def test_anomaly_detectors_put_describe_delete(cloudwatch):
    """PutAnomalyDetector creates (or replaces) a detector; DescribeAnomalyDetectors filters by
    namespace, metric, dimensions and type and says how trained it is; DeleteAnomalyDetector of a
    missing one is ResourceNotFoundException (404)."""
    # a statistic no scenario band uses: deleting it must not take a scenario band's model away
    single = {"Namespace": "Retail/Orders", "MetricName": "Revenue",
              "Dimensions": [{"Name": "Marketplace", "Value": "IT"}], "Stat": "Average"}
    cloudwatch.put_anomaly_detector(SingleMetricAnomalyDetector=single,
                                    Configuration={"MetricTimezone": "Europe/Rome"})
    try:
        found = cloudwatch.describe_anomaly_detectors(Namespace="Retail/Orders", MetricName="Revenue",
                                                      Dimensions=single["Dimensions"])["AnomalyDetectors"]
        [mine] = [d for d in found if d["SingleMetricAnomalyDetector"] == single]  # beside the scenario's Sum
        assert mine["StateValue"] == "TRAINED" and mine["Configuration"]["MetricTimezone"] == "Europe/Rome"
        assert cloudwatch.describe_anomaly_detectors(
            Namespace="Retail/Orders", MetricName="Revenue", AnomalyDetectorTypes=["METRIC_MATH"])["AnomalyDetectors"] == []
        # the band alarms of the scenario brought their models with them
        assert len(cloudwatch.describe_anomaly_detectors(Namespace="Retail/Orders",
                                                         MetricName="Orders")["AnomalyDetectors"]) == 21
    finally:
        cloudwatch.delete_anomaly_detector(SingleMetricAnomalyDetector=single)
    with pytest.raises(ClientError) as caught:
        cloudwatch.delete_anomaly_detector(SingleMetricAnomalyDetector=single)
    assert (caught.value.response["Error"]["Code"], caught.value.response["ResponseMetadata"]["HTTPStatusCode"]) \
        == ("ResourceNotFoundException", 404)


@pytest.mark.parametrize("arguments, code", [
    ({"Namespace": "N", "MetricName": "M", "Stat": "Sum",
      "SingleMetricAnomalyDetector": {"Namespace": "N", "MetricName": "M", "Stat": "Sum"}}, "InvalidParameterCombination"),
    ({"SingleMetricAnomalyDetector": {"Namespace": "N", "MetricName": "M"}}, "MissingParameter"),
    ({"SingleMetricAnomalyDetector": {"Namespace": "N", "MetricName": "M", "Stat": "Most"}}, "ValidationError"),
    ({"SingleMetricAnomalyDetector": {"Namespace": "N", "MetricName": "M", "Stat": "Sum"},
      "Configuration": {"MetricTimezone": "Mars/Olympus"}}, "InvalidParameterValue"),
])
def test_put_anomaly_detector_refusals(cloudwatch, arguments, code):
    """PutAnomalyDetector: the deprecated top-level members with SingleMetricAnomalyDetector are
    InvalidParameterCombination; no Stat is MissingParameter; a Stat outside the model's pattern
    is a ValidationError; an unknown time zone is InvalidParameterValue; all 400."""
    with pytest.raises(ClientError) as caught:
        cloudwatch.put_anomaly_detector(**arguments)
    assert (caught.value.response["Error"]["Code"], caught.value.response["ResponseMetadata"]["HTTPStatusCode"]) \
        == (code, 400)


def test_alarm_evaluated_from_metrics_goes_to_alarm_and_back(cloudwatch, sandbox, made_alarms, topic_inbox, client):
    """An alarm evaluated from its metric: a new alarm starts in INSUFFICIENT_DATA and is evaluated at
    once (PutMetricAlarm: no data, notBreaching: OK); breaching datapoints move it OK -> ALARM, quiet
    ones back to OK; each move is a StateUpdate and a notification."""
    from opsconsole.sandbox.cloudwatch import service

    topic, inbox = topic_inbox
    made_alarms.append("test-evaluated")
    cloudwatch.put_metric_alarm(AlarmName="test-evaluated", Namespace="Test/Evaluated", MetricName="Failures",
                                Statistic="Sum", Period=60, EvaluationPeriods=2, DatapointsToAlarm=2, Threshold=3,
                                ComparisonOperator="GreaterThanOrEqualToThreshold", TreatMissingData="notBreaching",
                                AlarmActions=[topic], OKActions=[topic])
    base = dt.datetime.now(dt.timezone.utc).replace(second=0, microsecond=0) + dt.timedelta(minutes=10)
    cloudwatch.put_metric_data(Namespace="Test/Evaluated", MetricData=[
        {"MetricName": "Failures", "Timestamp": base + dt.timedelta(minutes=m), "Value": v}
        for m, v in enumerate([0, 1, 4, 5, 0, 0])])
    states = [service.evaluate(sandbox.region, base + dt.timedelta(minutes=m, seconds=5),
                               ["test-evaluated"]).get("test-evaluated") for m in range(1, 7)]
    assert states == [None, None, None, "ALARM", "OK", None]  # 2 of 2 breaching, then 1 of 2
    items = cloudwatch.describe_alarm_history(AlarmName="test-evaluated", HistoryItemType="StateUpdate",
                                              ScanBy="TimestampAscending")["AlarmHistoryItems"]
    assert [i["HistorySummary"] for i in items] == ["Alarm updated from INSUFFICIENT_DATA to OK",
                                                     "Alarm updated from OK to ALARM", "Alarm updated from ALARM to OK"]
    assert "2 out of the last 2 datapoints" in cloudwatch.describe_alarm_history(
        AlarmName="test-evaluated", HistoryItemType="StateUpdate")["AlarmHistoryItems"][1]["HistoryData"]
    sqs = client("sqs")
    bodies = [m["Body"] for _ in range(3) for m in sqs.receive_message(
        QueueUrl=inbox, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])]
    assert sum('\\"NewStateValue\\": \\"ALARM\\"' in b for b in bodies) == 1


def test_describe_anomaly_detectors_and_get_metric_data_refusals(cloudwatch, sandbox):
    """DescribeAnomalyDetectors: a NextToken it did not hand out is InvalidNextToken, an unknown
    AnomalyDetectorTypes value a ValidationError; GetMetricData: StartTime not before EndTime is a
    ValidationError; all 400."""
    cases = [
        (lambda: cloudwatch.describe_anomaly_detectors(NextToken="bm90LWEtdG9rZW4="), "InvalidNextToken"),
        (lambda: cloudwatch.describe_anomaly_detectors(AnomalyDetectorTypes=["SEASONAL"]), "ValidationError"),
        (lambda: cloudwatch.get_metric_data(
            MetricDataQueries=[{"Id": "m1", "MetricStat": {"Metric": ORDERS_DE, "Period": 3600, "Stat": "Sum"}}],
            StartTime=sandbox.scenario.now, EndTime=sandbox.scenario.now - dt.timedelta(hours=1)), "ValidationError"),
    ]
    for call, code in cases:
        with pytest.raises(ClientError) as caught:
            call()
        assert (caught.value.response["Error"]["Code"],
                caught.value.response["ResponseMetadata"]["HTTPStatusCode"]) == (code, 400)
