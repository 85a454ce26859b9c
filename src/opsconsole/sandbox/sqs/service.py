"""SQS operations the sandbox serves in front of moto (AWS JSON 1.0 with ``X-Amz-Target: AmazonSQS.*``).

* StartMessageMoveTask, ListMessageMoveTasks, CancelMessageMoveTask: moto has
  none of them (:mod:`.movetasks`);
* ListDeadLetterSourceQueues: moto answers every source queue and ignores
  MaxResults / NextToken; AWS pages (MaxResults 1-1000, a NextToken only when
  MaxResults was given).

SQS is "AWS query compatible": botocore reports the code from the
``x-amzn-query-error`` header.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

from opsconsole.sandbox.server import (
    ExtensionRegistry,
    ExtensionRequest,
    ExtensionResponse,
    json_response,
)
from opsconsole.sandbox.sqs.movetasks import MoveTasks, SqsError

__all__ = ["register", "reset", "tasks"]

_CONTENT_TYPE = "application/x-amz-json-1.0"
tasks = MoveTasks()


def _backend(request: ExtensionRequest) -> Any:
    from moto.sqs.models import sqs_backends

    return sqs_backends[request.account_id][request.region]


def _text(params: dict[str, Any], member: str, required: bool = False) -> str | None:
    value = params.get(member)
    if value is None and required:
        raise SqsError("MissingParameter", f"The request must contain the parameter {member}.")
    if value is not None and not isinstance(value, str):
        raise SqsError("InvalidParameterValue", f"Value for parameter {member} must be a string.")
    return value


def _number(params: dict[str, Any], member: str) -> int | None:
    value = params.get(member)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise SqsError("InvalidParameterValue", f"Value for parameter {member} must be an integer.")
    return value


def start_message_move_task(request: ExtensionRequest, params: dict[str, Any]) -> dict[str, Any]:
    handle = tasks.start(_backend(request), _text(params, "SourceArn", True) or "",
                         _text(params, "DestinationArn"), _number(params, "MaxNumberOfMessagesPerSecond"))
    return {"TaskHandle": handle}


def list_message_move_tasks(request: ExtensionRequest, params: dict[str, Any]) -> dict[str, Any]:
    return {"Results": tasks.list(_backend(request), _text(params, "SourceArn", True) or "",
                                  _number(params, "MaxResults"))}


def cancel_message_move_task(request: ExtensionRequest, params: dict[str, Any]) -> dict[str, Any]:
    return {"ApproximateNumberOfMessagesMoved": tasks.cancel(_text(params, "TaskHandle", True) or "")}


def list_dead_letter_source_queues(request: ExtensionRequest, params: dict[str, Any]) -> dict[str, Any]:
    url = _text(params, "QueueUrl", True) or ""
    backend = _backend(request)
    dlq = backend.queues.get(url.rstrip("/").rsplit("/", 1)[-1])
    if dlq is None:
        raise SqsError("AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist.")
    limit = _number(params, "MaxResults")
    if limit is not None and not 1 <= limit <= 1000:
        raise SqsError("InvalidParameterValue", "Value for parameter MaxResults is invalid. "
                       "Reason: Must be between 1 and 1000.")
    host = request.headers.get("Host", "localhost")
    urls = sorted(f"http://{host}/{q.account_id}/{q.name}" for q in backend.queues.values()
                  if q.dead_letter_queue is dlq)
    start = 0
    if params.get("NextToken"):
        try:
            start = int(json.loads(base64.b64decode(params["NextToken"]))["start"])
        except (ValueError, TypeError, KeyError):
            raise SqsError("InvalidParameterValue", "Invalid NextToken value.") from None
    size = limit or 1000
    answer: dict[str, Any] = {"queueUrls": urls[start:start + size]}
    if limit is not None and start + size < len(urls):
        answer["NextToken"] = base64.b64encode(json.dumps({"start": start + size}).encode()).decode()
    return answer


OPERATIONS: dict[str, Callable[[ExtensionRequest, dict[str, Any]], dict[str, Any]]] = {
    "StartMessageMoveTask": start_message_move_task,
    "ListMessageMoveTasks": list_message_move_tasks,
    "CancelMessageMoveTask": cancel_message_move_task,
    "ListDeadLetterSourceQueues": list_dead_letter_source_queues,
}


def handle(request: ExtensionRequest) -> ExtensionResponse:
    name = request.headers.get("X-Amz-Target", "").split(".", 1)[-1]
    try:
        params = request.json()
        if not isinstance(params, dict):
            raise SqsError("InvalidParameterValue", "The request body must be a JSON object.")
        return json_response(OPERATIONS[name](request, params), content_type=_CONTENT_TYPE)
    except ValueError:
        return _error(SqsError("SerializationException", "The request body is not valid JSON."))
    except SqsError as error:
        return _error(error)


def _error(error: SqsError) -> ExtensionResponse:
    shape = error.code.rsplit(".", 1)[-1].replace("NonExistentQueue", "QueueDoesNotExist")
    body = {"__type": f"com.amazonaws.sqs#{shape}", "message": error.message}
    return ExtensionResponse(error.status, json.dumps(body).encode(), {
        "Content-Type": _CONTENT_TYPE, "x-amzn-query-error": f"{error.code};Sender"})


def reset() -> None:
    """Stop moving and forget every task (moto forgets the queues)."""
    tasks.stop()
    tasks.tasks.clear()


def register(registry: ExtensionRegistry) -> None:
    reset()
    for name in OPERATIONS:
        registry.add_json_target(f"AmazonSQS.{name}", handle)
