"""Forecast's export files in S3 (or a folder): find the parts, stream them, index them by item.

An export job writes ``<ExportJobName>_<yyyy-MM-ddTHH-mm-ssZ>_part<N>`` files
(CSV or Parquet) under its destination path; a forecast export has
``item_id,date,<forecast types>`` (plus dimensions), a backtest export
``item_id,timestamp,target_value,backtestwindow_start_time,backtestwindow_end_time,<forecast types>``.
Any producer that writes this layout (AutoGluon, Canvas, Chronos jobs) reads the same.

Reading is a generator: it yields :class:`~opsconsole.core.progress.Progress`
between chunks, so the job layer shows bytes read and a cancelled job stops
between two chunks, and returns an :class:`ExportTable`: the parts concatenated
once, sorted by item, with each item's row range, so showing an item is a slice.
Tables are kept in a small cache per export (keyed by the parts' names, sizes and
ETags), so opening a second item of the same export does not read anything again.

Parquet is read with fastparquet, the lighter of the two readers pandas knows
(pyarrow does not fit the download budget: docs/bundle.md).
"""

from __future__ import annotations

import io
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from opsconsole.core.errors import DomainError
from opsconsole.core.forecasts.metrics import forecast_type_columns
from opsconsole.core.progress import Progress

#: ``<ExportJobName>_<yyyy-MM-ddTHH-mm-ssZ>_part<N>``, with or without an extension.
PART_NAME = re.compile(
    r"^(?P<job>.+)_(?P<stamp>\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z)_part(?P<part>\d+)(?P<ext>\.csv|\.parquet)?$"
)
CHUNK_BYTES = 1 << 20

BACKTEST_COLUMNS = ("backtestwindow_start_time", "backtestwindow_end_time")
#: Between an item id and its dimension values in a series id.
SERIES_SEPARATOR = " / "


class ExportUnreadable(DomainError):
    title = "Export not readable"


@dataclass(frozen=True)
class ExportPart:
    """One file of an export: where it is, its size and ETag, which part, which format."""

    key: str
    size: int
    part: int
    job: str
    stamp: str
    fmt: str  # "csv" | "parquet"
    etag: str = ""


def parse_s3_path(path: str) -> tuple[str, str]:
    """``s3://bucket/prefix/`` -> (bucket, prefix)."""
    if not path.startswith("s3://"):
        raise ExportUnreadable(f"{path!r} is not an s3:// path.")
    bucket, _, prefix = path[5:].partition("/")
    if not bucket:
        raise ExportUnreadable(f"{path!r} names no bucket.")
    return bucket, prefix


def select_parts(objects: Iterable[tuple[str, int, str]], job_name: str | None = None) -> list[ExportPart]:
    """The parts of the newest export run among ``(key, size, etag)`` objects, in part order.

    Files that are not export parts (``_SUCCESS``, manifests) are ignored. An
    export job that ran several times leaves several timestamps: the newest wins.
    """
    found: list[ExportPart] = []
    for key, size, etag in objects:
        name = key.rsplit("/", 1)[-1]
        m = PART_NAME.match(name)
        if not m or (job_name and m.group("job") != job_name):
            continue
        ext = m.group("ext") or ""
        fmt = "parquet" if ext == ".parquet" else "csv"
        found.append(ExportPart(key, int(size), int(m.group("part")), m.group("job"), m.group("stamp"), fmt,
                                etag.strip('"')))
    if not found:
        return []
    newest = max(p.stamp for p in found)
    return sorted((p for p in found if p.stamp == newest), key=lambda p: (p.job, p.part))


# -- where the bytes come from ---------------------------------------------------------------

class PartSource:
    """Lists and opens export parts; S3 and a local folder behave the same."""

    location = ""

    def parts(self, job_name: str | None = None) -> list[ExportPart]:
        raise NotImplementedError

    def chunks(self, part: ExportPart) -> Iterable[bytes]:
        raise NotImplementedError


class S3Parts(PartSource):
    """Parts under ``s3://bucket/prefix`` through an S3 client (ListObjectsV2, GetObject)."""

    def __init__(self, s3: Any, path: str) -> None:
        self.s3 = s3
        self.location = path
        self.bucket, self.prefix = parse_s3_path(path)

    def parts(self, job_name: str | None = None) -> list[ExportPart]:
        from opsconsole.core import paging

        objects = ((o["Key"], o.get("Size", 0), o.get("ETag", ""))
                   for o in paging.items(self.s3, "list_objects_v2", "Contents", Bucket=self.bucket, Prefix=self.prefix))
        return select_parts(objects, job_name)

    def chunks(self, part: ExportPart) -> Iterable[bytes]:
        body = self.s3.get_object(Bucket=self.bucket, Key=part.key)["Body"]
        try:
            while chunk := body.read(CHUNK_BYTES):
                yield chunk
        finally:
            body.close()


class FolderParts(PartSource):
    """Parts in a local folder (a downloaded export; tests and benchmarks)."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.location = str(self.folder)

    def parts(self, job_name: str | None = None) -> list[ExportPart]:
        objects = ((str(p.relative_to(self.folder)), p.stat().st_size, f"{p.stat().st_mtime_ns}")
                   for p in sorted(self.folder.rglob("*")) if p.is_file())
        return select_parts(objects, job_name)

    def chunks(self, part: ExportPart) -> Iterable[bytes]:
        with open(self.folder / part.key, "rb") as f:
            while chunk := f.read(CHUNK_BYTES):
                yield chunk


# -- one export, indexed by item ---------------------------------------------------------------

@dataclass
class ExportTable:
    """An export's rows, sorted by item then time, with each item's row range.

    ``frame`` keeps its rows in one block; ``rows(item)`` is a slice, no search.
    ``time_column`` is ``date`` (forecast export) or ``timestamp`` (backtest).
    """

    frame: pd.DataFrame
    time_column: str
    forecast_types: tuple[str, ...]
    location: str
    parts: tuple[ExportPart, ...]
    _ranges: dict[str, tuple[int, int]] = field(default_factory=dict, repr=False)
    #: Forecast dimensions (e.g. ``location``): a series is an item id plus these values.
    dimensions: tuple[str, ...] = ()

    @classmethod
    def build(cls, frame: pd.DataFrame, location: str = "", parts: tuple[ExportPart, ...] = ()) -> ExportTable:
        if "item_id" not in frame.columns:
            raise ExportUnreadable(f"{location or 'The export'} has no item_id column.")
        time_column = "timestamp" if "timestamp" in frame.columns else "date"
        if time_column not in frame.columns:
            raise ExportUnreadable(f"{location or 'The export'} has neither a date nor a timestamp column.")
        frame[time_column] = _to_utc(frame[time_column])
        for col in BACKTEST_COLUMNS:
            if col in frame.columns:
                frame[col] = _to_utc(frame[col])
        frame["item_id"] = frame["item_id"].astype(str)
        types = tuple(forecast_type_columns(frame.columns))
        known = {"item_id", "date", "timestamp", "target_value", *BACKTEST_COLUMNS, *types}
        dimensions = tuple(c for c in frame.columns if c not in known)
        if dimensions:
            # One series per item and dimension values ("queue_00001 / dublin"): what is charted and scored.
            series = frame["item_id"]
            for dim in dimensions:
                series = series + SERIES_SEPARATOR + frame[dim].astype(str)
            frame["item_id"] = series
        frame = frame.sort_values(["item_id", time_column], kind="stable", ignore_index=True)
        items = frame["item_id"].to_numpy()
        # One pass: where each item's block starts and ends.
        starts = np.flatnonzero(np.r_[True, items[1:] != items[:-1]]) if len(items) else np.array([], dtype=int)
        ends = np.r_[starts[1:], len(items)] if len(items) else np.array([], dtype=int)
        ranges = {items[s]: (int(s), int(e)) for s, e in zip(starts, ends)}
        return cls(frame, time_column, types, location, parts, ranges, dimensions)

    def filters(self, series_id: str) -> dict[str, str]:
        """QueryForecast's ``Filters`` for a series: its item id and dimension values."""
        values = series_id.split(SERIES_SEPARATOR)
        return dict(zip(("item_id", *self.dimensions), values))

    @property
    def is_backtest(self) -> bool:
        return "target_value" in self.frame.columns and BACKTEST_COLUMNS[0] in self.frame.columns

    def item_ids(self) -> list[str]:
        return list(self._ranges)

    def __len__(self) -> int:
        return len(self.frame)

    def rows(self, item_id: str) -> pd.DataFrame:
        """The item's rows (empty when the export does not have it)."""
        start, stop = self._ranges.get(item_id, (0, 0))
        return self.frame.iloc[start:stop]

    def row_range(self, item_id: str) -> tuple[int, int]:
        """Positions [start, stop) of the item's rows in ``frame``: where a figure comes from."""
        return self._ranges.get(item_id, (0, 0))


def _to_utc(values: pd.Series) -> pd.Series:
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert("UTC").dt.tz_localize(None)
    if pd.api.types.is_datetime64_any_dtype(values):
        return values
    # An export repeats a few hundred distinct times over millions of rows: parse each once.
    codes, uniques = pd.factorize(values, sort=False)
    try:
        parsed = pd.to_datetime(pd.Index(uniques), utc=True, format="ISO8601")
    except (ValueError, TypeError):
        parsed = pd.to_datetime(pd.Index(uniques), utc=True, format="mixed")
    parsed = parsed.tz_localize(None)
    out = parsed.take(codes, allow_fill=True, fill_value=pd.NaT) if (codes < 0).any() else parsed.take(codes)
    return pd.Series(out, index=values.index, name=values.name)


PARQUET_MAGIC = b"PAR1"


def check_parquet_frame(data: bytes) -> None:
    """Refuse bytes that are not a whole Parquet file before the Parquet reader sees them.

    fastparquet trusts the footer length it reads: a file that is cut short or
    not Parquet at all sends its footer parser over arbitrary bytes, which can
    take the whole process down, not only raise.
    """
    if len(data) < 12 or data[:4] != PARQUET_MAGIC or data[-4:] != PARQUET_MAGIC:
        raise ValueError("it does not start and end with Parquet's PAR1 mark (cut short, or not Parquet)")
    footer = int.from_bytes(data[-8:-4], "little")
    if not 0 < footer <= len(data) - 12:
        raise ValueError(f"its footer claims {footer:,} bytes of a {len(data):,}-byte file")


def parse_part(data: bytes, fmt: str) -> pd.DataFrame:
    """One part's bytes as a DataFrame (item ids as text)."""
    if fmt == "parquet":
        import fastparquet

        check_parquet_frame(data)
        return fastparquet.ParquetFile(io.BytesIO(data)).to_pandas()
    return pd.read_csv(io.BytesIO(data), dtype={"item_id": str})


def read_export(source: PartSource, job_name: str | None = None, parts: list[ExportPart] | None = None,
                *, parse: Callable[[bytes, ExportPart], pd.DataFrame] | None = None,
                what: str = "part", expected: str = "") -> Generator[Progress, None, ExportTable]:
    """Stream every part (Progress in bytes between chunks), concatenate, index by item.

    ``parse`` reads one part's bytes (default: by its format, CSV or Parquet);
    ``what`` and ``expected`` word the progress and the refusal of a part that does not parse.
    """
    parts = source.parts(job_name) if parts is None else parts
    if not parts:
        raise ExportUnreadable(f"No export files (<job>_<time>_part<N>) under {source.location}.")
    total = sum(p.size for p in parts) or None
    done = 0
    frames = []
    for i, part in enumerate(parts, 1):
        buf = bytearray()
        for chunk in source.chunks(part):
            buf += chunk
            done += len(chunk)
            yield Progress(done, total, f"Reading {what} {i} of {len(parts)}")
        try:
            frames.append(parse(bytes(buf), part) if parse else parse_part(bytes(buf), part.fmt))
        except Exception as exc:  # a damaged or foreign file: say which one
            raise ExportUnreadable(f"{part.key} could not be read as {expected or part.fmt.upper()}: {exc}") from exc
    yield Progress(done, total, "Indexing items")
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return ExportTable.build(frame, source.location, tuple(parts))


class ExportCache:
    """The last few exports read, by location and the parts' identity (thread-safe).

    A changed export (new run, new ETags) is a different key, so it is read again.
    """

    def __init__(self, capacity: int = 6) -> None:
        self.capacity = capacity
        self._tables: OrderedDict[tuple, ExportTable] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(location: str, parts: Iterable[ExportPart]) -> tuple:
        return (location, tuple((p.key, p.size, p.etag) for p in parts))

    def get(self, key: tuple) -> ExportTable | None:
        with self._lock:
            table = self._tables.get(key)
            if table is not None:
                self._tables.move_to_end(key)
            return table

    def put(self, key: tuple, table: ExportTable) -> None:
        with self._lock:
            self._tables[key] = table
            self._tables.move_to_end(key)
            while len(self._tables) > self.capacity:
                self._tables.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._tables.clear()


def open_export(source: PartSource, cache: ExportCache, job_name: str | None = None,
                check: Callable[[list[ExportPart]], None] | None = None,
                **reading: Any) -> Generator[Progress, None, ExportTable]:
    """The export's table from ``cache``, or read (with progress) and cached.

    Listing the parts is one call; an unchanged export is then served from the
    cache without reading a byte. ``check`` sees the parts before anything is read;
    ``reading`` goes to :func:`read_export` (how a part is parsed and named).
    """
    parts = source.parts(job_name)
    if check is not None:
        check(parts)
    key = cache.key(source.location, parts)
    table = cache.get(key)
    if table is None:
        table = yield from read_export(source, job_name, parts, **reading)
        cache.put(key, table)
    return table


def write_csv(frame: pd.DataFrame, path: str | Path) -> int:
    """Rows as CSV with ISO times (what the chart shows, for a spreadsheet); returns the row count."""
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    out.to_csv(path, index=False)
    return len(out)
