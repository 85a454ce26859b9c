"""The agent's writes on their way: counted while they travel, listed for a retry when one fails.

The view applies a change at once (the phrase shows forwarded, the queue moves
on) and hands the write's job here. Nothing waits for it: a failure undoes the
change where it was made (the conversation comes back to the queue, the turn is
open again) and lists the write in :class:`UnsavedWrites`, without moving the
agent away from where they are working.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from opsconsole.core.errors import UserError
from opsconsole.jobs.runner import Job
from opsconsole.ui.lexreview.agent.unsaved import UnsavedWrite, UnsavedWrites


class Outbox(QObject):
    """Follows the jobs of writes the view already applied; ``changed(on_their_way, not_saved)``."""

    changed = Signal(int, int)

    def __init__(self, unsaved: UnsavedWrites, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.unsaved = unsaved
        self.in_flight = 0
        unsaved.changed.connect(lambda _n: self._emit())

    def track(self, job: Job | None, what: str, error_if_none: Callable[[], UserError],
              retry: Callable[[], None], undo: Callable[[], None], subject: object = None) -> None:
        """Follow ``job`` (None: it could not even be queued, ``error_if_none()`` says why).

        ``subject`` (what the write changes): an unsaved write of the same
        subject is dropped, this one replaces it (no phrase forwarded twice).
        """
        self.unsaved.supersede(subject)
        if job is None:
            self._failed(what, error_if_none(), retry, undo, subject)
            return
        self.in_flight += 1
        job.failed.connect(lambda err: self._failed(what, err, retry, undo, subject))
        job.finished.connect(self._ended)
        self._emit()

    def _failed(self, what: str, err: UserError, retry: Callable[[], None], undo: Callable[[], None],
                subject: object) -> None:
        undo()
        self.unsaved.add(UnsavedWrite(what, err, retry, subject))

    def _ended(self) -> None:
        self.in_flight = max(0, self.in_flight - 1)
        self._emit()

    def _emit(self) -> None:
        self.changed.emit(self.in_flight, len(self.unsaved.entries))

    def status(self) -> str:
        """'Saving 2 changes…', '' when all landed (the unsaved list speaks for the failed ones)."""
        n = self.in_flight
        return f"Saving {n} change{'s' if n != 1 else ''}…" if n else ""
