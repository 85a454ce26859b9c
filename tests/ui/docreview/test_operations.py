"""The Operations tab against the sandbox's A2I: a loop started, stopped and deleted, each confirmed and audited."""

from __future__ import annotations

import uuid

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from support import audit

from opsconsole.ui.confirm import ConfirmDialog

TIMEOUT = 30000
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def ops(qtbot, ctx, sandbox, sandbox_connection):
    from opsconsole.ui.docreview import DocReviewPanel

    sandbox.scenario.docreview_seed.wait_ready()
    ctx.set_display_name("Olga")
    ctx.set_connection(sandbox_connection)
    panel = DocReviewPanel(ctx)
    qtbot.addWidget(panel)
    panel.resize(1400, 860)
    panel.show()
    qtbot.waitExposed(panel)
    with qtbot.waitSignal(panel.loaded, timeout=TIMEOUT):
        panel.load()
    with qtbot.waitSignal(panel.ops.loops_loaded, timeout=TIMEOUT):
        panel.tabs.setCurrentWidget(panel.ops)
    return panel.ops


def _select(qtbot, ops, name: str, status: str | None = None) -> None:
    """Filter the loops to ``name`` and pick it (reloading the list until it shows ``status``)."""
    def shown() -> bool:
        ops.text_filter.setText(name)
        ops.text_filter.flush()
        if ops.proxy.rowCount() != 1:
            return False
        ops.loops_table.selectRow(0)
        return status is None or ops.selected_loop().status == status

    def ready() -> bool:
        if shown():
            return True
        if not ops._loops_job.active:
            ops.load_loops(ops.selected_flow())
        return False

    qtbot.waitUntil(ready, timeout=TIMEOUT)


def at_desk(qtbot, ops) -> None:
    """The panel's window has the keyboard again (after a dialog), the loops table the focus."""
    window = ops.window()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=TIMEOUT)
    ops.loops_table.setFocus()


def _confirm(qtbot, ops) -> ConfirmDialog:
    qtbot.waitUntil(lambda: isinstance(getattr(ops, "confirm_dialog", None), ConfirmDialog)
                    and ops.confirm_dialog.isVisible(), timeout=TIMEOUT)
    return ops.confirm_dialog


def test_a_loop_is_started_stopped_and_deleted_and_delete_is_not_offered_while_it_runs(
        qtbot, ctx, ops, sandbox, sandbox_clients):
    flows = ops.flows.all_rows()
    assert {f.name for f in flows} >= {"doc-review-invoices", "doc-review-customs"}
    customs = next(i for i, f in enumerate(flows) if f.name == "doc-review-customs")
    with qtbot.waitSignal(ops.loops_loaded, timeout=TIMEOUT):
        ops.flows_table.selectRow(customs)
    assert ops.loops.rowCount() > 0

    # Start: a seeded document sent to the customs workforce.
    document = sandbox.scenario.docreview["waiting"][-1]
    name = f"test-ops-{uuid.uuid4().hex[:8]}"
    dialog = ops.start_loop()
    qtbot.keyClicks(dialog.document, document)
    dialog.name.setText(name)
    dialog.name.textEdited.emit(name)
    assert dialog.ok.isEnabled()
    with qtbot.waitSignal(dialog.started, timeout=TIMEOUT):
        dialog.ok.click()
    described = sandbox_clients.client("sagemaker-a2i-runtime").describe_human_loop(HumanLoopName=name)
    assert described["HumanLoopStatus"] == "InProgress"

    # While it runs: stop is offered, delete is not (and the Delete key says why, sending nothing).
    _select(qtbot, ops, name, "InProgress")
    assert ops.stop_button.isEnabled()
    assert not ops.delete_button.isEnabled()
    assert "only Failed, Completed or Stopped" in ops.delete_button.toolTip()
    at_desk(qtbot, ops)
    qtbot.keyClick(ops.loops_table, Qt.Key.Key_Delete)
    assert "Stop it first" in ops.message.text_label.text()
    assert not [r for r in audit(ctx) if r[0] == "Delete human loop"]

    # Stop (confirmed, the CLI command one click away), then delete once it is Stopped.
    qtbot.keyClick(ops.loops_table, Qt.Key.Key_S, CTRL_SHIFT)
    dialog = _confirm(qtbot, ops)
    assert dialog.cli_command().startswith("aws sagemaker-a2i-runtime stop-human-loop")
    dialog.accept()
    qtbot.waitUntil(lambda: ("Stop human loop", name, "ok") in audit(ctx), timeout=TIMEOUT)
    ops.confirm_dialog = None
    _select(qtbot, ops, name, "Stopped")
    assert ops.delete_button.isEnabled() and not ops.stop_button.isEnabled()
    at_desk(qtbot, ops)
    qtbot.keyClick(ops.loops_table, Qt.Key.Key_Delete)
    _confirm(qtbot, ops).accept()
    qtbot.waitUntil(lambda: ("Delete human loop", name, "ok") in audit(ctx), timeout=TIMEOUT)
    assert ("Start human loop", name, "ok") in audit(ctx)
    with pytest.raises(sandbox_clients.client("sagemaker-a2i-runtime").exceptions.ResourceNotFoundException):
        sandbox_clients.client("sagemaker-a2i-runtime").describe_human_loop(HumanLoopName=name)


def test_a_loops_answers_are_shown_beside_the_machines_with_differences_marked(qtbot, ops):
    flows = ops.flows.all_rows()
    invoices = next(i for i, f in enumerate(flows) if f.name == "doc-review-invoices")
    if ops.selected_flow().name != "doc-review-invoices":
        with qtbot.waitSignal(ops.loops_loaded, timeout=TIMEOUT):
            ops.flows_table.selectRow(invoices)
    ops.status_filter.setCurrentIndex(ops.status_filter.findData("Completed"))
    assert ops.proxy.rowCount() > 0
    ops.loops_table.selectRow(0)
    qtbot.waitUntil(lambda: ops.detail.shown is not None, timeout=TIMEOUT)
    model = ops.detail.model
    assert model.headers[:2] == ("Field", "Machine") and len(model.headers) == 4  # two workers per loop
    assert "Agreement between workers" in ops.detail.facts.text()
    marked = [model.index(r, c).data() for r in range(model.rowCount()) for c in (2, 3)
              if str(model.index(r, c).data()).startswith("≠ ")]
    differing = [r for r in ops.detail.shown.comparison() if r.machine_differs]
    assert bool(marked) == bool(differing)
    assert ops.detail.facts.textFormat() == Qt.TextFormat.PlainText
