"""The alert feed: SNS envelopes (well-formed, alarm notifications, malformed), alarm history items,
and against the sandbox: state changes, the console's own subscription and its undo, and the shared
inbox left untouched."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest

from opsconsole.core.alerts import feed
from opsconsole.core.alerts.feed import FeedEntry

TOPIC = "arn:aws:sns:eu-west-1:123456789012:mlops-alerts"


def envelope(**overrides) -> str:
    body = {"Type": "Notification", "MessageId": "m-1", "TopicArn": TOPIC, "Subject": "Training failed",
            "Message": "mlops-training execution train-DE ended FAILED", "Timestamp": "2026-11-30T10:15:00.123Z",
            "SignatureVersion": "1", "MessageAttributes": {"country": {"Type": "String", "Value": "DE"}}}
    body.update(overrides)
    return json.dumps({k: v for k, v in body.items() if v is not None})


def test_a_notification_envelope_becomes_an_entry_with_its_topic_subject_time_and_attributes():
    entry = feed.parse_envelope(envelope())
    assert entry.kind == feed.NOTIFICATION and entry.source == "mlops-alerts" and entry.subject == "Training failed"
    assert entry.text == "mlops-training execution train-DE ended FAILED"
    assert entry.at == dt.datetime(2026, 11, 30, 10, 15, 0, 123000, tzinfo=dt.timezone.utc)
    assert entry.attributes == {"country": "DE"} and entry.message_id == "m-1" and entry.problem == ""


def test_an_alarm_notification_carries_the_alarm_and_its_state_change():
    alarm = {"AlarmName": "orders-anomaly-DE-mobile_app", "OldStateValue": "OK", "NewStateValue": "ALARM",
             "NewStateReason": "Thresholds Crossed: 3 out of the last 3 datapoints were less than the lower thresholds."}
    entry = feed.parse_envelope(envelope(Subject="ALARM: orders-anomaly-DE-mobile_app", Message=json.dumps(alarm)))
    assert entry.alarm == "orders-anomaly-DE-mobile_app"
    assert (entry.old_state, entry.new_state) == ("OK", "ALARM")
    assert entry.text.startswith("orders-anomaly-DE-mobile_app: OK → ALARM. Thresholds Crossed")


@pytest.mark.parametrize("body, problem", [
    ("plain text delivered raw", "not JSON"),
    ("[1, 2, 3]", "not an SNS envelope"),
    (json.dumps({"Type": "Notification", "Message": "x"}), "no MessageId, TopicArn, Timestamp"),
    ("", "not JSON"),
])
def test_a_malformed_message_is_shown_as_it_came_saying_what_is_wrong(body, problem):
    sent = dt.datetime(2026, 11, 30, 9, tzinfo=dt.timezone.utc)
    entry = feed.parse_envelope(body, sent)
    assert entry.kind == feed.RAW and problem in entry.problem
    assert entry.text == body and entry.at == sent


def test_a_bad_timestamp_falls_back_to_when_sqs_got_it_and_says_so():
    sent = dt.datetime(2026, 11, 30, 9, tzinfo=dt.timezone.utc)
    entry = feed.parse_envelope(envelope(Timestamp="yesterday"), sent)
    assert entry.at == sent and "Timestamp" in entry.problem and entry.kind == feed.NOTIFICATION


def test_a_message_that_looks_like_json_but_is_no_alarm_stays_a_plain_notification():
    entry = feed.parse_envelope(envelope(Message=json.dumps({"AlarmName": 7})))
    assert entry.alarm == "" and entry.text == json.dumps({"AlarmName": 7})


def test_markup_in_a_message_is_kept_as_text():
    entry = feed.parse_envelope(envelope(Message="<b>bold</b> & <script>x</script>"))
    assert entry.text == "<b>bold</b> & <script>x</script>"


def test_history_items_give_the_states_and_reason_even_with_broken_history_data():
    at = dt.datetime(2026, 11, 30, 8, tzinfo=dt.timezone.utc)
    good = {"AlarmName": "a", "Timestamp": at, "HistoryItemType": "StateUpdate",
            "HistorySummary": "Alarm updated from OK to ALARM",
            "HistoryData": json.dumps({"oldState": {"stateValue": "OK"},
                                       "newState": {"stateValue": "ALARM", "stateReason": "Threshold Crossed"}})}
    entry = feed.history_entry(good)
    assert (entry.kind, entry.old_state, entry.new_state, entry.text) == (feed.STATE_CHANGE, "OK", "ALARM",
                                                                          "Threshold Crossed")
    broken = feed.history_entry({**good, "HistoryData": "{not json"})
    assert broken.new_state == "" and broken.text == "Alarm updated from OK to ALARM"


def test_merging_drops_what_was_seen_and_keeps_newest_first():
    def e(minute, mid="") -> FeedEntry:
        return FeedEntry(dt.datetime(2026, 11, 30, 10, minute, tzinfo=dt.timezone.utc), feed.STATE_CHANGE, "a", "",
                         "", message_id=mid, alarm="a", new_state="ALARM")
    merged = feed.merge([e(5), e(1)], [e(5), e(9), e(3, "m")])
    assert [x.at.minute for x in merged] == [9, 5, 3, 1]


def test_the_own_queue_name_is_safe_for_sqs():
    assert feed.queue_name_for("arn:aws:sts::1:assumed-role/Ops/maria.schmidt@example.com") == \
        "opsconsole-feed-maria-schmidt-example-com"
    assert len(feed.queue_name_for("x" * 200)) == 80


# -- against the sandbox -------------------------------------------------------------------------------------
def everything(gen):
    return [e for page in gen for e in page]


def inbox_counts(sqs, url):
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]), int(attrs["ApproximateNumberOfMessagesNotVisible"])


def test_state_changes_come_from_the_alarm_history_newest_first(sandbox_clients):
    since = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=2)
    entries = everything(feed.state_changes(sandbox_clients, since))
    assert entries and all(e.kind == feed.STATE_CHANGE and e.new_state for e in entries)
    stamps = [e.at for e in entries]
    assert stamps == sorted(stamps, reverse=True)
    assert "orders-anomaly-DE-mobile_app" in {e.alarm for e in entries if e.new_state == "ALARM"}


def test_the_own_subscription_gets_notifications_without_touching_the_shared_inbox(sandbox_clients):
    sqs, sns = sandbox_clients.client("sqs"), sandbox_clients.client("sns")
    inbox = sqs.get_queue_url(QueueName="mlops-notifications-inbox")["QueueUrl"]
    name = f"opsconsole-feed-test-{uuid.uuid4().hex[:8]}"
    before = feed.subscription(sandbox_clients, name)
    assert not before.subscribed and TOPIC in before.topics
    assert "arn:aws:sqs:eu-west-1:123456789012:mlops-notifications-inbox" in before.readers[TOPIC]

    write = feed.subscribe_write(name, [TOPIC])
    assert [c.operation for c in write.calls] == ["CreateQueue", "Subscribe"]
    assert write.calls[1].params["Attributes"] == {"RawMessageDelivery": "false"}
    write.run(sandbox_clients)
    sub = feed.subscription(sandbox_clients, name)
    assert sub.subscribed and [t for t, _ in sub.subscriptions] == [TOPIC]
    policy = json.loads(sqs.get_queue_attributes(QueueUrl=sub.queue_url, AttributeNames=["Policy"])
                        ["Attributes"]["Policy"])
    assert policy["Statement"][0]["Condition"]["ArnEquals"]["aws:SourceArn"] == [TOPIC]

    visible, hidden = inbox_counts(sqs, inbox)
    alarm = {"AlarmName": "feed-test", "OldStateValue": "OK", "NewStateValue": "ALARM", "NewStateReason": "test"}
    sns.publish(TopicArn=TOPIC, Subject="ALARM: feed-test", Message=json.dumps(alarm))
    [entry] = feed.read_own_queue(sandbox_clients, sub.queue_url)
    assert entry.alarm == "feed-test" and entry.new_state == "ALARM" and entry.source == "mlops-alerts"
    assert feed.read_own_queue(sandbox_clients, sub.queue_url) == []  # one pass reads each message once
    # reading deletes nothing (no write, and a restart reads it again once its hiding ends)
    own = sqs.get_queue_attributes(QueueUrl=sub.queue_url, AttributeNames=["All"])["Attributes"]
    assert int(own["ApproximateNumberOfMessages"]) + int(own["ApproximateNumberOfMessagesNotVisible"]) == 1
    # the inbox got its own copy and nobody took it: one more visible, none hidden
    assert inbox_counts(sqs, inbox) == (visible + 1, hidden)

    undo = feed.unsubscribe_write(sub)
    assert undo.destructive and [c.operation for c in undo.calls] == ["Unsubscribe", "DeleteQueue"]
    undo.run(sandbox_clients)
    gone = feed.subscription(sandbox_clients, name)
    assert gone.queue_url is None and not gone.subscriptions
    arns = {s["SubscriptionArn"] for s in sns.list_subscriptions()["Subscriptions"]}
    assert sub.subscriptions[0][1] not in arns
