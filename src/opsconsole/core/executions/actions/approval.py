"""Manual steps: a task waiting for its token (``.waitForTaskToken``) and the request it sent.

The history says which task waits and carries its token (Step Functions
records the resolved parameters of every TaskScheduled event). Where the task
asked for approval through SQS, the queue holds the request an operator reads;
it is peeked with VisibilityTimeout=0 so other operators and tools still see it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from opsconsole.core.executions.actions.export import execution_history
from opsconsole.core.aws import Clients

_WAIT_SUFFIX = ".waitForTaskToken"
_TASK_ENDS = {"TaskSucceeded", "TaskFailed", "TaskTimedOut", "TaskStartFailed", "TaskSubmitFailed", "TaskAborted"}
_EXECUTION_ENDS = {"ExecutionSucceeded", "ExecutionFailed", "ExecutionAborted", "ExecutionTimedOut"}
#: ReceiveMessage returns at most 10 messages; a few rounds see more of a short queue.
PEEK_ROUNDS = 4


@dataclass(frozen=True)
class WaitingTask:
    """A task of a running execution that waits for SendTaskSuccess/SendTaskFailure."""

    execution_arn: str
    state_name: str
    resource: str
    token: str | None
    parameters: dict[str, Any] = field(default_factory=dict, repr=False)
    #: The SQS queue the request went to, and its message body, when the task sent one.
    queue_url: str | None = None
    message: Any = field(default=None, repr=False)
    scheduled_at: datetime | None = None
    timeout_seconds: int | None = None
    #: Error names the state's Catch handles (what a rejection should send to be caught).
    catch_errors: tuple[str, ...] = ()


@dataclass(frozen=True)
class ApprovalRequest:
    """One message in an approval queue: who asks what, and the token that answers it."""

    message_id: str
    receipt_handle: str
    raw_body: str
    body: dict[str, Any] | None
    token: str | None
    execution_arn: str | None
    sent_at: datetime | None = None

    def get(self, key: str, default: Any = None) -> Any:
        """A field of the JSON body (None for a body that is not a JSON object)."""
        return self.body.get(key, default) if isinstance(self.body, dict) else default

    @property
    def kind(self) -> str:
        return str(self.get("type") or "approval")

    @property
    def country(self) -> str | None:
        return self.get("country")


def find_token(value: Any) -> str | None:
    """The task token in a task's parameters: a string under a key named like 'TaskToken' or 'token'."""
    if isinstance(value, str) and value[:1] in "{[":
        try:
            value = json.loads(value)
        except ValueError:
            return None
    if isinstance(value, dict):
        for key, item in value.items():
            if key.lower() in ("tasktoken", "token") and isinstance(item, str) and item:
                return item
        for item in value.values():
            found = find_token(item)
            if found:
                return found
    elif isinstance(value, list):
        for item in value:
            found = find_token(item)
            if found:
                return found
    return None


def _catch_errors(definition: dict[str, Any], state_name: str) -> tuple[str, ...]:
    def find(states: dict[str, Any]) -> dict[str, Any] | None:
        for name, state in states.items():
            if name == state_name:
                return state
            children = [b.get("States", {}) for b in state.get("Branches", [])]
            processor = state.get("ItemProcessor") or state.get("Iterator")
            if processor:
                children.append(processor.get("States", {}))
            for child in children:
                hit = find(child)
                if hit is not None:
                    return hit
        return None

    state = find(definition.get("States", {})) or {}
    errors = [e for catcher in state.get("Catch", []) for e in catcher.get("ErrorEquals", [])]
    return tuple(e for e in errors if not e.startswith("States."))


def _scheduled_of(event: dict[str, Any], by_id: dict[int, dict[str, Any]]) -> int | None:
    """Walk back from a task's end event to the TaskScheduled it ends."""
    current = event
    for _ in range(8):  # scheduled -> started -> submitted -> end: a short chain
        previous = by_id.get(current.get("previousEventId", 0))
        if previous is None:
            return None
        if previous["type"] == "TaskScheduled":
            return previous["id"]
        current = previous
    return None


def waiting_tasks(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """TaskScheduled events of ``.waitForTaskToken`` tasks that have not ended, oldest first.

    Only the latest attempt counts: a task left waiting when the execution was
    aborted, before a redrive, waits for nothing any more.
    """
    if not events or events[-1]["type"] in _EXECUTION_ENDS:
        return []
    redriven = [i for i, e in enumerate(events) if e["type"] == "ExecutionRedriven"]
    if redriven:
        events = events[redriven[-1]:]
    by_id = {e["id"]: e for e in events}
    ended = {_scheduled_of(e, by_id) for e in events if e["type"] in _TASK_ENDS}
    return [e for e in events if e["type"] == "TaskScheduled" and e["id"] not in ended
            and e["taskScheduledEventDetails"].get("resource", "").endswith(_WAIT_SUFFIX)]


def _state_of(event: dict[str, Any], by_id: dict[int, dict[str, Any]]) -> str:
    current = event
    for _ in range(4):
        previous = by_id.get(current.get("previousEventId", 0))
        if previous is None:
            break
        if "stateEnteredEventDetails" in previous:
            return str(previous["stateEnteredEventDetails"]["name"])
        current = previous
    return ""


#: How many of a running execution's newest events the list reads to see whether it waits for a token.
WAITING_WINDOW = 10


def waiting_for(clients: Clients, execution_arn: str) -> str | None:
    """The state a running execution is parked at, waiting for its task token; None when it is not.

    One GetExecutionHistory call for the newest :data:`WAITING_WINDOW` events: a
    task waiting on its token is where the history stops.
    """
    sfn = clients.client("stepfunctions")
    events = sfn.get_execution_history(executionArn=execution_arn, reverseOrder=True, maxResults=WAITING_WINDOW,
                                       includeExecutionData=False)["events"]
    events.reverse()
    open_tasks = waiting_tasks(events)
    if not open_tasks:
        return None
    return _state_of(open_tasks[-1], {e["id"]: e for e in events}) or "a task token"


def waiting_states(clients: Clients, arns: list[str]) -> Iterator[dict[str, str | None]]:
    """{arn: state it waits at (or None)}, one execution per yield, for the list's "Waiting for" column."""
    for arn in arns:
        yield {arn: waiting_for(clients, arn)}


def find_waiting_task(clients: Clients, execution_arn: str) -> WaitingTask | None:
    """The (latest) task of ``execution_arn`` that waits for its token, or None."""
    events = execution_history(clients, execution_arn)
    open_tasks = waiting_tasks(events)
    if not open_tasks:
        return None
    event = open_tasks[-1]
    details = event["taskScheduledEventDetails"]
    try:
        parameters = json.loads(details.get("parameters") or "{}")
    except ValueError:
        parameters = {}
    state = _state_of(event, {e["id"]: e for e in events})
    message = parameters.get("MessageBody") if isinstance(parameters, dict) else None
    if isinstance(message, str):
        try:
            message = json.loads(message)
        except ValueError:
            pass
    catch: tuple[str, ...] = ()
    try:
        machine = clients.client("stepfunctions").describe_state_machine_for_execution(executionArn=execution_arn)
        catch = _catch_errors(json.loads(machine["definition"]), state)
    except Exception:  # only a default for the rejection form; never worth failing over
        catch = ()
    return WaitingTask(
        execution_arn=execution_arn, state_name=state,
        resource=f"{details.get('resourceType', '')}:{details.get('resource', '')}".strip(":"),
        token=find_token(parameters), parameters=parameters if isinstance(parameters, dict) else {},
        queue_url=parameters.get("QueueUrl") if isinstance(parameters, dict) else None,
        message=message, scheduled_at=event.get("timestamp"),
        timeout_seconds=details.get("timeoutInSeconds"), catch_errors=catch)


def _parse(message: dict[str, Any]) -> ApprovalRequest:
    raw = message.get("Body", "")
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    sent = (message.get("Attributes") or {}).get("SentTimestamp")
    return ApprovalRequest(
        message_id=message["MessageId"], receipt_handle=message["ReceiptHandle"], raw_body=raw,
        body=body if isinstance(body, dict) else None, token=find_token(body),
        execution_arn=body.get("executionArn") if isinstance(body, dict) else None,
        sent_at=datetime.fromtimestamp(int(sent) / 1000, timezone.utc) if sent else None)


def approval_requests(clients: Clients, queue_url: str, rounds: int = PEEK_ROUNDS) -> list[ApprovalRequest]:
    """Peek at the approval queue: messages stay visible to everyone (VisibilityTimeout=0).

    SQS hands out at most 10 messages per call and picks them itself, so a
    long queue may not be seen whole; a few rounds catch most of a short one.
    """
    sqs = clients.client("sqs")
    seen: dict[str, ApprovalRequest] = {}
    for _ in range(max(1, rounds)):
        out = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=0,
                                  WaitTimeSeconds=0, AttributeNames=["SentTimestamp"])
        fresh = [m for m in out.get("Messages", []) if m["MessageId"] not in seen]
        for message in fresh:
            seen[message["MessageId"]] = _parse(message)
        if not fresh:
            break
    return sorted(seen.values(), key=lambda r: (r.sent_at is None, r.sent_at or datetime.min.replace(tzinfo=timezone.utc)))


def delete_approval_message(clients: Clients, queue_url: str, token: str) -> bool:
    """Delete the request carrying ``token`` once it is answered (no one approves it twice).

    A receipt handle from an earlier peek may be stale (someone else received
    the message since), so the queue is peeked again for a fresh one. False
    when the message is not (or no longer) in view.
    """
    for request in approval_requests(clients, queue_url):
        if request.token == token:
            clients.client("sqs").delete_message(QueueUrl=queue_url, ReceiptHandle=request.receipt_handle)
            return True
    return False
