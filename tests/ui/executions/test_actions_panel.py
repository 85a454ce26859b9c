"""The executions panel's fixing actions: toolbar, context menu, shortcuts, enabled by the selection.

Seeded executions are only selected and their dialogs cancelled; the one
execution started here runs on a machine of the test's own.
"""

from __future__ import annotations

import json
import uuid

import pytest
from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt

from opsconsole.core.executions.listing import Execution, describe_execution
from opsconsole.ui.executions import ExecutionsPanel
from opsconsole.ui.executions.actions.menu import redrive_keys
from opsconsole.ui.executions.dialogs.execution import StartExecutionDialog, StopExecutionDialog
from opsconsole.ui.executions.dialogs.redrive import RedriveDialog

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


def select(qtbot, panel: ExecutionsPanel, *wanted) -> list[Execution]:
    """Select the first row matching each predicate; returns the selected executions."""
    model, chosen = panel.model, []
    rows = [next(r for r in range(model.rowCount()) if predicate(model.execution(r))) for predicate in wanted]
    selection = QItemSelection()
    for row in rows:
        selection.select(model.index(row, 0), model.index(row, model.columnCount() - 1))
        chosen.append(model.execution(row))
    flags = QItemSelectionModel.SelectionFlag.ClearAndSelect
    panel.table.selectionModel().select(selection, flags)
    if rows:
        panel.table.selectionModel().setCurrentIndex(model.index(rows[0], 0), QItemSelectionModel.SelectionFlag.NoUpdate)
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


def test_del_asks_before_stopping_and_cancel_stops_nothing(qtbot, ctx, sandbox_clients, panel):
    [running] = select(qtbot, panel, status("RUNNING"))
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
    panel.run_actions.dialog.reject()
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
    dialog.input.set_text('{"seconds": 30}')
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
def failed_runs(sandbox_clients, qtbot):
    """(machine ARN, [3 executions FAILED at 'Load' for want of a table], fix): fix() creates the table."""
    sfn, ddb = sandbox_clients.client("stepfunctions"), sandbox_clients.client("dynamodb")
    tag = uuid.uuid4().hex[:8]
    table = f"ui-panel-redrive-{tag}"
    definition = {"StartAt": "Load", "States": {
        "Load": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
                 "Parameters": {"TableName": table, "Key": {"id": {"S": "x"}}}, "ResultPath": "$.loaded",
                 "End": True}}}
    machine = sfn.create_state_machine(name=f"ui-panel-redrive-{tag}", definition=json.dumps(definition),
                                       roleArn=ROLE)["stateMachineArn"]
    arns = [sfn.start_execution(stateMachineArn=machine, name=f"batch-{n}-{tag}")["executionArn"] for n in range(3)]
    qtbot.waitUntil(lambda: all(describe_execution(sandbox_clients, a).status == "FAILED" for a in arns),
                    timeout=TIMEOUT)

    def fix() -> None:
        ddb.create_table(TableName=table, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                         BillingMode="PAY_PER_REQUEST")

    yield machine, arns, fix
    try:
        ddb.delete_table(TableName=table)
    except Exception:
        pass
    sfn.delete_state_machine(stateMachineArn=machine)


def test_redrive_of_several_selected_runs_sends_each_and_says_which_failed(qtbot, ctx, sandbox_clients, failed_runs,
                                                                          panel):  # the machine is made first
    machine, arns, fix = failed_runs
    with qtbot.waitSignal(panel.query_finished, timeout=TIMEOUT):
        panel.picker.select([machine])
    assert panel.model.rowCount() == 3
    chosen = select(qtbot, panel, *[(lambda e, a=a: e.arn == a) for a in arns])
    fix()
    panel.table.setFocus()
    qtbot.waitUntil(lambda: panel.action_set.redrive_action.isEnabled())
    qtbot.keyClick(panel.table, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: isinstance(panel.run_actions.dialog, RedriveDialog), timeout=TIMEOUT)
    dialog = panel.run_actions.dialog
    qtbot.waitUntil(lambda: [dialog.model.index(r, 3).data() for r in range(3)] == ["Can redrive"] * 3,
                    timeout=TIMEOUT)  # AWS agreed for all three
    assert dialog.summary.text() == "3 of 3 can be redriven."
    # Meanwhile someone else redrives the second one: AWS refuses it when the batch goes out.
    sandbox_clients.client("stepfunctions").redrive_execution(executionArn=chosen[1].arn)
    qtbot.mouseClick(dialog.redrive_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.message_bar.isVisible() and "Redrove" in panel.message_bar.text_label.text(),
                    timeout=TIMEOUT)
    said = panel.message_bar.text_label.text()
    assert said.startswith("Redrove 2 of 3 executions; 1 failed: " + chosen[1].name + ": "), said
    assert chosen[0].name not in said and chosen[2].name not in said
    for execution in chosen:  # each was redriven exactly once (the second by the other person)
        qtbot.waitUntil(lambda e=execution: describe_execution(sandbox_clients, e.arn).status == "SUCCEEDED",
                        timeout=TIMEOUT)
        assert describe_execution(sandbox_clients, execution.arn).redrive_count == 1
    results = sorted((r.target, r.result) for r in ctx.audit.read() if r.action == "Redrive execution")
    assert results == sorted([(chosen[0].arn, "ok"), (chosen[1].arn, "error"), (chosen[2].arn, "ok")])
