"""Operator flows driven with the keyboard alone, as a person types them; for tests and benchmarks.

The flow the executions area is measured by: from the main window to a failed
run's failed state, with its error, cause and input on screen.

    Ctrl+1   the Executions area; the keys go to its list
    F        the list jumps to the first failed run (type-to-find on the Status column)
    Enter    opens it: the failed state is picked, its error, cause and input in the step pane

Each key press counts as one action; waiting for the list to load is not an action.
"""

from __future__ import annotations

from typing import Any

#: The key presses of the flow, in order (QKeySequence strings).
FAILED_RUN_KEYS: tuple[str, ...] = ("Ctrl+1", "F", "Return")


def type_keys(qtbot: Any, keys: str) -> None:
    """Press ``keys`` in the focused widget of the active window, as a keyboard does."""
    from PySide6.QtGui import QKeySequence
    from PySide6.QtWidgets import QApplication

    target = QApplication.focusWidget() or QApplication.activeWindow()
    assert target is not None, "no window has the keyboard"
    qtbot.keySequence(target, QKeySequence(keys))


def press_button(qtbot: Any, button: Any, limit: int = 12) -> None:
    """Tab to ``button`` (in the active window) and press Space, as a keyboard user does."""
    from PySide6.QtWidgets import QApplication

    for _ in range(limit):
        if QApplication.focusWidget() is button:
            break
        type_keys(qtbot, "Tab")
    assert QApplication.focusWidget() is button, f"Tab never reached {button.text()}"
    type_keys(qtbot, "Space")


def open_failed_run(qtbot: Any, window: Any, timeout_ms: int = 60_000) -> tuple[Any, int]:
    """Drive :data:`FAILED_RUN_KEYS` in the main ``window`` (shown, connected).

    Returns the execution window it opened, once its failed state shows in the
    step pane, and the number of key presses it took.
    """
    from PySide6.QtWidgets import QApplication

    from opsconsole.ui.executions import ExecutionsPanel

    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=timeout_ms)
    before = set(_execution_windows(window))
    panel = next(p for p in window.panels if isinstance(p, ExecutionsPanel))
    actions = 0
    for keys in FAILED_RUN_KEYS:
        if keys == "F":  # a person waits for the list before looking for a failed run in it
            qtbot.waitUntil(lambda: not panel.loading and panel.model.rowCount() > 0, timeout=timeout_ms)
        type_keys(qtbot, keys)
        actions += 1
    qtbot.waitUntil(lambda: bool(set(_execution_windows(window)) - before), timeout=timeout_ms)
    opened = next(iter(set(_execution_windows(window)) - before))
    detail = opened.detail
    qtbot.waitUntil(lambda: detail.selected_state is not None and detail.step.run is not None, timeout=timeout_ms)
    QApplication.processEvents()
    return opened, actions


def _execution_windows(window: Any) -> list[Any]:
    from opsconsole.ui.executions.detail import ExecutionWindow

    return [w for w in window.findChildren(ExecutionWindow) if w.isVisible()]
