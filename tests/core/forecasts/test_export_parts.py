"""Export parts in S3 as S3 answers (Stubber), the choice of the newest run, times in UTC, the cache's size, the CSV."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import pytest
from forecast_exports import drain
from botocore.response import StreamingBody
from stubbed_aws import StubbedClients, body

from opsconsole.core.forecasts.exports import (
    ExportCache,
    ExportPart,
    ExportTable,
    ExportUnreadable,
    FolderParts,
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


def test_times_all_at_one_offset_are_shown_in_utc_not_at_their_wall_clock():
    frame = pd.DataFrame({"item_id": ["a", "a"], "date": ["2026-12-01T02:00:00+02:00", "2026-12-02T02:30:00+02:00"],
                          "p50": [1.0, 2.0]})
    assert ExportTable.build(frame).frame["date"].tolist() == [pd.Timestamp("2026-12-01T00:00"),
                                                               pd.Timestamp("2026-12-02T00:30")]


def test_times_not_written_in_iso_form_are_still_read_and_shown_in_utc():
    us = pd.DataFrame({"item_id": ["a", "a"], "date": ["12/01/2026 05:00", "12/02/2026"], "p50": [1.0, 2.0]})
    assert ExportTable.build(us).frame["date"].tolist() == [pd.Timestamp("2026-12-01T05:00"),
                                                            pd.Timestamp("2026-12-02")]
    offset = pd.DataFrame({"item_id": ["a", "a"], "date": ["01 Dec 2026 02:00 +0200", "02 Dec 2026 02:00 +0200"]})
    assert ExportTable.build(offset).frame["date"].tolist() == [pd.Timestamp("2026-12-01"), pd.Timestamp("2026-12-02")]


def test_a_backtest_export_has_its_windows_as_utc_times_and_one_series_per_item():
    frame = pd.DataFrame({"item_id": ["b", "a"], "timestamp": ["2026-09-21T00:00:00Z", "2026-09-20T00:00:00Z"],
                          "target_value": [3.0, 4.0],
                          "backtestwindow_start_time": ["2026-09-20T02:00:00+02:00"] * 2,
                          "backtestwindow_end_time": ["2026-09-27T00:00:00Z"] * 2, "p50": [3.5, 4.5]})
    table = ExportTable.build(frame)
    assert table.is_backtest and table.time_column == "timestamp" and table.dimensions == ()
    assert table.item_ids() == ["a", "b"] and table.forecast_types == ("p50",)
    assert table.frame["backtestwindow_start_time"].tolist() == [pd.Timestamp("2026-09-20")] * 2
    assert table.frame["backtestwindow_end_time"].tolist() == [pd.Timestamp("2026-09-27")] * 2
    assert table.rows("a")["target_value"].tolist() == [4.0]


def test_actuals_or_a_forecast_export_is_not_taken_for_a_backtest():
    actuals = pd.DataFrame({"item_id": ["a"], "timestamp": ["2026-09-20"], "target_value": [1.0]})
    assert not ExportTable.build(actuals).is_backtest
    windows_only = pd.DataFrame({"item_id": ["a"], "date": ["2026-09-20"], "p50": [1.0],
                                 "backtestwindow_start_time": ["2026-09-20"], "backtestwindow_end_time": ["2026-09-27"]})
    assert not ExportTable.build(windows_only).is_backtest


def test_an_export_of_only_a_header_has_no_items():
    source = OneObject(b"item_id,date,p10,p50,p90\n")
    table, _ = drain(read_export(source))
    assert len(table) == 0 and table.item_ids() == [] and table.forecast_types == ("p10", "p50", "p90")
    assert len(table.rows("a")) == 0


class OneObject:
    """A part source holding one CSV part in memory."""

    location = "memory"

    def __init__(self, data: bytes, name: str = f"fc_{STAMP}_part0.csv") -> None:
        self.data = data
        self.name = name

    def parts(self, job_name=None):
        return select_parts([(self.name, len(self.data), "e")], job_name)

    def chunks(self, part):
        yield self.data


def big_csv(mib: float) -> bytes:
    """A forecast export part of about ``mib`` MiB."""
    row = b"item-00001,2026-12-01T00:00:00Z,1.25,2.5,3.75\n"
    return b"item_id,date,p10,p50,p90\n" + row * int(mib * (1 << 20) // len(row))


def test_a_large_part_in_s3_is_read_a_mib_at_a_time_and_progress_moves_with_each():
    data = big_csv(2.5)
    clients = StubbedClients("s3")
    stub = clients.stub("s3")
    key = f"x/fc_{STAMP}_part0.csv"
    stub.add_response("list_objects_v2", {"Contents": [{"Key": key, "Size": len(data), "ETag": '"e"'}]},
                      {"Bucket": "b", "Prefix": "x/"})
    stub.add_response("get_object", {"Body": body(data)}, {"Bucket": "b", "Key": key})
    with clients.active():
        table, progress = drain(read_export(S3Parts(clients.client("s3"), "s3://b/x/")))
    mib = 1 << 20
    assert [(p.done, p.total) for p in progress if p.text.startswith("Reading")] == [
        (mib, len(data)), (2 * mib, len(data)), (len(data), len(data))]
    assert len(table) == data.count(b"\n") - 1


def test_a_large_part_in_a_folder_is_read_a_mib_at_a_time(tmp_path):
    data = big_csv(1.5)
    (tmp_path / f"fc_{STAMP}_part0.csv").write_bytes(data)
    (tmp_path / "sub").mkdir()  # folders beside the parts are not parts
    _table, progress = drain(read_export(FolderParts(tmp_path)))
    assert [p.done for p in progress if p.text.startswith("Reading")] == [1 << 20, len(data)]


def test_a_cancelled_read_from_s3_lets_go_of_the_object():
    data = big_csv(2.5)
    raw = io.BytesIO(data)
    clients = StubbedClients("s3")
    stub = clients.stub("s3")
    stub.add_response("get_object", {"Body": StreamingBody(raw, len(data))}, {"Bucket": "b", "Key": "x/p"})
    with clients.active():
        source = S3Parts(clients.client("s3"), "s3://b/x/")
        gen = read_export(source, parts=[ExportPart("x/p", len(data), 0, "fc", STAMP, "csv", "e")])
        first = next(gen)
        gen.close()  # what a cancelled job does
    assert first.done == 1 << 20 and raw.closed


def test_a_part_rewritten_in_place_with_a_new_etag_is_read_again():
    clients = StubbedClients("s3")
    stub = clients.stub("s3")
    key = f"x/fc_{STAMP}_part0.csv"
    newer = CSV.replace(b",2,", b",5,")
    for etag, data in (('"e1"', CSV), ('"e2"', newer)):
        stub.add_response("list_objects_v2", {"Contents": [{"Key": key, "Size": len(data), "ETag": etag}]},
                          {"Bucket": "b", "Prefix": "x/"})
        stub.add_response("get_object", {"Body": body(data)}, {"Bucket": "b", "Key": key})
    cache = ExportCache()
    with clients.active():
        source = S3Parts(clients.client("s3"), "s3://b/x/")
        first, _ = drain(open_export(source, cache, "fc"))
        second, _ = drain(open_export(source, cache, "fc"))
    assert first.rows("007")["p50"].tolist() == [2] and second.rows("007")["p50"].tolist() == [5]


def test_a_part_that_does_not_parse_is_named_with_the_format_expected():
    with pytest.raises(ExportUnreadable, match=rf"^fc_{STAMP}_part0.parquet could not be read as PARQUET: "):
        drain(read_export(OneObject(b"not parquet", f"fc_{STAMP}_part0.parquet")))
    with pytest.raises(ExportUnreadable, match=rf"^fc_{STAMP}_part0.csv could not be read as item_id,date: boom$"):
        drain(read_export(OneObject(CSV), parse=lambda data, part: _boom(), expected="item_id,date"))


def _boom():
    raise ValueError("boom")


def test_an_export_without_items_named_nowhere_is_called_the_export():
    with pytest.raises(ExportUnreadable, match=r"^The export has no item_id column\.$"):
        ExportTable.build(pd.DataFrame({"date": ["2026-12-01"]}))


def test_a_folder_without_parts_is_named_in_the_refusal(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(ExportUnreadable, match=rf"^No export files \(<job>_<time>_part<N>\) under {tmp_path}\.$"):
        drain(read_export(FolderParts(tmp_path)))


def test_only_the_job_asked_for_is_read_from_a_folder_holding_two(tmp_path):
    (tmp_path / f"fc_{STAMP}_part0.csv").write_bytes(CSV)
    (tmp_path / f"other_{STAMP}_part0.csv").write_bytes(b"item_id,date,p10,p50,p90\n008,2026-12-01T00:00:00Z,1,2,3\n")
    table, _ = drain(read_export(FolderParts(tmp_path), "fc"))
    assert table.item_ids() == ["007"] and [p.job for p in table.parts] == ["fc"]


def test_two_folders_with_alike_files_are_two_exports_in_the_cache(tmp_path):
    import os

    stamp_ns = 1_780_000_000_000_000_000
    for folder, value in (("finance-ops", b"2"), ("contact-center", b"5")):
        (tmp_path / folder).mkdir()
        path = tmp_path / folder / f"fc_{STAMP}_part0.csv"
        path.write_bytes(CSV.replace(b",2,", b"," + value + b","))
        os.utime(path, ns=(stamp_ns, stamp_ns))  # same name, size and time: only the folder differs
    cache = ExportCache()
    first, _ = drain(open_export(FolderParts(tmp_path / "finance-ops"), cache))
    second, _ = drain(open_export(FolderParts(tmp_path / "contact-center"), cache))
    assert first.rows("007")["p50"].tolist() == [2] and second.rows("007")["p50"].tolist() == [5]


def test_a_listing_without_etags_is_still_read():
    clients = StubbedClients("s3")
    stub = clients.stub("s3")
    key = f"x/fc_{STAMP}_part0.csv"
    stub.add_response("list_objects_v2", {"Contents": [{"Key": key, "Size": len(CSV)}]}, {"Bucket": "b", "Prefix": "x/"})
    stub.add_response("get_object", {"Body": body(CSV)}, {"Bucket": "b", "Key": key})
    with clients.active():
        table, _ = drain(open_export(S3Parts(clients.client("s3"), "s3://b/x/"), ExportCache()))
    assert table.item_ids() == ["007"] and table.parts[0].etag == ""


def test_a_listing_without_sizes_is_still_read_and_its_progress_has_no_total():
    clients = StubbedClients("s3")
    stub = clients.stub("s3")
    key = f"x/fc_{STAMP}_part0.csv"
    stub.add_response("list_objects_v2", {"Contents": [{"Key": key, "ETag": '"e"'}]}, {"Bucket": "b", "Prefix": "x/"})
    stub.add_response("get_object", {"Body": body(CSV)}, {"Bucket": "b", "Key": key})
    with clients.active():
        table, progress = drain(read_export(S3Parts(clients.client("s3"), "s3://b/x/"), "fc"))
    assert table.item_ids() == ["007"] and table.parts[0].size == 0
    assert [(p.done, p.total, p.text) for p in progress] == [(len(CSV), None, "Reading part 1 of 1"),
                                                             (len(CSV), None, "Indexing items")]


def test_a_cache_made_without_a_size_keeps_the_last_six_exports():
    cache = ExportCache()
    part = ExportPart("k", 1, 0, "fc", STAMP, "csv", "e")
    keys = [ExportCache.key(f"s3://b/{n}/", [part]) for n in range(7)]
    tables = [ExportTable.build(pd.DataFrame({"item_id": [str(n)], "date": ["2026-12-01"]})) for n in range(7)]
    for key, table in zip(keys[:6], tables):
        cache.put(key, table)
    assert all(cache.get(key) is table for key, table in zip(keys, tables[:6]))
    cache.put(keys[6], tables[6])  # a seventh export lets go of the one used longest ago
    assert cache.get(keys[0]) is None
    assert all(cache.get(key) is table for key, table in zip(keys[1:], tables[1:]))


def test_a_parser_given_for_the_parts_is_told_which_part_it_reads(tmp_path):
    for n, item in enumerate((b"007", b"008")):
        (tmp_path / f"fc_{STAMP}_part{n}.csv").write_bytes(CSV.replace(b"007", item))
    seen = []

    def parse(data, part):
        seen.append((part.key, part.part, part.fmt))
        return pd.read_csv(io.BytesIO(data), dtype={"item_id": str})

    table, _ = drain(read_export(FolderParts(tmp_path), parse=parse))
    assert seen == [(f"fc_{STAMP}_part0.csv", 0, "csv"), (f"fc_{STAMP}_part1.csv", 1, "csv")]
    assert table.item_ids() == ["007", "008"]


def test_rows_a_parser_leaves_out_do_not_shift_the_times_of_the_rows_kept():
    data = (b"item_id,date,p10,p50,p90\n"
            b"007,2026-12-01T00:00:00Z,1,,3\n"  # no p50: left out below
            b"007,2026-12-02T00:00:00Z,1,2,3\n"
            b"008,2026-12-03T06:00:00+02:00,1,4,3\n")

    def with_p50(data, part):
        return pd.read_csv(io.BytesIO(data), dtype={"item_id": str}).dropna(subset=["p50"])

    table, _ = drain(read_export(OneObject(data), parse=with_p50))
    assert table.rows("007")[["date", "p50"]].values.tolist() == [[pd.Timestamp("2026-12-02"), 2.0]]
    assert table.rows("008")[["date", "p50"]].values.tolist() == [[pd.Timestamp("2026-12-03T04:00"), 4.0]]
