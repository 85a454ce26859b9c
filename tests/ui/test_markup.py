"""Text from AWS, a peer's record or a customer is shown as it is: markup in it is never rendered.

Each case puts the same hostile string through one place the console shows such text and reads back
what a person would see there (the label's text as displayed: plain, or the rendered rich text).
"""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QLabel, QTextEdit, QWidget

MARKUP = '<img src="file:///etc/passwd"><b>Security review passed</b>'
WHEN = dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.timezone.utc)


def shown(label: QLabel) -> str:
    """What the label displays, as text."""
    text = label.text()
    rich = label.textFormat() == Qt.TextFormat.RichText or (
        label.textFormat() == Qt.TextFormat.AutoText and Qt.mightBeRichText(text))
    if not rich:
        return text
    doc = QTextDocument()
    doc.setHtml(text)
    return doc.toPlainText()


def labels_of(widget: QWidget) -> list[QLabel]:
    return widget.findChildren(QLabel)


def assert_literal(widget: QWidget) -> None:
    edits = widget.findChildren(QTextEdit)  # (read-only text boxes that wrap, e.g. a failure's cause)
    texts = [shown(label) for label in labels_of(widget)] + [e.toPlainText() for e in edits]
    assert any(MARKUP in t for t in texts), texts
    for edit in edits:
        if MARKUP in edit.toPlainText():  # shown as typed: the document holds the characters, not an image
            assert "<img" not in edit.toHtml() and not edit.acceptRichText()
    # And nothing was turned into an image or bold text the data did not ask for.
    for label in labels_of(widget):
        if MARKUP in label.text() and label.textFormat() != Qt.TextFormat.PlainText:
            assert not Qt.mightBeRichText(label.text()) or "&lt;img" in label.text()


def approval_requested_by(qtbot):
    from opsconsole.core.executions.actions.approval import ApprovalRequest, WaitingTask
    from opsconsole.ui.executions.dialogs.approval import ApprovalDialog

    task = WaitingTask("arn:aws:states:eu-west-1:1:execution:m:e", "Approve", "arn:aws:states:::sqs:sendMessage."
                       "waitForTaskToken", "tok")
    body = {"requestedBy": MARKUP, "type": "promote", "country": "DE"}
    return ApprovalDialog(task, ApprovalRequest("m", "r", "{}", body, "tok", task.execution_arn))


def approval_country(qtbot):
    from opsconsole.core.executions.actions.approval import ApprovalRequest, WaitingTask
    from opsconsole.ui.executions.dialogs.approval import ApprovalDialog

    task = WaitingTask("arn:aws:states:eu-west-1:1:execution:m:e", "Approve", "r", "tok")
    return ApprovalDialog(task, ApprovalRequest("m", "r", "{}", {"country": MARKUP}, "tok", task.execution_arn))


def approval_type(qtbot):
    from opsconsole.core.executions.actions.approval import ApprovalRequest, WaitingTask
    from opsconsole.ui.executions.dialogs.approval import ApprovalDialog

    task = WaitingTask("arn:aws:states:eu-west-1:1:execution:m:e", "Approve", "r", "tok")
    return ApprovalDialog(task, ApprovalRequest("m", "r", "{}", {"type": MARKUP}, "tok", task.execution_arn))


def approval_model_name(qtbot):
    from opsconsole.core.executions.actions.approval import ApprovalRequest, WaitingTask
    from opsconsole.ui.executions.dialogs.approval import ApprovalDialog

    task = WaitingTask("arn:aws:states:eu-west-1:1:execution:m:e", "Approve", "r", "tok")
    body = {"candidate": {"modelName": MARKUP, "macroF1": 0.9}, "current": {"modelName": "m1", "macroF1": 0.8}}
    return ApprovalDialog(task, ApprovalRequest("m", "r", "{}", body, "tok", task.execution_arn))


def step_error_cause(qtbot):
    from opsconsole.core.executions.history.runs import StateRun
    from opsconsole.ui.executions.step_details import StepDetails

    details = StepDetails(open_links=False)
    details.show_run(StateRun(state="Train", type="Task", entered=WHEN, exited=WHEN, status="failed",
                              error="States.TaskFailed", cause=MARKUP))
    return details


def step_error_name(qtbot):
    from opsconsole.core.executions.history.runs import StateRun
    from opsconsole.ui.executions.step_details import StepDetails

    details = StepDetails(open_links=False)
    details.show_run(StateRun(state=MARKUP, type="Task", entered=WHEN, exited=WHEN, status="failed",
                              error=MARKUP, cause="c", resource=MARKUP))
    return details


def error_bar(qtbot):
    from opsconsole.core.errors import ErrorKind, UserError
    from opsconsole.ui.widgets.message_bar import MessageBar

    bar = MessageBar()
    bar.show_error(UserError(ErrorKind.UNEXPECTED, "AWS error", MARKUP, "X"))
    return bar


def error_bar_title(qtbot):
    from opsconsole.ui.widgets.message_bar import MessageBar, Severity

    bar = MessageBar()
    bar.show_message(f"Failed in state {MARKUP}: E", "cause", Severity.ERROR)
    return bar


def review_conflict(qtbot):
    from opsconsole.core.writes import Conflict
    from opsconsole.ui.widgets.message_bar import MessageBar, Severity

    bar = MessageBar()  # what the review views show for a conflict (the customer's utterance in it)
    bar.show_message("Not applied", Conflict(f"'{MARKUP}' no longer exists — your approval was not applied").message,
                     Severity.WARNING)
    return bar


def offline_banner(qtbot):
    from opsconsole.core.errors import ErrorKind, UserError
    from opsconsole.ui.shell.main_window import OfflineBanner

    banner = OfflineBanner()
    banner.show_error(UserError(ErrorKind.UNREACHABLE, "Offline", f"Cannot reach {MARKUP}", "X"))
    return banner


def _deployment(**kw):
    from opsconsole.core.lexreview.deploy.record import Deployment

    return Deployment("d1", "B1", "Bank", "en_US", "ana", WHEN, **kw)


def deployment_notes(qtbot):
    from opsconsole.ui.lexreview.ops.deploy_dialog import DeployDialog

    dialog = DeployDialog("Deploying into Bank")
    dialog._on_done(_deployment(status="SUCCEEDED", version="3", notes=[MARKUP]))
    return dialog


def deployment_lock_holder(qtbot):
    from opsconsole.ui.lexreview.ops.deploy_dialog import DeployDialog

    dialog = DeployDialog("Deploying into Bank")
    dialog._on_done(_deployment(status="BLOCKED", notes=[f"Another deployment by {MARKUP} holds the lock"]))
    return dialog


def deployment_failure(qtbot):
    from opsconsole.ui.lexreview.ops.deploy_dialog import DeployDialog

    dialog = DeployDialog("Deploying into Bank")
    dialog._on_done(_deployment(status="FAILED", failure_reasons=[MARKUP]))
    return dialog


def deployment_details(qtbot):
    from opsconsole.core.errors import ErrorKind, UserError
    from opsconsole.ui.lexreview.ops.deploy_dialog import DeployDialog

    dialog = DeployDialog(f"Deploying into {MARKUP}")
    dialog._on_failed(UserError(ErrorKind.UNEXPECTED, "AWS error", MARKUP, "X"))
    return dialog


def reject_confirmation(qtbot):
    from opsconsole.ui.confirm import ConfirmDialog

    return ConfirmDialog("Reject", f"{MARKUP} of execution e", "The task fails.", details=MARKUP)


def rerun_dialog(qtbot):
    from opsconsole.core.executions.actions.rerun import RerunPlan
    from opsconsole.ui.executions.dialogs.execution import RerunFromStateDialog

    plan = RerunPlan("arn:e", "e", "arn:m", "m", "arn:role", MARKUP, MARKUP, None, "{}", WHEN, "helper", "arn:h", {})
    return RerunFromStateDialog(plan)


def intent_choice(qtbot):
    from opsconsole.ui.lexreview.agent.intent_picker import IntentPicker

    picker = IntentPicker()
    picker.choose(MARKUP)
    return picker


PLACES = [approval_requested_by, approval_country, approval_type, approval_model_name, step_error_cause,
          step_error_name, error_bar, error_bar_title, review_conflict, offline_banner, deployment_notes,
          deployment_lock_holder, deployment_failure, deployment_details, reject_confirmation, rerun_dialog,
          intent_choice]


@pytest.mark.parametrize("place", PLACES, ids=[p.__name__ for p in PLACES])
def test_markup_from_aws_is_shown_literally(qtbot, place):
    widget = place(qtbot)
    qtbot.addWidget(widget)
    assert_literal(widget)


def test_connection_state_reads_as_words_with_its_coloured_dot_beside_it(qtbot):
    """The state is plain text (it can carry an endpoint's words); the dot is the colour, not markup."""
    from opsconsole.ui.shell.statusbar import ConnectionLabel

    label = ConnectionLabel()
    qtbot.addWidget(label)
    label.show()
    label.set_state("connected", ok=True)
    assert label.state.text() == "connected"
    assert label.dot.isVisible()
    label.set_state("checking…")
    assert not label.dot.isVisible()
