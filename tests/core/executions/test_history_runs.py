"""State runs of histories the sandbox does not record: redrives read mid-way, branches cut short, stops.

Recorded histories (tests/data/histories) where they have the shape; the rest
are hand-written in GetExecutionHistory's shape and answered through botocore's
Stubber (tests/history_shapes.py), which checks them against the service model.
"""

from __future__ import annotations

import json
from pathlib import Path

from history_shapes import History, at

from opsconsole.core.executions.history import (
    current_runs,
    failure_point,
    lambda_function_name,
    parse_events,
    progress,
    state_outcomes,
    state_runs,
)

DATA = Path(__file__).resolve().parents[2] / "data" / "histories"


def recorded(name: str):
    return parse_events(json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))["events"])


def only(runs, state, **where):
    found = [r for r in runs if r.state == state and all(getattr(r, k) == v for k, v in where.items())]
    assert len(found) == 1, f"{state} {where}: {len(found)} runs"
    return found[0]


# --- redrive -------------------------------------------------------------------------------------------------


def test_a_state_re_entered_after_a_redrive_shows_running_not_aborted():
    """Issue 15's planted bug: the execution's earlier end must be forgotten at ``ExecutionRedriven``.

    Otherwise every state still running after the redrive shows "aborted" at the old failure's time.
    """
    events = recorded("redriven_running")  # failed at 'Load config', redriven, now waiting in 'Settle'
    settle = only(state_runs(events), "Settle")
    assert (settle.status, settle.exited, settle.waiting_since) == ("running", None, settle.entered)

    # The redriven Map read while the two iterations it runs again still wait in 'Each item hold'.
    history = recorded("map_redriven")
    redriven_at = next(e for e in history if e.type == "ExecutionRedriven")
    so_far = [e for e in history if e.id <= 50]
    runs = state_runs(so_far)
    again = [(r.state, r.iteration, r.status, r.exited) for r in runs if r.entered >= redriven_at.timestamp]
    assert again == [("Each item", None, "running", None), ("Each item hold", 1, "running", None),
                     ("Each item hold", 3, "running", None)]
    assert all(r.waiting_since == r.entered for r in runs if r.entered >= redriven_at.timestamp and r.type == "Wait")
    outcomes = state_outcomes(current_runs(so_far, runs))
    assert outcomes["Each item"] == outcomes["Each item hold"] == "running"
    assert failure_point(so_far) == (None, None, None)
    done = progress(so_far)
    assert not done.finished and done.maps == {"Each item": (3, 5)}
    assert str(done) == "1 of 3 states done · 3 of 5 Map iterations"


# --- branches cut short --------------------------------------------------------------------------------------


def _parallel_with_a_failing_branch() -> History:
    """'Prepare' runs 'Check quota' and 'Train' side by side; the quota check fails, a Catch on the
    Parallel moves on to 'Report quota' (the execution is still running) while 'Train' never finished."""
    h = History()
    h.enter("Parallel", "Prepare", 1)
    started = h.add("ParallelStateStarted", 1.5)
    quota = h.enter("Task", "Check quota", 2, after=started)
    train = h.enter("Task", "Train", 2, after=started)
    h.add("TaskScheduled", 3, after=quota, resourceType="dynamodb", resource="getItem", region="eu-west-1",
          parameters='{"TableName": "quota"}')
    quota_started = h.add("TaskStarted", 3, resourceType="dynamodb", resource="getItem")
    h.add("TaskScheduled", 3, after=train, resourceType="sagemaker", resource="createTrainingJob.sync",
          region="eu-west-1", parameters='{"TrainingJobName": "tr-1"}')
    h.add("TaskStarted", 4, resourceType="sagemaker", resource="createTrainingJob.sync")
    h.add("TaskFailed", 10, after=quota_started, resourceType="dynamodb", resource="getItem",
          error="Quota.Exceeded", cause="no ml.g5 capacity left")
    h.add("ParallelStateFailed", 10.5)
    h.exit("Parallel", "Prepare", 11)
    h.enter("Pass", "Report quota", 11)
    return h


def test_a_branch_still_running_when_its_parallel_fails_shows_aborted_at_the_parallels_exit():
    events = _parallel_with_a_failing_branch().served()
    runs = state_runs(events)
    train = only(runs, "Train")
    assert (train.status, train.exited, train.waiting_since) == ("aborted", at(11), None)
    quota = only(runs, "Check quota")
    assert (quota.status, quota.exited, quota.error) == ("failed", at(10), "Quota.Exceeded")
    prepare = only(runs, "Prepare")
    assert (prepare.status, prepare.error, prepare.cause) == ("caught", "Quota.Exceeded", "no ml.g5 capacity left")
    assert prepare.retries == [(at(1.5), at(10.5), "Quota.Exceeded")]
    assert state_outcomes(events) == {"Prepare": "caught", "Check quota": "failed", "Train": "aborted",
                                      "Report quota": "running"}
    assert only(runs, "Report quota").exited is None
    assert failure_point(events) == (None, None, None)
    done = progress(events)
    assert (done.states_done, done.states_reached, done.runs_done, done.runs_total) == (3, 4, 3, 4)


def test_a_branch_of_a_parallel_still_running_keeps_running():
    h = _parallel_with_a_failing_branch()
    del h.events[-6:]  # before the quota check failed: both branches run
    runs = state_runs(h.served())
    assert {r.state: (r.status, r.exited) for r in runs} == {
        "Prepare": ("running", None), "Check quota": ("running", None), "Train": ("running", None)}


def test_a_wait_inside_a_map_iteration_cut_short_with_the_parallel_around_it():
    """Nested: a Map in one branch, its iteration waiting, when the other branch fails the Parallel."""
    h = History()
    h.enter("Parallel", "Fan out", 1)
    started = h.add("ParallelStateStarted", 1)
    check = h.enter("Task", "Check", 2, after=started)
    h.enter("Map", "Each shard", 2, after=started)
    map_started = h.add("MapStateStarted", 2, length=2)
    h.add("MapIterationStarted", 3, name="Each shard", index=0)
    h.enter("Wait", "Cool down", 3)
    h.add("TaskScheduled", 4, after=check, resourceType="lambda", resource="invoke", region="eu-west-1",
          parameters='{"FunctionName": "check"}')
    h.add("TaskStarted", 4, resourceType="lambda", resource="invoke")
    h.add("TaskFailed", 6, resourceType="lambda", resource="invoke", error="Lambda.Unknown", cause="boom")
    h.add("ParallelStateFailed", 6)
    h.exit("Parallel", "Fan out", 7)
    h.enter("Pass", "Give up", 8)
    assert map_started
    runs = state_runs(h.served())
    assert {r.state: (r.status, r.exited) for r in runs} == {
        "Fan out": ("caught", at(7)), "Check": ("failed", at(6)), "Each shard": ("aborted", at(7)),
        "Cool down": ("aborted", at(7)), "Give up": ("running", None)}
    cool = only(runs, "Cool down")
    assert (cool.iteration, cool.parent, cool.waiting_since) == (0, "Each shard", None)


# --- stopped: the abort events a real account sends -----------------------------------------------------------


def _asks_a_reviewer(h: History, name: str, entered: float, submitted: float, after: int | None = None) -> int:
    """A task that sends a message with a task token, then waits for someone to answer it."""
    h.enter("Task", name, entered, after=after)
    h.add("TaskScheduled", entered + 1, resourceType="sqs", resource="sendMessage.waitForTaskToken",
          region="eu-west-1", parameters='{"QueueUrl": "https://sqs/q"}')
    h.add("TaskStarted", entered + 1, resourceType="sqs", resource="sendMessage.waitForTaskToken")
    return h.add("TaskSubmitted", submitted, resourceType="sqs", resource="sendMessage.waitForTaskToken", output="{}")


def test_stopped_execution_states_end_at_their_own_abort_events():
    h = History()
    _asks_a_reviewer(h, "Request approval", 1, 3)
    h.add("TaskStateAborted", 50)
    h.add("ExecutionAborted", 52, error="Operator.Abort", cause="Stopped by lena")
    events = h.served()
    run = only(state_runs(events), "Request approval")
    assert (run.status, run.exited, run.waiting_since) == ("aborted", at(50), None)
    assert run.waits == [(at(3), at(50))]  # waited for the answer from submission to the stop
    assert failure_point(events) == ("Request approval", "Operator.Abort", "Stopped by lena")


def test_a_wait_state_stopped_shows_how_long_it_waited():
    h = History()
    h.enter("Wait", "Hold", 1)
    h.add("WaitStateAborted", 30)
    h.add("ExecutionAborted", 31)
    run = only(state_runs(h.served()), "Hold")
    assert (run.status, run.exited, run.waits) == ("aborted", at(30), [(at(1), at(30))])
    # Still waiting when the page was read: the wait runs from the entry on.
    h = History()
    h.enter("Wait", "Hold", 1)
    run = only(state_runs(h.served()), "Hold")
    assert (run.status, run.exited, run.waiting_since) == ("running", None, at(1))


def test_a_running_task_waits_for_its_token_from_submission():
    h = History()
    _asks_a_reviewer(h, "Ask reviewer", 1, 4)
    run = only(state_runs(h.served()), "Ask reviewer")
    assert (run.status, run.waiting_since, run.waits) == ("running", at(4), [])
    # A task that is not waiting for a token is just running.
    h = History()
    h.enter("Task", "Train", 1)
    h.add("TaskScheduled", 2, resourceType="sagemaker", resource="createTrainingJob.sync", region="eu-west-1",
          parameters="{}")
    h.add("TaskSubmitted", 4, resourceType="sagemaker", resource="createTrainingJob.sync")
    run = only(state_runs(h.served()), "Train")
    assert (run.status, run.waiting_since, run.waits) == ("running", None, [])


def test_a_timed_out_wait_and_token_wait_last_until_the_timeout():
    h = History()
    h.enter("Parallel", "Both", 1)
    started = h.add("ParallelStateStarted", 1)
    h.enter("Wait", "Hold", 2, after=started)
    _asks_a_reviewer(h, "Ask", 2, 5, after=started)
    h.add("ExecutionTimedOut", 90, error="States.Timeout", cause="The execution ran longer than 90 s")
    events = h.served()
    runs = state_runs(events)
    assert {r.state: (r.status, r.exited, r.waits, r.error) for r in runs} == {
        "Both": ("timed_out", at(90), [], "States.Timeout"),
        "Hold": ("timed_out", at(90), [(at(2), at(90))], "States.Timeout"),
        "Ask": ("timed_out", at(90), [(at(5), at(90))], "States.Timeout"),
    }
    assert only(runs, "Ask").cause == "The execution ran longer than 90 s"
    assert failure_point(events) == ("Hold", "States.Timeout", "The execution ran longer than 90 s")


# --- what a task called -----------------------------------------------------------------------------------------


def test_activity_and_lambda_tasks_show_the_resource_they_called():
    function = "arn:aws:lambda:eu-west-1:123456789012:function:score-batch"
    activity = "arn:aws:states:eu-west-1:123456789012:activity:label-review"
    h = History()
    h.enter("Task", "Score", 1)
    h.add("LambdaFunctionScheduled", 2, resource=function, input="{}")
    h.add("LambdaFunctionStarted", 2)
    h.add("LambdaFunctionSucceeded", 3, output='{"score": 0.9}')
    h.exit("Task", "Score", 3, output='{"score": 0.9}')
    h.enter("Task", "Review", 4)
    h.add("ActivityScheduled", 5, resource=activity, input="{}")
    h.add("ActivityStarted", 6, workerName="reviewer-1")
    h.add("ActivitySucceeded", 9, output='{"ok": true}')
    h.exit("Task", "Review", 9, output='{"ok": true}')
    h.add("ExecutionSucceeded", 9, output='{"ok": true}')
    runs = state_runs(h.served())
    score, review = only(runs, "Score"), only(runs, "Review")
    assert (score.resource, score.status, score.output) == (function, "succeeded", '{"score": 0.9}')
    assert lambda_function_name(score) == "score-batch"
    assert (review.resource, review.status, review.attempts) == (activity, "succeeded", 1)


def test_a_map_iteration_cut_short_by_the_failure_ends_there_not_when_the_redrive_ends():
    events = recorded("map_redriven")  # iteration 1 failed the Map while iteration 3 still waited in 'Each item hold'
    time_of = {e.id: e.timestamp for e in events}
    failed = next(e for e in events if e.type == "ExecutionFailed")
    redriven = next(e for e in events if e.type == "ExecutionRedriven")
    runs = state_runs(events)
    first_attempt = sorted((r.iteration, r.state, r.status, r.exited) for r in runs
                           if r.entered < redriven.timestamp and r.iteration is not None)
    assert first_attempt == [
        (0, "Each item hold", "succeeded", time_of[6]), (0, "Each item read", "succeeded", time_of[27]),
        (1, "Each item hold", "succeeded", time_of[35]), (1, "Each item read", "failed", time_of[39]),
        (2, "Each item hold", "succeeded", time_of[14]), (2, "Each item read", "succeeded", time_of[30]),
        (3, "Each item hold", "aborted", failed.timestamp),
        (4, "Each item hold", "succeeded", time_of[23]), (4, "Each item read", "succeeded", time_of[33]),
    ]
    read = only(runs, "Each item read", iteration=1, status="failed")
    assert (read.attempts, read.retries) == (1, [(time_of[37], time_of[39], "DynamoDB.ResourceNotFoundException")])
    first_map, second_map = [r for r in runs if r.state == "Each item"]
    assert (first_map.status, first_map.exited, first_map.error) == (
        "failed", time_of[41], "DynamoDB.ResourceNotFoundException")
    assert (second_map.status, second_map.entered, second_map.exited) == ("succeeded", time_of[45], time_of[66])


def test_an_optimised_lambda_task_links_to_the_function_its_parameters_name():
    h = History()
    h.enter("Task", "Score", 1)
    h.add("TaskScheduled", 2, resourceType="lambda", resource="invoke", region="eu-west-1",
          parameters='{"FunctionName": "arn:aws:lambda:eu-west-1:123456789012:function:score-batch:live"}')
    h.add("TaskStarted", 2, resourceType="lambda", resource="invoke")
    h.add("TaskSucceeded", 3, resourceType="lambda", resource="invoke", output='{"Payload": {"score": 0.9}}')
    # Read before the state exited: the task's result is already its output.
    score = only(state_runs(h.served()), "Score")
    assert (score.resource, score.status, score.output) == ("lambda:invoke", "running", '{"Payload": {"score": 0.9}}')
    assert lambda_function_name(score) == "score-batch"


def test_a_distributed_map_that_failed_shows_the_map_runs_error():
    run_arn = "arn:aws:states:eu-west-1:123456789012:mapRun:training/fan-out:0c1d"
    h = History()
    h.enter("Map", "Fan out", 1)
    h.add("MapStateStarted", 2, length=400)
    h.add("MapRunStarted", 2, mapRunArn=run_arn)
    h.add("MapRunFailed", 60, error="States.ExceedToleratedFailureThreshold",
          cause="The number of failed items exceeded 10 %")
    h.add("MapStateFailed", 60)
    h.add("ExecutionFailed", 61)
    events = h.served()
    fan_out = only(state_runs(events), "Fan out")
    assert (fan_out.status, fan_out.map_run_arn, fan_out.map_length) == ("failed", run_arn, 400)
    assert (fan_out.error, fan_out.cause) == ("States.ExceedToleratedFailureThreshold",
                                              "The number of failed items exceeded 10 %")
    assert failure_point(events) == ("Fan out", "States.ExceedToleratedFailureThreshold",
                                     "The number of failed items exceeded 10 %")


def test_of_two_states_failing_at_the_same_moment_the_one_the_history_lists_first_is_the_failure_point():
    h = History()
    h.enter("Parallel", "Both", 1)
    started = h.add("ParallelStateStarted", 1)
    left = h.enter("Pass", "Left", 2, after=started)
    right = h.enter("Pass", "Right", 2, after=started)
    h.add("FailStateEntered", 3, after=right, name="Right failed", input="{}")
    h.add("FailStateEntered", 3, after=left, name="Left failed", input="{}")
    h.add("ExecutionFailed", 3, error="Branch.Failed")
    assert failure_point(h.served())[0] == "Right failed"


def _reserve(h: History, after: int, t: float, error: str | None = None) -> int:
    """A branch task that reserves capacity; it fails with ``error`` or succeeds and exits."""
    h.enter("Task", "Reserve", t, after=after)
    h.add("TaskScheduled", t, resourceType="dynamodb", resource="updateItem", region="eu-west-1", parameters="{}")
    if error:
        return h.add("TaskFailed", t + 1, resourceType="dynamodb", resource="updateItem", error=error, cause="taken")
    h.add("TaskSucceeded", t + 1, resourceType="dynamodb", resource="updateItem", output="{}")
    return h.exit("Task", "Reserve", t + 1)


def _prepare() -> tuple[History, int]:
    """'Prepare', a Parallel entered and started at 1 s: the history and the id of its start event."""
    h = History()
    h.enter("Parallel", "Prepare", 1)
    return h, h.add("ParallelStateStarted", 1)


def test_a_parallel_retried_after_its_branch_failed_shows_retried():
    h, first = _prepare()
    _reserve(h, first, 2, error="Capacity.Taken")
    h.add("ParallelStateFailed", 3)
    second = h.add("ParallelStateStarted", 13)  # the Parallel's Retry, after its back-off
    _reserve(h, second, 14)
    h.add("ParallelStateSucceeded", 15)
    h.exit("Parallel", "Prepare", 16)
    h.add("ExecutionSucceeded", 16, output="{}")
    prepare = only(state_runs(h.served()), "Prepare")
    assert (prepare.status, prepare.attempts, prepare.exited, prepare.error) == ("retried", 2, at(16), "Capacity.Taken")
    assert prepare.retries == [(at(1), at(3), "Capacity.Taken")] and prepare.waits == [(at(3), at(13))]


def test_a_parallel_stopped_ends_at_its_own_abort_event():
    h = History()
    h.enter("Parallel", "Prepare", 1)
    started = h.add("ParallelStateStarted", 1)
    h.enter("Task", "Train", 2, after=started)
    h.add("TaskScheduled", 2, resourceType="sagemaker", resource="createTrainingJob.sync", region="eu-west-1",
          parameters="{}")
    h.add("TaskStateAborted", 50)
    h.add("ParallelStateAborted", 51)
    h.add("ExecutionAborted", 52)
    runs = state_runs(h.served())
    assert {r.state: (r.status, r.exited) for r in runs} == {"Prepare": ("aborted", at(51)), "Train": ("aborted", at(50))}
    # Stopped before any branch started.
    h = History()
    h.enter("Parallel", "Prepare", 1)
    h.add("ParallelStateStarted", 1)
    h.add("ParallelStateAborted", 2)
    h.add("ExecutionAborted", 3)
    assert [(r.status, r.exited) for r in state_runs(h.served())] == [("aborted", at(2))]


def test_a_parallel_that_succeeded_shows_no_error_of_a_state_caught_inside_it():
    h, started = _prepare()
    failed = _reserve(h, started, 1, error="Capacity.Taken")  # entered at the Parallel's very moment
    h.exit("Task", "Reserve", 2, after=failed)  # its own Catch moves on
    h.enter("Pass", "Use spot capacity", 2)
    h.exit("Pass", "Use spot capacity", 3)
    h.add("ParallelStateSucceeded", 3)
    h.exit("Parallel", "Prepare", 4)
    runs = state_runs(h.served())
    assert {r.state: (r.status, r.error) for r in runs} == {
        "Prepare": ("succeeded", None), "Reserve": ("caught", "Capacity.Taken"), "Use spot capacity": ("succeeded", None)}


def test_a_parallel_failed_by_a_state_entered_at_its_very_moment_shows_that_error():
    h, started = _prepare()
    _reserve(h, started, 1, error="Capacity.Taken")
    h.add("ParallelStateFailed", 2)
    h.add("ExecutionFailed", 2, error="Capacity.Taken", cause="taken")
    prepare = only(state_runs(h.served()), "Prepare")
    assert (prepare.status, prepare.error, prepare.cause) == ("failed", "Capacity.Taken", "taken")
