"""Destructive actions ask first; Cancel is the default; the riskiest need the name typed."""

from __future__ import annotations

import shlex

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QTextDocument
from PySide6.QtWidgets import QDialogButtonBox, QLabel

from opsconsole.core.aws import Connection
from opsconsole.core.writes import ApiCall, Write
from opsconsole.ui.confirm import ConfirmDialog

ARN = "arn:aws:states:eu-west-1:123456789012:execution:train-DE:2026-11-01"


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


def test_copy_as_aws_cli_puts_the_exact_command_on_the_clipboard(qtbot):
    write = Write.api("Stop execution", ARN, ApiCall("stepfunctions", "StopExecution",
                                                     {"executionArn": ARN, "cause": "wrong data, rerun"}),
                      destructive=True)
    d = ConfirmDialog("Stop execution", "train-DE", "The run ends as ABORTED.", write=write,
                      connection=Connection(profile="ml-prod", region="eu-west-1"))
    qtbot.addWidget(d)
    d.show()
    assert d.copy_cli.isEnabled() and not d.copy_cli.isDefault()
    qtbot.mouseClick(d.copy_cli, Qt.MouseButton.LeftButton)
    assert shlex.split(QGuiApplication.clipboard().text()) == [
        "aws", "stepfunctions", "stop-execution", "--execution-arn", ARN, "--cause", "wrong data, rerun",
        "--profile", "ml-prod", "--region", "eu-west-1"]
    assert d.isVisible() and d.result() == 0  # copying is not an answer
    assert d.buttons.button(QDialogButtonBox.StandardButton.Cancel).isDefault()


def test_a_write_of_several_calls_says_why_there_is_no_command(qtbot):
    write = Write("Deploy bot locale", "BankingHelpDesk · en_US", "lexv2-models", "BuildBotLocale",
                  run=lambda _clients: None, destructive=True, no_cli="A deployment is many calls decided on the way.")
    d = ConfirmDialog("Deploy", "3 phrases", "The live alias moves.", write=write)
    qtbot.addWidget(d)
    assert not d.copy_cli.isEnabled() and d.copy_cli.toolTip() == "A deployment is many calls decided on the way."
    assert d.cli_command() == ""


def test_a_resource_name_with_markup_is_shown_as_text(qtbot):
    """Names come from AWS and other people's records: a name that looks like markup must read as itself."""
    name = '<img src="x"><b>Security review passed</b>'
    dialog = ConfirmDialog("Stop", f"execution {name}", "The run ends.", type_to_confirm=name)
    qtbot.addWidget(dialog)
    labels = [label for label in dialog.findChildren(QLabel) if "Security review" in label.text()]
    assert len(labels) == 2
    for label in labels:
        doc = QTextDocument()
        doc.setHtml(label.text())
        assert name in doc.toPlainText(), "the name is shown as typed, tags and all"
