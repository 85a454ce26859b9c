"""What the user should hear about background work: throttling retries, and unexpected errors once each.

botocore retries a throttled call by itself, on a worker thread; the relay
carries each notice to the GUI thread as ``throttled`` so the status bar can say
"throttled, retrying" instead of looking stuck. An unexpected exception (a bug,
not an AWS answer) is reported as ``unexpected`` once per kind of failure, from
a failed job or from the application's exception hook.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from opsconsole.core import aws
from opsconsole.core.errors import ErrorKind, UserError
from opsconsole.core.logbuffer import redact
from opsconsole.jobs.runner import Job, JobRunner

log = logging.getLogger(__name__)


def _relay_to(notices: "Notices") -> Callable[[str, str, int], None]:
    """A retry listener that does not keep ``notices`` alive and outlives it harmlessly."""
    ref = weakref.ref(notices)

    def listener(operation: str, code: str, attempt: int) -> None:
        # Called on a worker thread; a queued signal carries it to the GUI.
        target = ref()
        if target is None:
            return
        log.warning("AWS throttled %s (%s); retrying, attempt %d", operation, code, attempt)
        try:
            target.throttled.emit(operation, code, attempt)
        except RuntimeError:  # its Qt object is already gone
            pass

    return listener


class Notices(QObject):
    """Throttling notices and unexpected errors, for the status bar and a details dialog."""

    #: A call is being retried because AWS throttled it: (operation, code, attempt).
    throttled = Signal(str, str, int)
    #: An unexpected exception, reported once per kind of failure: (UserError, traceback).
    unexpected = Signal(object, str)

    def __init__(self, runner: JobRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._reported: set[tuple[str, str]] = set()
        self._listener = _relay_to(self)
        aws.retry_notices.add(self._listener)
        listener = self._listener
        self.destroyed.connect(lambda *_a: aws.retry_notices.remove(listener))
        runner.job_failed.connect(self._job_failed)

    def close(self) -> None:
        """Stop relaying throttling notices (at shutdown)."""
        aws.retry_notices.remove(self._listener)

    def report_unexpected(self, err: UserError, traceback: str) -> None:
        """Say it once per (code, first line of the message); later repeats are only logged."""
        key = (err.code, err.message.splitlines()[0] if err.message else "")
        if key in self._reported:
            return
        self._reported.add(key)
        self.unexpected.emit(err, redact(traceback))

    def _job_failed(self, job: Job, err: UserError) -> None:
        if err.kind is ErrorKind.UNEXPECTED:
            self.report_unexpected(err, job.traceback or "")
