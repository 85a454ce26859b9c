"""The Gantt timeline: one lane per state, Map iterations on demand, clicking a bar picks its state."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import QPointF, Qt

from opsconsole.core.executions.history import parse_events, state_runs
from opsconsole.core.executions.history.synthetic import synthetic_history
from opsconsole.ui.executions.timeline.view import TimelineView

DATA = Path(__file__).resolve().parents[2] / "data" / "histories"
ALL = sorted(p.stem for p in DATA.glob("*.json"))


def runs_of(name: str):
    return state_runs(parse_events(json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))["events"]))


@pytest.fixture
def timeline(qtbot):
    widget = TimelineView()
    qtbot.addWidget(widget)
    widget.resize(1200, 700)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.mark.parametrize("name", ALL)
def test_one_lane_per_distinct_state(timeline, name):
    runs = runs_of(name)
    timeline.set_runs(runs)
    labels = timeline.lane_labels()
    assert sorted(labels) == sorted({r.state for r in runs})
    # Inner states sit right under their Map/Parallel state, one level deeper.
    depth = {lane.state: lane.depth for lane in timeline.lanes}
    for run in runs:
        if run.parent:
            assert depth[run.state] == depth[run.parent] + 1
            assert labels.index(run.state) > labels.index(run.parent)


def test_map_expands_into_one_lane_per_iteration(timeline):
    timeline.set_runs(runs_of("map"))
    the_map = next(lane for lane in timeline.lanes if lane.state == "Classify item batches")
    assert the_map.expandable and not the_map.expanded
    timeline.set_expanded("Classify item batches")
    labels = timeline.lane_labels()
    assert [f"#{i}" for i in range(60)] == [label for label in labels if label.startswith("#")]
    assert "Classify batch" not in labels  # its runs now live in the iteration lanes
    iteration_7 = next(lane for lane in timeline.lanes if lane.label == "#7")
    assert {timeline.runs[i].state for i in iteration_7.runs} == {"Batch readable?", "Classify batch"}
    timeline.set_expanded("Classify item batches", False)
    assert "Classify batch" in timeline.lane_labels()


def test_clicking_a_bar_emits_its_state(timeline, qtbot):
    runs = runs_of("retries_caught")
    timeline.set_runs(runs)
    target = next(r for r in runs if r.state == "Prepare training")
    with qtbot.waitSignal(timeline.state_clicked) as clicked, qtbot.waitSignal(timeline.run_clicked) as run:
        qtbot.mouseClick(timeline.plot.viewport(), Qt.MouseButton.LeftButton, pos=timeline.bar_position(target))
    assert clicked.args == ["Prepare training"] and run.args[0] is target
    assert timeline.selected_state == "Prepare training"


def test_clicking_a_map_label_expands_it(timeline, qtbot):
    timeline.set_runs(runs_of("parallel"))
    lane = next(i for i, lane in enumerate(timeline.lanes) if lane.state == "Hyperparameter tuning")
    scene = timeline.viewbox.mapViewToScene(QPointF(0, lane))
    scene.setX(timeline.lane_axis.sceneBoundingRect().center().x())
    qtbot.mouseClick(timeline.plot.viewport(), Qt.MouseButton.LeftButton, pos=timeline.plot.mapFromScene(scene))
    assert ["#0", "#1", "#2"] == [label for label in timeline.lane_labels() if label.startswith("#")]


def test_retries_are_segments_and_waits_are_marked(timeline):
    timeline.set_runs(runs_of("retries_caught"))
    lane = next(i for i, lane in enumerate(timeline.lanes) if lane.state == "Reserve training capacity")
    row = timeline.item.rows[lane]
    assert len(row["fail_start"]) == 3  # one segment per failed attempt
    assert len(row["wait_start"]) == 2  # the back-off between them
    assert all(a < b for a, b in zip(row["fail_end"], row["fail_start"][1:]))
    wait_lane = next(i for i, lane in enumerate(timeline.lanes) if lane.state == "Wait for processing job")
    assert len(timeline.item.rows[wait_lane]["wait_start"]) == 1


def test_hover_text_tells_status_attempts_and_error(timeline):
    runs = runs_of("retries_exhausted")
    timeline.set_runs(runs)
    text = timeline.describe_run(runs[0])
    assert "Load test set manifest" in text and "Failed" in text and "3 attempts" in text
    assert "DynamoDB.ResourceNotFoundException" in text


def test_running_execution_draws_up_to_now(timeline):
    runs = runs_of("task_token_waiting")
    timeline.set_runs(runs)
    waiting = next(r for r in runs if r.state == "Request promotion approval")
    assert waiting.exited is None and waiting.waiting_since is not None
    lane = next(i for i, lane in enumerate(timeline.lanes) if lane.state == waiting.state)
    assert len(timeline.item.rows[lane]["wait_start"]) == 1
    assert "running for" in timeline.describe_run(waiting)


def test_a_25000_event_history_draws(timeline, qtbot):
    runs = state_runs(parse_events(synthetic_history(25_000)))
    timeline.set_runs(runs)
    assert sorted(timeline.lane_labels()) == sorted({r.state for r in runs})
    assert sum(len(row["run"]) for row in timeline.item.rows) == len(runs) > 5000
    assert not timeline.grab().isNull()
    timeline.set_expanded("Classify batches")
    assert len(timeline.lanes) > 2000
    timeline.viewbox.setXRange(40, 41)
    assert not timeline.grab().isNull()
    target = next(r for r in runs if r.state == "Classify batch" and r.iteration == 0)
    timeline.fit()
    timeline.set_expanded("Classify batches", False)
    timeline.viewbox.setXRange((target.entered.timestamp() - timeline._origin) - 0.2,
                               (target.exited.timestamp() - timeline._origin) + 0.2, padding=0)
    with qtbot.waitSignal(timeline.state_clicked) as clicked:
        qtbot.mouseClick(timeline.plot.viewport(), Qt.MouseButton.LeftButton, pos=timeline.bar_position(target))
    assert clicked.args == ["Classify batch"]


def test_no_runs_draws_an_empty_chart(timeline):
    timeline.set_runs(runs_of("caught"))
    timeline.set_runs([])
    assert timeline.lane_labels() == [] and timeline.item.rows == []
    assert not timeline.grab().isNull()


def test_hovering_a_bar_shows_what_it_is(timeline, qtbot):
    from PySide6.QtWidgets import QToolTip

    runs = runs_of("retries_exhausted")
    timeline.set_runs(runs)
    qtbot.mouseMove(timeline.plot.viewport(), timeline.bar_position(runs[0]))
    qtbot.waitUntil(lambda: "Load test set manifest" in QToolTip.text(), timeout=3000)
    assert "3 attempts" in QToolTip.text()
    QToolTip.hideText()
