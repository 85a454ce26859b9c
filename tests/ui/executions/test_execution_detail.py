"""The execution detail window: a failed run explained, its graph coloured, steps inspectable."""

from __future__ import annotations


import support
from opsconsole.core.executions import listing as ex


def first_execution(ctx, sandbox, machine: str, status: str) -> ex.Execution:
    return support.first_execution(ctx.clients, sandbox, machine, status)


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


def click_state(qtbot, graph, name: str) -> None:
    """Click a state's box in the graph, as a person does."""
    from PySide6.QtCore import Qt

    item = graph.item_for_state(name)
    graph.ensureVisible(item, 10, 10)
    qtbot.mouseClick(graph.viewport(), Qt.MouseButton.LeftButton, pos=graph.mapFromScene(item.rect().center()))


def test_clicking_a_state_in_the_graph_shows_the_input_it_received(qtbot, sandbox, connected_ctx, open_window):
    import json

    execution = first_execution(connected_ctx, sandbox, "training", "SUCCEEDED")
    w = open_window(execution)
    d = w.detail
    second = d.runs[1]  # not the first: a stale default selection would show the first
    entered = next(e for e in d.events if e.type.endswith("StateEntered") and e.details.get("name") == second.state)
    click_state(qtbot, d.graph, second.state)
    qtbot.waitUntil(lambda: d.selected_state == second.state)
    assert second.state in d.step.title.text()
    assert json.loads(d.step.input_view.raw_text()) == json.loads(entered.details["input"])
    view = d.step.input_view
    assert [view.model.index(r, 0).data() for r in range(view.model.rowCount())] == list(
        json.loads(entered.details["input"]))
    assert d.graph.outcome_of(second.state) == "succeeded"


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


def press(qtbot, window, keys: str) -> None:
    """Type a shortcut into the window, as a person does."""
    from PySide6.QtGui import QKeySequence

    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keySequence(window, QKeySequence(keys))


def test_the_window_keys_rerun_answer_and_export(qtbot, sandbox, connected_ctx, open_window, tmp_path, monkeypatch):
    import json

    from PySide6.QtWidgets import QFileDialog

    from opsconsole.ui.executions.dialogs.execution import RerunFromStateDialog

    # A run that succeeded opens with no state picked (a failed one opens on its failed state).
    execution = first_execution(connected_ctx, sandbox, "training", "SUCCEEDED")
    w = open_window(execution)
    d = w.detail
    # Ctrl+Shift+R: re-run from the picked state; with none picked, the window says how to pick one.
    assert d.selected_state is None  # nothing picked yet
    press(qtbot, w, "Ctrl+Shift+R")
    qtbot.waitUntil(lambda: d.message.isVisibleTo(w))
    assert "Pick a state in the graph or the timeline first." in d.message.title_label.text()
    ran = d.runs[0].state
    click_state(qtbot, d.graph, ran)
    qtbot.waitUntil(lambda: d.selected_state == ran)
    press(qtbot, w, "Ctrl+Shift+R")
    qtbot.waitUntil(lambda: isinstance(d.run_actions.dialog, RerunFromStateDialog), timeout=30000)
    assert d.run_actions.dialog.plan.chosen_state == ran
    d.run_actions.dialog.reject()
    qtbot.waitUntil(lambda: d.run_actions.dialog is None)
    # Ctrl+Shift+P: answer a manual step; this run waits on none, and the window says so.
    with qtbot.waitSignal(d.run_actions.message, timeout=30000) as said:
        press(qtbot, w, "Ctrl+Shift+P")
    assert said.args == [f"{execution.name} is not waiting for a manual step.", False]
    # Ctrl+S: the history as JSON, where the save dialog (the platform's own) says.
    history = tmp_path / "history.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(history), "")))
    with qtbot.waitSignal(d.run_actions.message, timeout=30000) as said:
        press(qtbot, w, "Ctrl+S")
    assert said.args[1] is True and said.args[0].startswith(f"Exported {len(d.events)} events")
    assert [e["id"] for e in json.loads(history.read_text())["events"]] == [e.id for e in d.events]
    # Ctrl+Shift+S: the graph as a drawing.
    drawing = tmp_path / "graph.svg"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(drawing), "")))
    press(qtbot, w, "Ctrl+Shift+S")
    qtbot.waitUntil(drawing.exists)
    assert "<svg" in drawing.read_text()
    assert f"Graph saved to {drawing}" in d.message.title_label.text()
