"""Destructive actions ask first; Cancel is the default; the riskiest need the name typed."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from opsconsole.ui.confirm import ConfirmDialog


def test_cancel_is_the_default_and_the_text_says_what_happens(qtbot):
    d = ConfirmDialog("Stop execution", "train-DE-2026-11-01", "The run ends as ABORTED.")
    qtbot.addWidget(d)
    assert d.buttons.button(QDialogButtonBox.StandardButton.Cancel).isDefault()
    d.show()
    qtbot.keyClick(d, Qt.Key.Key_Escape)
    assert d.result() == ConfirmDialog.DialogCode.Rejected


def test_typing_the_name_unlocks_the_action(qtbot):
    d = ConfirmDialog("Delete", "review-queue", "Gone for good.", type_to_confirm="review-queue")
    qtbot.addWidget(d)
    d.show()
    assert not d.ok.isEnabled()
    qtbot.keyClicks(d.typed, "review-queu")
    assert not d.ok.isEnabled()
    qtbot.keyClicks(d.typed, "e")
    assert d.ok.isEnabled()
    d.ok.click()
    assert d.result() == ConfirmDialog.DialogCode.Accepted
