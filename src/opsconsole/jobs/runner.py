"""The background layer: every AWS call runs here, results come back as Qt signals.

A UI object asks :class:`JobRunner` for a job (a plain core function or
generator plus its arguments) and gets a :class:`Job` whose signals fire on the
GUI thread: ``page`` for each streamed page, ``progress``, then exactly one of
``done``/``failed``/``cancelled``, then ``finished``.

The runner only runs jobs. What their outcomes mean to the rest of the console
(offline or not, an unexpected error worth a dialog) is worked out by listeners
of ``job_answered``/``job_failed``: see :mod:`opsconsole.jobs.connectivity` and
:mod:`opsconsole.jobs.notices`.

Built on superqt's ``GeneratorWorker`` (abort is checked between yields, so a
cancelled listing never fetches its next page), run on our own thread pools: a
bounded one for reads and a one-thread queue for writes that must stay ordered.
"""

from __future__ import annotations

import inspect
import itertools
import logging
import queue
import threading
import time
import traceback
import weakref
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any

from PySide6.QtCore import QMetaObject, QObject, QThreadPool, Signal
from superqt.utils import GeneratorWorker

from opsconsole.core import aws, errors
from opsconsole.core.errors import ErrorKind, UserError
from opsconsole.core.progress import Progress

log = logging.getLogger(__name__)

READ_THREADS = 6


class JobState(str, Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class _PooledWorker(GeneratorWorker):
    """superqt's generator worker, started on a pool of ours instead of the global one.

    ``run`` is our own: superqt's swaps the process-wide ``warnings.showwarning``
    inside ``catch_warnings``, which is not thread-safe with several workers
    and can leave a hook to a finished worker behind.

    Python owns the runnable (auto-delete off, or Qt and Python would both
    free it); the job keeps it until ``finished`` arrives, which is the last
    thing ``run`` does, and Qt does not touch a non-auto-delete runnable after
    ``run`` returns.
    """

    def __init__(self, pool: QThreadPool, func: Callable[..., Any], *args: Any,
                 convert: Callable[[Any], Any] | None = None, **kwargs: Any) -> None:
        super().__init__(func, *args, **kwargs)
        self._pool = pool
        self._convert = convert
        self.setAutoDelete(False)

    def start(self) -> None:  # noqa: D102 - same contract as superqt's
        self._pool.start(self)

    def run(self) -> None:  # noqa: D102 - called by the pool
        signals = self.signals
        signals.started.emit()
        self._running = True
        try:
            result = self.work() if self._convert is None else self._work_converting(self._convert)
            if isinstance(result, BaseException):
                # superqt's work() hands back a RuntimeError raised by the job
                # instead of raising it; it is the job's error like any other.
                raise result
            if not self.abort_requested:
                signals.returned.emit(result)
        except Exception as exc:  # reported to the GUI, never lost
            aws.in_flight.end()  # (a call that raised before botocore's own end of call)
            signals.errored.emit(exc)
        self._running = False
        signals.finished.emit()

    def _work_converting(self, convert: Callable[[Any], Any]) -> Any:
        """Like superqt's ``work``, with each page converted on a thread of its own before it is delivered.

        The generator is asked for its next page (its next call) as soon as a
        page has arrived, while the one before is still being converted, and
        never for a page further ahead. Pages are delivered in order, every one
        before the job's result or error, and none after a cancel.
        """
        converter = _PageConverter(convert, self.signals.yielded.emit, lambda: self.abort_requested)
        result = None
        try:
            while True:
                converter.wait_for_room()
                if self.abort_requested or converter.error is not None:
                    break
                try:
                    value = next(self._gen)
                except StopIteration as exc:
                    result = exc.value
                    break
                converter.put(value)
        finally:
            converter.close()  # the pages taken so far are converted and delivered first
        if converter.error is not None:
            raise converter.error
        return result


_END = object()


class _PageConverter:
    """One thread converting a job's pages in the order they came, delivering each with ``deliver``.

    At most two pages are on hand at a time: the one being converted and the
    one fetched meanwhile (:meth:`wait_for_room` holds the fetching back).
    """

    def __init__(self, convert: Callable[[Any], Any], deliver: Callable[[Any], None],
                 aborted: Callable[[], bool]) -> None:
        self.convert, self.deliver, self.aborted = convert, deliver, aborted
        self.error: Exception | None = None
        self._room = threading.Semaphore(2)
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="job pages", daemon=True)
        self._thread.start()

    def wait_for_room(self) -> None:
        """Until fewer than two pages are waiting for (or in) conversion."""
        self._room.acquire()

    def put(self, value: Any) -> None:
        self._queue.put(value)

    def close(self) -> None:
        """Wait until every page put so far is delivered (or dropped, once the job is cancelled)."""
        self._queue.put(_END)
        self._thread.join()

    def _run(self) -> None:
        while (value := self._queue.get()) is not _END:
            try:
                if self.error is None and not self.aborted():  # failed or cancelled: the rest is dropped
                    # Progress reports pass through as they are, in their place among the pages.
                    self.deliver(value if isinstance(value, Progress) else self.convert(value))
            except Exception as exc:  # the job's error, raised on its own thread after the pages before it
                self.error = exc
            finally:
                self._room.release()


def _as_generator(func: Callable[..., Any]) -> Callable[..., Any]:
    if inspect.isgeneratorfunction(func):
        return func

    def gen(*args: Any, **kwargs: Any):
        return func(*args, **kwargs)
        yield  # pragma: no cover - makes this a generator

    return gen


class Job(QObject):
    """One unit of background work, observed from the GUI thread."""

    page = Signal(object)
    progress = Signal(object)
    done = Signal(object)
    failed = Signal(object)  # UserError
    cancelled = Signal()
    finished = Signal()
    state_changed = Signal()

    _ids = itertools.count(1)

    def __init__(
        self,
        runner: "JobRunner",
        func: Callable[..., Any],
        args: tuple,
        kwargs: dict,
        name: str,
        owner: QObject | None,
        write: bool,
        convert: Callable[[Any], Any] | None = None,
    ) -> None:
        # No Qt parent: the runner drops its reference when the worker has
        # finished and Python frees the job on the GUI thread. (Deleting it
        # through Qt as well, with deleteLater, deleted it twice.)
        super().__init__()
        self.id = next(self._ids)
        self.name = name
        self.write = write
        self.state = JobState.QUEUED
        self.pages = 0
        self.last_progress: Progress | None = None
        self.submitted_at = time.monotonic()
        self.error: UserError | None = None
        #: The formatted traceback of an unexpected failure (else None).
        self.traceback: str | None = None
        self._owner = weakref.ref(owner) if owner is not None else None
        self._watch: _OwnerWatch | None = None  # set by the runner while the job is live
        self._runner = runner
        pool = runner.write_pool if write else runner.read_pool
        self._worker = _PooledWorker(pool, _as_generator(func), *args, convert=convert, **kwargs)
        # Give the worker's signal object a Qt parent living on the GUI thread,
        # so it is deleted there with the job and never by Python's cyclic
        # garbage collector on whatever thread happens to run it (a QObject
        # deleted off its own thread corrupts memory).
        self._worker.signals.setParent(self)
        self._worker.signals.started.connect(self._on_started)
        self._worker.signals.yielded.connect(self._on_yielded)
        self._worker.signals.returned.connect(self._on_returned)
        self._worker.signals.errored.connect(self._on_errored)
        self._worker.signals.finished.connect(self._on_worker_finished)

    # -- public -----------------------------------------------------------
    @property
    def owner(self) -> QObject | None:
        return self._owner() if self._owner else None

    @property
    def active(self) -> bool:
        return self.state in (JobState.QUEUED, JobState.RUNNING)

    def cancel(self) -> None:
        """Stop delivering results; the worker fetches nothing more after its current call."""
        if not self.active:
            return
        try:
            self._worker.quit()
        except RuntimeError:
            pass  # the pool already finished and freed the runnable
        self._set_state(JobState.CANCELLED)
        log.debug("job %s cancelled", self.name)
        self.cancelled.emit()
        self._finish()

    # -- worker callbacks (GUI thread) -------------------------------------
    def _on_started(self) -> None:
        if self.state is JobState.QUEUED:
            self._set_state(JobState.RUNNING)

    def _on_yielded(self, value: object) -> None:
        if not self.active:
            return  # cancelled: a page that was already on its way is dropped
        if self.state is JobState.QUEUED:
            self._set_state(JobState.RUNNING)
        if isinstance(value, Progress):
            self.last_progress = value
            self.progress.emit(value)
            self.state_changed.emit()
            return
        self.pages += 1
        self._runner.job_answered.emit(self)
        self.page.emit(value)

    def _on_returned(self, value: object) -> None:
        if not self.active:
            return
        self._set_state(JobState.DONE)
        self._runner.job_answered.emit(self)
        self.done.emit(value)
        self._finish()

    def _on_errored(self, exc: BaseException) -> None:
        if not self.active:
            return
        conn = self._runner.connection
        err = errors.describe(exc, profile=conn.profile if conn else None, operation=self.name)
        if self.pages:
            # Part of a listing arrived: whoever shows it must not present it as all there is.
            err = replace(err, message=f"{err.message} Loading stopped after {self.pages} page(s): "
                                       "what is shown is incomplete.")
        self.error = err
        self._set_state(JobState.FAILED)
        if err.kind is ErrorKind.UNEXPECTED:
            self.traceback = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
            log.error("job %s failed unexpectedly:\n%s", self.name, self.traceback)
        else:
            log.warning("job %s failed: %s (%s)", self.name, err, err.code)
        # The traceback's frames reference the worker; drop them so nothing
        # waits for the cyclic collector.
        traceback.clear_frames(exc.__traceback__)
        exc.__traceback__ = None
        self._runner.job_failed.emit(self, err)
        self.failed.emit(err)
        self._finish()

    def _on_worker_finished(self) -> None:
        self._runner._worker_done(self)

    def _set_state(self, state: JobState) -> None:
        self.state = state
        self.state_changed.emit()

    def _finish(self) -> None:
        self.finished.emit()
        self._runner._job_ended(self)


@dataclass
class _OwnerWatch:
    """One ``destroyed`` connection per owner with live jobs, and how many it has."""

    key: int
    connection: QMetaObject.Connection
    owner: weakref.ref
    jobs: int = 0


class JobRunner(QObject):
    """Owns the thread pools and every job; the one door to background work."""

    jobs_changed = Signal()
    #: A job heard back from its work, a page or its result (so the endpoint answered): (Job).
    job_answered = Signal(object)
    #: A job failed, just before its own ``failed``: (Job, UserError).
    job_failed = Signal(object, object)

    def __init__(self, parent: QObject | None = None, read_threads: int = READ_THREADS) -> None:
        super().__init__(parent)
        self.read_pool = QThreadPool(self)
        self.read_pool.setMaxThreadCount(read_threads)
        self.write_pool = QThreadPool(self)
        self.write_pool.setMaxThreadCount(1)
        self.connection: aws.Connection | None = None
        self._jobs: list[Job] = []
        self._workers_alive: set[Job] = set()
        self._retired: deque[tuple[float, _PooledWorker]] = deque()
        self._owners: dict[int, _OwnerWatch] = {}

    # -- submitting ---------------------------------------------------------
    def submit(
        self,
        func: Callable[..., Any],
        *args: Any,
        name: str | None = None,
        owner: QObject | None = None,
        write: bool = False,
        convert: Callable[[Any], Any] | None = None,
        **kwargs: Any,
    ) -> Job:
        """Run ``func(*args, **kwargs)`` in the background.

        A generator's yields become ``page`` (or ``progress`` for
        :class:`Progress`) signals and its return value ``done``.
        With ``convert``, each page is ``page`` as ``convert(page)``, converted on
        a thread of the job's own while the generator fetches the next one (a
        listing's parsing then overlaps its next call instead of delaying it).
        Connect to the job's signals right after this call: the work starts
        on the pool, but results are delivered through the GUI event loop, so
        nothing is missed.
        """
        job = Job(self, func, args, kwargs, name or getattr(func, "__name__", "job"), owner, write, convert)
        self._jobs.append(job)
        self._workers_alive.add(job)
        if owner is not None:
            self._watch_owner(job, owner)
        job._worker.start()
        self.jobs_changed.emit()
        return job

    # -- looking and cancelling --------------------------------------------
    @property
    def jobs(self) -> list[Job]:
        """Jobs that are queued or running."""
        return [j for j in self._jobs if j.active]

    def running_count(self) -> int:
        return len(self.jobs)

    def cancel_owned(self, owner: QObject) -> None:
        self.cancel_owned_by_id(id(owner))

    def cancel_owned_by_id(self, owner_id: int) -> None:
        for job in list(self._jobs):
            if job._owner is not None and id(job._owner()) == owner_id:
                job.cancel()
            elif job._owner is not None and job._owner() is None:
                job.cancel()

    def cancel_all(self) -> None:
        for job in list(self._jobs):
            job.cancel()

    def threads_busy(self) -> int:
        """Threads still running work (cancelled jobs finish their current call)."""
        return self.read_pool.activeThreadCount() + self.write_pool.activeThreadCount()

    def shutdown(self, wait_ms: int = 10000) -> bool:
        """Cancel everything and wait at most ``wait_ms`` in all; True when every thread has stopped.

        A job still running then (a call that does not return) is abandoned:
        each is named in the log.
        """
        self.cancel_all()
        deadline = time.monotonic() + wait_ms / 1000
        ok = self.read_pool.waitForDone(wait_ms)
        ok = self.write_pool.waitForDone(max(0, int((deadline - time.monotonic()) * 1000))) and ok
        if ok:
            self._retired.clear()
        else:
            left = sorted(self._workers_alive, key=lambda j: j.id)  # their threads have not returned
            log.warning("quitting after %d ms with %d job(s) still running, abandoned: %s", wait_ms, len(left),
                        ", ".join(f"{j.name}{' (write)' if j.write else ''}" for j in left) or "unknown")
        return ok

    # -- bookkeeping -----------------------------------------------------
    def _watch_owner(self, job: Job, owner: QObject) -> None:
        """Cancel the owner's jobs when it is destroyed: one connection while it has jobs, none after."""
        key = id(owner)
        watch = self._owners.get(key)
        if watch is None or watch.owner() is not owner:
            if watch is not None:  # another object under a dead wrapper's id: forget that one
                QObject.disconnect(watch.connection)
            # Nothing here refers to ``owner``: the connection must not keep it alive.
            connection = owner.destroyed.connect(lambda *_a, key=key: self._owner_destroyed(key))
            watch = self._owners[key] = _OwnerWatch(key, connection, weakref.ref(owner))
        watch.jobs += 1
        job._watch = watch

    def _owner_destroyed(self, key: int) -> None:
        self._owners.pop(key, None)
        self.cancel_owned_by_id(key)

    def _unwatch(self, job: Job) -> None:
        watch, job._watch = job._watch, None
        if watch is None:
            return
        watch.jobs -= 1
        if watch.jobs <= 0 and self._owners.get(watch.key) is watch:  # (else the owner is gone already)
            del self._owners[watch.key]
            QObject.disconnect(watch.connection)

    def _job_ended(self, job: Job) -> None:
        if job in self._jobs:
            self._jobs.remove(job)
            self._unwatch(job)
        self.jobs_changed.emit()

    def _worker_done(self, job: Job) -> None:
        self._workers_alive.discard(job)
        if job.active:
            # The generator stopped because of an abort we did not see yet.
            job.cancel()
        # ``finished`` is emitted just before ``run`` returns on the pool
        # thread; keep the runnable alive a moment longer so it is never freed
        # while that thread is still leaving it.
        now = time.monotonic()
        self._retired.append((now, job._worker))
        while self._retired and now - self._retired[0][0] > 2.0:
            self._retired.popleft()
