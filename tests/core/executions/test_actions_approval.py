"""Manual steps (task tokens, the approval queue) and history export, against the sandbox."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

import pytest

from opsconsole.core.executions import actions
from opsconsole.core.executions.listing import describe_execution
from support import wait_until

COUNTRY = "PL"


@pytest.fixture
def comparison(sandbox, sandbox_clients):
    """start(): a model comparison of this test's own, parked on its approval request.

    A copy of the seeded comparison machine whose requests go to a queue of
    this test; the country's winner row is put back afterwards.
    """
    sfn, sqs, ddb = (sandbox_clients.client(s) for s in ("stepfunctions", "sqs", "dynamodb"))
    seeded = sfn.describe_state_machine(stateMachineArn=sandbox.scenario.state_machines["comparison"])
    tag = uuid.uuid4().hex[:8]
    queue = sqs.create_queue(QueueName=f"approvals-test-{tag}")["QueueUrl"]
    assert sandbox.scenario.queues["approvals"] in seeded["definition"]
    machine = sfn.create_state_machine(
        name=f"comparison-test-{tag}", roleArn=seeded["roleArn"],
        definition=seeded["definition"].replace(sandbox.scenario.queues["approvals"], queue))["stateMachineArn"]
    key = {"country": {"S": COUNTRY}}
    winner = ddb.get_item(TableName=sandbox.scenario.tables["winners"], Key=key)["Item"]

    def start() -> str:
        arn = actions.start_execution(sandbox_clients, machine, json.dumps({
            "country": COUNTRY, "requestedBy": "pytest",
            "candidate": {"modelName": f"clf-{COUNTRY}-bert-{uuid.uuid4().hex[:6]}", "macroF1": 0.99,
                          "evaluationId": "eval-test"}}))
        wait_until(lambda: actions.find_waiting_task(sandbox_clients, arn), what="the approval request")
        return arn

    start.queue = queue
    yield start
    sfn.delete_state_machine(stateMachineArn=machine)
    sqs.delete_queue(QueueUrl=queue)
    ddb.put_item(TableName=sandbox.scenario.tables["winners"], Item=winner)


def test_the_waiting_task_its_token_and_what_it_asks(sandbox_clients, comparison):
    arn = comparison()
    task = actions.find_waiting_task(sandbox_clients, arn)
    assert task.state_name == "Request promotion approval"
    assert task.resource == "sqs:sendMessage.waitForTaskToken"
    assert task.token and task.queue_url == comparison.queue
    assert task.message["country"] == COUNTRY and task.message["candidate"]["macroF1"] == 0.99
    assert task.catch_errors == ("ModelPromotionRejected",)
    assert task.timeout_seconds == 259200
    requests = actions.approval_requests(sandbox_clients, comparison.queue)
    assert [r.execution_arn for r in requests] == [arn]
    request = requests[0]
    assert request.token == task.token and request.kind == "model-promotion" and request.country == COUNTRY
    assert request.get("current")["macroF1"] < request.get("candidate")["macroF1"]
    assert isinstance(request.sent_at, datetime)
    # Peeking hides nothing: a second look sees the same request.
    assert [r.message_id for r in actions.approval_requests(sandbox_clients, comparison.queue)] == [request.message_id]


def test_approve_succeeds_the_execution_and_removes_the_request(sandbox_clients, comparison):
    arn = comparison()
    task = actions.find_waiting_task(sandbox_clients, arn)
    actions.send_task_success(sandbox_clients, task.token, json.dumps({"decision": "approved", "approvedBy": "pytest"}))
    assert actions.delete_approval_message(sandbox_clients, comparison.queue, task.token)
    wait_until(lambda: describe_execution(sandbox_clients, arn).status != "RUNNING", what="the approved run")
    assert describe_execution(sandbox_clients, arn).status == "SUCCEEDED"
    assert actions.approval_requests(sandbox_clients, comparison.queue) == []
    assert actions.find_waiting_task(sandbox_clients, arn) is None
    assert not actions.delete_approval_message(sandbox_clients, comparison.queue, task.token)


def test_reject_fails_the_execution_with_the_error_and_cause(sandbox_clients, comparison):
    arn = comparison()
    task = actions.find_waiting_task(sandbox_clients, arn)
    actions.send_task_failure(sandbox_clients, task.token, "ModelPromotionRejected", "Recall on hazmat dropped")
    wait_until(lambda: describe_execution(sandbox_clients, arn).status != "RUNNING", what="the rejected run")
    out = sandbox_clients.client("stepfunctions").describe_execution(executionArn=arn)
    assert (out["status"], out["error"], out["cause"]) == ("FAILED", "ModelPromotionRejected", "Recall on hazmat dropped")


def test_task_output_must_be_json(sandbox_clients):
    with pytest.raises(ValueError, match="Line 1"):
        actions.send_task_success(sandbox_clients, "token", "{approved}")


def test_seeded_approvals_are_readable_without_touching_them(sandbox, sandbox_clients):
    running = [a for a in sandbox.scenario.pending_approvals if describe_execution(sandbox_clients, a).status == "RUNNING"]
    if not running:
        pytest.skip("other tests of this session already answered every seeded approval")
    task = actions.find_waiting_task(sandbox_clients, running[0])
    assert task is not None and task.queue_url == sandbox.scenario.queues["approvals"]
    tokens = {r.token for r in actions.approval_requests(sandbox_clients, task.queue_url)}
    assert task.token in tokens
    assert describe_execution(sandbox_clients, running[0]).status == "RUNNING"


def test_finished_executions_wait_for_nothing(sandbox, sandbox_clients):
    from opsconsole.core.executions.listing import iter_executions

    done = next(iter_executions(sandbox_clients, [sandbox.scenario.state_machines["comparison"]], "SUCCEEDED"))[0]
    assert actions.find_waiting_task(sandbox_clients, done.arn) is None


def test_export_history_json_round_trips(sandbox, sandbox_clients, tmp_path):
    from opsconsole.core.executions.listing import iter_executions

    failed = next(iter_executions(sandbox_clients, [sandbox.scenario.state_machines["training"]], "FAILED"))[0]
    events = actions.execution_history(sandbox_clients, failed.arn)
    path = actions.export_history_json(events, tmp_path / "out" / "history.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert len(data["events"]) == len(events) and data["events"][0]["type"] == "ExecutionStarted"
    assert datetime.fromisoformat(data["events"][-1]["timestamp"]) == events[-1]["timestamp"]
    assert [p.name for p in path.parent.iterdir()] == ["history.json"]  # no temporary file left


def _first(sandbox, clients, machine: str, status: str):
    from opsconsole.core.executions.listing import iter_executions

    arn = sandbox.scenario.state_machines[machine]
    return next(e for page in iter_executions(clients, [arn], status) for e in page)


def test_waiting_for_names_the_state_parked_at_its_task_token(sandbox, sandbox_clients):
    parked = _first(sandbox, sandbox_clients, "comparison", "RUNNING")  # sent its approval request, waits
    assert actions.waiting_for(sandbox_clients, parked.arn) == "Request promotion approval"
    on_a_timer = _first(sandbox, sandbox_clients, "training", "RUNNING")  # a Wait state waits for no one
    assert actions.waiting_for(sandbox_clients, on_a_timer.arn) is None
    done = _first(sandbox, sandbox_clients, "comparison", "SUCCEEDED")
    assert actions.waiting_for(sandbox_clients, done.arn) is None
    assert list(actions.waiting_states(sandbox_clients, [parked.arn, done.arn])) == [
        {parked.arn: "Request promotion approval"}, {done.arn: None}]


def test_fail_state_of_tells_a_fail_state_from_a_failed_task(sandbox, sandbox_clients):
    import re

    from opsconsole.core.executions.history import failure_point, parse_events

    # Training fails in a Fail state ("Data quality check failed" or the capacity one); evaluation in a task.
    in_fail_state = _first(sandbox, sandbox_clients, "training", "FAILED")
    events = parse_events(actions.execution_history(sandbox_clients, in_fail_state.arn))
    expected = failure_point(events)[0]
    assert actions.fail_state_of(sandbox_clients, in_fail_state.arn) == expected
    warning = actions.fail_state_warning(expected)
    assert re.search(rf'Fail state "{re.escape(expected)}".*fails the same way', warning)
    assert list(actions.redrive_warnings(sandbox_clients, [in_fail_state.arn])) == [(in_fail_state.arn, warning)]
    in_a_task = _first(sandbox, sandbox_clients, "evaluation", "FAILED")
    assert actions.fail_state_of(sandbox_clients, in_a_task.arn) is None
    assert list(actions.redrive_warnings(sandbox_clients, [in_a_task.arn])) == []
