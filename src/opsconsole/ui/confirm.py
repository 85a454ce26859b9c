"""Confirmation before destructive writes, with the write's AWS CLI command one click away.

Sending is :mod:`opsconsole.jobs.writes`' job (``ctx.writes.submit(write,
confirmed=True)`` once the dialog is accepted).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from opsconsole.core import awscli
from opsconsole.core.aws import Connection
from opsconsole.core.writes import Write


class CopyCliButton(QPushButton):
    """"Copy as AWS CLI" for the writes a dialog is about to send, as they stand when it is clicked.

    ``writes`` builds them from what the user has typed so far: the very
    :class:`Write` descriptions the dialog's owner then submits, so the command
    copied is the request sent. Disabled, saying why, when a write is not one
    request or the CLI cannot say it; with :meth:`follow`, also while the
    dialog's action button is (nothing would be sent).
    """

    def __init__(self, writes: Callable[[], Sequence[Write]], connection: Connection | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__("Copy as AWS CLI", parent)
        self.setObjectName("copy-cli")
        self.setAutoDefault(False)
        self._writes = writes
        self.connection = connection
        self._action: QPushButton | None = None
        self.clicked.connect(self.copy)
        self.refresh()

    @classmethod
    def add_to(cls, box: QDialogButtonBox, writes: Callable[[], Sequence[Write]],
               connection: Connection | None = None, follow: QPushButton | None = None) -> CopyCliButton:
        """A button in ``box`` (ActionRole: clicking it neither accepts nor rejects the dialog)."""
        button = cls(writes, connection)
        box.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        button.setAutoDefault(False)  # the box made it a default candidate; Enter keeps meaning the dialog's default
        if follow is not None:
            button.follow(follow)
        return button

    def follow(self, action: QPushButton) -> None:
        """Enabled only while ``action`` is (what is typed would be sent)."""
        self._action = action
        action.installEventFilter(self)
        self.refresh()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._action and event.type() == QEvent.Type.EnabledChange:
            self.refresh()
        return False

    def note(self) -> str:
        """Why there is no command now, or "" when there is one."""
        writes = list(self._writes())
        if not writes:
            return "Nothing would be sent."
        for write in writes:
            if write.cli_note:
                return write.cli_note
        try:
            self.command()
        except ValueError as exc:  # a parameter the CLI names differently: no command, not a wrong one
            return str(exc)
        return ""

    def command(self) -> str:
        """The writes' aws commands for this connection, one line per request ("" when a write has none)."""
        writes = list(self._writes())
        if not writes or any(not w.calls for w in writes):
            return ""
        return awscli.commands((c for w in writes for c in w.calls), self.connection)

    def refresh(self) -> None:
        note = self.note()
        if not note and self._action is not None and not self._action.isEnabled():
            note = "Nothing would be sent as it stands."
        self.setEnabled(not note)
        self.setToolTip(note or "Put the exact aws command on the clipboard")

    def copy(self) -> str:
        """Put :meth:`command` on the clipboard (the real values: the audit file keeps them masked)."""
        text = self.command() if self.isEnabled() else ""
        if text:
            QGuiApplication.clipboard().setText(text)
            self.setText("Copied")
        return text


class ConfirmDialog(QDialog):
    """Says exactly what will happen to what; the default button is Cancel.

    With ``type_to_confirm`` the user must type that word (e.g. the resource
    name) before the action button is enabled, for the most dangerous actions.
    With ``write``, "Copy as AWS CLI" puts the exact command on the clipboard
    (disabled, saying why, when the write is not one request).
    """

    def __init__(
        self,
        action: str,
        target: str,
        consequence: str,
        parent: QWidget | None = None,
        details: str = "",
        type_to_confirm: str | None = None,
        write: Write | None = None,
        connection: Connection | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"{action}?")
        self.write = write
        self.connection = connection
        layout = QVBoxLayout(self)
        # ``target`` names resources (AWS names, other people's records): always plain text. ``consequence``
        # is the caller's own sentence and may use <b>; callers escape any data they put in it.
        text = QLabel(f"<b>{html.escape(action)}</b> {html.escape(target)}<br><br>{consequence}")
        text.setTextFormat(Qt.TextFormat.RichText)
        text.setWordWrap(True)
        layout.addWidget(text)
        if details:
            box = QPlainTextEdit(details)
            box.setReadOnly(True)
            box.setMaximumHeight(140)
            layout.addWidget(box)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.addButton(action, QDialogButtonBox.ButtonRole.DestructiveRole)
        self.ok.clicked.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setDefault(True)
        self.copy_cli: CopyCliButton | None = None
        if write is not None:
            self.copy_cli = CopyCliButton.add_to(self.buttons, lambda: [write], connection)
        self.typed: QLineEdit | None = None
        if type_to_confirm:
            layout.addWidget(QLabel(f"Type <b>{html.escape(type_to_confirm)}</b> to confirm:"))
            self.typed = QLineEdit()
            self.typed.setPlaceholderText(type_to_confirm)
            self.ok.setEnabled(False)
            self.typed.textChanged.connect(lambda t: self.ok.setEnabled(t.strip() == type_to_confirm))
            layout.addWidget(self.typed)
        layout.addWidget(self.buttons)

    def cli_command(self) -> str:
        """The write's aws command(s) for this connection, or "" when there is none."""
        return self.copy_cli.command() if self.copy_cli is not None else ""

    def copy_command(self) -> str:
        """Put :meth:`cli_command` on the clipboard (the real values: the audit file keeps them masked)."""
        return self.copy_cli.copy() if self.copy_cli is not None else ""


def confirm(parent: QWidget | None, action: str, target: str, consequence: str, **kwargs: Any) -> bool:
    return ConfirmDialog(action, target, consequence, parent, **kwargs).exec() == QDialog.DialogCode.Accepted
