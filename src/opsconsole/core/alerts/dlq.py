"""Dead-letter queues: finding them, peeking at, redriving, deleting and exporting their messages.

A queue is a dead-letter queue when another queue's ``RedrivePolicy`` names it
(``deadLetterTargetArn``); ``ListDeadLetterSourceQueues`` confirms its sources.
Depth comes from ``GetQueueAttributes``, the age of the oldest message from
CloudWatch (``AWS/SQS ApproximateAgeOfOldestMessage``: SQS itself does not say).

Reading a message from SQS is never free: ``ReceiveMessage`` raises its
receive count and hides it for the visibility timeout. A peek therefore
receives, then sets the visibility of what it got back to 0 so the messages
return at once; it is described as a :class:`Write` (it changes the queue's
state) and audited like one. Deleting needs a receipt handle of a receive
still in force, so a delete receives again, deletes only the chosen message
IDs and returns the others.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from opsconsole.core import paging
from opsconsole.core.errors import DomainError
from opsconsole.core.writes import ApiCall, Write

#: Messages a peek brings back at most (ten receives of ten).
PEEK_LIMIT = 100
#: How long a peek or a delete holds messages while it reads them (then they return at once).
HOLD_SECONDS = 30
MAX_RATE = 500
EXECUTION_ARN = re.compile(r"arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[A-Za-z0-9_.-]+:[A-Za-z0-9_.-]+")


class MoveRefused(DomainError):
    title = "Redrive not possible"


@dataclass(frozen=True)
class DeadLetterQueue:
    """One DLQ with what an on-call engineer needs to judge it."""

    url: str
    arn: str
    name: str
    visible: int
    in_flight: int
    delayed: int
    sources: tuple[str, ...]  # source queue ARNs
    fifo: bool = False
    oldest_age: timedelta | None = None  # from CloudWatch; None when it has no datapoint
    max_receive_count: int | None = None  # from the sources' RedrivePolicy (the smallest)

    @property
    def depth(self) -> int:
        return self.visible + self.in_flight + self.delayed

    @property
    def source_names(self) -> list[str]:
        return [queue_name(arn) for arn in self.sources]


@dataclass(frozen=True)
class DeadLetter:
    """One message of a DLQ as a peek saw it."""

    message_id: str
    body: str
    sent: datetime | None
    receive_count: int
    first_received: datetime | None
    attributes: Mapping[str, Any] = field(default_factory=dict)  # message attributes (name -> value)
    md5: str = ""

    @property
    def execution_arns(self) -> list[str]:
        """Step Functions executions the message names (in its body or attributes), first seen first."""
        texts = [self.body, *(str(v) for v in self.attributes.values())]
        found: list[str] = []
        for text in texts:
            for arn in EXECUTION_ARN.findall(text):
                if arn not in found:
                    found.append(arn)
        return found

    def as_json(self) -> dict[str, Any]:
        return {"MessageId": self.message_id, "Body": self.body, "MD5OfBody": self.md5,
                "SentTimestamp": self.sent.isoformat() if self.sent else None,
                "ApproximateReceiveCount": self.receive_count,
                "ApproximateFirstReceiveTimestamp": self.first_received.isoformat() if self.first_received else None,
                "MessageAttributes": dict(self.attributes)}


@dataclass(frozen=True)
class MoveTask:
    """A message move task as ListMessageMoveTasks shows it."""

    status: str  # RUNNING, COMPLETED, CANCELLING, CANCELLED, FAILED
    source_arn: str
    moved: int
    to_move: int | None
    started: datetime | None
    handle: str | None = None  # only while RUNNING
    destination_arn: str | None = None
    rate: int | None = None
    failure: str = ""

    @property
    def active(self) -> bool:
        return self.status in ("RUNNING", "CANCELLING")

    @classmethod
    def from_api(cls, item: Mapping[str, Any]) -> MoveTask:
        started = item.get("StartedTimestamp")
        return cls(status=item.get("Status", ""), source_arn=item.get("SourceArn", ""),
                   moved=int(item.get("ApproximateNumberOfMessagesMoved") or 0),
                   to_move=item.get("ApproximateNumberOfMessagesToMove"),
                   started=datetime.fromtimestamp(started / 1000, timezone.utc) if started else None,
                   handle=item.get("TaskHandle"), destination_arn=item.get("DestinationArn"),
                   rate=item.get("MaxNumberOfMessagesPerSecond"), failure=item.get("FailureReason") or "")


def queue_name(arn_or_url: str) -> str:
    return arn_or_url.rstrip("/").replace("/", ":").rsplit(":", 1)[-1]


def queue_url_from_arn(arn: str, known: Mapping[str, str]) -> str | None:
    """The URL of a queue ARN among ``known`` (url -> arn)."""
    return next((url for url, a in known.items() if a == arn), None)


# -- discovery ---------------------------------------------------------------------------------------------
def redrive_targets(attributes: Mapping[str, Mapping[str, str]]) -> dict[str, list[tuple[str, int | None]]]:
    """From each queue's attributes (url -> attributes): DLQ ARN -> [(source ARN, maxReceiveCount)].

    A RedrivePolicy that is not JSON, or names no target, is skipped: such a
    queue has no DLQ to show.
    """
    found: dict[str, list[tuple[str, int | None]]] = {}
    for url, attrs in attributes.items():
        text = attrs.get("RedrivePolicy")
        if not text:
            continue
        try:
            policy = json.loads(text)
        except ValueError:
            continue
        target = policy.get("deadLetterTargetArn") if isinstance(policy, dict) else None
        if not isinstance(target, str) or not target:
            continue
        try:
            receives = int(policy.get("maxReceiveCount")) if policy.get("maxReceiveCount") is not None else None
        except (TypeError, ValueError):
            receives = None
        found.setdefault(target, []).append((attrs.get("QueueArn") or url, receives))
    return found


def _queue_attributes(sqs: Any, urls: Iterable[str]) -> dict[str, dict[str, str]]:
    out = {}
    for url in urls:
        try:
            out[url] = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"]).get("Attributes", {})
        except sqs.exceptions.QueueDoesNotExist:
            continue  # deleted between the listing and now
    return out


def oldest_ages(clients: Any, names: Sequence[str], now: datetime | None = None) -> dict[str, timedelta]:
    """AWS/SQS ApproximateAgeOfOldestMessage per queue name: the latest Maximum of the last hour, plus
    the time since that datapoint (the oldest message has aged since)."""
    if not names:
        return {}
    now = now or datetime.now(timezone.utc)
    queries = [{"Id": f"q{i}", "ReturnData": True, "MetricStat": {
        "Metric": {"Namespace": "AWS/SQS", "MetricName": "ApproximateAgeOfOldestMessage",
                   "Dimensions": [{"Name": "QueueName", "Value": name}]}, "Period": 60, "Stat": "Maximum"}}
        for i, name in enumerate(names)]
    ages: dict[str, timedelta] = {}
    cw = clients.client("cloudwatch")
    for first in range(0, len(queries), 500):
        for response in paging.responses(cw, "get_metric_data", MetricDataQueries=queries[first:first + 500],
                                         StartTime=now - timedelta(hours=1), EndTime=now,
                                         ScanBy="TimestampDescending"):
            for result in response.get("MetricDataResults") or []:
                values = result.get("Values") or []
                stamps = result.get("Timestamps") or []
                name = names[int(result["Id"][1:])]
                if values and stamps and name not in ages:
                    since = max(timedelta(0), now - stamps[0]) if values[0] else timedelta(0)
                    ages[name] = timedelta(seconds=float(values[0])) + since
    return ages


def dead_letter_queues(clients: Any, now: datetime | None = None) -> Iterator[list[DeadLetterQueue]]:
    """Every DLQ of the account and region (a page at the end: discovery needs every queue first)."""
    sqs = clients.client("sqs")
    urls = [url for page in paging.pages(sqs, "list_queues", "QueueUrls", page_size=1000) for url in page]
    attributes = _queue_attributes(sqs, urls)
    targets = redrive_targets(attributes)
    arn_to_url = {attrs.get("QueueArn"): url for url, attrs in attributes.items()}
    queues = []
    for dlq_arn, sources in sorted(targets.items()):
        url = arn_to_url.get(dlq_arn)
        if url is None:
            continue  # the policy names a queue that does not exist (or another account's)
        confirmed = [u for page in paging.pages(sqs, "list_dead_letter_source_queues", "queueUrls", QueueUrl=url,
                                                 page_size=1000) for u in page]
        source_arns = {arn for arn, _ in sources}
        source_arns |= {attributes[u].get("QueueArn", u) for u in confirmed if u in attributes}
        attrs = attributes[url]
        receives = [r for _, r in sources if r is not None]
        queues.append(DeadLetterQueue(
            url=url, arn=dlq_arn, name=queue_name(dlq_arn),
            visible=int(attrs.get("ApproximateNumberOfMessages", 0)),
            in_flight=int(attrs.get("ApproximateNumberOfMessagesNotVisible", 0)),
            delayed=int(attrs.get("ApproximateNumberOfMessagesDelayed", 0)),
            sources=tuple(sorted(source_arns)), fifo=attrs.get("FifoQueue") == "true",
            max_receive_count=min(receives) if receives else None))
    ages = oldest_ages(clients, [q.name for q in queues], now)
    yield [_with_age(q, ages.get(q.name)) for q in queues]


def _with_age(queue: DeadLetterQueue, age: timedelta | None) -> DeadLetterQueue:
    return replace(queue, oldest_age=age if queue.depth else None)


def queue_counts(clients: Any, urls: Sequence[str]) -> dict[str, int]:
    """Messages in each queue (visible + in flight + delayed), for before/after comparisons."""
    sqs = clients.client("sqs")
    out = {}
    for url in urls:
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed"]).get("Attributes", {})
        out[url] = sum(int(v) for v in attrs.values())
    return out


def counts_by_arn(clients: Any, arns: Sequence[str]) -> dict[str, int]:
    """Messages in each queue named by ARN (its URL asked of SQS by name and account)."""
    sqs = clients.client("sqs")
    urls = {}
    for arn in arns:
        parts = arn.split(":")
        urls[arn] = sqs.get_queue_url(QueueName=parts[-1], QueueOwnerAWSAccountId=parts[4])["QueueUrl"]
    counts = queue_counts(clients, list(urls.values()))
    return {arn: counts[url] for arn, url in urls.items()}


def all_queue_arns(clients: Any) -> list[str]:
    """Every queue's ARN (the destinations a redrive may choose)."""
    sqs = clients.client("sqs")
    urls = [url for page in paging.pages(sqs, "list_queues", "QueueUrls", page_size=1000) for url in page]
    return sorted(attrs.get("QueueArn", url) for url, attrs in _queue_attributes(sqs, urls).items())


# -- messages ----------------------------------------------------------------------------------------------
def _stamp(millis: str | None) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(millis) / 1000, timezone.utc) if millis else None
    except (TypeError, ValueError):
        return None


def _attribute_value(value: Mapping[str, Any]) -> Any:
    if "StringValue" in value:
        return value["StringValue"]
    if "BinaryValue" in value:
        return "<binary>"
    return value


def dead_letter(message: Mapping[str, Any]) -> DeadLetter:
    attrs = message.get("Attributes") or {}
    return DeadLetter(message_id=message["MessageId"], body=message.get("Body", ""),
                      sent=_stamp(attrs.get("SentTimestamp")),
                      receive_count=int(attrs.get("ApproximateReceiveCount") or 0),
                      first_received=_stamp(attrs.get("ApproximateFirstReceiveTimestamp")),
                      attributes={k: _attribute_value(v) for k, v in (message.get("MessageAttributes") or {}).items()},
                      md5=message.get("MD5OfBody", ""))


def _receive_all(sqs: Any, url: str, limit: int) -> list[dict[str, Any]]:
    """Receive up to ``limit`` distinct messages, each held for HOLD_SECONDS."""
    seen: dict[str, dict[str, Any]] = {}
    empty = 0
    while len(seen) < limit and empty < 2:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=min(10, limit - len(seen)),
                                  VisibilityTimeout=HOLD_SECONDS, WaitTimeSeconds=0,
                                  AttributeNames=["All"], MessageAttributeNames=["All"]).get("Messages") or []
        fresh = [m for m in got if m["MessageId"] not in seen]
        empty = empty + 1 if not fresh else 0
        for m in fresh:
            seen[m["MessageId"]] = m
    return list(seen.values())


def _release(sqs: Any, url: str, messages: Sequence[Mapping[str, Any]]) -> None:
    """Make held messages visible again at once (visibility timeout 0)."""
    for first in range(0, len(messages), 10):
        batch = messages[first:first + 10]
        sqs.change_message_visibility_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0} for i, m in enumerate(batch)])


def peek(clients: Any, url: str, limit: int = PEEK_LIMIT) -> list[DeadLetter]:
    """Up to ``limit`` messages, returned to the queue at once (their receive counts do go up)."""
    sqs = clients.client("sqs")
    received = _receive_all(sqs, url, limit)
    try:
        return sorted((dead_letter(m) for m in received), key=lambda d: (d.sent or datetime.min.replace(tzinfo=timezone.utc)))
    finally:
        _release(sqs, url, received)


def peek_write(queue: DeadLetterQueue, limit: int = PEEK_LIMIT) -> Write:
    """The peek as an audited write: it changes receive counts."""
    return Write(action="Peek at messages", target=queue.arn, service="sqs", operation="ReceiveMessage",
                 run=lambda clients: peek(clients, queue.url, limit), details={"limit": limit},
                 no_cli="A peek is several receives, then ChangeMessageVisibilityBatch to 0 for what came back.")


@dataclass(frozen=True)
class Deleted:
    deleted: tuple[str, ...]
    not_found: tuple[str, ...]


def delete_messages(clients: Any, url: str, message_ids: Iterable[str], limit: int = PEEK_LIMIT) -> Deleted:
    """Delete the chosen messages with fresh receipt handles; every other message received is returned."""
    wanted = set(message_ids)
    sqs = clients.client("sqs")
    received = _receive_all(sqs, url, max(limit, len(wanted)))
    chosen = [m for m in received if m["MessageId"] in wanted]
    others = [m for m in received if m["MessageId"] not in wanted]
    deleted: list[str] = []
    try:
        for first in range(0, len(chosen), 10):
            batch = chosen[first:first + 10]
            answer = sqs.delete_message_batch(QueueUrl=url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)])
            deleted += [batch[int(ok["Id"])]["MessageId"] for ok in answer.get("Successful") or []]
    finally:
        _release(sqs, url, others)
    return Deleted(tuple(deleted), tuple(sorted(wanted - set(deleted))))


def delete_write(queue: DeadLetterQueue, message_ids: Sequence[str]) -> Write:
    ids = tuple(message_ids)
    return Write(action="Delete messages", target=queue.arn, service="sqs", operation="DeleteMessageBatch",
                 run=lambda clients: delete_messages(clients, queue.url, ids), targets=ids,
                 details={"messages": len(ids)}, destructive=True,
                 outcome=lambda r: ("ok", "") if not r.not_found else
                 ("error", f"{len(r.not_found)} message(s) were not found (received by someone else or gone)"),
                 no_cli=("Deleting needs receipt handles from a receive made at that moment: the console receives, "
                         "deletes the chosen message IDs with aws sqs delete-message-batch and returns the others."))


def export_messages(messages: Sequence[DeadLetter], path: str | os.PathLike[str], queue: DeadLetterQueue | None = None) -> int:
    """Write the messages as JSON to ``path``, readable by the owner only; returns how many."""
    document = {"queue": queue.arn if queue else None, "exported": datetime.now(timezone.utc).isoformat(),
                "messages": [m.as_json() for m in messages]}
    path = Path(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.chmod(path, 0o600)  # an existing file keeps its old mode through O_CREAT
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(document, out, indent=2, ensure_ascii=False)
    return len(messages)


# -- redrive -----------------------------------------------------------------------------------------------
def check_rate(rate: int | None) -> None:
    if rate is not None and not 1 <= rate <= MAX_RATE:
        raise MoveRefused(f"The rate must be between 1 and {MAX_RATE} messages a second (or left to SQS).")


def redrive_write(queue: DeadLetterQueue, destination_arn: str | None = None, rate: int | None = None) -> Write:
    """StartMessageMoveTask from the DLQ, back to its sources or to ``destination_arn``."""
    check_rate(rate)
    params: dict[str, Any] = {"SourceArn": queue.arn}
    if destination_arn:
        params["DestinationArn"] = destination_arn
    if rate is not None:
        params["MaxNumberOfMessagesPerSecond"] = rate
    return Write.api("Redrive messages", queue.arn, ApiCall("sqs", "StartMessageMoveTask", params),
                     result=lambda out: out.get("TaskHandle"), destructive=True,
                     details={"messages": queue.visible, "destination": destination_arn or "source queue"})


def move_tasks(clients: Any, source_arn: str) -> list[MoveTask]:
    """The most recent move tasks of a DLQ, newest first (ListMessageMoveTasks keeps up to 10)."""
    answer = clients.client("sqs").list_message_move_tasks(SourceArn=source_arn, MaxResults=10)
    return [MoveTask.from_api(item) for item in answer.get("Results") or []]


def cancel_write(task: MoveTask) -> Write:
    """CancelMessageMoveTask, refused unless the task is RUNNING (checked again just before sending)."""
    if task.status != "RUNNING" or not task.handle:
        raise MoveRefused(f"Only a running move can be cancelled; this one is {task.status.lower()}.")
    call = ApiCall("sqs", "CancelMessageMoveTask", {"TaskHandle": task.handle})

    def run(clients: Any) -> MoveTask:
        now = next((t for t in move_tasks(clients, task.source_arn) if t.handle == task.handle), None)
        if now is None or now.status != "RUNNING":
            raise MoveRefused("The move is no longer running (it finished or was cancelled); nothing was cancelled.")
        answer = call.send(clients)
        return MoveTask(status="CANCELLING", source_arn=task.source_arn,
                        moved=int(answer.get("ApproximateNumberOfMessagesMoved") or 0), to_move=task.to_move,
                        started=task.started, destination_arn=task.destination_arn, rate=task.rate)

    return Write(action="Cancel redrive", target=task.source_arn, service="sqs", operation="CancelMessageMoveTask",
                 run=run, calls=(call,), destructive=True, details={"moved so far": task.moved})
