"""The operator's flows through a run, driven with keys against the sandbox.

From the list to a failed run's failed state in three key presses; keys move
between states (graph) and events (history); the window keeps itself current
and says what an action did.
"""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

import support
from keyflows import FAILED_RUN_KEYS, open_failed_run, press_button, type_keys
from opsconsole.core.executions import listing as ex

TIMEOUT = 60_000


@pytest.fixture
def main_window(qtbot, ctx, sandbox_connection):
    """The main window as the app starts it: shown, then connected (its areas start loading).

    Only the executions area: the others' loading is theirs to test, and would only slow this down.
    """
    from opsconsole.ui.executions import AREA
    from opsconsole.ui.shell.main_window import MainWindow

    window = MainWindow(ctx, areas=[AREA])
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    ctx.set_connection(sandbox_connection)
    return window


def first_execution(ctx, sandbox, machine: str, status: str) -> ex.Execution:
    return support.first_execution(ctx.clients, sandbox, machine, status)


def failed_state_of(detail) -> str:
    """The state the history says the run failed in (the innermost uncaught failure)."""
    from opsconsole.core.executions.history import failure_point

    return failure_point(detail.events)[0]


# -- from the list to the failed state --------------------------------------------------------
def test_three_keys_from_the_list_to_a_failed_states_error_cause_and_input(qtbot, main_window):
    window, actions = open_failed_run(qtbot, main_window)
    d = window.detail
    assert actions == len(FAILED_RUN_KEYS) == 3
    assert d.execution.status == "FAILED"
    # The failed state is picked, and the step pane shows its error, cause and input.
    state = failed_state_of(d)
    assert d.selected_state == state and d.graph.selected_state() == state
    assert d.step.title.text() == state
    run = d.step.run
    assert run.state == state and run.status == "failed"
    assert d.step.error_box.isVisibleTo(d) and run.error in d.step.error_label.text()
    assert d.step.cause_view.text() == (run.cause or "")
    assert d.step.tabs.currentWidget() is d.step.input_view
    assert json.loads(d.step.input_view.raw_text()) == json.loads(run.input)
    # The keys are in the graph, ready to move between states.
    assert QApplication.focusWidget() is d.graph
    window.close()


# -- keys between states and events -------------------------------------------------------------
def test_arrow_keys_move_between_states_in_the_graph(qtbot, sandbox, connected_ctx, open_window):
    w = open_window(first_execution(connected_ctx, sandbox, "training", "FAILED"))
    d = w.detail
    qtbot.waitUntil(lambda: d.selected_state is not None, timeout=TIMEOUT)
    failed = d.selected_state
    assert QApplication.focusWidget() is d.graph
    order = [item.node.id for item in d.graph._reading_order()]
    at = order.index(failed)
    type_keys(qtbot, "Up")
    assert d.selected_state == order[at - 1] == d.graph.selected_state()
    assert d.step.title.text().startswith(order[at - 1])  # the step pane follows
    type_keys(qtbot, "Down")
    assert d.selected_state == failed
    type_keys(qtbot, "Down")
    assert d.selected_state == order[min(at + 1, len(order) - 1)]
    type_keys(qtbot, "Home")
    assert d.selected_state == order[0]
    # The picked state is always on screen, even where the graph is larger than the view.
    for _ in range(len(order) - 1):
        type_keys(qtbot, "Down")
        shown = d.graph.scene_rect_in_view()
        assert shown.intersects(d.graph.item_for_state(d.selected_state).sceneBoundingRect())
    assert d.selected_state == order[-1]


def test_history_rows_pick_their_state_by_key_and_by_click(qtbot, sandbox, connected_ctx, open_window):
    w = open_window(first_execution(connected_ctx, sandbox, "training", "FAILED"))
    d = w.detail
    table = d.history_view.table
    type_keys(qtbot, "Ctrl+H")  # the history's rows get the keys
    assert QApplication.focusWidget() is table
    model = d.history_view.model
    seen = []
    for _ in range(model.rowCount() - 1):
        type_keys(qtbot, "Down")
        event = model.event_at(table.currentIndex().row())
        if event.state:
            assert d.selected_state == event.state == d.graph.selected_state()
            assert d.step.title.text() == event.state
            seen.append(event.state)
    # walked through every state the history names
    assert set(seen) == {model.event_at(r).state for r in range(1, model.rowCount()) if model.event_at(r).state}
    assert len(set(seen)) >= 3
    # A click on a row picks its state too.
    row = next(r for r in range(model.rowCount()) if model.event_at(r).state
               and model.event_at(r).state != d.selected_state)
    rect = table.visualRect(model.index(row, 1))
    table.scrollTo(model.index(row, 1))
    rect = table.visualRect(model.index(row, 1))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert d.selected_state == model.event_at(row).state
    type_keys(qtbot, "Ctrl+G")  # and back to the graph
    assert QApplication.focusWidget() is d.graph


# -- how the graph opens ------------------------------------------------------------------------
def test_the_graph_opens_readable_around_the_failed_state(qtbot, sandbox, connected_ctx, open_window):
    from opsconsole.ui.executions.graph.fonts import fonts
    from opsconsole.ui.executions.graph.view import READABLE_POINTS

    w = open_window(first_execution(connected_ctx, sandbox, "training", "FAILED"))
    d = w.detail
    qtbot.waitUntil(lambda: d.selected_state is not None, timeout=TIMEOUT)
    graph = d.graph
    smallest_pt = min(f.pixelSize() for f in fonts()) * graph.zoom() * 72 / graph.logicalDpiY()
    assert smallest_pt >= READABLE_POINTS - 1e-6
    failed_box = graph.item_for_state(d.selected_state).sceneBoundingRect()
    assert graph.scene_rect_in_view().contains(failed_box)
    # F shows the whole graph (smaller), the readable view comes back when the window is re-opened.
    type_keys(qtbot, "F")
    assert graph.scene_rect_in_view().contains(graph.scene().itemsBoundingRect())


# -- the Map runs tab ---------------------------------------------------------------------------
def map_runs_answered(ctx, d) -> bool:
    """ListMapRuns has answered for the window (its job is over)."""
    return not any(job.active and job.owner is d.map_runs for job in ctx.runner.jobs)


def test_the_map_runs_tab_shows_only_for_runs_with_map_runs(qtbot, sandbox, clients, connected_ctx, machines,
                                                            open_window):
    from opsconsole.core.executions import actions as core
    from opsconsole.core.executions.listing import describe_execution
    from opsconsole.ui.executions.map_runs import Column
    from support import status_of

    w = open_window(first_execution(connected_ctx, sandbox, "training", "FAILED"))
    d = w.detail
    qtbot.waitUntil(lambda: map_runs_answered(connected_ctx, d), timeout=TIMEOUT)
    assert not d.tabs.isTabVisible(d.tabs.indexOf(d.map_runs))  # an inline Map has no map runs
    titles = [d.tabs.tabText(i) for i in range(d.tabs.count()) if d.tabs.isTabVisible(i)]
    assert titles == ["History", "Timeline", "Input / output"]
    w.close()
    # A Distributed Map fans out into child executions: its map run gets a tab of its own.
    machine = machines({"StartAt": "Fan out", "States": {"Fan out": {
        "Type": "Map", "ItemsPath": "$.items", "End": True,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                          "StartAt": "Work", "States": {"Work": {"Type": "Pass", "End": True}}}}}})
    arn = core.start_execution(clients, machine.arn, json.dumps({"items": list(range(6))}))
    qtbot.waitUntil(lambda: status_of(clients, arn) == "SUCCEEDED", timeout=TIMEOUT)
    w = open_window(describe_execution(clients, arn))
    d = w.detail
    qtbot.waitUntil(lambda: d.tabs.isTabVisible(d.tabs.indexOf(d.map_runs)), timeout=TIMEOUT)
    titles = [d.tabs.tabText(i) for i in range(d.tabs.count()) if d.tabs.isTabVisible(i)]
    assert titles == ["History", "Timeline", "Input / output", "Map runs"]
    assert d.map_runs.model.rowCount() == 1
    assert d.map_runs.model.index(0, Column.ITEMS).data() == "6 / 6"
    assert d.map_runs.model.index(0, Column.FAILED).data() == "0"


# -- the window keeps itself current ------------------------------------------------------------
HOLD = {"StartAt": "Prepare", "States": {
    "Prepare": {"Type": "Pass", "Next": "Hold"},
    "Hold": {"Type": "Wait", "SecondsPath": "$.seconds", "Next": "Done"},
    "Done": {"Type": "Succeed"}}}


def test_a_running_runs_window_refreshes_itself_until_it_ends(qtbot, clients, machines, open_window):
    from opsconsole.core.executions import actions as core
    from opsconsole.core.executions.listing import describe_execution

    machine = machines(HOLD)
    arn = core.start_execution(clients, machine.arn, '{"seconds": 3}')
    w = open_window(describe_execution(clients, arn), refresh_interval_ms=1500)
    d = w.detail
    assert d.execution.status == "RUNNING" and d.refresh_timer.isActive()
    assert d.badge.text() == "Running"
    type_keys(qtbot, "Ctrl+=")  # the user zooms in; a refresh must not undo it
    zoom, graph = d.graph.zoom(), d.graph.graph
    with qtbot.waitSignal(d.runs_loaded, timeout=TIMEOUT):
        pass  # a refresh has just read the history: the table stays as it is for a while
    type_keys(qtbot, "Ctrl+H")  # and walks to the second event of the history
    type_keys(qtbot, "Down")
    table = d.history_view.table
    picked = d.history_view.model.event_at(table.currentIndex().row())
    assert picked.id == 2 and d.selected_state == picked.state == "Prepare"
    type_keys(qtbot, "Ctrl+G")  # then picks the next state in the graph
    type_keys(qtbot, "Down")
    assert d.selected_state == "Hold"
    # No key pressed: the window finds out by itself that the run ended.
    qtbot.waitUntil(lambda: d.execution.status == "SUCCEEDED", timeout=TIMEOUT)
    qtbot.waitUntil(lambda: d.graph.outcome_of("Done") == "succeeded", timeout=TIMEOUT)
    assert d.badge.text() == "Succeeded" and "SUCCEEDED" in w.windowTitle()
    assert not d.refresh_timer.isActive()  # nothing left to watch
    assert d.graph.graph is graph and d.graph.zoom() == pytest.approx(zoom)
    # The history was read afresh (it has the end now), and the row the user was on is still the current one.
    assert d.history_view.model.event_at(d.history_view.model.rowCount() - 1).type == "ExecutionSucceeded"
    assert d.history_view.model.event_at(table.currentIndex().row()).id == picked.id
    assert d.selected_state == "Hold" and d.step.title.text() == "Hold"  # the later pick stands


# -- redrive ------------------------------------------------------------------------------------
def dialog_checked(qtbot, ctx, dialog) -> None:
    """Wait until the dialog's background checks (AWS's verdicts, the Fail-state look-up) have answered."""
    qtbot.waitUntil(lambda: not any(job.owner is dialog for job in ctx.runner.jobs), timeout=TIMEOUT)


def test_the_redrive_dialog_warns_when_the_run_failed_in_a_fail_state(
        qtbot, clients, connected_ctx, machines, open_window, redrive_served):
    from opsconsole.core.executions import actions as core
    from opsconsole.core.executions.listing import describe_execution
    from opsconsole.ui.executions.dialogs.redrive import RedriveDialog
    from support import status_of

    machine = machines({"StartAt": "Check labels", "States": {
        "Check labels": {"Type": "Pass", "Next": "Labels missing"},
        "Labels missing": {"Type": "Fail", "Error": "DataQualityCheckFailed", "Cause": "label coverage 71 pct"}}})
    arn = core.start_execution(clients, machine.arn, "{}")
    qtbot.waitUntil(lambda: status_of(clients, arn) == "FAILED", timeout=TIMEOUT)
    w = open_window(describe_execution(clients, arn))
    d = w.detail
    qtbot.waitUntil(lambda: d.selected_state == "Labels missing", timeout=TIMEOUT)
    type_keys(qtbot, "Ctrl+R")
    qtbot.waitUntil(lambda: isinstance(d.run_actions.dialog, RedriveDialog), timeout=TIMEOUT)
    dialog = d.run_actions.dialog
    qtbot.waitUntil(dialog.warning.isVisible, timeout=TIMEOUT)
    assert 'Fail state "Labels missing"' in dialog.warning.text()
    assert "fails the same way" in dialog.warning.text()
    assert dialog.model.index(0, 3).data() == "Can redrive, but will fail again"
    assert dialog.redrive_button.isEnabled()  # a warning, not a refusal
    type_keys(qtbot, "Escape")
    qtbot.waitUntil(lambda: d.run_actions.dialog is None, timeout=TIMEOUT)
    assert describe_execution(clients, arn).redrive_count == 0


def test_redriving_replaces_the_old_failure_banner(qtbot, clients, connected_ctx, failed_run, open_window,
                                                   redrive_served):
    from opsconsole.ui.executions.dialogs.redrive import RedriveDialog

    failed, fix = failed_run
    fix()  # the missing table is there now: the redrive can succeed
    w = open_window(failed, refresh_interval_ms=250)
    d = w.detail
    qtbot.waitUntil(lambda: d.failure.isVisibleTo(w), timeout=TIMEOUT)
    assert "Failed in state Load" in d.failure.title_label.text()
    type_keys(qtbot, "Ctrl+R")
    qtbot.waitUntil(lambda: isinstance(d.run_actions.dialog, RedriveDialog), timeout=TIMEOUT)
    dialog = d.run_actions.dialog
    dialog_checked(qtbot, connected_ctx, dialog)
    assert not dialog.warning.isVisible()  # it failed in a task, not in a Fail state
    press_button(qtbot, dialog.redrive_button)
    qtbot.waitUntil(lambda: d.message.isVisibleTo(w) and d.message.title_label.text() == "Redrove 1 execution.",
                    timeout=TIMEOUT)
    assert not d.failure.isVisibleTo(w)  # the old failure is gone with the redrive
    # The window follows the redriven run to its end by itself.
    qtbot.waitUntil(lambda: d.execution.status == "SUCCEEDED", timeout=TIMEOUT)
    qtbot.waitUntil(lambda: d.graph.outcome_of("Done") == "succeeded", timeout=TIMEOUT)
    assert d.execution.redrive_count == 1 and not d.failure.isVisibleTo(w)
    # Load ran again and succeeded: the graph and the step pane show that run, not the old failure.
    assert d.graph.outcome_of("Load") == "succeeded"
    assert d.selected_state == "Load" and d.step.run.status == "succeeded" and not d.step.error_box.isVisibleTo(w)


# -- a re-run links to its new execution ------------------------------------------------------
def test_a_rerun_links_to_the_execution_it_started(qtbot, clients, connected_ctx, failed_run, open_window):
    from opsconsole.ui.executions.dialogs.execution import RerunFromStateDialog

    failed, _fix = failed_run
    w = open_window(failed)
    d = w.detail
    qtbot.waitUntil(lambda: d.selected_state == "Load")  # preselected: the failed state
    assert not w.open_rerun_action.isEnabled()
    type_keys(qtbot, "Ctrl+Shift+R")
    qtbot.waitUntil(lambda: isinstance(d.run_actions.dialog, RerunFromStateDialog), timeout=TIMEOUT)
    dialog = d.run_actions.dialog
    assert dialog.plan.chosen_state == "Load"
    press_button(qtbot, dialog.start_button)
    qtbot.waitUntil(lambda: d.rerun_arn is not None, timeout=TIMEOUT)
    assert d.message.title_label.text().startswith(f"Started {d.rerun_arn.rsplit(':', 1)[-1]}")
    assert d.open_rerun_button.isVisibleTo(w) and w.open_rerun_action.isEnabled()
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow, timeout=TIMEOUT)
    type_keys(qtbot, "Ctrl+Shift+O")
    qtbot.waitUntil(lambda: bool(w.opened), timeout=TIMEOUT)
    opened = w.opened[0]
    qtbot.addWidget(opened)
    assert opened.isVisible() and opened.detail.execution.arn == d.rerun_arn
    assert opened.detail.execution.state_machine_name.startswith(f"{failed.state_machine_name}--from-")


# -- "Waiting for" in the list ------------------------------------------------------------------
def test_the_list_says_which_running_runs_wait_at_a_task_token(qtbot, sandbox, connected_ctx):
    from opsconsole.ui.executions import ExecutionsPanel
    from opsconsole.ui.executions.table_model import Column

    panel = ExecutionsPanel(connected_ctx)
    qtbot.addWidget(panel)
    panel.resize(1400, 800)
    panel.show()
    with qtbot.waitSignal(panel.loaded, timeout=TIMEOUT):
        panel.load()
    # The model pipeline's machines, as an operator picks them on the left.
    wanted = [sandbox.scenario.state_machines[m] for m in ("comparison", "training")]
    with qtbot.waitSignal(panel.query_finished, timeout=TIMEOUT):
        panel.picker.select(wanted)
    parked = [e for e in panel.model.executions() if e.status == "RUNNING" and e.state_machine_arn == wanted[0]]
    waiting_on_a_timer = [e for e in panel.model.executions() if e.status == "RUNNING"
                          and e.state_machine_arn == wanted[1]]
    assert parked and waiting_on_a_timer
    qtbot.waitUntil(lambda: all(panel.model.waiting_for(e.arn) for e in parked), timeout=TIMEOUT)
    assert panel.model.headerData(Column.WAITING, Qt.Orientation.Horizontal) == "Waiting for"
    for e in parked:
        row = panel.model.rows_of([e.arn])[0]
        assert panel.model.index(row, Column.WAITING).data() == "Request promotion approval"
    qtbot.waitUntil(lambda: panel._waiting_job is not None and not panel._waiting_job.active, timeout=TIMEOUT)
    for e in waiting_on_a_timer:  # a Wait state waits for its time, not for anyone
        assert panel.model.index(panel.model.rows_of([e.arn])[0], Column.WAITING).data() == ""
    finished = next(r for r in range(panel.model.rowCount()) if panel.model.execution(r).status != "RUNNING")
    assert panel.model.index(finished, Column.WAITING).data() == ""
