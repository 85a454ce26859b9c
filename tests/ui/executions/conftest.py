"""Fixtures of the executions UI tests that act on executions: state machines of their own, a failed run, a run
parked on its approval request."""

from __future__ import annotations

import json
import uuid

import pytest

from opsconsole.core.executions import actions as core
from opsconsole.core.executions.listing import StateMachine, describe_execution
from support import status_of

COUNTRY = "AU"
ROLE = "arn:aws:iam::123456789012:role/mlops-stepfunctions-execution"
TIMEOUT = 20_000


@pytest.fixture
def redrive_served(sandbox):
    """Serve RedriveExecution even if a server test swapped its handler out earlier in the session."""
    from opsconsole.sandbox.stepfunctions import redrive

    redrive.register(sandbox.extensions)


@pytest.fixture
def machines(clients):
    """make(definition) -> StateMachine: machines of this test, deleted afterwards with their helpers."""
    sfn = clients.client("stepfunctions")
    made: list[str] = []

    def make(definition: dict, **kwargs) -> StateMachine:
        name = f"ui-actions-{uuid.uuid4().hex[:8]}"
        arn = sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE,
                                       **kwargs)["stateMachineArn"]
        made.append(name)
        return StateMachine(arn=arn, name=name, type="STANDARD")

    yield make
    for item in sfn.list_state_machines()["stateMachines"]:
        if any(item["name"] == n or item["name"].startswith(f"{n}--from-") for n in made):
            sfn.delete_state_machine(stateMachineArn=item["stateMachineArn"])


@pytest.fixture
def failed_run(clients, machines, qtbot):
    """(execution, fix): a run FAILED at 'Load' because its table is missing; fix() creates the table."""
    ddb = clients.client("dynamodb")
    table = f"ui-redrive-{uuid.uuid4().hex[:8]}"
    machine = machines({"StartAt": "Prepare", "States": {
        "Prepare": {"Type": "Pass", "Result": 1, "ResultPath": "$.prepared", "Next": "Load"},
        "Load": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
                 "Parameters": {"TableName": table, "Key": {"id": {"S": "x"}}}, "ResultPath": "$.loaded",
                 "Next": "Done"},
        "Done": {"Type": "Succeed"}}})
    arn = core.start_execution(clients, machine.arn, "{}")
    qtbot.waitUntil(lambda: status_of(clients, arn) == "FAILED", timeout=TIMEOUT)

    def fix() -> None:
        ddb.create_table(TableName=table, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                         BillingMode="PAY_PER_REQUEST")

    yield describe_execution(clients, arn), fix
    try:
        ddb.delete_table(TableName=table)
    except Exception:
        pass


@pytest.fixture
def waiting(qtbot, sandbox, clients):
    """start() -> Execution: a comparison of this test's own, parked on its approval request.

    The copy of the seeded machine sends its requests to a queue of its own (``start.queue``), so the
    seeded approvals stay as they are.
    """
    sfn, sqs, ddb = (clients.client(s) for s in ("stepfunctions", "sqs", "dynamodb"))
    seeded = sfn.describe_state_machine(stateMachineArn=sandbox.scenario.state_machines["comparison"])
    tag = uuid.uuid4().hex[:8]
    queue = sqs.create_queue(QueueName=f"ui-approvals-{tag}")["QueueUrl"]
    machine = sfn.create_state_machine(
        name=f"ui-comparison-{tag}", roleArn=seeded["roleArn"],
        definition=seeded["definition"].replace(sandbox.scenario.queues["approvals"], queue))["stateMachineArn"]
    winner = ddb.get_item(TableName=sandbox.scenario.tables["winners"], Key={"country": {"S": COUNTRY}})["Item"]

    def start():
        arn = core.start_execution(clients, machine, json.dumps({
            "country": COUNTRY, "requestedBy": "maria.schmidt",
            "candidate": {"modelName": f"clf-{COUNTRY}-bert-{tag}", "macroF1": 0.99, "evaluationId": "eval-ui"}}))
        qtbot.waitUntil(lambda: bool(core.approval_requests(clients, queue)), timeout=TIMEOUT)
        qtbot.waitUntil(lambda: core.find_waiting_task(clients, arn) is not None, timeout=TIMEOUT)
        return describe_execution(clients, arn)

    start.queue = queue
    yield start
    sfn.delete_state_machine(stateMachineArn=machine)
    sqs.delete_queue(QueueUrl=queue)
    ddb.put_item(TableName=sandbox.scenario.tables["winners"], Item=winner)


@pytest.fixture
def connected_ctx(ctx, sandbox_connection):
    ctx.set_connection(sandbox_connection)
    return ctx


@pytest.fixture
def open_window(qtbot, connected_ctx):
    """open_(execution, **kwargs) -> an ExecutionWindow, shown and active, with its history and graph in."""
    from opsconsole.ui.executions.detail import ExecutionWindow

    def open_(execution, **kwargs):
        w = ExecutionWindow(connected_ctx, execution, **kwargs)
        qtbot.addWidget(w)  # closed (and its jobs cancelled) after the test
        with qtbot.waitSignals([w.detail.runs_loaded, w.detail.graph_ready], timeout=60_000):
            w.show()
        w.activateWindow()
        qtbot.waitUntil(w.isActiveWindow)
        return w

    return open_
