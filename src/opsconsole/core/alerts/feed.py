"""The alert feed: SNS notifications and alarm state changes, newest first, without stealing messages.

SNS keeps nothing to read back; what it sent is in the queues subscribed to its
topics. Receiving from a queue someone else consumes (the shared inbox) hides
the message from them and raises its receive count, so the feed never does.
It shows:

* alarm state changes from ``DescribeAlarmHistory`` (StateUpdate items),
  which reads without consuming, always;
* SNS notifications from the console's **own** queue, once the user agreed to
  create it: a queue subscribed to the topics (``RawMessageDelivery`` false,
  so every message arrives in SNS's JSON envelope). Nobody else reads that
  queue, so the feed receives and deletes from it.

Creating the subscription and removing it again are :class:`Write`\\ s.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Any

from opsconsole.core import paging
from opsconsole.core.writes import ApiCall, Write

NOTIFICATION = "notification"
STATE_CHANGE = "state change"
RAW = "message"

#: The console's own feed queue: this prefix and a name for whoever created it.
QUEUE_PREFIX = "opsconsole-feed-"
#: How long the own queue keeps what the console has not read yet (4 days, SQS's default).
RETENTION_SECONDS = 345600
_ENVELOPE_KEYS = ("Type", "MessageId", "TopicArn", "Message", "Timestamp")


@dataclass(frozen=True)
class FeedEntry:
    """One line of the feed."""

    at: datetime | None
    kind: str  # NOTIFICATION, STATE_CHANGE or RAW
    source: str  # the topic's name, or the alarm's
    subject: str
    text: str  # plain text, as it came
    message_id: str = ""
    topic_arn: str = ""
    attributes: Mapping[str, str] = field(default_factory=dict)
    alarm: str = ""  # the alarm a notification or state change is about
    old_state: str = ""
    new_state: str = ""
    #: Why the message is not a well-formed SNS envelope ("" when it is).
    problem: str = ""

    @property
    def key(self) -> tuple[str, ...]:
        """What makes two entries the same (a message seen twice, a history item read twice)."""
        if self.message_id:
            return ("message", self.message_id)
        return (self.kind, self.alarm, self.at.isoformat() if self.at else "", self.new_state)


def _time(text: Any) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _millis(text: Any) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(text) / 1000, timezone.utc)
    except (TypeError, ValueError):
        return None


def topic_name(arn: str) -> str:
    return arn.rsplit(":", 1)[-1] if arn else ""


def parse_envelope(body: str, sent: datetime | None = None) -> FeedEntry:
    """One SQS message body from a topic subscription, as a feed entry; never raises.

    An SNS notification's envelope: Type, MessageId, TopicArn, Subject, Message,
    Timestamp, MessageAttributes (name -> {Type, Value}). An alarm's
    notification carries the alarm as JSON in Message (AlarmName,
    NewStateValue, OldStateValue, NewStateReason). Anything else (raw delivery,
    a malformed envelope) is shown as it came, saying what is wrong with it.
    """
    try:
        envelope = json.loads(body)
    except (ValueError, TypeError):
        return FeedEntry(sent, RAW, "", "", str(body), problem="not JSON: not an SNS envelope (raw delivery?)")
    if not isinstance(envelope, dict):
        return FeedEntry(sent, RAW, "", "", str(body), problem="JSON but not an SNS envelope")
    missing = [k for k in _ENVELOPE_KEYS if k not in envelope]
    if missing:
        return FeedEntry(sent, RAW, "", "", body, problem=f"not an SNS envelope: no {', '.join(missing)}")
    message = envelope.get("Message")
    text = message if isinstance(message, str) else json.dumps(message)
    at = _time(envelope.get("Timestamp"))
    problem = "" if at is not None or envelope.get("Timestamp") in (None, "") else "its Timestamp is not a date"
    attributes = {}
    for name, value in (envelope.get("MessageAttributes") or {}).items() if isinstance(
            envelope.get("MessageAttributes"), dict) else ():
        attributes[str(name)] = str(value.get("Value", "")) if isinstance(value, dict) else str(value)
    entry = FeedEntry(at or sent, NOTIFICATION, topic_name(str(envelope.get("TopicArn", ""))),
                      str(envelope.get("Subject") or ""), text, message_id=str(envelope.get("MessageId", "")),
                      topic_arn=str(envelope.get("TopicArn", "")), attributes=attributes, problem=problem)
    if envelope.get("Type") != "Notification":
        return entry  # SubscriptionConfirmation, UnsubscribeConfirmation: shown as they are
    return _with_alarm(entry, text)


def _with_alarm(entry: FeedEntry, text: str) -> FeedEntry:
    try:
        alarm = json.loads(text)
    except (ValueError, TypeError):
        return entry
    if not isinstance(alarm, dict) or not isinstance(alarm.get("AlarmName"), str):
        return entry
    old, new = str(alarm.get("OldStateValue") or ""), str(alarm.get("NewStateValue") or "")
    reason = str(alarm.get("NewStateReason") or "")
    summary = f"{alarm['AlarmName']}: {old or '?'} → {new or '?'}" + (f". {reason}" if reason else "")
    return replace(entry, alarm=alarm["AlarmName"], old_state=old, new_state=new, text=summary)


def history_entry(item: Mapping[str, Any]) -> FeedEntry:
    """A DescribeAlarmHistory StateUpdate item as a feed entry (its HistoryData may be malformed)."""
    old = new = reason = ""
    try:
        data = json.loads(item.get("HistoryData") or "{}")
    except ValueError:
        data = {}
    if isinstance(data, dict):
        old = str((data.get("oldState") or {}).get("stateValue") or "")
        new = str((data.get("newState") or {}).get("stateValue") or "")
        reason = str((data.get("newState") or {}).get("stateReason") or "")
    at = item.get("Timestamp")
    if isinstance(at, datetime) and at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    name = str(item.get("AlarmName", ""))
    return FeedEntry(at if isinstance(at, datetime) else None, STATE_CHANGE, name,
                     str(item.get("HistorySummary") or ""), reason or str(item.get("HistorySummary") or ""),
                     alarm=name, old_state=old, new_state=new)


def state_changes(clients: Any, since: datetime, until: datetime | None = None,
                  page_size: int = 100) -> Iterator[list[FeedEntry]]:
    """Alarm state changes (metric and composite alarms) since ``since``, newest first, a page at a time."""
    cw = clients.client("cloudwatch")
    params: dict[str, Any] = {"HistoryItemType": "StateUpdate", "AlarmTypes": ["MetricAlarm", "CompositeAlarm"],
                              "StartDate": since, "EndDate": until or datetime.now(timezone.utc),
                              "ScanBy": "TimestampDescending"}
    for page in paging.pages(cw, "describe_alarm_history", "AlarmHistoryItems", page_size=page_size, **params):
        yield [history_entry(item) for item in page]


# -- the console's own subscription ---------------------------------------------------------------------
@dataclass(frozen=True)
class Subscription:
    """How the feed is subscribed: the topics, who reads them, and the console's own queue if any."""

    topics: tuple[str, ...]  # topic ARNs
    #: topic ARN -> the SQS queues (ARNs) subscribed to it
    readers: Mapping[str, tuple[str, ...]]
    queue_url: str | None = None
    queue_arn: str | None = None
    #: the own queue's subscriptions: (topic ARN, subscription ARN)
    subscriptions: tuple[tuple[str, str], ...] = ()
    #: the own queue's name (whether it exists or not)
    queue_name: str = ""

    @property
    def subscribed(self) -> bool:
        return self.queue_url is not None and bool(self.subscriptions)


def queue_name_for(who: str) -> str:
    """The own queue's name for a person or principal ("opsconsole-feed-maria-schmidt"), SQS-safe."""
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", who.rsplit("/", 1)[-1]).strip("-").lower() or "console"
    return (QUEUE_PREFIX + slug)[:80]


def own_queue_name(clients: Any) -> str:
    """The console's own queue for the caller (GetCallerIdentity): one per principal, stable."""
    return queue_name_for(clients.client("sts").get_caller_identity()["Arn"])


def subscription(clients: Any, queue_name: str | None = None) -> Subscription:
    """The topics, which queues read them, and whether the own queue (``queue_name``, else the caller's)
    exists and is subscribed."""
    queue_name = queue_name or own_queue_name(clients)
    sns, sqs = clients.client("sns"), clients.client("sqs")
    topics = tuple(sorted(t["TopicArn"] for page in paging.pages(sns, "list_topics", "Topics") for t in page))
    readers: dict[str, list[str]] = {t: [] for t in topics}
    subs: list[tuple[str, str, str]] = []
    for page in paging.pages(sns, "list_subscriptions", "Subscriptions"):
        for s in page:
            if s.get("Protocol") == "sqs" and s.get("TopicArn") in readers:
                readers[s["TopicArn"]].append(s.get("Endpoint", ""))
                subs.append((s["TopicArn"], s.get("Endpoint", ""), s.get("SubscriptionArn", "")))
    url = next((u for u in sqs.list_queues(QueueNamePrefix=queue_name).get("QueueUrls") or []
                if u.rstrip("/").rsplit("/", 1)[-1] == queue_name), None)
    arn = None
    if url:
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    own = tuple((t, sub) for t, endpoint, sub in subs if arn and endpoint == arn)
    return Subscription(topics, {t: tuple(sorted(r)) for t, r in readers.items()}, url, arn, own, queue_name)


def queue_policy(queue_arn: str, topics: Sequence[str]) -> str:
    """The queue policy letting exactly these topics send to the queue."""
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "opsconsole-feed", "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
        "Action": "sqs:SendMessage", "Resource": queue_arn,
        "Condition": {"ArnEquals": {"aws:SourceArn": list(topics)}}}]})


def queue_arn_for(topic_arn: str, queue_name: str) -> str:
    """The queue's ARN in the topics' account and region (known before the queue exists)."""
    parts = topic_arn.split(":")
    return ":".join(["arn", parts[1], "sqs", parts[3], parts[4], queue_name])


def subscribe_write(queue_name: str, topics: Sequence[str]) -> Write:
    """Create the console's own queue and subscribe it to ``topics`` (one request each, known in advance)."""
    if not topics:
        raise ValueError("no topic to subscribe to")
    queue_arn = queue_arn_for(topics[0], queue_name)
    calls = [ApiCall("sqs", "CreateQueue", {"QueueName": queue_name, "Attributes": {
        "Policy": queue_policy(queue_arn, topics), "MessageRetentionPeriod": str(RETENTION_SECONDS)},
        "tags": {"created-by": "opsconsole", "purpose": "alert feed"}})]
    calls += [ApiCall("sns", "Subscribe", {"TopicArn": t, "Protocol": "sqs", "Endpoint": queue_arn,
                                           "Attributes": {"RawMessageDelivery": "false"},
                                           "ReturnSubscriptionArn": True}) for t in topics]

    def run(clients: Any) -> list[dict[str, Any]]:
        return [call.send(clients) for call in calls]

    return Write(action="Subscribe the feed", target=queue_arn, service="sns", operation="Subscribe", run=run,
                 calls=tuple(calls), targets=(queue_arn, *topics), details={"topics": len(topics)})


def unsubscribe_write(sub: Subscription) -> Write:
    """Undo :func:`subscribe_write`: unsubscribe the own queue from every topic, then delete it."""
    if sub.queue_url is None:
        raise ValueError("the console has no feed queue to remove")
    calls = [ApiCall("sns", "Unsubscribe", {"SubscriptionArn": arn}) for _, arn in sub.subscriptions]
    calls.append(ApiCall("sqs", "DeleteQueue", {"QueueUrl": sub.queue_url}))

    def run(clients: Any) -> list[dict[str, Any]]:
        return [call.send(clients) for call in calls]

    return Write(action="Remove the feed subscription", target=sub.queue_arn or sub.queue_url,
                 service="sqs", operation="DeleteQueue", run=run, calls=tuple(calls), destructive=True,
                 targets=tuple(a for _, a in sub.subscriptions), details={"topics": len(sub.subscriptions)})


def read_own_queue(clients: Any, queue_url: str, max_messages: int = 100, hide_s: int = 15) -> list[FeedEntry]:
    """Notifications in the console's own queue, newest first; read without deleting anything.

    Nothing is taken off the queue (that would be a write, and a restart would
    lose what was shown): each message is hidden for ``hide_s`` so that one pass
    sees different messages, and the queue's retention ends it. The view merges
    what it has already seen by message id.
    """
    sqs = clients.client("sqs")
    entries: list[FeedEntry] = []
    while len(entries) < max_messages:
        got = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0,
                                  VisibilityTimeout=hide_s, AttributeNames=["SentTimestamp"]).get("Messages") or []
        if not got:
            break
        for m in got:
            entries.append(parse_envelope(m.get("Body", ""), _millis((m.get("Attributes") or {}).get("SentTimestamp"))))
    return newest_first(entries)


def newest_first(entries: Sequence[FeedEntry]) -> list[FeedEntry]:
    floor = datetime.min.replace(tzinfo=timezone.utc)
    return sorted(entries, key=lambda e: e.at or floor, reverse=True)


def merge(current: Sequence[FeedEntry], new: Sequence[FeedEntry], keep: int = 2000) -> list[FeedEntry]:
    """``current`` and ``new`` without duplicates, newest first, at most ``keep``."""
    seen = {e.key for e in current}
    fresh = [e for e in new if e.key not in seen]
    return newest_first([*fresh, *current])[:keep]


def default_since(now: datetime | None = None) -> datetime:
    return (now or datetime.now(timezone.utc)) - timedelta(hours=24)
