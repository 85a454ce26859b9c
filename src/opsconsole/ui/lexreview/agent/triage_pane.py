"""The agent's triage controls: which missed turn, the phrase, the intent it should have matched, the buttons."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from opsconsole.ui.lexreview.agent.intent_picker import IntentPicker


class TriagePane(QWidget):
    """Widgets only; the agent view wires them into its keyboard flow."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.turn_label = QLabel()
        self.turn_label.setObjectName("turn-label")
        self.turn_label.setWordWrap(True)
        self.phrase_edit = QLineEdit()
        self.phrase_edit.setObjectName("phrase-edit")
        self.phrase_edit.setPlaceholderText("The phrase to forward (E to edit)")
        self.phrase_edit.setToolTip("Edit the phrase, or select part of it: only the selection is submitted")
        self.picker = IntentPicker(title="Should have matched")
        self.submit_button = QPushButton("Submit  (Ctrl+Enter)")
        self.submit_button.setObjectName("submit-phrase")
        self.submit_button.setDefault(True)
        self.nothing_button = QPushButton("Nothing to learn  (Ctrl+Backspace)")
        self.nothing_button.setObjectName("nothing-to-learn")
        #: "Saving 2 changes…" while submitted writes are on their way.
        self.save_label = QLabel()
        self.save_label.setObjectName("save-status")
        self.save_label.setStyleSheet("color: palette(placeholder-text);")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.turn_label)
        layout.addWidget(QLabel("Phrase to forward"))
        layout.addWidget(self.phrase_edit)
        layout.addSpacing(6)
        layout.addWidget(self.picker, 1)
        layout.addWidget(self.submit_button)
        layout.addWidget(self.nothing_button)
        layout.addWidget(self.save_label)
