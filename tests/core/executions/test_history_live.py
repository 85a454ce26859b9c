"""Histories and Map runs fetched live from the sandbox over HTTP."""

from __future__ import annotations

import json
import threading
import time

import pytest

from opsconsole.core.executions.history import iter_history, list_map_runs, parse_events, progress, state_runs


def _wait(condition, seconds: float = 30.0):
    end, pause = time.monotonic() + seconds, threading.Event()
    while time.monotonic() < end:
        if condition():
            return
        pause.wait(0.1)
    raise TimeoutError


@pytest.fixture(scope="module")
def map_execution(sandbox, sandbox_clients):
    """A finished inference run with a 60-item Map: several hundred events."""
    sfn = sandbox_clients.client("stepfunctions")
    machine = sandbox.scenario.state_machines["inference"]
    for item in sfn.list_executions(stateMachineArn=machine, statusFilter="SUCCEEDED", maxResults=50)["executions"]:
        events = sfn.get_execution_history(executionArn=item["executionArn"], maxResults=1000)["events"]
        if len(events) > 300:
            return item["executionArn"]
    pytest.fail("no inference execution with a full Map")


def test_small_pages_concatenate_to_the_single_big_page(sandbox_clients, map_execution):
    small = list(iter_history(sandbox_clients, map_execution, page_size=100))
    big = list(iter_history(sandbox_clients, map_execution, page_size=1000))
    assert len(small) >= 3 and all(len(page) == 100 for page in small[:-1])
    assert len(big) == 1
    assert [e for page in small for e in page] == big[0]
    # States resolve across page boundaries exactly as in one page.
    assert all(e.state for e in big[0] if not e.type.startswith("Execution"))


def test_reverse_paging_is_newest_first(sandbox_clients, map_execution):
    pages = list(iter_history(sandbox_clients, map_execution, page_size=250, reverse=True))
    ids = [e.id for page in pages for e in page]
    assert ids == sorted(ids, reverse=True) and ids[-1] == 1
    # Newest first, the events they point at come later: those that name their state still tell it.
    assert all(e.state == e.details["name"] for page in pages for e in page if e.type.endswith("StateExited"))
    # Re-parsed in order, the same history results.
    forward = [e for page in iter_history(sandbox_clients, map_execution) for e in page]
    raw = [{"id": e.id, "previousEventId": e.previous_id, "type": e.type, "timestamp": e.timestamp,
            "someEventDetails": e.details} for page in pages for e in page]
    assert parse_events(raw) == forward


def test_without_execution_data_runs_have_no_payloads(sandbox_clients, map_execution):
    events = [e for page in iter_history(sandbox_clients, map_execution, include_execution_data=False) for e in page]
    runs = state_runs(events)
    assert runs and all(r.input is None and r.output is None for r in runs)
    assert progress(events).map_iterations_total == 60


def test_distributed_map_runs_with_counts(sandbox, sandbox_clients):
    sfn = sandbox_clients.client("stepfunctions")
    definition = {"StartAt": "Fan out", "States": {"Fan out": {
        "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 3, "End": True,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                          "StartAt": "Work", "States": {"Work": {"Type": "Pass", "End": True}}}}}}
    machine = sfn.create_state_machine(name="history-test-fanout", definition=json.dumps(definition),
                                       roleArn="arn:aws:iam::123456789012:role/test")["stateMachineArn"]
    try:
        arn = sfn.start_execution(stateMachineArn=machine, name="fanout-1",
                                  input=json.dumps({"items": list(range(7))}))["executionArn"]
        _wait(lambda: sfn.describe_execution(executionArn=arn)["status"] != "RUNNING")
        runs = list_map_runs(sandbox_clients, arn)
        assert len(runs) == 1
        run = runs[0]
        assert run.status == "SUCCEEDED" and run.max_concurrency == 3
        assert run.item_counts["total"] == 7 and run.item_counts["succeeded"] == 7
        assert run.execution_counts["total"] == 7 and run.stop is not None
        history = [e for page in iter_history(sandbox_clients, arn) for e in page]
        assert state_runs(history)[0].map_run_arn == run.map_run_arn
    finally:
        sfn.delete_state_machine(stateMachineArn=machine)


def test_an_execution_without_map_runs_lists_none(sandbox, sandbox_clients, map_execution):
    assert list_map_runs(sandbox_clients, map_execution) == []
