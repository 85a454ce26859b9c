"""The one path every write to AWS takes, from every area.

confirmation (destructive writes: the UI asks, then passes ``confirmed=True``)
-> the audit record "attempted", on disk (fsync) *before* the request
-> the call, on the ordered write queue
-> the result appended: "ok", "error" with AWS's error, "conflict", "cancelled".

If the attempt cannot be recorded (disk full, folder not writable) nothing is
sent and the job fails with :class:`~opsconsole.core.audit.AuditUnavailable`:
one sentence saying so. A failure to write the *result* never hides what AWS
said: AWS's error is what the job reports, the audit problem goes to the log.

Someone else's change getting in first (core's :class:`Conflict`) is a normal
outcome, not a failure: audited as "conflict" and delivered by ``done`` as
:class:`Conflicted`, so the view can say "Already approved by Ana at 10:42".
Long writes that yield progress (a deployment) take the same path.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import QObject

from opsconsole.core.audit import AuditLog, AuditRecord
from opsconsole.core.aws import Clients, Connection
from opsconsole.core.identity import IdentityStore
from opsconsole.core.writes import CANCELLED, CONFLICT, ERROR, Conflict, Write
from opsconsole.jobs.runner import Job, JobRunner

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Conflicted:
    """A write someone else's change got in the way of; ``message`` is the sentence to show."""

    conflict: Conflict

    @property
    def message(self) -> str:
        return self.conflict.message


def _finish(audit: AuditLog, attempt: AuditRecord, result: str, error: str = "") -> None:
    """Append the result; a failure here is logged, never raised over the write's own outcome."""
    try:
        audit.finish(attempt, result, error)
    except OSError as exc:
        log.error("the result of %s (%s) could not be written to the audit log: %s", attempt.action, result, exc)


def perform(
    write: Write,
    clients: Clients,
    audit: AuditLog,
    identity: IdentityStore,
    connection: Connection | None = None,
    confirmed: bool = False,
) -> Generator[Any, None, Any]:
    """Audit, send and audit again; runs on the write queue (a generator, for writes with progress)."""
    if write.who is None:  # done as whoever the console is now (AWS asked first if it has not said yet)
        write = replace(write, who=identity.resolve(clients))
    # A write described before AWS said who we are keeps its name (it may be in what it writes).
    principal = write.who.arn or identity.resolve(clients).arn
    attempt = audit.attempted(write, connection=connection, principal=principal, confirmed=confirmed)
    try:
        if write.steps:
            result = yield from write.run(clients)
        else:
            result = write.run(clients)
    except Conflict as exc:
        _finish(audit, attempt, CONFLICT, exc.message)
        return Conflicted(exc)
    except GeneratorExit:
        # Cancelled between steps (and maybe collected on the GUI thread): a file, no network.
        _finish(audit, attempt, CANCELLED, "cancelled before the end")
        raise
    except BaseException as exc:
        _finish(audit, attempt, ERROR, f"{type(exc).__name__}: {exc}")
        raise
    status, message = write.outcome(result)
    _finish(audit, attempt, status, message)
    return result


class WritePath(QObject):
    """Sends :class:`Write` descriptions for the current connection; one per application context."""

    def __init__(
        self,
        runner: JobRunner,
        audit: AuditLog,
        identity: IdentityStore,
        clients: Callable[[], Clients | None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.audit = audit
        self.identity = identity
        self._clients = clients

    def submit(self, write: Write, *, confirmed: bool = False, owner: QObject | None = None) -> Job:
        """Queue ``write``; its job's ``done`` carries the result (or a :class:`Conflicted`).

        ``owner``: cancel it when the owner goes (only long writes stop early;
        a single call, once sent, still gets its result audited).
        """
        if write.destructive and not confirmed:
            raise ValueError(f"{write.action} needs the user's confirmation before it is sent")
        clients = self._clients()
        if clients is None:
            raise RuntimeError("not connected")
        return self.runner.submit(
            perform, write, clients, self.audit, self.identity, clients.connection, confirmed,
            name=write.action, owner=owner, write=True,
        )
