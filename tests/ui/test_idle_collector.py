"""Full garbage collections wait for a quiet moment (they stalled the window mid-listing), but never for long."""

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


def make(qtbot):
    clock, done = Clock(), []
    made = collector.IdleCollector(clock=clock, collect=lambda: done.append(clock.now))
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


def test_installed_it_keeps_python_from_starting_full_collections_itself(qtbot):
    before = gc.get_threshold()
    try:
        made = collector.install(QApplication.instance())
        assert gc.get_threshold()[2] == collector.NEVER and gc.get_threshold()[:2] == before[:2]
        assert made.timer.isActive()
    finally:
        QApplication.instance().removeEventFilter(made)
        made.timer.stop()
        made.deleteLater()
        gc.set_threshold(*before)
