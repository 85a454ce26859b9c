"""Access keys typed into the connection dialog: kept in the keyring only, remembered by name, used at start-up."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import keyring
import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QPushButton

from opsconsole.core.settings import CONNECTION_KEYRING_NAME, KEYRING_NAMES, Settings
from opsconsole.ui.panel import not_built
from opsconsole.ui.shell.connection_dialog import AddKeysDialog, ConnectionDialog

SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"  # 40 characters, as AWS makes them
KEY_ID = "AKIAOPSREADONLY01"
TESTS = Path(__file__).resolve().parents[1]


@pytest.fixture
def window(qtbot, ctx):
    from opsconsole.ui.shell.main_window import MainWindow

    w = MainWindow(ctx, areas=[not_built("one", "First area", None, "a")])
    qtbot.addWidget(w)
    w.show()
    yield w
    w.close()


def when_modal(kind: type, act) -> None:
    """Run ``act(dialog)`` once a modal dialog of ``kind`` is up and shown (a modal dialog blocks its caller).

    Should ``act`` fail, every modal dialog is closed, so the failure is reported instead of the test hanging.
    """
    tries = [0]

    def poll() -> None:
        dialog = QApplication.activeModalWidget()
        handle = dialog.windowHandle() if dialog is not None else None
        if isinstance(dialog, kind) and handle is not None and handle.isExposed():
            try:
                act(dialog)
            except BaseException:
                while (modal := QApplication.activeModalWidget()) is not None:
                    modal.reject()
                raise
            return
        tries[0] += 1
        if tries[0] < 500:
            QTimer.singleShot(10, poll)

    QTimer.singleShot(0, poll)


def button(dialog, text: str) -> QPushButton:
    return next(b for b in dialog.findChildren(QPushButton) if b.text().replace("&", "") == text)


def press_ctrl_k(qtbot, window) -> None:
    """Ctrl+K in the main window; returns once the connection dialog it opens is closed."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)


def type_keys_and_connect(qtbot, window, endpoint_url: str, region: str) -> None:
    """Ctrl+K, "Add access keys…", the keys typed and saved, the endpoint and region typed, OK."""
    def type_keys(dialog: AddKeysDialog) -> None:
        qtbot.keyClicks(dialog.name, "ops-readonly")
        qtbot.keyClicks(dialog.key_id, KEY_ID)
        qtbot.keyClicks(dialog.secret, SECRET)
        assert dialog.secret.displayText() != SECRET  # typed blind
        qtbot.mouseClick(dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save),
                         Qt.MouseButton.LeftButton)

    def choose(dialog: ConnectionDialog) -> None:
        when_modal(AddKeysDialog, type_keys)
        qtbot.mouseClick(button(dialog, "Add access keys…"), Qt.MouseButton.LeftButton)  # returns once saved
        assert dialog.profile.currentData() == ("keyring", "ops-readonly")
        assert dialog.profile.currentText() == "ops-readonly  (access keys in keyring)"
        dialog.endpoint.clear()
        qtbot.keyClicks(dialog.endpoint, endpoint_url)
        dialog.region.clearEditText()
        qtbot.keyClicks(dialog.region, region)
        qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)

    when_modal(ConnectionDialog, choose)
    press_ctrl_k(qtbot, window)


def test_keys_typed_into_the_dialog_connect_are_remembered_by_name_and_used_at_start_up(
        qtbot, window, ctx, sandbox, memory_keyring):
    region = "eu-central-1"  # not the default region, nor the one the dialog opened on
    assert window.ctx.connection is None or window.ctx.connection.region != region
    type_keys_and_connect(qtbot, window, sandbox.endpoint_url, region)

    connection = ctx.connection
    assert (connection.keyring_name, connection.access_key, connection.secret_key) == ("ops-readonly", KEY_ID, SECRET)
    assert (connection.endpoint_url, connection.region) == (sandbox.endpoint_url, region)
    qtbot.waitUntil(lambda: not ctx.runner.jobs, timeout=15000)  # the identity check is done
    assert [SECRET in v for v in memory_keyring.store.values()] == [True]
    # The settings keep the name of the keys, never the keys.
    assert ctx.settings.get(KEYRING_NAMES) == ["ops-readonly"]
    assert ctx.settings.get(CONNECTION_KEYRING_NAME) == "ops-readonly"

    # Ctrl+K again: the dialog opens on the connection in use; Cancel keeps it.
    shown = []

    def look(dialog: ConnectionDialog) -> None:
        shown.append((dialog.profile.currentData(), dialog.region.currentText(), dialog.endpoint.text()))
        qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)

    when_modal(ConnectionDialog, look)
    press_ctrl_k(qtbot, window)
    assert shown == [(("keyring", "ops-readonly"), region, sandbox.endpoint_url)]
    assert ctx.connection is connection

    # The next start: the settings as saved on disk, the keys from the keyring.
    from opsconsole.app import initial_connection, parse_args

    ctx.settings.sync()
    fresh = Settings(QSettings())
    started = initial_connection(parse_args([]), fresh)
    assert (started.keyring_name, started.access_key, started.secret_key) == ("ops-readonly", KEY_ID, SECRET)
    assert (started.endpoint_url, started.region) == (sandbox.endpoint_url, region)
    # Keys deleted from the keyring meanwhile: start on the default chain rather than fail.
    memory_keyring.store.clear()
    fallback = initial_connection(parse_args([]), fresh)
    assert fallback.keyring_name is None and fallback.access_key is None


@pytest.fixture
def file_keyring(tmp_path_factory, monkeypatch):
    """The keyring as a file outside this test's folders, which a second process can open too."""
    from file_keyring import ENV, FileKeyring

    monkeypatch.setenv(ENV, str(tmp_path_factory.mktemp("keyring") / "keyring.json"))
    previous = keyring.get_keyring()
    keyring.set_keyring(FileKeyring())
    yield Path(os.environ[ENV])
    keyring.set_keyring(previous)


@pytest.fixture
def log_file():
    """The console's log file, opened as the app opens it (in the data folder, INFO and up)."""
    from opsconsole.core import logbuffer, paths

    path = paths.log_dir() / "opsconsole.log"
    handler = logbuffer.file_handler(path)
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.INFO)
    root.addHandler(handler)
    yield path
    root.removeHandler(handler)
    handler.close()
    root.setLevel(level)


@pytest.mark.slow
def test_after_a_session_and_the_next_start_no_file_holds_the_keys(
        qtbot, window, ctx, sandbox, file_keyring, log_file, tmp_path):
    from opsconsole.core.writes import ApiCall, Write

    # A session: keys typed in, connected, one write sent (it fails: the run does not exist; audited all the same).
    type_keys_and_connect(qtbot, window, sandbox.endpoint_url, sandbox.region)
    qtbot.waitUntil(lambda: not ctx.runner.jobs, timeout=15000)  # the identity check is done
    gone = "arn:aws:states:us-east-1:123456789012:execution:no-such-machine:no-such-run"
    job = ctx.writes.submit(Write.api("Stop execution", gone,
                                      ApiCall("stepfunctions", "StopExecution", {"executionArn": gone})))
    qtbot.waitSignal(job.failed, timeout=20000).wait()
    window.save()
    ctx.settings.sync()

    # The next start, as its own process: where the console looks for its settings on this system (the
    # test process keeps them in its own folder), the keys from the same keyring.
    config = tmp_path / "config" / "opsconsole" / "opsconsole.conf"
    config.parent.mkdir(parents=True)
    config.write_bytes(Path(QSettings().fileName()).read_bytes())
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "PYTHON_KEYRING_BACKEND": "file_keyring.FileKeyring",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH")]))}
    started = subprocess.run([sys.executable, "-m", "opsconsole.app", "--smoke-test", "--timeout", "150"],
                             capture_output=True, text=True, timeout=240, env=env, cwd=tmp_path)
    assert started.returncode == 0, started.stderr[-3000:]
    assert started.stdout.startswith("connection: arn:aws:"), started.stdout

    # What was written: the settings (both runs), the log (both runs), the audit log, and the keyring.
    logged = log_file.read_text(encoding="utf-8")
    assert logged.count(f"connecting: ops-readonly (keyring), {sandbox.region}, {sandbox.endpoint_url}") == 2
    [attempt, result] = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert (attempt["connection"], result["result"]) == ("ops-readonly (keyring)", "error")
    assert "ops-readonly" in config.read_text(encoding="utf-8")
    assert SECRET in file_keyring.read_text(encoding="utf-8")
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(written) >= 4
    for path in written:
        data = path.read_bytes()
        assert SECRET.encode() not in data, f"the secret access key is in {path}"
        assert KEY_ID.encode() not in data, f"the access key ID is in {path}"


def test_in_the_sandbox_ctrl_k_switches_identity_without_a_restart(qtbot, window, ctx, sandbox):
    from opsconsole.app import sandbox_identity
    from opsconsole.core.settings import CONNECTION_ENDPOINT

    # As the console starts with --sandbox: every identity offered, connected as the admin.
    identities = {name: sandbox_identity(sandbox, name) for name in ("admin", *sandbox.identities())}
    assert {"admin", "agent", "operations"} <= set(identities)
    window.offer_sandbox_identities(identities)
    ctx.set_connection(identities["admin"])
    qtbot.waitUntil(lambda: not ctx.runner.jobs, timeout=15000)  # the identity check is done

    def switch(dialog: ConnectionDialog) -> None:
        assert dialog.profile.currentData() == ("sandbox", "admin")
        assert (dialog.endpoint.text(), dialog.endpoint.isEnabled()) == (sandbox.endpoint_url, False)
        assert (dialog.region.currentText(), dialog.region.isEnabled()) == (sandbox.region, False)
        dialog.profile.setFocus()
        qtbot.keyClicks(dialog.profile, "agent")
        assert dialog.profile.currentText() == "agent  (sandbox identity)"
        assert "The embedded sandbox as agent: its IAM policies apply" in dialog.hint.text()
        qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)

    when_modal(ConnectionDialog, switch)
    press_ctrl_k(qtbot, window)
    assert ctx.connection == identities["agent"]
    # AWS (the sandbox) now answers as the agent, and the status bar says so.
    qtbot.waitUntil(lambda: window.connection_label.state.text() == "connected", timeout=15000)
    assert ctx.identity.current().arn.endswith(":user/agent")
    assert window.connection_label.where.text() == (f"profile: sandbox (agent)  ·  region: {sandbox.region}  ·  "
                                                    f"endpoint: {sandbox.endpoint_url}")
    assert ctx.settings.get(CONNECTION_ENDPOINT) == "", "the next start does not connect to a sandbox that is gone"

    # Ctrl+K again: the agent is chosen; picking a profile instead leaves the sandbox's endpoint behind.
    shown = []

    def look(dialog: ConnectionDialog) -> None:
        shown.append(dialog.profile.currentData())
        dialog.profile.setFocus()
        qtbot.keyClicks(dialog.profile, "default")
        shown.append((dialog.profile.currentData(), dialog.endpoint.text(), dialog.endpoint.isEnabled()))
        qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)

    when_modal(ConnectionDialog, look)
    press_ctrl_k(qtbot, window)
    assert shown == [("sandbox", "agent"), (("chain", None), "", True)]
    assert ctx.connection == identities["agent"]
