"""The execution detail window: a failed run explained, its graph coloured, steps inspectable."""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

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
    item = graph.item_for_state(name)
    graph.ensureVisible(item, 10, 10)
    qtbot.mouseClick(graph.viewport(), Qt.MouseButton.LeftButton, pos=graph.mapFromScene(item.rect().center()))


def test_clicking_a_state_in_the_graph_shows_the_input_it_received(qtbot, sandbox, connected_ctx, open_window):
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
    from opsconsole.ui.executions import AREA
    from opsconsole.ui.executions.detail import ExecutionWindow
    from opsconsole.ui.shell.main_window import MainWindow

    window = MainWindow(connected_ctx, areas=[AREA])
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    panel = window.panels[0]
    with qtbot.waitSignal(panel.loaded, timeout=60000):
        panel.load()
    table = panel.table
    # Click the third row (not the first: a window that always opened the top row would pass), then Enter.
    index = panel.model.index(2, 1)
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=table.visualRect(index).center())
    picked = panel.model.execution(2)
    qtbot.keyClick(table, Qt.Key.Key_Return)
    opened = [w for w in window.findChildren(ExecutionWindow) if w.isVisible()]
    assert len(opened) == 1
    assert opened[0].detail.execution.arn == picked.arn
    qtbot.waitUntil(lambda: bool(opened[0].detail.runs), timeout=60000)
    assert opened[0].windowTitle() == f"{picked.name} · {opened[0].detail.execution.status}"


def press(qtbot, window, keys: str) -> None:
    """Type a shortcut into the window, as a person does."""
    from PySide6.QtGui import QKeySequence

    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keySequence(window, QKeySequence(keys))


def test_a_refused_rerun_is_said_in_the_window_not_as_a_crash(qtbot, sandbox, connected_ctx, open_window):
    execution = first_execution(connected_ctx, sandbox, "training", "FAILED")
    w = open_window(execution)
    d = w.detail
    ran = {r.state for r in d.runs}
    never_ran = next(n.id for n in d.graph.graph.nodes if n.is_state and n.parent is None and n.id not in ran)
    crashes = []
    connected_ctx.notices.unexpected.connect(lambda err, _tb: crashes.append(err))
    click_state(qtbot, d.graph, never_ran)
    qtbot.waitUntil(lambda: d.selected_state == never_ran)
    with qtbot.waitSignal(d.run_actions.message, timeout=30000):
        press(qtbot, w, "Ctrl+Shift+R")
    shown = d.message.title_label.text()
    assert d.message.isVisibleTo(w)
    assert (f"Cannot re-run from this state: '{never_ran}' never ran in this execution, so there is no input to "
            "start it with; pick a state that ran.") in shown
    assert "Unexpected error" not in shown and "RerunError" not in shown
    assert crashes == []


@contextmanager
def answering_the_save_dialog(qtbot, path: Path):
    """While inside, the next save dialog gets ``path`` typed as its file name, then Enter, as a person does.

    A save dialog runs its own event loop until answered: a timer watches for it. Yields the titles of the
    dialogs answered.
    """
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit

    answered: list[str] = []
    watch = QTimer()
    watch.setInterval(20)

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QFileDialog) or not dialog.isActiveWindow():
            return  # not open yet
        watch.stop()
        answered.append(dialog.windowTitle())
        try:
            field = QApplication.focusWidget()  # the dialog opens with the keys in its file name
            assert field is dialog.findChild(QLineEdit, "fileNameEdit")
            qtbot.keyClick(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
            qtbot.keyClicks(field, str(path))
            qtbot.keyClick(field, Qt.Key.Key_Return)
        finally:
            if dialog.isVisible():  # never leave the test waiting on a dialog nobody can answer
                dialog.reject()

    watch.timeout.connect(answer)
    watch.start()
    try:
        yield answered
    finally:
        watch.stop()


def aws_history(clients, arn: str) -> list[dict]:
    """The execution's events as AWS gives them (GetExecutionHistory, every page)."""
    pages = clients.client("stepfunctions").get_paginator("get_execution_history").paginate(executionArn=arn)
    return [event for page in pages for event in page["events"]]


def test_ctrl_shift_r_offers_a_rerun_from_the_picked_state_with_the_input_it_received(
        qtbot, sandbox, connected_ctx, open_window):
    from opsconsole.ui.executions.dialogs.execution import RerunFromStateDialog

    # A run that succeeded opens with no state picked (a failed one opens on its failed state).
    execution = first_execution(connected_ctx, sandbox, "training", "SUCCEEDED")
    w = open_window(execution)
    d = w.detail
    press(qtbot, w, "Ctrl+Shift+R")
    qtbot.waitUntil(lambda: d.message.isVisibleTo(w))
    assert d.message.title_label.text() == "Pick a state in the graph or the timeline first."
    assert d.run_actions.dialog is None
    # A top-level state that ran once, not the first one (a re-run of "the first state" would look right too).
    entered = [e for e in aws_history(connected_ctx.clients, execution.arn) if e["type"].endswith("StateEntered")]
    names = [e["stateEnteredEventDetails"]["name"] for e in entered]
    top = {n.id for n in d.graph.graph.nodes if n.is_state and n.parent is None}
    state = next(n for n in names[1:] if n in top and names.count(n) == 1)
    received = json.loads(next(e for e in entered if e["stateEnteredEventDetails"]["name"] == state)
                          ["stateEnteredEventDetails"]["input"])
    click_state(qtbot, d.graph, state)
    qtbot.waitUntil(lambda: d.selected_state == state)
    press(qtbot, w, "Ctrl+Shift+R")
    qtbot.waitUntil(lambda: isinstance(d.run_actions.dialog, RerunFromStateDialog), timeout=30000)
    dialog = d.run_actions.dialog
    assert dialog.windowTitle() == f"Re-run from {state}"
    assert json.loads(dialog.input.editor.toPlainText()) == received  # what the state got, ready to start with
    assert dialog.start_button.isEnabled()
    qtbot.waitUntil(dialog.isActiveWindow)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: d.run_actions.dialog is None)
    assert connected_ctx.audit.read() == []  # nothing started


def test_ctrl_shift_p_shows_the_request_the_run_waits_on_and_answers_it(qtbot, connected_ctx, waiting,
                                                                        open_window):
    from PySide6.QtWidgets import QLabel, QPlainTextEdit

    from keyflows import press_button
    from opsconsole.ui.executions.dialogs.approval import ApprovalDialog

    execution = waiting()
    sent = json.loads(connected_ctx.clients.client("stepfunctions").describe_execution(
        executionArn=execution.arn)["input"])
    w = open_window(execution, refresh_interval_ms=500)
    d = w.detail
    press(qtbot, w, "Ctrl+Shift+P")
    qtbot.waitUntil(lambda: isinstance(d.run_actions.dialog, ApprovalDialog), timeout=30000)
    dialog = d.run_actions.dialog
    assert dialog.windowTitle() == "Manual step: Request promotion approval"
    shown = {label.text() for label in dialog.findChildren(QLabel)}
    candidate = sent["candidate"]
    assert {execution.name, sent["country"], sent["requestedBy"],
            f"{candidate['modelName']} (macro F1 {candidate['macroF1']})"} <= shown
    assert any(text.startswith("Request promotion approval (") for text in shown)
    body = json.loads(dialog.findChild(QPlainTextEdit, "request-body").toPlainText())
    assert body["candidate"] == candidate and body["TaskToken"] == "•••"  # the token stays hidden
    qtbot.waitUntil(dialog.isActiveWindow)
    press_button(qtbot, dialog.approve_button)
    qtbot.waitUntil(lambda: d.message.isVisibleTo(w) and d.message.title_label.text().startswith("Approved"),
                    timeout=30000)
    assert d.message.title_label.text() == f"Approved Request promotion approval of {execution.name}."
    # The run carries on from its manual step, and the window follows it to its end.
    qtbot.waitUntil(lambda: d.execution.status == "SUCCEEDED", timeout=30000)
    assert d.badge.text() == "Succeeded"
    qtbot.waitUntil(lambda: d.graph.outcome_of("Request promotion approval") == "succeeded", timeout=30000)
    qtbot.waitUntil(lambda: len(connected_ctx.audit.read()) == 2, timeout=30000)
    assert [(r.action, r.result) for r in connected_ctx.audit.read()] == [
        ("Approve manual step", "ok"), ("Delete approval request", "ok")]


# The save dialog's completion list pops up while a path is typed; the offscreen platform cannot give it the keys.
@pytest.mark.qt_log_ignore("This plugin does not support grabbing the keyboard")
def test_ctrl_s_saves_the_history_and_ctrl_shift_s_the_graph_where_the_save_dialog_says(
        qtbot, sandbox, connected_ctx, open_window, tmp_path):
    from xml.etree import ElementTree

    from PySide6.QtGui import QImage

    execution = first_execution(connected_ctx, sandbox, "training", "FAILED")
    w = open_window(execution)
    d = w.detail
    # Ctrl+S: the history as JSON, the events AWS has, in order.
    history = tmp_path / "history.json"
    with answering_the_save_dialog(qtbot, history) as answered:
        press(qtbot, w, "Ctrl+S")
    assert answered == ["Export history"]
    qtbot.waitUntil(lambda: d.message.isVisibleTo(w) and "Exported" in d.message.title_label.text(), timeout=30000)
    events = aws_history(connected_ctx.clients, execution.arn)
    assert d.message.title_label.text() == f"Exported {len(events)} events of {execution.name} to {history}."
    saved = json.loads(history.read_text(encoding="utf-8"))["events"]
    assert [(e["id"], e["type"]) for e in saved] == [(e["id"], e["type"]) for e in events]
    # Ctrl+Shift+S: the graph as a drawing (SVG: the state names stay text) or a picture, by the name given.
    drawing = tmp_path / "graph.svg"
    with answering_the_save_dialog(qtbot, drawing) as answered:
        press(qtbot, w, "Ctrl+Shift+S")
    assert answered == ["Export graph"]
    assert d.message.title_label.text() == f"Graph saved to {drawing}"
    svg = ElementTree.parse(drawing).getroot()
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    words = " ".join(" ".join(t.itertext()) for t in svg.iter("{http://www.w3.org/2000/svg}text"))
    states = [n.id for n in d.graph.graph.nodes if n.is_state and n.parent is None]
    assert states and all(name in words for name in states)
    picture = tmp_path / "graph.png"
    with answering_the_save_dialog(qtbot, picture):
        press(qtbot, w, "Ctrl+Shift+S")
    assert d.message.title_label.text() == f"Graph saved to {picture}"
    image = QImage(str(picture))
    assert not image.isNull() and image.width() > 200 and image.height() > 200
