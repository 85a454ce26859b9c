"""Fixtures of the executions UI tests that act on executions: state machines of their own, a failed run."""

from __future__ import annotations

import json
import uuid

import pytest

from opsconsole.core.executions import actions as core
from opsconsole.core.executions.listing import StateMachine, describe_execution
from support import status_of

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
