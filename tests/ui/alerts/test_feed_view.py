"""The feed page against the sandbox: state changes newest first without reading the shared inbox,
the own subscription only after confirmation (audited, CLI shown), notifications then appear, and the
undo removes it."""

from __future__ import annotations

import json

import pytest

from opsconsole.core.alerts import feed as core
from opsconsole.ui.alerts.feed import Column, FeedView

TIMEOUT = 20_000
TOPIC = "arn:aws:sns:eu-west-1:123456789012:mlops-alerts"


@pytest.fixture
def view(qtbot, ctx, clients):
    v = FeedView(ctx)
    qtbot.addWidget(v)
    v.resize(1100, 700)
    return v


def loaded(qtbot, view):
    view.load()
    qtbot.waitUntil(lambda: view.subscription is not None and view.model.rowCount() > 0 and not view._jobs,
                    timeout=TIMEOUT)


def inbox(clients):
    sqs = clients.client("sqs")
    url = sqs.get_queue_url(QueueName="mlops-notifications-inbox")["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return attrs["ApproximateNumberOfMessages"], attrs["ApproximateNumberOfMessagesNotVisible"]


def test_state_changes_newest_first_and_the_shared_inbox_is_left_alone(qtbot, view, clients):
    before = inbox(clients)
    loaded(qtbot, view)
    stamps = [e.at for e in view.model.all_rows()]
    assert stamps == sorted(stamps, reverse=True)
    assert {view.model.index(r, Column.KIND).data() for r in range(view.model.rowCount())} == {core.STATE_CHANGE}
    how = view.how.text()
    assert "mlops-notifications-inbox" in how and "does not read it" in how
    assert view.subscribe_button.isVisibleTo(view) and not view.unsubscribe_button.isVisibleTo(view)
    assert inbox(clients) == before  # nothing received from it, nothing hidden


def test_subscribing_needs_consent_is_audited_and_brings_notifications_then_undo(qtbot, view, ctx, clients):
    loaded(qtbot, view)
    view.ask_subscribe()
    dialog = view.confirm_dialog
    assert dialog is not None and dialog.isVisible()
    cli = dialog.cli_command()
    assert "aws sqs create-queue" in cli and cli.count("aws sns subscribe") == len(view.subscription.topics)
    assert "RawMessageDelivery" in cli
    dialog.reject()
    assert core.subscription(clients, view.queue_name).queue_url is None  # nothing without consent

    view.ask_subscribe()
    view.confirm_dialog.accept()
    qtbot.waitUntil(lambda: (view.subscription is not None and view.subscription.subscribed) or view.message_bar.isVisibleTo(view), timeout=TIMEOUT)
    assert not view.message_bar.isVisibleTo(view), view.message_bar.text_label.text()
    assert [(r.action, r.result) for r in ctx.audit.read()] == [("Subscribe the feed", "ok")]
    assert view.unsubscribe_button.isVisibleTo(view) and not view.subscribe_button.isVisibleTo(view)
    assert "own queue" in view.how.text()

    alarm = {"AlarmName": "feed-view-test", "OldStateValue": "OK", "NewStateValue": "ALARM",
             "NewStateReason": "<b>not bold</b>"}
    clients.client("sns").publish(TopicArn=TOPIC, Subject="ALARM: feed-view-test", Message=json.dumps(alarm))
    view.poll()
    qtbot.waitUntil(lambda: any(e.alarm == "feed-view-test" for e in view.entries), timeout=TIMEOUT)
    row = next(i for i, e in enumerate(view.model.all_rows()) if e.alarm == "feed-view-test")
    assert view.model.index(row, Column.KIND).data() == core.NOTIFICATION
    assert view.model.index(row, Column.STATE).data() == "OK → ALARM"
    view.table.selectRow(row)
    assert "<b>not bold</b>" in view.detail.toPlainText()  # shown as text, not markup

    view.ask_unsubscribe()
    assert "delete-queue" in view.confirm_dialog.cli_command()
    view.confirm_dialog.accept()
    qtbot.waitUntil(lambda: view.subscription is not None and view.subscription.queue_url is None, timeout=TIMEOUT)
    assert [r.action for r in ctx.audit.read()] == ["Subscribe the feed", "Remove the feed subscription"]
    assert core.subscription(clients, view.queue_name).queue_url is None


def test_closing_the_page_stops_polling_and_cancels_reads(qtbot, view):
    view.show()
    view.load()
    jobs = list(view._jobs.values())
    assert jobs and view.timer.isActive()
    view.close()
    assert not view.timer.isActive() and not any(j.active for j in jobs)
