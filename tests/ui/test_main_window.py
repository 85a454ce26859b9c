"""The main window: areas, status bar, offline banner, credentials problems, persistence."""

from __future__ import annotations

import os

import pytest
from PySide6.QtWidgets import QDialogButtonBox

from opsconsole.core.aws import Connection
from opsconsole.core.settings import WINDOW_AREA, MemoryStore, Settings
from opsconsole.ui.panel import not_built

PLACEHOLDERS = [not_built("one", "First area", None, "a"), not_built("two", "Second area", None, "b")]


@pytest.fixture
def window(qtbot, ctx):
    from opsconsole.ui.shell.main_window import MainWindow

    w = MainWindow(ctx, areas=PLACEHOLDERS)
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
    assert ctx.connectivity.probing
    # A probe that finds the endpoint still down keeps the banner up.
    ctx.connectivity.probe()
    qtbot.waitUntil(lambda: not any(j.name == "probe endpoint" for j in ctx.runner.jobs), timeout=10000)
    assert window.banner.isVisible() and ctx.connectivity.offline
    # The endpoint comes back on the same port: the probe notices without any click.
    make_scripted_endpoint(closed_port)
    qtbot.waitUntil(lambda: not window.banner.isVisible(), timeout=15000)
    assert not ctx.connectivity.offline
    assert not ctx.connectivity.probing


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

    first = MainWindow(ctx, areas=PLACEHOLDERS)
    qtbot.addWidget(first)
    first.resize(700, 500)  # inside the 800x600 offscreen screen
    first.nav.setCurrentRow(1)
    first.close()
    assert ctx.settings.get(WINDOW_AREA) == "two", "the area is remembered by its key"
    # Another build with an area in front: the same area comes back, wherever it now is.
    second = MainWindow(ctx, areas=[not_built("zero", "New area", None, "z"), *PLACEHOLDERS])
    qtbot.addWidget(second)
    assert second.current_area().key == "two"
    assert second.stack.currentWidget() is second.panels[2]
    assert (second.width(), second.height()) == (700, 500)


def test_connection_dialog_says_what_is_wrong_where_it_was_typed(qtbot):
    from opsconsole.ui.shell.connection_dialog import ConnectionDialog

    dialog = ConnectionDialog(None, Settings(MemoryStore()))
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
    restored = initial_connection(parse_args([]), ctx.settings)
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


# -- areas -------------------------------------------------------------------
def test_every_area_is_declared_once_and_builds_its_own_panel(qtbot, ctx):
    from opsconsole.ui.areas import AREAS

    keys = [area.key for area in AREAS]
    assert keys[:2] == ["executions", "review"]
    assert len(set(keys)) == len(keys)
    for area in AREAS:
        panel = area.factory(ctx)
        qtbot.addWidget(panel)
        assert panel.key == area.key, "settings, smoke lines and screenshots use the area's key"


def test_ctrl_number_shows_the_areas_in_navigation_order(qtbot, window):
    from PySide6.QtGui import QKeySequence

    actions = {a.shortcut().toString(): a for a in window.findChildren(type(window.connect_action)) if not a.shortcut().isEmpty()}
    actions[QKeySequence("Ctrl+2").toString()].trigger()
    assert window.current_area().key == "two"
    actions[QKeySequence("Ctrl+1").toString()].trigger()
    assert window.current_area().key == "one"


def test_areas_reach_each_other_through_the_declared_links(qtbot, ctx):
    from PySide6.QtCore import Signal

    from opsconsole.ui.panel import Area, NotBuiltPanel
    from opsconsole.ui.shell.main_window import MainWindow

    class AlarmPanel(NotBuiltPanel):
        alarm_opened = Signal(str)

    def link(panel, links):
        panel.alarm_opened.connect(links.show_area)

    alarms = Area("alarms", "Alarms", None, lambda c: AlarmPanel(c, "alarms", "Alarms", "x"), link=link)
    w = MainWindow(ctx, areas=[*PLACEHOLDERS, alarms])
    qtbot.addWidget(w)
    w.show_area("alarms")
    w.panels[2].alarm_opened.emit("one")
    assert w.current_area().key == "one"


def test_an_activated_execution_asks_for_its_window(qtbot, ctx):
    from opsconsole.ui.executions import AREA
    from opsconsole.ui.panel import Links

    panel = AREA.factory(ctx)
    qtbot.addWidget(panel)
    links = Links()
    AREA.link(panel, links)
    with qtbot.waitSignal(links.open_execution) as opened:
        panel.execution_activated.emit("an execution")
    assert opened.args == ["an execution"]


# -- settings ----------------------------------------------------------------
class RecordingStore(MemoryStore):
    """A MemoryStore that remembers every key ever written."""

    def __init__(self) -> None:
        super().__init__()
        self.written: set[str] = set()

    def setValue(self, key, value):  # noqa: N802 - Qt's name
        self.written.add(key)
        super().setValue(key, value)


def test_every_setting_the_app_writes_is_declared(qtbot, runner, tmp_path, closed_port):
    from opsconsole.core.audit import AuditLog
    from opsconsole.core.settings import REGISTRY
    from opsconsole.ui.areas import AREAS
    from opsconsole.ui.context import AppContext
    from opsconsole.ui.shell.main_window import MainWindow

    store = RecordingStore()
    ctx = AppContext(runner, AuditLog(tmp_path / "audit.jsonl"), settings=Settings(store))
    first = MainWindow(ctx)
    qtbot.addWidget(first)
    first.show()
    ctx.set_connection(Connection(region="eu-west-1", endpoint_url=f"http://127.0.0.1:{closed_port}", access_key="a", secret_key="b"))
    review = first.panels[[a.key for a in AREAS].index("review")]
    review.set_role("operations")
    first.show_area("review")
    first.close()
    second = MainWindow(ctx)  # restores everything the first one saved
    qtbot.addWidget(second)
    assert second.current_area().key == "review"
    second.close()

    assert {"window/geometry", "window/area", "connection/region", "review/role", "panels/executions/header"} <= store.written
    undeclared = sorted(store.written - set(REGISTRY))
    assert undeclared == [], f"written but never declared in core/settings.py: {undeclared}"
    area_keys = {a.key for a in AREAS}
    panel_keys = [k for k in REGISTRY if k.startswith("panels/")]
    assert all(k.split("/")[1] in area_keys for k in panel_keys), "panel settings live under panels/<area key>/"


def test_only_the_app_creates_the_settings_store():
    """Everything else reads and writes settings through ctx.settings (core.settings declarations)."""
    from pathlib import Path

    import opsconsole

    src = Path(opsconsole.__file__).parent
    allowed = {
        "app.py",  # the one store
        "ui/context.py",  # a context built without one (tests, tools) uses the application's
        "ui/lexreview/session.py",  # review/user, until the user's identity replaces it
    }
    users = {p.relative_to(src).as_posix() for p in src.rglob("*.py") if "QSettings(" in p.read_text(encoding="utf-8")}
    assert users <= allowed, sorted(users - allowed)


def test_typed_settings_survive_an_ini_file(tmp_path):
    from PySide6.QtCore import QSettings

    from opsconsole.core import settings as keys

    path = str(tmp_path / "opsconsole.ini")
    first = Settings(QSettings(path, QSettings.Format.IniFormat))
    first.set(keys.EXECUTIONS_MACHINES, ["arn:aws:states:eu-west-1:1:stateMachine:a"])
    first.set(keys.EXECUTIONS_SORT_COLUMN, 2)
    first.set(keys.WINDOW_GEOMETRY, b"\x01\x02\xff")
    first.set(keys.REVIEW_ROLE, "operations")
    first.sync()
    again = Settings(QSettings(path, QSettings.Format.IniFormat))
    assert again.get(keys.EXECUTIONS_MACHINES) == ["arn:aws:states:eu-west-1:1:stateMachine:a"]
    assert again.get(keys.EXECUTIONS_SORT_COLUMN) == 2
    assert again.get(keys.WINDOW_GEOMETRY) == b"\x01\x02\xff"
    assert again.get(keys.REVIEW_ROLE) == "operations"


def test_remembered_keyring_keys_that_are_gone_fall_back_to_the_profile(monkeypatch):
    from opsconsole.app import initial_connection, parse_args
    from opsconsole.core import profiles
    from opsconsole.core import settings as keys

    monkeypatch.setattr(profiles, "load_keys", lambda name: None)
    settings = Settings(MemoryStore())
    settings.set(keys.CONNECTION_KEYRING_NAME, "ops-readonly")
    settings.set(keys.CONNECTION_PROFILE, "ml-ops")
    settings.set(keys.CONNECTION_REGION, "eu-central-1")
    restored = initial_connection(parse_args([]), settings)
    assert (restored.profile, restored.region, restored.keyring_name) == ("ml-ops", "eu-central-1", None)
