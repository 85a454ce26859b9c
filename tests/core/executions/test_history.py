"""Execution histories recorded from the sandbox: per-state runs, outcomes, failure point, progress."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from opsconsole.core.executions.history import (
    HistoryEvent,
    MapRun,
    failure_point,
    parse_events,
    progress,
    state_input,
    state_outcomes,
    state_runs,
    summarise,
)

DATA = Path(__file__).resolve().parents[2] / "data" / "histories"
ALL = sorted(p.stem for p in DATA.glob("*.json"))


def load(name: str) -> tuple[dict, list[HistoryEvent]]:
    recorded = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
    return recorded, parse_events(recorded["events"])


def runs_of(runs, state):
    return [r for r in runs if r.state == state]


def test_every_shape_is_recorded():
    assert {"success", "failure", "caught", "retries", "map", "parallel", "task_token_waiting",
            "task_token_approved", "timed_out", "aborted", "redriven_running"} <= set(ALL)
    assert sum((DATA / f"{n}.json").stat().st_size for n in ALL) < 2_000_000


@pytest.mark.parametrize("name", ALL)
def test_every_state_event_knows_its_state(name):
    recorded, events = load(name)
    assert [e.id for e in events] == list(range(1, len(events) + 1))
    for event in events:
        if event.type.startswith("Execution"):
            assert event.state is None
        else:
            assert event.state, f"event {event.id} {event.type} has no state"
    # Events that name their state agree with the resolution.
    for event in events:
        if "name" in event.details and not event.type.startswith("MapIteration"):
            assert event.state == event.details["name"]


@pytest.mark.parametrize("name", ALL)
def test_outcomes_and_final_status_agree(name):
    recorded, events = load(name)
    status = recorded["execution"]["status"]
    state, error, cause = failure_point(events)
    runs = state_runs(events)
    assert set(state_outcomes(events)) == {r.state for r in runs}
    outcomes = summarise(events, runs).outcomes  # what the graph shows: after a redrive, the states' new runs
    if status == "SUCCEEDED":
        assert (state, error, cause) == (None, None, None)
        assert "failed" not in outcomes.values() and "running" not in outcomes.values()
    elif status == "RUNNING":
        assert state is None and "running" in outcomes.values()
        assert not progress(events).finished
    else:
        assert state is not None and outcomes[state] in ("failed", "aborted")
        assert error == recorded["execution"].get("error") or status in ("TIMED_OUT", "ABORTED")
    if status != "RUNNING":
        assert all(r.status != "running" and r.exited is not None for r in runs)


def test_success_every_state_succeeded_and_is_done():
    _, events = load("success")
    runs = state_runs(events)
    assert [r.state for r in runs] == ["Get winner model", "Winner model registered?", "Confident enough?",
                                       "Queue for human review", "Record classification", "Classified"]
    assert {r.status for r in runs} == {"succeeded"}
    assert runs_of(runs, "Queue for human review")[0].resource == "sqs:sendMessage"
    p = progress(events)
    assert (p.states_done, p.states_reached, p.finished) == (6, 6, True)
    assert json.loads(runs[0].input)["itemId"].startswith("itm-")
    assert json.loads(runs[-1].output) is not None


def test_failure_points_at_the_fail_state_with_the_execution_error():
    recorded, events = load("failure")
    state, error, cause = failure_point(events)
    assert state == "Data quality check failed"
    assert error == "DataQualityCheckFailed" == recorded["execution"]["error"]
    assert cause == recorded["execution"]["cause"] and "below the 95 pct minimum" in cause
    failed = runs_of(state_runs(events), state)[0]
    assert (failed.status, failed.error, failed.cause) == ("failed", error, cause)
    assert state_outcomes(events)["Data quality gate"] == "succeeded"


def test_caught_error_is_caught_and_the_run_fails_later():
    _, events = load("caught")
    runs = state_runs(events)
    approval = runs_of(runs, "Request promotion approval")[0]
    assert approval.status == "caught"
    assert approval.error == "ModelPromotionRejected" and approval.cause.startswith("Rejected by")
    assert approval.resource == "sqs:sendMessage.waitForTaskToken"
    assert len(approval.waits) == 1  # waiting for the reviewer's answer to the task token
    assert state_outcomes(events)["Notify rejection"] == "succeeded"
    assert failure_point(events)[:2] == ("Promotion rejected", "ModelPromotionRejected")


def test_retry_then_success_counts_attempts_and_backoff():
    _, events = load("retries")
    run = runs_of(state_runs(events), "Reserve training capacity")[0]
    assert (run.status, run.attempts) == ("retried", 2)
    assert [e for _, _, e in run.retries] == ["DynamoDB.ConditionalCheckFailedException"]
    start, end, _ = run.retries[0]
    assert run.entered <= start < end <= run.exited
    assert len(run.waits) == 1 and run.waits[0][0] == end  # the back-off follows the failed attempt
    assert run.parent == "Prepare training" and run.branch in (0, 1) and run.iteration is None
    assert state_outcomes(events)["Reserve training capacity"] == "retried"


def test_three_failed_attempts_caught_by_the_parallel():
    _, events = load("retries_caught")
    runs = state_runs(events)
    task = runs_of(runs, "Reserve training capacity")[0]
    assert (task.status, task.attempts, len(task.retries)) == ("failed", 3, 3)
    assert {e for _, _, e in task.retries} == {"DynamoDB.ConditionalCheckFailedException"}
    assert [s for s, _, _ in task.retries] == sorted(s for s, _, _ in task.retries)
    parallel = runs_of(runs, "Prepare training")[0]
    assert parallel.status == "caught" and parallel.error == "DynamoDB.ConditionalCheckFailedException"
    assert failure_point(events)[:2] == ("Training capacity unavailable", "SageMaker.ResourceLimitExceeded")


def test_retries_exhausted_fail_the_task_itself():
    _, events = load("retries_exhausted")
    state, error, cause = failure_point(events)
    assert state == "Load test set manifest" and error == "DynamoDB.ResourceNotFoundException"
    run = runs_of(state_runs(events), state)[0]
    assert (run.status, run.attempts) == ("failed", 3)
    assert run.exited == run.retries[-1][1]


def test_inline_map_iterations_are_counted_and_labelled():
    _, events = load("map")
    runs = state_runs(events)
    inner = runs_of(runs, "Classify batch")
    assert sorted(r.iteration for r in inner) == list(range(60))
    assert {r.parent for r in inner} == {"Classify item batches"}
    assert {json.loads(r.input)["batch"] for r in inner} == set(range(1, 61))
    the_map = runs_of(runs, "Classify item batches")[0]
    assert (the_map.map_length, the_map.status, the_map.iteration) == (60, "succeeded", None)
    p = progress(events)
    assert (p.map_iterations_done, p.map_iterations_total) == (60, 60)
    assert p.maps == {"Classify item batches": (60, 60)} and p.fraction == 1.0
    assert str(p) == "9 of 9 states done · 60 of 60 Map iterations"


def test_failed_map_iteration_is_the_failure_point():
    _, events = load("map_failed")
    state, error, cause = failure_point(events)
    assert state == "Batch transform failed" and error == "SageMaker.TransformJobFailed"
    runs = state_runs(events)
    failed = runs_of(runs, state)[0]
    failed_index = next(e.details["index"] for e in events if e.type == "MapIterationFailed")
    assert failed.iteration == failed_index and f"part-{failed_index + 1}" in cause
    the_map = runs_of(runs, "Classify item batches")[0]
    assert the_map.status == "failed" and the_map.error == error
    p = progress(events)
    assert p.map_iterations_total == 60 and 0 < p.map_iterations_done < 60


def test_parallel_branches_and_nested_map():
    _, events = load("parallel")
    runs = state_runs(events)
    # Branches are numbered in the order they started; states of one branch share its number.
    prepare = {r.state: r.branch for r in runs if r.parent == "Prepare training"}
    assert prepare["Start processing job"] == prepare["Wait for processing job"] != prepare["Reserve training capacity"]
    assert set(prepare.values()) == {0, 1}
    register = {r.state: r.branch for r in runs if r.parent == "Register and notify"}
    assert set(register) == {"Register model package", "Publish training finished"}
    assert set(register.values()) == {0, 1}
    waits = runs_of(runs, "Wait for processing job")[0]
    assert waits.waits == [(waits.entered, waits.exited)]
    assert sorted(r.iteration for r in runs_of(runs, "Wait for training job")) == [0, 1, 2]


def test_timed_out_execution_points_at_the_state_that_was_running():
    _, events = load("timed_out")
    state, error, _ = failure_point(events)
    assert error == "States.Timeout"
    run = runs_of(state_runs(events), state)[0]
    assert run.status == "timed_out" and run.exited == events[-1].timestamp
    assert state_outcomes(events)[state] == "failed"


def test_aborted_while_waiting_for_approval():
    recorded, events = load("aborted")
    state, error, cause = failure_point(events)
    assert state == "Request promotion approval"
    assert error == "Operator.Abort" and cause.startswith("Stopped by")
    run = runs_of(state_runs(events), state)[0]
    assert run.status == "aborted" and run.waits and run.waits[-1][1] == events[-1].timestamp
    assert state_outcomes(events)[state] == "aborted"


def test_task_token_waiting_then_approved():
    _, waiting = load("task_token_waiting")
    run = runs_of(state_runs(waiting), "Request promotion approval")[0]
    assert run.status == "running" and run.exited is None
    assert run.waiting_since == waiting[-1].timestamp and waiting[-1].type == "TaskSubmitted"
    assert state_outcomes(waiting)["Request promotion approval"] == "running"
    p = progress(waiting)
    assert (p.states_done, p.states_reached, p.finished) == (2, 3, False)

    _, approved = load("task_token_approved")
    assert [e.type for e in approved[: len(waiting)]] == [e.type for e in waiting]
    run = runs_of(state_runs(approved), "Request promotion approval")[0]
    assert run.status == "succeeded" and run.waiting_since is None
    assert run.waits == [(waiting[-1].timestamp, run.waits[0][1])]
    assert json.loads(run.output)["approval"]["decision"] == "approved"
    assert state_outcomes(approved)["Promote candidate"] == "succeeded"


def test_running_execution_progress():
    _, events = load("running")
    p = progress(events)
    assert not p.finished and p.runs_done < p.runs_total
    assert p.maps and all(done < total for done, total in p.maps.values())


def test_a_redriven_execution_runs_on_after_its_earlier_failure():
    # Failed at 'Load config', redriven: the task ran again and the execution now waits in 'Settle'.
    recorded, events = load("redriven_running")
    assert recorded["execution"]["status"] == "RUNNING" and recorded["execution"]["redriveCount"] == 1
    assert "ExecutionRedriven" in [e.type for e in events]
    runs = state_runs(events)
    assert [(r.state, r.status) for r in runs] == [
        ("Prepare", "succeeded"), ("Load config", "failed"), ("Load config", "succeeded"), ("Settle", "running")]
    settle = runs_of(runs, "Settle")[0]
    assert settle.exited is None and settle.waiting_since == settle.entered
    assert runs_of(runs, "Load config")[0].error == "DynamoDB.ResourceNotFoundException"
    assert failure_point(events) == (None, None, None)
    assert not progress(events).finished


def test_state_input_is_the_first_entry():
    _, events = load("map")
    first = next(e for e in events if e.type == "PassStateEntered" and e.details["name"] == "Classify batch")
    assert state_input(events, "Classify batch") == first.details["input"]
    assert json.loads(state_input(events, "Get winner model"))["country"]
    assert state_input(events, "No winner model") is None  # never reached


def test_distributed_map_run_from_recorded_answers():
    recorded, events = load("distributed_map")
    the_map = runs_of(state_runs(events), "Fan out")[0]
    assert the_map.map_run_arn == recorded["mapRuns"][0]["mapRunArn"]
    assert the_map.map_length == 12 and the_map.status == "succeeded"
    run = MapRun.from_api(recorded["mapRuns"][0], recorded["mapRunDescriptions"][0])
    assert run.item_counts["total"] == 12 and run.execution_counts["succeeded"] == 12
    assert run.items_done == 12 and run.status == "SUCCEEDED" and run.label == "fanout"


def test_parse_accepts_unordered_pages_and_every_timestamp_shape():
    recorded, events = load("caught")
    raw = list(reversed(recorded["events"]))
    raw[0] = {**raw[0], "timestamp": events[-1].timestamp.timestamp()}  # epoch seconds, as on the wire
    raw[1] = {**raw[1], "timestamp": events[-2].timestamp}  # datetime, as botocore gives it
    assert parse_events(raw) == events


def test_summarise_gives_outcomes_failure_point_and_progress_at_once():
    from opsconsole.core.executions.history import summarise

    _recorded, events = load("failure")
    summary = summarise(events, state_runs(events))
    assert summary.failure == failure_point(events)
    assert summary.failure[0] == "Data quality check failed"
    assert summary.outcomes == state_outcomes(events) and summary.outcomes["Data quality gate"] == "succeeded"
    assert summary.progress == progress(events) and summary.progress.finished
