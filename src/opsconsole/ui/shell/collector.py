"""Python's garbage collections on the GUI thread only, and the full ones at quiet moments.

Left to itself, CPython collects on whichever thread happens to allocate when
a threshold is crossed, often a background job's. A cycle of garbage holding a
Qt object (a closed dialog and the lambda connected to it) is then destroyed
on that thread, and a QObject deleted off its own thread corrupts memory: the
process crashes later, somewhere unrelated. :func:`install` turns the automatic
collector off and runs its young collections from a GUI-thread timer, with
CPython's own thresholds, every ``YOUNG_MS``.

A full (generation 2) collection walks every container object of the process
and holds the interpreter meanwhile: with a few thousand alarms or executions
in memory it took 50-120 ms, and CPython starts one whenever enough objects
have survived, often while a listing is arriving, so the window stalled then.
The full collection runs from the same timer when the user has not typed or
clicked for a moment, and at the latest every two minutes, so cycles of
garbage are still freed.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

#: A full collection only after this long without input...
QUIET_S = 2.0
#: ...and no more often than this...
EVERY_S = 30.0
#: ...but at the latest after this long, input or not.
AT_LATEST_S = 120.0
#: How often the young generations are looked at (collected when CPython's thresholds say so)...
YOUNG_MS = 100
#: ...and while background jobs allocate fast (more than ``BUSY_FACTOR`` thresholds' worth in one
#: interval), this often: a young collection walks every object made since the last one, and one of
#: 100 ms' worth of parsing took 30 ms of the GUI thread.
BUSY_MS = 10
BUSY_FACTOR = 10

_INPUT = frozenset({QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease,
                    QEvent.Type.Wheel, QEvent.Type.MouseMove})


class IdleCollector(QObject):
    """Runs ``collect`` when the user is idle (see the module's note); ``tick`` is what the timer calls."""

    def __init__(self, parent: QObject | None = None, *, clock: Callable[[], float] = time.monotonic,
                 collect: Callable[..., object] = gc.collect, counts: Callable[[], tuple[int, int, int]] = gc.get_count,
                 thresholds: tuple[int, int, int] | None = None, interval_ms: int = YOUNG_MS) -> None:
        super().__init__(parent)
        self.clock, self.collect, self.counts = clock, collect, counts
        self.thresholds = thresholds or gc.get_threshold()
        now = clock()
        self.last_input = now
        self.last_collect = now
        self.collections = 0
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.tick)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() in _INPUT:
            self.last_input = self.clock()
        return False

    def tick(self) -> bool:
        """Collect now if it is time (in full, else the young generations if they are due); whether it did in full."""
        now = self.clock()
        since = now - self.last_collect
        quiet = now - self.last_input >= QUIET_S
        if (quiet and since >= EVERY_S) or since >= AT_LATEST_S:
            self.collect()
            self.last_collect = self.clock()
            self.collections += 1
            return True
        young, middle, _old = self.counts()
        if young >= self.thresholds[0]:
            self.collect(1 if middle >= self.thresholds[1] else 0)
        busy = young >= BUSY_FACTOR * self.thresholds[0]
        if busy or young < self.thresholds[0]:
            self.timer.setInterval(BUSY_MS if busy else YOUNG_MS)
        return False


def install(app: QApplication) -> IdleCollector:
    """Collections on the GUI thread only, full ones at quiet moments, from now on (the app calls this first thing)."""
    gc.disable()
    collector = IdleCollector(app)
    app.installEventFilter(collector)
    collector.timer.start()
    return collector
