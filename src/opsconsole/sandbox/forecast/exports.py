"""What Forecast writes and answers from the generated series: export parts, backtests, accuracy.

Layouts (Forecast developer guide, CreateForecastExportJob and
CreatePredictorBacktestExportJob):

* forecast export part: ``item_id,date,<forecast types>`` (``p10,p50,p90``, ``mean``), one row per
  item and day of the horizon, dates as ``yyyy-MM-ddTHH:mm:ssZ``;
* backtest export, ``forecasted-values/``: ``item_id,timestamp,target_value,
  backtestwindow_start_time,backtestwindow_end_time,<forecast types>``, one row per item and day of
  each backtest window where the item has an actual;
* backtest export, ``accuracy-metrics-values/``: one row per item and window with
  ``item_id,backtest_window,backtestwindow_start_time,backtestwindow_end_time,wQL[..],...,
  Avg_wQL,RMSE,WAPE,MAPE,MASE`` (point metrics of the p50 forecast, or the mean when exported);
* actuals (the target time series the import job reads): ``item_id,timestamp,target_value``
  with ``yyyy-MM-dd`` timestamps, only days on which the item exists.

A part holds one block of items (:mod:`.series`), so the parts concatenate to every item.
"""

from __future__ import annotations

import datetime as dt
import functools

import numpy as np
import pandas as pd

from opsconsole.sandbox.forecast import metrics as m
from opsconsole.sandbox.forecast.series import block, predictions
from opsconsole.sandbox.forecast.specs import (
    DAY,
    ModelSpec,
    SeriesSpec,
    column,
    horizon_days,
    window_days,
)

EXPORT_TIME = "%Y-%m-%dT%H:%M:%SZ"


def _stamps(spec: SeriesSpec, days: range | np.ndarray, fmt: str = EXPORT_TIME) -> np.ndarray:
    first = spec.first_date
    return np.array([(first + int(d) * DAY).strftime(fmt) for d in days], dtype=object)


def _dimension(frame: pd.DataFrame, spec: SeriesSpec, dims: list, rows: np.ndarray, at: int | None = 1) -> pd.DataFrame:
    """Add the forecast dimension's column (after item_id in exports; last, in schema order, in actuals)."""
    if spec.dimension:
        values = np.asarray(dims, dtype=object)[rows]
        frame.insert(len(frame.columns) if at is None else at, spec.dimension, values)
    return frame


def _csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False, lineterminator="\n").encode()


def _encode(frame: pd.DataFrame, file_format: str) -> bytes:
    if file_format == "PARQUET":
        import io

        out = io.BytesIO()
        frame.to_parquet(out, index=False)  # pandas picks pyarrow, else fastparquet
        return out.getvalue()
    return _csv(frame)


def point_type(types: tuple[str, ...]) -> str:
    return "mean" if "mean" in types else "0.5" if "0.5" in types else types[0]


def window_bounds(spec: SeriesSpec, model: ModelSpec) -> list[tuple[dt.datetime, dt.datetime]]:
    """(start, end) of each backtest window, oldest first; end is the day after the window's last day."""
    out = []
    for window in window_days(spec, model.windows):
        start = dt.datetime.combine(spec.first_date + window.start * DAY, dt.time(), dt.timezone.utc)
        out.append((start, start + len(window) * DAY))
    return out


# -- files --------------------------------------------------------------------------------------
def actuals_csv(spec: SeriesSpec, index: int) -> bytes:
    data = block(spec, index)
    history = data.y[:, :spec.history_days]
    rows, days = np.nonzero(~np.isnan(history))
    values = history[rows, days]
    frame = pd.DataFrame({"item_id": np.asarray(data.items, dtype=object)[rows],
                          "timestamp": _stamps(spec, range(spec.history_days), "%Y-%m-%d")[days],
                          "target_value": values.astype(np.int64) if spec.integer else values})
    return _csv(_dimension(frame, spec, data.dims, rows, at=None))


def forecast_csv(spec: SeriesSpec, model: ModelSpec, types: tuple[str, ...], index: int,
                 file_format: str = "CSV") -> bytes:
    """One part of a forecast export, as CSV or (``file_format="PARQUET"``) Parquet."""
    data = block(spec, index)
    values = predictions(spec, model, index, types)
    days = horizon_days(spec)
    n = len(data.items)
    frame = pd.DataFrame({"item_id": np.repeat(np.asarray(data.items, dtype=object), len(days)),
                          "date": np.tile(_stamps(spec, days), n)})
    _dimension(frame, spec, data.dims, np.repeat(np.arange(n), len(days)))
    for kind in types:
        frame[column(kind)] = values[kind][:, days.start:days.stop].ravel()
    return _encode(frame, file_format)


def backtest_values_csv(spec: SeriesSpec, model: ModelSpec, index: int) -> bytes:
    data = block(spec, index)
    values = predictions(spec, model, index)
    frames = []
    for window, (start, end) in zip(window_days(spec, model.windows), window_bounds(spec, model)):
        y = data.y[:, window.start:window.stop]
        rows, days = np.nonzero(~np.isnan(y))
        frame = pd.DataFrame({"item_id": np.asarray(data.items, dtype=object)[rows],
                              "timestamp": _stamps(spec, window)[days],
                              "target_value": y[rows, days],
                              "backtestwindow_start_time": start.strftime(EXPORT_TIME),
                              "backtestwindow_end_time": end.strftime(EXPORT_TIME)})
        _dimension(frame, spec, data.dims, rows)
        for kind in model.forecast_types:
            frame[column(kind)] = values[kind][:, window.start:window.stop][rows, days]
        frames.append(frame)
    return _csv(pd.concat(frames, ignore_index=True))


def backtest_metrics_csv(spec: SeriesSpec, model: ModelSpec, index: int) -> bytes:
    data = block(spec, index)
    values = predictions(spec, model, index)
    quantiles = sorted((k for k in model.forecast_types if k != "mean"), key=float)
    point = point_type(model.forecast_types)
    frames = []
    for window, (start, end) in zip(window_days(spec, model.windows), window_bounds(spec, model)):
        terms = m.item_terms(data.y[:, window.start:window.stop],
                             {k: v[:, window.start:window.stop] for k, v in values.items()},
                             data.y[:, :window.start])
        base = terms["_"]
        weight = np.where(base["abs_actual"] > 0, base["abs_actual"], 1.0)
        keep = base["points"] > 0
        frame = pd.DataFrame({"item_id": np.asarray(data.items, dtype=object)[keep],
                              "backtest_window": "Computed",
                              "backtestwindow_start_time": start.strftime(EXPORT_TIME),
                              "backtestwindow_end_time": end.strftime(EXPORT_TIME)})
        _dimension(frame, spec, data.dims, np.flatnonzero(keep))
        losses = []
        for kind in quantiles:
            loss = (terms[kind]["quantile_loss"] / weight)[keep]
            frame[f"wQL[{kind}]"] = loss
            losses.append(loss)
        if losses:
            frame["Avg_wQL"] = np.mean(losses, axis=0)
        t = terms[point]
        points = np.maximum(base["points"], 1)
        frame["RMSE"] = np.sqrt(t["squared_error"] / points)[keep]
        frame["WAPE"] = (t["abs_error"] / weight)[keep]
        frame["MAPE"] = t["mape"][keep]
        frame["MASE"] = t["mase"][keep]
        frames.append(frame)
    return _csv(pd.concat(frames, ignore_index=True))


# -- API answers --------------------------------------------------------------------------------
@functools.lru_cache(maxsize=32)
def accuracy(spec: SeriesSpec, model: ModelSpec) -> tuple[dict, ...]:
    """GetAccuracyMetrics' windows: the SUMMARY (metrics averaged over the windows), then each COMPUTED window."""
    windows = window_days(spec, model.windows)
    totals = [m.Sums() for _ in windows]
    for index in range(spec.blocks):
        data = block(spec, index)
        values = predictions(spec, model, index)
        for total, window in zip(totals, windows):
            total.add(m.sums(m.item_terms(data.y[:, window.start:window.stop],
                                          {k: v[:, window.start:window.stop] for k, v in values.items()},
                                          data.y[:, :window.start])))
    computed = []
    for total, (start, end) in zip(totals, window_bounds(spec, model)):
        computed.append({"TestWindowStart": start, "TestWindowEnd": end, "ItemCount": total.points,
                         "EvaluationType": "COMPUTED", "Metrics": m.metrics(total, model.forecast_types)})
    result = list(computed)
    result.insert(0, {"TestWindowStart": computed[0]["TestWindowStart"],
                      "TestWindowEnd": computed[-1]["TestWindowEnd"],
                      "ItemCount": sum(w["ItemCount"] for w in computed), "EvaluationType": "SUMMARY",
                      "Metrics": m.average([w["Metrics"] for w in computed])})
    return tuple(result)


def item_forecast(spec: SeriesSpec, model: ModelSpec, types: tuple[str, ...], item: int) -> dict[str, list[tuple[str, float]]]:
    """Column -> [(timestamp yyyy-MM-ddTHH:mm:ss, value)] over the horizon of one item."""
    index, row = divmod(item, spec.block_size)
    values = predictions(spec, model, index, types)
    days = horizon_days(spec)
    stamps = _stamps(spec, days, "%Y-%m-%dT%H:%M:%S")
    return {kind: list(zip(stamps.tolist(), values[kind][row, days.start:days.stop].tolist())) for kind in types}
