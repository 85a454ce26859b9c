"""The Alarms page: what is wrong first, filters, composites, who is on it, snoozes, the chart, actions."""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from opsconsole.core.alerts import handling as core_handling
from opsconsole.core.alerts.alarms import describe_alarm
from opsconsole.core.identity import Identity
from opsconsole.ui.alerts.alarms_model import HANDLING, NAME
from opsconsole.ui.confirm import ConfirmDialog

from .conftest import TIMEOUT, select, top_rows


def test_every_alarm_is_listed_alarm_first(view):
    rows = top_rows(view)
    assert len(rows) == view.model.loaded_count() >= 300
    states = [r.alarm.state for r in rows]
    first_other = next(i for i, s in enumerate(states) if s != "ALARM")
    assert first_other > 0 and "ALARM" not in states[first_other:]
    assert "in alarm" in view.count_label.text()
    # It opened the first alarm in ALARM (an anomaly-band one: the richest picture).
    assert view.detail.alarm.state == "ALARM" and view.detail.alarm.type == "anomaly-band"


def test_filters_narrow_the_list(qtbot, view):
    everyone = len(top_rows(view))
    bar = view.filter_bar
    bar.state.setCurrentIndex(bar.state.findData("OK"))
    rows = top_rows(view)
    assert 0 < len(rows) < everyone and {r.alarm.state for r in rows} == {"OK"}
    bar.state.setCurrentIndex(0)
    qtbot.waitUntil(lambda: bar.tenant.findData("finance-ops") > 0, timeout=TIMEOUT)  # tags came in
    bar.tenant.setCurrentIndex(bar.tenant.findData("finance-ops"))
    rows = top_rows(view)
    assert 0 < len(rows) < everyone and {view.model.tenant_of(r.alarm) for r in rows} == {"finance-ops"}
    bar.tenant.setCurrentIndex(0)
    bar.tag.setText("tenant=contact-center")
    assert {view.model.tenant_of(r.alarm) for r in top_rows(view)} == {"contact-center"}
    bar.tag.clear()
    bar.namespace.setCurrentIndex(bar.namespace.findData("AWS/States"))
    assert {r.alarm.namespace for r in top_rows(view)} == {"AWS/States"}
    bar.namespace.setCurrentIndex(0)
    bar.name.setText("dlq")
    bar.name.flush()
    names = [r.alarm.name for r in top_rows(view)]
    assert names and all("dlq" in n for n in names)
    assert "shown" in view.count_label.text()
    bar.name.setText("no-alarm-is-called-this")
    bar.name.flush()
    assert view.empty.isVisible() and "No alarm matches" in view.empty.text()


def test_a_composite_unfolds_into_its_children(qtbot, view):
    select(qtbot, view, "mlops-pipelines-health")
    row = view.model.row_of("mlops-pipelines-health")
    assert view.model.data(view.model.index(row, NAME)).startswith("▸ ")
    qtbot.keyClick(view.table, Qt.Key.Key_Space)
    composite = view.model.alarm("mlops-pipelines-health")
    children = view.model.all_rows()[row + 1: row + 1 + len(composite.children)]
    assert [c.alarm.name for c in children] == [n for n in composite.children if view.model.alarm(n)]
    assert all(c.depth == 1 for c in children)
    assert view.model.data(view.model.index(row, NAME)).startswith("▾ ")


def test_acknowledge_shows_who(qtbot, ctx, view):
    ctx.set_display_name("Ana Tester")
    select(qtbot, view, "training-requests-dlq-not-empty")
    qtbot.waitUntil(lambda: view.actions.table_exists is not None, timeout=TIMEOUT)
    view.activateWindow()
    view.table.setFocus()
    qtbot.waitUntil(lambda: view.table.hasFocus())
    qtbot.keyClick(view.table, Qt.Key.Key_K)  # the shortcut, from the list
    row = lambda: view.model.row_of("training-requests-dlq-not-empty")  # noqa: E731
    # Others see the AWS principal (the sandbox's admin is "moto"), never the display name anyone can type.
    qtbot.waitUntil(lambda: "acked by moto" in (view.model.data(view.model.index(row(), HANDLING)) or ""),
                    timeout=TIMEOUT)
    assert "Acknowledged by moto" in view.detail.handling_label.text()
    assert "Ana Tester" not in view.detail.handling_label.text()
    assert not view.detail.ack_button.isEnabled()
    assert any(r.action == "Acknowledge alarm" and r.result == "ok" for r in ctx.audit.read())
    assert any(r.action == "Create alarm handling table" for r in ctx.audit.read())


def test_someone_elses_acknowledgement_first_is_a_conflict_shown_to_the_user(qtbot, ctx, view, handling_table):
    name = "training-requests-dlq-oldest-message"
    select(qtbot, view, name)
    qtbot.waitUntil(lambda: view.actions.table_exists is not None, timeout=TIMEOUT)
    alarm = view.model.alarm(name)
    core_handling.create_table(ctx.clients, handling_table)
    bo = Identity("arn:aws:sts::123456789012:assumed-role/Ops/bo", "123456789012", "Bo")
    core_handling.acknowledge(alarm, core_handling.fresh(alarm), bo, table=handling_table).run(ctx.clients)
    view.detail.ack_button.click()  # this console still thinks nobody has
    qtbot.waitUntil(lambda: view.message_bar.isVisible() and "acknowledged by bo" in view.message_bar.text_label.text(),
                    timeout=TIMEOUT)
    qtbot.waitUntil(lambda: "Acknowledged by bo" in view.detail.handling_label.text(), timeout=TIMEOUT)
    assert any(r.action == "Acknowledge alarm" and r.result == "conflict" for r in ctx.audit.read())


def test_snooze_moves_the_row_to_the_bottom_marked(qtbot, view):
    name = "mlops-training-executions-failed"
    select(qtbot, view, name)
    qtbot.waitUntil(lambda: view.actions.table_exists is not None, timeout=TIMEOUT)
    before = view.model.row_of(name)
    assert view.model.all_rows()[before].alarm.state == "ALARM" and before < 10
    view.detail.snooze_button.click()
    qtbot.waitUntil(lambda: view.model.all_rows()[view.model.row_of(name)].snoozed, timeout=TIMEOUT)
    row = view.model.row_of(name)
    rows = top_rows(view)
    assert rows[-1].alarm.name == name  # below every OK alarm
    assert "snoozed until" in view.model.data(view.model.index(row, HANDLING))
    assert view.model.data(view.model.index(row, NAME), Qt.ItemDataRole.FontRole).italic()
    view.detail.unsnooze_button.click()
    qtbot.waitUntil(lambda: not view.model.all_rows()[view.model.row_of(name)].snoozed, timeout=TIMEOUT)
    assert view.model.row_of(name) < 10


def test_the_chart_shows_the_band_and_the_breaching_points(qtbot, view):
    name = "orders-anomaly-DE-mobile_app"
    if view.detail.alarm is None or view.detail.alarm.name != name or view.detail.chart.data is None:
        with qtbot.waitSignal(view.detail.chart_drawn, timeout=TIMEOUT):
            select(qtbot, view, name)
    chart = view.detail.chart
    assert chart.data.has_band and chart.band.isVisible() and not chart.threshold_line.isVisible()
    times, upper, lower = chart.band.visible_points(2000)
    assert len(times) > 24 and (upper >= lower).all() and (upper > lower).any()
    points = chart.breaches.data
    assert len(points) == int(chart.data.breaching.sum()) > 0
    assert "breaching" in view.detail.chart_status.text()
    with qtbot.waitSignal(view.detail.chart_drawn, timeout=TIMEOUT) as drawn:
        view.detail.set_range(0)  # 3 hours
    assert drawn.args[0].times.size <= 4  # hourly data: a few points in three hours


def test_a_threshold_alarm_draws_its_threshold_line(qtbot, view):
    with qtbot.waitSignal(view.detail.chart_drawn, timeout=TIMEOUT):
        select(qtbot, view, "mlops-training-executions-failed")
    chart = view.detail.chart
    assert chart.threshold_line.isVisible() and chart.threshold_line.value() == 1.0 and not chart.band.isVisible()


def test_copy_cli_and_arn(qtbot, view):
    select(qtbot, view, "mlops-training-executions-failed")
    text = view.detail.copy_cli()
    assert text.startswith("aws cloudwatch describe-alarms --alarm-names")
    assert "mlops-training-executions-failed" in text and "--endpoint-url" in text
    view.detail.copy_arn()
    from PySide6.QtGui import QGuiApplication

    assert QGuiApplication.clipboard().text().endswith(":alarm:mlops-training-executions-failed")


def test_disabling_actions_is_confirmed_and_audited(qtbot, ctx, view, sandbox_clients):
    cw = sandbox_clients.client("cloudwatch")
    name = f"ui-actions-{uuid.uuid4().hex[:6]}"
    cw.put_metric_alarm(AlarmName=name, Namespace="Test", MetricName="M", Statistic="Sum", Period=60,
                        EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold")
    try:
        with qtbot.waitSignal(view.listed, timeout=TIMEOUT):
            view.refresh()
        select(qtbot, view, name)
        assert view.detail.actions_button.text() == "Disable actions"
        view.detail.actions_button.click()
        dialog = view.actions.dialog
        assert isinstance(dialog, ConfirmDialog)
        assert "disable-alarm-actions" in dialog.cli_command() and name in dialog.cli_command()
        dialog.reject()  # nothing sent
        assert describe_alarm(sandbox_clients, name).actions_enabled
        view.detail.actions_button.click()
        view.actions.dialog.done(QDialog.DialogCode.Accepted)
        qtbot.waitUntil(lambda: view.detail.actions_button.text() == "Enable actions", timeout=TIMEOUT)
        assert not describe_alarm(sandbox_clients, name).actions_enabled
        record = next(r for r in ctx.audit.read() if r.action == "Disable alarm actions" and r.result == "ok")
        assert record.operation == "DisableAlarmActions" and record.target.endswith(name) and record.confirmed
        attempt = next(r for r in ctx.audit.lines() if r.action == "Disable alarm actions" and r.result == "attempted")
        assert attempt.id == record.id  # written before the call, paired with its result
        view.detail.actions_button.click()  # enabling again is not destructive: no dialog
        qtbot.waitUntil(lambda: view.detail.actions_button.text() == "Disable actions", timeout=TIMEOUT)
        assert describe_alarm(sandbox_clients, name).actions_enabled
    finally:
        cw.delete_alarms(AlarmNames=[name])


def test_an_alarm_newly_in_alarm_counts_on_the_badge(qtbot, view, sandbox_clients):
    cw = sandbox_clients.client("cloudwatch")
    name = f"ui-badge-{uuid.uuid4().hex[:6]}"
    cw.put_metric_alarm(AlarmName=name, Namespace="Test", MetricName="M", Statistic="Sum", Period=60,
                        EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold")
    try:
        with qtbot.waitSignal(view.listed, timeout=TIMEOUT):
            view.refresh()
        assert view.new_alarms == []
        cw.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="test")
        with qtbot.waitSignal(view.badge_changed, timeout=TIMEOUT) as badge:
            view.refresh()
        assert badge.args == [1] and view.new_alarms == [name]
        view.seen()
        assert view.new_alarms == []
    finally:
        cw.delete_alarms(AlarmNames=[name])
