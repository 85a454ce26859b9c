"""Amazon Forecast for the sandbox (moto has only dataset groups): JSON 1.1, ``AmazonForecast.<Op>``.

Served (each request validated against botocore's model first, see :mod:`.wire`):

* dataset groups: CreateDatasetGroup, DescribeDatasetGroup, ListDatasetGroups;
* datasets and import jobs: DescribeDataset, ListDatasets, DescribeDatasetImportJob,
  ListDatasetImportJobs (Filters DatasetArn / Status);
* predictors: ListPredictors (Filters DatasetGroupArn / Status), DescribePredictor (legacy
  predictors only), DescribeAutoPredictor (auto predictors only), GetAccuracyMetrics (per
  backtest window, computed from the generated series: :mod:`.metrics`);
* forecasts: CreateForecast (CREATE_PENDING, CREATE_IN_PROGRESS, then ACTIVE), DescribeForecast,
  ListForecasts (Filters DatasetGroupArn / PredictorArn / Status);
* DescribeForecastExportJob, ListForecastExportJobs (Filters ForecastArn / Status),
  DescribePredictorBacktestExportJob, ListPredictorBacktestExportJobs (PredictorArn / Status);
* TagResource, UntagResource, ListTagsForResource.

Every other Forecast operation answers 501 ``NotImplemented``. ``forecastquery`` is
:mod:`.query`; the export files in S3 are :mod:`.objects`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from opsconsole.sandbox.forecast import objects, query
from opsconsole.sandbox.forecast import store as stores
from opsconsole.sandbox.forecast.store import Resource, Store, check_tags
from opsconsole.sandbox.forecast.wire import (
    ForecastError,
    exists,
    forecast_model,
    in_use,
    invalid,
    page,
)
from opsconsole.sandbox.server import (
    ExtensionRegistry,
    ExtensionRequest,
    ExtensionResponse,
    aws_error,
)

__all__ = ["register", "reset"]

log = logging.getLogger(__name__)

TARGET_PREFIX = "AmazonForecast"
MAX_DATASET_GROUPS = 500
MAX_FORECASTS = 500

Operation = Callable[[Store, dict[str, Any]], dict[str, Any]]
OPERATIONS: dict[str, Operation] = {}


def operation(name: str) -> Callable[[Operation], Operation]:
    def add(work: Operation) -> Operation:
        OPERATIONS[name] = work
        return work
    return add


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _listed(store: Store, kind: str, params: dict[str, Any], filter_keys: dict[str, str],
            summary: Callable[[dict[str, Any]], dict[str, Any]], member: str) -> dict[str, Any]:
    """Filter (IS / IS_NOT on the allowed keys), page and summarise ``kind``."""
    now = _now()
    rows = [r.describe(now) for r in store.of_kind(kind)]
    for spec in params.get("Filters") or []:
        field = filter_keys.get(spec["Key"])
        if field is None:
            raise invalid(f"The filter key {spec['Key']} is not valid. Valid keys: {', '.join(filter_keys)}.")
        wanted = spec["Condition"] == "IS"
        rows = [r for r in rows if (str(r.get(field)) == spec["Value"]) == wanted]
    chunk, token = page(rows, params, member)
    return {member: [summary(r) for r in chunk], "NextToken": token}


def _pick(*names: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda row: {k: row.get(k) for k in names}


# -- dataset groups ---------------------------------------------------------------------------
@operation("CreateDatasetGroup")
def create_dataset_group(store: Store, params: dict[str, Any]) -> dict[str, Any]:
    check_tags(params.get("Tags"))
    arn = store.arn("dataset_group", params["DatasetGroupName"])
    for dataset in params.get("DatasetArns") or []:
        store.get(dataset, "dataset", "dataset")
    with store.lock:
        if arn in store.resources:
            raise exists(f"A dataset group already exists with the arn: {arn}")
        if len(store.of_kind("dataset_group")) >= MAX_DATASET_GROUPS:
            raise ForecastError("LimitExceededException",
                                f"You have reached the maximum of {MAX_DATASET_GROUPS} dataset groups.")
        now = _now()
        store.add(Resource("dataset_group", arn, params["DatasetGroupName"], {
            "DatasetGroupName": params["DatasetGroupName"], "DatasetGroupArn": arn,
            "DatasetArns": list(params.get("DatasetArns") or []), "Domain": params["Domain"],
            "Status": "ACTIVE", "CreationTime": now, "LastModificationTime": now},
            tags={t["Key"]: t["Value"] for t in params.get("Tags") or []}))
    return {"DatasetGroupArn": arn}


@operation("DescribeDatasetGroup")
def describe_dataset_group(store: Store, params: dict[str, Any]) -> dict[str, Any]:
    return store.get(params["DatasetGroupArn"], "dataset_group", "dataset group").describe(_now())


@operation("ListDatasetGroups")
def list_dataset_groups(store: Store, params: dict[str, Any]) -> dict[str, Any]:
    return _listed(store, "dataset_group", params, {},
                   _pick("DatasetGroupArn", "DatasetGroupName", "CreationTime", "LastModificationTime"),
                   "DatasetGroups")


# -- datasets and import jobs ------------------------------------------------------------------
@operation("DescribeDataset")
def describe_dataset(store: Store, params: dict[str, Any]) -> dict[str, Any]:
    return store.get(params["DatasetArn"], "dataset", "dataset").describe(_now())


@operation("ListDatasets")
def list_datasets(store: Store, params: dict[str, Any]) -> dict[str, Any]:
    return _listed(store, "dataset", params, {},
                   _pick("DatasetArn", "DatasetName", "DatasetType", "Domain", "CreationTime",
                         "LastModificationTime"), "Datasets")


@operation("DescribeDatasetImportJob")
def describe_dataset_import_job(store: Store, params: dict[str, Any]) -> dict[str, Any]:
    return store.get(params["DatasetImportJobArn"], "import_job", "dataset import job").describe(_now())


@operation("ListDatasetImportJobs")
def list_dataset_import_jobs(store: Store, params: dict[str, Any]) -> dict[str, Any]:
    return _listed(store, "import_job", params, {"DatasetArn": "DatasetArn", "Status": "Status"},
                   _pick("DatasetImportJobArn", "DatasetImportJobName", "DataSource", "Status", "Message",
                         "CreationTime", "LastModificationTime", "ImportMode"), "DatasetImportJobs")


# -- predictors -------------------------------------------------------------------------------
@operation("ListPredictors")
def list_predictors(store: Store, params: dict[str, Any]) -> dict[str, Any]:
    def summary(row: dict[str, Any]) -> dict[str, Any]:
        dataset_group = (row.get("DataConfig") or row.get("InputDataConfig") or {}).get("DatasetGroupArn")
        return {**_pick("PredictorArn", "PredictorName", "IsAutoPredictor", "ReferencePredictorSummary",
                        "Status", "Message", "CreationTime", "LastModificationTime")(row),
                "DatasetGroupArn": dataset_group}
    return _listed(store, "predictor", params, {"DatasetGroupArn": "_DatasetGroupArn", "Status": "Status"},
                   summary, "Predictors")


@operation("DescribePredictor")
def describe_predictor(store: Store, params: dict[str, Any]) -> dict[str, Any]:
    found = store.get(params["PredictorArn"], "predictor", "predictor")
    if found.fields.get("IsAutoPredictor"):
        raise invalid("This operation is only valid for legacy predictors created with CreatePredictor. "
                      "Use DescribeAutoPredictor for the predictor " + found.arn)
    return found.describe(_now())


@operation("DescribeAutoPredictor")
def describe_auto_predictor(store: Store, params: dict[str, Any]) -> dict[str, Any]:
    found = store.get(params["PredictorArn"], "predictor", "predictor")
    if not found.fields.get("IsAutoPredictor"):
        raise invalid("The predictor " + found.arn + " was created with CreatePredictor. Use DescribePredictor.")
    return found.describe(_now())


@operation("GetAccuracyMetrics")
def get_accuracy_metrics(store: Store, params: dict[str, Any]) -> dict[str, Any]:
    found = store.get(params["PredictorArn"], "predictor", "predictor")
    status = found.describe(_now())["Status"]
    if status != "ACTIVE" or found.series is None or found.model is None:
        raise in_use(f"The predictor {found.arn} is in status {status}; accuracy metrics need an ACTIVE predictor.")
    # numpy and pandas: imported on first use, not at sandbox start
    from opsconsole.sandbox.forecast import exports

    windows = list(exports.accuracy(found.series, found.model))
    algorithm = found.fields.get("AlgorithmArn") or found.fields.get("_AlgorithmArn")
    result: dict[str, Any] = {"PredictorEvaluationResults": [{"AlgorithmArn": algorithm, "TestWindows": windows}],
                              "IsAutoPredictor": bool(found.fields.get("IsAutoPredictor")),
                              "OptimizationMetric": found.fields.get("OptimizationMetric")}
    if found.fields.get("IsAutoPredictor"):
        result["AutoMLOverrideStrategy"] = found.fields.get("AutoMLOverrideStrategy")
    return result


# -- forecasts --------------------------------------------------------------------------------
def _forecast_types(types: list[str] | None) -> tuple[str, ...]:
    if not types:
        return ("0.1", "0.5", "0.9")
    for kind in types:
        if kind != "mean" and not 0.01 <= float(kind) <= 0.99:
            raise invalid(f"The forecast type {kind} is not valid: use quantiles from 0.01 to 0.99 or mean.")
    if len(set(types)) != len(types):
        raise invalid("The forecast types must be unique.")
    return tuple(types)


@operation("CreateForecast")
def create_forecast(store: Store, params: dict[str, Any]) -> dict[str, Any]:
    check_tags(params.get("Tags"))
    predictor = store.get(params["PredictorArn"], "predictor", "predictor")
    described = predictor.describe(_now())
    if described["Status"] != "ACTIVE":
        raise in_use(f"The predictor {predictor.arn} is in status {described['Status']}, not ACTIVE.")
    types = _forecast_types(params.get("ForecastTypes"))
    arn = store.arn("forecast", params["ForecastName"])
    with store.lock:
        if arn in store.resources:
            raise exists(f"A forecast already exists with the arn: {arn}")
        if len(store.of_kind("forecast")) >= MAX_FORECASTS:
            raise ForecastError("LimitExceededException", f"You have reached the maximum of {MAX_FORECASTS} forecasts.")
        now = _now()
        store.add(Resource("forecast", arn, params["ForecastName"], {
            "ForecastArn": arn, "ForecastName": params["ForecastName"], "ForecastTypes": list(types),
            "PredictorArn": predictor.arn, "DatasetGroupArn": described.get("_DatasetGroupArn"),
            "Status": "ACTIVE", "CreationTime": now, "LastModificationTime": now,
            "CreatedUsingAutoPredictor": bool(described.get("IsAutoPredictor")),
            "TimeSeriesSelector": params.get("TimeSeriesSelector")},
            tags={t["Key"]: t["Value"] for t in params.get("Tags") or []},
            series=predictor.series, model=predictor.model, created_by_api=True))
    return {"ForecastArn": arn}


@operation("DescribeForecast")
def describe_forecast(store: Store, params: dict[str, Any]) -> dict[str, Any]:
    return store.get(params["ForecastArn"], "forecast", "forecast").describe(_now())


@operation("ListForecasts")
def list_forecasts(store: Store, params: dict[str, Any]) -> dict[str, Any]:
    return _listed(store, "forecast", params,
                   {"DatasetGroupArn": "DatasetGroupArn", "PredictorArn": "PredictorArn", "Status": "Status"},
                   _pick("ForecastArn", "ForecastName", "PredictorArn", "CreatedUsingAutoPredictor",
                         "DatasetGroupArn", "Status", "Message", "CreationTime", "LastModificationTime"),
                   "Forecasts")


# -- export jobs ------------------------------------------------------------------------------
@operation("DescribeForecastExportJob")
def describe_forecast_export_job(store: Store, params: dict[str, Any]) -> dict[str, Any]:
    return store.get(params["ForecastExportJobArn"], "export_job", "forecast export job").describe(_now())


@operation("ListForecastExportJobs")
def list_forecast_export_jobs(store: Store, params: dict[str, Any]) -> dict[str, Any]:
    return _listed(store, "export_job", params, {"ForecastArn": "ForecastArn", "Status": "Status"},
                   _pick("ForecastExportJobArn", "ForecastExportJobName", "Destination", "Status", "Message",
                         "CreationTime", "LastModificationTime"), "ForecastExportJobs")


@operation("DescribePredictorBacktestExportJob")
def describe_predictor_backtest_export_job(store: Store, params: dict[str, Any]) -> dict[str, Any]:
    return store.get(params["PredictorBacktestExportJobArn"], "backtest_job",
                     "predictor backtest export job").describe(_now())


@operation("ListPredictorBacktestExportJobs")
def list_predictor_backtest_export_jobs(store: Store, params: dict[str, Any]) -> dict[str, Any]:
    return _listed(store, "backtest_job", params, {"PredictorArn": "PredictorArn", "Status": "Status"},
                   _pick("PredictorBacktestExportJobArn", "PredictorBacktestExportJobName", "Destination", "Status",
                         "Message", "CreationTime", "LastModificationTime"), "PredictorBacktestExportJobs")


# -- tags -------------------------------------------------------------------------------------
@operation("TagResource")
def tag_resource(store: Store, params: dict[str, Any]) -> dict[str, Any]:
    store.tag(params["ResourceArn"], params["Tags"])
    return {}


@operation("UntagResource")
def untag_resource(store: Store, params: dict[str, Any]) -> dict[str, Any]:
    store.untag(params["ResourceArn"], params["TagKeys"])
    return {}


@operation("ListTagsForResource")
def list_tags_for_resource(store: Store, params: dict[str, Any]) -> dict[str, Any]:
    found = store.any(params["ResourceArn"])
    with store.lock:
        return {"Tags": [{"Key": k, "Value": v} for k, v in found.tags.items()]}


# -- wiring -----------------------------------------------------------------------------------
def handle(request: ExtensionRequest) -> ExtensionResponse:
    name = request.headers.get("X-Amz-Target", "").split(".", 1)[-1]
    model = forecast_model()
    work = OPERATIONS.get(name)
    if work is None:
        log.warning("sandbox: Forecast %s is not implemented", name)
        return aws_error("NotImplemented", f"opsconsole sandbox: Forecast {name} is not implemented", 501,
                         content_type="application/x-amz-json-1.1")
    try:
        params = model.parameters(name, request.body)
        result = work(stores.store(request.region, request.account_id), params)
    except ForecastError as error:
        return model.error(error)
    return model.answer(name, result)


def reset() -> None:
    stores.reset()
    query.reset()


def register(registry: ExtensionRegistry) -> None:
    """Serve Forecast, forecastquery and the export bucket on the sandbox's endpoint (empty at first)."""
    reset()
    for name in forecast_model().operations:
        registry.add_json_target(f"{TARGET_PREFIX}.{name}", handle)
    query.register(registry)
    objects.register(registry)
