"""Built-in extension handlers: Step Functions operations where moto 5.2 differs from AWS.

Served through :class:`~opsconsole.sandbox.server.ExtensionRegistry` (JSON
protocol, ``X-Amz-Target: AWSStepFunctions.<Operation>``):

* ListExecutions / DescribeExecution: moto omits ``stopDate`` for TIMED_OUT
  executions and accepts any page size; AWS caps ``maxResults`` at 1000. Both
  carry the redrive members (``redriveCount``, ``redriveDate``; Describe also
  ``redriveStatus``/``redriveStatusReason``) that moto leaves out.
* GetExecutionHistory: moto ignores ``maxResults``/``nextToken``/
  ``reverseOrder``/``includeExecutionData``; AWS pages (default 100 events).
  moto also rebuilds the whole history for every request; here a built history
  is kept per execution until it gains an event (:class:`HistoryCache`), so a
  page costs its own events only.
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
import threading
from collections import OrderedDict
from typing import Any

from opsconsole.core.executions.actions import (
    MAX_CAUSE_LENGTH,
    MAX_ERROR_LENGTH,
    MAX_INPUT_BYTES,
    validate_input,
)
from opsconsole.sandbox import wire
from opsconsole.sandbox.server import ExtensionRegistry, ExtensionRequest
from opsconsole.sandbox.stepfunctions import checks, parser_fix
from opsconsole.sandbox.stepfunctions.backend import (
    Invalid,
    abort,
    express_refused,
    handler,
    stepfunctions_backend,
    too_long,
    until,
)
from opsconsole.sandbox.stepfunctions.redrive import event_count, redrive_count, redrive_fields
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
    arn, map_run = body.get("stateMachineArn"), body.get("mapRunArn")
    if arn and map_run:
        raise Invalid("Only one of stateMachineArn or mapRunArn can be provided")
    if not arn and not map_run:
        raise Invalid("Must provide a StateMachine ARN or MapRun ARN")
    status, redriven = body.get("statusFilter"), body.get("redriveFilter")
    if status == "PENDING_REDRIVE" and arn:
        raise Invalid("PENDING_REDRIVE status filter can only be used with a MapRun ARN")
    if redriven not in (None, "REDRIVEN", "NOT_REDRIVEN"):
        raise Invalid(f"1 validation error detected: Value '{redriven}' at 'redriveFilter' failed to satisfy "
                      "constraint: Member must satisfy enum value set: [REDRIVEN, NOT_REDRIVEN]")
    size = _max_results(body, 100)
    if map_run:
        executions, owner = map_run_children(request, map_run), None
        scope: Any = ["mapRun", map_run, status, redriven]
    else:
        machine = backend.describe_state_machine(arn)
        if getattr(machine, "type", "STANDARD") == "EXPRESS":
            raise Invalid("This operation is not supported by EXPRESS state machines: their executions "
                          "are recorded in CloudWatch Logs", "StateMachineTypeNotSupported")
        executions, owner = list(machine.executions), machine.arn
        scope = ["stateMachine", machine.arn, status, redriven]
    if status:
        executions = [e for e in executions if e.status == status]
    if redriven:
        executions = [e for e in executions if (redrive_count(e) > 0) == (redriven == "REDRIVEN")]
    executions.sort(key=lambda e: _epoch(e.start_date) or 0.0, reverse=True)
    start = _offset(body.get("nextToken"), scope)
    result: dict[str, Any] = {"executions": [_list_item(e, owner or e.state_machine_arn)
                                             for e in executions[start:start + size]]}
    if start + size < len(executions):
        result["nextToken"] = wire.page_token(scope, start + size)
    return result


def map_run_children(request: ExtensionRequest, map_run_arn: str) -> list[Any]:
    """The child workflow executions of a Map Run (ResourceNotFound when there is no such run).

    The interpreter runs a distributed Map's items inside the parent execution and
    starts no child executions, so a Map Run it knows lists none.
    """
    find_map_run(request, map_run_arn)
    return []


def find_map_run(request: ExtensionRequest, map_run_arn: str) -> Any:
    if not isinstance(map_run_arn, str) or not map_run_arn.startswith("arn:") or ":mapRun:" not in map_run_arn:
        raise Invalid(f"Invalid Arn: '{map_run_arn}'", "InvalidArn")
    for execution in stepfunctions_backend(request)._get_executions():
        env = getattr(getattr(execution, "exec_worker", None), "env", None)
        pool = getattr(env, "map_run_record_pool_manager", None)
        record = pool.get(map_run_arn) if pool is not None else None
        if record is not None:
            return record
    raise Invalid(f"Resource not found: '{map_run_arn}'", "ResourceNotFound")


def describe_map_run(request: ExtensionRequest, body: dict[str, Any]) -> dict[str, Any]:
    return find_map_run(request, body.get("mapRunArn", "")).describe()


def describe_execution(request: ExtensionRequest, body: dict[str, Any]) -> dict[str, Any]:
    express_refused(body.get("executionArn", ""))
    execution = stepfunctions_backend(request).describe_execution(body.get("executionArn", ""))
    result = _list_item(execution, execution.state_machine_arn, describe=True)
    metadata_only = body.get("includedData") == "METADATA_ONLY"
    if not metadata_only:
        result.update(input=execution.execution_input, inputDetails={"included": True})
    if execution.status == "SUCCEEDED" and execution.output is not None and not metadata_only:
        output = execution.output
        result["output"] = output if isinstance(output, str) else json.dumps(output)
        result["outputDetails"] = {"included": True}
    for key in ("error", "cause"):
        if getattr(execution, key, None) is not None:
            result[key] = getattr(execution, key)
    return result


def describe_state_machine_for_execution(request: ExtensionRequest, body: dict[str, Any]) -> dict[str, Any]:
    arn = body.get("executionArn", "")
    express_refused(arn)
    execution = stepfunctions_backend(request).describe_execution(arn)
    machine = execution.state_machine  # the definition the execution runs (a snapshot taken at its start)
    result = {"stateMachineArn": execution.state_machine_arn, "name": machine.name,
              "definition": machine.definition, "roleArn": machine.roleArn,
              "updateDate": _epoch(getattr(machine, "update_date", None) or machine.creation_date)}
    for key, attribute in (("loggingConfiguration", "loggingConfiguration"),
                           ("tracingConfiguration", "tracingConfiguration")):
        if getattr(machine, attribute, None):
            result[key] = getattr(machine, attribute)
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


class HistoryCache:
    """Built histories per execution, so that each GetExecutionHistory page costs only its own events.

    moto builds a history by deep-copying every event (and a replayed execution
    re-times its whole recording): done for every page, paging through 25,000
    events cost seconds. A history is built once and kept while its event count
    stays the same; a new event (a running or redriven execution) rebuilds it.
    """

    def __init__(self, size: int = 32) -> None:
        self._lock = threading.Lock()
        self._built: OrderedDict[str, tuple[int, list[dict[str, Any]]]] = OrderedDict()
        self._size = size
        self.builds = 0  # how many times a history was built (what the cache saves)

    def events(self, execution: Any, arn: str, build: Any) -> list[dict[str, Any]]:
        count = event_count(execution)
        with self._lock:
            cached = self._built.get(arn)
            if cached is not None and cached[0] == count:
                self._built.move_to_end(arn)
                return cached[1]
        events = [{**event, "timestamp": _epoch(event["timestamp"])} for event in build()]
        with self._lock:
            self.builds += 1
            if len(events) == count:  # not grown meanwhile: keep it (else build again next time)
                self._built[arn] = (count, events)
                self._built.move_to_end(arn)
                while len(self._built) > self._size:
                    self._built.popitem(last=False)
        return events

    def clear(self) -> None:
        with self._lock:
            self._built.clear()


histories = HistoryCache()


def get_execution_history(request: ExtensionRequest, body: dict[str, Any]) -> dict[str, Any]:
    arn = body.get("executionArn", "")
    express_refused(arn)
    backend = stepfunctions_backend(request)
    execution = backend.describe_execution(arn)
    events = histories.events(execution, arn, lambda: backend.get_execution_history(arn)["events"])
    start, size = _offset(body.get("nextToken"), arn), _max_results(body, 100)
    if body.get("reverseOrder"):
        chosen = [events[i] for i in range(len(events) - 1 - start, max(len(events) - 1 - start - size, -1), -1)]
    else:
        chosen = events[start:start + size]
    page = []
    for event in chosen:
        if body.get("includeExecutionData") is False:
            event = dict(event)
            for key, details in event.items():
                if isinstance(details, dict):
                    event[key] = {k: v for k, v in details.items()
                                  if k not in ("input", "output", "inputDetails", "outputDetails")}
        page.append(event)
    result: dict[str, Any] = {"events": page}
    if start + size < len(events):
        result["nextToken"] = _token(start + size, arn)
    return result


def _endpoint(execution: Any, token: str) -> Any:
    """The execution's callback endpoint for ``token``, or None (replays and executions mid-start have none)."""
    env = getattr(getattr(execution, "exec_worker", None), "env", None)
    pool = getattr(env, "callback_pool_manager", None)
    getter = getattr(pool, "get", None)
    return getter(token) if getter is not None else None


def _answer_token(request: ExtensionRequest, token: str, outcome: Any, heartbeat: bool = False) -> None:
    """Hand a task-token answer to the task waiting on it, with AWS's errors otherwise.

    A token no execution issued is ``InvalidToken``; one whose task is closed
    (answered, timed out, or its execution stopped or finished) is
    ``TaskTimedOut``, as AWS answers. A heartbeat is taken as soon as the token
    exists, whether or not the task has started waiting on it yet.
    """
    for execution in stepfunctions_backend(request)._get_executions():
        endpoint = _endpoint(execution, token)
        if endpoint is None:
            continue
        if (execution.status != "RUNNING" or endpoint.consumer_error is not None
                or endpoint.get_outcome() is not None):
            raise Invalid("Task Timed Out: 'Provided task does not exist anymore'", "TaskTimedOut")
        if heartbeat:
            endpoint.notify_heartbeat()  # no heartbeat clock yet (or none at all): nothing to reset
        else:
            endpoint.notify(outcome)
        return
    raise Invalid("Invalid Token: 'Invalid token'", "InvalidToken")


def send_task_success(request: ExtensionRequest, body: dict[str, Any]) -> dict[str, Any]:
    from moto.stepfunctions.parser.asl.eval.callback.callback import (
        CallbackOutcomeSuccess,
    )

    token, output = body.get("taskToken", ""), body.get("output", "")
    too_long("output", output, MAX_INPUT_BYTES)
    check = validate_input(output or "")
    if not check.ok:
        raise Invalid(f"Invalid Output: '{check.message}'", "InvalidOutput")
    _answer_token(request, token, CallbackOutcomeSuccess(callback_id=token, output=output))
    return {}


def send_task_failure(request: ExtensionRequest, body: dict[str, Any]) -> dict[str, Any]:
    from moto.stepfunctions.parser.asl.eval.callback.callback import (
        CallbackOutcomeFailure,
    )

    token = body.get("taskToken", "")
    too_long("error", body.get("error"), MAX_ERROR_LENGTH)
    too_long("cause", body.get("cause"), MAX_CAUSE_LENGTH)
    _answer_token(request, token, CallbackOutcomeFailure(callback_id=token, error=body.get("error"),
                                                         cause=body.get("cause")))
    return {}


def send_task_heartbeat(request: ExtensionRequest, body: dict[str, Any]) -> dict[str, Any]:
    _answer_token(request, body.get("taskToken", ""), None, heartbeat=True)
    return {}


def stop_execution(request: ExtensionRequest, body: dict[str, Any]) -> dict[str, Any]:
    express_refused(body.get("executionArn", ""))
    too_long("error", body.get("error"), MAX_ERROR_LENGTH)
    too_long("cause", body.get("cause"), MAX_CAUSE_LENGTH)
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
    histories.clear()  # a new sandbox in this process: moto forgot every execution
    checks.register(registry)
    for operation, work in (("ListExecutions", list_executions),
                            ("DescribeExecution", describe_execution),
                            ("GetExecutionHistory", get_execution_history),
                            ("SendTaskSuccess", send_task_success),
                            ("SendTaskFailure", send_task_failure),
                            ("SendTaskHeartbeat", send_task_heartbeat),
                            ("StopExecution", stop_execution),
                            ("DescribeStateMachineForExecution", describe_state_machine_for_execution),
                            ("DescribeMapRun", describe_map_run)):
        registry.add_json_target(f"AWSStepFunctions.{operation}", handler(work))
