"""Seed the forecasts area: Forecast resources of three tenants and their files in S3.

Resources go straight into the sandbox's Forecast store (like the Lex bot goes
into its backend) and every file is registered with the lazy export bucket:
nothing is generated here, so seeding takes milliseconds; each file is built
from the seed the first time it is listed or read (:mod:`opsconsole.sandbox.forecast.objects`).
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from opsconsole.sandbox.forecast import objects
from opsconsole.sandbox.forecast.specs import horizon_days, wrong_items
from opsconsole.sandbox.forecast.store import Resource, Store
from opsconsole.sandbox.scenario import catalog as c
from opsconsole.sandbox.scenario.forecasts import accuracy_stream, winners
from opsconsole.sandbox.scenario.forecasts.plan import (
    ALGORITHMS,
    TenantPlan,
    TenantSummary,
    tenant_plans,
)

FILE_TIME = "%Y-%m-%dT%H-%M-%SZ"
#: predictors whose forecast export is Parquet when pandas can write it (pyarrow or fastparquet installed)
PARQUET_EXPORTS = ("finance_cashflow_auto",)


def _built(name: str, *args: Any) -> bytes:
    """Build a file with :mod:`opsconsole.sandbox.forecast.exports` (numpy and pandas are imported
    when the first file is read, not at sandbox start)."""
    from opsconsole.sandbox.forecast import exports

    return getattr(exports, name)(*args)


def seed_forecasts(store: Store, *, seed_value: int, now: dt.datetime,
                   items: int = c.FORECAST_ITEMS_PER_TENANT) -> dict[str, Any]:
    """Create every tenant's resources and files; returns Scenario.forecasts."""
    now = now.replace(microsecond=0)
    bucket = objects.bucket(c.FORECAST_BUCKET, c.REGION, now - dt.timedelta(days=400))
    summary: dict[str, Any] = {"bucket": c.FORECAST_BUCKET, "tenants": {}}
    for plan in tenant_plans(seed_value, now, items):
        summary["tenants"][plan.tenant] = vars(_seed_tenant(store, bucket, plan, now))
    return summary


def _tags(plan: TenantPlan) -> dict[str, str]:
    return {"tenant": plan.tenant}


def _s3(plan: TenantPlan, path: str) -> dict[str, Any]:
    return {"S3Config": {"Path": path, "RoleArn": c.tenant_forecast_role(plan.tenant),
                         "KMSKeyArn": c.tenant_kms_key(plan.tenant)}}


def _key(path: str) -> str:
    return path.split("/", 3)[3]


def _seed_tenant(store: Store, bucket: objects.LazyBucket, plan: TenantPlan, now: dt.datetime) -> TenantSummary:
    spec = plan.series
    tags = _tags(plan)
    encryption = {"RoleArn": c.tenant_forecast_role(plan.tenant), "KMSKeyArn": c.tenant_kms_key(plan.tenant)}
    group_arn = store.arn("dataset_group", plan.dataset_group)
    dataset_arn = store.arn("dataset", plan.dataset)
    created = now - dt.timedelta(days=200)
    store.add(Resource("dataset_group", group_arn, plan.dataset_group, {
        "DatasetGroupName": plan.dataset_group, "DatasetGroupArn": group_arn, "DatasetArns": [dataset_arn],
        "Domain": plan.domain, "Status": "ACTIVE", "CreationTime": created, "LastModificationTime": created},
        tags=dict(tags)))
    store.add(Resource("dataset", dataset_arn, plan.dataset, {
        "DatasetArn": dataset_arn, "DatasetName": plan.dataset, "Domain": plan.domain,
        "DatasetType": "TARGET_TIME_SERIES", "DataFrequency": "D",
        "Schema": {"Attributes": [{"AttributeName": "item_id", "AttributeType": "string"},
                                  {"AttributeName": "timestamp", "AttributeType": "timestamp"},
                                  {"AttributeName": "target_value", "AttributeType": plan.value_type}]
                   + ([{"AttributeName": spec.dimension, "AttributeType": "string"}] if spec.dimension else [])},
        "EncryptionConfig": encryption, "Status": "ACTIVE", "CreationTime": created,
        "LastModificationTime": created}, tags=dict(tags)))

    # actuals: one part per block of items, under the import job's folder
    imported = now - dt.timedelta(hours=30)
    job_name = f"{plan.dataset}_import_{spec.last_date:%Y%m%d}"
    actuals_path = f"{plan.prefix}datasets/{plan.dataset}/{spec.last_date:%Y-%m-%d}/"
    for index in range(spec.blocks):
        bucket.put(f"{_key(actuals_path)}{plan.dataset}_part{index:04d}.csv", imported,
                   functools.partial(_built, "actuals_csv", spec, index))
    import_arn = store.arn("import_job", plan.dataset, job_name)
    store.add(Resource("import_job", import_arn, job_name, {
        "DatasetImportJobName": job_name, "DatasetImportJobArn": import_arn, "DatasetArn": dataset_arn,
        "TimestampFormat": "yyyy-MM-dd", "DataSource": _s3(plan, actuals_path), "Status": "ACTIVE",
        "DataSize": round(spec.items * spec.history_days * 24 / 1e9, 4), "CreationTime": imported,
        "LastModificationTime": imported + dt.timedelta(minutes=42), "Format": "CSV", "ImportMode": "FULL"},
        tags=dict(tags)))
    summary = TenantSummary(dataset_group_arn=group_arn, dataset_arn=dataset_arn, import_job_arn=import_arn,
                            actuals_path=actuals_path, items=spec.items, dimension=spec.dimension,
                            dimension_values=list(spec.dimension_values))
    dimensions = [spec.dimension] if spec.dimension else []

    for number, predictor in enumerate(plan.predictors):
        trained = now - dt.timedelta(hours=22 - number)
        arn = store.arn("predictor", predictor.name)
        summary.predictor_arns[predictor.name] = arn
        model = predictor.model
        status = "ACTIVE" if model else "CREATE_FAILED"
        types = list(model.forecast_types) if model else ["0.1", "0.5", "0.9"]
        fields: dict[str, Any] = {
            "PredictorArn": arn, "PredictorName": predictor.name, "ForecastHorizon": spec.horizon,
            "ForecastTypes": types, "DatasetImportJobArns": [import_arn], "EncryptionConfig": encryption,
            "Status": status, "Message": predictor.failure or None, "CreationTime": trained,
            "LastModificationTime": trained + dt.timedelta(hours=3), "IsAutoPredictor": predictor.auto,
            "_DatasetGroupArn": group_arn, "_AlgorithmArn": ALGORITHMS[predictor.algorithm]}
        if predictor.auto:
            fields.update({"ForecastFrequency": "D", "DataConfig": {"DatasetGroupArn": group_arn},
                           "ForecastDimensions": dimensions or None,
                           "OptimizationMetric": "AverageWeightedQuantileLoss"})
        else:
            windows = model.windows if model else 1
            fields.update({"AlgorithmArn": ALGORITHMS[predictor.algorithm], "PerformAutoML": False,
                           "PerformHPO": False, "InputDataConfig": {"DatasetGroupArn": group_arn},
                           "FeaturizationConfig": {"ForecastFrequency": "D", "ForecastDimensions": dimensions or None},
                           "EvaluationParameters": {"NumberOfBacktestWindows": windows,
                                                    "BackTestWindowOffset": spec.horizon}})
        store.add(Resource("predictor", arn, predictor.name, fields, tags=dict(tags),
                           series=spec if model else None, model=model))
        if model is None:
            continue
        if model.wrong_items:
            summary.wrong_items[predictor.name] = wrong_items(spec, model)
        _seed_forecast(store, bucket, plan, predictor.name, arn, group_arn, model, now, summary,
                       running=plan.in_progress_export == predictor.name)
        _seed_backtest(store, bucket, plan, predictor.name, arn, model, now, summary)
    return summary


def _seed_forecast(store: Store, bucket: objects.LazyBucket, plan: TenantPlan, predictor: str, predictor_arn: str,
                   group_arn: str, model: Any, now: dt.datetime, summary: TenantSummary, running: bool) -> None:
    spec = plan.series
    first = spec.first_date + horizon_days(spec).start * dt.timedelta(days=1)
    name = f"{predictor}_{first:%Y%m%d}"
    arn = store.arn("forecast", name)
    made = now - dt.timedelta(hours=12)
    types = model.forecast_types
    store.add(Resource("forecast", arn, name, {
        "ForecastArn": arn, "ForecastName": name, "ForecastTypes": list(types), "PredictorArn": predictor_arn,
        "DatasetGroupArn": group_arn, "Status": "ACTIVE", "CreationTime": made,
        "LastModificationTime": made + dt.timedelta(minutes=55),
        "CreatedUsingAutoPredictor": predictor.endswith("_auto")}, tags=_tags(plan), series=spec, model=model))
    summary.forecast_arns[predictor] = arn

    exported = now - dt.timedelta(hours=10)
    job = f"{name}_export"
    path = f"{plan.prefix}forecasts/{job}/"
    file_format = "PARQUET" if predictor in PARQUET_EXPORTS and _parquet_writable() else "CSV"
    suffix = ".parquet" if file_format == "PARQUET" else ".csv"
    content_type = "application/octet-stream" if file_format == "PARQUET" else "text/csv"
    for index in range(spec.blocks):
        bucket.put(f"{_key(path)}{job}_{exported:{FILE_TIME}}_part{index}{suffix}", exported + dt.timedelta(minutes=20),
                   functools.partial(_built, "forecast_csv", spec, model, types, index, file_format), content_type)
    _export_job(store, plan, job, arn, path, "ACTIVE", exported, file_format)
    summary.export_paths[predictor] = path
    if running:  # a re-export started a few minutes ago: no files yet
        again = f"{name}_export_rerun"
        _export_job(store, plan, again, arn, f"{plan.prefix}forecasts/{again}/", "CREATE_IN_PROGRESS",
                    now - dt.timedelta(minutes=6))


def _parquet_writable() -> bool:
    """Whether pandas has a Parquet engine here (looked up without importing it)."""
    import importlib.util

    return any(importlib.util.find_spec(name) for name in ("pyarrow", "fastparquet"))


def _export_job(store: Store, plan: TenantPlan, job: str, forecast_arn: str, path: str, status: str,
                created: dt.datetime, file_format: str = "CSV") -> None:
    arn = store.arn("export_job", forecast_arn.rsplit("/", 1)[-1], job)
    finished = created + dt.timedelta(minutes=20) if status == "ACTIVE" else created
    store.add(Resource("export_job", arn, job, {
        "ForecastExportJobArn": arn, "ForecastExportJobName": job, "ForecastArn": forecast_arn,
        "Destination": _s3(plan, path), "Status": status, "CreationTime": created,
        "LastModificationTime": finished, "Format": file_format}, tags=_tags(plan)))


def _seed_backtest(store: Store, bucket: objects.LazyBucket, plan: TenantPlan, predictor: str, predictor_arn: str,
                   model: Any, now: dt.datetime, summary: TenantSummary) -> None:
    spec = plan.series
    job = f"{predictor}_backtest"
    path = f"{plan.prefix}backtests/{job}/"
    made = now - dt.timedelta(hours=16)
    for index in range(spec.blocks):
        stamp = f"{job}_{made:{FILE_TIME}}_part{index}.csv"
        bucket.put(f"{_key(path)}forecasted-values/{stamp}", made + dt.timedelta(minutes=15),
                   functools.partial(_built, "backtest_values_csv", spec, model, index))
        bucket.put(f"{_key(path)}accuracy-metrics-values/{stamp}", made + dt.timedelta(minutes=15),
                   functools.partial(_built, "backtest_metrics_csv", spec, model, index))
    arn = store.arn("backtest_job", predictor, job)
    store.add(Resource("backtest_job", arn, job, {
        "PredictorBacktestExportJobArn": arn, "PredictorBacktestExportJobName": job, "PredictorArn": predictor_arn,
        "Destination": _s3(plan, path), "Status": "ACTIVE", "CreationTime": made,
        "LastModificationTime": made + dt.timedelta(minutes=15), "Format": "CSV"}, tags=_tags(plan)))
    summary.backtest_paths[predictor] = path


def seed(clients: Any, *, seed_value: int, now: dt.datetime) -> dict[str, Any]:
    """The forecasts step of the scenario's seed() (Forecast resources, export files, winner tables);
    returns Scenario.forecasts. The metric stream is :func:`accuracy_stream.seed_stream`."""
    from opsconsole.sandbox.forecast.store import store

    summary = seed_forecasts(store(c.REGION, c.ACCOUNT_ID), seed_value=seed_value, now=now)
    summary["counts"] = winners.create_and_fill(clients.dynamodb, seed_value, now)
    summary["tables"] = {"winners_by_category": c.WINNER_CATEGORY_TABLE, "winner_history": c.WINNER_HISTORY_TABLE}
    summary["namespace"] = c.FORECAST_METRIC_NAMESPACE
    summary["alarms"] = sorted(accuracy_stream.ALARMS)
    return summary
