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

from keyflows import FAILED_RUN_KEYS, open_failed_run, type_keys
from opsconsole.core.executions import listing as ex

TIMEOUT = 60_000


@pytest.fixture
def connected_ctx(ctx, sandbox_connection):
    ctx.set_connection(sandbox_connection)
    return ctx


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
    arn = sandbox.scenario.state_machines[machine]
    return next(e for page in ex.iter_executions(ctx.clients, [arn], status) for e in page)


@pytest.fixture
def open_window(qtbot, connected_ctx):
    """open_(execution, **kwargs) -> an ExecutionWindow, shown, with its history and graph in."""
    from opsconsole.ui.executions.detail import ExecutionWindow

    def open_(execution, **kwargs):
        w = ExecutionWindow(connected_ctx, execution, **kwargs)
        qtbot.addWidget(w)  # closed (and its jobs cancelled) after the test
        with qtbot.waitSignals([w.detail.runs_loaded, w.detail.graph_ready], timeout=TIMEOUT):
            w.show()
        w.activateWindow()
        qtbot.waitUntil(w.isActiveWindow)
        return w

    return open_


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
    qtbot.waitUntil(lambda: d.selected_state is not None)
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
    qtbot.waitUntil(lambda: d.selected_state is not None)
    graph = d.graph
    smallest_pt = min(f.pixelSize() for f in fonts()) * graph.zoom() * 72 / graph.logicalDpiY()
    assert smallest_pt >= READABLE_POINTS - 1e-6
    failed_box = graph.item_for_state(d.selected_state).sceneBoundingRect()
    assert graph.scene_rect_in_view().contains(failed_box)
    # F shows the whole graph (smaller), the readable view comes back when the window is re-opened.
    type_keys(qtbot, "F")
    assert graph.scene_rect_in_view().contains(graph.scene().itemsBoundingRect())
