"""The Gantt chart of an execution: lanes per state (Map iterations on demand), bars, segments, axis labels."""

from __future__ import annotations

import pytest
from history_shapes import T0, at

from opsconsole.core.executions.history import RUN_STATUSES, StateRun
from opsconsole.core.executions.history.timeline import Lane, elapsed_label, lane_rows, run_arrays, time_span, timeline_lanes


def _run(state: str, type_: str, entered: float, exited: float | None = None, **kw) -> StateRun:
    return StateRun(state=state, type=type_, entered=at(entered), exited=at(exited) if exited is not None else None,
                    status=kw.pop("status", "succeeded" if exited is not None else "running"), **kw)


def _fan_out() -> list[StateRun]:
    """A Map whose iterations run a Task and a Parallel, a Distributed Map (no inner states in the history),
    and a state whose enclosing Map is not in the runs (a partial history)."""
    return [
        _run("Fan out", "Map", 0, 100),                                           # 0
        _run("Score", "Task", 20, 30, parent="Fan out", iteration=1),             # 1
        _run("Score", "Task", 10, 25, parent="Fan out", iteration=0),             # 2
        _run("Check", "Parallel", 26, 40, parent="Fan out", iteration=0),         # 3
        _run("Lint", "Pass", 27, 28, parent="Check", branch=0),                   # 4
        _run("Store", "Task", 31, 35, parent="Fan out", iteration=1),             # 5
        _run("Export", "Map", 101, 120),                                          # 6
        _run("Orphan", "Pass", 121, 122, parent="Gone", iteration=4),             # 7
    ]


def _lanes(lanes: list[Lane]) -> list[tuple]:
    return [(lane.label, lane.depth, lane.kind, lane.runs, lane.expandable, lane.expanded) for lane in lanes]


def test_states_nest_under_their_map_or_parallel_in_order_of_first_entry():
    assert _lanes(timeline_lanes(_fan_out())) == [
        ("Fan out", 0, "state", [0], True, False),
        ("Score", 1, "state", [1, 2], False, False),
        ("Check", 1, "state", [3], False, False),
        ("Lint", 2, "state", [4], False, False),
        ("Store", 1, "state", [5], False, False),
        ("Export", 0, "state", [6], False, False),  # a Distributed Map: nothing to expand
        ("Orphan", 0, "state", [7], False, False),
    ]


def test_an_expanded_map_shows_one_lane_per_iteration_and_keeps_nested_containers():
    lanes = timeline_lanes(_fan_out(), expanded={"Fan out", "Export"})
    assert _lanes(lanes) == [
        ("Fan out", 0, "state", [0], True, True),
        ("#0", 1, "iteration", [2, 3], False, False),  # in order of entry within the iteration
        ("#1", 1, "iteration", [1, 5], False, False),
        ("Check", 1, "state", [3], False, False),
        ("Lint", 2, "state", [4], False, False),
        ("Export", 0, "state", [6], False, False),
        ("Orphan", 0, "state", [7], False, False),
    ]
    assert [(lane.key, lane.state, lane.iteration) for lane in lanes[:3]] == [
        ("Fan out", "Fan out", None), ("Fan out#0", None, 0), ("Fan out#1", None, 1)]


def test_time_span_runs_from_the_first_entry_to_the_last_known_time():
    assert time_span([]) == (0.0, 1.0)
    runs = [_run("A", "Task", 2, 10), _run("B", "Task", 5, waiting_since=at(14)), _run("C", "Task", 3)]
    assert time_span(runs) == (at(2).timestamp(), at(14).timestamp())
    start, end = time_span([_run("A", "Pass", 7, 7)])
    assert start == at(7).timestamp() and end - start == pytest.approx(0.001, abs=1e-4)
    assert run_arrays([_run("A", "Pass", 7, 7)]).span == pytest.approx(0.001, abs=1e-4)
    assert timeline_lanes([]) == []


def _bars() -> list[StateRun]:
    return [
        _run("A", "Task", 0, 10),
        _run("B", "Task", 5, waiting_since=at(8)),
        _run("C", "Task", 2, 6, status="retried", attempts=2, retries=[(at(2), at(3), "E")], waits=[(at(3), at(4))]),
        _run("D", "Task", 1, 2, status="failed", retries=[(at(1), at(2), "E")]),
    ]


def test_bars_and_segments_relative_to_the_first_entry():
    arrays = run_arrays(_bars())
    assert arrays.origin == T0.timestamp() and arrays.span == 10
    assert arrays.start.tolist() == [0, 5, 2, 1] and arrays.end.tolist() == [10, 10, 6, 2]
    assert [RUN_STATUSES[i] for i in arrays.status] == ["succeeded", "running", "retried", "failed"]
    # Only a run tried more than once shows its failed attempts as segments; a single failure is the bar's colour.
    assert [a.tolist() for a in arrays.fails] == [[2], [2], [3]]
    assert [a.tolist() for a in arrays.waits] == [[2, 1], [3, 8], [4, 10]]


def test_running_bars_and_open_waits_reach_now():
    arrays = run_arrays(_bars(), now=at(20).timestamp())
    assert arrays.span == 20 and arrays.end.tolist() == [10, 20, 6, 2]
    assert [a.tolist() for a in arrays.waits] == [[2, 1], [3, 8], [4, 20]]
    assert run_arrays(_bars(), now=at(1).timestamp()).span == 10  # a clock behind the history changes nothing


def test_lane_rows_hold_each_lanes_bars_and_segments():
    arrays = run_arrays(_bars())
    lanes = [Lane("A", "A", 0, "A", runs=[0, 2]), Lane("B", "B", 0, "B", runs=[1, 3]), Lane("E", "E", 0, None)]
    rows = lane_rows(arrays, lanes)
    assert [row["run"].tolist() for row in rows] == [[0, 2], [1, 3], []]
    assert [row["start"].tolist() for row in rows] == [[0, 2], [5, 1], []]
    assert [row["end"].tolist() for row in rows] == [[10, 6], [10, 2], []]
    assert [[RUN_STATUSES[i] for i in row["status"]] for row in rows] == [
        ["succeeded", "retried"], ["running", "failed"], []]
    assert [(row["fail_start"].tolist(), row["fail_end"].tolist()) for row in rows] == [([2], [3]), ([], []), ([], [])]
    assert [(row["wait_start"].tolist(), row["wait_end"].tolist()) for row in rows] == [([3], [4]), ([8], [10]),
                                                                                       ([], [])]


def test_lane_rows_without_any_segments():
    arrays = run_arrays([_run("A", "Pass", 0, 1)])
    (row,) = lane_rows(arrays, [Lane("A", "A", 0, "A", runs=[0])])
    assert row["fail_start"].tolist() == [] and row["wait_end"].tolist() == [] and row["end"].tolist() == [1]


@pytest.mark.parametrize(("seconds", "step", "label"), [
    (0, 1, "0 s"), (5, 1, "5 s"), (59.4, 10, "59 s"),
    (1.25, 0.5, "1.2 s"), (1.25, 0.1, "1.2 s"), (1.25, 0.05, "1.25 s"), (1.25, 0.01, "1.25 s"),
    (0.125, 0.005, "0.125 s"),
    (60, 60, "1 m"), (90, 30, "1 m 30 s"), (300, 60, "5 m"), (3599.6, 60, "1 h"), (3661, 60, "1 h 1 m"),
    (5400, 600, "1 h 30 m"), (86400, 3600, "1 d"), (2 * 86400 + 3600 + 61, 3600, "2 d 1 h"),
])
def test_time_axis_labels_are_as_precise_as_the_tick_step(seconds, step, label):
    assert elapsed_label(seconds, step) == label


def test_a_run_in_no_lane_is_drawn_in_none():
    arrays = run_arrays(_bars())
    rows = lane_rows(arrays, [Lane("A", "A", 0, "A", runs=[0]), Lane("B", "B", 0, "B", runs=[1])])
    assert [row["run"].tolist() for row in rows] == [[0], [1]]
    assert [(row["fail_start"].tolist(), row["wait_start"].tolist()) for row in rows] == [([], []), ([], [8])]
