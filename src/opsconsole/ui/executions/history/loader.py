"""Loading an execution's history: pages fetched and parsed in the background, handed to the table in
slices, one per event-loop pass, then the state runs built from them.
"""

from __future__ import annotations

from collections import deque

from PySide6.QtCore import QObject, QTimer, Signal

from opsconsole.core.aws import Clients
from opsconsole.core.executions.history.events import HistoryEvent, HistoryParser, raw_history
from opsconsole.core.executions.history.runs import state_runs
from opsconsole.jobs.runner import Job, JobRunner
from opsconsole.ui.executions.history.view import HistoryView

#: The most rows the table takes in one pass of the event loop (GetExecutionHistory's largest page).
SLICE_ROWS = 1000


class HistoryLoader(QObject):
    """Streams an execution's history into a :class:`HistoryView`, then builds its state runs.

    Pages are fetched on the worker pool and parsed into events on a thread
    of the job's own while the next page is being fetched. The events reach
    the table in slices of at most :data:`SLICE_ROWS`, in id order, one slice
    per event-loop pass: a worker that outpaces the GUI would otherwise have
    its queued pages applied back to back, freezing the window for the whole
    burst. Each slice is applied whole; a cancel drops the slices not applied
    yet, so the table never holds part of one. The state runs are computed on
    the pool too; ``runs_ready(events, runs)`` fires once everything is in.
    """

    runs_ready = Signal(list, list)  # events, state runs
    failed = Signal(object)  # UserError

    def __init__(self, runner: JobRunner, view: HistoryView, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner, self.view = runner, view
        self.events: list[HistoryEvent] = []
        self.execution_arn = ""
        self._jobs: list[Job] = []
        self._pending: deque[list[HistoryEvent]] = deque()
        self._fetched = False
        self._drain_timer = QTimer(self)
        self._drain_timer.setSingleShot(True)
        self._drain_timer.setInterval(0)
        self._drain_timer.timeout.connect(self._drain)

    def load(self, clients: Clients, execution_arn: str, page_size: int = 1000, *, refresh: bool = False) -> Job:
        """Start loading (cancelling a load in progress).

        ``refresh``: the same execution again (a running one, or after an action). A history only grows,
        so the rows shown stay, with the user's row and scroll position, and only the events that are new
        are added: the table never goes empty while the history is read again.
        """
        self.cancel()
        if not (refresh and execution_arn == self.execution_arn):
            self.events = []
            self.view.clear()
        self.execution_arn, self._fetched = execution_arn, False
        # Each load parses with a parser of its own: it carries what later pages need from earlier ones.
        job = self.runner.submit(raw_history, clients, execution_arn, page_size, name="GetExecutionHistory",
                                 owner=self, convert=HistoryParser().feed)
        job.page.connect(self._on_page)
        job.done.connect(self._on_fetched)
        job.failed.connect(self.failed)
        self._jobs = [job]
        return job

    def cancel(self) -> None:
        """Stop loading: no further page is fetched or shown."""
        for job in self._jobs:
            job.cancel()
        self._jobs = []
        self._pending.clear()
        self._drain_timer.stop()
        self._fetched = False  # (a slice being applied right now must not go on to build runs)

    def _on_page(self, page: list[HistoryEvent]) -> None:
        for start in range(0, len(page), SLICE_ROWS):
            self._pending.append(page[start:start + SLICE_ROWS])
        self._drain_timer.start()

    def _on_fetched(self, _result: object) -> None:
        self._fetched = True
        if not self._pending:
            self._build_runs()

    def _drain(self) -> None:
        if self._pending:
            rows = self._pending.popleft()
            shown = self.events[-1].id if self.events else 0
            fresh = rows if not rows or rows[0].id > shown else [e for e in rows if e.id > shown]
            if fresh:
                self.events.extend(fresh)
                self.view.append_events(fresh)
        if self._pending:
            self._drain_timer.start()
        elif self._fetched:
            self._build_runs()

    def _build_runs(self) -> None:
        events = list(self.events)
        job = self.runner.submit(state_runs, events, name="state runs", owner=self)
        job.done.connect(lambda runs: self.runs_ready.emit(events, runs))
        job.failed.connect(self.failed)
        self._jobs.append(job)
