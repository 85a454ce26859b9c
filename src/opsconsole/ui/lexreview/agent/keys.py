"""The agent view's keyboard: every triage shortcut, its keys, and the help line that lists them.

J/K (or Ctrl+Down/Up) next/previous conversation, N (Shift+N) next (previous)
missed turn, 1–9 pick a ranked intent, / search intents, E or F2 edit the
phrase, Ctrl+Enter submit, Ctrl+Backspace nothing to learn, Escape back to
the transcript, R retry the changes that were not saved. Tab to the next
missed turn is the transcript's own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

KEYS_HELP = (
    "J/K conversation · N/Tab missed turn · 1–9 intent · / search · E edit phrase · "
    "Ctrl+Enter submit · Ctrl+Backspace nothing to learn · R retry unsaved"
)


class TriageSteps(Protocol):
    """What the keys drive: the steps of triaging a conversation."""

    def step_conversation(self, step: int) -> None: ...

    def step_missed(self, forward: bool = True) -> None: ...

    def pick_rank(self, number: int) -> None: ...

    def search_intents(self) -> None: ...

    def edit_phrase(self) -> None: ...

    def submit(self) -> None: ...

    def nothing_to_learn(self) -> None: ...

    def back_to_transcript(self) -> None: ...

    def retry_unsaved(self) -> None: ...


def add_shortcut(view: QWidget, text: str, keys: list[str], slot: Callable[[], object]) -> QAction:
    """An action on ``view`` triggered by any of ``keys``."""
    action = QAction(text, view)
    action.setShortcuts([QKeySequence(k) for k in keys])
    # Only while this view (not the operations one) has the focus somewhere inside.
    action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    action.triggered.connect(slot)
    view.addAction(action)
    return action


def add_triage_keys(view: QWidget, steps: TriageSteps) -> QAction:
    """Give ``view`` every triage shortcut, driving ``steps`` (usually the view itself); the Submit action."""
    add_shortcut(view, "Next conversation", ["J", "Ctrl+Down"], lambda: steps.step_conversation(1))
    add_shortcut(view, "Previous conversation", ["K", "Ctrl+Up"], lambda: steps.step_conversation(-1))
    add_shortcut(view, "Next missed turn", ["N"], lambda: steps.step_missed(True))
    add_shortcut(view, "Previous missed turn", ["Shift+N"], lambda: steps.step_missed(False))
    for n in range(1, 10):
        add_shortcut(view, f"Pick intent {n}", [str(n)], lambda _c=False, n=n: steps.pick_rank(n))
    add_shortcut(view, "Search intents", ["/"], steps.search_intents)
    add_shortcut(view, "Edit phrase", ["E", "F2"], steps.edit_phrase)
    submit = add_shortcut(view, "Submit", ["Ctrl+Return", "Ctrl+Enter"], steps.submit)
    add_shortcut(view, "Nothing to learn", ["Ctrl+Backspace"], steps.nothing_to_learn)
    add_shortcut(view, "Back to the transcript", ["Escape"], steps.back_to_transcript)
    add_shortcut(view, "Retry unsaved changes", ["R"], steps.retry_unsaved)
    return submit
