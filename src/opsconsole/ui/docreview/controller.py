"""The document-review area's reads and writes, through the job runner and the one audited write path.

Views ask; the controller runs core functions on the read pool and sends
:class:`~opsconsole.core.writes.Write` descriptions through ``ctx.writes``
(claims, renewals and releases too: each one is a conditional write on the
shared table, audited like any other). A claim someone else got first comes
back as ``conflicted`` with the sentence to show, never as an error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from opsconsole.core import docreview as core
from opsconsole.core.docreview import tasks
from opsconsole.core.errors import ErrorKind, UserError
from opsconsole.core.writes import Write
from opsconsole.jobs.runner import Job
from opsconsole.jobs.writes import Conflicted
from opsconsole.ui.context import AppContext


class DocReviewController(QObject):
    """Reads (queue, documents, loops, throughput) and writes (claims, submit, loops) of the area."""

    #: (action, UserError): a write failed (AWS said no, offline, audit log not writable).
    write_failed = Signal(str, object)
    #: (action, sentence): someone else's change got in first.
    conflicted = Signal(str, str)

    def __init__(self, ctx: AppContext, owner: QObject) -> None:
        super().__init__(owner)
        self.ctx = ctx
        self.owner = owner

    @property
    def config(self) -> core.ReviewConfig:
        return core.ReviewConfig.from_settings(self.ctx.settings)

    @property
    def connected(self) -> bool:
        return self.ctx.clients is not None

    @staticmethod
    def not_connected() -> UserError:
        return UserError(ErrorKind.CONFIG, "Not connected", "Choose a connection to see the documents to review.")

    # -- reads -------------------------------------------------------------------------------
    def read(self, func: Callable[..., Any], *args: Any, name: str, **kwargs: Any) -> Job:
        return self.ctx.runner.submit(func, self.ctx.clients, *args, name=name, owner=self.owner, **kwargs)

    # -- writes ------------------------------------------------------------------------------
    def send(self, write: Write, done: Callable[[Any], None], *, confirmed: bool = False,
             failed: Callable[[UserError], None] | None = None) -> Job | None:
        """Send ``write``; ``done(result)`` unless it conflicted (then ``conflicted``) or failed."""
        if not self.connected:
            self.write_failed.emit(write.action, self.not_connected())
            return None
        job = self.ctx.writes.submit(write, confirmed=confirmed, owner=self.owner)

        def finished(result: Any) -> None:
            if isinstance(result, Conflicted):
                self.conflicted.emit(write.action, result.message)
                if failed is not None:
                    failed(UserError(ErrorKind.REFUSED, "Taken by someone else", result.message, "Conflict"))
                return
            done(result)

        def errored(err: UserError) -> None:
            self.write_failed.emit(write.action, err)
            if failed is not None:
                failed(err)

        job.done.connect(finished)
        job.failed.connect(errored)
        return job

    def claim_write(self, task: core.ReviewTask | None) -> Write:
        """Claim ``task``, or (None) the oldest document anyone may claim."""
        who, config = self.ctx.who, self.config
        if task is None:
            return Write("Claim next document", config.table, "dynamodb", "UpdateItem",
                         run=lambda clients: core.claim_next(clients, who.name, config), who=who,
                         details={"table": config.table, "lease_s": config.lease_seconds},
                         no_cli="Claims the oldest document that is free: a Query, then a conditional "
                                "UpdateItem per document until one succeeds.")
        call = tasks.claim_request(task, who.name, config)
        return Write("Claim document", f"document {task.document_id}", "dynamodb", "UpdateItem",
                     run=lambda clients: core.claim(clients, task, who.name, config), who=who, calls=(call,),
                     targets=(task.document_id,), details={"lease_s": config.lease_seconds})

    def renew_write(self, task: core.ReviewTask) -> Write:
        who, config = self.ctx.who, self.config
        call = tasks.renew_request(task, who.name, config)
        return Write("Renew document claim", f"document {task.document_id}", "dynamodb", "UpdateItem",
                     run=lambda clients: core.renew(clients, task, who.name, config), who=who, calls=(call,),
                     targets=(task.document_id,))

    def release_write(self, task: core.ReviewTask) -> Write:
        who, config = self.ctx.who, self.config
        call = tasks.release_request(task, who.name, config)
        return Write("Release document", f"document {task.document_id}", "dynamodb", "UpdateItem",
                     run=lambda clients: core.release(clients, task, who.name, config), who=who, calls=(call,),
                     targets=(task.document_id,))
