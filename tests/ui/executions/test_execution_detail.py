"""The execution detail window: a failed run explained, its graph coloured, steps inspectable."""

from __future__ import annotations

import pytest

from opsconsole.core.executions import listing as ex


@pytest.fixture
def connected_ctx(ctx, sandbox_connection):
    ctx.set_connection(sandbox_connection)
    return ctx


def first_execution(ctx, sandbox, machine: str, status: str) -> ex.Execution:
    arn = sandbox.scenario.state_machines[machine]
    return next(e for page in ex.iter_executions(ctx.clients, [arn], status) for e in page)


@pytest.fixture
def open_window(qtbot, connected_ctx):
    from opsconsole.ui.executions.detail import ExecutionWindow

    def open_(execution):
        w = ExecutionWindow(connected_ctx, execution)
        qtbot.addWidget(w)  # closed (and its jobs cancelled) after the test
        with qtbot.waitSignals([w.detail.runs_loaded, w.detail.graph_ready], timeout=60000):
            w.show()
        return w

    return open_


def test_failed_run_points_at_the_failed_state(qtbot, sandbox, connected_ctx, open_window):
    execution = first_execution(connected_ctx, sandbox, "training", "FAILED")
    w = open_window(execution)
    d = w.detail
    failed_state = next(r.state for r in reversed(d.runs) if r.status == "failed")
    assert failed_state in d.failure.title_label.text()
    assert d.graph.outcome_of(failed_state) == "failed"
    # every event of the run is in the history table
    assert d.history_view.model.rowCount() == len(d.events) > 0
    assert d.events[-1].type == "ExecutionFailed"


def test_picking_a_state_shows_its_input(qtbot, sandbox, connected_ctx, open_window):
    execution = first_execution(connected_ctx, sandbox, "training", "SUCCEEDED")
    w = open_window(execution)
    d = w.detail
    first = d.runs[0].state
    d.graph.state_clicked.emit(first)
    assert d.selected_state == first
    assert first in d.step.title.text()
    assert d.graph.outcome_of(first) == "succeeded"


def test_enter_on_a_list_row_opens_the_execution(qtbot, sandbox, connected_ctx):
    from PySide6.QtWidgets import QApplication

    from opsconsole.ui.shell.main_window import MainWindow

    window = MainWindow(connected_ctx)
    qtbot.addWidget(window)
    panel = window.panels[0]
    with qtbot.waitSignal(panel.loaded, timeout=60000):
        panel.load()
    opened = []
    original = window.open_execution

    def spy(execution):
        opened.append(original(execution))

    panel.execution_activated.disconnect()
    panel.execution_activated.connect(spy)
    panel.table.setFocus()
    panel.table.selectRow(0)
    from PySide6.QtCore import Qt

    qtbot.keyClick(panel.table, Qt.Key.Key_Return)
    assert len(opened) == 1
    detail_window = opened[0]
    assert detail_window.isVisible()
    assert detail_window.detail.execution.arn == panel.model.execution(0).arn
    qtbot.waitUntil(lambda: bool(detail_window.detail.runs), timeout=60000)
    detail_window.close()
    window.close()
    QApplication.processEvents()


def test_a_refused_rerun_is_said_in_the_window_not_as_a_crash(qtbot, sandbox, connected_ctx, open_window):
    execution = first_execution(connected_ctx, sandbox, "training", "FAILED")
    w = open_window(execution)
    d = w.detail
    ran = {r.state for r in d.runs}
    never_ran = next(n.id for n in d.graph.graph.nodes if n.is_state and n.parent is None and n.id not in ran)
    crashes = []
    connected_ctx.notices.unexpected.connect(lambda err, _tb: crashes.append(err))
    d.select_state(never_ran)
    with qtbot.waitSignal(d.run_actions.message, timeout=30000):
        d.rerun_from_selected()
    shown = d.message.title_label.text()
    assert d.message.isVisibleTo(w)
    assert (f"Cannot re-run from this state: '{never_ran}' never ran in this execution, so there is no input to "
            "start it with; pick a state that ran.") in shown
    assert "Unexpected error" not in shown and "RerunError" not in shown
    assert crashes == []
