"""Planning one alarm's GetMetricData calls against the API reference's rules.

GetMetricData (API reference): data older than 3 hours needs a period of at least 60 s, older than
15 days a multiple of 300 s, older than 63 days a multiple of 3600 s; nothing older than 455 days;
at most 100,800 datapoints and 500 queries per call.
"""

from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from opsconsole.core.alerts.alarms import Alarm
from opsconsole.core.alerts.charts import (
    MAX_DATAPOINTS,
    NotChartable,
    allowed_period,
    breaching,
    minimum_calls,
    period_is_allowed,
    plan,
    split_band,
)

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)


def metric_alarm(period=60, op="GreaterThanThreshold", threshold=5.0):
    return Alarm.from_api({"AlarmName": "a", "AlarmArn": "arn:aws:cloudwatch:eu-west-1:1:alarm:a", "StateValue": "OK",
                           "Namespace": "N", "MetricName": "M", "Dimensions": [{"Name": "D", "Value": "v"}],
                           "Statistic": "Sum", "Period": period, "Threshold": threshold, "ComparisonOperator": op,
                           "EvaluationPeriods": 1})


def band_alarm(period=60, op="LessThanLowerOrGreaterThanUpperThreshold"):
    return Alarm.from_api({"AlarmName": "b", "AlarmArn": "arn:aws:cloudwatch:eu-west-1:1:alarm:b", "StateValue": "OK",
                           "ComparisonOperator": op, "ThresholdMetricId": "ad1", "EvaluationPeriods": 3, "Metrics": [
                               {"Id": "m1", "ReturnData": True, "MetricStat": {"Metric": {
                                   "Namespace": "N", "MetricName": "M", "Dimensions": []}, "Period": period,
                                   "Stat": "Sum"}},
                               {"Id": "ad1", "Expression": "ANOMALY_DETECTION_BAND(m1, 2)", "ReturnData": True}]})


@pytest.mark.parametrize(("age", "wanted", "period"), [
    (timedelta(hours=2), 1, 1), (timedelta(hours=2), 7, 10), (timedelta(hours=4), 1, 60),
    (timedelta(days=14), 60, 60), (timedelta(days=16), 60, 300), (timedelta(days=16), 400, 600),
    (timedelta(days=62), 60, 300), (timedelta(days=64), 60, 3600), (timedelta(days=454), 300, 3600),
    (timedelta(hours=2), 3660, 3660),  # a 61-minute alarm is drawn at 61 minutes, never finer
])
def test_allowed_period_follows_retention(age, wanted, period):
    assert allowed_period(age, wanted) == period
    assert period_is_allowed(age, period)


def test_nothing_older_than_455_days_and_refused_periods():
    with pytest.raises(NotChartable, match="^CloudWatch keeps no data older than 455 days \\(15 months\\)$"):
        allowed_period(timedelta(days=456), 3600)
    assert not period_is_allowed(timedelta(days=456), 3600)
    assert not period_is_allowed(timedelta(days=20), 360)  # past 15 days: whole multiples of 5 minutes only
    assert not period_is_allowed(timedelta(hours=4), 30)
    assert not period_is_allowed(timedelta(days=20), 60)
    assert not period_is_allowed(timedelta(days=100), 300)


def test_fifteen_months_is_one_call_per_tier_each_at_its_finest_period():
    alarm = metric_alarm(period=60)
    calls = plan(alarm, NOW - timedelta(days=455), NOW, NOW)
    assert [c.period for c in calls] == [3600, 300, 60]
    for call in calls:  # every call's start is old enough for its period, never older than 455 days
        assert period_is_allowed(NOW - call.start, call.period)
        assert call.datapoints <= MAX_DATAPOINTS
    assert calls[0].start >= NOW - timedelta(days=455, hours=1)
    assert calls[-1].end == NOW
    for a, b in zip(calls, calls[1:]):  # contiguous
        assert a.end == b.start
    assert len(calls) == minimum_calls(alarm, NOW - timedelta(days=455), NOW, NOW)


def test_the_alarms_period_is_the_finest_drawn_and_high_resolution_only_in_the_last_3_hours():
    assert {c.period for c in plan(metric_alarm(period=3600), NOW - timedelta(days=10), NOW, NOW)} == {3600}
    calls = plan(metric_alarm(period=10), NOW - timedelta(hours=6), NOW, NOW)
    assert [c.period for c in calls] == [60, 10]


def test_calls_are_split_at_100800_datapoints_and_a_band_counts_twice():
    # 15 days at 60 s is 21,600 points a series; metric + band (two series) = 64,800: one call.
    calls = plan(band_alarm(period=60), NOW - timedelta(days=15), NOW, NOW)
    assert len(calls) == 1 and calls[0].series == 3
    small = plan(band_alarm(period=60), NOW - timedelta(days=15), NOW, NOW, max_datapoints=30_000)
    assert len(small) == 3  # 10,000 periods of 3 series per call: 21,600 periods in 3 calls
    assert all(c.datapoints <= 30_000 for c in small)


def test_the_band_query_keeps_the_threshold_metric_and_queries_are_capped():
    call = plan(band_alarm(), NOW - timedelta(hours=1), NOW, NOW)[0]
    ids = [q["Id"] for q in call.request()["MetricDataQueries"]]
    assert ids == ["m1", "ad1"]
    assert call.request()["MetricDataQueries"][1]["Expression"] == "ANOMALY_DETECTION_BAND(m1, 2)"
    with pytest.raises(NotChartable):
        plan(band_alarm(), NOW - timedelta(hours=1), NOW, NOW, max_queries=1)


def test_composites_have_no_chart():
    composite = Alarm.from_api({"AlarmName": "c", "StateValue": "OK", "AlarmRule": 'ALARM("a")'}, composite=True)
    with pytest.raises(NotChartable):
        plan(composite, NOW - timedelta(hours=1), NOW, NOW)


def test_band_upper_and_lower_are_told_apart_by_value_not_order():
    t = [1.0, 2.0, 3.0]
    times, upper, lower = split_band(t, [1, 2, 3], t, [5, 6, 7])  # lower came first
    assert upper.tolist() == [5, 6, 7] and lower.tolist() == [1, 2, 3]
    times, upper, lower = split_band(t, [5, 6, 7], t, [1, 2, 3])
    assert upper.tolist() == [5, 6, 7] and lower.tolist() == [1, 2, 3]


def test_breaching_points_for_threshold_and_band():
    times = np.array([1.0, 2.0, 3.0, 4.0])
    values = np.array([1.0, 6.0, 5.0, 9.0])
    empty = np.empty(0)
    assert breaching(metric_alarm(), times, values, 5.0, empty, empty, empty).tolist() == [False, True, False, True]
    assert breaching(metric_alarm(op="LessThanOrEqualToThreshold"), times, values, 5.0, empty, empty,
                     empty).tolist() == [True, False, True, False]
    upper, lower = np.array([8.0, 8, 8, 8]), np.array([2.0, 2, 2, 2])
    assert breaching(band_alarm(), times, values, None, times, upper, lower).tolist() == [True, False, False, True]
    assert breaching(band_alarm(op="GreaterThanUpperThreshold"), times, values, None, times, upper,
                     lower).tolist() == [False, False, False, True]


NOW_UNALIGNED = datetime(2026, 6, 1, 12, 7, 30, tzinfo=timezone.utc)  # the clock is never on a whole period


@pytest.mark.parametrize("now", [NOW, NOW_UNALIGNED])
def test_the_calls_of_a_plan_meet_end_to_end_each_on_whole_periods(now):
    calls = plan(metric_alarm(period=60), now - timedelta(days=20), now, now)
    assert [c.period for c in calls] == [300, 60]
    assert calls[0].start.timestamp() % 300 == 0
    assert calls[0].end == calls[1].start and calls[1].end == now


def test_a_metric_alone_is_split_by_its_own_points():
    # 15 days at 60 s: 21,600 points of one series; 10,000 a call is 3 calls, each ending on a whole period.
    calls = plan(metric_alarm(period=60), NOW - timedelta(days=15), NOW, NOW, max_datapoints=10_000)
    assert len(calls) == 3 and [c.series for c in calls] == [1, 1, 1]
    assert [c.datapoints for c in calls] == [10_000, 10_000, 1_600]
    # 3 series at 31,000 points a call: 10,333 whole periods per call, not 10,333.33
    band = plan(band_alarm(period=60), NOW - timedelta(days=15), NOW, NOW, max_datapoints=31_000)
    assert all((c.end - c.start).total_seconds() % 60 == 0 for c in band[:-1])
    assert [c.datapoints for c in band] == [30_999, 30_999, 2_802]


def test_an_empty_range_and_too_many_queries_are_refused_saying_why():
    with pytest.raises(NotChartable, match="^the range holds no time CloudWatch keeps data for$"):
        plan(metric_alarm(), NOW, NOW, NOW)
    with pytest.raises(NotChartable, match="the alarm has 2 queries; GetMetricData takes at most 1"):
        plan(band_alarm(), NOW - timedelta(hours=1), NOW, NOW, max_queries=1)
    assert len(plan(band_alarm(), NOW - timedelta(hours=1), NOW, NOW, max_queries=2)) == 1
    with pytest.raises(NotChartable, match="^a composite alarm has no metric of its own; open one of its children$"):
        plan(Alarm.from_api({"AlarmName": "c", "AlarmRule": "TRUE"}, composite=True), NOW - timedelta(hours=1), NOW)


def test_without_a_clock_the_chart_ends_now():
    now = datetime.now(timezone.utc)
    calls = plan(metric_alarm(), now - timedelta(hours=1), now + timedelta(hours=1))
    assert now <= calls[-1].end <= datetime.now(timezone.utc)


def test_a_band_of_no_width_in_places_is_still_told_apart():
    # a metric at 0 overnight: both bounds 0 for six points, then the upper one is above (lower came first)
    t = [float(i) for i in range(8)]
    times, upper, lower = split_band(t, [0, 0, 0, 0, 0, 0, 5, 6], t, [0, 0, 0, 0, 0, 0, 9, 12])
    assert upper.tolist() == [0, 0, 0, 0, 0, 0, 9, 12] and lower.tolist() == [0, 0, 0, 0, 0, 0, 5, 6]
    times, upper, lower = split_band(t, [0, 0, 0, 0, 0, 0, 9, 12], t, [0, 0, 0, 0, 0, 0, 5, 6])  # upper first
    assert upper.tolist() == [0, 0, 0, 0, 0, 0, 9, 12] and lower.tolist() == [0, 0, 0, 0, 0, 0, 5, 6]


def test_a_band_whose_bounds_cross_now_and_then_goes_by_the_majority():
    t = [1.0, 2.0, 3.0]
    times, upper, lower = split_band(t, [9, 9, 1], t, [5, 5, 2])  # the first is higher on two of three points
    assert upper.tolist() == [9, 9, 1] and lower.tolist() == [5, 5, 2]


def test_band_points_only_one_series_has_are_left_out():
    times, upper, lower = split_band([1.0, 2.0, 3.0], [5, 6, 7], [2.0, 3.0, 4.0], [1, 2, 3])
    assert times.tolist() == [2.0, 3.0] and upper.tolist() == [6, 7] and lower.tolist() == [1, 2]


def test_a_band_alarm_whose_band_has_not_come_marks_nothing():
    times, values, empty = np.array([1.0, 2.0]), np.array([1.0, 99.0]), np.empty(0)
    mask = breaching(band_alarm(), times, values, None, empty, empty, empty)
    assert values[mask].tolist() == []  # a boolean mask the chart can index with
    one = np.array([2.0])
    assert breaching(band_alarm(), times, values, None, one, np.array([8.0]), np.array([2.0])).tolist() == [False, True]


def test_points_between_band_points_or_on_its_edges_do_not_breach():
    band_times, upper, lower = np.array([10.0, 20.0, 30.0]), np.array([8.0, 8, 8]), np.array([2.0, 2, 2])
    times = np.array([10.0, 15.0, 20.0, 30.0])
    values = np.array([8.0, 50.0, 2.0, 1.9])  # upper edge, between two band points, lower edge, below
    assert breaching(band_alarm(), times, values, None, band_times, upper, lower).tolist() == [
        False, False, False, True]


@pytest.mark.parametrize(("op", "expected"), [
    ("GreaterThanThreshold", [False, False, True]), ("GreaterThanOrEqualToThreshold", [False, True, True]),
    ("LessThanThreshold", [True, False, False]), ("LessThanOrEqualToThreshold", [True, True, False]),
])
def test_each_threshold_operator_marks_its_side_and_the_threshold_itself_only_when_it_says_so(op, expected):
    values = np.array([4.0, 5.0, 6.0])
    empty = np.empty(0)
    assert breaching(metric_alarm(op=op), np.array([1.0, 2, 3]), values, 5.0, empty, empty, empty).tolist() == expected


def test_an_alarm_the_chart_cannot_judge_marks_nothing():
    times, values, empty = np.array([1.0, 2.0]), np.array([1.0, 99.0]), np.empty(0)
    for alarm, threshold in [(metric_alarm(), None), (metric_alarm(op="SomeFutureOperator"), 5.0)]:
        mask = breaching(alarm, times, values, threshold, empty, empty, empty)
        assert values[mask].tolist() == [] and mask.shape == values.shape
