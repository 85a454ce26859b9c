"""How the operations view gets its rows and flags without making anyone wait.

:class:`ItemsListing` lists the review items of some statuses page by page
(one Query per page on the status index, through the job layer): the first
page's rows are handed over at once, later pages together at most every
:data:`FLUSH_MS`, since each hand-over regroups the tree. :class:`FlagWork`
works out the reviewer's flags in the background (near-duplicates among
thousands of open items take seconds), one computation at a time.
:class:`ChangesPoll` asks, while the view is shown, what changed since it last
looked (another console's submits and reviews), so nobody has to press F5.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta

from PySide6.QtCore import QObject, QTimer, Signal

from opsconsole.core.lexreview import flags as flags_core
from opsconsole.core.lexreview import items as items_core
from opsconsole.core.lexreview.store import utcnow
from opsconsole.core.lexreview.triage import ReviewItem
from opsconsole.jobs.runner import Job
from opsconsole.ui.lexreview.session import ReviewSession

#: Rows arriving after the first page are handed over together at most this often (ms).
FLUSH_MS = 150
#: How often a shown operations view asks what changed (ms).
POLL_MS = 10_000
#: Changes are read from this long before the last look: another console's clock may be behind ours.
POLL_OVERLAP = timedelta(minutes=2)


class ItemsListing(QObject):
    """One listing at a time of the review items of some statuses, newest change first."""

    #: The first rows of a new listing: they replace what is shown (an empty list when there were none).
    replaced = Signal(list)
    #: Rows of later pages.
    added = Signal(list)
    #: Rows received so far by the running listing.
    progress = Signal(int)
    #: The listing ended with every page delivered.
    done = Signal()
    #: The listing failed (UserError), after what had arrived was handed over.
    failed = Signal(object)

    def __init__(self, session: ReviewSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.job: Job | None = None
        self._fresh = False  # the next rows replace what is shown (a reload keeps them until then)
        self._received = 0
        self._pending: list[ReviewItem] = []  # arrived, not yet handed over
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(FLUSH_MS)
        self._timer.timeout.connect(self._flush)

    @property
    def active(self) -> bool:
        return self.job is not None and self.job.active

    def start(self, statuses: Sequence[str] | None, label: str) -> None:
        """List these statuses (None: every status); a listing still running is cancelled first."""
        self.cancel()
        self._fresh, self._received = True, 0
        job = self.session.read(items_core.iter_review_items, statuses=statuses, name=f"List review items: {label}")
        job.page.connect(lambda page: self._on_page(job, page))
        job.done.connect(lambda _r: self._on_done(job))
        job.failed.connect(lambda err: self._on_failed(job, err))
        self.job = job

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()
            self.job = None
        self._timer.stop()
        self._pending.clear()

    def _on_page(self, job: Job, page: list[ReviewItem]) -> None:
        if job is not self.job or not page:
            return
        self._received += len(page)
        self._pending.extend(page)
        if self._fresh:
            self._flush()  # the first rows at once
        elif not self._timer.isActive():
            self._timer.start()
        self.progress.emit(self._received)

    def _flush(self) -> None:
        self._timer.stop()
        rows, self._pending = self._pending, []
        if self._fresh:
            self._fresh = False
            self.replaced.emit(rows)
        elif rows:
            self.added.emit(rows)

    def _on_done(self, job: Job) -> None:
        if job is not self.job:
            return
        self.job = None
        self._flush()  # and when nothing arrived at all, that is what replaces the rows shown
        self.done.emit()

    def _on_failed(self, job: Job, err: object) -> None:
        if job is not self.job:
            return
        self.job = None
        if self._pending:
            self._flush()
        self._fresh = False
        self.failed.emit(err)


class FlagWork(QObject):
    """The flags of the items shown, worked out again in the background when asked.

    One computation at a time; asked again meanwhile, it runs once more when
    the current one ends, on the items as they are then.
    """

    #: item id -> ItemFlags
    updated = Signal(dict)

    def __init__(self, session: ReviewSession, items: Callable[[], list[ReviewItem]], parent: QObject) -> None:
        super().__init__(parent)
        self.session = session
        self.items = items
        self.job: Job | None = None
        self._again = False

    def recompute(self) -> None:
        if self.job is not None and self.job.active:
            self._again = True
            return
        self._again = False
        utterances = {key: m.utterances() for key, m in self.session.models().items()}
        job = self.session.ctx.runner.submit(flags_core.compute_flags, self.items(), utterances,
                                             name="Flag review items", owner=self.parent())
        job.done.connect(lambda flags: self._on_flags(job, flags))
        job.finished.connect(lambda: self._ended(job))
        self.job = job

    def _on_flags(self, job: Job, flags: dict) -> None:
        if job is self.job and not self._again:
            self.updated.emit(flags)

    def _ended(self, job: Job) -> None:
        if job is self.job:
            self.job = None
            if self._again:
                self.recompute()


class ChangesPoll(QObject):
    """Every :data:`POLL_MS`, while ``wanted()`` says so: the review items changed since the last look.

    One Query per status on the status index (``updated_at`` at or after the
    last look, less :data:`POLL_OVERLAP`), on the read pool: the window never
    waits for it. What it finds is handed over like a listing's later pages;
    the rows already shown are kept, newer revisions replace older ones.
    """

    #: The items changed since the last look (maybe some already shown, in the same revision).
    changed = Signal(list)

    def __init__(self, session: ReviewSession, wanted: Callable[[], bool], parent: QObject) -> None:
        super().__init__(parent)
        self.session = session
        self.wanted = wanted
        self.job: Job | None = None
        self.since = utcnow()
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.poll)

    def restart(self) -> None:
        """A listing starts now: it brings everything up to now; look for changes after it."""
        self.cancel()
        self.since = utcnow()
        self.timer.start()

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()
            self.job = None

    def poll(self) -> Job | None:
        """Look now (unless a look is on its way, the view does not want it, or there is no connection)."""
        if (self.job is not None and self.job.active) or not self.wanted() or not self.session.connected:
            return None
        began = utcnow()
        job = self.session.read(items_core.list_review_items, changed_since=self.since - POLL_OVERLAP,
                                name="List review items changed")
        job.done.connect(lambda rows: self._on_rows(job, began, rows))
        self.job = job
        return job

    def _on_rows(self, job: Job, began, rows: list[ReviewItem]) -> None:
        if job is not self.job:
            return
        self.job = None
        self.since = began
        self.changed.emit(rows)
