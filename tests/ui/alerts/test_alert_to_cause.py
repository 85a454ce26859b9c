"""From an alarm to its cause through the real main window: the executions list, filtered."""

from __future__ import annotations

import pytest

from .conftest import TIMEOUT, select


@pytest.fixture
def window(qtbot, ctx, sandbox_connection):
    from opsconsole.ui.shell.main_window import MainWindow

    made = MainWindow(ctx)
    qtbot.addWidget(made)
    made.show()
    ctx.set_connection(sandbox_connection)
    return made


def panel_of(window, key):
    return window.panels[[a.key for a in window.areas].index(key)]


def test_a_failed_executions_alarm_opens_the_failed_executions_of_its_machine(qtbot, window):
    alerts = panel_of(window, "alerts")
    executions = panel_of(window, "executions")
    view = alerts.alarms
    qtbot.waitUntil(lambda: view.model.loaded_count() >= 300, timeout=TIMEOUT)
    window.show_area("alerts")
    with qtbot.waitSignal(view.detail.chart_drawn, timeout=TIMEOUT):
        select(qtbot, view, "mlops-training-executions-failed")
    assert view.detail.executions_button.isVisibleTo(view.detail)
    alarm = view.detail.alarm
    view.detail.executions_button.click()

    assert window.current_area().key == "executions"
    machine = alarm.dimension["StateMachineArn"]
    qtbot.waitUntil(lambda: executions.selected_machine_arns(explicit=True) == [machine] and not executions.loading,
                    timeout=TIMEOUT)
    assert executions.filter_bar.status() == "FAILED"
    wanted = executions.filter_window()
    assert wanted is not None and wanted.since is not None and wanted.since < alarm.since
    shown = executions.model.visible_executions()
    assert all(e.status == "FAILED" and e.state_machine_arn == machine and e.start >= wanted.since for e in shown)
    assert 0 < len(shown) < executions.model.loaded_count()  # the runs that made it fire, not all failures
    assert executions.message_bar.isVisible() and "mlops-training" in executions.message_bar.text_label.text()
    # Picking a time range of one's own replaces the alarm's window.
    executions.filter_bar.set_time_range("all")
    executions.filter_bar.time_combo.setCurrentIndex(0)
    assert executions.filter_window() is None


def test_the_alerts_entry_counts_new_alarms(qtbot, window):
    alerts = panel_of(window, "alerts")
    row = [a.key for a in window.areas].index("alerts")
    alerts.badge_changed.emit(3)
    assert window.nav.item(row).text() == "Alerts  (3)"
    alerts.badge_changed.emit(0)
    assert window.nav.item(row).text() == "Alerts"
