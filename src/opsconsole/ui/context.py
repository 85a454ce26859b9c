"""What every panel needs: the job runner, the current AWS connection, the audit log, who the user is."""

from __future__ import annotations

import logging

from collections.abc import Mapping

from PySide6.QtCore import QObject, QSettings, Signal

from opsconsole.core.audit import AuditLog
from opsconsole.core.aws import Clients, Connection, caller_identity
from opsconsole.core.identity import Identity, IdentityStore
from opsconsole.core.permissions import Permissions, probe
from opsconsole.core.settings import DISPLAY_NAME, Settings
from opsconsole.jobs.connectivity import Connectivity
from opsconsole.jobs.notices import Notices
from opsconsole.jobs.runner import JobRunner
from opsconsole.jobs.writes import WritePath


#: Where the review queues kept a name before there was one identity (moved on first read).
_LEGACY_NAME_KEY = "review/user"


log = logging.getLogger(__name__)

def display_name_setting(settings: Settings) -> str:
    """The display name the user set, moving the review queues' old name over once."""
    store = settings.store
    name = settings.get(DISPLAY_NAME).strip()
    legacy = str(store.value(_LEGACY_NAME_KEY, "") or "").strip()
    if legacy:
        store.remove(_LEGACY_NAME_KEY)
        if not name:
            settings.set(DISPLAY_NAME, legacy)
            name = legacy
    return name


class AppContext(QObject):
    """Shared by the main window and its panels.

    ``connection_changed`` fires when the user switches profile/region/endpoint;
    panels then cancel their jobs and reload. ``identity_changed`` fires when
    AWS said who we are or the user set a display name (on the GUI thread).
    Every write goes through ``writes`` (:mod:`opsconsole.jobs.writes`).
    """

    connection_changed = Signal(object)
    identity_changed = Signal(object)  # Identity
    #: What IAM lets the identity do changed (a :class:`~opsconsole.core.permissions.Permissions`).
    permissions_changed = Signal(object)
    #: GetCallerIdentity answered for the current connection (its ``Account``/``Arn``), or failed (a UserError).
    identity_checked = Signal(dict)
    identity_check_failed = Signal(object)

    def __init__(self, runner: JobRunner, audit: AuditLog, parent: QObject | None = None, *, settings: Settings | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.audit = audit
        #: Every setting, typed; over the one store app.py creates (else the application's QSettings).
        self.settings = settings if settings is not None else Settings(QSettings())
        self.connectivity = Connectivity(runner, self)
        self.notices = Notices(runner, self)
        self.clients: Clients | None = None
        # Read here, on the GUI thread; writes on worker threads ask the store, never QSettings.
        self._display_name = display_name_setting(self.settings)
        self.identity = IdentityStore(lambda: self._display_name)
        # Listeners run on the thread that learnt it; the signal carries it to the GUI thread.
        self.identity.add_listener(self.identity_changed.emit)
        self.writes = WritePath(runner, audit, self.identity, lambda: self.clients, self)
        #: What IAM lets the identity do; "not known" (everything offered) until IAM has said.
        self.permissions = Permissions()
        self._probing = ""
        self.identity_changed.connect(self._probe_permissions)

    @property
    def connection(self) -> Connection | None:
        return self.clients.connection if self.clients else None

    @property
    def who(self) -> Identity:
        """Who writes now: the identity every write, item and audit record carries."""
        return self.identity.current()

    def set_connection(self, connection: Connection) -> None:
        self.clients = Clients(connection)
        self.runner.connection = connection
        self.identity.forget()
        self._probing = ""
        self._set_permissions(Permissions())
        self.connection_changed.emit(connection)
        self._check_identity()

    def _check_identity(self) -> None:
        # The cheapest call that proves the credentials work, and says as whom: every record written
        # from now on names that principal (see core/identity.py), whichever view writes it.
        clients = self.clients
        job = self.runner.submit(caller_identity, clients, name="GetCallerIdentity", owner=self)
        job.done.connect(lambda caller: self._identity_checked(clients, caller))
        job.failed.connect(lambda err: self.identity_check_failed.emit(err) if self.clients is clients else None)

    def _identity_checked(self, clients: Clients, caller: dict[str, str]) -> None:
        if self.clients is not clients:
            return  # a previous connection's late answer
        self.learn_identity(caller)
        self.identity_checked.emit(caller)

    def learn_identity(self, caller: Mapping[str, str]) -> None:
        """What GetCallerIdentity answered for the current connection."""
        self.identity.learn(caller)

    def _probe_permissions(self, identity: Identity) -> None:
        """Once AWS said who we are: ask IAM what that principal may do (once per principal and connection)."""
        if not identity.known or identity.arn == self._probing or self.clients is None:
            return
        self._probing = identity.arn
        clients = self.clients
        job = self.runner.submit(probe, clients, identity.arn, name="SimulatePrincipalPolicy", owner=self)
        job.done.connect(lambda found: self._set_permissions(found) if self.clients is clients else None)

    def _set_permissions(self, permissions: Permissions) -> None:
        self.permissions = permissions
        self.permissions_changed.emit(permissions)

    def shutdown(self, wait_ms: int = 5000) -> bool:
        """Cancel the jobs and wait for them at most ``wait_ms``; True when all stopped.

        A write still on its way then gets its result line: "abandoned" (AWS
        may or may not have done it), so the audit log never shows it as open.
        """
        stopped = self.runner.shutdown(wait_ms)
        if not stopped:
            for record in self.audit.abandon_open():
                log.warning("write abandoned at exit, AWS may or may not have done it: %s on %s",
                            record.action, record.target)
        return stopped

    def set_display_name(self, name: str) -> None:
        """The name shown beside the principal from now on ("" = the principal's own name)."""
        self._display_name = name.strip()
        self.settings.set(DISPLAY_NAME, self._display_name)
        self.identity.changed()
