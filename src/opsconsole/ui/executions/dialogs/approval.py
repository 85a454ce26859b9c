"""The manual-step dialog: what a waiting task asks, and Approve (with output) or Reject (error, cause)."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from opsconsole.core.executions import actions
from opsconsole.core.executions.actions import ApprovalRequest, WaitingTask
from opsconsole.ui.executions.dialogs.execution import ERROR, OK, JsonEditor, text_color
from opsconsole.core.format import format_timestamp

_HIDDEN_KEYS = {"tasktoken", "token"}


def _masked(value: Any) -> Any:
    """The request without its task token (a secret that answers the task)."""
    if isinstance(value, dict):
        return {k: "•••" if k.lower() in _HIDDEN_KEYS else _masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v) for v in value]
    return value


def _model_line(side: Any) -> str:
    if not isinstance(side, dict):
        return str(side) if side is not None else "–"
    score = side.get("macroF1")
    name = side.get("modelName", "?")
    return f"{name} (macro F1 {score})" if score is not None else str(name)


class ApprovalDialog(QDialog):
    """Shows the request (model, metrics against the current one, country) and takes the decision.

    After ``accept()``, ``decision`` is ``"approve"`` (send :meth:`output_text`)
    or ``"reject"`` (send :meth:`error` and :meth:`cause`); the controller asks
    once more before a rejection is sent.
    """

    def __init__(self, task: WaitingTask, request: ApprovalRequest | None, user: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.task, self.request = task, request
        self.decision: str | None = None
        self.setObjectName("approval-dialog")
        self.setWindowTitle(f"Manual step: {task.state_name or 'waiting task'}")
        body = request.body if request is not None and request.body is not None else task.message
        body = body if isinstance(body, dict) else {}
        summary = QFormLayout()
        summary.addRow("Execution", self._label(task.execution_arn.rsplit(":", 1)[-1]))
        summary.addRow("Waiting in", self._label(f"{task.state_name} ({task.resource})"))
        if task.scheduled_at is not None:
            summary.addRow("Asked at", self._label(format_timestamp(task.scheduled_at)))
        if body.get("type"):
            summary.addRow("Request", self._label(str(body["type"])))
        if body.get("country"):
            summary.addRow("Country", self._label(str(body["country"])))
        candidate, current = body.get("candidate"), body.get("current")
        if candidate is not None:
            summary.addRow("Candidate", self._label(_model_line(candidate), bold=True))
        if current is not None:
            summary.addRow("Current", self._label(_model_line(current)))
        self.delta_label = self._delta(candidate, current)
        if self.delta_label is not None:
            summary.addRow("Difference", self.delta_label)
        if body.get("requestedBy"):
            summary.addRow("Requested by", self._label(str(body["requestedBy"])))
        self.missing_note = self._label(
            "The request message is not in view in its queue (answered, or beyond what a peek shows); the task "
            "can still be answered with its token from the history.")
        self.missing_note.setStyleSheet(f"color: {text_color(ERROR)};")
        self.missing_note.setVisible(request is None and task.queue_url is not None)
        raw = QPlainTextEdit(json.dumps(_masked(body or task.parameters), indent=2, ensure_ascii=False))
        raw.setReadOnly(True)
        raw.setObjectName("request-body")
        raw.setMinimumHeight(90)

        approve_box = QGroupBox("Approve: the task succeeds with this output")
        default = {"decision": "approved", "approvedBy": user or "operator", "comment": ""}
        self.output = JsonEditor(json.dumps(default, indent=2))
        self.output.editor.setFixedHeight(self.output.editor.fontMetrics().lineSpacing() * 6 + 12)
        approve_layout = QVBoxLayout(approve_box)
        approve_layout.addWidget(self.output)

        reject_box = QGroupBox("Reject: the task fails with this error")
        self.error_edit = QLineEdit(task.catch_errors[0] if task.catch_errors else "Rejected")
        self.error_edit.setObjectName("reject-error")
        self.error_edit.setMaxLength(actions.MAX_ERROR_LENGTH)
        self.cause_edit = QLineEdit()
        self.cause_edit.setObjectName("reject-cause")
        self.cause_edit.setPlaceholderText("Why, for whoever reads the execution later")
        self.catch_note = QLabel(
            f"The state catches {', '.join(task.catch_errors)}." if task.catch_errors else
            "The state catches no specific error: the execution fails unless a Catch takes States.ALL.")
        self.catch_note.setWordWrap(True)
        if not task.catch_errors:
            self.catch_note.setStyleSheet(f"color: {text_color(ERROR)};")
        reject_form = QFormLayout(reject_box)
        reject_form.addRow("Error", self.error_edit)
        reject_form.addRow("Cause", self.cause_edit)
        reject_form.addRow("", self.catch_note)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.approve_button: QPushButton = self.buttons.addButton("Approve", QDialogButtonBox.ButtonRole.AcceptRole)
        self.reject_button: QPushButton = self.buttons.addButton("Reject…", QDialogButtonBox.ButtonRole.DestructiveRole)
        self.approve_button.clicked.connect(lambda: self._decide("approve"))
        self.reject_button.clicked.connect(lambda: self._decide("reject"))
        self.buttons.rejected.connect(self.reject)
        for button in (self.approve_button, self.reject_button):
            button.setAutoDefault(False)
        self.output.validity_changed.connect(lambda _ok: self._update())
        self.error_edit.textChanged.connect(lambda _t: self._update())

        layout = QVBoxLayout(self)
        layout.addLayout(summary)
        layout.addWidget(self.missing_note)
        layout.addWidget(QLabel("What the task sent (its token hidden)"))
        layout.addWidget(raw, 1)
        layout.addWidget(approve_box)
        layout.addWidget(reject_box)
        layout.addWidget(self.buttons)
        self.resize(640, 760)
        self._update()

    @staticmethod
    def _label(text: str, bold: bool = False) -> QLabel:
        label = QLabel(text)
        label.setTextFormat(Qt.TextFormat.PlainText)  # the request's text comes from whoever sent it
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if bold:
            font = label.font()
            font.setBold(True)
            label.setFont(font)
        return label

    def _delta(self, candidate: Any, current: Any) -> QLabel | None:
        try:
            delta = float(candidate["macroF1"]) - float(current["macroF1"])
        except (TypeError, KeyError, ValueError):
            return None
        label = self._label(f"{delta:+.3f} macro F1 ({'better' if delta > 0 else 'not better'} than current)")
        label.setObjectName("metric-delta")
        label.setStyleSheet(f"color: {text_color(OK if delta > 0 else ERROR)};")
        return label

    def _update(self) -> None:
        self.approve_button.setEnabled(self.output.is_valid() and bool(self.task.token))
        self.reject_button.setEnabled(bool(self.error_edit.text().strip()) and bool(self.task.token))

    def _decide(self, decision: str) -> None:
        self.decision = decision
        self.accept()

    def output_text(self) -> str:
        return self.output.text()

    def error(self) -> str:
        return self.error_edit.text().strip()

    def cause(self) -> str:
        return self.cause_edit.text().strip()
