"""The export files in S3 (Forecast's layout), their agreement with GetAccuracyMetrics and QueryForecast,
S3's answers for the lazy bucket, and QueryForecast's refusals and throttling."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pytest
from botocore.exceptions import ClientError

from opsconsole.sandbox.forecast import query as forecast_query
from opsconsole.sandbox.scenario import catalog

STAMP = r"\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ"


def code(error: pytest.ExceptionInfo) -> str:
    return error.value.response["Error"]["Code"]


@pytest.fixture(scope="module")
def retail(seeded):
    return seeded["tenants"][catalog.TENANT_RETAIL]


@pytest.fixture(scope="module")
def auto_export(s3, retail, files):
    return files.read_csv_parts(s3, retail["export_paths"]["retail_demand_auto"])


def test_a_forecast_export_is_many_parts_named_as_forecast_names_them(auto_export, retail, forecast):
    keys, frame, headers = auto_export
    job = forecast.list_forecast_export_jobs(Filters=[
        {"Key": "ForecastArn", "Condition": "IS", "Value": retail["forecast_arns"]["retail_demand_auto"]}],
    )["ForecastExportJobs"][0]["ForecastExportJobName"]
    assert len(keys) == 20
    for key in keys:
        name = key.rsplit("/", 1)[1]
        assert re.fullmatch(rf"{job}_{STAMP}_part\d+\.csv", name), name
    assert set(headers) == {"item_id,date,p10,p50,p90,mean"}
    # the parts concatenate to every item, each with the whole horizon
    assert frame["item_id"].nunique() == catalog.FORECAST_ITEMS_PER_TENANT == retail["items"]
    assert (frame.groupby("item_id").size() == catalog.FORECAST_HORIZON_DAYS).all()
    assert ((frame["p10"] <= frame["p50"]) & (frame["p50"] <= frame["p90"])).all()
    assert frame["date"].str.fullmatch(r"\d{4}-\d\d-\d\dT00:00:00Z").all()


def test_a_legacy_predictors_export_has_only_its_quantiles(s3, retail, files):
    bucket, _ = files.split(retail["export_paths"]["retail_demand_deepar"])
    key = files.list_keys(s3, retail["export_paths"]["retail_demand_deepar"])[0]["Key"]
    head = s3.get_object(Bucket=bucket, Key=key, Range="bytes=0-40")["Body"].read().split(b"\n")[0]
    assert head == b"item_id,date,p10,p50,p90"


def test_actuals_are_at_the_import_jobs_path_and_end_before_the_forecast(s3, retail, auto_export, sandbox, files):
    keys, actuals, headers = files.read_csv_parts(s3, retail["actuals_path"])
    assert len(keys) > 1 and set(headers) == {"item_id,timestamp,target_value"}
    assert actuals["item_id"].nunique() == retail["items"]
    last = dt.date.fromisoformat(actuals["timestamp"].max())
    first_forecast = dt.date.fromisoformat(auto_export[1]["date"].min()[:10])
    assert first_forecast == last + dt.timedelta(days=1)
    history = actuals.groupby("item_id").size()
    assert history.max() == catalog.FORECAST_HISTORY_DAYS
    assert (history < 91).sum() > 100  # new items have a short history
    assert (actuals["target_value"] == 0).mean() > 0.01  # zeros exist
    weekday = actuals.assign(day=actuals["timestamp"].map(lambda d: dt.date.fromisoformat(d).weekday()))
    by_day = weekday.groupby("day")["target_value"].mean()
    assert by_day[5] > by_day[1] * 1.15  # retail sells more on Saturdays


def test_backtest_export_has_two_folders_and_agrees_with_get_accuracy_metrics(s3, forecast, retail, files):
    path = retail["backtest_paths"]["retail_demand_deepar"]
    bucket, prefix = files.split(path)
    folders = s3.list_objects_v2(Bucket=bucket, Prefix=prefix, Delimiter="/")["CommonPrefixes"]
    assert sorted(p["Prefix"][len(prefix):] for p in folders) == ["accuracy-metrics-values/", "forecasted-values/"]
    keys, values, headers = files.read_csv_parts(s3, path + "forecasted-values/")
    assert len(keys) == 20 and set(headers) == {
        "item_id,timestamp,target_value,backtestwindow_start_time,backtestwindow_end_time,p10,p50,p90"}
    answer = forecast.get_accuracy_metrics(PredictorArn=retail["predictor_arns"]["retail_demand_deepar"])
    computed = [w for w in answer["PredictorEvaluationResults"][0]["TestWindows"] if w["EvaluationType"] == "COMPUTED"]
    assert values["backtestwindow_start_time"].nunique() == len(computed) == 2
    for window in computed:
        start = window["TestWindowStart"].astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        rows = values[values["backtestwindow_start_time"] == start]
        assert len(rows) == window["ItemCount"]
        y = rows["target_value"].to_numpy()
        expected = {e["ForecastType"]: e for e in window["Metrics"]["ErrorMetrics"]}
        losses = {w["Quantile"]: w["LossValue"] for w in window["Metrics"]["WeightedQuantileLosses"]}
        for tau, column in ((0.1, "p10"), (0.5, "p50"), (0.9, "p90")):
            q = rows[column].to_numpy()
            wql = 2 * np.maximum(tau * (y - q), (tau - 1) * (y - q)).sum() / np.abs(y).sum()
            assert wql == pytest.approx(losses[tau], rel=1e-9)
            wape = np.abs(y - q).sum() / np.abs(y).sum()
            assert wape == pytest.approx(expected[str(tau)]["WAPE"], rel=1e-9)
            rmse = np.sqrt(((y - q) ** 2).mean())
            assert rmse == pytest.approx(expected[str(tau)]["RMSE"], rel=1e-9)


def test_item_level_accuracy_values_rank_the_badly_wrong_items_worst(s3, retail, files):
    path = retail["backtest_paths"]["retail_demand_deepar"] + "accuracy-metrics-values/"
    _, metrics, headers = files.read_csv_parts(s3, path)
    assert headers[0].startswith("item_id,backtest_window,backtestwindow_start_time,backtestwindow_end_time,wQL[0.1]")
    worst = metrics.groupby("item_id")["WAPE"].mean().sort_values(ascending=False)
    wrong = {series["item_id"] for series in retail["wrong_items"]["retail_demand_deepar"]}
    assert len(wrong) == 40
    assert len(wrong & set(worst.index[:60])) >= 35


def test_query_forecast_equals_the_export_for_an_item(fquery, retail, auto_export, wait_for):
    frame = auto_export[1]
    item = frame["item_id"].iloc[4321]
    answer = _when_admitted(wait_for, lambda: fquery.query_forecast(
        ForecastArn=retail["forecast_arns"]["retail_demand_auto"], Filters={"item_id": item}))
    predictions = answer["Forecast"]["Predictions"]
    assert set(predictions) == {"p10", "p50", "p90", "mean"}
    rows = frame[frame["item_id"] == item]
    for column, points in predictions.items():
        assert [p["Timestamp"] for p in points] == [d.removesuffix("Z") for d in rows["date"]]
        assert [p["Value"] for p in points] == rows[column].tolist()
    dates = [p["Timestamp"] for p in predictions["p50"]]
    bounded = _when_admitted(wait_for, lambda: fquery.query_forecast(
        ForecastArn=retail["forecast_arns"]["retail_demand_auto"], Filters={"item_id": item},
        StartDate=dates[3], EndDate=dates[9]))
    assert [p["Timestamp"] for p in bounded["Forecast"]["Predictions"]["p90"]] == dates[3:10]


def test_query_forecast_refusals(fquery, raw, retail, seeded, forecast, wait_for):
    arn = retail["forecast_arns"]["retail_demand_auto"]
    cases = [
        ({"ForecastArn": arn, "Filters": {"item_id": "sku_99999"}}, "ResourceNotFoundException"),
        ({"ForecastArn": arn + "_gone", "Filters": {"item_id": "sku_00001"}}, "ResourceNotFoundException"),
        ({"ForecastArn": arn, "Filters": {"store": "12"}}, "InvalidInputException"),
        ({"ForecastArn": arn, "Filters": {"item_id": "sku_00001"}, "StartDate": "2026-01-01"}, "InvalidInputException"),
        ({"ForecastArn": arn, "Filters": {"item_id": "sku_00001"}, "NextToken": "bm90IGEgdG9rZW4="},
         "InvalidNextTokenException"),
    ]
    for params, expected in cases:
        with pytest.raises(ClientError) as error:
            _when_admitted(wait_for, lambda: fquery.query_forecast(**params))
        assert code(error) == expected, params
    with pytest.raises(ClientError) as error:  # the model allows at most 50 filters
        raw("forecastquery").query_forecast(ForecastArn=arn, Filters={f"k{i}": "v" for i in range(51)})
    assert code(error) == "InvalidInputException"
    predictor = seeded["tenants"][catalog.TENANT_CONTACT]["predictor_arns"]["contact_center_volume_deepar"]
    fresh = forecast.create_forecast(ForecastName="contact_center_volume_deepar_query", PredictorArn=predictor,
                                     Tags=[{"Key": "tenant", "Value": catalog.TENANT_CONTACT}])["ForecastArn"]
    if forecast.describe_forecast(ForecastArn=fresh)["Status"] != "ACTIVE":
        with pytest.raises(ClientError) as error:
            _when_admitted(wait_for, lambda: fquery.query_forecast(ForecastArn=fresh, Filters={
                "item_id": "queue_00001", "location": "dublin"}))
        assert code(error) == "ResourceInUseException"
    wait_for(lambda: forecast.describe_forecast(ForecastArn=fresh)["Status"] == "ACTIVE", timeout=10)
    answer = _when_admitted(wait_for, lambda: fquery.query_forecast(ForecastArn=fresh, Filters={
        "item_id": "queue_00001", "location": "dublin"}))
    assert set(answer["Forecast"]["Predictions"]) == {"p10", "p50", "p90"}


def _when_admitted(wait_for, call: Callable[[], Any]) -> Any:
    """``call()``'s answer, or its error, once the query rate admits it.

    LimitExceededException only says the bucket is empty just now (the throttling test, or the call
    before, spent it): a probe that passes leaves no token for the call after it, so the call itself is
    what is retried.
    """
    outcome: list[tuple[bool, Any]] = []

    def attempt() -> bool:
        try:
            outcome.append((True, call()))
        except ClientError as error:
            if error.response["Error"]["Code"] == "LimitExceededException":
                return False
            outcome.append((False, error))
        return True

    wait_for(attempt, what="the query rate to admit the call")
    answered, value = outcome[0]
    if not answered:
        raise value
    return value


def _not_throttled(fquery, arn: str, item: str | dict = "sku_00000") -> bool:
    try:
        fquery.query_forecast(ForecastArn=arn, Filters=item if isinstance(item, dict) else {"item_id": item}, StartDate="2000-01-01T00:00:00",
                              EndDate="2000-01-01T00:00:00")
    except ClientError as error:
        if error.response["Error"]["Code"] == "LimitExceededException":
            return False
        raise
    return True


def test_query_forecast_throttles_beyond_its_rate(fquery, retail, sandbox, wait_for):
    arn = retail["forecast_arns"]["retail_demand_cnnqr"]
    before = forecast_query.throttled(sandbox.region)

    def one(i: int) -> str:
        try:
            fquery.query_forecast(ForecastArn=arn, Filters={"item_id": f"sku_{i:05d}"})
            return "ok"
        except ClientError as error:
            return error.response["Error"]["Code"]
    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(one, range(120)))
    elapsed = time.monotonic() - began
    assert set(outcomes) == {"ok", "LimitExceededException"}
    # a full bucket of BURST calls, then RATE a second: never more
    assert outcomes.count("ok") <= forecast_query.BURST + forecast_query.RATE * elapsed + 1
    # every refusal is counted (an SDK retrying a throttled call is refused, and counted, again)
    assert forecast_query.throttled(sandbox.region) - before >= outcomes.count("LimitExceededException")
    wait_for(lambda: _not_throttled(fquery, arn), what="the query rate to recover")


def test_s3_answers_for_the_export_bucket(s3, retail, files):
    bucket, prefix = files.split(retail["export_paths"]["retail_demand_cnnqr"])
    assert catalog.FORECAST_BUCKET in {b["Name"] for b in s3.list_buckets()["Buckets"]}
    assert s3.get_bucket_location(Bucket=bucket)["LocationConstraint"] == catalog.REGION
    every = files.list_keys(s3, f"s3://{bucket}/{prefix}")
    paged = files.list_keys(s3, f"s3://{bucket}/{prefix}", PaginationConfig={"PageSize": 7})
    assert [o["Key"] for o in paged] == [o["Key"] for o in every] and len(every) == 20
    key, size = every[3]["Key"], every[3]["Size"]
    head = s3.head_object(Bucket=bucket, Key=key)
    assert head["ContentLength"] == size and head["ETag"] == every[3]["ETag"]
    whole = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    assert len(whole) == size
    tail = s3.get_object(Bucket=bucket, Key=key, Range=f"bytes={size - 100}-")
    assert tail["ContentRange"] == f"bytes {size - 100}-{size - 1}/{size}" and tail["Body"].read() == whole[-100:]
    with pytest.raises(ClientError) as error:
        s3.get_object(Bucket=bucket, Key=prefix + "missing.csv")
    assert code(error) == "NoSuchKey"
    with pytest.raises(ClientError) as error:
        s3.head_object(Bucket=bucket, Key=prefix + "missing.csv")
    assert code(error) == "404"
    with pytest.raises(ClientError) as error:
        s3.get_object(Bucket=bucket, Key=key, Range=f"bytes={size + 10}-")
    assert code(error) == "InvalidRange"
    with pytest.raises(ClientError) as error:
        s3.put_object(Bucket=bucket, Key=prefix + "mine.csv", Body=b"x")
    assert code(error) == "AccessDenied"
    with pytest.raises(ClientError) as error:
        s3.list_objects_v2(Bucket="no-such-forecast-bucket")
    assert code(error) == "NoSuchBucket"


def test_each_tenants_files_are_under_its_own_prefix(s3, seeded):
    top = s3.list_objects_v2(Bucket=catalog.FORECAST_BUCKET, Delimiter="/")
    assert sorted(p["Prefix"] for p in top["CommonPrefixes"]) == sorted(f"{t}/" for t in catalog.TENANTS)
    for tenant in catalog.TENANTS:
        mine = seeded["tenants"][tenant]
        paths = [mine["actuals_path"], *mine["export_paths"].values(), *mine["backtest_paths"].values()]
        assert all(p.startswith(f"s3://{catalog.FORECAST_BUCKET}/{tenant}/") for p in paths)


def test_the_export_format_matches_its_files(s3, forecast, seeded, files, fquery, wait_for):
    """Finance's AutoPredictor export is Parquet where pandas can write it (pyarrow or fastparquet), else CSV;
    the job's Format, the file names and the content agree either way."""
    import importlib.util
    import io

    import pandas as pd

    finance = seeded["tenants"][catalog.TENANT_FINANCE]
    arn = finance["forecast_arns"]["finance_cashflow_auto"]
    (job,) = forecast.list_forecast_export_jobs(
        Filters=[{"Key": "ForecastArn", "Condition": "IS", "Value": arn}])["ForecastExportJobs"]
    described = forecast.describe_forecast_export_job(ForecastExportJobArn=job["ForecastExportJobArn"])
    parquet = any(importlib.util.find_spec(name) for name in ("pyarrow", "fastparquet"))
    assert described["Format"] == ("PARQUET" if parquet else "CSV")
    keys = [o["Key"] for o in files.list_keys(s3, finance["export_paths"]["finance_cashflow_auto"])]
    assert len(keys) == 20 and all(k.endswith(".parquet" if parquet else ".csv") for k in keys)
    body = s3.get_object(Bucket=catalog.FORECAST_BUCKET, Key=keys[0])["Body"].read()
    frame = pd.read_parquet(io.BytesIO(body)) if parquet else pd.read_csv(io.BytesIO(body))
    assert list(frame.columns) == ["item_id", "date", "p10", "p50", "p90", "mean"]
    item = frame["item_id"].iloc[0]
    answer = _when_admitted(wait_for, lambda: fquery.query_forecast(ForecastArn=arn, Filters={"item_id": item}))
    answer = answer["Forecast"]["Predictions"]
    assert [p["Value"] for p in answer["p50"]] == frame[frame["item_id"] == item]["p50"].tolist()


def test_contact_centers_forecast_dimension_is_in_its_files_and_queries(s3, fquery, forecast, seeded, files, wait_for):
    contact = seeded["tenants"][catalog.TENANT_CONTACT]
    assert contact["dimension"] == "location" and len(contact["dimension_values"]) == 4
    predictor = forecast.describe_predictor(PredictorArn=contact["predictor_arns"]["contact_center_volume_deepar"])
    assert predictor["FeaturizationConfig"]["ForecastDimensions"] == ["location"]
    _, frame, headers = files.read_csv_parts(s3, contact["export_paths"]["contact_center_volume_deepar"])
    assert set(headers) == {"item_id,location,date,p10,p50,p90"}
    assert len(frame.groupby(["item_id", "location"])) == contact["items"] == 5000
    assert frame["item_id"].nunique() == 5000 // 4
    bucket, _ = files.split(contact["actuals_path"])
    first = files.list_keys(s3, contact["actuals_path"])[0]["Key"]
    head = s3.get_object(Bucket=bucket, Key=first, Range="bytes=0-60")["Body"].read().split(b"\n")[0]
    assert head == b"item_id,timestamp,target_value,location"
    arn = contact["forecast_arns"]["contact_center_volume_deepar"]
    wrong = contact["wrong_items"]["contact_center_volume_deepar"][0]
    answer = _when_admitted(wait_for, lambda: fquery.query_forecast(ForecastArn=arn, Filters=wrong))
    answer = answer["Forecast"]["Predictions"]
    rows = frame[(frame["item_id"] == wrong["item_id"]) & (frame["location"] == wrong["location"])]
    assert [p["Value"] for p in answer["p90"]] == rows["p90"].tolist()
    with pytest.raises(ClientError) as error:
        _when_admitted(wait_for, lambda: fquery.query_forecast(ForecastArn=arn, Filters={"item_id": wrong["item_id"]}))
    assert code(error) == "InvalidInputException"
    with pytest.raises(ClientError) as error:
        _when_admitted(wait_for, lambda: fquery.query_forecast(ForecastArn=arn, Filters={**wrong, "location": "oslo"}))
    assert code(error) == "ResourceNotFoundException"


def test_s3_v1_listing_and_conditional_reads(s3, retail, files):
    bucket, prefix = files.split(retail["backtest_paths"]["retail_demand_cnnqr"])
    first = s3.list_objects(Bucket=bucket, Prefix=prefix, MaxKeys=15)
    assert first["IsTruncated"] and len(first["Contents"]) == 15
    rest = s3.list_objects(Bucket=bucket, Prefix=prefix, Marker=first["Contents"][-1]["Key"])
    keys = [o["Key"] for o in first["Contents"] + rest["Contents"]]
    assert len(keys) == len(set(keys)) == 40 and keys == sorted(keys)  # 20 parts in each of the two folders
    head = s3.head_object(Bucket=bucket, Key=keys[0])
    with pytest.raises(ClientError) as error:
        s3.get_object(Bucket=bucket, Key=keys[0], IfNoneMatch=head["ETag"])
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 304
    with pytest.raises(ClientError) as error:
        s3.get_object(Bucket=bucket, Key=keys[0], IfMatch='"0123"')
    assert code(error) == "PreconditionFailed"
    last = s3.get_object(Bucket=bucket, Key=keys[0], Range="bytes=-64")
    assert last["ContentLength"] == 64 and last["ContentRange"].endswith(f"/{head['ContentLength']}")
