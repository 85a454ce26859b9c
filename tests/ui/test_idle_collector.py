"""Garbage is collected on the GUI thread only (a Qt object freed on a job's thread crashes the app later);
full collections wait for a quiet moment (they stalled the window mid-listing), but never for long."""

from __future__ import annotations

import gc

from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QApplication, QWidget

from opsconsole.ui.shell import collector


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make(qtbot, counts=(0, 0, 0)):
    clock, done = Clock(), []
    made = collector.IdleCollector(clock=clock, collect=lambda *generation: done.append(generation or clock.now),
                                   counts=lambda: counts, thresholds=(700, 10, 10))
    widget = QWidget()
    qtbot.addWidget(widget)
    widget.installEventFilter(made)
    return made, clock, done, widget


def test_it_collects_once_the_user_has_been_quiet_for_a_moment(qtbot):
    made, clock, done, widget = make(qtbot)
    clock.now += collector.EVERY_S
    QApplication.sendEvent(widget, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_J, Qt.KeyboardModifier.NoModifier))
    assert not made.tick()  # typing just now: not yet
    clock.now += collector.QUIET_S
    assert made.tick() and done == [clock.now]
    assert not made.tick()  # and not again right away


def test_it_collects_at_the_latest_even_while_the_user_keeps_working(qtbot):
    made, clock, done, widget = make(qtbot)
    for _ in range(int(collector.AT_LATEST_S)):
        clock.now += 1
        event = QMouseEvent(QEvent.Type.MouseButtonPress, QPointF(1, 1), QPointF(1, 1), Qt.MouseButton.LeftButton,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(widget, event)
        made.tick()
    assert done == [1000.0 + collector.AT_LATEST_S]


def test_young_generations_are_collected_from_the_timer_when_cpython_would_have(qtbot):
    made, _clock, done, _widget = make(qtbot, counts=(699, 9, 0))
    assert not made.tick() and done == []  # below the thresholds: nothing
    made.counts = lambda: (700, 9, 0)
    made.tick()
    made.counts = lambda: (700, 10, 0)
    made.tick()
    assert done == [(0,), (1,)]


def test_while_jobs_allocate_fast_it_looks_ten_times_as_often_and_calms_down_after(qtbot):
    made, _clock, done, _widget = make(qtbot, counts=(0, 0, 0))
    made.counts = lambda: (collector.BUSY_FACTOR * 700, 0, 0)
    made.tick()
    assert made.timer.interval() == collector.BUSY_MS and done == [(0,)]
    made.counts = lambda: (300, 0, 0)
    made.tick()
    assert made.timer.interval() == collector.YOUNG_MS


def test_installed_python_never_collects_by_itself_and_the_gui_timer_does(qtbot):
    was_enabled = gc.isenabled()
    try:
        made = collector.install(QApplication.instance())
        assert not gc.isenabled() and made.timer.isActive()
        junk = [[] for _ in range(5 * gc.get_threshold()[0])]
        assert gc.get_count()[0] >= gc.get_threshold()[0]
        # (kept alive meanwhile: freeing them would lower the count without any collection)
        qtbot.waitUntil(lambda: gc.get_count()[0] < gc.get_threshold()[0], timeout=5000)
        assert len(junk) == 5 * gc.get_threshold()[0]
    finally:
        QApplication.instance().removeEventFilter(made)
        made.timer.stop()
        made.deleteLater()
        if was_enabled:
            gc.enable()
