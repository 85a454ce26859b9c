"""The executions panel's fixing actions: toolbar, context menu, shortcuts, enabled by the selection.

Rows are picked with clicks and Ctrl+click, actions asked for with their keys.
Seeded executions are only selected and their dialogs cancelled; executions
started or redriven here run on machines of the test's own.
"""

from __future__ import annotations

import json
import uuid

import pytest
from PySide6.QtCore import Qt

from opsconsole.core.executions.listing import Execution, describe_execution
from opsconsole.ui.executions import ExecutionsPanel
from opsconsole.ui.executions.actions.menu import redrive_keys
from opsconsole.ui.executions.dialogs.execution import StartExecutionDialog, StopExecutionDialog
from opsconsole.ui.executions.dialogs.redrive import RedriveDialog
from opsconsole.ui.executions.table_model import Column
from keyflows import press_button

ROLE = "arn:aws:iam::123456789012:role/mlops-stepfunctions-execution"
TIMEOUT = 30_000


@pytest.fixture
def own_machine(sandbox_clients):
    sfn = sandbox_clients.client("stepfunctions")
    definition = {"StartAt": "Hold", "States": {"Hold": {"Type": "Wait", "SecondsPath": "$.seconds", "End": True}}}
    arn = sfn.create_state_machine(name=f"ui-panel-{uuid.uuid4().hex[:8]}", definition=json.dumps(definition),
                                   roleArn=ROLE)["stateMachineArn"]
    yield arn
    sfn.delete_state_machine(stateMachineArn=arn)


@pytest.fixture
def panel(qtbot, ctx, sandbox_connection):
    ctx.set_connection(sandbox_connection)
    made = ExecutionsPanel(ctx)
    qtbot.addWidget(made)
    made.resize(1400, 800)
    made.show()
    with qtbot.waitSignal(made.loaded, timeout=TIMEOUT):
        made.load()
    return made


def click_rows(qtbot, panel: ExecutionsPanel, arns: list[str]) -> None:
    """Click the first run's row, then Ctrl+click each of the others, as a person picks runs in the list."""
    table, model = panel.table, panel.model
    for n, arn in enumerate(arns):
        [row] = model.rows_of([arn])
        index = model.index(row, Column.NAME)
        table.scrollTo(index)
        keys = Qt.KeyboardModifier.ControlModifier if n else Qt.KeyboardModifier.NoModifier
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, keys, table.visualRect(index).center())


def select(qtbot, panel: ExecutionsPanel, *wanted) -> list[Execution]:
    """Click the first row matching each predicate (Ctrl+click after the first); returns the executions picked."""
    model = panel.model
    chosen = [next(e for e in model.visible_executions() if predicate(e)) for predicate in wanted]
    click_rows(qtbot, panel, [e.arn for e in chosen])
    return chosen  # the actions' enabled state follows on the next event-loop turn: wait for it


def status(name: str):
    return lambda e: e.status == name


def enabled(panel: ExecutionsPanel) -> tuple[bool, bool, bool]:
    s = panel.action_set
    return s.start_action.isEnabled(), s.stop_action.isEnabled(), s.redrive_action.isEnabled()


def test_actions_follow_the_selection(qtbot, panel):
    assert enabled(panel) == (True, False, False)
    select(qtbot, panel, status("RUNNING"))
    qtbot.waitUntil(lambda: enabled(panel) == (True, True, False))
    select(qtbot, panel, status("SUCCEEDED"))
    qtbot.waitUntil(lambda: enabled(panel) == (True, False, False))
    select(qtbot, panel, status("FAILED"))
    qtbot.waitUntil(lambda: enabled(panel) == (True, False, True))
    select(qtbot, panel, status("RUNNING"), status("TIMED_OUT"))
    qtbot.waitUntil(lambda: enabled(panel) == (True, True, True))
    assert panel.action_set.approve_action.isEnabled() is False  # two rows: not one manual step


def test_toolbar_and_context_menu_offer_the_actions(qtbot, panel):
    toolbar = [a.text() for a in panel.action_set.toolbar.actions()]
    assert toolbar == ["Start execution…", "Stop…", "Redrive…"]
    assert panel.action_set.start_action.shortcut().toString() == "Ctrl+N"
    assert panel.action_set.stop_action.shortcut().toString() == "Del"
    select(qtbot, panel, status("RUNNING"))
    menu = panel.action_set.build_menu()  # brings the enabled states up to date itself
    seen = [a.text() for a in menu.actions() if not a.isSeparator() and a.isEnabled()]
    assert seen == ["Open", "Copy ARNs", "Start execution…", "Stop…", "Approve or reject manual step…",
                    "Export history as JSON…"]
    menu.deleteLater()
    receivers = panel.table.receivers("2customContextMenuRequested(QPoint)")
    assert receivers == 1  # the panel's menu replaced the table's own


def test_redrive_shortcut_avoids_the_refresh_key():
    from PySide6.QtGui import QKeySequence

    assert redrive_keys([QKeySequence("F5")]).toString() == "Ctrl+R"
    assert redrive_keys([QKeySequence("F5"), QKeySequence("Ctrl+R")]).toString() == "Ctrl+Shift+R"


def test_del_asks_before_stopping_and_cancel_stops_nothing(qtbot, ctx, sandbox, sandbox_clients, panel):
    # A run parked on its approval request: it stays running whatever the test's pace.
    comparison = sandbox.scenario.state_machines["comparison"]
    [running] = select(qtbot, panel, lambda e: e.status == "RUNNING" and e.state_machine_arn == comparison)
    panel.table.setFocus()
    qtbot.waitUntil(lambda: panel.action_set.stop_action.isEnabled())
    qtbot.keyClick(panel.table, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: isinstance(panel.run_actions.dialog, StopExecutionDialog), timeout=TIMEOUT)
    assert panel.run_actions.dialog.executions == [running]
    qtbot.keyClick(panel.run_actions.dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: panel.run_actions.dialog is None)
    assert describe_execution(sandbox_clients, running.arn).status == "RUNNING"
    assert ctx.audit.read() == []


def test_ctrl_r_lists_the_selection_with_reasons(qtbot, ctx, panel):
    chosen = select(qtbot, panel, status("FAILED"), status("SUCCEEDED"))
    panel.table.setFocus()
    qtbot.waitUntil(lambda: panel.action_set.redrive_action.isEnabled())
    qtbot.keyClick(panel.table, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: isinstance(panel.run_actions.dialog, RedriveDialog), timeout=TIMEOUT)
    reasons = panel.run_actions.dialog.model.reasons()
    assert set(reasons) == {e.name for e in chosen}
    assert "succeeded" in reasons[chosen[1].name]
    qtbot.waitUntil(panel.run_actions.dialog.isActiveWindow)
    qtbot.keyClick(panel.run_actions.dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: panel.run_actions.dialog is None)
    assert ctx.audit.read() == []


def test_ctrl_n_starts_on_the_picked_machine_and_the_new_row_appears(qtbot, ctx, own_machine, panel):
    assert panel.machine_model.row_of(own_machine) is not None  # made before the panel listed machines
    with qtbot.waitSignal(panel.query_finished, timeout=TIMEOUT):
        panel.picker.select([own_machine])
    assert panel.model.rowCount() == 0
    panel.table.setFocus()
    qtbot.keyClick(panel.table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: isinstance(panel.run_actions.dialog, StartExecutionDialog), timeout=TIMEOUT)
    dialog = panel.run_actions.dialog
    assert dialog.state_machine_arn() == own_machine
    qtbot.keyClick(dialog.input.editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(dialog.input.editor, '{"seconds": 30}')
    with qtbot.waitSignal(panel.run_actions.started, timeout=TIMEOUT) as started:
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    arn = started.args[0]
    qtbot.waitUntil(lambda: panel.model.rows_of([arn]) != [], timeout=TIMEOUT)
    assert panel.model.execution(panel.model.rows_of([arn])[0]).status == "RUNNING"
    assert panel.message_bar.isVisible() and "Started" in panel.message_bar.text_label.text()
    assert [(r.action, r.result) for r in ctx.audit.read()] == [("Start execution", "ok")]
    from opsconsole.core.executions.actions import stop_execution

    stop_execution(ctx.clients, arn)


@pytest.fixture
def batch(sandbox_clients, qtbot):
    """A machine of the test's own with four runs: three FAILED at 'Load' for want of a table, one SUCCEEDED.

    Yields (machine ARN, [the three failed ARNs], the succeeded ARN, fix); fix() creates the table.
    """
    sfn, ddb = sandbox_clients.client("stepfunctions"), sandbox_clients.client("dynamodb")
    tag = uuid.uuid4().hex[:8]
    table = f"ui-panel-redrive-{tag}"
    definition = {"StartAt": "Needed?", "States": {
        "Needed?": {"Type": "Choice", "Choices": [{"Variable": "$.skip", "IsPresent": True, "Next": "Skipped"}],
                    "Default": "Load"},
        "Skipped": {"Type": "Succeed"},
        "Load": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
                 "Parameters": {"TableName": table, "Key": {"id": {"S": "x"}}}, "ResultPath": "$.loaded",
                 "End": True}}}
    machine = sfn.create_state_machine(name=f"ui-panel-redrive-{tag}", definition=json.dumps(definition),
                                       roleArn=ROLE)["stateMachineArn"]
    failed = [sfn.start_execution(stateMachineArn=machine, name=f"batch-{n}-{tag}")["executionArn"] for n in range(3)]
    succeeded = sfn.start_execution(stateMachineArn=machine, name=f"skipped-{tag}",
                                    input='{"skip": true}')["executionArn"]
    qtbot.waitUntil(lambda: [describe_execution(sandbox_clients, a).status for a in [*failed, succeeded]]
                    == ["FAILED"] * 3 + ["SUCCEEDED"], timeout=TIMEOUT)

    def fix() -> None:
        ddb.create_table(TableName=table, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                         BillingMode="PAY_PER_REQUEST")

    yield machine, failed, succeeded, fix
    try:
        ddb.delete_table(TableName=table)
    except Exception:
        pass
    sfn.delete_state_machine(stateMachineArn=machine)


def show_machine(qtbot, panel: ExecutionsPanel, machine: str) -> None:
    with qtbot.waitSignal(panel.query_finished, timeout=TIMEOUT):
        panel.picker.select([machine])


def open_redrive(qtbot, panel: ExecutionsPanel) -> RedriveDialog:
    """Ctrl+R in the list; the dialog, once AWS has given its verdict on every row it lists."""
    qtbot.waitUntil(lambda: panel.action_set.redrive_action.isEnabled())
    qtbot.keyClick(panel.table, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: isinstance(panel.run_actions.dialog, RedriveDialog), timeout=TIMEOUT)
    dialog = panel.run_actions.dialog
    qtbot.waitUntil(lambda: not any(job.owner is dialog for job in panel.ctx.runner.jobs), timeout=TIMEOUT)
    qtbot.waitUntil(dialog.isActiveWindow)
    return dialog


def verdicts(dialog: RedriveDialog) -> dict[str, str]:
    """Execution name -> what the dialog's last column says."""
    return {dialog.model.index(r, 0).data(): dialog.model.index(r, 3).data() for r in range(dialog.model.rowCount())}


def said(panel: ExecutionsPanel) -> str:
    return panel.message_bar.text_label.text() if panel.message_bar.isVisible() else ""


def redrives_shown(panel: ExecutionsPanel, arn: str) -> str:
    return panel.model.index(panel.model.rows_of([arn])[0], Column.REDRIVES).data()


def test_redrive_of_several_selected_runs_sends_each_of_them(qtbot, ctx, sandbox_clients, batch, panel):
    machine, failed, succeeded, fix = batch  # (the machine is made before the panel lists machines)
    show_machine(qtbot, panel, machine)
    assert panel.model.rowCount() == 4
    fix()
    # Two of the three failed runs and the one that succeeded; the third failed run is left alone.
    click_rows(qtbot, panel, [failed[0], failed[2], succeeded])
    dialog = open_redrive(qtbot, panel)
    name = {a: a.rsplit(":", 1)[1] for a in [*failed, succeeded]}
    shown = verdicts(dialog)
    assert set(shown) == {name[failed[0]], name[failed[2]], name[succeeded]}
    assert shown[name[failed[0]]] == shown[name[failed[2]]] == "Can redrive"
    assert shown[name[succeeded]].startswith("Can't: ") and "succeeded" in shown[name[succeeded]]
    assert dialog.summary.text() == "2 of 3 can be redriven."
    assert dialog.redrive_button.text() == "Redrive 2 executions"
    press_button(qtbot, dialog.redrive_button)
    qtbot.waitUntil(lambda: said(panel).startswith("Redrove"), timeout=TIMEOUT)
    assert said(panel) == "Redrove 2 executions."
    for arn in (failed[0], failed[2]):  # AWS got a redrive for each, and each ran to its end this time
        qtbot.waitUntil(lambda a=arn: describe_execution(sandbox_clients, a).status == "SUCCEEDED", timeout=TIMEOUT)
        assert describe_execution(sandbox_clients, arn).redrive_count == 1
        qtbot.waitUntil(lambda a=arn: redrives_shown(panel, a) == "1", timeout=TIMEOUT)  # the list says so too
    for arn in (failed[1], succeeded):  # not selected / not redrivable: untouched
        after = describe_execution(sandbox_clients, arn)
        assert (after.status, after.redrive_count) == (("FAILED", 0) if arn == failed[1] else ("SUCCEEDED", 0))
    assert sorted((r.target, r.result) for r in ctx.audit.read()) == sorted([(failed[0], "ok"), (failed[2], "ok")])


def test_a_partly_refused_redrive_batch_says_which_run_failed_and_why(qtbot, ctx, sandbox_clients, batch, panel):
    machine, failed, succeeded, fix = batch
    show_machine(qtbot, panel, machine)
    fix()
    panel.table.setFocus()
    qtbot.keyClick(panel.table, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)  # every run in the list
    qtbot.waitUntil(lambda: len(panel.table.selected_executions()) == 4)
    dialog = open_redrive(qtbot, panel)
    assert dialog.summary.text() == "3 of 4 can be redriven."
    # Meanwhile someone else redrives the second failed run: AWS refuses it when the batch goes out.
    sandbox_clients.client("stepfunctions").redrive_execution(executionArn=failed[1])
    press_button(qtbot, dialog.redrive_button)
    qtbot.waitUntil(lambda: said(panel).startswith("Redrove"), timeout=TIMEOUT)
    message, refused = said(panel), failed[1].rsplit(":", 1)[1]
    assert message.startswith(f"Redrove 2 of 3 executions; 1 failed: {refused}: "), message
    assert "cannot be redriven" in message and message.endswith("(ExecutionNotRedrivable)")  # AWS's own words
    assert not any(a.rsplit(":", 1)[1] in message for a in (failed[0], failed[2], succeeded))
    assert panel.message_bar.title_label.text() == "Not done"
    for arn in failed:  # each was redriven exactly once (the second by the other person)
        qtbot.waitUntil(lambda a=arn: describe_execution(sandbox_clients, a).status == "SUCCEEDED", timeout=TIMEOUT)
        assert describe_execution(sandbox_clients, arn).redrive_count == 1
    assert describe_execution(sandbox_clients, succeeded).redrive_count == 0
    results = sorted((r.target, r.result) for r in ctx.audit.read() if r.action == "Redrive execution")
    assert results == sorted([(failed[0], "ok"), (failed[1], "error"), (failed[2], "ok")])
