"""A read AWS throttles, through a real HTTP endpoint and botocore's own retries: retried with backoff while
the status bar says so, the list arriving once AWS answers; past the retry budget, the panel says what
happened and what to do, and Retry loads the list once the rate allows it."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import Qt

from opsconsole.core.aws import MAX_ATTEMPTS
from opsconsole.ui import executions
from opsconsole.ui.executions.table_model import Column

#: Step Functions' answer when the account is over its request rate (JSON protocol: HTTP 400, ``__type``).
THROTTLED = (400, {"__type": "ThrottlingException", "message": "Rate exceeded"})
MACHINE_ARN = "arn:aws:states:eu-west-1:123456789012:stateMachine:item-classification-training"
MACHINES = (200, {"stateMachines": [{"stateMachineArn": MACHINE_ARN, "name": "item-classification-training",
                                     "type": "STANDARD", "creationDate": time.time() - 86_400 * 30}]})
EXECUTIONS = (200, {"executions": [{
    "executionArn": "arn:aws:states:eu-west-1:123456789012:execution:item-classification-training:de-2026-11",
    "stateMachineArn": MACHINE_ARN, "name": "de-2026-11", "status": "SUCCEEDED",
    "startDate": time.time() - 3600, "stopDate": time.time() - 600}]})
LIST_MACHINES, LIST_EXECUTIONS = "AWSStepFunctions.ListStateMachines", "AWSStepFunctions.ListExecutions"


def retrying(attempt: int) -> str:
    return f"AWS is throttling ListStateMachines (ThrottlingException); retrying with backoff (attempt {attempt})…"


@pytest.fixture
def window(qtbot, ctx, scripted_endpoint):
    """The console with its executions area, connected to an endpoint that answers as the test scripts it."""
    from opsconsole.ui.shell.main_window import MainWindow

    # Connected before the window exists: its identity check (an STS call) would take a scripted answer.
    ctx.set_connection(scripted_endpoint.connection())
    w = MainWindow(ctx, areas=[executions.AREA])
    qtbot.addWidget(w)
    w.show()
    w.said = []  # every status bar message, as shown
    w.statusBar().messageChanged.connect(w.said.append)
    yield w
    w.close()


def names_listed(panel) -> list[str]:
    return [panel.model.index(row, Column.NAME).data() for row in range(panel.model.rowCount())]


def test_a_throttled_read_is_retried_with_backoff_and_the_status_bar_says_so(qtbot, window, scripted_endpoint):
    scripted_endpoint.script = [THROTTLED, THROTTLED, MACHINES, EXECUTIONS]
    panel = window.panels[0]
    with qtbot.waitSignal(panel.loaded, timeout=30_000) as loaded:
        panel.load()  # what a new connection does
    assert loaded.args == ["1 items"]
    assert scripted_endpoint.requests == [LIST_MACHINES] * 3 + [LIST_EXECUTIONS]  # botocore retried twice
    qtbot.waitUntil(lambda: retrying(2) in window.said)
    assert [m for m in window.said if "throttling" in m] == [retrying(1), retrying(2)]
    assert names_listed(panel) == ["de-2026-11"]
    assert not panel.message_bar.isVisible()


def test_past_the_retry_budget_the_panel_says_so_and_retry_loads_the_list(qtbot, window, scripted_endpoint):
    scripted_endpoint.script = [THROTTLED]  # every call, however often botocore tries
    panel = window.panels[0]
    with qtbot.waitSignal(panel.load_failed, timeout=60_000):
        panel.load()
    assert scripted_endpoint.requests == [LIST_MACHINES] * MAX_ATTEMPTS, "retried up to the budget, no further"
    qtbot.waitUntil(lambda: retrying(MAX_ATTEMPTS - 1) in window.said)
    assert [m for m in window.said if "throttling" in m] == [retrying(n) for n in range(1, MAX_ATTEMPTS)]
    assert panel.message_bar.isVisible()
    assert panel.message_bar.title_label.text() == "Throttled"
    assert panel.message_bar.text_label.text() == ("AWS kept throttling ListStateMachines after several retries "
                                                   "with backoff. Wait a moment and retry.")
    assert names_listed(panel) == []

    # The rate allows it again: Retry, and the list arrives.
    scripted_endpoint.requests.clear()
    scripted_endpoint.script = [MACHINES, EXECUTIONS]
    with qtbot.waitSignal(panel.query_finished, timeout=30_000):
        qtbot.mouseClick(panel.message_bar.retry_button, Qt.MouseButton.LeftButton)
    assert scripted_endpoint.requests == [LIST_MACHINES, LIST_EXECUTIONS]
    assert names_listed(panel) == ["de-2026-11"]
    assert not panel.message_bar.isVisible()
