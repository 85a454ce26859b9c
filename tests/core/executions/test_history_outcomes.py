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


def _fetch_fails(h: History, iteration_started: int, t: float, failed: float, error: str) -> int:
    fetch = h.enter("Task", "Fetch", t, after=iteration_started)
    h.add("TaskScheduled", t, after=fetch, resourceType="s3", resource="getObject", region="eu-west-1",
          parameters="{}")
    return h.add("TaskFailed", failed, resourceType="s3", resource="getObject", error=error, cause=f"{error} cause")


def test_the_map_shows_the_error_of_the_iteration_that_failed_first():
    h = History()
    h.enter("Map", "Shards", 1)
    started = h.add("MapStateStarted", 1, length=2)
    first = h.add("MapIterationStarted", 2, after=started, name="Shards", index=0)
    second = h.add("MapIterationStarted", 3, after=started, name="Shards", index=1)
    late = _fetch_fails(h, first, 2, 20, "S3.SlowDown")  # entered first, failed last
    early = _fetch_fails(h, second, 3, 8, "S3.NoSuchKey")
    h.add("MapIterationFailed", 8, after=early, name="Shards", index=1)
    h.add("MapStateFailed", 8)
    h.add("MapIterationFailed", 20, after=late, name="Shards", index=0)
    h.add("ExecutionFailed", 20, error="S3.NoSuchKey", cause="S3.NoSuchKey cause")
    events = h.served()
    shards = [r for r in state_runs(events) if r.state == "Shards"][0]
    assert (shards.status, shards.error, shards.cause) == ("failed", "S3.NoSuchKey", "S3.NoSuchKey cause")
    assert shards.retries == [(at(1), at(8), "S3.NoSuchKey")]
    assert failed_run(events).iteration == 1
    assert failure_point(events) == ("Fetch", "S3.NoSuchKey", "S3.NoSuchKey cause")


def test_a_failure_caught_two_levels_up_is_not_the_failure_point():
    h = History()
    h.enter("Parallel", "Prepare", 1)
    branches = h.add("ParallelStateStarted", 1)
    h.enter("Map", "Shards", 2, after=branches)
    started = h.add("MapStateStarted", 2, length=1)
    iteration = h.add("MapIterationStarted", 3, after=started, name="Shards", index=0)
    _fetch_fails(h, iteration, 3, 8, "S3.NoSuchKey")
    h.add("MapIterationFailed", 8, name="Shards", index=0)
    h.add("MapStateFailed", 8)
    h.add("ParallelStateFailed", 8)
    h.exit("Parallel", "Prepare", 9)
    h.add("FailStateEntered", 10, name="Give up", input="{}")
    h.add("ExecutionFailed", 10, error="Prepare.Failed", cause="could not prepare")
    events = h.served()
    assert failure_point(events) == ("Give up", "Prepare.Failed", "could not prepare")
    runs = {r.state: r for r in state_runs(events)}
    assert {name: (r.status, r.error) for name, r in runs.items()} == {
        "Prepare": ("caught", "S3.NoSuchKey"), "Shards": ("failed", "S3.NoSuchKey"),
        "Fetch": ("failed", "S3.NoSuchKey"), "Give up": ("failed", "Prepare.Failed")}
    assert runs["Prepare"].retries == [(at(1), at(8), "S3.NoSuchKey")]


def _score_fails_once(h: History) -> None:
    """'Score' fails its first attempt at 5 s; its Retry waits before the next one."""
    h.enter("Task", "Score", 1)
    h.add("TaskScheduled", 2, resourceType="lambda", resource="invoke", region="eu-west-1", parameters="{}")
    h.add("TaskFailed", 5, resourceType="lambda", resource="invoke", error="Lambda.TooManyRequestsException",
          cause="Rate exceeded")


def test_stopped_during_a_retrys_back_off_the_failure_point_says_the_stop():
    h = History()
    _score_fails_once(h)
    h.add("ExecutionAborted", 20, error="Operator.Abort", cause="Stopped by lena")
    events = h.served()
    assert failure_point(events) == ("Score", "Operator.Abort", "Stopped by lena")
    score = state_runs(events)[0]
    assert (score.status, score.exited, score.error) == ("failed", at(5), "Lambda.TooManyRequestsException")


def test_timed_out_during_a_retrys_back_off_the_failure_point_says_states_timeout():
    h = History()
    _score_fails_once(h)
    h.add("ExecutionTimedOut", 20)
    assert failure_point(h.served()) == ("Score", "States.Timeout", None)


def test_timed_out_between_two_states_still_says_states_timeout():
    h = History()
    h.enter("Pass", "Prepare", 1)
    h.exit("Pass", "Prepare", 2)
    h.add("ExecutionTimedOut", 3600)
    assert failure_point(h.served()) == (None, "States.Timeout", None)


def test_a_fail_state_without_an_error_shows_none():
    h = History()
    h.add("FailStateEntered", 1, name="Stop here", input="{}")
    h.add("ExecutionFailed", 1)
    events = h.served()
    runs = state_runs(events)
    assert [(r.state, r.status, r.error, r.cause) for r in runs] == [("Stop here", "failed", None, None)]
    assert failure_point(events) == ("Stop here", None, None)
    assert failed_run(events, runs) is runs[0]  # one of the runs shown, to select in the table


def test_a_map_run_twice_counts_the_items_of_both_runs():
    h = History()
    for length, t in ((5, 1), (3, 20)):  # a loop enters the Map again
        h.enter("Map", "Batch", t)
        started = h.add("MapStateStarted", t, length=length)
        for index in range(length):
            h.add("MapIterationStarted", t + 1, after=started, name="Batch", index=index)
            outcome = ("MapIterationSucceeded", "MapIterationFailed", "MapIterationAborted")[index % 3]
            h.add(outcome, t + 2, name="Batch", index=index)
        h.add("MapStateSucceeded", t + 3)
        h.exit("Map", "Batch", t + 3)
    done = progress(h.served())
    assert done.maps == {"Batch": (8, 8)} and str(done) == "1 of 1 states done · 8 of 8 Map iterations"


def test_stopped_between_two_states_has_no_failed_state():
    h = History()
    h.enter("Pass", "Prepare", 1)
    h.exit("Pass", "Prepare", 2)
    h.add("ExecutionAborted", 3)
    assert failure_point(h.served()) == (None, None, None)
