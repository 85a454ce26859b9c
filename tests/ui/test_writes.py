"""The one write path against the sandbox: recorded before it is sent, nothing sent when it cannot be
recorded, conflicts as outcomes, one identity in the audit record, the review item and the status bar."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QWidget

from opsconsole.core.audit import AuditLog
from opsconsole.core.executions import actions as core
from opsconsole.core.executions.listing import describe_execution
from opsconsole.core.lexreview import items as li
from opsconsole.core.lexreview import conversations as lc
from opsconsole.core.lexreview import triage as lr
from opsconsole.core.lexreview.store import to_attrs
from opsconsole.core.writes import ApiCall, Write
from opsconsole.jobs.writes import Conflicted
from opsconsole.ui.context import AppContext
from opsconsole.ui.executions.actions.controller import ExecutionActions
from opsconsole.ui.executions.dialogs.execution import StopExecutionDialog
from support import dialog_of, status_of

ROLE = "arn:aws:iam::123456789012:role/mlops-stepfunctions-execution"
HOLD = {"StartAt": "Hold", "States": {"Hold": {"Type": "Wait", "Seconds": 600, "Next": "Done"},
                                      "Done": {"Type": "Succeed"}}}
TIMEOUT = 20_000
#: What moto's STS answers for the sandbox's keys.
SANDBOX_ARN = "arn:aws:sts::123456789012:user/moto"


@pytest.fixture
def running(sandbox_clients):
    """An execution of a machine of this test's own, waiting ten minutes; stopped and deleted afterwards."""
    sfn = sandbox_clients.client("stepfunctions")
    machine = sfn.create_state_machine(name=f"ui-writes-{uuid.uuid4().hex[:8]}", definition=json.dumps(HOLD),
                                       roleArn=ROLE)["stateMachineArn"]
    arn = core.start_execution(sandbox_clients, machine, "{}")
    yield describe_execution(sandbox_clients, arn)
    if status_of(sandbox_clients, arn) == "RUNNING":
        core.stop_execution(sandbox_clients, arn)
    sfn.delete_state_machine(stateMachineArn=machine)


def unwritable(tmp_path: Path, how: str) -> Path:
    if how == "disk full":
        if not Path("/dev/full").exists():
            pytest.skip("no /dev/full here")
        return Path("/dev/full")  # every write fails with ENOSPC, as on a full disk
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    return blocker / "audit.jsonl"  # its folder is a file: no user can create it, root included


@pytest.mark.parametrize("how", ["disk full", "folder unusable"])
def test_nothing_reaches_aws_when_the_audit_log_cannot_be_written(qtbot, runner, tmp_path, sandbox_connection,
                                                                  sandbox_clients, running, how):
    ctx = AppContext(runner, AuditLog(unwritable(tmp_path, how)))
    ctx.set_connection(sandbox_connection)
    parent = QWidget()
    qtbot.addWidget(parent)
    controller = ExecutionActions(ctx, parent)
    controller.stop([running])
    dialog = dialog_of(qtbot, controller, StopExecutionDialog)
    with qtbot.waitSignal(controller.message, timeout=TIMEOUT) as said:
        qtbot.mouseClick(dialog.stop_button, Qt.MouseButton.LeftButton)
    text, ok = said.args
    assert not ok and "The audit log cannot be written (" in text and "nothing was sent to AWS" in text
    assert ("No space left on device" if how == "disk full" else "Not a directory") in text
    assert status_of(sandbox_clients, running.arn) == "RUNNING"  # the stop never left the console


def test_the_attempt_is_on_disk_before_the_call_and_paired_with_its_result(qtbot, ctx, clients, running):
    seen_at_call: list[list] = []

    def stop(c):
        # What the file holds at the moment of the call: the attempt, already written.
        seen_at_call.append([(r.action, r.result) for r in ctx.audit.lines()])
        return ApiCall("stepfunctions", "StopExecution", {"executionArn": running.arn}).send(c)

    write = Write("Stop execution", running.arn, "stepfunctions", "StopExecution", run=stop, destructive=True)
    with pytest.raises(ValueError, match="needs the user's confirmation"):
        ctx.writes.submit(write)
    job = ctx.writes.submit(write, confirmed=True)
    with qtbot.waitSignal(job.done, timeout=TIMEOUT):
        pass
    assert seen_at_call == [[("Stop execution", "attempted")]]
    attempt, result = ctx.audit.lines()
    assert attempt.id == result.id and len(attempt.id) >= 16
    assert (attempt.result, result.result, result.started) == ("attempted", "ok", attempt.time)
    assert attempt.principal == result.principal == SANDBOX_ARN and attempt.confirmed
    assert attempt.user == "moto"  # no display name set: the principal's own name, asked of AWS first
    assert (attempt.connection, attempt.region, attempt.endpoint_url) == (
        "sandbox", clients.connection.region, clients.connection.endpoint_url)
    assert status_of(clients, running.arn) == "ABORTED"
    assert [(r.action, r.result) for r in ctx.audit.read()] == [("Stop execution", "ok")]  # one row per write


def test_aws_errors_are_recorded_and_never_replaced_by_an_audit_problem(qtbot, ctx, clients, tmp_path, running):
    gone = running.arn + "-no-such-run"
    write = Write.api("Stop execution", gone, ApiCall("stepfunctions", "StopExecution", {"executionArn": gone}))
    # The result line cannot be written (the disk filled up during the call)...
    real_finish = ctx.audit.finish

    def finish_fails(attempt, result, error=""):
        raise OSError(28, "No space left on device")

    ctx.audit.finish = finish_fails
    job = ctx.writes.submit(write)
    with qtbot.waitSignal(job.failed, timeout=TIMEOUT) as failed:
        pass
    ctx.audit.finish = real_finish
    # ...and still the user hears what AWS said, not the disk's problem.
    assert failed.args[0].kind.value == "not-found" and "ExecutionDoesNotExist" in failed.args[0].code
    [attempt] = ctx.audit.lines()
    assert attempt.result == "attempted"  # on disk: sent, outcome not recorded


def test_a_conflict_is_an_outcome_audited_as_such(qtbot, ctx, clients, sandbox):
    from opsconsole.ui.lexreview.actions import ReviewActions
    from opsconsole.ui.lexreview.session import ReviewSession

    lex = sandbox.scenario.lex
    row = {"contact_id": f"test-ui-writes-{uuid.uuid4()}", "bot_id": lex["bot_id"], "bot_name": lex["bot_name"],
           "locale_id": "en_US", "agent": "amy.kb", "channel": "chat", "started_at": "2026-01-05T10:00:00+00:00",
           "turns": [{"index": 0, "speaker": "customer", "text": "hello?", "missed": True}],
           "triage_status": "NEW", "missed_count": 1}
    ddb = clients.client("dynamodb")
    ddb.put_item(TableName=lex["tables"]["conversations"], Item=to_attrs(row))
    try:
        conv = lc.get_conversation(clients, row["contact_id"])
        lr.mark_nothing_to_learn(clients, conv, "ana.other")  # another console got there first
        owner = QWidget()
        qtbot.addWidget(owner)
        actions = ReviewActions(ReviewSession(ctx, owner))
        failures: list = []
        actions.write_failed.connect(lambda *args: failures.append(args))
        with qtbot.waitSignal(actions.conversation_conflict, timeout=TIMEOUT) as conflicted:
            job = actions.mark_triaged(conv, lc.TRIAGE_NOTHING)
        assert not actions.busy and failures == [] and job.error is None
        message = conflicted.args[1].message
        assert message.startswith("Already marked nothing to learn by ana.other at ")
        record = ctx.audit.read()[-1]
        assert (record.action, record.result, record.error) == ("Mark conversation triaged", "conflict", message)
    finally:
        ddb.delete_item(TableName=lex["tables"]["conversations"], Key=to_attrs({"contact_id": row["contact_id"]}))


def test_conflicted_is_delivered_by_done(qtbot, ctx, clients):
    def refused(_clients):
        raise lr.Conflict("Changed by Ana at 10:42 — your edit was not applied")

    job = ctx.writes.submit(Write("Edit review item", "1 review item(s)", "dynamodb", "UpdateItem", run=refused))
    with qtbot.waitSignal(job.done, timeout=TIMEOUT) as done:
        pass
    assert isinstance(done.args[0], Conflicted) and done.args[0].message.startswith("Changed by Ana at 10:42")
    assert ctx.audit.read()[-1].result == "conflict"


def test_one_identity_in_the_status_bar_the_review_item_and_the_audit_record(qtbot, ctx, clients, sandbox):
    from opsconsole.ui.lexreview.actions import ReviewActions
    from opsconsole.ui.lexreview.session import ReviewSession
    from opsconsole.ui.shell.main_window import MainWindow
    from opsconsole.ui.shell.statusbar import DisplayNameDialog

    window = MainWindow(ctx, areas=())
    qtbot.addWidget(window)
    ctx.set_connection(ctx.connection)  # as at start: the window asks AWS who we are
    # Before a display name is set: the principal's own name, from AWS.
    qtbot.waitUntil(lambda: window.identity_button.text() == "moto", timeout=TIMEOUT)
    assert SANDBOX_ARN in window.identity_button.toolTip()

    window.identity_button.edit_name()
    dialog = window.identity_button.dialog
    assert isinstance(dialog, DisplayNameDialog) and dialog.edit.placeholderText() == "moto"
    dialog.edit.setText("Ana  Lópes ")  # (QTest types ASCII only)
    with qtbot.waitSignal(ctx.identity_changed, timeout=TIMEOUT):
        qtbot.keyClick(dialog.edit, Qt.Key.Key_Return)
    assert window.identity_button.text() == "Ana Lópes (moto)"  # the name chosen, beside the principal's
    assert QSettings().value("identity/display_name") == "Ana Lópes"

    lex = sandbox.scenario.lex
    item = lr.new_item(lr.Phrase("ops identity phrase", "CheckBalance"), bot_id=lex["bot_id"],
                       bot_name=lex["bot_name"], locale_id="en_US", by="amy.kb")
    clients.client("dynamodb").put_item(TableName=lex["tables"]["review_items"], Item=to_attrs(item.to_record()))
    owner = QWidget()
    qtbot.addWidget(owner)
    actions = ReviewActions(ReviewSession(ctx, owner))
    with qtbot.waitSignal(actions.items_changed, timeout=TIMEOUT) as changed:
        actions.approve([item])
    # What others read names the principal AWS vouches for, not the free-text name anyone could type.
    assert [i.updated_by for i in changed.args[0].updated] == ["moto"]
    assert li.get_review_item(clients, item.item_id).updated_by == "moto"
    record = ctx.audit.read()[-1]  # the audit record carries both
    assert (record.user, record.principal, record.result) == ("Ana Lópes", SANDBOX_ARN, "ok")
    window.close()


def test_the_old_review_name_setting_becomes_the_display_name(runner, tmp_path):
    QSettings().setValue("review/user", "dana.ops")
    ctx = AppContext(runner, AuditLog(tmp_path / "audit.jsonl"))  # a console started after an upgrade
    assert ctx.who.name == "dana.ops"
    assert QSettings().value("identity/display_name") == "dana.ops" and QSettings().value("review/user") is None


def test_quitting_with_a_write_in_flight_records_it_as_abandoned_within_a_bound(qtbot, ctx, runner, caplog):
    import threading
    import time

    from opsconsole.jobs.writes import perform

    release = threading.Event()
    write = Write("Deploy bot locale", "Bot · en_US", "lexv2-models", "BuildBotLocale",
                  run=lambda _c: release.wait(30))
    runner.submit(perform, write, None, ctx.audit, ctx.identity, None, False, name="Deploy bot locale", write=True)
    qtbot.waitUntil(lambda: any(r.result == "attempted" for r in ctx.audit.lines()), timeout=5000)
    started = time.monotonic()
    try:
        with caplog.at_level("WARNING"):
            assert ctx.shutdown(300) is False
        assert time.monotonic() - started < 2.0
        results = [r.result for r in ctx.audit.lines()]
        assert results == ["attempted", "abandoned"]
        assert "quit before AWS answered" in ctx.audit.lines()[-1].error
        assert "Deploy bot locale" in caplog.text and "abandoned" in caplog.text
    finally:
        release.set()
