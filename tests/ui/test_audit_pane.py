"""The audit pane: one row per write, older records still readable, a recorded request as an AWS CLI line."""

from __future__ import annotations

import json
import shlex

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from opsconsole.core.audit import AuditLog
from opsconsole.core.aws import Connection
from opsconsole.core.identity import Identity
from opsconsole.core.writes import ApiCall, Write
from opsconsole.ui.shell.panes import AuditPane, cli_for

OLD = {"time": "2025-06-01T10:42:00+00:00", "user": "ana", "connection": "prod", "action": "Stop execution",
       "target": "arn:aws:states:eu-west-1:1:execution:m:old", "result": "ok", "details": {"error": "E"},
       "error": ""}


def test_old_records_load_and_a_write_is_one_row_from_attempt_to_result(qtbot, tmp_path):
    path = tmp_path / "audit.jsonl"
    path.write_text(json.dumps(OLD) + "\n", encoding="utf-8")  # written before the write-ahead records
    audit = AuditLog(path)
    pane = AuditPane(audit)
    qtbot.addWidget(pane)
    assert pane.model.rowCount() == 1 and pane.model.index(0, 1).data() == "ana"
    assert pane.model.index(0, 5).data() == "ok"

    token = "AAAAKgAAAAIAAAAAsecret-task-token=="
    write = Write.api("Approve manual step", "arn:aws:states:eu-west-1:1:execution:m:new",
                      ApiCall("stepfunctions", "SendTaskSuccess", {"taskToken": token, "output": '{"ok": true}'}),
                      who=Identity(arn="arn:aws:sts::1:assumed-role/Ops/ana", display_name="Ana"))
    attempt = audit.attempted(write, connection=Connection(profile="ml-prod", region="eu-west-1"))
    assert pane.model.rowCount() == 2 and pane.model.index(0, 5).data() == "attempted, no result yet"
    audit.finish(attempt, "ok")
    assert pane.model.rowCount() == 2 and pane.model.index(0, 5).data() == "ok"
    assert pane.model.index(0, 1).data() == "Ana"
    assert "arn:aws:sts::1:assumed-role/Ops/ana" in pane.model.index(0, 1).data(3)  # tooltip: the principal

    # The old record was not one known request: nothing to copy.
    pane.table.selectRow(1)
    assert not pane.copy_cli.isEnabled() and not pane.copy_action.isEnabled()
    pane.table.selectRow(0)
    assert pane.copy_cli.isEnabled()
    text = pane.copy_selected()
    assert QGuiApplication.clipboard().text() == text and token not in text and token not in path.read_text()
    command = shlex.split(text, comments=True)
    assert command[:5] == ["aws", "stepfunctions", "send-task-success", "--task-token", "***"]
    assert command[-4:] == ["--profile", "ml-prod", "--region", "eu-west-1"]
    # A fresh pane (the next start) shows the same: one row per write, oldest last.
    again = AuditPane(AuditLog(path))
    qtbot.addWidget(again)
    assert [r.action for r in again.model.records] == ["Approve manual step", "Stop execution"]


def test_an_attempt_without_a_result_stays_visible_as_such(qtbot, tmp_path):
    audit = AuditLog(tmp_path / "audit.jsonl")
    audit.attempted(Write("Deploy bot locale", "Bot · en_US", "lexv2-models", "BuildBotLocale",
                          run=lambda _c: None), connection=None)
    later = AuditLog(tmp_path / "audit.jsonl")  # the console stopped during the call; opened again
    [record] = later.read()
    assert record.result == "attempted" and cli_for(record) == ""


def test_the_pane_shows_whether_the_chain_holds(qtbot, tmp_path):
    path = tmp_path / "audit.jsonl"
    path.write_text(json.dumps(OLD) + "\n", encoding="utf-8")
    audit = AuditLog(path)
    for i in range(3):
        audit.finish(audit.attempted(Write(f"Stop {i}", f"t{i}", "stepfunctions", "StopExecution",
                                           run=lambda _c: None), connection=None), "ok")
    pane = AuditPane(AuditLog(path))
    qtbot.addWidget(pane)
    assert "intact" in pane.chain.text() and "6 records" in pane.chain.text() and "1 older" in pane.chain.text()
    pane.audit.finish(pane.audit.attempted(Write("Stop 3", "t3", "stepfunctions", "StopExecution",
                                                 run=lambda _c: None), connection=None), "ok")
    qtbot.waitUntil(lambda: "8 records" in pane.chain.text(), timeout=2000)
    lines = path.read_text().splitlines()
    lines[2] = lines[2].replace('"Stop 0"', '"Stop 9"')
    path.write_text("\n".join(lines) + "\n")
    tampered = AuditPane(AuditLog(path))
    qtbot.addWidget(tampered)
    assert "line 3" in tampered.chain.text() and "changed" in tampered.chain.text()
    assert tampered.chain.textFormat() == Qt.TextFormat.PlainText
    # Re-checked on demand, e.g. after the file was put back.
    path.write_text("\n".join(lines[:2]) + "\n")
    tampered.verify()
    assert "intact" in tampered.chain.text()
