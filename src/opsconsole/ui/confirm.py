"""Confirmation before destructive writes, with the write's AWS CLI command one click away.

Sending is :mod:`opsconsole.jobs.writes`' job (``ctx.writes.submit(write,
confirmed=True)`` once the dialog is accepted).
"""

from __future__ import annotations

from typing import Any

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
        text = QLabel(f"<b>{action}</b> {target}<br><br>{consequence}")
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
        self.copy_cli: QPushButton | None = None
        if write is not None:
            # ActionRole: clicking it neither accepts nor rejects the dialog.
            self.copy_cli = self.buttons.addButton("Copy as AWS CLI", QDialogButtonBox.ButtonRole.ActionRole)
            self.copy_cli.setAutoDefault(False)
            self.copy_cli.clicked.connect(self.copy_command)
            note = write.cli_note
            if not note:
                try:
                    self.cli_command()
                except ValueError as exc:  # a parameter the CLI names differently: no command, not a wrong one
                    note = str(exc)
            self.copy_cli.setEnabled(not note)
            self.copy_cli.setToolTip(note or "Put the exact aws command on the clipboard")
        self.typed: QLineEdit | None = None
        if type_to_confirm:
            layout.addWidget(QLabel(f"Type <b>{type_to_confirm}</b> to confirm:"))
            self.typed = QLineEdit()
            self.typed.setPlaceholderText(type_to_confirm)
            self.ok.setEnabled(False)
            self.typed.textChanged.connect(lambda t: self.ok.setEnabled(t.strip() == type_to_confirm))
            layout.addWidget(self.typed)
        layout.addWidget(self.buttons)

    def cli_command(self) -> str:
        """The write's aws command(s) for this connection, or "" when there is none."""
        if self.write is None or not self.write.calls:
            return ""
        return awscli.commands(self.write.calls, self.connection)

    def copy_command(self) -> str:
        """Put :meth:`cli_command` on the clipboard (the real values: the audit file keeps them masked)."""
        text = self.cli_command()
        if text:
            QGuiApplication.clipboard().setText(text)
            if self.copy_cli is not None:
                self.copy_cli.setText("Copied")
        return text


def confirm(parent: QWidget | None, action: str, target: str, consequence: str, **kwargs: Any) -> bool:
    return ConfirmDialog(action, target, consequence, parent, **kwargs).exec() == QDialog.DialogCode.Accepted
