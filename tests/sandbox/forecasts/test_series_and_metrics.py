"""The generated series are deterministic, and the sandbox's metrics follow Forecast's definitions."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from opsconsole.sandbox.forecast import exports, metrics
from opsconsole.sandbox.forecast.specs import ModelSpec, SeriesSpec

SPEC = SeriesSpec(key="7:test", item_prefix="sku_", items=600, last_date=dt.date(2026, 6, 1), block_size=250)
MODEL = ModelSpec("deepar", windows=2, wrong_items=5)


def test_same_seed_same_files_other_seed_other_files():
    assert exports.forecast_csv(SPEC, MODEL, ("0.1", "0.5", "0.9"), 1) == \
        exports.forecast_csv(SPEC, MODEL, ("0.1", "0.5", "0.9"), 1)
    other = SeriesSpec(key="8:test", item_prefix="sku_", items=600, last_date=dt.date(2026, 6, 1), block_size=250)
    assert exports.actuals_csv(SPEC, 0) != exports.actuals_csv(other, 0)


def test_a_short_last_part_holds_the_remaining_items():
    last = exports.forecast_csv(SPEC, MODEL, ("0.5",), 2).decode().splitlines()
    assert {line.split(",")[0] for line in last[1:]} == {f"sku_{i:05d}" for i in range(500, 600)}


def _sums(y, forecasts, history=None):
    y = np.asarray(y, dtype=float)
    history = np.asarray(history if history is not None else np.zeros((y.shape[0], 0)), dtype=float)
    forecasts = {k: np.asarray(v, dtype=float) for k, v in forecasts.items()}
    return metrics.metrics(metrics.sums(metrics.item_terms(y, forecasts, history)), tuple(forecasts))


def test_hand_computed_weighted_quantile_loss_and_wape():
    # y = [10, 20], p10 = [8, 25]: losses 0.1*2 = 0.2 and 0.9*5 = 4.5; wQL = 2*4.7/30
    result = _sums([[10, 20]], {"0.1": [[8, 25]], "0.5": [[12, 18]]})
    losses = {w["Quantile"]: w["LossValue"] for w in result["WeightedQuantileLosses"]}
    assert losses[0.1] == pytest.approx(2 * 4.7 / 30)
    wape = {e["ForecastType"]: e["WAPE"] for e in result["ErrorMetrics"]}
    assert wape["0.5"] == pytest.approx(4 / 30) == pytest.approx(losses[0.5])
    mape = {e["ForecastType"]: e["MAPE"] for e in result["ErrorMetrics"]}
    assert mape["0.5"] == pytest.approx((2 / 10 + 2 / 20) / 2)


def test_perfect_forecast_scores_zero_and_zero_actuals_give_the_unweighted_loss():
    perfect = _sums([[3, 4, 5]], {"0.5": [[3, 4, 5]]})
    assert perfect["WeightedQuantileLosses"][0]["LossValue"] == 0 and perfect["ErrorMetrics"][0]["WAPE"] == 0
    zeros = _sums([[0, 0]], {"0.5": [[1, 2]]})
    assert zeros["WeightedQuantileLosses"][0]["LossValue"] == pytest.approx(2 * 0.5 * 3)
    assert zeros["ErrorMetrics"][0]["WAPE"] == pytest.approx(3) and zeros["ErrorMetrics"][0]["MAPE"] is None


def test_mase_uses_the_seasonal_naive_scale_of_the_history():
    history = [[float(v) for v in range(14)]]  # |y_t - y_(t-7)| = 7 everywhere
    result = _sums([[10, 10]], {"0.5": [[13, 17]]}, history)
    assert result["ErrorMetrics"][0]["MASE"] == pytest.approx(5 / 7)


def test_metrics_pool_items_for_wape_and_average_them_for_mape():
    result = _sums([[10, 10], [100, 100]], {"0.5": [[12, 12], [100, 100]]})
    error = result["ErrorMetrics"][0]
    assert error["WAPE"] == pytest.approx(4 / 220)
    assert error["MAPE"] == pytest.approx((0.2 + 0.0) / 2)
