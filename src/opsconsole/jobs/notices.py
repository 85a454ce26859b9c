"""What the user should hear about background work: throttling retries, and unexpected errors once each.

botocore retries a throttled call by itself, on a worker thread; the relay
carries each notice to the GUI thread as ``throttled`` so the status bar can say
"throttled, retrying" instead of looking stuck. An unexpected exception (a bug,
not an AWS answer) is reported as ``unexpected`` once per kind of failure, from
a failed job or from the application's exception hook. An endpoint that
accepted a request and has not answered it for a few seconds is reported as
``slow``, with what is being retried and when the console gives up.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

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


def slow_message(call: aws.Call) -> str:
    """'127.0.0.1:4566 has not answered ListExecutions for 5 s …': what is waited for and what comes next."""
    import time

    waited = time.monotonic() - (call.attempt_started or call.started)
    if call.attempts < aws.MAX_ATTEMPTS:
        then = (f"it is retried (attempt {call.attempts} of {aws.MAX_ATTEMPTS}) for up to "
                f"{aws.CALL_DEADLINE_S} s in all, then given up")
    else:
        then = "this is the last attempt"
    return (f"{call.endpoint} is slow or not answering: no answer to {call.operation} for {waited:.0f} s "
            f"(attempt {call.attempts}, each waits up to {aws.READ_TIMEOUT_S} s); {then}.")


class Notices(QObject):
    """Throttling notices and unexpected errors, for the status bar and a details dialog."""

    #: A call is being retried because AWS throttled it: (operation, code, attempt).
    throttled = Signal(str, str, int)
    #: An unexpected exception, reported once per kind of failure: (UserError, traceback).
    unexpected = Signal(object, str)
    #: A request has had no answer for a while: (the sentence to show). Once per call and attempt.
    slow = Signal(str)

    def __init__(self, runner: JobRunner, parent: QObject | None = None, watch_interval_ms: int = 1000) -> None:
        super().__init__(parent)
        self._told: set[tuple[int, int]] = set()
        self._watch = QTimer(self)
        self._watch.setInterval(watch_interval_ms)
        self._watch.timeout.connect(self._check_slow)
        # Only while jobs run: nothing to watch otherwise.
        self._runner = runner
        runner.jobs_changed.connect(self._jobs_changed)
        self._reported: set[tuple[str, str]] = set()
        self._listener = _relay_to(self)
        aws.retry_notices.add(self._listener)
        listener = self._listener
        self.destroyed.connect(lambda *_a: aws.retry_notices.remove(listener))
        runner.job_failed.connect(self._job_failed)

    def close(self) -> None:
        """Stop relaying throttling notices and watching for slow calls (at shutdown)."""
        aws.retry_notices.remove(self._listener)
        self._watch.stop()

    def _jobs_changed(self) -> None:
        if self._runner.jobs:
            if not self._watch.isActive():
                self._watch.start()
        else:
            self._watch.stop()
            self._told.clear()

    def _check_slow(self) -> None:
        slow = aws.in_flight.slow()
        live = {(c.key, c.attempts) for c in slow}
        self._told &= live | {k for k in self._told if k[0] in {c.key for c in slow}}
        for call in slow:
            if (call.key, call.attempts) in self._told:
                continue
            self._told.add((call.key, call.attempts))
            message = slow_message(call)
            log.warning("%s", message)
            self.slow.emit(message)

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
