"""Forecast accuracy exactly as Amazon Forecast defines it (Evaluating Predictor Accuracy).

For one series, or any set of (actual, forecast) points:

* wQL[τ] = 2·Σ max(τ(y−q), (τ−1)(y−q)) / Σ|y|   (so wQL[0.5] = WAPE)
* WAPE  = Σ|y−ŷ| / Σ|y|
* RMSE  = √(Σ(y−ŷ)² / n)
* MAPE  = mean |(y−ŷ)/y|
* MASE  = mean|y−ŷ| / mean|y_t − y_{t−m}|, the denominator the seasonal naive
  forecast's error over the series' history (m from the frequency: 24 hourly,
  7 daily, 52 weekly, 12 monthly, 4 quarterly, 1 yearly).

Across items, wQL and WAPE are summed then divided (a ratio of sums, so big
items weigh more), RMSE pools every point, and MAPE and MASE are averaged over
the items.

Zero actuals, as Forecast documents them: when Σ|y| is (approximately) zero the
weighted expressions are undefined and Forecast reports the *unweighted* loss,
that is the numerator (wQL: the quantile loss 2·Σ max(...); WAPE: Σ|y−ŷ|).
MAPE skips the points whose actual is zero (the term is undefined there), and is
undefined (NaN) for a series with no non-zero actual; MASE is undefined for a
series whose seasonal naive error is zero (a flat history) or that has fewer
than m+1 points of history. An undefined item value is left out of the average
across items, never counted as zero.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

#: |Σ y| at or below this counts as "approximately zero" (Forecast's words).
ZERO_EPS = 1e-9

#: Seasonality m of the seasonal naive forecast, by Forecast's data frequency.
SEASONALITY = {"Y": 1, "Q": 4, "M": 12, "W": 52, "D": 7, "H": 24, "30min": 2, "15min": 4, "10min": 6,
               "5min": 12, "1min": 60}

_QUANTILE = re.compile(r"^p(\d{1,2})$")


def quantile_of(forecast_type: str) -> float | None:
    """The quantile τ of a forecast type column ("p10" -> 0.1, "p5" -> 0.05), None for "mean"."""
    m = _QUANTILE.match(forecast_type)
    if not m:
        return None
    value = int(m.group(1))
    return value / 100 if 1 <= value <= 99 else None


def forecast_type_columns(columns: Iterable[str]) -> list[str]:
    """The forecast type columns among ``columns`` (p1..p99 and mean), in the order found."""
    return [c for c in columns if c == "mean" or _QUANTILE.match(str(c))]


def _arrays(*values) -> list[np.ndarray]:
    return [np.asarray(v, dtype=float) for v in values]


def quantile_loss(y, q, tau: float) -> float:
    """The unweighted quantile loss 2·Σ max(τ(y−q), (τ−1)(y−q)): wQL's numerator."""
    y, q = _arrays(y, q)
    d = y - q
    return float(2.0 * np.sum(np.maximum(tau * d, (tau - 1.0) * d)))


def _weighted(numerator: float, denominator: float) -> float:
    # Forecast's zero rule: undefined weight -> the unweighted numerator.
    return numerator if abs(denominator) <= ZERO_EPS else numerator / denominator


def wql(y, q, tau: float) -> float:
    """Weighted quantile loss at τ; the unweighted loss when Σ|y| ≈ 0."""
    y, q = _arrays(y, q)
    return _weighted(quantile_loss(y, q, tau), float(np.sum(np.abs(y))))


def wape(y, yhat) -> float:
    """Weighted absolute percentage error; Σ|y−ŷ| when Σ|y| ≈ 0."""
    y, yhat = _arrays(y, yhat)
    return _weighted(float(np.sum(np.abs(y - yhat))), float(np.sum(np.abs(y))))


def rmse(y, yhat) -> float:
    y, yhat = _arrays(y, yhat)
    return float(np.sqrt(np.mean((y - yhat) ** 2))) if y.size else math.nan


def mape(y, yhat) -> float:
    """Mean |(y−ŷ)/y| over the points whose actual is not zero; NaN when there is none."""
    y, yhat = _arrays(y, yhat)
    keep = y != 0
    if not keep.any():
        return math.nan
    with np.errstate(over="ignore"):
        return float(np.mean(np.abs((y[keep] - yhat[keep]) / y[keep])))


def seasonal_naive_scale(history, m: int) -> float:
    """mean|y_t − y_{t−m}| over the history; NaN with fewer than m+1 points."""
    (h,) = _arrays(history)
    if h.size <= m:
        return math.nan
    return float(np.mean(np.abs(h[m:] - h[:-m])))


def mase(y, yhat, history, m: int) -> float:
    """mean|y−ŷ| scaled by the seasonal naive error of ``history``; NaN when that is 0 or unknown."""
    y, yhat = _arrays(y, yhat)
    scale = seasonal_naive_scale(history, m)
    if not y.size or not np.isfinite(scale) or scale <= ZERO_EPS:
        return math.nan
    return float(np.mean(np.abs(y - yhat)) / scale)


# -- many items at once (vectorised) -----------------------------------------------------

def group_sums(frame: pd.DataFrame, keys: list[str], forecast_types: Iterable[str], point: str,
               scale: pd.Series | None = None) -> pd.DataFrame:
    """Per group (e.g. item and window): the sums every metric is made of.

    ``frame`` has ``target_value`` and the forecast type columns. Returns one row
    per group with ``n``, ``abs_actual`` (Σ|y|), ``ql_<type>`` (quantile loss
    numerator per quantile type), ``abs_err`` and ``sq_err`` of the ``point``
    forecast, ``ape_sum``/``ape_n`` (MAPE's terms over non-zero actuals) and,
    when ``scale`` (seasonal naive error per item_id) is given, ``scale``.
    """
    y = frame["target_value"].to_numpy(dtype=float)
    cols: dict[str, np.ndarray] = {"n": np.ones_like(y), "abs_actual": np.abs(y)}
    for t in forecast_types:
        tau = quantile_of(t)
        if tau is None:
            continue
        d = y - frame[t].to_numpy(dtype=float)
        cols[f"ql_{t}"] = 2.0 * np.maximum(tau * d, (tau - 1.0) * d)
    err = y - frame[point].to_numpy(dtype=float)
    cols["abs_err"] = np.abs(err)
    cols["sq_err"] = err ** 2
    nonzero = y != 0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        cols["ape_sum"] = np.where(nonzero, np.abs(err) / np.where(nonzero, np.abs(y), 1.0), 0.0)
    cols["ape_n"] = nonzero.astype(float)
    parts = pd.DataFrame(cols, index=frame.index)
    for k in keys:
        parts[k] = frame[k].to_numpy()
    sums = parts.groupby(keys, sort=False, observed=True).sum()
    if scale is not None:
        item_level = sums.index.get_level_values("item_id") if "item_id" in keys else None
        if item_level is not None:
            sums["scale"] = scale.reindex(item_level).to_numpy()
    return sums


def metrics_from_sums(sums: pd.DataFrame, forecast_types: Iterable[str]) -> pd.DataFrame:
    """Per group: wQL[τ] per quantile type, wQL mean, WAPE, RMSE, MAPE, MASE (Forecast's rules)."""
    out = pd.DataFrame(index=sums.index)
    denom = sums["abs_actual"].to_numpy()
    zero = np.abs(denom) <= ZERO_EPS
    safe = np.where(zero, 1.0, denom)
    ql_cols = []
    for t in forecast_types:
        if quantile_of(t) is None:
            continue
        num = sums[f"ql_{t}"].to_numpy()
        out[f"wQL[{quantile_of(t):g}]"] = np.where(zero, num, num / safe)
        ql_cols.append(f"wQL[{quantile_of(t):g}]")
    if ql_cols:
        out["wQL mean"] = out[ql_cols].mean(axis=1)
    num = sums["abs_err"].to_numpy()
    out["WAPE"] = np.where(zero, num, num / safe)
    out["RMSE"] = np.sqrt(sums["sq_err"].to_numpy() / sums["n"].to_numpy())
    ape_n = sums["ape_n"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out["MAPE"] = np.where(ape_n > 0, sums["ape_sum"].to_numpy() / np.where(ape_n > 0, ape_n, 1), np.nan)
        if "scale" in sums:
            scale = sums["scale"].to_numpy(dtype=float)
            ok = np.isfinite(scale) & (scale > ZERO_EPS)
            out["MASE"] = np.where(ok, (num / sums["n"].to_numpy()) / np.where(ok, scale, 1.0), np.nan)
        else:
            out["MASE"] = np.nan
    out["points"] = sums["n"].astype(int)
    return out


def aggregate(sums: pd.DataFrame, forecast_types: Iterable[str]) -> dict[str, float]:
    """Across items, as Forecast does: wQL/WAPE Σ then ÷, RMSE pooled, MAPE/MASE averaged over items."""
    types = list(forecast_types)
    total = sums[[c for c in sums.columns if c not in ("scale",)]].sum(numeric_only=True).to_frame().T
    pooled = metrics_from_sums(total, types).iloc[0]
    per_item = metrics_from_sums(sums, types)
    result = {k: float(v) for k, v in pooled.items() if k.startswith("wQL") or k in ("WAPE", "RMSE")}
    result["MAPE"] = float(np.nanmean(per_item["MAPE"])) if per_item["MAPE"].notna().any() else math.nan
    result["MASE"] = float(np.nanmean(per_item["MASE"])) if per_item["MASE"].notna().any() else math.nan
    result["items"] = float(len(sums))
    result["points"] = float(pooled["points"])
    return result


def seasonal_scales(history: pd.DataFrame, m: int, before: pd.Timestamp | None = None) -> pd.Series:
    """Seasonal naive error per item_id from actuals (``item_id``, ``timestamp``, ``target_value``).

    Only points before ``before`` (a backtest window's start) count: the scale
    comes from what the model was trained on.
    """
    h = history
    if before is not None:
        h = h[h["timestamp"] < before]
    h = h.sort_values(["item_id", "timestamp"], kind="stable")
    y = h["target_value"].to_numpy(dtype=float)
    items = h["item_id"].to_numpy()
    if y.size <= m:
        return pd.Series(dtype=float)
    same = items[m:] == items[:-m]
    diffs = np.abs(y[m:] - y[:-m])
    frame = pd.DataFrame({"item_id": items[m:][same], "d": diffs[same]})
    return frame.groupby("item_id", sort=False)["d"].mean()
