"""Accuracy per item, per backtest window and overall, as the accuracy view shows it, from a small backtest.

The figures are worked out by hand from the rows below (Forecast's definitions:
WAPE Σ|y−ŷ|/Σ|y| over the window's items, MAPE averaged over items, MASE scaled
by the seasonal naive error of the history before the window, overall = mean of
the windows).
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from opsconsole.core.forecasts.accuracy import (
    ITEM_COLUMNS,
    compare,
    model_accuracy,
    point_type,
    rank,
    rows_behind,
    tenant_accuracy,
    worst_items,
)
from opsconsole.core.forecasts.exports import ExportTable
from opsconsole.core.forecasts.items import ModelTables, TenantData

W1, W2 = pd.Timestamp("2026-10-01"), pd.Timestamp("2026-10-08")


def backtest(rows: list[tuple], types: tuple[str, ...] = ("p10", "p50", "p90"), location: str = "s3://b/t/bt/"):
    """rows: (item, window, day offset, actual, *forecast values in ``types`` order)."""
    records = []
    for item, window, day, y, *values in rows:
        records.append({"item_id": item, "timestamp": window + pd.Timedelta(days=day), "target_value": y,
                        "backtestwindow_start_time": window,
                        "backtestwindow_end_time": window + pd.Timedelta(days=7), **dict(zip(types, values))})
    # Shuffled on purpose: the table sorts by item then time.
    return ExportTable.build(pd.DataFrame(records[::-1]), location)


# item a: W1 y 10, 20 against p50 12, 15 (errors 2, 5); W2 y 30, 10 against 30, 14 (0, 4)
# item b: W1 y 0, 5 against 1, 5 (1, 0);               W2 y 4, 4 against 2, 4 (2, 0)
MODEL_A = [
    ("a", W1, 0, 10, 8, 12, 14), ("a", W1, 1, 20, 15, 15, 25),
    ("a", W2, 0, 30, 25, 30, 33), ("a", W2, 1, 10, 9, 14, 16),
    ("b", W1, 0, 0, 0, 1, 2), ("b", W1, 1, 5, 3, 5, 9),
    ("b", W2, 0, 4, 1, 2, 5), ("b", W2, 1, 4, 3, 4, 6),
]


def test_each_item_and_window_has_its_own_figures_and_the_rows_they_come_from():
    table = backtest(MODEL_A)
    acc = model_accuracy("deepar", table)
    assert acc.model == "deepar" and acc.point == "p50" and acc.source == "s3://b/t/bt/"
    assert acc.forecast_types == ("p10", "p50", "p90")
    per = acc.per_item
    assert per.loc[(W1, "a"), "WAPE"] == pytest.approx(7 / 30)
    assert per.loc[(W2, "a"), "WAPE"] == pytest.approx(4 / 40)
    assert per.loc[(W1, "b"), "WAPE"] == pytest.approx(1 / 5)
    assert per.loc[(W1, "a"), "MAPE"] == pytest.approx((0.2 + 0.25) / 2)
    assert per.loc[(W1, "b"), "MAPE"] == pytest.approx(0.0)  # the zero actual is skipped
    assert per.loc[(W2, "b"), "RMSE"] == pytest.approx(math.sqrt(4 / 2))
    assert per.loc[(W1, "a"), "RMSE"] == pytest.approx(math.sqrt((4 + 25) / 2))
    # wQL[0.9] of a in W1: y−q = −4, −5 -> 0.1·4 + 0.1·5 = 0.9; ×2 / 30
    assert per.loc[(W1, "a"), "wQL[0.9]"] == pytest.approx(1.8 / 30)
    # wQL[0.1] of a in W1: y−q = 2, 5 -> 0.1·2 + 0.1·5 = 0.7; ×2 / 30
    assert per.loc[(W1, "a"), "wQL[0.1]"] == pytest.approx(1.4 / 30)
    assert per.loc[(W1, "a"), "points"] == 2
    # Rows: a's four rows first (W1 then W2), then b's.
    spans = {key: (per.loc[key, "row_start"], per.loc[key, "row_stop"]) for key in per.index}
    assert spans == {(W1, "a"): (0, 2), (W2, "a"): (2, 4), (W1, "b"): (4, 6), (W2, "b"): (6, 8)}
    behind = rows_behind(table, 4, 6, W1, "b")
    assert list(behind["target_value"]) == [0, 5]
    assert list(behind["p50"]) == [1, 5]


def test_each_window_sums_over_its_items_and_overall_is_the_mean_of_the_windows():
    acc = model_accuracy("deepar", backtest(MODEL_A))
    win = acc.per_window
    assert list(win.index) == [W1, W2]
    assert win.loc[W1, "WAPE"] == pytest.approx((7 + 1) / (30 + 5))
    assert win.loc[W2, "WAPE"] == pytest.approx((4 + 2) / (40 + 8))
    assert win.loc[W1, "MAPE"] == pytest.approx((0.225 + 0.0) / 2)
    assert win.loc[W1, "items"] == 2 and win.loc[W1, "points"] == 4
    # RMSE pools every point of the window: errors 2, 5, 1, 0
    assert win.loc[W1, "RMSE"] == pytest.approx(math.sqrt((4 + 25 + 1 + 0) / 4))
    assert acc.overall["WAPE"] == pytest.approx((8 / 35 + 6 / 48) / 2)
    assert acc.overall["MAPE"] == pytest.approx((win.loc[W1, "MAPE"] + win.loc[W2, "MAPE"]) / 2)
    assert set(acc.overall) >= {"WAPE", "RMSE", "MAPE", "MASE", "wQL[0.1]", "wQL[0.5]", "wQL[0.9]", "items"}
    assert all(isinstance(v, float) for v in acc.overall.values())


def test_mase_is_scaled_by_the_history_before_each_window_only():
    actuals = pd.DataFrame({
        "item_id": ["a"] * 7 + ["b"] * 5,
        "timestamp": [pd.Timestamp(t) for t in ("2026-09-28", "2026-09-29", "2026-09-30", "2026-10-01",
                                                "2026-10-02", "2026-10-08", "2026-10-09")]
        + [pd.Timestamp(t) for t in ("2026-09-28", "2026-09-29", "2026-09-30", "2026-10-01", "2026-10-02")],
        "target_value": [10, 12, 16, 10, 20, 30, 10] + [5, 5, 5, 0, 5],
    })
    acc = model_accuracy("deepar", backtest(MODEL_A), ExportTable.build(actuals), seasonality=1)
    per = acc.per_item
    # Before W1, a's history is 10, 12, 16: naive errors 2, 4 -> 3; mean |error| in W1 = 3.5.
    assert per.loc[(W1, "a"), "MASE"] == pytest.approx(3.5 / 3)
    # Before W2 it also has 10, 20 (errors 6, 10): scale 5.5; mean |error| in W2 = 2.
    assert per.loc[(W2, "a"), "MASE"] == pytest.approx(2 / 5.5)
    # b's history before W1 is flat: MASE undefined there, and left out of the window's average.
    assert math.isnan(per.loc[(W1, "b"), "MASE"])
    assert acc.per_window.loc[W1, "MASE"] == pytest.approx(3.5 / 3)


def test_without_actuals_there_is_no_mase():
    acc = model_accuracy("deepar", backtest(MODEL_A))
    assert acc.per_item["MASE"].isna().all()
    assert math.isnan(acc.overall["MASE"])


def test_the_point_forecast_is_the_mean_when_there_is_one_else_the_median_else_the_first_type():
    assert point_type(["p10", "mean", "p50"]) == "mean"
    assert point_type(["p10", "p50", "p90"]) == "p50"
    assert point_type(["p10", "p90"]) == "p10"
    rows = [(item, w, d, y, p50, p50 + 10) for item, w, d, y, _p10, p50, _p90 in MODEL_A]
    acc = model_accuracy("mean-model", backtest(rows, types=("p50", "mean")))
    assert acc.point == "mean"
    # WAPE measures the mean column (p50 + 10 each): a in W1 |10−22| + |20−25| = 17
    assert acc.per_item.loc[(W1, "a"), "WAPE"] == pytest.approx(17 / 30)


def test_an_empty_backtest_has_no_figures():
    empty = ExportTable.build(pd.DataFrame(columns=["item_id", "timestamp", "target_value",
                                                    "backtestwindow_start_time", "backtestwindow_end_time", "p50"]))
    acc = model_accuracy("none", empty)
    assert len(acc.per_item) == 0 and len(acc.per_window) == 0 and acc.overall == {}
    assert len(worst_items(acc)) == 0
    assert rank([acc]).items == [] and rank([acc]).windows == []


def test_worst_items_come_first_with_the_model_named_and_undefined_figures_last():
    acc = model_accuracy("deepar", backtest(MODEL_A))
    worst = worst_items(acc)
    # WAPE: b in W2 2/8, a in W1 7/30, b in W1 1/5, a in W2 4/40
    assert list(worst.index) == [(W2, "b"), (W1, "a"), (W1, "b"), (W2, "a")]
    assert set(worst["model"]) == {"deepar"}
    assert list(worst_items(acc, limit=2).index) == [(W2, "b"), (W1, "a")]
    # An item whose actuals are all zero has no MAPE: it sorts after every figure.
    zero = [("z", W1, 0, 0, 0, 3, 4), ("z", W1, 1, 0, 0, 1, 2), *MODEL_A[:2]]
    by_mape = worst_items(model_accuracy("m", backtest(zero)), "MAPE")
    assert [k[1] for k in by_mape.index] == ["a", "z"]
    assert math.isnan(by_mape["MAPE"].iloc[-1])


# Model B: better than A on item a (errors 1 everywhere), worse on item b (errors 3 everywhere).
MODEL_B = [(item, w, d, y, y - 3, y + (1 if item == "a" else 3), y + 5) for item, w, d, y, *_ in MODEL_A]


def test_comparing_two_models_names_the_winner_per_item_and_by_how_much():
    a = model_accuracy("deepar", backtest(MODEL_A))
    b = model_accuracy("prophet", backtest(MODEL_B))
    c = compare(a, b, "WAPE")
    # WAPE per item, mean over the windows: A a (7/30 + 4/40)/2, b (1/5 + 2/8)/2; B a (2/30 + 2/40)/2, b (6/5 + 6/8)/2
    a_a, a_b = (7 / 30 + 4 / 40) / 2, (1 / 5 + 2 / 8) / 2
    b_a, b_b = (2 / 30 + 2 / 40) / 2, (6 / 5 + 6 / 8) / 2
    rows = c.per_item
    assert rows.loc["a", "deepar"] == pytest.approx(a_a) and rows.loc["a", "prophet"] == pytest.approx(b_a)
    assert rows.loc["a", "winner"] == "prophet" and rows.loc["b", "winner"] == "deepar"
    assert rows.loc["a", "diff"] == pytest.approx(b_a - a_a)
    assert (c.a_wins, c.b_wins, c.ties) == (1, 1, 0)
    assert c.a_margin == pytest.approx(b_b - a_b)
    assert c.b_margin == pytest.approx(a_a - b_a)
    # Largest difference first.
    assert list(rows.index) == ["b", "a"]
    assert (c.a, c.b, c.metric) == ("deepar", "prophet", "WAPE")


def test_a_model_that_wins_nowhere_has_no_margin_and_equal_figures_tie():
    a = model_accuracy("deepar", backtest(MODEL_A))
    same = compare(a, model_accuracy("copy", backtest(MODEL_A)))
    assert (same.a_wins, same.b_wins, same.ties) == (0, 0, 2)
    assert set(same.per_item["winner"]) == {"tie"}
    assert math.isnan(same.a_margin) and math.isnan(same.b_margin)
    better = [(item, w, d, y, y, y, y) for item, w, d, y, *_ in MODEL_A]
    c = compare(a, model_accuracy("perfect", backtest(better)))
    assert (c.a_wins, c.b_wins) == (0, 2)
    assert math.isnan(c.a_margin) and c.b_margin > 0


def test_only_items_both_models_forecast_are_compared():
    a = model_accuracy("deepar", backtest(MODEL_A))
    only_a = model_accuracy("prophet", backtest([r for r in MODEL_B if r[0] == "a"]))
    c = compare(a, only_a)
    assert list(c.per_item.index) == ["a"]
    empty = ExportTable.build(pd.DataFrame(columns=["item_id", "timestamp", "target_value",
                                                    "backtestwindow_start_time", "backtestwindow_end_time", "p50"]))
    none = compare(a, model_accuracy("none", empty))
    assert len(none.per_item) == 0 and (none.a_wins, none.b_wins, none.ties) == (0, 0, 0)


def test_the_ranking_lists_every_models_rows_worst_first_with_the_rows_behind_each():
    a = model_accuracy("deepar", backtest(MODEL_A))
    b = model_accuracy("prophet", backtest(MODEL_B))
    ranking = rank([a, b], "WAPE", "deepar", "prophet")
    assert ranking.metric == "WAPE"
    items = [dict(zip(ITEM_COLUMNS, row)) for row in ranking.items]
    wape = [r["WAPE"] for r in items]
    assert wape == sorted(wape, reverse=True) and len(items) == 8
    first = items[0]
    assert (first["item_id"], first["model"], first["window"]) == ("b", "prophet", W1)
    assert first["WAPE"] == pytest.approx(6 / 5)
    assert first["rows"] == "4–5"
    assert {r["rows"] for r in items if r["item_id"] == "a"} == {"0–1", "2–3"}
    assert all(type(v) in (str, float, int, pd.Timestamp) for r in ranking.items for v in r)
    # One row per model and window, with the window's figures and item count.
    windows = {(r[0], r[1]): r for r in ranking.windows}
    assert set(windows) == {("deepar", W1), ("deepar", W2), ("prophet", W1), ("prophet", W2)}
    row = windows[("deepar", W1)]
    assert row[2] == pytest.approx(8 / 35) and row[7] == pytest.approx(0.1125) and row[9] == 2
    assert row[3] == pytest.approx(a.per_window.loc[W1, "wQL[0.1]"])
    assert row[5] == pytest.approx(a.per_window.loc[W1, "wQL[0.9]"])
    assert row[6] == pytest.approx(a.per_window.loc[W1, "RMSE"])
    assert row[4] == pytest.approx(8 / 35)  # wQL[0.5] is WAPE
    # A against B, item by item.
    assert ranking.comparison is not None and ranking.comparison.a == "deepar"
    cmp_rows = {r[0]: r for r in ranking.comparison_rows}
    assert cmp_rows["a"][4] == "prophet" and cmp_rows["b"][4] == "deepar"
    assert cmp_rows["a"][1] == pytest.approx((7 / 30 + 4 / 40) / 2)


def test_a_ranking_sorts_on_the_metric_asked_for():
    a = model_accuracy("deepar", backtest(MODEL_A))
    items = [dict(zip(ITEM_COLUMNS, row)) for row in rank([a], "MAPE").items]
    mape = [r["MAPE"] for r in items]
    assert mape == sorted(mape, reverse=True)
    assert (items[0]["item_id"], items[0]["window"]) == ("b", W2)  # |4−2|/4 / 2 = 0.25


def test_no_comparison_without_two_different_known_models():
    a = model_accuracy("deepar", backtest(MODEL_A))
    b = model_accuracy("prophet", backtest(MODEL_B))
    assert rank([a, b], "WAPE", "deepar", "deepar").comparison is None
    assert rank([a, b], "WAPE", "deepar", "arima").comparison is None
    assert rank([a, b], "WAPE", "arima", "prophet").comparison_rows == []


def test_every_model_with_a_backtest_is_scored_for_the_tenant():
    data = TenantData("finance-ops", models=[ModelTables("deepar", backtest=backtest(MODEL_A)),
                                             ModelTables("forecast-only"),
                                             ModelTables("prophet", backtest=backtest(MODEL_B))])
    scored = tenant_accuracy(data)
    assert [s.model for s in scored] == ["deepar", "prophet"]
    assert scored[1].overall["WAPE"] > scored[0].overall["WAPE"]


def actuals_history(days: int = 10) -> ExportTable:
    """Daily actuals of a and b before W1 (a rises 1 a day, b doubles every 8 days: the naive error depends on m)."""
    stamps = [W1 - pd.Timedelta(days=days - i) for i in range(days)]
    return ExportTable.build(pd.DataFrame({
        "item_id": ["a"] * days + ["b"] * days, "timestamp": stamps * 2,
        "target_value": [float(i) for i in range(days)] + [float(i * i) for i in range(days)]}))


def test_mase_uses_a_weekly_season_unless_told_otherwise():
    actuals = actuals_history()
    weekly = model_accuracy("deepar", backtest(MODEL_A), actuals)
    assert weekly.per_item.loc[(W1, "a"), "MASE"] == pytest.approx(3.5 / 7)  # a's naive error over 7 days is 7
    data = TenantData("finance-ops", actuals, [ModelTables("deepar", backtest=backtest(MODEL_A))])
    (scored,) = tenant_accuracy(data)
    assert scored.per_item.loc[(W1, "a"), "MASE"] == pytest.approx(3.5 / 7)
    (daily,) = tenant_accuracy(data, seasonality=1)
    assert daily.per_item.loc[(W1, "a"), "MASE"] == pytest.approx(3.5 / 1)
    ranking = rank([weekly])
    (w1,) = [r for r in ranking.windows if r[1] == W1]
    assert w1[8] == pytest.approx(weekly.per_window.loc[W1, "MASE"]) and not math.isnan(w1[8])


def test_windows_are_in_time_order_even_when_the_first_item_only_has_the_later_one():
    rows = [("0-first", W2, 0, 5, 4, 5, 6), *MODEL_A]
    acc = model_accuracy("deepar", backtest(rows))
    assert list(acc.per_window.index) == [W1, W2]
    assert [r[1] for r in rank([acc]).windows] == [W1, W2]


def test_the_comparison_puts_the_largest_difference_first_whichever_way_it_goes():
    a = model_accuracy("deepar", backtest(MODEL_A))
    b = model_accuracy("prophet", backtest(MODEL_B))
    c = compare(b, a)
    # b − a per item: on a deepar is worse (a small positive difference), on b much better (a large negative one).
    assert c.per_item.loc["b", "diff"] < 0 < c.per_item.loc["a", "diff"]
    assert list(c.per_item.index) == ["b", "a"]


def test_rank_defaults_to_wape_and_compares_on_the_metric_asked_for():
    a = model_accuracy("deepar", backtest(MODEL_A))
    b = model_accuracy("prophet", backtest(MODEL_B))
    assert rank([a, b]).metric == "WAPE" and rank([a, b]).comparison is None
    by_mape = rank([a, b], "MAPE", "deepar", "prophet")
    assert by_mape.comparison.metric == "MAPE"
    cmp_rows = {r[0]: r for r in by_mape.comparison_rows}
    assert cmp_rows["a"][1] == pytest.approx((0.225 + (0 + 0.4) / 2) / 2)  # deepar's MAPE of a, mean of W1 and W2


def test_a_figure_the_export_cannot_give_is_empty_and_every_value_is_a_plain_one():
    only_median = [(item, w, d, y, p50) for item, w, d, y, _p10, p50, _p90 in MODEL_A]
    acc = model_accuracy("deepar", backtest(only_median, types=("p50",)))
    ranking = rank([acc])
    items = [dict(zip(ITEM_COLUMNS, row)) for row in ranking.items]
    assert all(math.isnan(r["wQL[0.1]"]) and math.isnan(r["wQL[0.9]"]) for r in items)
    assert all(r["wQL[0.5]"] == pytest.approx(r["WAPE"]) for r in items)
    plain = (str, float, int, pd.Timestamp, type(None))  # None: a window figure the export cannot give
    assert all(type(v) in plain for row in ranking.items + ranking.windows for v in row)


def test_items_with_the_same_figure_keep_their_item_order():
    rows = [(f"i{k:02d}", W1, 0, 10, 9, 12, 13) for k in range(30)] + [(f"z{k}", W1, 0, 10, 9, 10, 13) for k in range(10)]
    acc = model_accuracy("deepar", backtest(rows))
    expected = [f"i{k:02d}" for k in range(30)] + [f"z{k}" for k in range(10)]
    assert [item for _w, item in worst_items(acc).index] == expected
    assert [row[0] for row in rank([acc]).items] == expected


def test_the_mean_wql_is_the_average_over_the_quantiles_and_points_are_whole_numbers():
    acc = model_accuracy("deepar", backtest(MODEL_A))
    row = acc.per_item.loc[(W1, "a")]
    assert row["wQL mean"] == pytest.approx((row["wQL[0.1]"] + row["wQL[0.5]"] + row["wQL[0.9]"]) / 3)
    assert row["wQL mean"] == pytest.approx((1.4 / 30 + 7 / 30 + 1.8 / 30) / 3)
    items = [dict(zip(ITEM_COLUMNS, r)) for r in rank([acc]).items]
    assert {type(r["points"]) for r in items} == {int} and {r["points"] for r in items} == {2}


def test_an_item_whose_actuals_sum_to_the_zero_limit_shows_the_unweighted_error():
    eps = 1e-9
    acc = model_accuracy("deepar", backtest([("tiny", W1, 0, eps, 0, 1, 2), ("more", W1, 0, 2 * eps, 0, 1, 2)]))
    assert acc.per_item.loc[(W1, "tiny"), "WAPE"] == pytest.approx(1.0, rel=1e-6)
    assert acc.per_item.loc[(W1, "more"), "WAPE"] == pytest.approx(1 / (2 * eps), rel=1e-6)


def test_an_export_listing_the_mean_before_its_quantiles_still_has_every_wql():
    rows = [(item, w, d, y, p50 + 10, p10, p90) for item, w, d, y, p10, p50, p90 in MODEL_A]
    acc = model_accuracy("deepar", backtest(rows, types=("mean", "p10", "p90")))
    assert acc.point == "mean"
    assert acc.per_item.loc[(W1, "a"), "wQL[0.1]"] == pytest.approx(1.4 / 30)
    assert acc.per_item.loc[(W1, "a"), "wQL[0.9]"] == pytest.approx(1.8 / 30)
