"""The dead-letter queues page against the sandbox, on a DLQ of its own: peek (audited, nothing
removed), redrive after confirmation with the CLI shown and counts before and after, cancel refused when
not running, delete chosen after confirmation, export owner-only, and a message's execution opened."""

from __future__ import annotations

import json
import stat
import uuid

import pytest

from opsconsole.core.alerts import dlq as core
from opsconsole.ui.alerts.dlq import DeadLetterView, MessageColumn, QueueColumn

TIMEOUT = 20_000
ACCOUNT = "123456789012"


@pytest.fixture
def pair(clients):
    sqs = clients.client("sqs")
    tag = uuid.uuid4().hex[:8]
    dlq_name = f"ui-dlq-{tag}"
    dlq_url = sqs.create_queue(QueueName=dlq_name)["QueueUrl"]
    src_url = sqs.create_queue(QueueName=f"ui-src-{tag}", Attributes={"RedrivePolicy": json.dumps(
        {"deadLetterTargetArn": f"arn:aws:sqs:eu-west-1:{ACCOUNT}:{dlq_name}", "maxReceiveCount": 3})})["QueueUrl"]
    yield src_url, dlq_url
    for url in (src_url, dlq_url):
        sqs.delete_queue(QueueUrl=url)


@pytest.fixture
def view(qtbot, ctx, clients):
    v = DeadLetterView(ctx)
    qtbot.addWidget(v)
    v.resize(1100, 760)
    return v


def fill(clients, url, bodies):
    sqs = clients.client("sqs")
    return [sqs.send_message(QueueUrl=url, MessageBody=b)["MessageId"] for b in bodies]


def count(clients, url) -> int:
    return core.queue_counts(clients, [url])[url]


def select_queue(qtbot, view, url):
    view.load()
    qtbot.waitUntil(lambda: any(q.url == url for q in view.queues.all_rows()), timeout=TIMEOUT)
    row = next(i for i, q in enumerate(view.queues.all_rows()) if q.url == url)
    view.queue_table.selectRow(row)
    return view.selected_queue()


def peeked(qtbot, view, n):
    view.peek()
    qtbot.waitUntil(lambda: view.messages.rowCount() == n, timeout=TIMEOUT)


def test_the_queue_row_and_a_peek_that_removes_nothing(qtbot, view, ctx, clients, pair):
    src, dlq_url = pair
    fill(clients, dlq_url, [json.dumps({"n": i}) for i in range(4)])
    queue = select_queue(qtbot, view, dlq_url)
    row = view.queues.all_rows().index(queue)
    assert view.queues.index(row, QueueColumn.MESSAGES).data() == "4"
    assert view.queues.index(row, QueueColumn.SOURCES).data() == src.rsplit("/", 1)[-1]
    assert "receive count goes up by one" in view.note.text()
    peeked(qtbot, view, 4)
    assert count(clients, dlq_url) == 4
    assert {view.messages.index(r, MessageColumn.RECEIVES).data() for r in range(4)} == {"1"}
    assert [(r.action, r.result) for r in ctx.audit.read()] == [("Peek at messages", "ok")]
    # a peek's messages can be read again at once
    assert len(core.peek(clients, dlq_url)) == 4


def test_redrive_is_confirmed_with_its_cli_and_shows_counts_before_and_after(qtbot, view, ctx, clients, pair):
    src, dlq_url = pair
    fill(clients, dlq_url, ["a", "b", "c", "d", "e"])
    select_queue(qtbot, view, dlq_url)
    assert view.redrive_button.isEnabled() and not view.cancel_button.isEnabled()
    view.redrive(view.selected_queue(), None, 50)
    dialog = view.confirm_dialog
    assert "aws sqs start-message-move-task" in dialog.cli_command()
    assert "--max-number-of-messages-per-second 50" in dialog.cli_command()
    dialog.reject()
    assert count(clients, dlq_url) == 5  # nothing without consent
    view.redrive(view.selected_queue(), None, 50)
    view.confirm_dialog.accept()
    qtbot.waitUntil(lambda: "Before and after" in view.move_label.text(), timeout=TIMEOUT)
    text = view.move_label.text()
    assert "5 moved" in text and f"{dlq_url.rsplit('/', 1)[-1]} 5 → 0" in text
    assert f"{src.rsplit('/', 1)[-1]} 0 → 5" in text and "nothing lost" in text
    assert (count(clients, dlq_url), count(clients, src)) == (0, 5)
    assert ("Redrive messages", "ok") in [(r.action, r.result) for r in ctx.audit.read()]


def test_cancel_is_refused_when_the_move_is_not_running(qtbot, view, clients, pair):
    _, dlq_url = pair
    fill(clients, dlq_url, ["a"])
    queue = select_queue(qtbot, view, dlq_url)
    core.redrive_write(queue).run(clients)
    view.poll_moves()
    qtbot.waitUntil(lambda: view.task is not None and view.task.status == "COMPLETED", timeout=TIMEOUT)
    assert not view.cancel_button.isEnabled()
    view.confirm_dialog = None
    view.ask_cancel()
    assert view.confirm_dialog is None
    assert view.message_bar.isVisibleTo(view) and "Only a running move" in view.message_bar.text_label.text()


def test_cancel_while_running_says_it_does_not_undo(qtbot, view, ctx, clients, pair):
    _, dlq_url = pair
    fill(clients, dlq_url, [str(i) for i in range(8)])
    queue = select_queue(qtbot, view, dlq_url)
    core.redrive_write(queue, rate=1).run(clients)
    view.poll_moves()
    qtbot.waitUntil(lambda: view.task is not None and view.task.status == "RUNNING", timeout=TIMEOUT)
    assert view.cancel_button.isEnabled() and not view.redrive_button.isEnabled()
    view.ask_cancel()
    assert "does not undo" in view.confirm_dialog.findChild(type(view.note)).text()
    assert "aws sqs cancel-message-move-task" in view.confirm_dialog.cli_command()
    view.confirm_dialog.accept()
    qtbot.waitUntil(lambda: view.task is not None and view.task.status == "CANCELLED", timeout=TIMEOUT)
    assert ("Cancel redrive", "ok") in [(r.action, r.result) for r in ctx.audit.read()]
    assert count(clients, dlq_url) == 8 - view.task.moved


def test_deleting_chosen_messages_after_confirmation_and_exporting(qtbot, view, ctx, clients, pair, tmp_path):
    _, dlq_url = pair
    ids = fill(clients, dlq_url, ['{"n": 1}', '{"n": 2}', '{"n": 3}'])
    select_queue(qtbot, view, dlq_url)
    peeked(qtbot, view, 3)
    path = tmp_path / "dlq.json"
    assert view.export_to(str(path)) == 1  # the selected one (the first row)
    view.message_table.selectAll()
    assert view.export_to(str(path)) == 3
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(m["MessageId"] for m in json.loads(path.read_text())["messages"]) == sorted(ids)

    view.message_table.clearSelection()
    view.message_table.selectRow(0)
    doomed = view.chosen()[0].message_id
    view.ask_delete()
    assert doomed in view.confirm_dialog.findChild(__import__("PySide6.QtWidgets").QtWidgets.QPlainTextEdit).toPlainText()
    view.confirm_dialog.reject()
    assert count(clients, dlq_url) == 3
    view.ask_delete()
    view.confirm_dialog.accept()
    qtbot.waitUntil(lambda: view.messages.rowCount() == 2, timeout=TIMEOUT)
    assert count(clients, dlq_url) == 2
    assert doomed not in {m.message_id for m in core.peek(clients, dlq_url)}
    assert ("Delete messages", "ok") in [(r.action, r.result) for r in ctx.audit.read()]


def test_a_message_naming_an_execution_opens_it(qtbot, view, clients, pair):
    _, dlq_url = pair
    sfn = clients.client("stepfunctions")
    machine = next(m for m in sfn.list_state_machines()["stateMachines"] if m["name"] == "mlops-training")
    execution = sfn.list_executions(stateMachineArn=machine["stateMachineArn"], statusFilter="FAILED",
                                    maxResults=1)["executions"][0]
    fill(clients, dlq_url, [json.dumps({"requestId": "r-1", "executionArn": execution["executionArn"]}), "plain"])
    select_queue(qtbot, view, dlq_url)
    peeked(qtbot, view, 2)
    named = next(i for i, m in enumerate(view.messages.all_rows()) if m.execution_arns)
    view.message_table.selectRow(1 - named)
    assert not view.execution_button.isEnabled()
    view.message_table.selectRow(named)
    assert view.execution_button.isEnabled()
    assert view.messages.index(named, MessageColumn.EXECUTION).data() == execution["name"]
    with qtbot.waitSignal(view.open_execution, timeout=TIMEOUT) as opened:
        view.execution_button.click()
    assert opened.args[0].arn == execution["executionArn"] and opened.args[0].status == "FAILED"


def test_closing_the_page_cancels_its_jobs(qtbot, view):
    view.show()
    view.load()
    jobs = list(view._jobs.values())
    assert jobs
    view.close()
    assert not any(j.active for j in jobs)


def test_the_redrive_dialog_offers_the_source_or_another_queue_and_a_rate(qtbot, view, clients, pair):
    src, dlq_url = pair
    fill(clients, dlq_url, ["a", "b"])
    queue = select_queue(qtbot, view, dlq_url)
    qtbot.waitUntil(lambda: "destinations" not in view._jobs, timeout=TIMEOUT)
    view.ask_redrive()
    dialog = view.redrive_dialog
    assert dialog.isVisible() and dialog.choice() == (None, None)  # back to the source, SQS's rate
    names = [dialog.destination.itemText(i) for i in range(dialog.destination.count())]
    assert names[0].startswith("Back to the source queue") and src.rsplit("/", 1)[-1] in names
    assert dlq_url.rsplit("/", 1)[-1] not in names[1:]  # not into itself
    dialog.destination.setCurrentIndex(names.index(src.rsplit("/", 1)[-1]))
    dialog.rate.setValue(20)
    dialog.accept()
    cli = view.confirm_dialog.cli_command()
    assert f"--destination-arn {queue.sources[0]}" in cli and "--max-number-of-messages-per-second 20" in cli
    view.confirm_dialog.reject()
    assert count(clients, dlq_url) == 2
