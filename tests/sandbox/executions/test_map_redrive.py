"""RedriveExecution of a failed inline Map: only the iterations that did not succeed run again.

AWS (API reference, RedriveExecution): "For workflows that include an Inline
Map or Parallel state, RedriveExecution API action reschedules and redrives
only the iterations and branches that failed or aborted", and "Step Functions
preserves the results ... of the successful steps". So after the redrive the
history has ``ExecutionRedriven`` and then the Map's events for the re-run
iterations only, and the Map's result still holds every item's output at its
index.

Each machine maps over 5 items; items 2 and 4 (indexes 1 and 3) read a
DynamoDB table that does not exist yet, after a 2 s Wait so that the other
three have succeeded before they fail (as AWS would, the Map fails at the
first failed iteration). Each iteration's output carries
``$$.Execution.RedriveCount``, so the kept outputs (0) are told apart from the
re-run ones (1).
"""

from __future__ import annotations

import json
import uuid

import pytest
from botocore.exceptions import ClientError

ROLE = "arn:aws:iam::123456789012:role/map-redrive-test"
FAILING = (1, 3)


@pytest.fixture(autouse=True)
def _redrive_served(sandbox):
    """Serve RedriveExecution even if a server test swapped its handler out earlier in the session."""
    from opsconsole.sandbox.stepfunctions import redrive

    redrive.register(sandbox.extensions)


def _map_state(name: str, end: dict) -> dict:
    return {"Type": "Map", "ItemsPath": "$.items", **end, "ItemProcessor": {
        "ProcessorConfig": {"Mode": "INLINE"}, "StartAt": f"{name} hold", "States": {
            f"{name} hold": {"Type": "Wait", "SecondsPath": "$.delay", "Next": f"{name} read"},
            f"{name} read": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
                             "Parameters": {"TableName.$": "$.table", "Key": {"id": {"S.$": "$.id"}}},
                             "ResultSelector": {"value.$": "$.Item.value.S",
                                                "redrives.$": "$$.Execution.RedriveCount"},
                             "End": True}}}}


def _create_table(ddb, name: str, ids: list[str]) -> None:
    ddb.create_table(TableName=name, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST")
    for key in ids:
        ddb.put_item(TableName=name, Item={"id": {"S": key}, "value": {"S": f"value of {key}"}})


@pytest.fixture
def tables(ddb):
    """(present, missing, fix): items read ``present``, or ``missing`` (indexes 1 and 3) until fix() creates it."""
    tag = uuid.uuid4().hex[:8]
    present, missing = f"map-redrive-{tag}-ok", f"map-redrive-{tag}-late"
    _create_table(ddb, present, [f"item-{i}" for i in range(5) if i not in FAILING])
    yield present, missing, lambda: _create_table(ddb, missing, [f"item-{i}" for i in FAILING])
    for table in (present, missing):
        try:
            ddb.delete_table(TableName=table)
        except ClientError:
            pass


def _items(present: str, missing: str, delays: dict[int, int] | None = None) -> list[dict]:
    delays = delays or dict.fromkeys(FAILING, 2)
    return [{"id": f"item-{i}", "table": missing if i in FAILING else present, "delay": delays.get(i, 0)}
            for i in range(5)]


def _run_until_failed(sfn, wait_for, definition: dict, items: list[dict]) -> tuple[str, str]:
    machine = sfn.create_state_machine(name=f"map-redrive-{uuid.uuid4().hex[:8]}", definition=json.dumps(definition),
                                       roleArn=ROLE)["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=machine, input=json.dumps({"items": items}))["executionArn"]
    wait_for(lambda: sfn.describe_execution(executionArn=execution)["status"] != "RUNNING",
             what="items 2 and 4 to fail", timeout=60)
    assert sfn.describe_execution(executionArn=execution)["status"] == "FAILED"
    return machine, execution


def _redrive(sfn, wait_for, execution: str, what: str) -> dict:
    """Redrive ``execution``, wait for the outcome and return DescribeExecution's answer."""
    sfn.redrive_execution(executionArn=execution)
    wait_for(lambda: sfn.describe_execution(executionArn=execution)["status"] != "RUNNING", what=what, timeout=60)
    return sfn.describe_execution(executionArn=execution)


def _succeeded_indexes(events: list[dict]) -> list[int]:
    """The iterations that succeeded before the attempt ended (moto may record a cut-off one as succeeded after)."""
    ends = [i for i, e in enumerate(events) if e["type"] in ("ExecutionSucceeded", "ExecutionFailed")]
    return sorted(e["mapIterationSucceededEventDetails"]["index"] for e in events[:ends[0] if ends else None]
                  if e["type"] == "MapIterationSucceeded")


def _after_redrive(events: list[dict]) -> list[dict]:
    redriven = [i for i, e in enumerate(events) if e["type"] == "ExecutionRedriven"]
    assert redriven, "no ExecutionRedriven event"
    return events[redriven[-1] + 1:]


def _expected(redriven: dict[int, int]) -> list[dict]:
    return [{"value": f"value of item-{i}", "redrives": redriven.get(i, 0)} for i in range(5)]


def test_redriving_a_map_re_runs_only_its_failed_iterations(sfn, wait_for, history, tables):
    present, missing, fix = tables
    definition = {"StartAt": "Each item", "States": {"Each item": _map_state("Each item", {"End": True})}}
    machine, execution = _run_until_failed(sfn, wait_for, definition, _items(present, missing))
    try:
        first = history(sfn, execution)
        # The three good items had succeeded before the others failed (else they would rightly run again).
        assert _succeeded_indexes(first) == [0, 2, 4]
        fix()
        described = _redrive(sfn, wait_for, execution, "the redriven iterations")
        assert described["status"] == "SUCCEEDED", described
        assert described["redriveCount"] == 1

        events = history(sfn, execution)
        assert events[:len(first)] == first  # the earlier attempt's events are kept as they were
        again = _after_redrive(events)
        assert [e["type"] for e in again[:2]] == ["MapStateEntered", "MapStateStarted"]
        assert again[1]["mapStateStartedEventDetails"]["length"] == 5
        assert sum(e["type"] == "TaskScheduled" for e in again) == 2
        assert sorted(e["mapIterationStartedEventDetails"]["index"] for e in again
                      if e["type"] == "MapIterationStarted") == list(FAILING)
        assert _succeeded_indexes(again) == list(FAILING)
        assert [e["type"] for e in again[-3:]] == ["MapStateSucceeded", "MapStateExited", "ExecutionSucceeded"]
        # All five results, in item order: three kept from the first attempt, two from the redrive.
        assert json.loads(described["output"]) == _expected({i: 1 for i in FAILING})
    finally:
        sfn.delete_state_machine(stateMachineArn=machine)


def test_a_map_redriven_twice_keeps_the_iterations_of_both_earlier_attempts(sfn, ddb, wait_for, history, tables):
    present, missing, fix = tables
    definition = {"StartAt": "Each item", "States": {"Each item": _map_state("Each item", {"End": True})}}
    # Item 4 waits longer, so that on the first redrive item 2 has succeeded before item 4 fails.
    machine, execution = _run_until_failed(sfn, wait_for, definition, _items(present, missing, {1: 2, 3: 4}))
    try:
        fix()
        ddb.delete_item(TableName=missing, Key={"id": {"S": "item-3"}})  # item 4 still fails: no such key
        assert _redrive(sfn, wait_for, execution, "the first redrive to fail again on item 4")["status"] == "FAILED"
        assert _succeeded_indexes(_after_redrive(history(sfn, execution))) == [1]

        ddb.put_item(TableName=missing, Item={"id": {"S": "item-3"}, "value": {"S": "value of item-3"}})
        described = _redrive(sfn, wait_for, execution, "the second redrive")
        assert described["status"] == "SUCCEEDED", described
        again = _after_redrive(history(sfn, execution))
        assert [e["mapIterationStartedEventDetails"]["index"] for e in again
                if e["type"] == "MapIterationStarted"] == [3]
        assert json.loads(described["output"]) == _expected({1: 1, 3: 2})
    finally:
        sfn.delete_state_machine(stateMachineArn=machine)


def test_a_map_inside_a_parallel_branch_re_runs_only_its_failed_iterations(sfn, wait_for, history, tables):
    present, missing, fix = tables
    definition = {"StartAt": "Both", "States": {"Both": {"Type": "Parallel", "End": True, "Branches": [
        {"StartAt": "Label", "States": {"Label": {"Type": "Pass", "Result": "labelled", "End": True}}},
        {"StartAt": "Each item", "States": {"Each item": _map_state("Each item", {"End": True})}}]}}}
    machine, execution = _run_until_failed(sfn, wait_for, definition, _items(present, missing))
    try:
        fix()
        described = _redrive(sfn, wait_for, execution, "the redriven branch")
        assert described["status"] == "SUCCEEDED", described
        again = _after_redrive(history(sfn, execution))
        assert sum(e["type"] == "TaskScheduled" for e in again) == 2
        assert sorted(e["mapIterationStartedEventDetails"]["index"] for e in again
                      if e["type"] == "MapIterationStarted") == list(FAILING)
        assert json.loads(described["output"]) == ["labelled", _expected({i: 1 for i in FAILING})]
    finally:
        sfn.delete_state_machine(stateMachineArn=machine)


def test_an_iteration_cut_off_by_the_failure_is_not_kept():
    """moto records an iteration cut off when the Map failed as succeeded, once the execution has failed;
    AWS records it aborted, so a redrive runs it again."""
    from opsconsole.sandbox.stepfunctions.iterations import last_states, succeeded_iterations

    definition = {"StartAt": "Fan", "States": {"Fan": _map_state("Fan", {"End": True})}}

    def event(id_, prev, type_, **details):
        return {"id": id_, "previousEventId": prev, "type": type_, **details}

    def exited(name, output):
        return {"stateExitedEventDetails": {"name": name, "output": json.dumps(output)}}

    history = [
        event(1, 0, "ExecutionStarted"),
        event(2, 1, "MapStateEntered", stateEnteredEventDetails={"name": "Fan", "input": "{}"}),
        event(3, 2, "MapIterationStarted", mapIterationStartedEventDetails={"name": "Fan", "index": 0}),
        event(4, 2, "MapIterationStarted", mapIterationStartedEventDetails={"name": "Fan", "index": 1}),
        event(5, 2, "MapIterationStarted", mapIterationStartedEventDetails={"name": "Fan", "index": 2}),
        event(6, 3, "TaskStateExited", **exited("Fan read", {"value": "a"})),
        event(7, 6, "MapIterationSucceeded", mapIterationSucceededEventDetails={"name": "Fan", "index": 0}),
        event(8, 4, "WaitStateExited", **exited("Fan hold", {"id": "b"})),
        event(9, 8, "MapIterationSucceeded", mapIterationSucceededEventDetails={"name": "Fan", "index": 1}),
        event(10, 5, "MapIterationFailed", mapIterationFailedEventDetails={"name": "Fan", "index": 2}),
        event(11, 10, "MapStateFailed"),
        event(12, 11, "ExecutionFailed"),
        event(13, 3, "TaskStateExited", **exited("Fan read", {"value": "late"})),
        event(14, 13, "MapIterationSucceeded", mapIterationSucceededEventDetails={"name": "Fan", "index": 2}),
    ]
    assert last_states(definition, "Fan") == {"Fan read"}
    assert succeeded_iterations(history, "Fan", 0, last_states(definition, "Fan")) == {0: {"value": "a"}}
