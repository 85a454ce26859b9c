"""ExecutionActions end to end against the sandbox: dialogs driven with pytest-qt, writes audited.

Every test acts on executions of state machines it creates itself (the seeded
ones are only read), and checks the sandbox to see what was (or was not) sent.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone

import shlex

import pytest
from botocore import xform_name
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from opsconsole.core import awscli

from opsconsole.core.executions import actions as core
from opsconsole.core.executions.listing import Execution, describe_execution, iter_executions
from opsconsole.ui.executions.dialogs.execution import StartExecutionDialog, StopExecutionDialog
from opsconsole.ui.executions.dialogs.redrive import REASON_ROLE, RedriveDialog
from support import audit, dialog_of, status_of

TIMEOUT = 20_000


@pytest.fixture(autouse=True)
def _redrive_served(redrive_served):
    """Every test here may redrive."""


@pytest.fixture
def sent(ctx):
    """Every Step Functions request the console's clients make: (operation, params), as botocore gets them."""
    calls: list[tuple[str, dict]] = []

    def capture(params, model, **_kwargs):
        calls.append((model.name, dict(params)))

    events = ctx.clients.client("stepfunctions").meta.events
    events.register("provide-client-params.stepfunctions.*", capture, unique_id="test-actions-sent")
    yield calls
    events.unregister("provide-client-params.stepfunctions.*", unique_id="test-actions-sent")


def copied_requests(qtbot, dialog) -> list[tuple[str, dict[str, str]]]:
    """Click the dialog's "Copy as AWS CLI" and read the clipboard back: (operation, {option: value}) per line."""
    assert dialog.copy_cli is not None and dialog.copy_cli.isEnabled() and not dialog.copy_cli.isDefault()
    qtbot.mouseClick(dialog.copy_cli, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()  # copying neither sends nor closes
    out = []
    words = shlex.split(QGuiApplication.clipboard().text())  # a quoted value may hold line breaks (JSON input)
    starts = [n for n, word in enumerate(words) if word == "aws"]
    for begin, end in zip(starts, [*starts[1:], len(words)], strict=True):
        args = words[begin:end]
        assert args[:2] == ["aws", "stepfunctions"]
        options = dict(zip(args[3::2], args[4::2], strict=True))
        assert options.pop("--endpoint-url") == dialog_connection(dialog).endpoint_url
        options.pop("--region")
        out.append((args[2], options))
    return out


def dialog_connection(dialog):
    return dialog.copy_cli.connection


def as_cli(operation: str, params: dict) -> tuple[str, dict[str, str]]:
    """A request as the CLI spells it: what the copied line must say."""
    return (xform_name(operation, "-"),
            {f"--{awscli.option_name('stepfunctions', operation, k)}": str(v) for k, v in params.items()})


HOLD = {"StartAt": "Prepare", "States": {
    "Prepare": {"Type": "Pass", "Next": "Hold"},
    "Hold": {"Type": "Wait", "SecondsPath": "$.seconds", "Next": "Done"},
    "Done": {"Type": "Succeed"}}}


# -- start -----------------------------------------------------------------------------------
def test_start_validates_as_you_type_and_starts(qtbot, ctx, clients, machines, controller):
    machine = machines(HOLD)
    controller.start(machine.arn)
    dialog: StartExecutionDialog = dialog_of(qtbot, controller, StartExecutionDialog)
    assert dialog.state_machine_arn() == machine.arn
    editor = dialog.input.editor
    editor.clear()
    qtbot.keyClicks(editor, '{"seconds": 0,')
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.keyClicks(editor, ' "note": }')
    assert not dialog.start_button.isEnabled()
    assert dialog.input.status.text().startswith("✗ Line 2, column 10: Expecting value.")
    assert dialog.input.status.isVisible()
    qtbot.keyClick(editor, Qt.Key.Key_Backspace)
    qtbot.keyClicks(editor, '"ok"}')
    assert dialog.start_button.isEnabled() and "Valid JSON" in dialog.input.status.text()

    qtbot.keyClicks(dialog.name_edit, "run 1")
    assert not dialog.start_button.isEnabled()
    assert "white space (character 4)" in dialog.name_message.text()
    dialog.name_edit.clear()
    qtbot.keyClicks(dialog.name_edit, "ui-run-" + uuid.uuid4().hex[:6])
    assert dialog.start_button.isEnabled() and not dialog.name_message.isVisible()
    name = dialog.name_edit.text()

    with qtbot.waitSignal(controller.started, timeout=TIMEOUT) as started:
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    arn = started.args[0]
    assert arn.endswith(f":{name}")
    out = clients.client("stepfunctions").describe_execution(executionArn=arn)
    assert json.loads(out["input"]) == {"seconds": 0, "note": "ok"}
    assert audit(ctx) == [("Start execution", machine.arn, "ok")]
    assert ctx.audit.read()[0].details["name"] == name


def test_start_copies_the_command_it_then_sends(qtbot, ctx, clients, machines, controller, sent):
    machine = machines(HOLD)
    controller.start(machine.arn, '{"seconds": 0}')
    dialog: StartExecutionDialog = dialog_of(qtbot, controller, StartExecutionDialog)
    qtbot.keyClicks(dialog.name_edit, "bad name")
    assert not dialog.start_button.isEnabled() and not dialog.copy_cli.isEnabled()  # nothing would be sent
    dialog.name_edit.clear()  # no name: one is made, and the copied command already has it
    [(operation, options)] = copied_requests(qtbot, dialog)
    assert operation == "start-execution" and options["--state-machine-arn"] == machine.arn
    assert json.loads(options["--input"]) == {"seconds": 0}
    with qtbot.waitSignal(controller.started, timeout=TIMEOUT) as started:
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert started.args[0].endswith(":" + options["--name"])
    assert [as_cli(op, params) for op, params in sent if op == "StartExecution"] == [(operation, options)]
    assert as_cli("StartExecution", ctx.audit.read()[-1].requests[0]["params"]) == (operation, options)


def test_start_cancelled_sends_nothing(qtbot, ctx, clients, machines, controller):
    machine = machines(HOLD)
    controller.start(machine.arn)
    dialog = dialog_of(qtbot, controller, StartExecutionDialog)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: controller.dialog is None)
    assert list(iter_executions(clients, [machine.arn])) == []
    assert audit(ctx) == []


def test_start_lists_machines_when_none_are_known(qtbot, clients, controller, sandbox):
    controller.start(sandbox.scenario.state_machines["inference"])
    dialog = dialog_of(qtbot, controller, StartExecutionDialog)
    assert dialog.state_machine_arn() == sandbox.scenario.state_machines["inference"]
    assert dialog.machine_combo.count() >= 5
    dialog.reject()


# -- stop --------------------------------------------------------------------------------------
def test_stop_with_error_and_cause_is_audited(qtbot, ctx, clients, machines, controller, sent):
    machine = machines(HOLD)
    arn = core.start_execution(clients, machine.arn, '{"seconds": 600}')
    controller.stop([describe_execution(clients, arn)])
    dialog: StopExecutionDialog = dialog_of(qtbot, controller, StopExecutionDialog)
    assert dialog.buttons.button(dialog.buttons.StandardButton.Cancel).isDefault()
    qtbot.keyClicks(dialog.error_edit, "Operator.Abort")
    qtbot.keyClicks(dialog.cause_edit, "Wrong dataset version")
    copied = copied_requests(qtbot, dialog)  # with what was typed
    assert copied == [("stop-execution", {"--execution-arn": arn, "--error": "Operator.Abort",
                                          "--cause": "Wrong dataset version"})]
    with qtbot.waitSignal(controller.message, timeout=TIMEOUT) as said:
        qtbot.mouseClick(dialog.stop_button, Qt.MouseButton.LeftButton)
    assert said.args == ["Stopped 1 execution.", True]
    assert [as_cli(op, params) for op, params in sent if op == "StopExecution"] == copied
    out = clients.client("stepfunctions").describe_execution(executionArn=arn)
    assert (out["status"], out["error"], out["cause"]) == ("ABORTED", "Operator.Abort", "Wrong dataset version")
    record = ctx.audit.read()[-1]
    assert (record.action, record.target, record.result) == ("Stop execution", arn, "ok")
    assert record.details == {"error": "Operator.Abort", "cause": "Wrong dataset version"}


def test_stop_cancelled_leaves_the_execution_running(qtbot, ctx, clients, machines, controller):
    machine = machines(HOLD)
    arn = core.start_execution(clients, machine.arn, '{"seconds": 600}')
    controller.stop([describe_execution(clients, arn)])
    dialog = dialog_of(qtbot, controller, StopExecutionDialog)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: controller.dialog is None)
    assert status_of(clients, arn) == "RUNNING" and audit(ctx) == []
    core.stop_execution(clients, arn)


def test_stop_says_so_when_nothing_runs(qtbot, controller):
    done = Execution(arn="arn:aws:states:eu-west-1:1:execution:m:e", name="e", state_machine_arn="a",
                     state_machine_name="m", status="SUCCEEDED", start=datetime.now(timezone.utc))
    with qtbot.waitSignal(controller.message) as said:
        controller.stop([done])
    assert said.args[1] is False and controller.dialog is None


# -- redrive -----------------------------------------------------------------------------------
def _seeded_old_failure(sandbox, clients) -> Execution:
    now = datetime.now(timezone.utc)
    return next(e for page in iter_executions(clients, [sandbox.scenario.state_machines["training"]], "FAILED")
                for e in page if now - e.stop > timedelta(days=15))


def test_redrive_dialog_says_per_row_why_and_redrives_what_it_can(qtbot, ctx, clients, sandbox, machines,
                                                                  controller, failed_run, sent):
    failed, fix = failed_run
    ok_machine = machines(HOLD)
    succeeded = core.start_execution(clients, ok_machine.arn, '{"seconds": 0}')
    qtbot.waitUntil(lambda: status_of(clients, succeeded) == "SUCCEEDED", timeout=TIMEOUT)
    old = _seeded_old_failure(sandbox, clients)
    fix()
    controller.redrive([failed, describe_execution(clients, succeeded), old])
    dialog: RedriveDialog = dialog_of(qtbot, controller, RedriveDialog)
    reasons = dialog.model.reasons()
    assert reasons[failed.name] is None
    assert "succeeded" in reasons[succeeded.rsplit(":", 1)[1]]
    assert "(limit: 14 days)" in reasons[old.name]
    assert dialog.model.index(2, 3).data().startswith("Can't: stopped")
    assert dialog.model.index(0, 3).data(REASON_ROLE) is None
    qtbot.waitUntil(lambda: dialog.model.index(0, 3).data() == "Can redrive", timeout=TIMEOUT)  # AWS agreed
    assert dialog.summary.text() == "1 of 3 can be redriven."
    assert dialog.buttons.button(dialog.buttons.StandardButton.Cancel).isDefault()
    copied = copied_requests(qtbot, dialog)  # only the one that can be redriven
    assert copied == [("redrive-execution", {"--execution-arn": failed.arn})]
    with qtbot.waitSignal(controller.message, timeout=TIMEOUT) as said:
        qtbot.mouseClick(dialog.redrive_button, Qt.MouseButton.LeftButton)
    assert said.args == ["Redrove 1 execution.", True]
    redriven = [(op, {k: v for k, v in params.items() if k != "clientToken"})  # botocore adds the token
                for op, params in sent if op == "RedriveExecution"]
    assert [as_cli(op, params) for op, params in redriven] == copied
    qtbot.waitUntil(lambda: status_of(clients, failed.arn) == "SUCCEEDED", timeout=TIMEOUT)
    after = describe_execution(clients, failed.arn)
    assert after.redrive_count == 1
    assert audit(ctx) == [("Redrive execution", failed.arn, "ok")]
    assert status_of(clients, old.arn) == "FAILED"


def test_redrive_cancelled_sends_nothing(qtbot, ctx, clients, controller, failed_run):
    failed, _fix = failed_run
    controller.redrive([failed])
    dialog = dialog_of(qtbot, controller, RedriveDialog)
    assert dialog.redrive_button.isEnabled()
    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Cancel), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: controller.dialog is None)
    after = describe_execution(clients, failed.arn)
    assert (after.status, after.redrive_count) == ("FAILED", 0) and audit(ctx) == []
