"""Small dialogs of the operations view: reject with a reason, edit a phrase, move to another intent."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from opsconsole.ui.lexreview.agent.intent_picker import IntentPicker

#: Reasons reviewers give most; a reason can also be typed.
COMMON_REASONS = (
    "Not what customers mean by this intent",
    "Too vague: it could mean several intents",
    "Contains personal data",
    "Out of scope for this bot",
    "Typo or garbled transcription",
)


def _buttons(dialog: QDialog, ok_text: str) -> QDialogButtonBox:
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    box.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
    box.accepted.connect(dialog.accept)
    box.rejected.connect(dialog.reject)
    return box


class RejectDialog(QDialog):
    """Asks for the reason a rejection needs; OK stays disabled until there is one."""

    def __init__(self, count: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Reject")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"Reject {count} item{'s' if count != 1 else ''}. Why? (the agents see this)"))
        self.reason = QComboBox()
        self.reason.setEditable(True)
        self.reason.addItems(COMMON_REASONS)
        self.reason.setCurrentText("")
        self.reason.lineEdit().setPlaceholderText("Reason")
        layout.addWidget(self.reason)
        self.buttons = _buttons(self, "Reject")
        layout.addWidget(self.buttons)
        self.reason.currentTextChanged.connect(self._check)
        self._check(self.reason.currentText())

    def _check(self, text: str) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(text.strip()))

    def text(self) -> str:
        return self.reason.currentText().strip()


class EditTextDialog(QDialog):
    """Edit one phrase's text (what would become the sample utterance)."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Edit phrase")
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("The phrase as it should become a sample utterance:"))
        self.edit = QLineEdit(text)
        self.edit.selectAll()
        layout.addWidget(self.edit)
        self.buttons = _buttons(self, "Save")
        layout.addWidget(self.buttons)
        self.edit.textChanged.connect(
            lambda t: self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(t.strip()))
        )

    def text(self) -> str:
        return self.edit.text().strip()


class MoveIntentDialog(QDialog):
    """Pick the intent items should move to; the most likely intents for the phrase come first."""

    def __init__(self, phrase: str, ranking: list[tuple[str, float]], count: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Move to intent")
        self.setMinimumSize(420, 420)
        layout = QVBoxLayout(self)
        what = f"“{phrase}”" if count == 1 else f"{count} items (ranked for “{phrase}”)"
        label = QLabel(f"Move {what} to:")
        label.setTextFormat(Qt.TextFormat.PlainText)  # the customer's phrase
        label.setWordWrap(True)
        layout.addWidget(label)
        self.picker = IntentPicker(title="Intent")
        self.picker.set_ranking(ranking)
        self.picker.chosen.connect(lambda _n: self._check())
        self.picker.finished.connect(self._accept_if_chosen)
        layout.addWidget(self.picker, 1)
        self.buttons = _buttons(self, "Move")
        layout.addWidget(self.buttons)
        self._check()
        self.picker.focus_search()

    def _check(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(self.picker.chosen_intent))

    def _accept_if_chosen(self) -> None:
        if self.picker.chosen_intent:
            self.accept()

    def intent(self) -> str | None:
        return self.picker.chosen_intent
