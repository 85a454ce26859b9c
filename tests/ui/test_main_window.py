"""The main window: areas, status bar, offline banner, credentials problems, persistence."""

from __future__ import annotations

import os

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QDialogButtonBox

from opsconsole.core.aws import Connection
from opsconsole.ui.panel import NotBuiltPanel


def placeholder_panels(ctx):
    return [
        NotBuiltPanel(ctx, "one", "First area", "a"),
        NotBuiltPanel(ctx, "two", "Second area", "b"),
    ]


@pytest.fixture
def window(qtbot, ctx):
    from opsconsole.ui.shell.main_window import MainWindow

    w = MainWindow(ctx, QSettings(), panels=placeholder_panels)
    qtbot.addWidget(w)
    w.show()
    yield w
    w.close()


def test_not_built_areas_say_so(window):
    assert window.nav.count() == 2
    assert "Not built yet" in window.panels[0].findChildren(type(window.banner.label))[0].text()


def test_unreachable_endpoint_shows_banner_that_clears_by_itself(qtbot, window, ctx, closed_port, make_scripted_endpoint):
    conn = Connection(region="eu-west-1", endpoint_url=f"http://127.0.0.1:{closed_port}", access_key="a", secret_key="b")
    ctx.set_connection(conn)
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=30000)
    assert "Cannot reach" in window.banner.label.text()
    assert "offline" in window.connection_label.state.text()
    # The endpoint comes back on the same port: the probe notices without any click.
    make_scripted_endpoint(closed_port)
    qtbot.waitUntil(lambda: not window.banner.isVisible(), timeout=15000)
    assert not ctx.runner.offline


def test_expired_sso_session_tells_the_exact_login_command(qtbot, window, ctx):
    with open(os.environ["AWS_CONFIG_FILE"], "w") as fh:
        fh.write(
            "[profile ml-sso]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = MLOps\nregion = eu-west-1\n\n"
            "[sso-session corp]\nsso_start_url = https://corp.example.com/start\nsso_region = eu-west-1\n"
        )
    ctx.set_connection(Connection(profile="ml-sso", region="eu-west-1"))
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=15000)
    assert "aws sso login --profile ml-sso" in window.banner.label.text()


def test_jobs_button_counts_and_cancels(qtbot, window, ctx):
    import threading

    gate = threading.Event()

    def slow():
        gate.wait(10)
        yield [1]

    job = ctx.runner.submit(slow, name="slow listing")
    assert window.jobs_button.text() == "1 job running"
    window.jobs_button.click()
    dialog = window.jobs_button._dialog
    assert dialog.model.rowCount() == 1
    assert dialog.model.data(dialog.model.index(0, 0)) == "slow listing"
    dialog.table.selectRow(0)
    dialog.cancel_button.click()
    assert job.state.value == "cancelled"
    assert window.jobs_button.text() == "idle"
    dialog.close()
    gate.set()


def test_layout_and_area_persist(qtbot, ctx):
    from opsconsole.ui.shell.main_window import MainWindow

    settings = QSettings()
    first = MainWindow(ctx, settings, panels=placeholder_panels)
    qtbot.addWidget(first)
    first.resize(700, 500)  # inside the 800x600 offscreen screen
    first.nav.setCurrentRow(1)
    first.close()
    second = MainWindow(ctx, QSettings(), panels=placeholder_panels)
    qtbot.addWidget(second)
    assert second.nav.currentRow() == 1
    assert second.stack.currentIndex() == 1
    assert (second.width(), second.height()) == (700, 500)


def test_connection_dialog_says_what_is_wrong_where_it_was_typed(qtbot):
    from opsconsole.ui.shell.connection_dialog import ConnectionDialog

    dialog = ConnectionDialog(None, QSettings())
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    dialog.endpoint.setText("localhost:4566")
    assert dialog.endpoint_error.isVisibleTo(dialog)
    assert "http://" in dialog.endpoint_error.text()
    assert not ok.isEnabled()
    dialog.endpoint.setText("http://localhost:4566")
    dialog.region.setCurrentText("Frankfurt")
    assert not dialog.endpoint_error.isVisibleTo(dialog)
    assert "not a region" in dialog.region_error.text()
    assert not ok.isEnabled()
    dialog.region.setCurrentText("eu-central-1")
    assert ok.isEnabled()
    ok.click()
    assert dialog.result_connection == Connection(region="eu-central-1", endpoint_url="http://localhost:4566")


def test_remembered_connection_is_used_next_start(qtbot, window, ctx):
    from opsconsole.app import initial_connection, parse_args

    ctx.set_connection(Connection(profile=None, region="ap-northeast-1", endpoint_url="http://127.0.0.1:1"))
    restored = initial_connection(parse_args([]), QSettings())
    assert restored.region == "ap-northeast-1" and restored.endpoint_url == "http://127.0.0.1:1"


def test_audited_write_lands_in_the_audit_pane(qtbot, window, ctx, scripted_endpoint):
    from opsconsole.core.writes import ApiCall, Write

    ctx.set_connection(scripted_endpoint.connection())
    scripted_endpoint.script = [(200, {"stopDate": 1700000000})]
    arn = "arn:aws:states:eu-west-1:123456789012:execution:m:e1"
    job = ctx.writes.submit(
        Write.api("StopExecution", arn, ApiCall("stepfunctions", "StopExecution", {"executionArn": arn})),
    )
    qtbot.waitSignal(job.done, timeout=10000).wait()
    qtbot.waitUntil(lambda: window.audit_pane.model.rowCount() == 1, timeout=5000)
    record = window.audit_pane.model.records[0]
    assert (record.action, record.result) == ("StopExecution", "ok")
    assert ctx.audit.read()[0].target.endswith(":e1")
