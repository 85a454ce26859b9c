"""Online or offline, told by job outcomes; while offline, a probe notices the endpoint coming back.

A job that fails because the endpoint cannot be reached makes the console
offline (``went_offline``, once); any job that hears back from AWS (a page or a
result) makes it online again (``came_online``). While offline the endpoint is
probed every few seconds with a plain TCP connect (no credentials, no API call),
so the banner clears by itself when the network or the endpoint returns.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer, Signal

from opsconsole.core import aws
from opsconsole.core.errors import ErrorKind, UserError
from opsconsole.jobs.runner import Job, JobRunner

log = logging.getLogger(__name__)

#: Milliseconds between endpoint probes while offline.
PROBE_INTERVAL_MS = 3000


class Connectivity(QObject):
    """Watches the runner's job outcomes; probes the endpoint while offline."""

    #: A job failed because the endpoint cannot be reached: (UserError).
    went_offline = Signal(object)
    #: The endpoint answered again, to a job or to the probe.
    came_online = Signal()

    def __init__(self, runner: JobRunner, parent: QObject | None = None, probe_interval_ms: int = PROBE_INTERVAL_MS) -> None:
        super().__init__(parent)
        self.runner = runner
        self._offline = False
        self._probe_job: Job | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(probe_interval_ms)
        self._timer.timeout.connect(self.probe)
        runner.job_answered.connect(self._answered)
        runner.job_failed.connect(self._failed)

    @property
    def offline(self) -> bool:
        return self._offline

    @property
    def probing(self) -> bool:
        """The reconnect probe is scheduled (only while offline)."""
        return self._timer.isActive()

    def mark_online(self) -> None:
        """The endpoint is reachable again (the probe found it so, or a test says so)."""
        self._timer.stop()
        if self._offline:
            self._offline = False
            log.info("connection is back")
            self.came_online.emit()

    def probe(self) -> None:
        """Try the current endpoint once in the background (also the banner's "Retry now")."""
        connection = self.runner.connection
        if (self._probe_job is not None and self._probe_job.active) or connection is None:
            return
        job = self.runner.submit(aws.probe_endpoint, connection, name="probe endpoint")
        self._probe_job = job
        job.done.connect(lambda reachable: reachable and self.mark_online())

    # -- job outcomes ------------------------------------------------------
    def _answered(self, job: Job) -> None:
        if job is not self._probe_job:  # the probe's answer is its result, True or False
            self.mark_online()

    def _failed(self, _job: Job, err: UserError) -> None:
        if err.kind is ErrorKind.UNREACHABLE and not self._offline:
            self._offline = True
            self.went_offline.emit(err)
            self._timer.start()
