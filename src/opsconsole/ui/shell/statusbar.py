"""Status bar pieces: where we are connected, how the connection is, who we are, background jobs."""

from __future__ import annotations

import html
import time

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from opsconsole.core.aws import Connection
from opsconsole.core.identity import Identity
from opsconsole.jobs.runner import Job, JobRunner
from opsconsole.ui import theme
from opsconsole.ui.context import AppContext
from opsconsole.ui.widgets.rows_model import RowsModel


class ConnectionLabel(QWidget):
    """Profile · region · endpoint, with a SANDBOX marker, and the connection state."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.sandbox_badge = QLabel("SANDBOX")
        self.sandbox_badge.setObjectName("sandboxBadge")
        theme.follow(self.sandbox_badge, lambda t: self.sandbox_badge.setStyleSheet(
            f"QLabel#sandboxBadge {{ {t.sandbox_badge.style()} font-weight: bold;"
            " border-radius: 3px; padding: 1px 6px; }"
        ))
        self.sandbox_badge.setToolTip("Connected to the embedded local AWS: nothing here touches a real account.")
        self.sandbox_badge.hide()
        self.where = QLabel("not connected")
        self.where.setTextFormat(Qt.TextFormat.PlainText)
        self.where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # The dot is coloured by a style sheet, so the state text itself stays plain text.
        self.dot = QLabel("●")
        self.dot.hide()
        self.state = QLabel("")
        self.state.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.sandbox_badge)
        layout.addWidget(self.where)
        layout.addWidget(self.dot)
        layout.addWidget(self.state)

    def set_connection(self, connection: Connection | None) -> None:
        if connection is None:
            self.where.setText("not connected")
            self.sandbox_badge.hide()
            return
        endpoint = connection.endpoint_url or "AWS"
        self.where.setText(f"profile: {connection.label}  ·  region: {connection.region}  ·  endpoint: {endpoint}")
        self.sandbox_badge.setVisible(connection.sandbox)

    def set_state(self, text: str, ok: bool | None = None) -> None:
        colors = theme.current()
        colour = {True: colors.success, False: colors.danger, None: ""}[ok]
        self.dot.setStyleSheet(f"color: {colour};" if colour else "")
        self.dot.setVisible(bool(colour))
        self.state.setText(text)


class JobsModel(RowsModel[Job]):
    """The running and queued jobs, for the jobs popup."""

    headers = ("Job", "State", "Progress", "Time")

    def __init__(self, runner: JobRunner) -> None:
        super().__init__()
        self.runner = runner
        runner.jobs_changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        self.set_rows(self.runner.jobs)

    def job(self, row: int) -> Job:
        return self._rows[row]

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if role != Qt.ItemDataRole.DisplayRole or not index.isValid():
            return None
        job = self._rows[index.row()]
        col = index.column()
        if col == 0:
            return job.name + (" (write)" if job.write else "")
        if col == 1:
            return job.state.value
        if col == 2:
            p = job.last_progress
            if p is not None:
                return p.text or (f"{p.done}/{p.total}" if p.total else str(p.done))
            return f"{job.pages} pages" if job.pages else ""
        if col == 3:
            return f"{time.monotonic() - job.submitted_at:.0f} s"
        return None


class JobsDialog(QDialog):
    """Lists background jobs; the selected ones can be cancelled."""

    def __init__(self, runner: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Background jobs")
        self.resize(560, 300)
        self.model = JobsModel(runner)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        self.cancel_button = QPushButton("Cancel selected")
        self.cancel_button.clicked.connect(self.cancel_selected)
        self.cancel_all_button = QPushButton("Cancel all")
        self.cancel_all_button.clicked.connect(runner.cancel_all)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.cancel_all_button, QDialogButtonBox.ButtonRole.ActionRole)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        # Elapsed times move; a slow tick is enough.
        self._tick = QTimer(self)
        self._tick.timeout.connect(lambda: self.model.dataChanged.emit(
            self.model.index(0, 3), self.model.index(max(0, self.model.rowCount() - 1), 3)))
        self._tick.start(1000)

    def cancel_selected(self) -> None:
        rows = {i.row() for i in self.table.selectionModel().selectedRows()}
        for row in sorted(rows, reverse=True):
            self.model.job(row).cancel()


class JobsButton(QToolButton):
    """'3 jobs' in the status bar; click to see and cancel them."""

    def __init__(self, runner: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.setAutoRaise(True)
        self.setToolTip("Background jobs: click to see and cancel them")
        self.clicked.connect(self.show_jobs)
        runner.jobs_changed.connect(self.refresh)
        self._dialog: JobsDialog | None = None
        self.refresh()

    def refresh(self) -> None:
        n = self.runner.running_count()
        self.setText("idle" if n == 0 else f"{n} job{'s' if n != 1 else ''} running")

    def show_jobs(self) -> None:
        if self._dialog is None:
            self._dialog = JobsDialog(self.runner, self.window())
        self._dialog.show()
        self._dialog.raise_()


class DisplayNameDialog(QDialog):
    """Set once: the name shown beside the AWS principal in this console and in the audit log."""

    def __init__(self, identity: Identity, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Display name")
        self.edit = QLineEdit(identity.display_name)
        self.edit.setObjectName("display-name")
        self.edit.setMaxLength(80)
        self.edit.setPlaceholderText(identity.principal or "your name")
        principal = QLabel(identity.arn or "not known yet (not connected, or AWS has not answered)")
        principal.setTextFormat(Qt.TextFormat.PlainText)
        principal.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        principal.setWordWrap(True)
        note = QLabel("Shown beside your AWS principal here and written with it into the audit log. "
                      "Review items, claims and deployments name the AWS principal: what others see of you "
                      "is what AWS says you are, not this name.")
        note.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Display name", self.edit)
        form.addRow("AWS principal", principal)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)

    def name(self) -> str:
        return " ".join(self.edit.text().split())


class IdentityButton(QToolButton):
    """'Ana' in the status bar (the principal in its tooltip); click to set the display name."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("identity")
        self.setAutoRaise(True)
        self.clicked.connect(self.edit_name)
        ctx.identity_changed.connect(self.show_identity)
        self.dialog: DisplayNameDialog | None = None
        self.show_identity(ctx.who)

    def show_identity(self, identity: Identity) -> None:
        self.setText(identity.label)
        # The name is the user's own text: escaped inside a rich-text tooltip, never read as markup.
        self.setToolTip(f"<qt>{html.escape(identity.describe())}<br>Click to set your display name</qt>")

    def edit_name(self) -> DisplayNameDialog:
        """Open the display-name dialog (window-modal); the name is saved when it is accepted."""
        dialog = DisplayNameDialog(self.ctx.who, self.window())
        dialog.accepted.connect(lambda: self.ctx.set_display_name(dialog.name()))
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        dialog.open()
        return dialog
