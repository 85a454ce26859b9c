"""Predictor accuracy as Amazon Forecast defines it ("Evaluating Predictor Accuracy").

* wQL[tau] = 2 * sum(max(tau * (y - q), (tau - 1) * (y - q))) / sum(|y|)
* WAPE = sum(|y - yhat|) / sum(|y|)   (so wQL[0.5] = WAPE of the p50 forecast)
* RMSE = sqrt(mean((y - yhat)^2))
* MAPE = mean over items of mean over points of |(y - yhat) / y|
* MASE = mean over items of mean|y - yhat| / mean|y_t - y_(t-m)|, m = 7 for daily data,
  the scale taken on the item's history before the window.

Across items wQL, WAPE and RMSE are computed on the pooled points (summed, then
divided); MAPE and MASE are averaged over items. When sum(|y|) is 0, wQL and WAPE
are the unweighted losses (the numerators), as Forecast documents. Points whose
actual is 0 are left out of MAPE, items with no such point and items whose
seasonal-naive scale is 0 are left out of MAPE and MASE (see
docs/sandbox-forecasts.md: not confirmed from AWS's documentation).

Sums are kept per block of items (:class:`Sums`) and added, so a whole tenant is
evaluated one block at a time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

SEASONALITY = 7


@dataclass
class Sums:
    """Additive pieces of every metric of one backtest window."""

    points: int = 0
    abs_actual: float = 0.0
    quantile_loss: dict[str, float] = field(default_factory=dict)   # type -> sum of pinball loss (x2)
    abs_error: dict[str, float] = field(default_factory=dict)
    squared_error: dict[str, float] = field(default_factory=dict)
    mape: dict[str, list[float]] = field(default_factory=dict)      # type -> [sum, items]
    mase: dict[str, list[float]] = field(default_factory=dict)

    def add(self, other: Sums) -> None:
        self.points += other.points
        self.abs_actual += other.abs_actual
        for mine, theirs in ((self.quantile_loss, other.quantile_loss), (self.abs_error, other.abs_error),
                             (self.squared_error, other.squared_error)):
            for key, value in theirs.items():
                mine[key] = mine.get(key, 0.0) + value
        for mine_l, theirs_l in ((self.mape, other.mape), (self.mase, other.mase)):
            for key, (total, count) in theirs_l.items():
                now = mine_l.setdefault(key, [0.0, 0])
                now[0] += total
                now[1] += count


def quantile_of(forecast_type: str) -> float | None:
    return None if forecast_type == "mean" else float(forecast_type)


def item_terms(y: np.ndarray, forecast: dict[str, np.ndarray], history: np.ndarray) -> dict[str, dict[str, np.ndarray]]:
    """Per-item pieces: y (items x days, NaN = no actual), forecasts alike, history (items x earlier days)."""
    have = ~np.isnan(y)
    actual = np.where(have, y, 0.0)
    scale = _seasonal_scale(history)
    out: dict[str, dict[str, np.ndarray]] = {"_": {"points": have.sum(axis=1), "abs_actual": np.abs(actual).sum(axis=1),
                                                   "scale": scale}}
    for kind, values in forecast.items():
        q = np.where(have, values, 0.0)
        error = actual - q
        terms = {"abs_error": np.abs(error).sum(axis=1), "squared_error": (error ** 2).sum(axis=1)}
        tau = quantile_of(kind)
        if tau is not None:
            terms["quantile_loss"] = 2 * np.maximum(tau * error, (tau - 1) * error).sum(axis=1)
        nonzero = have & (actual != 0)
        ratio = np.where(nonzero, np.abs(error) / np.where(nonzero, np.abs(actual), 1.0), 0.0)
        count = nonzero.sum(axis=1)
        terms["mape"] = np.where(count > 0, ratio.sum(axis=1) / np.maximum(count, 1), np.nan)
        points = have.sum(axis=1)
        mae = np.where(points > 0, terms["abs_error"] / np.maximum(points, 1), np.nan)
        terms["mase"] = np.where((scale > 0) & (points > 0), mae / np.where(scale > 0, scale, 1.0), np.nan)
        out[kind] = terms
    return out


def _seasonal_scale(history: np.ndarray) -> np.ndarray:
    if history.shape[1] <= SEASONALITY:
        return np.full(history.shape[0], np.nan)
    diff = np.abs(history[:, SEASONALITY:] - history[:, :-SEASONALITY])
    valid = ~np.isnan(diff)
    count = valid.sum(axis=1)
    return np.where(count > 0, np.where(valid, diff, 0.0).sum(axis=1) / np.maximum(count, 1), np.nan)


def sums(terms: dict[str, dict[str, np.ndarray]]) -> Sums:
    """Pool the per-item pieces of one block."""
    base = terms["_"]
    out = Sums(points=int(base["points"].sum()), abs_actual=float(base["abs_actual"].sum()))
    for kind, t in terms.items():
        if kind == "_":
            continue
        if "quantile_loss" in t:
            out.quantile_loss[kind] = float(t["quantile_loss"].sum())
        out.abs_error[kind] = float(t["abs_error"].sum())
        out.squared_error[kind] = float(t["squared_error"].sum())
        for name in ("mape", "mase"):
            kept = t[name][~np.isnan(t[name])]
            getattr(out, name)[kind] = [float(kept.sum()), int(kept.size)]
    return out


def metrics(total: Sums, types: tuple[str, ...]) -> dict:
    """Forecast's ``Metrics`` structure from pooled sums."""
    weight = total.abs_actual if total.abs_actual > 0 else 1.0  # Forecast: unweighted when sum |y| = 0
    losses = [{"Quantile": float(k), "LossValue": total.quantile_loss[k] / weight}
              for k in sorted((k for k in types if k != "mean"), key=float, reverse=True)]
    errors = []
    for kind in types:
        mape_sum, mape_n = total.mape.get(kind, [0.0, 0])
        mase_sum, mase_n = total.mase.get(kind, [0.0, 0])
        errors.append({"ForecastType": kind, "WAPE": total.abs_error[kind] / weight,
                       "RMSE": float(np.sqrt(total.squared_error[kind] / total.points)) if total.points else 0.0,
                       "MASE": mase_sum / mase_n if mase_n else None,
                       "MAPE": mape_sum / mape_n if mape_n else None})
    point = "mean" if "mean" in types else "0.5" if "0.5" in types else types[0]
    result = {"WeightedQuantileLosses": losses, "ErrorMetrics": errors,
              "RMSE": next(e["RMSE"] for e in errors if e["ForecastType"] == point)}
    if losses:
        result["AverageWeightedQuantileLoss"] = sum(loss["LossValue"] for loss in losses) / len(losses)
    return result


def average(windows: list[dict]) -> dict:
    """The SUMMARY window: each metric averaged over the computed windows."""
    def mean(values: list) -> float | None:
        kept = [v for v in values if v is not None]
        return sum(kept) / len(kept) if kept else None

    first = windows[0]
    losses = [{"Quantile": loss["Quantile"],
               "LossValue": mean([w["WeightedQuantileLosses"][i]["LossValue"] for w in windows])}
              for i, loss in enumerate(first["WeightedQuantileLosses"])]
    errors = [{"ForecastType": e["ForecastType"],
               **{m: mean([w["ErrorMetrics"][i][m] for w in windows]) for m in ("WAPE", "RMSE", "MASE", "MAPE")}}
              for i, e in enumerate(first["ErrorMetrics"])]
    result = {"WeightedQuantileLosses": losses, "ErrorMetrics": errors,
              "RMSE": mean([w["RMSE"] for w in windows])}
    if "AverageWeightedQuantileLoss" in first:
        result["AverageWeightedQuantileLoss"] = mean([w["AverageWeightedQuantileLoss"] for w in windows])
    return result
