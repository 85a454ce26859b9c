"""Keeps RUNNING executions current: a timer, one refresh job at a time, backoff on throttling.

ListExecutions refills only 2-5 calls/s per account and every console, CLI and
dashboard of the team shares that bucket, so the refresher never overlaps its
own jobs and doubles its interval (up to 2 minutes) after AWS throttles it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

from opsconsole.core.executions import listing as core
from opsconsole.core.errors import ErrorKind, UserError
from opsconsole.core.executions.listing import Execution
from opsconsole.ui.context import AppContext
from opsconsole.jobs.runner import Job

DEFAULT_INTERVAL_MS = 15_000
MAX_INTERVAL_MS = 120_000
_THROTTLE_OPERATIONS = {"ListExecutions", "DescribeExecution"}


@dataclass(frozen=True)
class RefreshTarget:
    """What to refresh: the query's machines and the rows we believe are running."""

    state_machine_arns: list[str]
    running_arns: list[str]


class RunningRefresher(QObject):
    """Periodically re-lists RUNNING executions for ``owner`` while it is visible and online.

    ``target()`` says what to refresh, or None to skip this tick (a load is
    streaming, or the query cannot contain running executions). Pages go to
    ``on_page``; ``refreshed`` fires after each successful pass.
    """

    refreshed = Signal(object)  # core.RunningRefresh
    failed = Signal(object)  # UserError
    interval_changed = Signal(int)

    def __init__(
        self,
        ctx: AppContext,
        owner: QWidget,
        target: Callable[[], RefreshTarget | None],
        on_page: Callable[[list[Execution]], None],
        interval_ms: int = DEFAULT_INTERVAL_MS,
        max_interval_ms: int = MAX_INTERVAL_MS,
        page_size: int = core.MAX_PAGE_SIZE,
    ) -> None:
        super().__init__(owner)
        self._ctx = ctx
        self._owner = owner
        self._target = target
        self._on_page = on_page
        self.base_interval_ms = interval_ms
        self.max_interval_ms = max(max_interval_ms, interval_ms)
        self.page_size = page_size
        self.job: Job | None = None
        self._backed_off = False
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.refresh_now)
        ctx.notices.throttled.connect(self._on_throttled)

    @property
    def interval_ms(self) -> int:
        return self._timer.interval()

    @property
    def active(self) -> bool:
        return self._timer.isActive()

    @property
    def busy(self) -> bool:
        return self.job is not None and self.job.active

    def start(self) -> None:
        if not self._timer.isActive():
            self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def cancel(self) -> None:
        """Drop a pass in flight (the query changed under it)."""
        if self.job is not None:
            self.job.cancel()
            self.job = None

    def refresh_now(self) -> bool:
        """Start one pass if allowed now; False when skipped."""
        if self.busy or not self._owner.isVisible():
            return False
        if self._ctx.clients is None or self._ctx.connectivity.offline:
            return False  # the reconnect probe brings us back; polling a dead endpoint helps no one
        target = self._target()
        if target is None or not target.state_machine_arns:
            return False
        job = self._ctx.runner.submit(
            core.refresh_running,
            self._ctx.clients,
            target.state_machine_arns,
            target.running_arns,
            page_size=self.page_size,
            owner=self._owner,
            name="RefreshRunningExecutions",
        )
        self._backed_off = False
        job.page.connect(self._on_page)
        job.done.connect(self._on_done)
        job.failed.connect(self._on_failed)
        self.job = job
        return True

    def _on_done(self, summary: object) -> None:
        self.job = None
        if not self._backed_off:
            self._set_interval(self.base_interval_ms)
        self.refreshed.emit(summary)

    def _on_failed(self, err: UserError) -> None:
        self.job = None
        if err.kind is ErrorKind.THROTTLED and not self._backed_off:
            self.back_off()
        self.failed.emit(err)

    def _on_throttled(self, operation: str, _code: str, _attempt: int) -> None:
        # botocore is retrying one of our calls: the bucket is empty, so ask less often.
        if self.busy and operation in _THROTTLE_OPERATIONS and not self._backed_off:
            self._backed_off = True  # once per pass: botocore may retry several times
            self.back_off()

    def back_off(self) -> None:
        """Double the interval, up to the maximum."""
        self._set_interval(min(self.interval_ms * 2, self.max_interval_ms))

    def _set_interval(self, ms: int) -> None:
        if ms != self._timer.interval():
            self._timer.setInterval(ms)  # keeps running; the next tick uses the new interval
            self.interval_changed.emit(ms)
