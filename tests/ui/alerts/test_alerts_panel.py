"""The Alerts area's panel: its pages, the smoke line, the count of new alarms, desktop notifications."""

from __future__ import annotations

import uuid

from opsconsole.core import settings as keys
from opsconsole.ui.alerts import AREA, PAGES, AlertsPanel

from .conftest import TIMEOUT


def test_the_alarms_page_comes_first_and_the_smoke_probe_counts_alarms(qtbot, ctx, sandbox_connection):
    assert PAGES[0][0] == "Alarms"
    ctx.set_connection(sandbox_connection)
    panel = AlertsPanel(ctx)
    qtbot.addWidget(panel)
    panel.resize(1400, 860)
    panel.show()
    assert panel.tabs.count() == len(PAGES) and panel.tabs.tabText(0) == "Alarms"
    said: list[str] = []
    AREA.probe(panel, said.append, lambda err: said.append(f"FAILED {err}"))
    panel.load()
    qtbot.waitUntil(lambda: bool(said), timeout=TIMEOUT)
    assert said[0].endswith(" alarms") and int(said[0].split()[0]) >= 300
    # The probe waits for the opened alarm's chart: a screenshot shows it drawn.
    assert panel.alarms.detail.chart.data is not None and panel.alarms.detail.chart.data.has_band


def test_new_alarms_count_on_the_tab_and_notify_only_when_opted_in(qtbot, ctx, sandbox_connection, sandbox_clients,
                                                                     monkeypatch):
    ctx.set_connection(sandbox_connection)
    panel = AlertsPanel(ctx)
    qtbot.addWidget(panel)
    panel.show()
    view = panel.alarms
    notified: list[list[str]] = []
    monkeypatch.setattr(view, "_notify", lambda fresh: notified.append([a.name for a in fresh]))
    with qtbot.waitSignal(view.listed, timeout=TIMEOUT):
        panel.load()
    assert not view.notify_box.isChecked() and not ctx.settings.get(keys.ALERTS_DESKTOP_NOTIFICATIONS)
    cw = sandbox_clients.client("cloudwatch")
    names = [f"ui-notify-{uuid.uuid4().hex[:6]}" for _ in range(2)]
    for name in names:
        cw.put_metric_alarm(AlarmName=name, Namespace="Test", MetricName="M", Statistic="Sum", Period=60,
                            EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold")
    try:
        with qtbot.waitSignal(view.listed, timeout=TIMEOUT):
            view.refresh()
        cw.set_alarm_state(AlarmName=names[0], StateValue="ALARM", StateReason="test")
        with qtbot.waitSignal(panel.badge_changed, timeout=TIMEOUT) as badge:
            view.refresh()
        assert badge.args == [1] and panel.tabs.tabText(0) == "Alarms (1)"
        assert notified == []  # not opted in
        view.notify_box.setChecked(True)
        assert ctx.settings.get(keys.ALERTS_DESKTOP_NOTIFICATIONS)
        cw.set_alarm_state(AlarmName=names[1], StateValue="ALARM", StateReason="test")
        with qtbot.waitSignal(panel.badge_changed, timeout=TIMEOUT) as badge:
            view.refresh()
        assert badge.args == [2] and notified == [[names[1]]]
    finally:
        cw.delete_alarms(AlarmNames=names)
