"""Connected as a tenant or a role: the console shows what IAM lets that identity see and do."""

from __future__ import annotations

from PySide6.QtCore import Qt

from opsconsole.core.aws import Connection
from opsconsole.ui.executions import ExecutionsPanel
from opsconsole.ui.executions.machines import MACHINE_ROLE

TIMEOUT = 30_000
TRAINING = "arn:aws:states:eu-west-1:123456789012:stateMachine:mlops-training"


def connect_as(ctx, sandbox, identity: str, tenant: str = "") -> None:
    keys = sandbox.credentials_for(identity)
    ctx.set_connection(Connection(region=sandbox.region, endpoint_url=sandbox.endpoint_url, sandbox=True,
                                  access_key=keys["aws_access_key_id"], secret_key=keys["aws_secret_access_key"],
                                  tenant=tenant))


def open_panel(qtbot, ctx) -> ExecutionsPanel:
    panel = ExecutionsPanel(ctx)
    qtbot.addWidget(panel)
    panel.resize(1400, 800)
    panel.show()
    with qtbot.waitSignal(panel.loaded, timeout=TIMEOUT):
        panel.load()
    return panel


def learn(qtbot, ctx, user: str) -> None:
    """The connection asked AWS who we are (GetCallerIdentity), then IAM what that principal may do."""
    qtbot.waitUntil(lambda: ctx.who.arn == f"arn:aws:iam::123456789012:user/{user}" and ctx.permissions.known,
                    timeout=TIMEOUT)


def test_a_tenant_sees_only_its_tenants_executions_and_a_refusal_names_the_permission(qtbot, ctx, sandbox):
    sandbox.scenario.docreview_seed.wait_ready()  # the finance tenant's machine is created in the background
    connect_as(ctx, sandbox, "tenant-finance-ops")
    panel = open_panel(qtbot, ctx)
    shown = {panel.model.execution(r).state_machine_name for r in range(panel.model.rowCount())}
    assert shown == {"document-processing"}
    assert not panel.message_bar.isVisible()

    proxy = panel.machine_proxy
    row = next(r for r in range(proxy.rowCount())
               if getattr(proxy.index(r, 0).data(MACHINE_ROLE), "arn", "") == TRAINING)
    rect = panel.machine_list.visualRect(proxy.index(row, 0))
    qtbot.mouseClick(panel.machine_list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: panel.message_bar.isVisible(), timeout=TIMEOUT)
    assert panel.message_bar.title_label.text() == "Access denied"
    text = panel.message_bar.text_label.text()
    assert "states:ListExecutions" in text and TRAINING in text
    assert panel.model.rowCount() == 0


def test_a_connection_scoped_to_its_tenant_offers_only_its_tenants_machines(qtbot, ctx, sandbox):
    sandbox.scenario.docreview_seed.wait_ready()
    connect_as(ctx, sandbox, "tenant-finance-ops", tenant="finance-ops")
    panel = open_panel(qtbot, ctx)
    proxy = panel.machine_proxy
    names = {getattr(proxy.index(r, 0).data(MACHINE_ROLE), "name", None) for r in range(proxy.rowCount())}
    assert names - {None} == {"document-processing"}
    assert {panel.model.execution(r).state_machine_name for r in range(panel.model.rowCount())} == {
        "document-processing"}


def test_the_agent_cannot_start_stop_or_redrive_and_is_told_which_permission(qtbot, ctx, sandbox):
    connect_as(ctx, sandbox, "agent")
    panel = open_panel(qtbot, ctx)
    actions = panel.action_set
    learn(qtbot, ctx, "agent")
    qtbot.waitUntil(lambda: not actions.start_action.isEnabled(), timeout=TIMEOUT)
    assert "needs states:StartExecution" in actions.start_action.toolTip()
    panel.table.selectRow(0)
    qtbot.waitUntil(lambda: "needs states:RedriveExecution" in actions.redrive_action.toolTip(), timeout=TIMEOUT)
    assert not actions.redrive_action.isEnabled()


def test_operations_may_start_with_the_actions_own_tooltip(qtbot, ctx, sandbox):
    connect_as(ctx, sandbox, "operations")
    panel = open_panel(qtbot, ctx)
    learn(qtbot, ctx, "operations")
    actions = panel.action_set
    qtbot.waitUntil(lambda: actions.start_action.isEnabled(), timeout=TIMEOUT)
    assert actions.start_action.toolTip() == "Start a new execution (Ctrl+N)"


def open_review(qtbot, ctx, role: str):
    from PySide6.QtCore import QSettings

    from opsconsole.ui.lexreview import ReviewPanel

    QSettings().setValue("review/role", role)
    panel = ReviewPanel(ctx)
    qtbot.addWidget(panel)
    panel.show()
    with qtbot.waitSignal(panel.loaded, timeout=TIMEOUT):
        panel.load()
    return panel


def test_the_operations_role_is_iams_not_a_setting(qtbot, ctx, sandbox):
    connect_as(ctx, sandbox, "agent")
    panel = open_review(qtbot, ctx, "operations")
    learn(qtbot, ctx, "agent")
    operations = panel.role_combo.model().item(panel.role_combo.findData("operations"))
    assert panel.role() == "agent" and not operations.isEnabled()
    assert "needs lex:UpdateIntent" in operations.toolTip()
    assert not panel.ops_view.deploy_button.isEnabled()
    assert "needs lex:BuildBotLocale" in panel.ops_view.deploy_button.toolTip()
    panel.cancel_jobs()


def test_operations_keeps_its_role_and_deploy(qtbot, ctx, sandbox):
    connect_as(ctx, sandbox, "operations")
    panel = open_review(qtbot, ctx, "operations")
    learn(qtbot, ctx, "operations")
    operations = panel.role_combo.model().item(panel.role_combo.findData("operations"))
    assert panel.role() == "operations" and operations.isEnabled() and not operations.toolTip()
    assert "needs" not in panel.ops_view.deploy_button.toolTip()
    panel.cancel_jobs()


def test_the_admin_keeps_every_action_once_iam_has_answered(qtbot, ctx, sandbox, sandbox_connection):
    ctx.set_connection(sandbox_connection)
    panel = open_review(qtbot, ctx, "operations")
    qtbot.waitUntil(lambda: ctx.permissions.known, timeout=TIMEOUT)
    assert panel.role() == "operations"
    panel.cancel_jobs()


def test_a_connection_scoped_to_a_tenant_shows_only_its_tenants_alarms(qtbot, ctx, sandbox, sandbox_connection):
    import dataclasses
    import uuid

    from opsconsole.ui.alerts.alarms_view import AlarmsView

    ctx.set_connection(dataclasses.replace(sandbox_connection, tenant="contact-center"))
    view = AlarmsView(ctx, table=f"alarm-handling-{uuid.uuid4().hex[:8]}", tag_rate=1000.0)
    qtbot.addWidget(view)
    view.show()
    with qtbot.waitSignal(view.loaded, timeout=TIMEOUT):
        view.load()
    qtbot.waitUntil(lambda: view.model.tagged_count() == view.model.loaded_count(), timeout=TIMEOUT)
    view.rebuild()
    shown = {view.model.tenant_of(r.alarm) for r in view.model.all_rows() if r.depth == 0}
    assert shown == {"contact-center"}
    assert not view.filter_bar.tenant.isEnabled()
