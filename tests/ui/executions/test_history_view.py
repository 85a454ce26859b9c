"""The history table: filters by type, state and text; streaming keeps id order; loading from the sandbox."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from opsconsole.core.executions.history import parse_events
from opsconsole.core.executions.history.synthetic import synthetic_history
from opsconsole.core.executions.history.events import PROBLEM_EVENTS
from opsconsole.core.format import format_elapsed
from opsconsole.ui.executions.history.loader import HistoryLoader
from opsconsole.ui.executions.history.model import EVENT_ROLE, Column
from opsconsole.ui.executions.history.view import HistoryView

DATA = Path(__file__).resolve().parents[2] / "data" / "histories"


def events_of(name: str):
    return parse_events(json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))["events"])


@pytest.fixture
def view(qtbot):
    widget = HistoryView()
    qtbot.addWidget(widget)
    widget.resize(1200, 700)
    return widget


def shown(view):
    return view.model.visible_events()


def test_every_event_is_a_row_with_its_state_and_elapsed_time(view):
    events = events_of("retries_caught")
    view.set_events(events)
    model = view.model
    assert model.rowCount() == len(events) == 28
    assert view.count_label.text() == "28 events"
    row = next(i for i, e in enumerate(events) if e.type == "TaskScheduled")
    cell = lambda col: model.index(row, col).data()  # noqa: E731
    assert (cell(Column.ID), cell(Column.TYPE), cell(Column.STATE)) == (
        str(events[row].id), "TaskScheduled", "Load dataset manifest")
    assert cell(Column.ELAPSED) == format_elapsed((events[row].timestamp - events[0].timestamp).total_seconds())
    assert cell(Column.DETAILS).startswith("dynamodb:getItem")
    assert model.index(0, Column.ELAPSED).data() == "0.000 s"
    assert model.index(row, 0).data(EVENT_ROLE) is events[row]


def test_type_state_and_text_filters_narrow_the_rows(view):
    view.set_events(events_of("retries_caught"))
    view.set_type_filter({"TaskFailed"})
    assert [e.type for e in shown(view)] == ["TaskFailed"] * 3
    assert view.count_label.text() == "3 of 28 events" and view.type_button.text() == "TaskFailed"

    view.set_type_filter(None)
    view.set_state_filter("Reserve training capacity")
    assert {e.state for e in shown(view)} == {"Reserve training capacity"} and len(shown(view)) == 10

    view.search.setText("ml.p3.16xlarge")
    view.search.flush()
    narrowed = shown(view)
    assert narrowed and all("ml.p3.16xlarge" in json.dumps(e.details) for e in narrowed)
    assert len(narrowed) < 10

    view.set_state_filter(None)
    view.search.setText("")
    view.search.flush()
    assert view.model.rowCount() == 28


def test_failures_only_and_the_type_menu(view):
    view.set_events(events_of("map_failed"))
    view.set_type_filter(PROBLEM_EVENTS)
    assert {e.type for e in shown(view)} == {"FailStateEntered", "MapIterationFailed", "MapStateFailed",
                                              "ExecutionFailed"}
    assert view.type_button.text() == "Failures"
    view.set_type_filter(None)
    view._fill_type_menu()
    actions = {a.text().split(" (")[0]: a for a in view.type_menu.actions() if a.isCheckable()}
    assert "MapIterationStarted" in actions and all(a.isChecked() for a in actions.values())
    actions["MapIterationStarted"].setChecked(False)
    assert "MapIterationStarted" not in {e.type for e in shown(view)}
    actions["MapIterationStarted"].setChecked(True)
    assert view.model.filter.types is None  # every type ticked again = no filter


def test_state_combo_offers_every_state_once(view):
    events = events_of("map")
    view.append_events(events[:200])
    view.append_events(events[200:])
    states = [view.state_combo.itemData(i) for i in range(1, view.state_combo.count())]
    assert states == list(dict.fromkeys(e.state for e in events if e.state))


def test_streamed_pages_keep_rows_in_id_order(view, qtbot):
    events = events_of("map")
    view.set_type_filter({"MapIterationSucceeded", "MapIterationStarted"})
    inserted = []
    view.model.rowsInserted.connect(lambda _p, first, last: inserted.append((first, last)))
    for start in range(0, len(events), 50):
        view.append_events(events[start:start + 50])
    assert [e.id for e in view.model.events()] == [e.id for e in events]
    assert [e.id for e in shown(view)] == [e.id for e in events if e.type.startswith("MapIteration")]
    assert len(inserted) >= 7  # rows arrived page by page, not in one reset at the end
    view.append_events(events[-10:])  # a page delivered twice changes nothing
    assert len(view.model.events()) == len(events)


def test_newest_first_pages_still_show_oldest_first(view):
    events = events_of("caught")
    for start in range(len(events), 0, -5):
        view.append_events(list(reversed(events[max(0, start - 5):start])))
    assert [e.id for e in shown(view)] == [e.id for e in events]
    assert view.model.index(0, Column.ELAPSED).data() == "0.000 s"


def test_selecting_a_row_emits_the_event(view, qtbot):
    events = events_of("caught")
    view.set_events(events)
    with qtbot.waitSignal(view.event_selected) as signal:
        assert view.select_event(13)
    assert signal.args[0].type == "TaskFailed" and signal.args[0].id == 13
    view.set_type_filter({"ExecutionFailed"})
    assert not view.select_event(13)


def test_a_25000_event_history_loads_and_filters(view):
    raw = synthetic_history(25_000)
    events = parse_events(raw)
    for start in range(0, len(events), 1000):
        view.append_events(events[start:start + 1000])
    model = view.model
    assert model.rowCount() == len(events) > 24_000
    assert model.index(model.rowCount() - 1, Column.TYPE).data() == "ExecutionSucceeded"
    view.set_state_filter("Classify batch")
    assert model.rowCount() == sum(1 for e in events if e.state == "Classify batch")
    view.set_type_filter({"TaskFailed"})
    failed = model.rowCount()
    assert 0 < failed < 1000
    view.search.setText("TooManyRequests")
    view.search.flush()
    assert model.rowCount() == failed


def test_loader_streams_from_the_sandbox_and_builds_runs(qtbot, runner, sandbox, sandbox_clients, view):
    sfn = sandbox_clients.client("stepfunctions")
    machine = sandbox.scenario.state_machines["inference"]
    # a run that was never redriven (other tests may redrive some in the shared sandbox)
    arn = next(e["executionArn"] for e in sfn.list_executions(stateMachineArn=machine, statusFilter="SUCCEEDED",
                                                              maxResults=100)["executions"]
               if not e.get("redriveCount"))
    loader = HistoryLoader(runner, view)
    pages = []
    view.model.rowsInserted.connect(lambda *_: pages.append(view.model.rowCount()))
    with qtbot.waitSignal(loader.runs_ready, timeout=30000) as signal:
        loader.load(sandbox_clients, arn, page_size=100)
    events, runs = signal.args
    assert len(pages) >= 3 and pages == sorted(pages)
    assert view.model.events() == events and events[-1].type == "ExecutionSucceeded"
    assert {r.state for r in runs} >= {"Get winner model", "Classify item batches"}
    batches = sum(1 for r in runs if r.parent == "Classify item batches" and r.state == "Classify batch")
    map_run = next(r for r in runs if r.state == "Classify item batches")
    # one run of the iteration's first state per item the Map was given (60 in the seeded runs)
    assert batches == map_run.map_length >= 50


def test_loader_reports_a_missing_execution(qtbot, runner, sandbox, sandbox_clients, view):
    loader = HistoryLoader(runner, view)
    with qtbot.waitSignal(loader.failed, timeout=30000) as signal:
        loader.load(sandbox_clients, "arn:aws:states:eu-west-1:123456789012:execution:mlops-inference:nope")
    assert signal.args[0].message
