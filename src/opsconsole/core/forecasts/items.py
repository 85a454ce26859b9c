"""One tenant's forecasts, actuals and backtests, loaded once and read per item.

:class:`TenantData` holds, for the tenant picked, the actuals (the target time
series' import CSV), each model's forecast export and backtest export as
indexed :class:`~.exports.ExportTable`s. Loading streams every file with
progress (and is refused for any path outside the tenant's prefix); after it,
:meth:`TenantData.item` is a handful of slices: what the chart of one item shows.
"""

from __future__ import annotations

import io
from collections.abc import Generator, Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from opsconsole.core.forecasts.catalogue import Catalogue, ExportJob
from opsconsole.core.forecasts.exports import (
    ExportCache,
    ExportPart,
    ExportTable,
    ExportUnreadable,
    PartSource,
    S3Parts,
    open_export,
    parse_s3_path,
)
from opsconsole.core.forecasts.tenancy import require_path
from opsconsole.core.progress import Progress

ACTUALS_COLUMNS = ["item_id", "timestamp", "target_value"]


@dataclass(frozen=True)
class ForecastSeries:
    """One model's values for one item: its forecast into the horizon and its backtest windows."""

    model: str
    forecast: pd.DataFrame  # date + forecast type columns
    backtest: pd.DataFrame  # timestamp, target_value, window start/end + forecast type columns
    forecast_types: tuple[str, ...]


@dataclass(frozen=True)
class ItemView:
    item_id: str
    tenant: str
    actuals: pd.DataFrame  # timestamp, target_value
    series: tuple[ForecastSeries, ...]

    def as_csv_frame(self) -> pd.DataFrame:
        """Every value the chart shows, long format: item_id, model, kind, time, value columns."""
        frames = [self.actuals.assign(item_id=self.item_id, model="actuals", kind="actual")]
        for s in self.series:
            if len(s.forecast):
                frames.append(s.forecast.rename(columns={"date": "timestamp"}).assign(
                    item_id=self.item_id, model=s.model, kind="forecast"))
            if len(s.backtest):
                frames.append(s.backtest.assign(item_id=self.item_id, model=s.model, kind="backtest"))
        out = pd.concat(frames, ignore_index=True, sort=False)
        first = ["item_id", "model", "kind", "timestamp"]
        return out[first + [c for c in out.columns if c not in first]]


@dataclass
class ModelTables:
    model: str
    forecast: ExportTable | None = None
    backtest: ExportTable | None = None
    forecast_arn: str = ""


@dataclass
class TenantData:
    tenant: str
    actuals: ExportTable | None = None
    models: list[ModelTables] = field(default_factory=list)

    def item_ids(self) -> list[str]:
        """Every item id the actuals or any model has, sorted."""
        ids: set[str] = set()
        if self.actuals is not None:
            ids.update(self.actuals.item_ids())
        for m in self.models:
            for t in (m.forecast, m.backtest):
                if t is not None:
                    ids.update(t.item_ids())
        return sorted(ids)

    def item(self, item_id: str, models: list[str] | None = None) -> ItemView:
        actuals = (self.actuals.rows(item_id)[["timestamp", "target_value"]] if self.actuals is not None
                   else pd.DataFrame(columns=["timestamp", "target_value"]))
        series = []
        for m in self.models:
            if models is not None and m.model not in models:
                continue
            fc = m.forecast.rows(item_id) if m.forecast is not None else pd.DataFrame()
            bt = m.backtest.rows(item_id) if m.backtest is not None else pd.DataFrame()
            types = (m.forecast or m.backtest).forecast_types if (m.forecast or m.backtest) else ()
            keep_fc = [c for c in ["date", *types] if c in fc.columns]
            keep_bt = [c for c in ["timestamp", "target_value", "backtestwindow_start_time",
                                   "backtestwindow_end_time", *types] if c in bt.columns]
            series.append(ForecastSeries(m.model, fc[keep_fc].reset_index(drop=True) if keep_fc else fc,
                                         bt[keep_bt].reset_index(drop=True) if keep_bt else bt, tuple(types)))
        return ItemView(item_id, self.tenant, actuals.reset_index(drop=True), tuple(series))


class ActualsObjects(PartSource):
    """The actuals a dataset import job read: one CSV object, or every CSV under a folder path."""

    def __init__(self, s3: Any, path: str) -> None:
        self.s3 = s3
        self.location = path
        self.bucket, self.key = parse_s3_path(path)

    def parts(self, job_name: str | None = None) -> list[ExportPart]:
        from opsconsole.core import paging

        found = []
        for obj in paging.items(self.s3, "list_objects_v2", "Contents", Bucket=self.bucket, Prefix=self.key):
            key = obj["Key"]
            if key.endswith("/") or key.rsplit("/", 1)[-1].startswith(("_", ".")):
                continue
            found.append(ExportPart(key, int(obj.get("Size", 0)), len(found), "actuals", "", "csv",
                                    str(obj.get("ETag", "")).strip('"')))
        return found

    def chunks(self, part: ExportPart) -> Iterable[bytes]:
        body = self.s3.get_object(Bucket=self.bucket, Key=part.key)["Body"]
        try:
            while chunk := body.read(1 << 20):
                yield chunk
        finally:
            body.close()


def read_actuals_csv(data: bytes) -> pd.DataFrame:
    """item_id,timestamp,target_value (plus dimensions, in the header's order), with or without a header row.

    Without a header (Forecast's imports may have none) the three columns are taken in that order.
    """
    head = data[:400].decode("utf-8", "replace").splitlines()[0] if data else ""
    if "item_id" in head.split(","):
        frame = pd.read_csv(io.BytesIO(data), dtype={"item_id": str})
    else:
        frame = pd.read_csv(io.BytesIO(data), header=None, names=ACTUALS_COLUMNS, usecols=[0, 1, 2], dtype={0: str})
    missing = [c for c in ACTUALS_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"no {', '.join(missing)} column")
    return frame


def _open_actuals(source: PartSource, cache: ExportCache) -> Generator[Progress, None, ExportTable]:
    def present(parts: list[ExportPart]) -> None:
        if not parts:
            raise ExportUnreadable(f"No actuals under {source.location}.")

    return (yield from open_export(source, cache, check=present,
                                   parse=lambda data, _part: read_actuals_csv(data),
                                   what="actuals, part", expected="item_id,timestamp,target_value"))


#: Where a backtest export keeps the item-level forecasts (beside ``accuracy-metrics-values/``).
BACKTEST_VALUES = "forecasted-values/"


def export_source(s3: Any, export: ExportJob) -> PartSource:
    """The files of an export: a backtest export's forecasted values, a forecast export's parts."""
    base = export.path if export.path.endswith("/") else export.path + "/"
    if export.kind == "backtest":
        values = S3Parts(s3, base + BACKTEST_VALUES)
        if values.parts(export.name):
            return values
    return S3Parts(s3, base)


def load_tenant_data(s3: Any, catalogue: Catalogue, cache: ExportCache,
                     forecast_exports: list[ExportJob] | None = None,
                     backtest_exports: list[ExportJob] | None = None) -> Generator[Progress, None, TenantData]:
    """Actuals and every active export of the catalogue's tenant, from the cache or S3.

    Every path is checked against the tenant's prefix before a byte is read.
    """
    tenant = catalogue.tenant
    data = TenantData(tenant)
    paths = [p for g in catalogue.dataset_groups for p in g.actuals_paths]
    for path in paths[:1]:
        require_path(path, tenant)
        data.actuals = yield from _open_actuals(ActualsObjects(s3, path), cache)
    by_model: dict[str, ModelTables] = {}
    fexports = catalogue.forecast_exports() if forecast_exports is None else forecast_exports
    bexports = catalogue.backtest_exports() if backtest_exports is None else backtest_exports
    for export in [*fexports, *bexports]:
        require_path(export.path, tenant)
        model = catalogue.model_name(export)
        tables = by_model.setdefault(model, ModelTables(model))
        table = yield from open_export(export_source(s3, export), cache, export.name)
        if export.kind == "forecast":
            tables.forecast = table
            fc = catalogue.forecast_of(export)
            tables.forecast_arn = fc.arn if fc else ""
        else:
            tables.backtest = table
    data.models = list(by_model.values())
    return data
