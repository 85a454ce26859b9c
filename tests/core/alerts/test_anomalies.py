"""KPI anomalies: the console's seasonal detector on synthetic series with known anomalies, the band,
grouping and ranking; then a scan of the sandbox's KPIs (its DE mobile_app collapse, CloudWatch bands)
and of a namespace without detectors (the console's detector)."""

from __future__ import annotations

import datetime as dt
import math
import uuid

import numpy as np
import pandas as pd
import pytest

from opsconsole.core.alerts import anomalies as an
from opsconsole.core.alerts.anomalies import Anomaly, KpiSource, SeriesKey, SeriesView
from opsconsole.core.alerts.anomalies import cloudwatch as cw_an

NOW = pd.Timestamp("2026-11-30 12:00", tz="UTC")


def hourly(level: float = 100.0, days: int = 7, noise: float = 0.05, seed: int = 1) -> pd.Series:
    """A daily rhythm with multiplicative noise, one point an hour, ending an hour before NOW."""
    index = pd.date_range(end=NOW - pd.Timedelta(hours=1), periods=days * 24, freq="h")
    rhythm = 0.6 + 0.4 * np.sin((index.hour - 6) / 24 * 2 * np.pi) ** 2
    rng = np.random.default_rng(seed)
    return pd.Series(level * rhythm * rng.uniform(1 - noise, 1 + noise, len(index)), index=index)


def view(key: SeriesKey, series: pd.Series, period: int = 3600) -> SeriesView:
    return SeriesView(key, an.CONSOLE_DETECTOR, period, an.judge(series, period))


def key(metric="Orders", **dims) -> SeriesKey:
    return SeriesKey.of("Retail/Orders", metric, [{"Name": k, "Value": v} for k, v in dims.items()])


# -- the console's detector --------------------------------------------------------------------------------
def test_a_collapse_in_the_last_hours_is_found_with_its_start_duration_and_size():
    series = hourly()
    series.iloc[-4:] *= 0.2
    anomaly = an.latest_anomaly(view(key(Marketplace="DE"), series))
    assert anomaly is not None
    assert anomaly.start == series.index[-4].to_pydatetime()
    assert anomaly.duration == dt.timedelta(hours=4)
    assert anomaly.points == 4 and anomaly.ongoing and anomaly.direction == "drop"
    assert anomaly.change == pytest.approx(-0.8, abs=0.06)
    assert anomaly.severity == "critical"


def test_a_spike_in_the_middle_is_found_and_is_not_ongoing():
    series = hourly()
    series.iloc[80:82] *= 2.5
    anomaly = an.latest_anomaly(view(key(), series))
    assert anomaly is not None and anomaly.direction == "spike" and not anomaly.ongoing
    assert anomaly.start == series.index[80].to_pydatetime() and anomaly.points == 2
    assert anomaly.episodes == 1


def test_ordinary_noise_and_the_daily_rhythm_are_not_anomalies():
    for seed in range(5):
        assert an.latest_anomaly(view(key(), hourly(seed=seed))) is None


def test_a_flat_series_without_noise_still_flags_a_real_deviation_but_not_a_tiny_one():
    index = pd.date_range(end=NOW, periods=100, freq="min")
    flat = pd.Series(50.0, index=index)
    assert an.latest_anomaly(view(key(), flat, 60)) is None
    tiny = flat.copy()
    tiny.iloc[-1] = 52.0  # 4 %: improbable for a flat line, but not material
    assert an.latest_anomaly(view(key(), tiny, 60)) is None
    dropped = flat.copy()
    dropped.iloc[-3:] = 10.0
    anomaly = an.latest_anomaly(view(key(), dropped, 60))
    assert anomaly is not None and anomaly.points == 3 and anomaly.expected == pytest.approx(50.0)


def test_the_latest_of_several_runs_is_reported_with_the_number_of_runs():
    series = hourly()
    series.iloc[30:32] *= 0.1
    series.iloc[100:103] *= 3
    anomaly = an.latest_anomaly(view(key(), series))
    assert anomaly.episodes == 2 and anomaly.start == series.index[100].to_pydatetime()


def test_a_collapse_does_not_drag_the_expectation_down_with_it():
    clean = hourly()
    series = clean.copy()
    series.iloc[-4:] *= 0.2
    frame = an.judge(series, 3600)
    # the median of the same hour over 7 days ignores the one collapsed day
    assert frame["expected"].iloc[-4:].to_numpy() == pytest.approx(clean.iloc[-4:].to_numpy(), rel=0.12)
    assert not frame["flagged"].iloc[:-4].any()


# -- the CloudWatch band -------------------------------------------------------------------------------------
def test_a_band_flags_points_outside_it_and_scores_in_its_standard_deviations():
    index = pd.date_range(end=NOW, periods=10, freq="h")
    actual = pd.Series([100.0] * 8 + [40.0, 100.0], index=index)
    lower, upper = pd.Series(80.0, index=index), pd.Series(120.0, index=index)
    frame = an.judge_band(actual, lower, upper, width=2)
    assert frame["flagged"].tolist() == [False] * 8 + [True, False]
    # half-width 20 is 2 standard deviations: 60 below the middle is -6
    assert frame["score"].iloc[8] == pytest.approx(-6.0)


def test_the_two_band_series_are_told_apart_by_value_not_by_order():
    stamps = [dt.datetime(2026, 11, 30, h, tzinfo=dt.timezone.utc) for h in range(3)]
    low = {"Id": "b0", "Label": "x Low", "Timestamps": stamps, "Values": [1.0, 2.0, 3.0]}
    high = {"Id": "b0", "Label": "x High", "Timestamps": stamps, "Values": [5.0, 6.0, 7.0]}
    for order in ([low, high], [high, low]):
        lower, upper = an.band_pair(order)
        assert lower.tolist() == [1.0, 2.0, 3.0] and upper.tolist() == [5.0, 6.0, 7.0]


# -- grouping and ranking --------------------------------------------------------------------------------
def anomaly(k: SeriesKey, start_hour: int, hours: int, peak: float, expected=100.0, actual=20.0) -> Anomaly:
    start = dt.datetime(2026, 11, 30, start_hour, tzinfo=dt.timezone.utc)
    return Anomaly(k, an.CONSOLE_DETECTOR, start, start + dt.timedelta(hours=hours - 1), 3600, hours,
                   expected, actual, peak, True)


def test_series_that_break_together_on_one_dimension_are_one_group_ranked_first():
    de = [key(Marketplace="DE", Platform=p) for p in ("pc_web", "mobile_web", "mobile_app")]
    uk = key(Marketplace="UK", Platform="pc_web")
    fr = key(Marketplace="FR", Platform="pc_web")
    found = [anomaly(de[0], 8, 4, -9), anomaly(de[1], 9, 3, -7), anomaly(de[2], 8, 4, -12),
             anomaly(uk, 2, 1, 4.0, actual=130.0)]
    groups = an.group_anomalies(found, [*de, uk, fr])
    assert [g.dimension for g in groups] == [("Marketplace", "DE"), None]
    assert len(groups[0].members) == 3 and groups[0].of == 3
    assert groups[0].title == "Marketplace=DE: 3 of 3 series"
    assert groups[1].members[0].key == uk


def test_a_shared_dimension_does_not_group_anomalies_far_apart_in_time():
    a = key(Marketplace="DE", Platform="pc_web")
    b = key(Marketplace="DE", Platform="mobile_app")
    groups = an.group_anomalies([anomaly(a, 1, 2, -9), anomaly(b, 15, 2, -6)])
    assert all(g.dimension is None for g in groups) and len(groups) == 2


def test_groups_are_ranked_by_severity():
    mild = anomaly(key(Country="FR"), 3, 1, 3.8, actual=88.0)
    bad = anomaly(key(Country="DE"), 3, 1, -9.0, actual=5.0)
    middle = anomaly(key(Country="ES"), 3, 1, 6.0, actual=150.0)
    groups = an.group_anomalies([mild, bad, middle])
    assert [g.members[0].key.dimensions for g in groups] == [(("Country", "DE"),), (("Country", "ES"),),
                                                             (("Country", "FR"),)]
    assert [g.severity for g in groups] == ["critical", "high", "low"]


# -- against the sandbox ---------------------------------------------------------------------------------
def run(gen):
    try:
        while True:
            next(gen)
    except StopIteration as stop:
        return stop.value


def test_the_scenario_collapse_of_de_mobile_app_orders_is_the_worst_anomaly(sandbox_clients):
    report = run(an.scan(sandbox_clients, sources=[KpiSource("Retail/Orders")]))
    assert report.detectors > 0
    top = report.groups[0]
    worst = max(top.members, key=lambda a: a.score)
    assert worst.key.dimension_text == "Marketplace=DE, Platform=mobile_app"
    assert worst.source == an.CLOUDWATCH_BAND and worst.direction == "drop" and worst.change < -0.5
    assert top.dimension == ("Marketplace", "DE")  # DE revenue fell with it
    assert worst.key in report.series and not report.series[worst.key].frame.empty


def test_a_namespace_without_detectors_is_judged_by_the_console(sandbox_clients):
    namespace = f"Forecasts/Accuracy-{uuid.uuid4().hex[:6]}"
    now = dt.datetime.now(dt.timezone.utc).replace(minute=0, second=0, microsecond=0)
    data = []
    for h in range(96, 0, -1):
        at = now - dt.timedelta(hours=h)
        for tenant in ("retail", "finance"):
            value = 0.12 + 0.02 * math.sin(at.hour / 24 * 2 * math.pi)
            if tenant == "finance" and h <= 3:
                value *= 3  # the forecast error triples in the last three hours
            data.append({"MetricName": "ForecastError", "Timestamp": at, "Value": value,
                         "Dimensions": [{"Name": "Tenant", "Value": tenant}]})
    cw = sandbox_clients.client("cloudwatch")
    for first in range(0, len(data), 500):
        cw.put_metric_data(Namespace=namespace, MetricData=data[first:first + 500])
    report = run(an.scan(sandbox_clients, sources=[KpiSource(namespace, lookback=dt.timedelta(days=4))]))
    mine = {k: v for k, v in report.series.items() if k.namespace == namespace}
    assert len(mine) == 2 and {v.source for v in mine.values()} == {an.CONSOLE_DETECTOR}
    # namespaces with detectors are always scanned too, judged by their bands
    assert {v.source for k, v in report.series.items() if k.namespace == "Retail/Orders"} == {an.CLOUDWATCH_BAND}
    [found] = [a for a in report.anomalies if a.key.namespace == namespace]
    assert found.key.dimensions == (("Tenant", "finance"),) and found.key.stat == "Average"
    assert found.points == 3 and found.direction == "spike"


def test_a_cancelled_scan_reads_no_more_after_the_batch_in_flight(sandbox_clients):
    namespace = f"Ops/Cancel-{uuid.uuid4().hex[:6]}"
    now = dt.datetime.now(dt.timezone.utc).replace(minute=0, second=0, microsecond=0)
    series = 3 * cw_an.SCAN_BATCH
    data = [{"MetricName": "Orders", "Timestamp": now - dt.timedelta(hours=h), "Value": 100.0 + h,
             "Dimensions": [{"Name": "Shop", "Value": f"shop-{n:03d}"}]} for n in range(series) for h in range(1, 7)]
    cw = sandbox_clients.client("cloudwatch")
    for first in range(0, len(data), 500):
        cw.put_metric_data(Namespace=namespace, MetricData=data[first:first + 500])
    calls = []

    def count(**_kwargs):
        calls.append(1)

    cw.meta.events.register("before-call.cloudwatch.GetMetricData", count)
    try:
        # (the scan always reads the namespaces with detectors too: counted from where ours starts)
        gen = an.scan(sandbox_clients, sources=[KpiSource(namespace, lookback=dt.timedelta(hours=8))])
        read_before = None
        for progress in gen:
            if read_before is None and progress.text == f"Reading {namespace}":
                read_before = len(calls)
            elif read_before is not None and namespace in progress.text:
                break  # the first batch is in; the user cancels here (the job layer closes the generator)
        gen.close()
        assert len(calls) - read_before == 1
        # and run whole, the same scan reads every batch
        calls.clear()
        report = run(an.scan(sandbox_clients, sources=[KpiSource(namespace, lookback=dt.timedelta(hours=8))]))
        assert len({k for k in report.series if k.namespace == namespace}) == series
    finally:
        cw.meta.events.unregister("before-call.cloudwatch.GetMetricData", count)
