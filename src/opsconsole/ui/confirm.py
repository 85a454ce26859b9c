"""Confirmation before destructive writes, and the audited path every write takes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from opsconsole.ui.context import AppContext
from opsconsole.jobs.runner import Job


class ConfirmDialog(QDialog):
    """Says exactly what will happen to what; the default button is Cancel.

    With ``type_to_confirm`` the user must type that word (e.g. the resource
    name) before the action button is enabled, for the most dangerous actions.
    """

    def __init__(
        self,
        action: str,
        target: str,
        consequence: str,
        parent: QWidget | None = None,
        details: str = "",
        type_to_confirm: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"{action}?")
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
        self.typed: QLineEdit | None = None
        if type_to_confirm:
            layout.addWidget(QLabel(f"Type <b>{type_to_confirm}</b> to confirm:"))
            self.typed = QLineEdit()
            self.typed.setPlaceholderText(type_to_confirm)
            self.ok.setEnabled(False)
            self.typed.textChanged.connect(lambda t: self.ok.setEnabled(t.strip() == type_to_confirm))
            layout.addWidget(self.typed)
        layout.addWidget(self.buttons)


def confirm(parent: QWidget | None, action: str, target: str, consequence: str, **kwargs: Any) -> bool:
    return ConfirmDialog(action, target, consequence, parent, **kwargs).exec() == QDialog.DialogCode.Accepted


def submit_write(
    ctx: AppContext,
    action: str,
    target: str,
    call: Callable[..., Any],
    *args: Any,
    details: dict[str, Any] | None = None,
    owner: QWidget | None = None,
) -> Job:
    """Run one AWS write on the ordered write queue and record it in the audit log.

    ``call(clients, *args)`` does the write. Confirmation, where the action is
    destructive, is the caller's job (with :func:`confirm`) before this.
    """
    clients = ctx.clients
    if clients is None:
        raise RuntimeError("not connected")
    label = clients.connection.label

    def run() -> Any:
        return ctx.audit.record(
            connection=label,
            action=action,
            target=target,
            details=details,
            call=lambda: call(clients, *args),
        )

    return ctx.runner.submit(run, name=action, owner=owner, write=True)
