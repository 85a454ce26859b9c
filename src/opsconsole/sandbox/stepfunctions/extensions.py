"""Built-in extension handlers: Step Functions operations where moto 5.2 differs from AWS.

Served through :class:`~opsconsole.sandbox.server.ExtensionRegistry` (JSON
protocol, ``X-Amz-Target: AWSStepFunctions.<Operation>``):

* ListExecutions / DescribeExecution: moto omits ``stopDate`` for TIMED_OUT
  executions and accepts any page size; AWS caps ``maxResults`` at 1000. Both
  carry the redrive members (``redriveCount``, ``redriveDate``; Describe also
  ``redriveStatus``/``redriveStatusReason``) that moto leaves out.
* GetExecutionHistory: moto ignores ``maxResults``/``nextToken``/
  ``reverseOrder``/``includeExecutionData``; AWS pages (default 100 events).
* SendTaskSuccess/Failure/Heartbeat: moto drops the failure's ``cause``, answers
  tokens of finished executions, and fails (HTTP 500) when any execution was
  started a moment before.
* StopExecution: moto ignores ``error``/``cause`` (AWS records them in the
  history and DescribeExecution shows them); an execution parked on a task
  token (``.waitForTaskToken``) only notices the stop when the wait ends (days
  later), and one stopped mid-task in a Parallel branch may end FAILED. Here
  the execution is aborted at once and its history closed (see :func:`abort`).

New operations (e.g. RedriveExecution) belong in their own module registering
on the same registry.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from opsconsole.sandbox import wire
from opsconsole.sandbox.server import ExtensionRegistry, ExtensionRequest
from opsconsole.sandbox.stepfunctions import parser_fix
from opsconsole.sandbox.stepfunctions.backend import Invalid, abort, handler, stepfunctions_backend, until
from opsconsole.sandbox.stepfunctions.redrive import redrive_fields
from opsconsole.sandbox.stepfunctions.replay import ReplayedExecution

_STOPPED = {"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"}


def _epoch(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value.timestamp()


def _max_results(body: dict[str, Any], default: int) -> int:
    value = body.get("maxResults") or default
    if not 0 < int(value) <= 1000:
        raise Invalid(f"1 validation error detected: Value '{value}' at 'maxResults' failed to "
                       "satisfy constraint: Member must have value less than or equal to 1000")
    return int(value)


def _list_item(execution: Any, state_machine_arn: str, describe: bool = False) -> dict[str, Any]:
    item = {"executionArn": execution.execution_arn, "stateMachineArn": state_machine_arn,
            "name": execution.name, "status": execution.status, "startDate": _epoch(execution.start_date)}
    if execution.status in _STOPPED and execution.stop_date is not None:
        item["stopDate"] = _epoch(execution.stop_date)
    item.update(redrive_fields(execution, describe))
    return item


def list_executions(request: ExtensionRequest, body: dict[str, Any]) -> dict[str, Any]:
    backend = stepfunctions_backend(request)
    arn = body.get("stateMachineArn")
    if not arn:
        raise Invalid("stateMachineArn is required", "InvalidArn")
    machine = backend.describe_state_machine(arn)
    page, token = backend.list_executions(arn, status_filter=body.get("statusFilter"),
                                          max_results=_max_results(body, 100),
                                          next_token=body.get("nextToken"))
    result: dict[str, Any] = {"executions": [_list_item(e, machine.arn) for e in page]}
    if token:
        result["nextToken"] = token
    return result


def describe_execution(request: ExtensionRequest, body: dict[str, Any]) -> dict[str, Any]:
    execution = stepfunctions_backend(request).describe_execution(body.get("executionArn", ""))
    result = _list_item(execution, execution.state_machine_arn, describe=True)
    result.update(input=execution.execution_input, inputDetails={"included": True})
    if execution.status == "SUCCEEDED" and execution.output is not None:
        output = execution.output
        result["output"] = output if isinstance(output, str) else json.dumps(output)
        result["outputDetails"] = {"included": True}
    for key in ("error", "cause"):
        if getattr(execution, key, None) is not None:
            result[key] = getattr(execution, key)
    return result


def _token(offset: int, arn: str) -> str:
    return wire.page_token(arn, offset)


def _offset(token: str | None, arn: str) -> int:
    if not token:
        return 0
    offset = wire.token_start(token, arn)
    if offset is None:
        raise Invalid(f"Invalid Token: '{token}'", "InvalidToken")
    return offset


def get_execution_history(request: ExtensionRequest, body: dict[str, Any]) -> dict[str, Any]:
    arn = body.get("executionArn", "")
    events = stepfunctions_backend(request).get_execution_history(arn)["events"]
    if body.get("reverseOrder"):
        events = list(reversed(events))
    start, size = _offset(body.get("nextToken"), arn), _max_results(body, 100)
    page = []
    for event in events[start:start + size]:
        event = {**event, "timestamp": _epoch(event["timestamp"])}
        if body.get("includeExecutionData") is False:
            for key, details in event.items():
                if isinstance(details, dict):
                    event[key] = {k: v for k, v in details.items()
                                  if k not in ("input", "output", "inputDetails", "outputDetails")}
        page.append(event)
    result: dict[str, Any] = {"events": page}
    if start + size < len(events):
        result["nextToken"] = _token(start + size, arn)
    return result


def _answer_token(request: ExtensionRequest, token: str, outcome: Any, heartbeat: bool = False) -> None:
    """Hand a task-token answer to the RUNNING execution waiting on it."""
    from moto.stepfunctions.parser.api import InvalidToken, TaskDoesNotExist, TaskTimedOut
    from moto.stepfunctions.parser.asl.eval.callback.callback import (
        CallbackConsumerTimeout,
        CallbackNotifyConsumerError,
    )

    for execution in stepfunctions_backend(request)._get_executions("RUNNING"):
        env = execution.exec_worker.env
        if env is None:  # started a moment ago: it waits on no token yet
            continue
        pool = env.callback_pool_manager
        try:
            if pool.heartbeat(callback_id=token) if heartbeat else pool.notify(callback_id=token, outcome=outcome):
                return
        except CallbackNotifyConsumerError as error:
            raise (TaskTimedOut() if isinstance(error, CallbackConsumerTimeout) else TaskDoesNotExist()) from None
    raise InvalidToken()


def send_task_success(request: ExtensionRequest, body: dict[str, Any]) -> dict[str, Any]:
    from moto.stepfunctions.parser.asl.eval.callback.callback import CallbackOutcomeSuccess

    token = body.get("taskToken", "")
    _answer_token(request, token, CallbackOutcomeSuccess(callback_id=token, output=body.get("output")))
    return {}


def send_task_failure(request: ExtensionRequest, body: dict[str, Any]) -> dict[str, Any]:
    from moto.stepfunctions.parser.asl.eval.callback.callback import CallbackOutcomeFailure

    token = body.get("taskToken", "")
    _answer_token(request, token, CallbackOutcomeFailure(callback_id=token, error=body.get("error"),
                                                         cause=body.get("cause")))
    return {}


def send_task_heartbeat(request: ExtensionRequest, body: dict[str, Any]) -> dict[str, Any]:
    _answer_token(request, body.get("taskToken", ""), None, heartbeat=True)
    return {}


def stop_execution(request: ExtensionRequest, body: dict[str, Any]) -> dict[str, Any]:
    execution = stepfunctions_backend(request).describe_execution(body.get("executionArn", ""))
    now = dt.datetime.now(dt.timezone.utc)
    if execution.status != "RUNNING":
        return {"stopDate": _epoch(execution.stop_date or now)}
    error, cause = body.get("error"), body.get("cause")
    if isinstance(execution, ReplayedExecution):
        execution.stop(stop_date=now, error=error, cause=cause)
    else:
        until(lambda: execution.exec_worker.env is not None)  # its thread sets it up right after start
        abort(execution, now, error, cause)
    return {"stopDate": _epoch(execution.stop_date or now)}


def register(registry: ExtensionRegistry) -> None:
    """Register the Step Functions fixes."""
    parser_fix.install()  # before the first definition is parsed: seeding parses them in several threads
    for operation, work in (("ListExecutions", list_executions),
                            ("DescribeExecution", describe_execution),
                            ("GetExecutionHistory", get_execution_history),
                            ("SendTaskSuccess", send_task_success),
                            ("SendTaskFailure", send_task_failure),
                            ("SendTaskHeartbeat", send_task_heartbeat),
                            ("StopExecution", stop_execution)):
        registry.add_json_target(f"AWSStepFunctions.{operation}", handler(work))
