"""The executions list with what AWS refuses: EXPRESS machines (no execution history in Step Functions;
ListExecutions answers StateMachineTypeNotSupported) and PENDING_REDRIVE with a state machine
(ValidationException). The sandbox refuses both as AWS does, so these fail if the console sends them."""

from __future__ import annotations

import json
import uuid

import pytest
from PySide6.QtCore import Qt

from opsconsole.core.executions import listing as core
from opsconsole.ui.executions import ExecutionsPanel
from opsconsole.ui.executions.machines import MACHINE_ROLE
from opsconsole.ui.widgets.message_bar import Severity

ROLE = "arn:aws:iam::123456789012:role/express-ui-test"
PASS = json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}})
LOG_GROUP = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/vendedlogs/states/express-ui:*"
LOAD_TIMEOUT = 30_000


@pytest.fixture(scope="module")
def express_machines(sandbox_clients):
    """Two EXPRESS machines, one logging to CloudWatch Logs, one with logging off."""
    sfn = sandbox_clients.client("stepfunctions")
    tag = uuid.uuid4().hex[:6]
    logged = sfn.create_state_machine(
        name=f"express-logged-{tag}", definition=PASS, roleArn=ROLE, type="EXPRESS",
        loggingConfiguration={"level": "ERROR", "includeExecutionData": False,
                              "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": LOG_GROUP}}]},
    )["stateMachineArn"]
    silent = sfn.create_state_machine(name=f"express-silent-{tag}", definition=PASS, roleArn=ROLE,
                                      type="EXPRESS")["stateMachineArn"]
    yield logged, silent
    for arn in (logged, silent):
        sfn.delete_state_machine(stateMachineArn=arn)


@pytest.fixture
def panel(qtbot, ctx, sandbox_connection, express_machines):
    ctx.set_connection(sandbox_connection)
    panel = ExecutionsPanel(ctx)
    qtbot.addWidget(panel)
    panel.resize(1400, 800)
    panel.show()
    failures = []
    panel.load_failed.connect(failures.append)
    with qtbot.waitSignal(panel.loaded, timeout=LOAD_TIMEOUT):
        panel.load()
    assert failures == []
    return panel


def _select(qtbot, panel: ExecutionsPanel, arn: str) -> None:
    proxy = panel.machine_proxy
    for row in range(proxy.rowCount()):
        machine = proxy.index(row, 0).data(MACHINE_ROLE)
        if machine is not None and machine.arn == arn:
            rect = panel.machine_list.visualRect(proxy.index(row, 0))
            qtbot.mouseClick(panel.machine_list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
            return
    raise AssertionError(f"{arn} not listed")


def test_the_status_filter_does_not_offer_pending_redrive(panel):
    offered = [panel.filter_bar.status_combo.itemData(i) for i in range(panel.filter_bar.status_combo.count())]
    assert "PENDING_REDRIVE" not in offered
    assert {"RUNNING", "FAILED", "SUCCEEDED"} <= set(offered)


def test_all_state_machines_lists_the_standard_ones_despite_express_machines(panel, sandbox_clients):
    assert not panel.message_bar.isVisible()  # no refusal from ListExecutions
    standard = [m.arn for m in core.list_state_machines(sandbox_clients) if not m.express]
    expected = sum(len(p) for p in core.iter_executions(sandbox_clients, standard))
    assert panel.model.loaded_count() == expected > 0


def test_an_express_machine_says_where_its_runs_are(qtbot, panel, express_machines, app_palette):
    logged, silent = express_machines
    _select(qtbot, panel, logged)
    qtbot.waitUntil(lambda: LOG_GROUP in panel.message_bar.text_label.text(), timeout=LOAD_TIMEOUT)
    assert panel.message_bar.severity == Severity.INFO
    assert "no execution history" in panel.message_bar.text_label.text()
    assert panel.message_bar.text_label.textFormat() == Qt.TextFormat.PlainText
    qtbot.waitUntil(lambda: not panel.loading, timeout=LOAD_TIMEOUT)
    assert panel.model.loaded_count() == 0
    panel.grab().save("/tmp/fidelity-express.png")
    from opsconsole.ui import theme

    app_palette(theme.DARK)
    qtbot.waitUntil(lambda: True)
    panel.grab().save("/tmp/fidelity-express-dark.png")
    _select(qtbot, panel, silent)
    qtbot.waitUntil(lambda: "logging is off" in panel.message_bar.text_label.text(), timeout=LOAD_TIMEOUT)
