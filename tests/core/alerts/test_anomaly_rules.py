"""The KPI anomaly rules with numbers worked out by hand: the expected value and band of the console's
detector (seasonal and trailing median), a CloudWatch band's verdict, runs, grouping and severity words,
and the GetMetricData request of a KPI scan (checked against CloudWatch's model by botocore's Stubber)."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from stubbed_aws import StubbedClients

from opsconsole.core.alerts import anomalies as an
from opsconsole.core.alerts.anomalies import Anomaly, SeriesKey, SeriesView
from opsconsole.core.alerts.anomalies import cloudwatch as cw_an

UTC = dt.timezone.utc
START = pd.Timestamp("2026-11-23 00:00", tz="UTC")
# the spread the console's detector finds when every hour is 10 % below, on, or 10 % above its usual level:
# the MAD of the relative residuals (-0.1, 0, +0.1 in equal parts) is 0.1, times 1.4826
SIGMA = 0.14826


def rhythm(days: int, period_h: int = 1, multipliers=(0.9, 1.0, 1.1)) -> pd.Series:
    """Each hour of the day has its own level (100 + hour); day d is multipliers[d % 3] of it."""
    index = pd.date_range(START, periods=days * 24 // period_h, freq=f"{period_h}h")
    values = [(100 + t.hour) * multipliers[(t - START).days % len(multipliers)] for t in index]
    return pd.Series(values, index=index)


@pytest.mark.parametrize("period_h", [1, 3])
def test_hourly_data_over_three_days_is_judged_against_the_same_hour_of_the_other_days(period_h):
    series = rhythm(6, period_h)
    noon = series.index[-1].normalize() + pd.Timedelta(hours=12)
    series[noon] = 112 * 1.6  # the last noon: 60 % above its usual level
    frame = an.judge(series, period_h * 3600)
    row = frame.loc[noon]
    assert row["expected"] == pytest.approx(112)  # the median of the noons
    assert row["upper"] == pytest.approx(112 * (1 + 3.5 * SIGMA), rel=1e-4)
    assert row["lower"] == pytest.approx(112 * (1 - 3.5 * SIGMA), rel=1e-4)
    assert row["score"] == pytest.approx(0.6 / SIGMA, rel=1e-4) and row["flagged"]
    ordinary = frame.drop(noon)
    assert not ordinary["flagged"].any() and ordinary["score"].abs().max() == pytest.approx(0.1 / SIGMA, rel=1e-4)


def test_exactly_three_days_is_enough_and_a_coarser_period_is_not_seasonal():
    exact = rhythm(3)
    exact[START + pd.Timedelta(days=3)] = 100.0  # 73 hourly points: three days from first to last
    assert an.seasonal_expectation(exact, 3600).iloc[-1] == pytest.approx(100)  # the median of the midnights 90, 100, 110, 100
    four_hourly = rhythm(6, 4)
    expected = an.seasonal_expectation(four_hourly, 4 * 3600)
    assert expected.iloc[-1] == pytest.approx(np.median(four_hourly.iloc[-31:-1]))  # the preceding points


def test_other_series_are_judged_against_the_median_of_the_points_before():
    ramp = pd.Series([10.0 * (i + 1) for i in range(40)],
                     index=pd.date_range("2026-11-30 10:00", periods=40, freq="min", tz="UTC"))
    expected = an.seasonal_expectation(ramp, 60)
    # the first five: the median so far (itself included); then the median of the (up to 30) points before
    assert expected.iloc[:8].tolist() == [10, 15, 20, 25, 30, 30, 35, 40]
    assert expected.iloc[39] == 245  # the median of points 9..38 (100..390)
    frame = an.judge(ramp.iloc[:8], 60)
    # relative residuals 0, 1/3, 1/2, 3/5, 2/3, 1, 1, 1: median 0.6333, MAD 0.3333, sigma 0.4942
    sigma = 1.4826 / 3
    assert frame["score"].iloc[7] == pytest.approx(40 / (sigma * 40), rel=1e-4)
    assert frame["upper"].iloc[7] == pytest.approx(40 + 3.5 * sigma * 40, rel=1e-4)
    assert frame["lower"].iloc[7] == pytest.approx(40 - 3.5 * sigma * 40, rel=1e-4)
    assert not frame["flagged"].any()  # 100 % above the trailing median, but not improbable for this series


def test_a_flat_rate_below_one_gets_a_band_relative_to_its_level():
    rate = pd.Series([0.2] * 10, index=pd.date_range("2026-11-30", periods=10, freq="h", tz="UTC"))
    frame = an.judge(rate, 3600)
    assert frame["upper"].iloc[-1] == pytest.approx(0.2 * (1 + 3.5 * 0.02))
    assert frame["lower"].iloc[-1] == pytest.approx(0.2 * (1 - 3.5 * 0.02))


def test_a_series_at_zero_gets_the_smallest_band_and_a_jump_from_zero_is_flagged():
    zero = pd.Series([0.0] * 9 + [5.0], index=pd.date_range("2026-11-30", periods=10, freq="h", tz="UTC"))
    frame = an.judge(zero, 3600)
    assert frame["upper"].iloc[0] == pytest.approx(3.5 * 0.02) and frame["lower"].iloc[0] == pytest.approx(-0.07)
    assert frame["score"].iloc[0] == 0
    assert frame["flagged"].tolist() == [False] * 9 + [True]


def test_a_cloudwatch_band_flags_points_beyond_its_edges_that_matter():
    index = pd.date_range("2026-11-30", periods=6, freq="h", tz="UTC")
    actual = pd.Series([130.0, 70.0, 131.0, 106.0, 120.0, 50.0], index=index)
    lower = pd.Series([70.0, 70, 70, 95, 99, np.nan], index=index)
    upper = pd.Series([130.0, 130, 130, 105, 101, np.nan], index=index)
    frame = an.judge_band(actual, lower, upper)
    # on the upper edge, on the lower edge, beyond it, beyond a tight band by only 6 %, far beyond a tight band,
    # and a point the band has no value for (kept, not judged)
    assert frame["flagged"].tolist() == [False, False, True, False, True, False]
    assert len(frame) == 6
    # score in the band's standard deviations: its half-width is 3.5 of them
    assert frame["score"].iloc[2] == pytest.approx(31 / (30 / 3.5))
    assert frame["score"].iloc[4] == pytest.approx(20 / (1 / 3.5))


def test_a_band_of_no_width_gives_no_score_to_measure_by():
    index = pd.date_range("2026-11-30", periods=2, freq="h", tz="UTC")
    flat = pd.Series([0.0, 0.0], index=index)
    frame = an.judge_band(pd.Series([0.0, 5.0], index=index), flat, flat)
    assert frame["score"].tolist() == [0.0, 0.0] and frame["flagged"].tolist() == [False, True]


def judged(flags, scores=None, naive=False):
    index = pd.date_range("2026-11-30", periods=len(flags), freq="h", tz=None if naive else "UTC")
    scores = scores or [5.0 if f else 0.0 for f in flags]
    frame = pd.DataFrame({"actual": [50.0 if f else 100.0 for f in flags], "expected": 100.0, "lower": 90.0,
                          "upper": 110.0, "score": scores, "flagged": flags}, index=index)
    return SeriesView(KEY_DE_APP, an.CONSOLE_DETECTOR, 3600, frame)


KEY_DE_APP = SeriesKey.of("Retail/Orders", "Orders", [{"Name": "Platform", "Value": "app"},
                                                      {"Name": "Marketplace", "Value": "DE"}])


def test_one_normal_point_inside_a_run_does_not_break_it_two_do():
    anomaly = an.latest_anomaly(judged([True, False, True, False, False, True, False, True, False]))
    assert anomaly.episodes == 2
    assert anomaly.start == dt.datetime(2026, 11, 30, 5, tzinfo=UTC) and anomaly.points == 2
    assert not anomaly.ongoing


def test_the_anomaly_names_its_series_source_and_peak_with_its_times_in_utc():
    anomaly = an.latest_anomaly(judged([False, True, True, True], [0.0, -4.0, -9.0, -5.0], naive=True))
    assert anomaly.key == KEY_DE_APP and anomaly.source == an.CONSOLE_DETECTOR
    assert anomaly.peak_score == -9.0 and anomaly.direction == "drop" and anomaly.ongoing
    assert anomaly.start == dt.datetime(2026, 11, 30, 1, tzinfo=UTC)
    assert anomaly.end == dt.datetime(2026, 11, 30, 3, tzinfo=UTC)


def make(market, platform, start_h, hours=2, peak=8.0, change=-0.5):
    key = SeriesKey.of("Retail/Orders", "Orders", [{"Name": "Marketplace", "Value": market},
                                                   {"Name": "Platform", "Value": platform}])
    start = dt.datetime(2026, 11, 30, start_h, tzinfo=UTC)
    return Anomaly(key, an.CONSOLE_DETECTOR, start, start + dt.timedelta(hours=hours - 1), 3600, hours,
                   expected=100.0, actual=100.0 * (1 + change), peak_score=peak, ongoing=False)


def test_two_series_sharing_a_value_that_broke_together_are_one_group_of_how_many_there_are():
    de_app, de_web, de_tv = make("DE", "app", 10), make("DE", "web", 11), make("DE", "tv", 0)
    series = [a.key for a in (de_app, de_web, de_tv)]
    groups = an.group_anomalies([de_app, de_web], series)
    assert [g.title for g in groups] == ["Marketplace=DE: 2 of 3 series"]


def test_a_value_shared_by_one_anomaly_only_does_not_stop_the_search():
    groups = an.group_anomalies([make("DE", "app", 10), make("FR", "app", 10)])
    assert [g.title for g in groups] == ["Platform=app: 2 of 2 series"]


def test_the_first_dimension_in_name_order_wins_a_tie():
    a = make("DE", "app", 10)
    b = SeriesKey.of("Retail/Revenue", "Revenue", [{"Name": "Marketplace", "Value": "DE"},
                                                   {"Name": "Platform", "Value": "app"}])
    groups = an.group_anomalies([a, Anomaly(b, **{k: getattr(a, k) for k in (
        "source", "start", "end", "period", "points", "expected", "actual", "peak_score", "ongoing")})])
    assert groups[0].dimension == ("Marketplace", "DE")


@pytest.mark.parametrize(("gap_h", "together"), [(0, True), (1, False)])
def test_runs_one_period_apart_broke_together_further_apart_did_not(gap_h, together):
    # the most severe ends at 11:00 (its last hour starts then); the other starts right after, or an hour later
    worst, next_ = make("DE", "app", 10, peak=9.0), make("DE", "web", 12 + gap_h, peak=4.0)
    assert (len(an.group_anomalies([worst, next_])) == 1) is together
    earlier = make("DE", "web", 8 - gap_h, hours=2, peak=4.0)  # ends at 9:00 (-gap), the worst starts at 10:00
    assert (len(an.group_anomalies([worst, earlier])) == 1) is together


def test_a_group_is_formed_around_the_most_severe_member():
    worst, near, far = make("DE", "app", 10, peak=9.0), make("DE", "web", 11, peak=6.0), make("DE", "tv", 20, peak=3.0)
    groups = an.group_anomalies([far, near, worst])
    assert [len(g.members) for g in groups] == [2, 1] and groups[0].members[0] is worst


def test_groups_of_equal_severity_put_the_larger_first():
    de = [make("DE", p, 10, peak=12.0, change=-1.0) for p in ("app", "web", "tv")]
    fr = [make("FR", p, 10, peak=12.0, change=-1.0) for p in ("kiosk", "phone")]
    groups = an.group_anomalies(fr + de)
    assert [g.title for g in groups] == ["Marketplace=DE: 3 of 3 series", "Marketplace=FR: 2 of 2 series"]
    assert groups[0].score == groups[1].score == 100.0


@pytest.mark.parametrize(("score", "word"), [(70, "critical"), (69.9, "high"), (50, "high"), (49.9, "medium"),
                                             (35, "medium"), (34.9, "low")])
def test_severity_words_start_at_their_score(score, word):
    assert an.severity_word(score) == word


@pytest.mark.parametrize(("actual", "expected", "text"), [(18.0, 100.0, "-82 %"), (140.0, 100.0, "+40 %"),
                                                          (5.0, 0.0, "")])
def test_the_change_column_reads_as_a_signed_percentage(actual, expected, text):
    anomaly = Anomaly(KEY_DE_APP, an.CONSOLE_DETECTOR, dt.datetime(2026, 11, 30, tzinfo=UTC),
                      dt.datetime(2026, 11, 30, tzinfo=UTC), 3600, 1, expected, actual, 5.0, True)
    assert an.describe_change(anomaly) == text


def test_a_series_key_sorts_its_dimensions_and_sums_unless_told():
    assert KEY_DE_APP.stat == "Sum"
    assert KEY_DE_APP.label == "Retail/Orders Orders · Marketplace=DE, Platform=app"


def test_a_kpi_is_read_with_its_band_in_one_get_metric_data_request():
    start, end = dt.datetime(2026, 11, 30, 9, tzinfo=UTC), dt.datetime(2026, 11, 30, 12, tzinfo=UTC)
    cw = StubbedClients("cloudwatch")
    cw.expect("cloudwatch", "get_metric_data", {
        "MetricDataQueries": [
            {"Id": "m0", "ReturnData": True, "MetricStat": {"Metric": {
                "Namespace": "Retail/Orders", "MetricName": "Orders", "Dimensions": [
                    {"Name": "Marketplace", "Value": "DE"}, {"Name": "Platform", "Value": "app"}]},
                "Period": 3600, "Stat": "Sum"}},
            {"Id": "b0", "Expression": "ANOMALY_DETECTION_BAND(m0, 3.5)", "ReturnData": True}],
        "StartTime": start, "EndTime": end, "ScanBy": "TimestampAscending"}, {"MetricDataResults": [
            {"Id": "m0", "Label": "Orders", "Timestamps": [start], "Values": [40.0], "StatusCode": "Complete"},
            {"Id": "b0", "Label": "high", "Timestamps": [start], "Values": [120.0], "StatusCode": "Complete"},
            {"Id": "b0", "Label": "low", "Timestamps": [start], "Values": [80.0], "StatusCode": "Complete"}]})
    actual, lower, upper = cw_an.fetch(cw, [KEY_DE_APP], {KEY_DE_APP}, 3600, start, end)[KEY_DE_APP]
    cw.all_made()
    assert actual.tolist() == [40.0] and lower.tolist() == [80.0] and upper.tolist() == [120.0]
    assert math.isfinite(an.judge_band(actual, lower, upper)["score"].iloc[0])


def test_two_series_that_broke_together_are_grouped_even_when_a_worse_break_of_the_same_value_came_earlier():
    worst = make("DE", "app", 2, peak=12.0, change=-1.0)  # 02:00, alone
    web, tv = make("DE", "web", 14, peak=5.0), make("DE", "tv", 14, peak=4.0)  # 14:00, together
    groups = an.group_anomalies([worst, web, tv])
    assert [(g.title, len(g.members)) for g in groups] == [
        ("Retail/Orders Orders · Marketplace=DE, Platform=app", 1), ("Marketplace=DE: 2 of 3 series", 2)]


def test_a_value_whose_anomalies_are_apart_in_time_does_not_stop_the_search():
    de_app, de_web, fr_app = make("DE", "app", 10), make("DE", "web", 20), make("FR", "app", 10)
    groups = an.group_anomalies([de_app, de_web, fr_app])
    assert groups[0].title == "Platform=app: 2 of 2 series"


def test_a_point_exactly_at_the_threshold_or_the_minimum_change():
    flat = pd.Series([100.0] * 9 + [110.0], index=pd.date_range("2026-11-30", periods=10, freq="h", tz="UTC"))
    # the spread of a flat series is the floor, 2 % of 100: 110 is 5.0 of them away and exactly 10 % off
    assert an.judge(flat, 3600)["score"].iloc[-1] == 5.0
    assert not an.judge(flat, 3600, threshold=5.0)["flagged"].iloc[-1]  # further than the threshold, not at it
    assert an.judge(flat, 3600, threshold=4.9)["flagged"].iloc[-1]  # 10 % off is enough


def test_a_series_key_is_made_from_cloudwatchs_dimensions():
    key = SeriesKey.of("Retail/Orders", "Orders", [{"Name": "Platform", "Value": "app"},
                                                   {"Name": "Marketplace", "Value": "DE"}])
    assert (key.namespace, key.metric, key.stat) == ("Retail/Orders", "Orders", "Sum")
    assert key.dimensions == (("Marketplace", "DE"), ("Platform", "app"))
    assert SeriesKey.of("Retail/Orders", "Latency", [], "Average").stat == "Average"


def test_everything_that_touches_the_leading_break_joins_its_group():
    worst, during = make("DE", "app", 10, peak=9.0), make("DE", "web", 10, peak=6.0)  # 10:00 and 11:00
    right_after, right_before = make("DE", "tv", 12, peak=3.0), make("DE", "kiosk", 8, peak=2.0)  # 12-13, 8-9
    groups = an.group_anomalies([worst, during, right_after, right_before])
    assert [len(g.members) for g in groups] == [4]
