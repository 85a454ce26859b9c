"""Forecast exports in the console: one item's chart from a multi-part export, a 1,000,000-row load, accuracy.

Prints one JSON object per measurement (median of ``--runs``, load average printed):

* ``item_first``: a 5,000-item forecast export (``--parts`` CSV parts, 30 days)
  plus its backtest export (two 30-day windows) and one year of actuals, read
  from a folder through the console's reader (``read_export``: stream, parse,
  concatenate, index by item) and the first item's values assembled
  (``TenantData.item``), in ms.
* ``item_cached``: another item of the same exports, served from the export
  cache (``open_export`` finds the parts unchanged), in ms; goal <= 300 ms.
* ``load_1m``: a 1,000,000-row forecast export (``--parts`` parts, CSV and
  Parquet) read and indexed: seconds and peak traced memory (tracemalloc) in MB.
* ``accuracy``: accuracy of the 5,000 items' backtest (per item and window,
  per window, overall), in seconds.

Run: python benchmarks/forecasts.py [--items 5000] [--parts 8] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from opsconsole.core.forecasts.accuracy import model_accuracy
from opsconsole.core.forecasts.exports import ExportCache, FolderParts, open_export
from opsconsole.core.forecasts.items import ModelTables, TenantData

STAMP = "2026-11-01T06-00-00Z"


def emit(**fields: Any) -> None:
    fields["loadavg"] = round(os.getloadavg()[0], 2)
    print(json.dumps(fields), flush=True)


def write_parts(frame: pd.DataFrame, folder: Path, job: str, parts: int, fmt: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for n, chunk in enumerate(np.array_split(np.arange(len(frame)), parts)):
        part = frame.iloc[chunk]
        path = folder / f"{job}_{STAMP}_part{n}.{fmt}"
        if fmt == "csv":
            part.to_csv(path, index=False, date_format="%Y-%m-%dT%H:%M:%SZ")
        else:
            import fastparquet

            fastparquet.write(str(path), part.reset_index(drop=True))


def make_data(root: Path, items: int, parts: int, rng: np.random.Generator) -> None:
    ids = np.array([f"sku_{i:05d}" for i in range(items)])
    days = pd.date_range("2025-11-01", periods=365, freq="D")
    level = rng.uniform(2, 80, items)
    y = np.round(level[:, None] * (1 + 0.3 * np.sin(np.arange(365) / 7 * 2 * np.pi))[None, :]
                 + rng.normal(0, 3, (items, 365))).clip(0)
    actuals = pd.DataFrame({"item_id": np.repeat(ids, 365), "timestamp": np.tile(days, items), "target_value": y.ravel()})
    write_parts(actuals, root / "actuals", "actuals", parts, "csv")
    horizon = pd.date_range(days[-1] + pd.Timedelta(days=1), periods=30, freq="D")
    p50 = np.repeat(level, 30) * rng.uniform(0.8, 1.2, items * 30)
    fc = pd.DataFrame({"item_id": np.repeat(ids, 30), "date": np.tile(horizon, items),
                       "p10": p50 * 0.7, "p50": p50, "p90": p50 * 1.3})
    write_parts(fc.sample(frac=1, random_state=1), root / "forecast", "fc", parts, "csv")
    windows = []
    for start in (days[-60], days[-30]):
        mask = (actuals.timestamp >= start) & (actuals.timestamp < start + pd.Timedelta(days=30))
        w = actuals[mask].copy()
        w["backtestwindow_start_time"] = start
        w["backtestwindow_end_time"] = start + pd.Timedelta(days=30)
        w["p50"] = w["target_value"] * rng.uniform(0.7, 1.3, len(w))
        w["p10"], w["p90"] = w["p50"] * 0.75, w["p50"] * 1.25
        windows.append(w)
    write_parts(pd.concat(windows), root / "backtest", "bt", parts, "csv")


def drain(gen):
    while True:
        try:
            next(gen)
        except StopIteration as stop:
            return stop.value


def open_item(root: Path, cache: ExportCache, item_id: str) -> TenantData:
    data = TenantData("bench")
    data.actuals = drain(open_export(FolderParts(root / "actuals"), cache))
    tables = ModelTables("model-a")
    tables.forecast = drain(open_export(FolderParts(root / "forecast"), cache))
    tables.backtest = drain(open_export(FolderParts(root / "backtest"), cache))
    data.models = [tables]
    view = data.item(item_id)
    assert len(view.actuals) == 365 and len(view.series[0].forecast) == 30
    return data


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--items", type=int, default=5000)
    p.add_argument("--parts", type=int, default=8)
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--runs", type=int, default=3)
    args = p.parse_args()
    rng = np.random.default_rng(7)
    with tempfile.TemporaryDirectory(prefix="fc-bench-") as tmp:
        root = Path(tmp)
        make_data(root, args.items, args.parts, rng)
        first, cached, acc_s = [], [], []
        for run in range(args.runs):
            cache = ExportCache()
            t0 = time.perf_counter()
            data = open_item(root, cache, f"sku_{run:05d}")
            first.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            open_item(root, cache, f"sku_{args.items - 1 - run:05d}")
            cached.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            model_accuracy("model-a", data.models[0].backtest, data.actuals)
            acc_s.append(time.perf_counter() - t0)
        emit(name="item_first", items=args.items, parts=args.parts, median_ms=round(statistics.median(first), 1))
        emit(name="item_cached", items=args.items, parts=args.parts, median_ms=round(statistics.median(cached), 2),
             goal_ms=300)
        emit(name="accuracy", items=args.items, windows=2, median_s=round(statistics.median(acc_s), 2))

        items = args.rows // 30
        ids = np.array([f"sku_{i:06d}" for i in range(items)])
        horizon = pd.date_range("2026-12-01", periods=30, freq="D")
        p50 = rng.uniform(1, 100, items * 30)
        big = pd.DataFrame({"item_id": np.repeat(ids, 30), "date": np.tile(horizon, items),
                            "p10": p50 * 0.7, "p50": p50, "p90": p50 * 1.3})
        for fmt in ("csv", "parquet"):
            folder = root / f"big-{fmt}"
            write_parts(big, folder, "big", args.parts, fmt)
            size = sum(f.stat().st_size for f in folder.iterdir())
            times, peaks = [], []
            for _ in range(args.runs):
                tracemalloc.start()
                t0 = time.perf_counter()
                table = drain(open_export(FolderParts(folder), ExportCache()))
                times.append(time.perf_counter() - t0)
                peaks.append(tracemalloc.get_traced_memory()[1] / 1e6)
                tracemalloc.stop()
                assert len(table) == len(big)
                del table
            emit(name="load_1m", fmt=fmt, rows=len(big), parts=args.parts, bytes=size,
                 median_s=round(statistics.median(times), 2), peak_mb=round(statistics.median(peaks), 1))


if __name__ == "__main__":
    main()
