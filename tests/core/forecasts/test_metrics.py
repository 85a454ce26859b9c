"""Forecast's accuracy metrics against hand-computed cases, its identities and its zero-actual rules."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opsconsole.core.forecasts import metrics as m

# Demand-like values to one decimal (sub-normal floats only test float overflow, not the metrics).
number = st.integers(-100_000, 100_000).map(lambda v: v / 10)
values = st.lists(number, min_size=1, max_size=40)


def test_wql_hand_computed():
    # y = [10, 20], q = [12, 15] at tau 0.9:
    # y-q = [-2, 5]; max(0.9*-2, -0.1*-2) = 0.2; max(0.9*5, -0.1*5) = 4.5; 2*(4.7) / 30
    assert m.wql([10, 20], [12, 15], 0.9) == pytest.approx(9.4 / 30)


def test_wape_rmse_mape_hand_computed():
    y, f = [10, 20, 30], [12, 15, 30]
    assert m.wape(y, f) == pytest.approx(7 / 60)
    assert m.rmse(y, f) == pytest.approx(math.sqrt((4 + 25 + 0) / 3))
    assert m.mape(y, f) == pytest.approx((0.2 + 0.25 + 0) / 3)


def test_mase_uses_the_seasonal_naive_error_of_the_history():
    history = [1, 2, 3, 4, 6, 8]  # m=2: |3-1|,|4-2|,|6-3|,|8-4| -> mean 2.75
    assert m.seasonal_naive_scale(history, 2) == pytest.approx(2.75)
    assert m.mase([10, 10], [9, 12], history, 2) == pytest.approx(1.5 / 2.75)


def test_wql_at_median_is_wape():
    y, q = [3, 0, 7, 1], [2, 1, 9, 1]
    assert m.wql(y, q, 0.5) == pytest.approx(m.wape(y, q))


def test_zero_actuals_follow_forecasts_rules():
    y = [0, 0, 0]
    # Σ|y| = 0: wQL and WAPE are the unweighted numerators.
    assert m.wql(y, [1, 2, 0], 0.9) == pytest.approx(2 * (0.1 * 1 + 0.1 * 2))
    assert m.wape(y, [1, 2, 0]) == pytest.approx(3)
    # MAPE skips zero actuals, and is undefined when all are zero.
    assert math.isnan(m.mape(y, [1, 2, 0]))
    assert m.mape([0, 10], [5, 12]) == pytest.approx(0.2)
    # MASE is undefined for a flat history.
    assert math.isnan(m.mase([1, 2], [1, 1], [5, 5, 5, 5], 2))


@given(values)
def test_perfect_forecast_scores_zero(ys):
    assert m.wape(ys, ys) == 0
    assert m.rmse(ys, ys) == 0
    for tau in (0.1, 0.5, 0.9):
        assert m.wql(ys, ys, tau) == 0


@given(values, st.data())
@settings(max_examples=60)
def test_median_identity_and_non_negative(ys, data):
    qs = data.draw(st.lists(number, min_size=len(ys), max_size=len(ys)))
    assert m.wql(ys, qs, 0.5) == pytest.approx(m.wape(ys, qs), rel=1e-9, abs=1e-9)
    for tau in (0.1, 0.9):
        assert m.wql(ys, qs, tau) >= 0


@given(st.lists(st.tuples(values, st.integers(0, 3)), min_size=1, max_size=6))
@settings(max_examples=40)
def test_across_items_wape_is_a_ratio_of_sums_and_mape_an_average(series):
    rows = []
    for i, (ys, shift) in enumerate(series):
        for t, y in enumerate(ys):
            rows.append({"item_id": f"i{i}", "target_value": y, "p10": y - shift, "p50": y + shift, "p90": y + 2 * shift})
    frame = pd.DataFrame(rows)
    sums = m.group_sums(frame, ["item_id"], ["p10", "p50", "p90"], "p50")
    agg = m.aggregate(sums, ["p10", "p50", "p90"])
    y = frame["target_value"].to_numpy()
    num = np.abs(y - frame["p50"].to_numpy()).sum()
    den = np.abs(y).sum()
    assert agg["WAPE"] == pytest.approx(num if den <= m.ZERO_EPS else num / den, rel=1e-9, abs=1e-9)
    per_item = [m.mape(g["target_value"], g["p50"]) for _, g in frame.groupby("item_id")]
    expected = np.nanmean(per_item) if not all(math.isnan(v) for v in per_item) else math.nan
    if math.isnan(expected):
        assert math.isnan(agg["MAPE"])
    else:
        assert agg["MAPE"] == pytest.approx(expected)
    assert agg["wQL[0.5]"] == pytest.approx(agg["WAPE"], rel=1e-9, abs=1e-9)


def test_per_item_metrics_match_the_single_series_functions():
    frame = pd.DataFrame({"item_id": ["a"] * 3 + ["b"] * 3, "target_value": [10, 20, 30, 0, 0, 5],
                          "p10": [8, 15, 25, 0, 1, 3], "p50": [12, 15, 30, 1, 0, 5], "p90": [14, 25, 36, 2, 2, 9]})
    per = m.metrics_from_sums(m.group_sums(frame, ["item_id"], ["p10", "p50", "p90"], "p50"), ["p10", "p50", "p90"])
    a = frame[frame.item_id == "a"]
    assert per.loc["a", "wQL[0.9]"] == pytest.approx(m.wql(a.target_value, a.p90, 0.9))
    assert per.loc["a", "WAPE"] == pytest.approx(m.wape(a.target_value, a.p50))
    assert per.loc["b", "MAPE"] == pytest.approx(0.0)  # two zero actuals skipped, one exact
    assert per.loc["a", "points"] == 3


def test_quantile_of_forecast_type_columns():
    assert m.quantile_of("p10") == 0.1
    assert m.quantile_of("p5") == 0.05
    assert m.quantile_of("mean") is None
    assert m.forecast_type_columns(["item_id", "date", "p10", "mean", "p90", "region"]) == ["p10", "mean", "p90"]


def test_forecast_types_p1_to_p99_are_quantiles_and_nothing_else():
    assert m.quantile_of("p1") == 0.01 and m.quantile_of("p99") == 0.99
    assert m.quantile_of("p0") is None and m.quantile_of("p00") is None
    assert m.quantile_of("p100") is None and m.quantile_of("P50") is None and m.quantile_of("p50x") is None


def test_values_read_as_text_are_scored_as_numbers():
    assert m.wape(["10", "20"], ["12", "15"]) == pytest.approx(7 / 30)
    assert m.rmse(["3"], ["1"]) == pytest.approx(2)


def test_actuals_summing_to_exactly_the_zero_limit_count_as_zero():
    # Σ|y| = 1e-9 is "approximately zero": the unweighted error, not a division by 1e-9.
    assert m.wape([m.ZERO_EPS], [1.0]) == pytest.approx(1.0, rel=1e-6)
    assert m.wape([2 * m.ZERO_EPS], [1.0]) == pytest.approx(1 / (2 * m.ZERO_EPS), rel=1e-6)


def test_mase_is_undefined_when_the_naive_error_is_at_the_zero_limit():
    assert math.isnan(m.mase([1.0], [0.0], [0.0, m.ZERO_EPS], 1))
    assert m.mase([1.0], [0.0], [0.0, 2 * m.ZERO_EPS], 1) == pytest.approx(1 / (2 * m.ZERO_EPS))
    assert math.isnan(m.mase([], [], [1, 2, 4], 1))
    assert math.isnan(m.seasonal_naive_scale([1, 2], 2))
    assert m.seasonal_naive_scale([1, 2, 4], 2) == pytest.approx(3)


def test_an_empty_series_has_no_rmse():
    assert math.isnan(m.rmse([], []))
