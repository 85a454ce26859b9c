"""Accuracy per item, per model and per backtest window, from item-level backtest exports.

Every figure is computed from the backtest rows of one (model, window, item)
group with :mod:`.metrics`, so it can be traced to exactly those rows
(:func:`rows_behind`). Aggregates over items follow Forecast's rules (wQL and
WAPE summed then divided, MAPE and MASE averaged). The comparison of two models
says, item by item, which is better on a metric and by how much.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from opsconsole.core.forecasts import metrics
from opsconsole.core.forecasts.exports import ExportTable
from opsconsole.core.forecasts.items import TenantData

WINDOW = "backtestwindow_start_time"
#: The point forecast WAPE/RMSE/MAPE/MASE use when the export has no ``mean``.
DEFAULT_POINT = "p50"


def point_type(types: Iterable[str]) -> str:
    types = list(types)
    return "mean" if "mean" in types else (DEFAULT_POINT if DEFAULT_POINT in types else types[0])


@dataclass(frozen=True)
class ModelAccuracy:
    """One model's accuracy: per (window, item) rows, per window and overall aggregates."""

    model: str
    per_item: pd.DataFrame  # index (window, item_id); metric columns; row_start/row_stop
    per_window: pd.DataFrame  # index window; aggregate metrics
    overall: dict[str, float]
    forecast_types: tuple[str, ...]
    point: str
    #: Where the rows are: the backtest export's location (row numbers are positions in its item-sorted table).
    source: str = ""


def model_accuracy(model: str, backtest: ExportTable, actuals: ExportTable | None = None,
                   seasonality: int = 7) -> ModelAccuracy:
    """Accuracy of one model's backtest export (MASE scaled by the actuals' history before each window)."""
    frame = backtest.frame
    types = backtest.forecast_types
    point = point_type(types)
    keys = [WINDOW, "item_id"]
    per_window_sums = []
    for window, rows in frame.groupby(WINDOW, sort=True):
        scale = None
        if actuals is not None:
            scale = metrics.seasonal_scales(actuals.frame, seasonality, before=window)
        per_window_sums.append(metrics.group_sums(rows, keys, types, point, scale))
    sums = pd.concat(per_window_sums) if per_window_sums else pd.DataFrame()
    per_item = metrics.metrics_from_sums(sums, types) if len(sums) else pd.DataFrame()
    # Where each figure comes from: the item's rows in the export, this window only.
    if len(per_item):
        positions = pd.Series(np.arange(len(frame)), index=frame.index)
        grouped = positions.groupby([frame[WINDOW], frame["item_id"]], sort=False)
        per_item["row_start"] = grouped.min().reindex(per_item.index).to_numpy()
        per_item["row_stop"] = grouped.max().reindex(per_item.index).to_numpy() + 1
    windows = {}
    for window in sums.index.get_level_values(0).unique() if len(sums) else []:
        windows[window] = metrics.aggregate(sums.xs(window, level=0), types)
    per_window = pd.DataFrame.from_dict(windows, orient="index")
    # Overall, as Forecast's SUMMARY window: each metric averaged over the backtest windows.
    overall = {k: float(v) for k, v in per_window.mean(numeric_only=True).items()} if len(per_window) else {}
    return ModelAccuracy(model, per_item, per_window, overall, tuple(types), point, backtest.location)


def tenant_accuracy(data: TenantData, seasonality: int = 7) -> list[ModelAccuracy]:
    return [model_accuracy(m.model, m.backtest, data.actuals, seasonality) for m in data.models if m.backtest is not None]


def worst_items(acc: ModelAccuracy, metric: str = "WAPE", limit: int | None = None) -> pd.DataFrame:
    """Per (window, item) rows, worst first (NaN last), with the model's name."""
    if not len(acc.per_item):
        return acc.per_item
    out = acc.per_item.sort_values(metric, ascending=False, na_position="last", kind="stable")
    out = out.assign(model=acc.model)
    return out.head(limit) if limit else out


def rows_behind(backtest: ExportTable, row_start: int, row_stop: int, window: pd.Timestamp, item_id: str) -> pd.DataFrame:
    """The backtest rows one figure was computed from."""
    rows = backtest.rows(item_id)
    return rows[rows[WINDOW] == window]


@dataclass(frozen=True)
class Comparison:
    """Model A against model B on one metric, per item (all windows pooled)."""

    a: str
    b: str
    metric: str
    per_item: pd.DataFrame  # item_id -> a, b, diff (b − a), winner
    a_wins: int
    b_wins: int
    ties: int
    #: Mean margin where each wins (how much better, in the metric's units).
    a_margin: float
    b_margin: float


def compare(a: ModelAccuracy, b: ModelAccuracy, metric: str = "WAPE") -> Comparison:
    """Which items each model wins on ``metric`` (lower is better), and by how much."""
    def by_item(acc: ModelAccuracy) -> pd.Series:
        if not len(acc.per_item):
            return pd.Series(dtype=float)
        return acc.per_item[metric].groupby(level="item_id").mean()

    left, right = by_item(a), by_item(b)
    both = pd.DataFrame({a.model: left, b.model: right}).dropna()
    diff = both[b.model] - both[a.model]
    winner = np.where(diff > 0, a.model, np.where(diff < 0, b.model, "tie"))
    per_item = both.assign(diff=diff, winner=winner).sort_values("diff", key=np.abs, ascending=False)
    a_w, b_w = diff > 0, diff < 0
    return Comparison(
        a.model, b.model, metric, per_item, int(a_w.sum()), int(b_w.sum()), int((diff == 0).sum()),
        float(diff[a_w].mean()) if a_w.any() else math.nan,
        float(-diff[b_w].mean()) if b_w.any() else math.nan,
    )


ITEM_COLUMNS = ("item_id", "model", "window", "WAPE", "wQL mean", "wQL[0.1]", "wQL[0.5]", "wQL[0.9]", "RMSE", "MAPE",
                "MASE", "points", "rows")


@dataclass(frozen=True)
class Ranking:
    """What the accuracy view shows for one metric, as plain rows (built off the GUI thread)."""

    metric: str
    items: list[tuple]  # ITEM_COLUMNS, worst first over every model
    windows: list[tuple]  # model, window, WAPE, wQL[0.1], wQL[0.5], wQL[0.9], RMSE, MAPE, MASE, items
    comparison: Comparison | None
    comparison_rows: list[tuple]  # item, a, b, diff, winner


def _plain(row: tuple) -> tuple:
    return tuple(v.item() if hasattr(v, "item") and not isinstance(v, (str, bytes)) else v for v in row)


def rank(results: list[ModelAccuracy], metric: str = "WAPE", a: str = "", b: str = "") -> Ranking:
    """Every model's (window, item) rows worst first on ``metric``, per-window aggregates, and A against B."""
    frames = [worst_items(r, metric) for r in results if len(r.per_item)]
    items: list[tuple] = []
    if frames:
        both = pd.concat(frames).sort_values(metric, ascending=False, na_position="last", kind="stable")
        both = both.reset_index().rename(columns={WINDOW: "window"})
        both["rows"] = [f"{int(s)}–{int(e) - 1}" for s, e in zip(both["row_start"], both["row_stop"])]
        for col in ITEM_COLUMNS:
            if col not in both:
                both[col] = np.nan
        items = [_plain(r) for r in both[list(ITEM_COLUMNS)].itertuples(index=False, name=None)]
    windows = []
    for r in results:
        for window, agg in r.per_window.iterrows():
            windows.append(_plain((r.model, window, agg.get("WAPE"), agg.get("wQL[0.1]"), agg.get("wQL[0.5]"),
                                   agg.get("wQL[0.9]"), agg.get("RMSE"), agg.get("MAPE"), agg.get("MASE"),
                                   int(agg.get("items", 0)))))
    found = {r.model: r for r in results}
    comparison, comparison_rows = None, []
    if a in found and b in found and a != b:
        comparison = compare(found[a], found[b], metric)
        frame = comparison.per_item.reset_index()
        comparison_rows = [_plain(r) for r in frame[[frame.columns[0], a, b, "diff", "winner"]].itertuples(
            index=False, name=None)]
    return Ranking(metric, items, windows, comparison, comparison_rows)
