"""Access keys typed into the connection dialog: kept in the keyring only, remembered by name, used at start-up."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QPushButton

from opsconsole.core.settings import CONNECTION_KEYRING_NAME, KEYRING_NAMES, Settings
from opsconsole.ui.panel import not_built
from opsconsole.ui.shell.connection_dialog import AddKeysDialog, ConnectionDialog

SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYzEXAMPLEKEY"
KEY_ID = "AKIAOPSREADONLY01"


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


def test_keys_typed_into_the_dialog_connect_are_remembered_by_name_and_used_at_start_up(
        qtbot, window, ctx, sandbox, memory_keyring, tmp_path):
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
        qtbot.keyClicks(dialog.endpoint, sandbox.endpoint_url)
        dialog.region.clearEditText()
        qtbot.keyClicks(dialog.region, sandbox.region)
        qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)

    when_modal(ConnectionDialog, choose)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)  # returns once the dialog closed

    connection = ctx.connection
    assert (connection.keyring_name, connection.access_key, connection.secret_key) == ("ops-readonly", KEY_ID, SECRET)
    assert (connection.endpoint_url, connection.region) == (sandbox.endpoint_url, sandbox.region)
    qtbot.waitUntil(lambda: not ctx.runner.jobs, timeout=15000)  # the identity check is done
    assert [SECRET in v for v in memory_keyring.store.values()] == [True]
    reopened = ConnectionDialog(ctx.connection, ctx.settings, window)  # offers the keys in use
    assert reopened.profile.currentData() == ("keyring", "ops-readonly")
    reopened.deleteLater()
    # The settings keep the name of the keys, never the keys.
    assert ctx.settings.get(KEYRING_NAMES) == ["ops-readonly"]
    assert ctx.settings.get(CONNECTION_KEYRING_NAME) == "ops-readonly"
    ctx.settings.sync()
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(b"ops-readonly" in p.read_bytes() for p in written)  # the scan covers the settings file
    for path in written:
        assert SECRET.encode() not in path.read_bytes(), path
        assert KEY_ID.encode() not in path.read_bytes(), path

    # The next start: the settings as saved on disk, the keys from the keyring.
    from PySide6.QtCore import QSettings

    from opsconsole.app import initial_connection, parse_args

    fresh = Settings(QSettings())
    started = initial_connection(parse_args([]), fresh)
    assert (started.keyring_name, started.access_key, started.secret_key) == ("ops-readonly", KEY_ID, SECRET)
    assert (started.endpoint_url, started.region) == (sandbox.endpoint_url, sandbox.region)
    # Keys deleted from the keyring meanwhile: start on the default chain rather than fail.
    memory_keyring.store.clear()
    fallback = initial_connection(parse_args([]), fresh)
    assert fallback.keyring_name is None and fallback.access_key is None
