"""How a history reads at a glance: each state's outcome on the graph, the failure point, the progress label."""

from __future__ import annotations

import pytest
from history_shapes import History, at

from opsconsole.core.executions.history import (
    RunProgress,
    StateRun,
    failed_run,
    failure_point,
    progress,
    state_outcomes,
    state_runs,
)


def _runs(*statuses_by_state: tuple[str, str]) -> list[StateRun]:
    return [StateRun(state=state, type="Task", entered=at(i), status=status)
            for i, (state, status) in enumerate(statuses_by_state)]


def test_a_state_that_ran_several_times_shows_its_worst_run():
    runs = _runs(
        ("Succeeded twice", "succeeded"), ("Succeeded twice", "succeeded"),
        ("Retried once", "succeeded"), ("Retried once", "retried"), ("Retried once", "succeeded"),
        ("Caught once", "caught"), ("Caught once", "retried"),
        ("Still running", "caught"), ("Still running", "running"), ("Still running", "succeeded"),
        ("Aborted once", "running"), ("Aborted once", "aborted"), ("Aborted once", "caught"),
        ("Failed once", "aborted"), ("Failed once", "failed"), ("Failed once", "running"),
        ("Timed out", "succeeded"), ("Timed out", "timed_out"), ("Timed out", "aborted"),
    )
    assert state_outcomes(runs) == {
        "Succeeded twice": "succeeded", "Retried once": "retried", "Caught once": "caught",
        "Still running": "running", "Aborted once": "aborted", "Failed once": "failed", "Timed out": "failed"}
    assert state_outcomes([]) == {}


@pytest.mark.parametrize(("shown", "fraction"), [
    (RunProgress(3, 5), 0.6),
    (RunProgress(3, 5, map_iterations_done=1_200, map_iterations_total=5_000), 0.24),
    (RunProgress(0, 0, finished=True), 1.0),
    (RunProgress(0, 0), 0.0),
])
def test_the_progress_bar_counts_map_items_when_there_are_any(shown, fraction):
    assert shown.fraction == pytest.approx(fraction)


def test_the_progress_label():
    assert str(RunProgress(3, 5)) == "3 of 5 states done"
    assert str(RunProgress(3, 5, 1_200, 5_000)) == "3 of 5 states done · 1,200 of 5,000 Map iterations"


def test_progress_counts_states_and_runs_done_of_an_execution_under_way():
    h = History()
    h.enter("Pass", "Prepare", 1)
    h.exit("Pass", "Prepare", 2)
    h.enter("Map", "Each item", 2)
    h.add("MapStateStarted", 3, length=3)
    for index in range(3):
        h.add("MapIterationStarted", 4 + index, after=5, name="Each item", index=index)
        h.enter("Pass", "Score", 4 + index)
    h.exit("Pass", "Score", 8, after=7)
    h.add("MapIterationSucceeded", 8, name="Each item", index=0)
    h.exit("Pass", "Score", 9, after=9)
    h.add("MapIterationSucceeded", 9, name="Each item", index=1)
    done = progress(h.served())
    assert (done.states_done, done.states_reached, done.runs_done, done.runs_total) == (1, 3, 3, 5)
    assert (done.map_iterations_done, done.map_iterations_total, done.maps) == (2, 3, {"Each item": (2, 3)})
    assert not done.finished and str(done) == "1 of 3 states done · 2 of 3 Map iterations"


def test_a_timed_out_execution_without_an_error_reports_states_timeout():
    h = History()
    h.enter("Task", "Train", 1)
    h.add("TaskScheduled", 2, resourceType="sagemaker", resource="createTrainingJob.sync", region="eu-west-1",
          parameters="{}")
    h.add("ExecutionTimedOut", 3600)
    events = h.served()
    assert failure_point(events) == ("Train", "States.Timeout", None)
    train = state_runs(events)[0]
    assert (train.status, train.error, train.exited) == ("timed_out", "States.Timeout", at(3600))


def test_a_fail_state_gives_the_execution_error_to_the_run_that_failed():
    h = History()
    h.enter("Choice", "Good enough?", 1)
    h.exit("Choice", "Good enough?", 1)
    h.add("FailStateEntered", 2, name="Reject", input="{}")
    h.add("ExecutionFailed", 2, error="Model.Rejected", cause="accuracy 0.71 below 0.80")
    events = h.served()
    assert failure_point(events) == ("Reject", "Model.Rejected", "accuracy 0.71 below 0.80")
    reject = failed_run(events)
    assert (reject.state, reject.status, reject.error, reject.cause, reject.exited) == (
        "Reject", "failed", "Model.Rejected", "accuracy 0.71 below 0.80", at(2))


def test_an_execution_failed_by_a_task_keeps_the_tasks_own_error_when_it_reports_none():
    h = History()
    h.enter("Task", "Load", 1)
    h.add("TaskScheduled", 2, resourceType="dynamodb", resource="getItem", region="eu-west-1", parameters="{}")
    h.add("TaskFailed", 3, resourceType="dynamodb", resource="getItem", error="DynamoDB.ResourceNotFoundException",
          cause="no table")
    h.add("ExecutionFailed", 3)
    events = h.served()
    assert failure_point(events) == ("Load", "DynamoDB.ResourceNotFoundException", "no table")
    assert failed_run(events, state_runs(events)).state == "Load"


def test_a_succeeded_or_running_execution_has_no_failure_point():
    h = History()
    h.enter("Pass", "P", 1)
    assert failure_point(h.served()) == (None, None, None) and failed_run(h.served()) is None
    h.exit("Pass", "P", 2)
    h.add("ExecutionSucceeded", 2, output="{}")
    assert failure_point(h.served()) == (None, None, None) and failed_run(h.served()) is None
