"""Small forecast and backtest exports in Forecast's layout, written to a folder, for the tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

STAMP = "2026-11-01T06-00-00Z"


def actuals(items: int, days: int = 60, start: str = "2026-09-01", seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    dates = pd.date_range(start, periods=days, freq="D")
    ids = [f"item-{i:05d}" for i in range(items)]
    level = rng.uniform(5, 50, items)
    weekly = 1 + 0.3 * np.sin(2 * np.pi * np.arange(days) / 7)
    y = np.round(level[:, None] * weekly[None, :] + rng.normal(0, 2, (items, days)), 1).clip(0)
    return pd.DataFrame({"item_id": np.repeat(ids, days), "timestamp": np.tile(dates, items), "target_value": y.ravel()})


def forecast(items: int, horizon: int = 14, start: str = "2026-10-31", bias: float = 1.0, seed: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    dates = pd.date_range(start, periods=horizon, freq="D")
    p50 = rng.uniform(5, 50, (items, horizon)) * bias
    return pd.DataFrame({"item_id": np.repeat([f"item-{i:05d}" for i in range(items)], horizon),
                         "date": np.tile(dates, items), "p10": (p50 * 0.7).ravel(), "p50": p50.ravel(),
                         "p90": (p50 * 1.3).ravel()})


def backtest(act: pd.DataFrame, window_start: str, days: int, bias: float) -> pd.DataFrame:
    start = pd.Timestamp(window_start)
    end = start + pd.Timedelta(days=days)
    rows = act[(act.timestamp >= start) & (act.timestamp < end)].copy()
    rows["backtestwindow_start_time"] = start
    rows["backtestwindow_end_time"] = end
    rows["p50"] = rows["target_value"] * bias
    rows["p10"] = rows["p50"] * 0.8
    rows["p90"] = rows["p50"] * 1.2
    return rows.reset_index(drop=True)


def write_parts(frame: pd.DataFrame, folder: Path, job: str, parts: int, fmt: str = "csv", stamp: str = STAMP) -> list[Path]:
    """Split ``frame`` into ``parts`` files named as Forecast names them."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for n, chunk in enumerate(np.array_split(np.arange(len(frame)), parts)):
        part = frame.iloc[chunk].copy()
        for col in part.columns:
            if pd.api.types.is_datetime64_any_dtype(part[col]):
                part[col] = part[col].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
        path = folder / f"{job}_{stamp}_part{n}.{fmt}"
        if fmt == "csv":
            part.to_csv(path, index=False)
        else:
            import fastparquet

            fastparquet.write(str(path), part.reset_index(drop=True))
        out.append(path)
    return out


def drain(gen):  # noqa: ANN001, ANN201
    """Run a reading generator to its end: (what it returns, the Progress it yielded)."""
    progress = []
    while True:
        try:
            progress.append(next(gen))
        except StopIteration as stop:
            return stop.value, progress
