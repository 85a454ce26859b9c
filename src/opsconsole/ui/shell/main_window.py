"""The main window: one place per area, status bar, log and audit panes, offline banner."""

from __future__ import annotations

import html

import logging
from collections.abc import Sequence

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDockWidget,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from opsconsole import __version__
from opsconsole.core import aws, logbuffer
from opsconsole.core import settings as keys
from opsconsole.core.errors import ErrorKind, UserError
from opsconsole.ui.areas import AREAS
from opsconsole.ui.executions import ExecutionsPanel, open_execution_window
from opsconsole.ui.shell.connection_dialog import ConnectionDialog
from opsconsole.ui.context import AppContext
from opsconsole.ui import theme
from opsconsole.ui.panel import Area, Links, Panel
from opsconsole.ui.shell.panes import AuditPane, LogPane
from opsconsole.ui.shell.statusbar import ConnectionLabel, IdentityButton, JobsButton

log = logging.getLogger(__name__)

class OfflineBanner(QFrame):
    """A strip across the top while the endpoint cannot be reached; clears by itself."""

    retry = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("offlineBanner")
        theme.follow(self, lambda t: self.setStyleSheet(
            f"QFrame#offlineBanner {{ background: {t.offline_banner.fill}; }}"
            f" QFrame#offlineBanner QLabel {{ color: {t.offline_banner.text}; }}"))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 10, 4)
        self.label = QLabel()
        self.label.setWordWrap(True)
        button = QPushButton("Retry now")
        button.clicked.connect(self.retry.emit)
        layout.addWidget(self.label, 1)
        layout.addWidget(button)
        self.hide()

    def show_error(self, err: UserError) -> None:
        # The message quotes the endpoint's answer: escaped, never read as markup.
        self.label.setText(f"<b>{html.escape(err.title)}.</b> {html.escape(err.message)}")
        self.show()


class MainWindow(QMainWindow):
    #: After each connection change: (ok, who we are or what went wrong).
    connection_checked = Signal(bool, str)

    def __init__(self, ctx: AppContext, *, areas: Sequence[Area] = AREAS) -> None:
        super().__init__()
        self.ctx = ctx
        self.settings = ctx.settings
        #: The running sandbox's identities (name -> connection), offered in the connection dialog.
        self.sandbox_identities: dict[str, aws.Connection] = {}
        self.setWindowTitle("opsconsole")
        self.resize(1400, 860)

        #: The areas in navigation order, and their panels (same order).
        self.areas: list[Area] = list(areas)
        self.panels: list[Panel] = [area.factory(ctx) for area in self.areas]
        self.nav = QListWidget()
        self.nav.setObjectName("areas")
        self.nav.setFixedWidth(210)
        self.nav.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.nav.setIconSize(QSize(18, 18))
        self.nav.setFrameShape(QFrame.Shape.NoFrame)
        # Palette roles, not colours, so light and dark themes both read well.
        self.nav.setStyleSheet(
            "QListWidget#areas { background: palette(window); font-size: 11pt; padding-top: 6px; outline: 0; }"
            "QListWidget#areas::item { padding: 9px 12px; border-radius: 4px; margin: 1px 6px; }"
            "QListWidget#areas::item:selected { background: palette(highlight); color: palette(highlighted-text); }"
        )
        self.stack = QStackedWidget()
        for area, panel in zip(self.areas, self.panels):
            item = QListWidgetItem(area.title)
            if area.icon is not None:
                item.setIcon(self.style().standardIcon(area.icon))
            self.nav.addItem(item)
            self.stack.addWidget(panel)
        self.nav.currentRowChanged.connect(self.stack.setCurrentIndex)
        for row, panel in enumerate(self.panels):
            panel.badge_changed.connect(lambda count, row=row: self._show_badge(row, count))
        #: What areas may ask of the shell; each area's ``link`` hook connects to it.
        self.links = Links(self)
        self.links.open_execution.connect(self.open_execution)
        self.links.show_area.connect(self.show_area)
        self.links.show_executions.connect(self.show_executions)
        for area, panel in zip(self.areas, self.panels):
            if area.link is not None:
                area.link(panel, self.links)

        self.banner = OfflineBanner()
        self.banner.retry.connect(ctx.connectivity.probe)
        central = QWidget()
        body = QHBoxLayout()
        body.setContentsMargins(0, 0, 0, 0)
        body.addWidget(self.nav)
        body.addWidget(self.stack, 1)
        outer = QVBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addWidget(self.banner)
        outer.addLayout(body, 1)
        self.setCentralWidget(central)

        self._build_docks()
        self._build_status_bar()
        self._build_menus()

        ctx.connectivity.went_offline.connect(self._went_offline)
        ctx.connectivity.came_online.connect(self._came_online)
        ctx.notices.throttled.connect(self._throttled)
        ctx.notices.slow.connect(lambda message: self.statusBar().showMessage(message, 12000))
        ctx.notices.unexpected.connect(self._unexpected)
        ctx.connection_changed.connect(self._connection_changed)
        ctx.identity_checked.connect(self._identity_known)
        ctx.identity_check_failed.connect(self._identity_failed)
        self._restore()

    # -- building ------------------------------------------------------------
    def _build_docks(self) -> None:
        self.log_pane = LogPane(logbuffer.buffer())
        self.log_dock = QDockWidget("Log", self)
        self.log_dock.setObjectName("logDock")
        self.log_dock.setWidget(self.log_pane)
        self.audit_pane = AuditPane(self.ctx.audit)
        self.audit_dock = QDockWidget("Audit log", self)
        self.audit_dock.setObjectName("auditDock")
        self.audit_dock.setWidget(self.audit_pane)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.log_dock)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.audit_dock)
        self.tabifyDockWidget(self.log_dock, self.audit_dock)
        self.log_dock.raise_()
        self.log_dock.hide()
        self.audit_dock.hide()

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.connection_label = ConnectionLabel()
        self.jobs_button = JobsButton(self.ctx.runner)
        self.identity_button = IdentityButton(self.ctx)
        bar.addPermanentWidget(self.connection_label)
        bar.addPermanentWidget(self.identity_button)
        bar.addPermanentWidget(self.jobs_button)

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.connect_action = QAction("&Connection…", self, shortcut=QKeySequence("Ctrl+K"))
        self.connect_action.triggered.connect(self.choose_connection)
        file_menu.addAction(self.connect_action)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self, shortcut=QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        view = self.menuBar().addMenu("&View")
        for i, area in enumerate(self.areas):
            action = QAction(area.title, self)
            if i < 9:
                action.setShortcut(QKeySequence(f"Ctrl+{i + 1}"))
            action.triggered.connect(lambda _c=False, key=area.key: self.show_area(key))
            view.addAction(action)
        view.addSeparator()
        log_action = self.log_dock.toggleViewAction()
        log_action.setShortcut(QKeySequence("Ctrl+L"))
        view.addAction(log_action)
        audit_action = self.audit_dock.toggleViewAction()
        audit_action.setShortcut(QKeySequence("Ctrl+Shift+A"))
        view.addAction(audit_action)
        jobs_action = QAction("Background &jobs", self, shortcut=QKeySequence("Ctrl+J"))
        jobs_action.triggered.connect(self.jobs_button.show_jobs)
        view.addAction(jobs_action)

        help_menu = self.menuBar().addMenu("&Help")
        about = QAction("&About opsconsole", self)
        about.triggered.connect(
            lambda: QMessageBox.about(self, "opsconsole", f"opsconsole {__version__}\nOperations console for an ML platform on AWS.")
        )
        help_menu.addAction(about)

    def show_area(self, key: str) -> None:
        """Bring the area ``key`` to the front (unknown keys are ignored)."""
        row = self._row_of(key)
        if row is not None:
            self.nav.setCurrentRow(row)
            panel = self.panels[row]
            if panel.focusProxy() is not None:  # an area that says where its keys go gets them
                panel.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def show_executions(self, wanted: object) -> None:
        """Bring the executions list to the front, filtered as ``wanted`` (an ``ExecutionsFilter``) says."""
        row = self._row_of("executions")
        if row is None:
            return
        self.nav.setCurrentRow(row)
        panel = self.panels[row]
        if isinstance(panel, ExecutionsPanel):
            panel.apply_filter(wanted)

    def _show_badge(self, row: int, count: int) -> None:
        item = self.nav.item(row)
        title = self.areas[row].title
        item.setText(f"{title}  ({count})" if count > 0 else title)
        item.setToolTip(f"{count} new since you last looked" if count > 0 else "")

    def current_area(self) -> Area | None:
        row = self.nav.currentRow()
        return self.areas[row] if 0 <= row < len(self.areas) else None

    def _row_of(self, key: str) -> int | None:
        return next((i for i, area in enumerate(self.areas) if area.key == key), None)

    def open_execution(self, execution: object) -> QWidget:
        """Open one execution in its own window (several can be open side by side)."""
        return open_execution_window(self.ctx, execution, self)

    # -- connection ------------------------------------------------------------
    def offer_sandbox_identities(self, identities: dict[str, aws.Connection]) -> None:
        """Let the connection dialog switch between these sandbox identities (the sandbox is running)."""
        self.sandbox_identities = dict(identities)

    def choose_connection(self) -> None:
        dialog = ConnectionDialog(self.ctx.connection, self.settings, self,
                                  sandbox_identities=self.sandbox_identities)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.result_connection is not None:
            self.ctx.set_connection(dialog.result_connection)

    def _connection_changed(self, connection: aws.Connection) -> None:
        self.connection_label.set_connection(connection)
        self.connection_label.set_state("connecting…")
        self.banner.hide()
        if not connection.sandbox:
            self.settings.set(keys.CONNECTION_PROFILE, connection.profile or "")
            self.settings.set(keys.CONNECTION_KEYRING_NAME, connection.keyring_name or "")
            self.settings.set(keys.CONNECTION_REGION, connection.region)
            self.settings.set(keys.CONNECTION_ENDPOINT, connection.endpoint_url or "")
        log.info("connecting: %s, %s, %s", connection.label, connection.region, connection.endpoint_url or "AWS")
        # The context asks GetCallerIdentity next: _identity_known or _identity_failed.

    def _identity_known(self, identity: dict[str, str]) -> None:
        self.set_status("connected", True)
        self.connection_label.state.setToolTip(f"Account {identity.get('Account')}\n{identity.get('Arn')}")
        if not self.ctx.connectivity.offline:
            self.banner.hide()
        self.connection_checked.emit(True, identity.get("Arn", ""))

    def _identity_failed(self, err: UserError) -> None:
        self.connection_checked.emit(False, str(err))
        if err.kind is ErrorKind.UNREACHABLE:
            return  # the offline banner and its probe take care of it
        self.set_status(err.title.lower(), False)
        self.banner.show_error(err)

    def set_status(self, text: str, ok: bool | None = None) -> None:
        self.connection_label.set_state(text, ok)

    def _went_offline(self, err: UserError) -> None:
        # The connectivity monitor probes the endpoint until it answers again.
        self.banner.show_error(err)
        self.set_status("offline", False)

    def _came_online(self) -> None:
        self.banner.hide()
        self.set_status("connected", True)
        # Whatever failed while offline is worth loading again.
        for panel in self.panels:
            panel.cancel_jobs()
            panel.load()

    def _throttled(self, operation: str, code: str, attempt: int) -> None:
        self.statusBar().showMessage(f"AWS is throttling {operation} ({code}); retrying with backoff (attempt {attempt})…", 8000)

    def _unexpected(self, err: UserError, _traceback: str) -> None:
        self.statusBar().showMessage(f"{err.title}: {err.message}", 15000)
        if self.isVisible() and not self.testAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen):
            box = QMessageBox(QMessageBox.Icon.Warning, err.title, err.message, QMessageBox.StandardButton.Ok, self)
            box.setTextFormat(Qt.TextFormat.PlainText)
            box.setDetailedText(_traceback)
            box.setModal(False)
            box.show()

    def note_connected(self) -> None:
        self.set_status("connected", True)

    # -- persistence -----------------------------------------------------------
    def _restore(self) -> None:
        geometry = self.settings.get(keys.WINDOW_GEOMETRY)
        if geometry:
            self.restoreGeometry(geometry)
        state = self.settings.get(keys.WINDOW_STATE)
        if state:
            self.restoreState(state)
        self.nav.setCurrentRow(self._row_of(self.settings.get(keys.WINDOW_AREA)) or 0)
        for panel in self.panels:
            panel.restore_state(self.settings)

    def save(self) -> None:
        self.settings.set(keys.WINDOW_GEOMETRY, self.saveGeometry().data())
        self.settings.set(keys.WINDOW_STATE, self.saveState().data())
        area = self.current_area()
        if area is not None:
            self.settings.set(keys.WINDOW_AREA, area.key)
        for panel in self.panels:
            panel.save_state(self.settings)
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt name
        self.save()
        for panel in self.panels:
            panel.cancel_jobs()
        self.log_pane.detach()
        super().closeEvent(event)
