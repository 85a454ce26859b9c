"""Reading Forecast's multi-part exports (CSV and Parquet): parts, progress, cancellation, item index, cache."""

from __future__ import annotations

import pandas as pd
import pytest
import forecast_exports as synth
from forecast_exports import drain

from opsconsole.core.forecasts.exports import (
    ExportCache,
    ExportUnreadable,
    FolderParts,
    check_parquet_frame,
    open_export,
    read_export,
    select_parts,
)
from opsconsole.core.progress import Progress


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_multi_part_export_is_concatenated_and_indexed_by_item(tmp_path, fmt):
    frame = synth.forecast(items=40, horizon=10)
    files = synth.write_parts(frame.sample(frac=1, random_state=3), tmp_path / "export", "fc_export", parts=4, fmt=fmt)
    table, progress = drain(read_export(FolderParts(tmp_path / "export")))
    assert len(table) == len(frame)
    assert len(table.item_ids()) == 40
    assert table.forecast_types == ("p10", "p50", "p90")
    rows = table.rows("item-00007")
    expected = frame[frame.item_id == "item-00007"].sort_values("date")
    assert list(rows["date"]) == list(expected["date"])
    assert rows["p50"].to_numpy() == pytest.approx(expected["p50"].to_numpy())
    assert all(isinstance(p, Progress) for p in progress)
    assert progress[-1].text == "Indexing items"
    assert max(p.done for p in progress) == sum(f.stat().st_size for f in files)


def test_only_the_newest_run_and_only_part_files_are_read(tmp_path):
    synth.write_parts(synth.forecast(items=3), tmp_path, "fc", parts=2, stamp="2026-10-01T00-00-00Z")
    newest = synth.write_parts(synth.forecast(items=5), tmp_path, "fc", parts=3, stamp="2026-11-01T00-00-00Z")
    (tmp_path / "_SUCCESS").write_text("")
    parts = FolderParts(tmp_path).parts()
    assert [p.key for p in parts] == [p.name for p in newest]
    assert [p.part for p in parts] == [0, 1, 2]


def test_part_numbers_sort_numerically():
    objs = [(f"x/fc_2026-11-01T00-00-00Z_part{n}.csv", 1, "") for n in (10, 2, 1)]
    assert [p.part for p in select_parts(objs)] == [1, 2, 10]


def test_cancelling_between_chunks_reads_no_further(tmp_path):
    synth.write_parts(synth.forecast(items=400, horizon=30), tmp_path, "fc", parts=3)
    gen = read_export(FolderParts(tmp_path))
    first = next(gen)
    gen.close()  # what a cancelled job does to its generator
    assert first.done > 0 and first.done < first.total


def test_second_open_is_served_from_the_cache(tmp_path):
    synth.write_parts(synth.forecast(items=20), tmp_path, "fc", parts=2)
    cache = ExportCache()
    first, p1 = drain(open_export(FolderParts(tmp_path), cache))
    second, p2 = drain(open_export(FolderParts(tmp_path), cache))
    assert second is first and p1 and not p2


def test_a_folder_without_parts_says_so(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(ExportUnreadable, match="No export files"):
        drain(read_export(FolderParts(tmp_path)))


def test_a_damaged_part_names_the_file(tmp_path):
    (tmp_path / f"fc_{synth.STAMP}_part0.parquet").write_bytes(b"not parquet")
    with pytest.raises(ExportUnreadable, match="part0.parquet"):
        drain(read_export(FolderParts(tmp_path)))


@pytest.mark.parametrize("damage, says", [
    (lambda whole: whole[: len(whole) // 2], "does not start and end with Parquet's PAR1 mark"),
    (lambda whole: whole[4:], "does not start and end with Parquet's PAR1 mark"),
    (lambda whole: b"PAR1" + b"\x00" * 4 + (10**6).to_bytes(4, "little") + b"PAR1",
     "its footer claims 1,000,000 bytes of a 16-byte file"),
    (lambda whole: whole[:-8] + (0).to_bytes(4, "little") + b"PAR1", "its footer claims 0 bytes"),
])
def test_a_parquet_part_cut_short_or_with_a_wrong_footer_is_refused_by_name_with_why(tmp_path, damage, says):
    synth.write_parts(synth.forecast(items=3, horizon=4), tmp_path / "whole", "fc", parts=1, fmt="parquet")
    whole = next((tmp_path / "whole").iterdir()).read_bytes()
    (tmp_path / f"fc_{synth.STAMP}_part0.parquet").write_bytes(damage(whole))
    with pytest.raises(ExportUnreadable, match="part0.parquet could not be read as PARQUET") as refused:
        drain(read_export(FolderParts(tmp_path)))
    assert says in str(refused.value)


def test_backtest_export_keeps_windows_as_times(tmp_path):
    act = synth.actuals(items=5, days=40)
    bt = pd.concat([synth.backtest(act, "2026-09-20", 7, 1.1), synth.backtest(act, "2026-09-27", 7, 0.9)])
    synth.write_parts(bt, tmp_path, "bt", parts=2)
    table, _ = drain(read_export(FolderParts(tmp_path)))
    assert table.is_backtest
    assert table.frame["backtestwindow_start_time"].nunique() == 2
    assert pd.api.types.is_datetime64_any_dtype(table.frame["timestamp"])


def test_a_forecast_dimension_makes_one_series_per_item_and_value(tmp_path):
    frame = synth.forecast(items=3, horizon=5)
    both = pd.concat([frame.assign(location="dublin"), frame.assign(location="lisbon", p50=frame.p50 + 100)])
    both = both[["item_id", "location", "date", "p10", "p50", "p90"]]
    synth.write_parts(both, tmp_path / "x", "fc", parts=2)
    table, _ = drain(read_export(FolderParts(tmp_path / "x")))
    assert table.dimensions == ("location",)
    assert len(table.item_ids()) == 6
    lisbon = table.rows("item-00001 / lisbon")
    assert len(lisbon) == 5 and (lisbon["location"] == "lisbon").all()
    assert lisbon["p50"].to_numpy() == pytest.approx(frame[frame.item_id == "item-00001"]["p50"].to_numpy() + 100)
    assert table.filters("item-00001 / lisbon") == {"item_id": "item-00001", "location": "lisbon"}


def _frame(middle: bytes, footer: int) -> bytes:
    return b"PAR1" + middle + footer.to_bytes(4, "little") + b"PAR1"


@pytest.mark.parametrize("data, why", [
    (b"PAR1 not parquet", "it does not start and end with Parquet's PAR1 mark (cut short, or not Parquet)"),
    (_frame(b"", 0), "its footer claims 0 bytes of a 12-byte file"),
    (_frame(b"xx", 3), "its footer claims 3 bytes of a 14-byte file"),
    (_frame(b"x" * 8, 2**24 + 1), "its footer claims 16,777,217 bytes of a 20-byte file"),
])
def test_a_parquet_frame_is_refused_at_its_limits_with_the_reason_read(data, why):
    with pytest.raises(ValueError) as refused:
        check_parquet_frame(data)
    assert str(refused.value) == why


@pytest.mark.parametrize("data", [_frame(b"x", 1), _frame(b"x" * 40, 40)], ids=["one-byte footer", "all footer"])
def test_a_parquet_frame_whose_footer_fits_exactly_is_passed_on_to_the_reader(data):
    check_parquet_frame(data)  # no error: whether the footer parses is the reader's to say
