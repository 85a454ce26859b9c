"""ExecutionsTableModel: paging in, sorting and filtering 100,000 rows correctly, Qt's model contract."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt

from opsconsole.core.executions.listing import STATUSES, Execution
from opsconsole.ui.executions.table_model import EXECUTION_ROLE, SORT_ROLE, Column, ExecutionsTableModel

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=timezone.utc)
MACHINES = ["training", "evaluation", "inference", "comparison"]
COUNTRIES = ["de", "fr", "uk", "us", "es", "it", "jp"]


def synthetic(n: int, seed: int = 1) -> list[Execution]:
    rnd = random.Random(seed)
    rows = []
    for i in range(n):
        machine = MACHINES[i % len(MACHINES)]
        status = STATUSES[rnd.randrange(len(STATUSES))]
        start = NOW - timedelta(seconds=rnd.randrange(0, 120 * 86400))
        stop = None if status == "RUNNING" else start + timedelta(seconds=rnd.randrange(1, 40000))
        name = f"{rnd.choice(COUNTRIES)}-{i:06d}"
        rows.append(
            Execution(
                arn=f"arn:aws:states:eu-west-1:111122223333:execution:{machine}:{name}",
                name=name,
                state_machine_arn=f"arn:aws:states:eu-west-1:111122223333:stateMachine:{machine}",
                state_machine_name=machine,
                status=status,
                start=start,
                stop=stop,
                redrive_count=rnd.choice([0, 0, 0, 1, 2]),
            )
        )
    return rows


def fill(model: ExecutionsTableModel, rows: list[Execution], page: int = 1000) -> int:
    inserts = []
    model.rowsInserted.connect(lambda *_: inserts.append(1))
    for i in range(0, len(rows), page):
        model.append_page(rows[i : i + page])
    return len(inserts)


def shown(model: ExecutionsTableModel) -> list[Execution]:
    return [model.execution(r) for r in range(model.rowCount())]


@pytest.fixture(scope="module")
def big() -> list[Execution]:
    return synthetic(100_000)


def test_a_page_is_one_insert_and_rows_arrive_in_order(qtbot):
    model = ExecutionsTableModel()
    rows = synthetic(5000)
    assert fill(model, rows, page=1000) == 5
    assert model.rowCount() == 5000
    assert shown(model) == rows


def test_100k_rows_sort_and_filter_correctly(qtbot, big):
    model = ExecutionsTableModel()
    assert fill(model, big) == 100
    assert model.rowCount() == 100_000

    model.sort(Column.STARTED, Qt.SortOrder.DescendingOrder)
    starts = [e.start for e in shown(model)]
    assert starts == sorted((e.start for e in big), reverse=True)

    model.sort(Column.DURATION, Qt.SortOrder.AscendingOrder)
    durations = [model.index(r, Column.DURATION).data(SORT_ROLE) for r in range(0, 100_000, 997)]
    assert durations == sorted(durations)

    model.sort(Column.NAME, Qt.SortOrder.AscendingOrder)
    assert [e.name for e in shown(model)] == sorted(e.name for e in big)

    model.set_name_filter("DE-0042")  # any case
    expected = sorted(e.name for e in big if "de-0042" in e.name)
    assert expected and [e.name for e in shown(model)] == expected

    cutoff = NOW - timedelta(days=7)
    model.set_started_after(cutoff)
    by_name = {e.name: e for e in big}
    assert [e.name for e in shown(model)] == [n for n in expected if by_name[n].start >= cutoff]

    model.set_name_filter("")
    recent = [e for e in big if e.start >= cutoff]
    assert model.rowCount() == len(recent)
    model.sort(Column.STARTED, Qt.SortOrder.AscendingOrder)
    assert [e.start for e in shown(model)] == sorted(e.start for e in recent)

    model.set_started_after(None)
    assert model.rowCount() == 100_000


def test_pages_arriving_while_sorted_land_in_sorted_place(qtbot):
    model = ExecutionsTableModel()
    model.sort(Column.STARTED, Qt.SortOrder.DescendingOrder)
    model.set_name_filter("de-")
    rows = synthetic(20_000, seed=3)
    fill(model, rows, page=1000)
    expected = sorted((e for e in rows if "de-" in e.name), key=lambda e: e.start, reverse=True)
    assert [e.arn for e in shown(model)] == [e.arn for e in expected]
    assert model.loaded_count() == 20_000


def test_selection_follows_its_execution_through_a_sort(qtbot):
    model = ExecutionsTableModel()
    fill(model, synthetic(3000))
    selection = QItemSelectionModel(model)
    picked = model.execution(1234)
    flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
    selection.select(model.index(1234, 0), flags)
    model.sort(Column.NAME, Qt.SortOrder.DescendingOrder)
    rows = selection.selectedRows()
    assert [model.execution(i.row()) for i in rows] == [picked]
    model.append_page(synthetic(2, seed=99))
    assert [model.execution(i.row()) for i in selection.selectedRows()] == [picked]


def test_refresh_updates_rows_in_place_and_keeps_counts(qtbot):
    model = ExecutionsTableModel()
    rows = synthetic(500)
    fill(model, rows)
    running = next(e for e in rows if e.status == "RUNNING")
    machine = running.state_machine_arn
    before = model.status_counts()[machine].copy()
    done = replace(running, status="SUCCEEDED", stop=running.start + timedelta(minutes=5))
    changed = []
    model.dataChanged.connect(lambda *_: changed.append(1))
    model.append_page([done])  # a listing page that overlaps what a refresh already added
    assert model.loaded_count() == 500, "no duplicate row"
    row = model.rows_of([running.arn])[0]
    assert model.index(row, Column.STATUS).data() == "SUCCEEDED"
    assert model.index(row, Column.DURATION).data() == "5 m 00 s"
    assert changed
    after = model.status_counts()[machine]
    assert after["RUNNING"] == before["RUNNING"] - 1
    assert after["SUCCEEDED"] == before["SUCCEEDED"] + 1
    assert running.arn not in model.running_arns()


def test_cells_read_as_a_person_expects(qtbot):
    model = ExecutionsTableModel()
    e = synthetic(1)[0]
    e = replace(e, status="FAILED", redrive_count=2, stop=e.start + timedelta(hours=2, minutes=5))
    model.append_page([e])
    row = [model.index(0, c).data() for c in Column]
    assert row[Column.STATUS] == "FAILED"
    assert row[Column.NAME] == e.name
    assert row[Column.STATE_MACHINE] == e.state_machine_name
    assert row[Column.STARTED] == e.start.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    assert row[Column.DURATION] == "2 h 05 m"
    assert row[Column.REDRIVES] == "2"
    assert model.index(0, Column.NAME).data(Qt.ItemDataRole.ToolTipRole) == e.arn
    assert model.index(0, 0).data(EXECUTION_ROLE) == e
    assert model.headerData(Column.STARTED, Qt.Orientation.Horizontal) == "Started"
    assert model.rowCount(model.index(0, 0)) == 0, "a flat table: rows have no children"


def test_model_keeps_qts_contract_through_paging_sorting_filtering(qtmodeltester):
    model = ExecutionsTableModel()
    qtmodeltester.check(model)
    rows = synthetic(1500, seed=5)
    model.append_page(rows[:500])
    model.sort(Column.STARTED, Qt.SortOrder.DescendingOrder)
    model.append_page(rows[500:1000])
    model.set_name_filter("fr")
    model.append_page(rows[1000:])
    model.upsert([replace(rows[3], status="ABORTED")])
    model.set_name_filter("")
    model.sort(Column.STATUS, Qt.SortOrder.AscendingOrder)
    model.clear()
    assert model.rowCount(QModelIndex()) == 0
