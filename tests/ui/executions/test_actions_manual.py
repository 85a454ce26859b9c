"""ExecutionActions: manual steps (approve, reject), re-run from a state and history export, end to end.

The approval tests use a copy of the seeded comparison machine that sends its
requests to a queue of the test's own, so the seeded approvals stay as they are.
"""

from __future__ import annotations

import json
import shlex
import uuid

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from opsconsole.core.executions import actions as core
from opsconsole.core.executions.listing import describe_execution
from opsconsole.ui.confirm import ConfirmDialog
from opsconsole.ui.executions.dialogs.execution import RerunFromStateDialog
from opsconsole.ui.executions.dialogs.approval import ApprovalDialog
from opsconsole.ui.shell.panes import cli_for
from support import audit, dialog_of, status_of

ROLE = "arn:aws:iam::123456789012:role/mlops-stepfunctions-execution"
TIMEOUT = 20_000


def test_approve_shows_the_request_and_succeeds_the_execution(qtbot, ctx, clients, controller, waiting):
    execution = waiting()
    controller.approve(execution)
    dialog: ApprovalDialog = dialog_of(qtbot, controller, ApprovalDialog)
    assert dialog.request is not None and dialog.request.execution_arn == execution.arn
    assert dialog.delta_label is not None and dialog.delta_label.text().startswith("+")
    assert "•••" in dialog.findChild(type(dialog.output.editor), "request-body").toPlainText()
    assert dialog.task.token not in dialog.findChild(type(dialog.output.editor), "request-body").toPlainText()
    editor = dialog.output.editor
    editor.clear()
    qtbot.keyClicks(editor, '{"decision": approved}')
    assert not dialog.approve_button.isEnabled() and dialog.output.status.text().startswith("✗ Line 1")
    editor.clear()
    qtbot.keyClicks(editor, '{"decision": "approved", "approvedBy": "pytest"}')
    assert dialog.approve_button.isEnabled()
    with qtbot.waitSignal(controller.changed, timeout=TIMEOUT):
        qtbot.mouseClick(dialog.approve_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: status_of(clients, execution.arn) == "SUCCEEDED", timeout=TIMEOUT)
    qtbot.waitUntil(lambda: core.approval_requests(clients, waiting.queue) == [], timeout=TIMEOUT)
    qtbot.waitUntil(lambda: len(ctx.audit.read()) == 2, timeout=TIMEOUT)
    assert audit(ctx) == [("Approve manual step", execution.arn, "ok"), ("Delete approval request", waiting.queue, "ok")]
    assert ctx.audit.read()[0].details["output"] == '{"decision": "approved", "approvedBy": "pytest"}'


def test_reject_asks_once_more_then_fails_the_execution(qtbot, ctx, clients, controller, waiting):
    execution = waiting()
    controller.approve(execution)
    dialog: ApprovalDialog = dialog_of(qtbot, controller, ApprovalDialog)
    assert dialog.error_edit.text() == "ModelPromotionRejected"  # what the state catches
    qtbot.keyClicks(dialog.cause_edit, "Recall on hazmat_class_9 dropped")
    token = dialog.task.token
    qtbot.mouseClick(dialog.reject_button, Qt.MouseButton.LeftButton)
    confirm: ConfirmDialog = dialog_of(qtbot, controller, ConfirmDialog)
    assert confirm.buttons.button(confirm.buttons.StandardButton.Cancel).isDefault()
    # Copy as AWS CLI: the exact request, with the real task token (this is the user's own screen).
    qtbot.mouseClick(confirm.copy_cli, Qt.MouseButton.LeftButton)
    command = shlex.split(QGuiApplication.clipboard().text())
    assert command[:3] == ["aws", "stepfunctions", "send-task-failure"]
    assert command[command.index("--task-token") + 1] == token and command[-2:] == ["--endpoint-url",
                                                                                   clients.connection.endpoint_url]
    assert confirm.isVisible()  # copying neither confirms nor cancels
    assert status_of(clients, execution.arn) == "RUNNING" and audit(ctx) == []  # nothing sent yet
    qtbot.mouseClick(confirm.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: status_of(clients, execution.arn) == "FAILED", timeout=TIMEOUT)
    out = clients.client("stepfunctions").describe_execution(executionArn=execution.arn)
    assert (out["error"], out["cause"]) == ("ModelPromotionRejected", "Recall on hazmat_class_9 dropped")
    qtbot.waitUntil(lambda: len(ctx.audit.read()) == 2, timeout=TIMEOUT)
    assert audit(ctx)[0] == ("Reject manual step", execution.arn, "ok")
    # The audit file never keeps the token; the command copied from the audit pane says it is masked.
    assert token not in ctx.audit.path.read_text()
    from_audit = cli_for(ctx.audit.read()[0])
    assert "--task-token '***'" in from_audit and "masked" in from_audit.splitlines()[0]


def test_cancelling_the_rejection_sends_nothing(qtbot, ctx, clients, controller, waiting):
    execution = waiting()
    controller.approve(execution)
    dialog = dialog_of(qtbot, controller, ApprovalDialog)
    qtbot.mouseClick(dialog.reject_button, Qt.MouseButton.LeftButton)
    confirm = dialog_of(qtbot, controller, ConfirmDialog)
    qtbot.keyClick(confirm, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: controller.dialog is None)
    assert status_of(clients, execution.arn) == "RUNNING" and audit(ctx) == []
    assert core.find_waiting_task(clients, execution.arn) is not None
    assert len(core.approval_requests(clients, waiting.queue)) == 1
    core.stop_execution(clients, execution.arn)


def test_approve_says_when_nothing_waits(qtbot, sandbox, clients, controller):
    from opsconsole.core.executions.listing import iter_executions

    done = next(iter_executions(clients, [sandbox.scenario.state_machines["comparison"]], "SUCCEEDED"))[0]
    with qtbot.waitSignal(controller.message, timeout=TIMEOUT) as said:
        controller.approve(done)
    assert said.args == [f"{done.name} is not waiting for a manual step.", False]


# -- re-run from a state ---------------------------------------------------------------------------
PIPELINE = {"StartAt": "Prepare", "States": {
    "Prepare": {"Type": "Pass", "Result": {"batch": 3}, "ResultPath": "$.prepared", "Next": "Fan out"},
    "Fan out": {"Type": "Parallel", "ResultPath": "$.fan", "Next": "Finish", "Branches": [
        {"StartAt": "Left", "States": {"Left": {"Type": "Pass", "End": True}}},
        {"StartAt": "Right", "States": {"Right": {"Type": "Pass", "End": True}}}]},
    "Finish": {"Type": "Succeed"}}}


@pytest.fixture
def finished(qtbot, clients):
    sfn = clients.client("stepfunctions")
    name = f"ui-rerun-{uuid.uuid4().hex[:8]}"
    machine = sfn.create_state_machine(name=name, definition=json.dumps(PIPELINE), roleArn=ROLE)["stateMachineArn"]
    arn = core.start_execution(clients, machine, '{"country": "FR"}')
    qtbot.waitUntil(lambda: status_of(clients, arn) == "SUCCEEDED", timeout=TIMEOUT)
    yield describe_execution(clients, arn)
    for item in sfn.list_state_machines()["stateMachines"]:
        if item["name"] == name or item["name"].startswith(f"{name}--from-"):
            sfn.delete_state_machine(stateMachineArn=item["stateMachineArn"])


def test_rerun_from_a_nested_state_starts_at_its_enclosing_state(qtbot, ctx, clients, controller, finished):
    controller.rerun_from_state(finished, "Left")
    dialog: RerunFromStateDialog = dialog_of(qtbot, controller, RerunFromStateDialog)
    assert dialog.nested_note.isVisibleTo(dialog) and "cannot be entered midway" in dialog.nested_note.text()
    assert json.loads(dialog.input_text()) == {"country": "FR", "prepared": {"batch": 3}}
    with qtbot.waitSignal(controller.started, timeout=TIMEOUT) as started:
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    new_arn = started.args[0]
    assert ":execution:" + finished.state_machine_name + "--from-Fan-out:" in new_arn
    qtbot.waitUntil(lambda: status_of(clients, new_arn) == "SUCCEEDED", timeout=TIMEOUT)
    entered = [e["stateEnteredEventDetails"]["name"] for e in core.execution_history(clients, new_arn)
               if "stateEnteredEventDetails" in e]
    assert entered[0] == "Fan out" and "Prepare" not in entered
    assert audit(ctx) == [("Re-run from state", finished.arn, "ok")]
    assert ctx.audit.read()[0].details["start_state"] == "Fan out"


def test_rerun_cancelled_creates_nothing(qtbot, ctx, clients, controller, finished):
    controller.rerun_from_state(finished, "Finish")
    dialog = dialog_of(qtbot, controller, RerunFromStateDialog)
    assert not dialog.nested_note.isVisibleTo(dialog)
    dialog.reject()
    qtbot.waitUntil(lambda: controller.dialog is None)
    names = {m["name"] for m in clients.client("stepfunctions").list_state_machines()["stateMachines"]}
    assert not any(n.startswith(f"{finished.state_machine_name}--from-") for n in names)
    assert audit(ctx) == []


def test_rerun_of_a_state_that_never_ran_says_why(qtbot, clients, controller, finished):
    with qtbot.waitSignal(controller.message, timeout=TIMEOUT) as said:
        controller.rerun_from_state(finished, "No such state")
    assert said.args[1] is False and "not a state" in said.args[0]


# -- export --------------------------------------------------------------------------------------
def test_export_history_writes_json_and_sends_nothing(qtbot, ctx, clients, controller, finished, tmp_path):
    path = tmp_path / "history.json"
    with qtbot.waitSignal(controller.message, timeout=TIMEOUT) as said:
        controller.export_history(finished.arn, path)
    assert said.args[1] is True and str(path) in said.args[0]
    events = json.loads(path.read_text(encoding="utf-8"))["events"]
    assert events[0]["type"] == "ExecutionStarted" and events[-1]["type"] == "ExecutionSucceeded"
    assert audit(ctx) == []
