"""Export parts in S3 as S3 answers (Stubber), the choice of the newest run, times in UTC, the cache's size, the CSV."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from forecast_exports import drain
from stubbed_aws import StubbedClients, body

from opsconsole.core.forecasts.exports import (
    ExportCache,
    ExportPart,
    ExportTable,
    ExportUnreadable,
    S3Parts,
    open_export,
    parse_s3_path,
    read_export,
    select_parts,
    write_csv,
)

STAMP, OLDER = "2026-11-01T06-00-00Z", "2026-10-01T06-00-00Z"
CSV = b"item_id,date,p10,p50,p90\n007,2026-12-01T00:00:00Z,1,2,3\n"


def test_an_s3_path_is_bucket_and_prefix():
    assert parse_s3_path("s3://forecast-data/finance-ops/exports/") == ("forecast-data", "finance-ops/exports/")
    assert parse_s3_path("s3://forecast-data") == ("forecast-data", "")
    with pytest.raises(ExportUnreadable, match="'https://x/y' is not an s3:// path"):
        parse_s3_path("https://x/y")
    with pytest.raises(ExportUnreadable, match="names no bucket"):
        parse_s3_path("s3:///finance-ops/")


def test_the_newest_run_of_the_job_asked_for_is_chosen_and_its_parts_put_in_order():
    objects = [(f"p/fc_{STAMP}_part1.csv", 10, '"e1"'), (f"p/fc_{STAMP}_part0", 20, '"e0"'),
               (f"p/fc_{OLDER}_part0.csv", 5, ""), (f"p/other_{STAMP}_part0.parquet", 7, ""),
               ("p/_SUCCESS", 0, ""), ("p/manifest.json", 3, ""), (f"p/fc_{STAMP}_part2.json", 1, "")]
    parts = select_parts(objects, "fc")
    assert parts == [ExportPart(f"p/fc_{STAMP}_part0", 20, 0, "fc", STAMP, "csv", "e0"),
                     ExportPart(f"p/fc_{STAMP}_part1.csv", 10, 1, "fc", STAMP, "csv", "e1")]
    every = select_parts(objects)
    assert [(p.job, p.part, p.fmt) for p in every] == [("fc", 0, "csv"), ("fc", 1, "csv"), ("other", 0, "parquet")]
    assert select_parts([("p/_SUCCESS", 0, "")]) == []
    # A job name that only ends like the one asked for is another job.
    assert select_parts([(f"p/old_fc_{STAMP}_part0.csv", 1, "")], "fc") == []


def test_an_export_in_s3_is_listed_and_read_in_chunks_with_progress():
    clients = StubbedClients("s3")
    stub = clients.stub("s3")
    key = f"finance-ops/exports/fc/fc_{STAMP}_part0.csv"
    contents = [{"Key": key, "Size": len(CSV), "ETag": '"abc"'}, {"Key": "finance-ops/exports/fc/_SUCCESS", "Size": 0}]
    stub.add_response("list_objects_v2", {"Contents": contents},
                      {"Bucket": "forecast-data", "Prefix": "finance-ops/exports/fc/"})
    stub.add_response("get_object", {"Body": body(CSV)}, {"Bucket": "forecast-data", "Key": key})
    with clients.active():
        source = S3Parts(clients.client("s3"), "s3://forecast-data/finance-ops/exports/fc/")
        table, progress = drain(read_export(source, "fc"))
    assert source.location == "s3://forecast-data/finance-ops/exports/fc/"
    assert table.parts[0].etag == "abc" and table.location == source.location
    assert table.item_ids() == ["007"]
    assert [(p.done, p.total, p.text) for p in progress] == [(len(CSV), len(CSV), "Reading part 1 of 1"),
                                                             (len(CSV), len(CSV), "Indexing items")]


def test_a_cache_keeps_the_most_recently_used_exports_up_to_its_size():
    cache = ExportCache(capacity=2)
    tables = {n: ExportTable.build(pd.DataFrame({"item_id": [n], "date": ["2026-12-01"]})) for n in "abc"}
    part = ExportPart("k", 1, 0, "fc", STAMP, "csv", "e")
    keys = {n: ExportCache.key(f"s3://b/{n}/", [part]) for n in "abc"}
    cache.put(keys["a"], tables["a"])
    cache.put(keys["b"], tables["b"])
    assert cache.get(keys["a"]) is tables["a"]  # a is now the most recent
    cache.put(keys["c"], tables["c"])
    assert cache.get(keys["b"]) is None and cache.get(keys["a"]) is tables["a"] and cache.get(keys["c"]) is tables["c"]
    # A new ETag is another export.
    assert cache.get(ExportCache.key("s3://b/a/", [ExportPart("k", 1, 0, "fc", STAMP, "csv", "f")])) is None
    cache.clear()
    assert cache.get(keys["a"]) is None


def test_a_check_sees_the_parts_before_anything_is_read():
    class NoReads:
        location = "s3://b/p/"

        def parts(self, job_name=None):
            return [ExportPart("p/x", 1, 0, "fc", STAMP, "csv")]

        def chunks(self, part):
            raise AssertionError("read")

    def refuse(parts):
        raise ExportUnreadable(f"{len(parts)} part refused")

    with pytest.raises(ExportUnreadable, match="1 part refused"):
        drain(open_export(NoReads(), ExportCache(), check=refuse))


def test_times_of_an_export_are_kept_in_utc_whatever_their_offset():
    frame = pd.DataFrame({"item_id": [7, 7, 8], "date": ["2026-12-01T02:00:00+02:00", "2026-12-02", "2026-12-01"],
                          "p50": [1.0, 2.0, 3.0]})
    table = ExportTable.build(frame)
    assert table.frame["date"].tolist() == [pd.Timestamp("2026-12-01"), pd.Timestamp("2026-12-02"),
                                            pd.Timestamp("2026-12-01")]
    assert table.item_ids() == ["7", "8"] and table.row_range("8") == (2, 3) and table.row_range("9") == (0, 0)
    assert len(table.rows("9")) == 0 and not table.is_backtest and table.time_column == "date"
    aware = pd.DataFrame({"item_id": ["a"], "timestamp": pd.to_datetime(["2026-12-01T01:00:00+01:00"]),
                          "target_value": [1.0]})
    assert ExportTable.build(aware).frame["timestamp"].tolist() == [pd.Timestamp("2026-12-01")]
    naive = pd.DataFrame({"item_id": ["a"], "date": pd.to_datetime(["2026-12-01T05:00:00"])})
    assert ExportTable.build(naive).frame["date"].tolist() == [pd.Timestamp("2026-12-01T05:00:00")]
    gaps = pd.DataFrame({"item_id": ["a", "a"], "date": ["2026-12-01", None]})
    assert ExportTable.build(gaps).frame["date"].isna().tolist() == [False, True]


def test_an_export_without_items_or_times_is_refused_naming_it():
    with pytest.raises(ExportUnreadable, match="s3://b/p/ has no item_id column"):
        ExportTable.build(pd.DataFrame({"date": ["2026-12-01"]}), "s3://b/p/")
    with pytest.raises(ExportUnreadable, match="The export has neither a date nor a timestamp column"):
        ExportTable.build(pd.DataFrame({"item_id": ["a"]}))


def test_the_chart_values_are_written_as_csv_with_iso_times(tmp_path):
    frame = pd.DataFrame({"item_id": ["a", "a"], "timestamp": [dt.datetime(2026, 12, 1), dt.datetime(2026, 12, 2, 6)],
                          "p50": [1.5, 2.0]})
    path = tmp_path / "item.csv"
    assert write_csv(frame, path) == 2
    assert path.read_text().splitlines() == ["item_id,timestamp,p50", "a,2026-12-01T00:00:00Z,1.5",
                                             "a,2026-12-02T06:00:00Z,2.0"]
    assert frame["timestamp"].dtype.kind == "M"  # the chart's own frame is left as it was
