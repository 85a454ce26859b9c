"""Python's full garbage collections at quiet moments instead of in the middle of a list loading.

A full (generation 2) collection walks every container object of the process
and holds the interpreter meanwhile: with a few thousand alarms or executions
in memory it took 50-120 ms, and CPython starts one whenever enough objects
have survived, often while a listing is arriving, so the window stalled then.
:func:`install` turns the automatic full collection off (the young
generations still run as usual and take a millisecond or two) and runs it from
a timer when the user has not typed or clicked for a moment, and at the
latest every two minutes, so cycles of garbage are still freed.
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
#: The generation-2 threshold that keeps CPython from starting full collections by itself.
NEVER = 1_000_000_000

_INPUT = frozenset({QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease,
                    QEvent.Type.Wheel, QEvent.Type.MouseMove})


class IdleCollector(QObject):
    """Runs ``collect`` when the user is idle (see the module's note); ``tick`` is what the timer calls."""

    def __init__(self, parent: QObject | None = None, *, clock: Callable[[], float] = time.monotonic,
                 collect: Callable[[], object] = gc.collect, interval_ms: int = 1000) -> None:
        super().__init__(parent)
        self.clock, self.collect = clock, collect
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
        """Collect now if it is time; whether it did."""
        now = self.clock()
        since = now - self.last_collect
        quiet = now - self.last_input >= QUIET_S
        if (quiet and since >= EVERY_S) or since >= AT_LATEST_S:
            self.collect()
            self.last_collect = self.clock()
            self.collections += 1
            return True
        return False


def install(app: QApplication) -> IdleCollector:
    """Full collections at quiet moments from now on (the app calls this once its window is up)."""
    first, second, _third = gc.get_threshold()
    gc.set_threshold(first, second, NEVER)
    collector = IdleCollector(app)
    app.installEventFilter(collector)
    collector.timer.start()
    return collector
