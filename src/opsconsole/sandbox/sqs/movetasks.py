"""Message move tasks (DLQ redrive): AWS's rules, and the moves themselves at the rate asked.

Rules (SQS API reference, StartMessageMoveTask / ListMessageMoveTasks /
CancelMessageMoveTask; SQS developer guide, "Configure a dead-letter queue
redrive"):

* the source must be the dead-letter queue of at least one SQS queue's
  RedrivePolicy; only one active (RUNNING or CANCELLING) task per source queue;
* a FIFO dead-letter queue moves only to FIFO queues, a standard one only to
  standard queues;
* MaxNumberOfMessagesPerSecond is 1-500 (unset: the service picks the rate;
  here 500);
* without DestinationArn messages go back to their source queue: moto does not
  remember which queue a message came from, so the sandbox uses the DLQ's
  source queue (the first by name when several queues share the DLQ);
* ApproximateNumberOfMessagesToMove is counted when the task starts; a
  cancelled task keeps what it already moved (CANCELLING, then CANCELLED).

Moves run on one daemon thread per process that wakes every 100 ms while a
task runs and ends when none does.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

#: the rate when the request sets none ("the system will optimize the rate")
DEFAULT_RATE = 500
MAX_RATE = 500
#: ListMessageMoveTasks shows up to 10 of the most recent tasks (last 14 days)
MAX_LISTED = 10
_TICK = 0.1


class SqsError(Exception):
    """An SQS error: ``code`` as botocore reports it, ``status`` the HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


@dataclass
class MoveTask:
    handle: str
    source: Any          # moto Queue
    destination: Any     # moto Queue or None (back to the source queue)
    target: Any          # the queue messages actually go to
    rate: int | None
    to_move: int
    started: int         # epoch milliseconds
    status: str = "RUNNING"
    moved: int = 0
    failure: str | None = None
    credit: float = field(default=0.0, repr=False)

    def entry(self) -> dict[str, Any]:
        """The task as ListMessageMoveTasks shows it."""
        shown: dict[str, Any] = {"Status": self.status, "SourceArn": self.source.queue_arn,
                                 "ApproximateNumberOfMessagesMoved": self.moved,
                                 "ApproximateNumberOfMessagesToMove": self.to_move,
                                 "StartedTimestamp": self.started}
        if self.status == "RUNNING":
            shown["TaskHandle"] = self.handle
        if self.destination is not None:
            shown["DestinationArn"] = self.destination.queue_arn
        if self.rate is not None:
            shown["MaxNumberOfMessagesPerSecond"] = self.rate
        if self.failure:
            shown["FailureReason"] = self.failure
        return shown


class MoveTasks:
    """Every message move task of the process, and the thread that moves messages."""

    def __init__(self) -> None:
        self.tasks: list[MoveTask] = []
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    # -- API -------------------------------------------------------------------------------
    def start(self, backend: Any, source_arn: str, destination_arn: str | None, rate: int | None) -> str:
        source = _queue(backend, source_arn, "SourceArn")
        if rate is not None and not 1 <= rate <= MAX_RATE:
            raise SqsError("InvalidParameterValue", "Value for parameter MaxNumberOfMessagesPerSecond is "
                           f"invalid. Reason: Must be between 1 and {MAX_RATE}.")
        sources = sorted((q for q in backend.queues.values() if q.dead_letter_queue is source),
                         key=lambda q: q.name)
        if not sources:
            raise SqsError("UnsupportedOperation", "Source queue must be configured as a Dead Letter Queue.")
        destination = _queue(backend, destination_arn, "DestinationArn") if destination_arn else None
        target = destination or sources[0]
        if target is source:
            raise SqsError("InvalidParameterValue", "Source and destination queues must be different.")
        if bool(target.fifo_queue) != bool(source.fifo_queue):
            kind = "FIFO" if source.fifo_queue else "standard"
            raise SqsError("UnsupportedOperation", f"The destination queue must be a {kind} queue like "
                           "the source queue.")
        with self._lock:
            if any(t.source is source and t.status in ("RUNNING", "CANCELLING") for t in self.tasks):
                raise SqsError("UnsupportedOperation", "There is already a task running. Only one active "
                               "task is allowed for a source queue at a time.")
            task_id = str(uuid.uuid4())
            handle = base64.b64encode(json.dumps({"taskId": task_id, "sourceArn": source.queue_arn})
                                      .encode()).decode()
            task = MoveTask(handle, source, destination, target, rate, len(source.messages),
                            int(time.time() * 1000))
            self.tasks.append(task)
            self._ensure_thread()
        return handle

    def list(self, backend: Any, source_arn: str, limit: int | None) -> list[dict[str, Any]]:
        source = _queue(backend, source_arn, "SourceArn")
        size = limit if limit is not None else 1
        if not 1 <= size <= MAX_LISTED:
            raise SqsError("InvalidParameterValue", "Value for parameter MaxResults is invalid. "
                           f"Reason: Must be between 1 and {MAX_LISTED}.")
        with self._lock:
            mine = [t for t in self.tasks if t.source is source]
        return [t.entry() for t in reversed(mine)][:size]

    def cancel(self, handle: str) -> int:
        with self._lock:
            task = next((t for t in self.tasks if t.handle == handle), None)
            if task is None:
                raise SqsError("ResourceNotFoundException", "Task does not exist.")
            if task.status != "RUNNING":
                raise SqsError("UnsupportedOperation", f"Only a RUNNING task can be cancelled; this task "
                               f"is {task.status}.")
            task.status = "CANCELLING"
            return task.moved

    # -- moving ----------------------------------------------------------------------------
    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._stopping.clear()
            self._thread = threading.Thread(target=self._run, name="sandbox-sqs-move", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        last = time.monotonic()
        while not self._stopping.wait(_TICK):
            now = time.monotonic()
            elapsed, last = now - last, now
            with self._lock:
                active = [t for t in self.tasks if t.status in ("RUNNING", "CANCELLING")]
                for task in active:
                    self._advance(task, elapsed)
                if not any(t.status in ("RUNNING", "CANCELLING") for t in self.tasks):
                    self._thread = None
                    return

    def _advance(self, task: MoveTask, elapsed: float) -> None:
        if task.status == "CANCELLING":
            task.status = "CANCELLED"
            return
        task.credit += (task.rate or DEFAULT_RATE) * elapsed
        try:
            while task.credit >= 1 and task.moved < task.to_move:
                visible = task.source.messages
                if not visible:
                    break
                _move(visible[0], task.source, task.target)
                task.moved += 1
                task.credit -= 1
        except Exception as error:  # a deleted queue: AWS fails the task with a reason
            task.status, task.failure = "FAILED", f"{type(error).__name__}: {error}"
            return
        if task.moved >= task.to_move or not task.source.messages:
            task.status = "COMPLETED"
            task.credit = 0.0

    def stop(self) -> None:
        """End the moving thread (the sandbox stops); unfinished tasks stay as they are."""
        self._stopping.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout=5)
        self._thread = None


def _move(message: Any, source: Any, target: Any) -> None:
    """Send a copy to the target (body, attributes, FIFO group) and remove it from the source."""
    from moto.sqs.models import sqs_backends

    backend = sqs_backends[target.account_id][target.region]
    backend.send_message(target.name, message.body, message_attributes=dict(message.message_attributes),
                         group_id=message.group_id,
                         deduplication_id=(message.deduplication_id or message.id) if target.fifo_queue else None)
    with source._messages_lock:
        source._messages = [m for m in source._messages if m is not message]
        source.pending_messages.discard(message)


def _queue(backend: Any, arn: str, member: str) -> Any:
    parts = arn.split(":")
    if len(parts) != 6 or parts[2] != "sqs":
        raise SqsError("InvalidParameterValue", f"Value {arn} for parameter {member} is invalid. "
                       "Reason: Invalid ARN.")
    queue = backend.queues.get(parts[5])
    if queue is None or parts[4] != backend.account_id or parts[3] != backend.region_name:
        raise SqsError("ResourceNotFoundException", f"The resource that you specified for the {member} "
                       "parameter doesn't exist.")
    return queue
