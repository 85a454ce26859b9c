"""Dialogs for fixing a run: the JSON editor, Start, Stop and Re-run from a state.

Every dialog checks what is typed as it is typed (the message sits under the
field it is about) and keeps its action button disabled while something is
wrong. Destructive dialogs make Cancel the default button. The redrive and
manual-step dialogs live in ``dialogs_redrive`` and ``dialogs_approval``.
"""

from __future__ import annotations

import html

import json
from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFontDatabase, QTextCharFormat, QTextCursor, QTextFormat
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from opsconsole.core.executions import actions
from opsconsole.core.executions.actions import InputCheck
from opsconsole.core.executions.actions.rerun import RerunPlan
from opsconsole.core.executions.listing import Execution, StateMachine
from opsconsole.ui import theme
from opsconsole.core.format import format_size, format_timestamp

#: What a message under a field is: its colour is the theme's for it.
ERROR, OK, HINT = "danger", "success", "warning"


def text_color(kind: str) -> str:
    """The theme's colour for text of this kind (``ERROR``, ``OK``, ``HINT``) on the window."""
    return getattr(theme.current(), kind)


def set_message(label: QLabel, text: str, kind: str | None) -> None:
    """Show ``text`` under a field in the colour for ``kind`` (None: the palette's own)."""
    label.setText(text)
    label.setStyleSheet(f"color: {text_color(kind)};" if kind else "")
    label.setVisible(bool(text))


def pretty_json(text: str) -> str:
    """``text`` indented for reading when it is JSON, else unchanged."""
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        return text


class JsonEditor(QWidget):
    """A monospace JSON editor with the verdict (and size against 256 KB) right under it.

    The line with a syntax error is tinted and the offending character
    underlined. ``validity_changed`` fires when the text turns valid or invalid.
    """

    validity_changed = Signal(bool)

    def __init__(self, text: str = "{}", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor = QPlainTextEdit()
        self.editor.setObjectName("json-editor")
        self.editor.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.editor.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.editor.setTabChangesFocus(True)
        self.status = QLabel()
        self.status.setObjectName("json-status")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.format_button = QPushButton("Format")
        self.format_button.setToolTip("Indent the JSON for reading")
        self.format_button.setAutoDefault(False)
        self.format_button.clicked.connect(self.format)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.status, 1)
        row.addWidget(self.format_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.editor, 1)
        layout.addLayout(row)
        self.check: InputCheck = actions.validate_input("")
        self._valid: bool | None = None
        self.editor.textChanged.connect(self._validate)
        self.editor.setPlainText(text)
        self._validate()

    def text(self) -> str:
        return self.editor.toPlainText()

    def set_text(self, text: str) -> None:
        self.editor.setPlainText(text)

    def is_valid(self) -> bool:
        return self.check.ok

    def format(self) -> None:
        """Re-indent valid JSON (two spaces); invalid text is left as typed."""
        if self.check.ok:
            self.editor.setPlainText(pretty_json(self.text()))

    def _validate(self) -> None:
        self.check = actions.validate_input(self.text())
        size = f"{format_size(self.check.size_bytes)} of {format_size(actions.MAX_INPUT_BYTES)}"
        if self.check.ok:
            set_message(self.status, f"✓ {self.check.message}", OK)
        else:
            over = self.check.size_bytes > actions.MAX_INPUT_BYTES  # that message already gives the size
            message = self.check.message if over else f"{self.check.message} ({size})"
            set_message(self.status, f"✗ {message}", ERROR)
        self.format_button.setEnabled(self.check.ok)
        self._mark_error()
        if self._valid is not self.check.ok:
            self._valid = self.check.ok
            self.validity_changed.emit(self.check.ok)

    def _mark_error(self) -> None:
        marks: list[QTextEdit.ExtraSelection] = []
        if self.check.line is not None:
            block = self.editor.document().findBlockByLineNumber(self.check.line - 1)
            if block.isValid():
                line = QTextEdit.ExtraSelection()
                colors = theme.current()
                line.format.setBackground(theme.qcolor(colors.danger, colors.error_line_alpha))
                line.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
                line.cursor = QTextCursor(block)
                marks.append(line)
                char = QTextEdit.ExtraSelection()
                char.format.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
                char.format.setUnderlineColor(QColor(colors.danger))
                char.format.setBackground(theme.qcolor(colors.danger, colors.error_char_alpha))
                cursor = QTextCursor(block)
                column = min(max(0, (self.check.column or 1) - 1), max(0, block.length() - 1))
                cursor.movePosition(QTextCursor.MoveOperation.Right, QTextCursor.MoveMode.MoveAnchor, column)
                cursor.movePosition(QTextCursor.MoveOperation.Right, QTextCursor.MoveMode.KeepAnchor, 1)
                char.cursor = cursor
                marks.append(char)
        self.editor.setExtraSelections(marks)


def dialog_buttons(action: str, destructive: bool) -> tuple[QDialogButtonBox, QPushButton]:
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
    role = QDialogButtonBox.ButtonRole.DestructiveRole if destructive else QDialogButtonBox.ButtonRole.AcceptRole
    button = box.addButton(action, role)
    cancel = box.button(QDialogButtonBox.StandardButton.Cancel)
    cancel.setAutoDefault(destructive)
    cancel.setDefault(destructive)
    button.setAutoDefault(not destructive)
    button.setDefault(not destructive)
    return box, button


class StartExecutionDialog(QDialog):
    """State machine, optional name (AWS's rules, checked as typed) and JSON input."""

    def __init__(self, machines: Sequence[StateMachine], selected_arn: str | None = None,
                 input_text: str = "{}", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Start execution")
        self.setObjectName("start-execution-dialog")
        self.machine_combo = QComboBox()
        self.machine_combo.setObjectName("state-machine")
        for machine in machines:
            self.machine_combo.addItem(f"{machine.name}  ({machine.type.lower()})", machine.arn)
        if selected_arn is not None and (row := self.machine_combo.findData(selected_arn)) >= 0:
            self.machine_combo.setCurrentIndex(row)
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("execution-name")
        self.name_edit.setPlaceholderText("Optional: a UUID is used when empty")
        self.name_message = QLabel()
        self.name_message.setObjectName("name-message")
        self.name_message.setWordWrap(True)
        self.input = JsonEditor(pretty_json(input_text))
        self.buttons, self.start_button = dialog_buttons("Start", destructive=False)
        self.buttons.rejected.connect(self.reject)
        self.start_button.clicked.connect(self.accept)
        #: "Copy as AWS CLI", added by whoever sends the Start (it knows the request).
        self.copy_cli: QPushButton | None = None

        form = QFormLayout()
        form.addRow("State machine", self.machine_combo)
        name_box = QVBoxLayout()
        name_box.setSpacing(2)
        name_box.addWidget(self.name_edit)
        name_box.addWidget(self.name_message)
        form.addRow("Name", name_box)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel("Input (JSON, up to 256 KB)"))
        layout.addWidget(self.input, 1)
        layout.addWidget(self.buttons)
        self.name_edit.textChanged.connect(self._update)
        self.input.validity_changed.connect(self._update)
        self.machine_combo.currentIndexChanged.connect(self._update)
        self.resize(640, 520)
        self._update()

    def state_machine_arn(self) -> str | None:
        return self.machine_combo.currentData()

    def execution_name(self) -> str | None:
        return self.name_edit.text() or None

    def input_text(self) -> str:
        return self.input.text()

    def _update(self, *_args: object) -> None:
        name = self.name_edit.text()
        problem = actions.validate_execution_name(name) if name else None
        hint = actions.execution_name_hint(name)
        set_message(self.name_message, problem or hint or "", ERROR if problem else HINT)
        self.start_button.setEnabled(problem is None and self.input.is_valid() and self.state_machine_arn() is not None)


class StopExecutionDialog(QDialog):
    """Stop running executions with an optional error code and cause; Cancel is the default."""

    def __init__(self, executions: Sequence[Execution], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stop-execution-dialog")
        self.executions = [e for e in executions if e.status == "RUNNING"]
        skipped = len(executions) - len(self.executions)
        count = len(self.executions)
        what = f"execution {html.escape(self.executions[0].name)}" if count == 1 else f"{count} executions"
        self.setWindowTitle("Stop execution?" if count == 1 else "Stop executions?")
        subject = "It ends" if count == 1 else "Each one ends"
        text = (f"<b>Stop {what}</b><br><br>{subject} as <b>ABORTED</b> at once. Work already done is not "
                "undone, a job a task started elsewhere (SageMaker, Batch, …) keeps running, and a task "
                "waiting for its token can no longer be answered.")
        if skipped:
            text += f"<br><br>{skipped} selected execution{'s are' if skipped > 1 else ' is'} not running and will be left alone."
        self.summary = QLabel(text)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setWordWrap(True)
        self.names = QPlainTextEdit("\n".join(e.name for e in self.executions))
        self.names.setReadOnly(True)
        self.names.setMaximumHeight(110)
        self.names.setVisible(count > 1)
        self.error_edit = QLineEdit()
        self.error_edit.setObjectName("stop-error")
        self.error_edit.setMaxLength(actions.MAX_ERROR_LENGTH)
        self.error_edit.setPlaceholderText("Optional, e.g. Operator.Abort")
        self.cause_edit = QPlainTextEdit()
        self.cause_edit.setObjectName("stop-cause")
        self.cause_edit.setPlaceholderText("Optional: why it was stopped (shown with the execution)")
        self.cause_edit.setMaximumHeight(90)
        self.buttons, self.stop_button = dialog_buttons("Stop execution" if count == 1 else f"Stop {count} executions",
                                                  destructive=True)
        self.stop_button.clicked.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.stop_button.setEnabled(count > 0)
        #: "Copy as AWS CLI", added by whoever sends the stops (it knows the requests).
        self.copy_cli: QPushButton | None = None
        form = QFormLayout()
        form.addRow("Error", self.error_edit)
        form.addRow("Cause", self.cause_edit)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.names)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(540)

    def error(self) -> str:
        return self.error_edit.text().strip()

    def cause(self) -> str:
        return self.cause_edit.toPlainText().strip()[: actions.MAX_CAUSE_LENGTH]


class RerunFromStateDialog(QDialog):
    """Says what a re-run will do (helper machine, start state, recorded input) and what differs."""

    def __init__(self, plan: RerunPlan, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plan = plan
        self.setObjectName("rerun-dialog")
        self.setWindowTitle(f"Re-run from {plan.chosen_state}")
        recorded = f" (recorded {format_timestamp(plan.entered_at)})" if plan.entered_at else ""
        e = html.escape  # state and machine names come from the definition: any text
        intro = QLabel(
            f"Starts a <b>new execution</b> of <b>{e(plan.helper_name)}</b>, a copy of "
            f"<b>{e(plan.state_machine_name)}</b> that begins at <b>{e(plan.start_state)}</b>, with the input that "
            f"state received in <b>{e(plan.execution_name)}</b>{recorded}. The original execution is not changed.")
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)
        self.nested_note = QLabel(
            f"<b>{e(plan.chosen_state)}</b> runs inside the {plan.enclosing_type} state <b>{e(plan.start_state)}</b>, "
            f"which cannot be entered midway: the re-run starts at <b>{e(plan.start_state)}</b> and runs all of it "
            "again." if plan.nested else "")
        self.nested_note.setObjectName("nested-note")
        self.nested_note.setTextFormat(Qt.TextFormat.RichText)
        self.nested_note.setWordWrap(True)
        self.nested_note.setStyleSheet(f"color: {text_color(HINT)};")
        self.nested_note.setVisible(plan.nested)
        self.input = JsonEditor(pretty_json(plan.input_text))
        limits = QLabel(
            "Not the same as the original run: <b>$$.Execution</b> (id, name, start time, input) is the new "
            "execution's; variables set with Assign and JSONata values from earlier states are missing; what "
            "earlier states did (writes, messages) is not done again. The helper uses the original's IAM role, "
            "which must allow what the states do, and stays in the account until deleted.")
        limits.setWordWrap(True)
        limits.setTextFormat(Qt.TextFormat.RichText)
        limits.setObjectName("rerun-limits")
        self.buttons, self.start_button = dialog_buttons("Start re-run", destructive=False)
        self.start_button.clicked.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.input.validity_changed.connect(self.start_button.setEnabled)
        self.start_button.setEnabled(self.input.is_valid())
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.nested_note)
        input_label = QLabel(f"Input for {plan.start_state}")
        input_label.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(input_label)
        layout.addWidget(self.input, 1)
        layout.addWidget(limits)
        layout.addWidget(self.buttons)
        self.resize(640, 560)

    def input_text(self) -> str:
        return self.input.text()
