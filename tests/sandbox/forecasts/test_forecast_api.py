"""Amazon Forecast in the sandbox: answer shapes, refusals, paging, tags, against botocore's model."""

from __future__ import annotations

import botocore.loaders
import pytest
from botocore.exceptions import ClientError

from opsconsole.sandbox.scenario import catalog
from opsconsole.sandbox.scenario.forecasts import seed as forecasts_seed

MODEL = botocore.loaders.Loader().load_service_model("forecast", "service-2")


def members(shape: str) -> set[str]:
    return set(MODEL["shapes"][shape]["members"])


def code(error: pytest.ExceptionInfo) -> str:
    return error.value.response["Error"]["Code"]


def all_pages(forecast, operation: str, key: str, **params) -> list[dict]:
    pages = forecast.get_paginator(operation).paginate(**params)
    return [item for page in pages for item in page[key]]


def test_each_tenant_has_a_dataset_group_with_a_target_dataset_and_an_import_job(forecast, seeded):
    groups = {g["DatasetGroupName"]: g for g in all_pages(forecast, "list_dataset_groups", "DatasetGroups")}
    assert set(members("DatasetGroupSummary")) >= set().union(*(g.keys() for g in groups.values()))
    for tenant in catalog.TENANTS:
        mine = seeded["tenants"][tenant]
        group = forecast.describe_dataset_group(DatasetGroupArn=mine["dataset_group_arn"])
        assert group["Status"] == "ACTIVE" and group["Domain"] in MODEL["shapes"]["Domain"]["enum"]
        assert group["DatasetArns"] == [mine["dataset_arn"]]
        dataset = forecast.describe_dataset(DatasetArn=mine["dataset_arn"])
        assert dataset["DatasetType"] == "TARGET_TIME_SERIES" and dataset["DataFrequency"] == "D"
        dimension = [mine["dimension"]] if mine["dimension"] else []
        assert [a["AttributeName"] for a in dataset["Schema"]["Attributes"]] == [
            "item_id", "timestamp", "target_value", *dimension]
        jobs = forecast.list_dataset_import_jobs(
            Filters=[{"Key": "DatasetArn", "Condition": "IS", "Value": mine["dataset_arn"]}])["DatasetImportJobs"]
        assert [j["DatasetImportJobArn"] for j in jobs] == [mine["import_job_arn"]]
        job = forecast.describe_dataset_import_job(DatasetImportJobArn=mine["import_job_arn"])
        assert job["DataSource"]["S3Config"]["Path"] == mine["actuals_path"]
        assert job["DataSource"]["S3Config"]["Path"].startswith(f"s3://{catalog.FORECAST_BUCKET}/{tenant}/")
        assert job["DataSource"]["S3Config"]["KMSKeyArn"] == catalog.tenant_kms_key(tenant)
        assert set(job) - {"ResponseMetadata"} <= members("DescribeDatasetImportJobResponse")


def test_list_pages_with_max_results_and_refuses_a_foreign_token(forecast):
    first = forecast.list_dataset_groups(MaxResults=1)
    assert len(first["DatasetGroups"]) == 1 and first["NextToken"]
    names = [g["DatasetGroupName"] for g in all_pages(forecast, "list_dataset_groups", "DatasetGroups",
                                                      PaginationConfig={"PageSize": 1})]
    assert len(names) == len(set(names)) >= 3
    with pytest.raises(ClientError) as error:
        forecast.list_predictors(NextToken=first["NextToken"])  # a token of another request
    assert code(error) == "InvalidNextTokenException"


def test_list_predictors_filters_on_dataset_group_and_status(forecast, seeded):
    contact = seeded["tenants"][catalog.TENANT_CONTACT]
    of_group = forecast.list_predictors(
        Filters=[{"Key": "DatasetGroupArn", "Condition": "IS", "Value": contact["dataset_group_arn"]}])["Predictors"]
    assert {p["PredictorArn"] for p in of_group} == set(contact["predictor_arns"].values())
    assert all(set(p) <= members("PredictorSummary") for p in of_group)
    failed = forecast.list_predictors(Filters=[{"Key": "Status", "Condition": "IS_NOT", "Value": "ACTIVE"}])
    assert [(p["PredictorName"], p["Status"]) for p in failed["Predictors"]] == [
        ("contact_center_volume_prophet", "CREATE_FAILED")]
    assert failed["Predictors"][0]["Message"]
    with pytest.raises(ClientError) as error:
        forecast.list_predictors(Filters=[{"Key": "PredictorName", "Condition": "IS", "Value": "x"}])
    assert code(error) == "InvalidInputException"


def test_requests_breaking_the_model_are_refused_with_invalid_input(raw):
    client = raw("forecast")
    with pytest.raises(ClientError) as error:
        client.list_predictors(Filters=[{"Key": "Status", "Condition": "MAYBE", "Value": "ACTIVE"}])
    assert code(error) == "InvalidInputException" and "enum value set: [IS, IS_NOT]" in str(error.value)
    with pytest.raises(ClientError) as error:
        client.describe_predictor(PredictorArn="not-an-arn")
    assert code(error) == "InvalidInputException" and "regular expression pattern" in str(error.value)
    with pytest.raises(ClientError) as error:
        client.list_forecasts(MaxResults=101)
    assert code(error) == "InvalidInputException"
    with pytest.raises(ClientError) as error:
        client.create_dataset_group(DatasetGroupName="1starts_with_a_digit", Domain="RETAIL")
    assert code(error) == "InvalidInputException"
    with pytest.raises(ClientError) as error:
        client.create_dataset_group(DatasetGroupName="no_domain")
    assert code(error) == "InvalidInputException" and "Member must not be null" in str(error.value)


def test_auto_and_legacy_predictors_are_described_by_their_own_operation(forecast, seeded):
    retail = seeded["tenants"][catalog.TENANT_RETAIL]["predictor_arns"]
    auto = forecast.describe_auto_predictor(PredictorArn=retail["retail_demand_auto"])
    assert auto["ForecastHorizon"] == catalog.FORECAST_HORIZON_DAYS and auto["ForecastFrequency"] == "D"
    assert auto["ForecastTypes"] == ["0.1", "0.5", "0.9", "mean"]
    assert set(auto) - {"ResponseMetadata"} <= members("DescribeAutoPredictorResponse")
    legacy = forecast.describe_predictor(PredictorArn=retail["retail_demand_deepar"])
    assert legacy["AlgorithmArn"] == "arn:aws:forecast:::algorithm/Deep_AR_Plus"
    assert legacy["IsAutoPredictor"] is False and legacy["EvaluationParameters"]["NumberOfBacktestWindows"] == 2
    for wrong, arn in ((forecast.describe_predictor, retail["retail_demand_auto"]),
                       (forecast.describe_auto_predictor, retail["retail_demand_deepar"])):
        with pytest.raises(ClientError) as error:
            wrong(PredictorArn=arn)
        assert code(error) == "InvalidInputException"
    with pytest.raises(ClientError) as error:
        forecast.describe_predictor(PredictorArn=retail["retail_demand_deepar"] + "_gone")
    assert code(error) == "ResourceNotFoundException"


def test_accuracy_metrics_have_a_summary_and_one_window_per_backtest(forecast, seeded):
    retail = seeded["tenants"][catalog.TENANT_RETAIL]["predictor_arns"]
    answer = forecast.get_accuracy_metrics(PredictorArn=retail["retail_demand_deepar"])
    assert answer["IsAutoPredictor"] is False
    (result,) = answer["PredictorEvaluationResults"]
    assert result["AlgorithmArn"] == "arn:aws:forecast:::algorithm/Deep_AR_Plus"
    kinds = [w["EvaluationType"] for w in result["TestWindows"]]
    assert kinds == ["SUMMARY", "COMPUTED", "COMPUTED"]
    summary, *computed = result["TestWindows"]
    assert computed[0]["TestWindowEnd"] == computed[1]["TestWindowStart"]
    assert summary["ItemCount"] == sum(w["ItemCount"] for w in computed)
    for window in result["TestWindows"]:
        metrics = window["Metrics"]
        assert set(metrics) <= members("Metrics")
        losses = {loss["Quantile"]: loss["LossValue"] for loss in metrics["WeightedQuantileLosses"]}
        errors = {e["ForecastType"]: e for e in metrics["ErrorMetrics"]}
        assert set(losses) == {0.1, 0.5, 0.9} and set(errors) == {"0.1", "0.5", "0.9"}
        assert losses[0.5] == pytest.approx(errors["0.5"]["WAPE"], rel=1e-12)  # wQL[0.5] = WAPE
        assert metrics["AverageWeightedQuantileLoss"] == pytest.approx(sum(losses.values()) / 3)
        assert all(0 < e["WAPE"] < 1 and e["RMSE"] > 0 and e["MASE"] > 0 and e["MAPE"] > 0 for e in errors.values())
    auto = forecast.get_accuracy_metrics(PredictorArn=retail["retail_demand_auto"])
    assert auto["IsAutoPredictor"] is True and auto["OptimizationMetric"] == "AverageWeightedQuantileLoss"
    assert "mean" in {e["ForecastType"] for e in auto["PredictorEvaluationResults"][0]["TestWindows"][0]["Metrics"]["ErrorMetrics"]}


def test_the_auto_predictor_beats_the_model_that_is_badly_wrong(forecast, seeded):
    retail = seeded["tenants"][catalog.TENANT_RETAIL]["predictor_arns"]

    def wape(arn: str) -> float:
        windows = forecast.get_accuracy_metrics(PredictorArn=arn)["PredictorEvaluationResults"][0]["TestWindows"]
        return next(e["WAPE"] for e in windows[0]["Metrics"]["ErrorMetrics"] if e["ForecastType"] == "0.5")
    assert wape(retail["retail_demand_auto"]) < wape(retail["retail_demand_deepar"])


def test_accuracy_of_a_failed_predictor_is_refused(forecast, seeded):
    failed = seeded["tenants"][catalog.TENANT_CONTACT]["predictor_arns"]["contact_center_volume_prophet"]
    with pytest.raises(ClientError) as error:
        forecast.get_accuracy_metrics(PredictorArn=failed)
    assert code(error) == "ResourceInUseException"


def test_create_forecast_goes_pending_then_active_and_refuses_duplicates(forecast, seeded, wait_for):
    tenant = catalog.TENANT_FINANCE
    predictor = seeded["tenants"][tenant]["predictor_arns"]["finance_cashflow_deepar"]
    arn = forecast.create_forecast(ForecastName="finance_cashflow_deepar_adhoc", PredictorArn=predictor,
                                   ForecastTypes=["0.05", "0.5", "0.95"],
                                   Tags=[{"Key": "tenant", "Value": tenant}])["ForecastArn"]
    first = forecast.describe_forecast(ForecastArn=arn)
    assert first["Status"] in ("CREATE_PENDING", "CREATE_IN_PROGRESS")
    assert first["DatasetGroupArn"] == seeded["tenants"][tenant]["dataset_group_arn"]
    wait_for(lambda: forecast.describe_forecast(ForecastArn=arn)["Status"] == "ACTIVE", timeout=10,
             what="the new forecast to become ACTIVE")
    listed = forecast.list_forecasts(Filters=[{"Key": "PredictorArn", "Condition": "IS", "Value": predictor}])
    assert arn in {f["ForecastArn"] for f in listed["Forecasts"]}
    assert forecast.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "tenant", "Value": tenant}]
    with pytest.raises(ClientError) as error:
        forecast.create_forecast(ForecastName="finance_cashflow_deepar_adhoc", PredictorArn=predictor)
    assert code(error) == "ResourceAlreadyExistsException"
    failed = seeded["tenants"][catalog.TENANT_CONTACT]["predictor_arns"]["contact_center_volume_prophet"]
    with pytest.raises(ClientError) as error:
        forecast.create_forecast(ForecastName="from_a_failed_predictor", PredictorArn=failed)
    assert code(error) == "ResourceInUseException"
    with pytest.raises(ClientError) as error:
        forecast.create_forecast(ForecastName="reserved_tag", PredictorArn=predictor,
                                 Tags=[{"Key": "aws:owner", "Value": "x"}])
    assert code(error) == "InvalidInputException"


def test_create_dataset_group_refuses_an_existing_name(forecast, seeded):
    with pytest.raises(ClientError) as error:
        forecast.create_dataset_group(DatasetGroupName="retail_demand", Domain="RETAIL")
    assert code(error) == "ResourceAlreadyExistsException"


def test_tags_can_be_added_and_removed_within_the_limit(forecast, seeded):
    arn = seeded["tenants"][catalog.TENANT_RETAIL]["forecast_arns"]["retail_demand_cnnqr"]
    forecast.tag_resource(ResourceArn=arn, Tags=[{"Key": "owner", "Value": "demand-planning"}])
    tags = {t["Key"]: t["Value"] for t in forecast.list_tags_for_resource(ResourceArn=arn)["Tags"]}
    assert tags == {"tenant": catalog.TENANT_RETAIL, "owner": "demand-planning"}
    forecast.untag_resource(ResourceArn=arn, TagKeys=["owner"])
    assert forecast.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "tenant", "Value": catalog.TENANT_RETAIL}]
    with pytest.raises(ClientError) as error:
        forecast.tag_resource(ResourceArn=arn, Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(50)])
    assert code(error) == "LimitExceededException"
    with pytest.raises(ClientError) as error:
        forecast.list_tags_for_resource(ResourceArn=arn + "_gone")
    assert code(error) == "ResourceNotFoundException"


def test_every_forecast_resource_carries_its_tenant_tag(forecast, seeded):
    """A console filters by the tenant tag: each listed resource's tag names the tenant it belongs to."""
    lists = [("list_dataset_groups", "DatasetGroups", "DatasetGroupArn"), ("list_datasets", "Datasets", "DatasetArn"),
             ("list_dataset_import_jobs", "DatasetImportJobs", "DatasetImportJobArn"),
             ("list_predictors", "Predictors", "PredictorArn"), ("list_forecasts", "Forecasts", "ForecastArn"),
             ("list_forecast_export_jobs", "ForecastExportJobs", "ForecastExportJobArn"),
             ("list_predictor_backtest_export_jobs", "PredictorBacktestExportJobs", "PredictorBacktestExportJobArn")]
    by_tenant: dict[str, set[str]] = {}
    for operation, key, arn_key in lists:
        for item in all_pages(forecast, operation, key):
            tags = {t["Key"]: t["Value"] for t in forecast.list_tags_for_resource(ResourceArn=item[arn_key])["Tags"]}
            assert tags.get("tenant") in catalog.TENANTS, item[arn_key]
            by_tenant.setdefault(tags["tenant"], set()).add(item[arn_key])
    for tenant in catalog.TENANTS:
        mine = seeded["tenants"][tenant]
        expected = {mine["dataset_group_arn"], mine["dataset_arn"], mine["import_job_arn"],
                    *mine["predictor_arns"].values(), *mine["forecast_arns"].values()}
        assert expected <= by_tenant[tenant]
        others = set().union(*(by_tenant[t] for t in catalog.TENANTS if t != tenant))
        assert not expected & others


def test_export_jobs_name_their_forecast_and_the_tenants_prefix(forecast, seeded):
    for tenant in catalog.TENANTS:
        mine = seeded["tenants"][tenant]
        for predictor, forecast_arn in mine["forecast_arns"].items():
            jobs = forecast.list_forecast_export_jobs(
                Filters=[{"Key": "ForecastArn", "Condition": "IS", "Value": forecast_arn}])["ForecastExportJobs"]
            active = [j for j in jobs if j["Status"] == "ACTIVE"]
            assert [j["Destination"]["S3Config"]["Path"] for j in active] == [mine["export_paths"][predictor]]
            job = forecast.describe_forecast_export_job(ForecastExportJobArn=active[0]["ForecastExportJobArn"])
            # fastparquet is installed with the console: the export the scenario writes as Parquet is Parquet
            assert job["ForecastArn"] == forecast_arn
            assert job["Format"] == ("PARQUET" if predictor in forecasts_seed.PARQUET_EXPORTS else "CSV")
            assert job["Destination"]["S3Config"]["Path"].startswith(f"s3://{catalog.FORECAST_BUCKET}/{tenant}/")
        for predictor, path in mine["backtest_paths"].items():
            jobs = forecast.list_predictor_backtest_export_jobs(Filters=[
                {"Key": "PredictorArn", "Condition": "IS", "Value": mine["predictor_arns"][predictor]}])
            (job,) = jobs["PredictorBacktestExportJobs"]
            assert job["Destination"]["S3Config"]["Path"] == path and job["Status"] == "ACTIVE"
    running = forecast.list_forecast_export_jobs(
        Filters=[{"Key": "Status", "Condition": "IS", "Value": "CREATE_IN_PROGRESS"}])["ForecastExportJobs"]
    assert len(running) == 1 and "/contact-center/" in running[0]["Destination"]["S3Config"]["Path"]
