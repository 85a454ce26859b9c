"""One tenant's actuals, forecasts and backtests loaded from S3 (S3's own API model, through Stubber) and read per item."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from forecast_exports import drain
from stubbed_aws import StubbedClients, body

from opsconsole.core.forecasts.catalogue import Catalogue, DatasetGroup, ExportJob, ForecastResource, Predictor
from opsconsole.core.forecasts.exports import ExportCache, ExportTable, ExportUnreadable
from opsconsole.core.forecasts.items import (
    ActualsObjects,
    ModelTables,
    TenantData,
    export_source,
    load_tenant_data,
    read_actuals_csv,
)
from opsconsole.core.forecasts.tenancy import TenantRefused

BUCKET = "forecast-data"
STAMP = "2026-11-01T06-00-00Z"
CREATED = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)

ACTUALS_CSV = b"007,2026-10-01,10\n007,2026-10-02,12\nb,2026-10-01,3\n"
FORECAST_CSV = (b"item_id,date,p10,p50,p90\n007,2026-10-03T00:00:00Z,8,11,14\n007,2026-10-04T00:00:00Z,9,12,15\n"
                b"c,2026-10-03T00:00:00Z,1,2,3\n")
BACKTEST_CSV = (b"item_id,timestamp,target_value,backtestwindow_start_time,backtestwindow_end_time,p10,p50,p90\n"
                b"007,2026-10-02T00:00:00Z,12,2026-10-02T00:00:00Z,2026-10-03T00:00:00Z,9,11,13\n")


def listing(stub, prefix: str, keys: list[tuple[str, int]]) -> None:
    contents = [{"Key": k, "Size": size, "ETag": f'"etag-{k}"'} for k, size in keys]
    stub.add_response("list_objects_v2", {"Contents": contents, "KeyCount": len(contents), "IsTruncated": False},
                      {"Bucket": BUCKET, "Prefix": prefix})


def download(stub, key: str, data: bytes) -> None:
    stub.add_response("get_object", {"Body": body(data), "ContentLength": len(data)}, {"Bucket": BUCKET, "Key": key})


def test_actuals_with_a_header_keep_their_columns_and_item_ids_as_text():
    frame = read_actuals_csv(b"item_id,timestamp,target_value,location\n007,2026-10-01,10,dublin\n")
    assert list(frame.columns) == ["item_id", "timestamp", "target_value", "location"]
    assert frame["item_id"].tolist() == ["007"]


def test_actuals_without_a_header_are_item_time_value_in_that_order():
    frame = read_actuals_csv(b"007,2026-10-01,10,extra\n008,2026-10-02,11,extra\n")
    assert list(frame.columns) == ["item_id", "timestamp", "target_value"]
    assert frame["item_id"].tolist() == ["007", "008"]
    assert frame["target_value"].tolist() == [10, 11]


def test_actuals_without_a_value_column_are_refused_naming_it():
    with pytest.raises(ValueError, match="no target_value column"):
        read_actuals_csv(b"item_id,timestamp\n007,2026-10-01\n")
    with pytest.raises(ValueError, match="no timestamp, target_value column"):
        read_actuals_csv(b"item_id,when,value\n007,2026-10-01,3\n")


def test_the_actuals_folder_lists_data_files_only_in_order_and_reads_them_whole():
    clients = StubbedClients("s3")
    stub = clients.stub("s3")
    listing(stub, "finance-ops/actuals/", [("finance-ops/actuals/", 0), ("finance-ops/actuals/a.csv", 30),
                                           ("finance-ops/actuals/_SUCCESS", 0), ("finance-ops/actuals/.keep", 0),
                                           ("finance-ops/actuals/b.csv", 12)])
    download(stub, "finance-ops/actuals/b.csv", b"x" * 12)
    with clients.active():
        source = ActualsObjects(clients.client("s3"), f"s3://{BUCKET}/finance-ops/actuals/")
        parts = source.parts()
        assert [(p.key, p.size, p.part, p.fmt, p.etag) for p in parts] == [
            ("finance-ops/actuals/a.csv", 30, 0, "csv", "etag-finance-ops/actuals/a.csv"),
            ("finance-ops/actuals/b.csv", 12, 1, "csv", "etag-finance-ops/actuals/b.csv")]
        assert b"".join(source.chunks(parts[1])) == b"x" * 12
    assert source.location == f"s3://{BUCKET}/finance-ops/actuals/"


def job(name: str, kind: str, source_arn: str, path: str, status: str = "ACTIVE") -> ExportJob:
    return ExportJob(f"arn:aws:forecast:eu-west-1:1:export/{name}", name, kind, "finance-ops", source_arn, path,
                     status, CREATED)


PREDICTOR = Predictor("arn:pred/deepar", "deepar_v2", "finance-ops", "arn:dsg/fin", "ACTIVE", CREATED)
FORECAST = ForecastResource("arn:fc/deepar", "fc_deepar", "finance-ops", PREDICTOR.arn, "arn:dsg/fin", "ACTIVE", CREATED)


def catalogue(actuals: str = f"s3://{BUCKET}/finance-ops/actuals/", **paths: str) -> Catalogue:
    fc_path = paths.get("fc", f"s3://{BUCKET}/finance-ops/exports/fc_deepar")
    bt_path = paths.get("bt", f"s3://{BUCKET}/finance-ops/backtests/bt_deepar/")
    return Catalogue(
        "finance-ops",
        dataset_groups=[DatasetGroup("arn:dsg/fin", "fin", "finance-ops", CREATED, (), (actuals,))],
        predictors=[PREDICTOR], forecasts=[FORECAST],
        exports=[job("fc_deepar", "forecast", FORECAST.arn, fc_path),
                 job("bt_deepar", "backtest", PREDICTOR.arn, bt_path),
                 job("fc_old", "forecast", FORECAST.arn, fc_path, status="CREATE_FAILED")])


def test_a_tenant_is_loaded_from_its_actuals_and_every_active_export_named_after_its_model():
    clients = StubbedClients("s3")
    stub = clients.stub("s3")
    listing(stub, "finance-ops/actuals/", [("finance-ops/actuals/data.csv", len(ACTUALS_CSV))])
    download(stub, "finance-ops/actuals/data.csv", ACTUALS_CSV)
    fc_key = f"finance-ops/exports/fc_deepar/fc_deepar_{STAMP}_part0.csv"
    listing(stub, "finance-ops/exports/fc_deepar/", [(fc_key, len(FORECAST_CSV))])
    download(stub, fc_key, FORECAST_CSV)
    # A backtest export keeps its item-level values under forecasted-values/ (listed twice: found, then opened).
    bt_key = f"finance-ops/backtests/bt_deepar/forecasted-values/bt_deepar_{STAMP}_part0.csv"
    listing(stub, "finance-ops/backtests/bt_deepar/forecasted-values/", [(bt_key, len(BACKTEST_CSV))])
    listing(stub, "finance-ops/backtests/bt_deepar/forecasted-values/", [(bt_key, len(BACKTEST_CSV))])
    download(stub, bt_key, BACKTEST_CSV)
    with clients.active():
        data, progress = drain(load_tenant_data(clients.client("s3"), catalogue(), ExportCache()))
    assert data.tenant == "finance-ops"
    assert data.item_ids() == ["007", "b", "c"]
    assert [m.model for m in data.models] == ["deepar_v2"]
    model = data.models[0]
    assert model.forecast_arn == FORECAST.arn
    assert model.forecast is not None and model.backtest is not None and model.backtest.is_backtest
    assert any("actuals" in p.text for p in progress)

    view = data.item("007")
    assert view.item_id == "007" and view.tenant == "finance-ops"
    assert view.actuals["target_value"].tolist() == [10, 12]
    assert list(view.actuals.columns) == ["timestamp", "target_value"]
    (series,) = view.series
    assert series.model == "deepar_v2" and series.forecast_types == ("p10", "p50", "p90")
    assert list(series.forecast.columns) == ["date", "p10", "p50", "p90"]
    assert series.forecast["p50"].tolist() == [11, 12]
    assert list(series.backtest.columns) == ["timestamp", "target_value", "backtestwindow_start_time",
                                             "backtestwindow_end_time", "p10", "p50", "p90"]
    assert list(series.forecast.index) == [0, 1]


def test_a_backtest_export_without_forecasted_values_is_read_from_its_own_folder():
    clients = StubbedClients("s3")
    stub = clients.stub("s3")
    listing(stub, "finance-ops/backtests/bt_deepar/forecasted-values/", [])
    key = f"finance-ops/backtests/bt_deepar/bt_deepar_{STAMP}_part0.csv"
    listing(stub, "finance-ops/backtests/bt_deepar/", [(key, 10)])
    with clients.active():
        source = export_source(clients.client("s3"), job("bt_deepar", "backtest", PREDICTOR.arn,
                                                         f"s3://{BUCKET}/finance-ops/backtests/bt_deepar"))
        assert source.location == f"s3://{BUCKET}/finance-ops/backtests/bt_deepar/"
        assert [p.key for p in source.parts("bt_deepar")] == [key]


def test_a_forecast_export_is_read_from_its_folder():
    clients = StubbedClients("s3")
    with clients.active():
        source = export_source(clients.client("s3"), job("fc", "forecast", FORECAST.arn,
                                                         f"s3://{BUCKET}/finance-ops/exports/fc/"))
    assert source.location == f"s3://{BUCKET}/finance-ops/exports/fc/"


def test_nothing_is_read_from_another_tenants_prefix():
    clients = StubbedClients("s3")
    with clients.active(), pytest.raises(TenantRefused):
        drain(load_tenant_data(clients.client("s3"), catalogue(actuals=f"s3://{BUCKET}/retail/actuals/"),
                               ExportCache()))
    clients = StubbedClients("s3")
    listing(clients.stub("s3"), "finance-ops/actuals/", [("finance-ops/actuals/data.csv", len(ACTUALS_CSV))])
    download(clients.stub("s3"), "finance-ops/actuals/data.csv", ACTUALS_CSV)
    with clients.active(), pytest.raises(TenantRefused):
        drain(load_tenant_data(clients.client("s3"), catalogue(fc=f"s3://{BUCKET}/retail/exports/fc/"), ExportCache(),
                               backtest_exports=[]))


def test_an_empty_actuals_folder_says_where_it_looked():
    clients = StubbedClients("s3")
    listing(clients.stub("s3"), "finance-ops/actuals/", [])
    with clients.active(), pytest.raises(ExportUnreadable, match=f"No actuals under s3://{BUCKET}/finance-ops/actuals/"):
        drain(load_tenant_data(clients.client("s3"), catalogue(), ExportCache()))


def test_the_exports_asked_for_replace_the_catalogues():
    clients = StubbedClients("s3")
    stub = clients.stub("s3")
    listing(stub, "finance-ops/actuals/", [("finance-ops/actuals/data.csv", len(ACTUALS_CSV))])
    download(stub, "finance-ops/actuals/data.csv", ACTUALS_CSV)
    with clients.active():
        data, _ = drain(load_tenant_data(clients.client("s3"), catalogue(), ExportCache(), forecast_exports=[],
                                         backtest_exports=[]))
    assert data.models == [] and data.item_ids() == ["007", "b"]


def table(csv: bytes) -> ExportTable:
    import io

    return ExportTable.build(pd.read_csv(io.BytesIO(csv), dtype={"item_id": str}))


def test_an_item_shows_the_models_asked_for_and_a_model_with_a_backtest_only():
    data = TenantData("finance-ops", None, [ModelTables("deepar", forecast=table(FORECAST_CSV)),
                                            ModelTables("prophet", backtest=table(BACKTEST_CSV)),
                                            ModelTables("empty")])
    assert data.item_ids() == ["007", "c"]
    view = data.item("007", models=["prophet"])
    assert [s.model for s in view.series] == ["prophet"]
    assert view.series[0].forecast_types == ("p10", "p50", "p90")
    assert len(view.series[0].forecast) == 0 and len(view.series[0].backtest) == 1
    assert len(view.actuals) == 0 and list(view.actuals.columns) == ["timestamp", "target_value"]
    every = data.item("007")
    assert [s.model for s in every.series] == ["deepar", "prophet", "empty"]
    assert every.series[2].forecast_types == ()


def test_the_csv_of_an_item_has_every_value_the_chart_shows_in_long_format():
    actuals = table(b"item_id,timestamp,target_value\n007,2026-10-01,10\n007,2026-10-02,12\n")
    data = TenantData("finance-ops", actuals, [ModelTables("deepar", forecast=table(FORECAST_CSV),
                                                           backtest=table(BACKTEST_CSV)),
                                               ModelTables("none")])
    out = data.item("007").as_csv_frame()
    assert list(out.columns[:4]) == ["item_id", "model", "kind", "timestamp"]
    assert set(out["item_id"]) == {"007"}
    assert out.groupby(["model", "kind"]).size().to_dict() == {
        ("actuals", "actual"): 2, ("deepar", "backtest"): 1, ("deepar", "forecast"): 2}
    forecast = out[out["kind"] == "forecast"]
    assert forecast["timestamp"].tolist() == [pd.Timestamp("2026-10-03"), pd.Timestamp("2026-10-04")]
    assert forecast["p50"].tolist() == [11, 12]
    assert "date" not in out.columns


def test_the_csv_of_an_item_keeps_the_charts_column_order():
    actuals = table(b"item_id,timestamp,target_value\n007,2026-10-01,10\n")
    data = TenantData("finance-ops", actuals, [ModelTables("deepar", forecast=table(FORECAST_CSV),
                                                           backtest=table(BACKTEST_CSV))])
    assert list(data.item("007").as_csv_frame().columns) == [
        "item_id", "model", "kind", "timestamp", "target_value", "p10", "p50", "p90",
        "backtestwindow_start_time", "backtestwindow_end_time"]


def test_reading_a_large_actuals_file_shows_progress_every_mebibyte():
    big = b"item_id,timestamp,target_value\n" + b"007,2026-10-01,10\n" * 150_000  # about 2.6 MiB
    clients = StubbedClients("s3")
    stub = clients.stub("s3")
    listing(stub, "finance-ops/actuals/", [("finance-ops/actuals/data.csv", len(big))])
    download(stub, "finance-ops/actuals/data.csv", big)
    cat = catalogue()
    with clients.active():
        data, progress = drain(load_tenant_data(clients.client("s3"), cat, ExportCache(), forecast_exports=[],
                                                backtest_exports=[]))
    reading = [p for p in progress if p.text.startswith("Reading")]
    assert [p.done for p in reading] == [1 << 20, 2 << 20, len(big)]
    assert {p.text for p in reading} == {"Reading actuals, part 1 of 1"}
    assert len(data.actuals) == 150_000


def test_actuals_whose_first_bytes_cut_a_character_in_two_are_read():
    # The header check looks at the first 400 bytes; here they end inside "é".
    first = "item_id,timestamp,target_value,store\n007,2026-10-01,10,"
    data = (first + "x" * (399 - len(first.encode())) + "é\n").encode()
    assert len(data[:400].decode("utf-8", "replace")) > 0 and data[399:401] == "é".encode()
    frame = read_actuals_csv(data)
    assert frame["store"].tolist() == ["x" * (399 - len(first.encode())) + "é"]


def test_actuals_that_do_not_parse_say_what_was_expected():
    clients = StubbedClients("s3")
    stub = clients.stub("s3")
    listing(stub, "finance-ops/actuals/", [("finance-ops/actuals/data.csv", 20)])
    download(stub, "finance-ops/actuals/data.csv", b"item_id,when\n007,x\n")
    with clients.active(), pytest.raises(ExportUnreadable,
                                         match="data.csv could not be read as item_id,timestamp,target_value"):
        drain(load_tenant_data(clients.client("s3"), catalogue(), ExportCache()))


def test_only_the_first_actuals_path_is_read_and_each_model_keeps_its_own_exports():
    second = Predictor("arn:pred/prophet", "prophet_v1", "finance-ops", "arn:dsg/fin", "ACTIVE", CREATED)
    cat = catalogue()
    cat.dataset_groups.append(DatasetGroup("arn:dsg/fin2", "fin2", "finance-ops", CREATED, (),
                                           (f"s3://{BUCKET}/finance-ops/actuals-2/",)))
    cat.predictors.append(second)
    orphan = job("fc_orphan", "forecast", "arn:fc/deleted", f"s3://{BUCKET}/finance-ops/exports/orphan/")
    bt2 = job("bt_prophet", "backtest", second.arn, f"s3://{BUCKET}/finance-ops/backtests/bt_prophet/")
    clients = StubbedClients("s3")
    stub = clients.stub("s3")
    listing(stub, "finance-ops/actuals/", [("finance-ops/actuals/data.csv", len(ACTUALS_CSV))])
    download(stub, "finance-ops/actuals/data.csv", ACTUALS_CSV)
    orphan_key = f"finance-ops/exports/orphan/fc_orphan_{STAMP}_part0.csv"
    newer_other = "finance-ops/exports/orphan/fc_other_2026-11-02T06-00-00Z_part0.csv"
    listing(stub, "finance-ops/exports/orphan/", [(orphan_key, len(FORECAST_CSV)), (newer_other, 5)])
    download(stub, orphan_key, FORECAST_CSV)
    # forecasted-values/ holds another job's files only: the export's own folder is read.
    other = f"finance-ops/backtests/bt_prophet/forecasted-values/bt_other_{STAMP}_part0.csv"
    own = f"finance-ops/backtests/bt_prophet/bt_prophet_{STAMP}_part0.csv"
    listing(stub, "finance-ops/backtests/bt_prophet/forecasted-values/", [(other, 5)])
    listing(stub, "finance-ops/backtests/bt_prophet/", [(own, len(BACKTEST_CSV)), (other, 5)])
    download(stub, own, BACKTEST_CSV)
    with clients.active():
        data, _ = drain(load_tenant_data(clients.client("s3"), cat, ExportCache(), forecast_exports=[orphan],
                                         backtest_exports=[bt2]))
    assert [(m.model, m.forecast is not None, m.backtest is not None) for m in data.models] == [
        ("fc_orphan", True, False), ("prophet_v1", False, True)]
    assert data.models[0].forecast_arn == ""  # its forecast is gone: no QueryForecast for it
    assert data.item_ids() == ["007", "b", "c"]


def test_a_listing_without_sizes_or_etags_still_lists_the_actuals():
    clients = StubbedClients("s3")
    clients.stub("s3").add_response("list_objects_v2", {"Contents": [{"Key": "finance-ops/actuals/a.csv"}]},
                                    {"Bucket": BUCKET, "Prefix": "finance-ops/actuals/"})
    with clients.active():
        (part,) = ActualsObjects(clients.client("s3"), f"s3://{BUCKET}/finance-ops/actuals/").parts()
    assert (part.key, part.size, part.etag) == ("finance-ops/actuals/a.csv", 0, "")
