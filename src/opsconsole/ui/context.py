"""What every panel needs: the job runner, the current AWS connection, the audit log."""

from __future__ import annotations

from PySide6.QtCore import QObject, QSettings, Signal

from opsconsole.core.audit import AuditLog
from opsconsole.core.aws import Clients, Connection
from opsconsole.core.settings import Settings
from opsconsole.jobs.connectivity import Connectivity
from opsconsole.jobs.notices import Notices
from opsconsole.jobs.runner import JobRunner


class AppContext(QObject):
    """Shared by the main window and its panels.

    ``connection_changed`` fires when the user switches profile/region/endpoint;
    panels then cancel their jobs and reload.
    """

    connection_changed = Signal(object)

    def __init__(self, runner: JobRunner, audit: AuditLog, parent: QObject | None = None, *, settings: Settings | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.audit = audit
        #: Every setting, typed; over the one store app.py creates (else the application's QSettings).
        self.settings = settings if settings is not None else Settings(QSettings())
        self.connectivity = Connectivity(runner, self)
        self.notices = Notices(runner, self)
        self.clients: Clients | None = None

    @property
    def connection(self) -> Connection | None:
        return self.clients.connection if self.clients else None

    def set_connection(self, connection: Connection) -> None:
        self.clients = Clients(connection)
        self.runner.connection = connection
        self.connection_changed.emit(connection)
