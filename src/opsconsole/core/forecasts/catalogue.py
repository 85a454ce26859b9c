"""A tenant's Forecast resources: dataset groups, predictors, forecasts, exports, actuals.

Listed through Forecast's list APIs (not tenant-scoped), every resource kept
only after ListTagsForResource says ``tenant=<id>`` for the tenant asked
(:mod:`.tenancy`). The result says, per resource, what the catalogue view shows
(status, horizon, forecast types, created, accuracy) and where its files are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

from opsconsole.core import paging
from opsconsole.core.forecasts.tenancy import allowed, resource_tenant
from opsconsole.core.progress import Progress


@dataclass(frozen=True)
class DatasetGroup:
    arn: str
    name: str
    tenant: str
    created: dt.datetime | None
    dataset_arns: tuple[str, ...] = ()
    #: S3 paths of the target time series' imports (item_id,timestamp,target_value CSV).
    actuals_paths: tuple[str, ...] = ()


@dataclass(frozen=True)
class Accuracy:
    """GetAccuracyMetrics' summary window for one forecast type set."""

    average_wql: float | None = None
    wape: float | None = None
    rmse: float | None = None
    mape: float | None = None
    mase: float | None = None
    windows: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class Predictor:
    arn: str
    name: str
    tenant: str
    dataset_group_arn: str
    status: str
    created: dt.datetime | None
    horizon: int | None = None
    frequency: str = ""
    forecast_types: tuple[str, ...] = ()
    accuracy: Accuracy | None = None
    #: Destination paths of its backtest export jobs.
    backtest_paths: tuple[str, ...] = ()


@dataclass(frozen=True)
class ForecastResource:
    arn: str
    name: str
    tenant: str
    predictor_arn: str
    dataset_group_arn: str
    status: str
    created: dt.datetime | None
    forecast_types: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExportJob:
    """A forecast export job or a predictor backtest export job."""

    arn: str
    name: str
    kind: str  # "forecast" | "backtest"
    tenant: str
    source_arn: str  # the forecast's or the predictor's ARN
    path: str
    status: str
    created: dt.datetime | None
    fmt: str = "CSV"


@dataclass
class Catalogue:
    tenant: str
    dataset_groups: list[DatasetGroup] = field(default_factory=list)
    predictors: list[Predictor] = field(default_factory=list)
    forecasts: list[ForecastResource] = field(default_factory=list)
    exports: list[ExportJob] = field(default_factory=list)

    def predictor(self, arn: str) -> Predictor | None:
        return next((p for p in self.predictors if p.arn == arn), None)

    def forecast_exports(self) -> list[ExportJob]:
        return [e for e in self.exports if e.kind == "forecast" and e.status == "ACTIVE"]

    def backtest_exports(self) -> list[ExportJob]:
        return [e for e in self.exports if e.kind == "backtest" and e.status == "ACTIVE"]

    def model_name(self, export: ExportJob) -> str:
        """The predictor's name behind an export (the model, as the chart's legend says it)."""
        arn = export.source_arn
        if export.kind == "forecast":
            fc = next((f for f in self.forecasts if f.arn == arn), None)
            arn = fc.predictor_arn if fc else arn
        p = self.predictor(arn)
        return p.name if p else export.name

    def forecast_of(self, export: ExportJob) -> ForecastResource | None:
        return next((f for f in self.forecasts if f.arn == export.source_arn), None) if export.kind == "forecast" else None


def list_tenants(forecast: Any, scope: str) -> list[str]:
    """Tenants the connection may pick: its own when scoped, else every tenant tagged on a dataset group."""
    if scope:
        return [scope]
    found = set()
    for group in paging.items(forecast, "list_dataset_groups", "DatasetGroups"):
        tenant = resource_tenant(forecast, group["DatasetGroupArn"])
        if tenant:
            found.add(tenant)
    return sorted(found)


def _mine(forecast: Any, arn: str, tenant: str, scope: str) -> bool:
    if not allowed(scope, tenant):
        return False
    return resource_tenant(forecast, arn) == tenant


def accuracy_of(forecast: Any, predictor_arn: str) -> Accuracy:
    """The SUMMARY window of GetAccuracyMetrics (first evaluation result); per-window ones kept too."""
    out = forecast.get_accuracy_metrics(PredictorArn=predictor_arn)
    windows: list[dict[str, Any]] = []
    summary: dict[str, Any] | None = None
    for result in out.get("PredictorEvaluationResults", []):
        for window in result.get("TestWindows", []):
            windows.append(window)
            if window.get("EvaluationType") == "SUMMARY" and summary is None:
                summary = window
    summary = summary or (windows[0] if windows else None)
    if not summary:
        return Accuracy()
    metrics = summary.get("Metrics", {})
    errors = metrics.get("ErrorMetrics") or [{}]
    # The point forecast's errors: the mean when predicted, else the median.
    by_type = {e.get("ForecastType"): e for e in errors}
    point = by_type.get("mean") or by_type.get("0.5") or errors[0]
    return Accuracy(metrics.get("AverageWeightedQuantileLoss"), point.get("WAPE"), point.get("RMSE", metrics.get("RMSE")),
                    point.get("MAPE"), point.get("MASE"), tuple(windows))


def _predictor_details(forecast: Any, summary: dict[str, Any]) -> dict[str, Any]:
    arn = summary["PredictorArn"]
    if summary.get("IsAutoPredictor", True):
        d = forecast.describe_auto_predictor(PredictorArn=arn)
        return {"horizon": d.get("ForecastHorizon"), "frequency": d.get("ForecastFrequency", ""),
                "forecast_types": tuple(d.get("ForecastTypes") or ())}
    d = forecast.describe_predictor(PredictorArn=arn)
    freq = (d.get("FeaturizationConfig") or {}).get("ForecastFrequency", "")
    return {"horizon": d.get("ForecastHorizon"), "frequency": freq, "forecast_types": tuple(d.get("ForecastTypes") or ())}


def load_catalogue(forecast: Any, tenant: str, scope: str = "") -> Generator[Progress, None, Catalogue]:
    """Everything of ``tenant`` in Forecast, tag-checked; ``scope`` is the connection's tenant ("" = all)."""
    cat = Catalogue(tenant)
    if not allowed(scope, tenant):
        return cat
    step = 0
    yield Progress(step, None, "Dataset groups")
    for g in paging.items(forecast, "list_dataset_groups", "DatasetGroups"):
        if _mine(forecast, g["DatasetGroupArn"], tenant, scope):
            d = forecast.describe_dataset_group(DatasetGroupArn=g["DatasetGroupArn"])
            cat.dataset_groups.append(DatasetGroup(g["DatasetGroupArn"], g["DatasetGroupName"], tenant,
                                                   g.get("CreationTime"), tuple(d.get("DatasetArns") or ())))
    _attach_actuals(forecast, cat, tenant, scope)
    step += 1
    yield Progress(step, None, "Predictors")
    groups = {g.arn for g in cat.dataset_groups}
    for p in paging.items(forecast, "list_predictors", "Predictors"):
        if p.get("DatasetGroupArn") not in groups or not _mine(forecast, p["PredictorArn"], tenant, scope):
            continue
        details = _predictor_details(forecast, p)
        acc = accuracy_of(forecast, p["PredictorArn"]) if p.get("Status") == "ACTIVE" else None
        cat.predictors.append(Predictor(p["PredictorArn"], p["PredictorName"], tenant, p["DatasetGroupArn"],
                                        p.get("Status", ""), p.get("CreationTime"), accuracy=acc, **details))
    step += 1
    yield Progress(step, None, "Forecasts")
    for f in paging.items(forecast, "list_forecasts", "Forecasts"):
        if f.get("DatasetGroupArn") not in groups or not _mine(forecast, f["ForecastArn"], tenant, scope):
            continue
        d = forecast.describe_forecast(ForecastArn=f["ForecastArn"])
        cat.forecasts.append(ForecastResource(f["ForecastArn"], f["ForecastName"], tenant, f.get("PredictorArn", ""),
                                              f["DatasetGroupArn"], f.get("Status", ""), f.get("CreationTime"),
                                              tuple(d.get("ForecastTypes") or ())))
    step += 1
    yield Progress(step, None, "Export jobs")
    _attach_exports(forecast, cat, tenant, scope)
    return cat


def _attach_actuals(forecast: Any, cat: Catalogue, tenant: str, scope: str) -> None:
    by_dataset = {arn: g for g in cat.dataset_groups for arn in g.dataset_arns}
    paths: dict[str, list[str]] = {g.arn: [] for g in cat.dataset_groups}
    for job in paging.items(forecast, "list_dataset_import_jobs", "DatasetImportJobs"):
        if job.get("Status") != "ACTIVE" or not _mine(forecast, job["DatasetImportJobArn"], tenant, scope):
            continue
        d = forecast.describe_dataset_import_job(DatasetImportJobArn=job["DatasetImportJobArn"])
        group = by_dataset.get(d.get("DatasetArn", ""))
        path = ((d.get("DataSource") or {}).get("S3Config") or {}).get("Path", "")
        if group is not None and path:
            paths[group.arn].append(path)
    cat.dataset_groups = [DatasetGroup(g.arn, g.name, g.tenant, g.created, g.dataset_arns, tuple(paths[g.arn]))
                          for g in cat.dataset_groups]


def _attach_exports(forecast: Any, cat: Catalogue, tenant: str, scope: str) -> None:
    forecasts = {f.arn for f in cat.forecasts}
    predictors = {p.arn for p in cat.predictors}
    for job in paging.items(forecast, "list_forecast_export_jobs", "ForecastExportJobs"):
        if not _mine(forecast, job["ForecastExportJobArn"], tenant, scope):
            continue
        d = forecast.describe_forecast_export_job(ForecastExportJobArn=job["ForecastExportJobArn"])
        if d.get("ForecastArn") not in forecasts:
            continue
        cat.exports.append(ExportJob(job["ForecastExportJobArn"], job["ForecastExportJobName"], "forecast", tenant,
                                     d["ForecastArn"], d["Destination"]["S3Config"]["Path"], job.get("Status", ""),
                                     job.get("CreationTime"), d.get("Format") or "CSV"))
    for job in paging.items(forecast, "list_predictor_backtest_export_jobs", "PredictorBacktestExportJobs"):
        if not _mine(forecast, job["PredictorBacktestExportJobArn"], tenant, scope):
            continue
        d = forecast.describe_predictor_backtest_export_job(PredictorBacktestExportJobArn=job["PredictorBacktestExportJobArn"])
        if d.get("PredictorArn") not in predictors:
            continue
        cat.exports.append(ExportJob(job["PredictorBacktestExportJobArn"], job["PredictorBacktestExportJobName"],
                                     "backtest", tenant, d["PredictorArn"], d["Destination"]["S3Config"]["Path"],
                                     job.get("Status", ""), job.get("CreationTime"), d.get("Format") or "CSV"))
    by_predictor: dict[str, list[str]] = {}
    for e in cat.exports:
        if e.kind == "backtest":
            by_predictor.setdefault(e.source_arn, []).append(e.path)
    cat.predictors = [Predictor(p.arn, p.name, p.tenant, p.dataset_group_arn, p.status, p.created, p.horizon,
                                p.frequency, p.forecast_types, p.accuracy, tuple(by_predictor.get(p.arn, ())))
                      for p in cat.predictors]
