"""moto's Step Functions backend as our handlers reach it: the backend, errors, handlers, aborting a run.

Shared by the operations the sandbox serves in place of moto's
(:mod:`.extensions`, :mod:`.redrive`) and by replayed executions
(:mod:`.replay`), which abort the same way a real run does.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from typing import Any

from opsconsole.sandbox.server import (
    ExtensionRequest,
    ExtensionResponse,
    aws_error,
    json_response,
)


def stepfunctions_backend(request: ExtensionRequest) -> Any:
    """moto's Step Functions interpreter backend for the request's account and region."""
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    return stepfunctions_parser_backends[request.account_id][request.region]


def error_from(exc: Exception) -> ExtensionResponse:
    """A moto exception as the AWS error response it stands for."""
    if hasattr(exc, "error_type"):  # moto's JsonRESTError family
        return aws_error(exc.error_type, exc.message, int(getattr(exc, "code", 400)))
    code = getattr(exc, "code", None)
    if isinstance(code, str):  # the interpreter's ServiceException family
        return aws_error(code, getattr(exc, "message", "") or str(exc), getattr(exc, "status_code", 400))
    raise exc


class Invalid(Exception):
    def __init__(self, message: str, code: str = "ValidationException"):
        super().__init__(message)
        self.message, self.code_name = message, code


def too_long(field: str, value: Any, limit: int, sensitive: bool = True) -> None:
    """AWS's member-constraint refusal (botocore's model: ``max``), counted as AWS counts it."""
    if isinstance(value, str) and len(value.encode("utf-8")) > limit:
        shown = "*** Sensitive Data Redacted ***" if sensitive else value
        raise Invalid(f"1 validation error detected: Value '{shown}' at '{field}' failed to satisfy "
                      f"constraint: Member must have length less than or equal to {limit}")


def express_refused(arn: str) -> None:
    """EXPRESS executions have no record in Step Functions: their ARNs are refused where a standard one is asked."""
    if ":express:" in arn:
        raise Invalid(f"Invalid Arn: 'Resource type not valid in this context: express' ({arn})", "InvalidArn")


def handler(work: Callable[[ExtensionRequest, dict[str, Any]], Any]) -> Callable[[ExtensionRequest], ExtensionResponse]:
    def handle(request: ExtensionRequest) -> ExtensionResponse:
        try:
            return json_response(work(request, request.json()))
        except Invalid as exc:
            return aws_error(exc.code_name, exc.message)
        except Exception as exc:  # moto raises its AWS errors as exceptions
            return error_from(exc)
    handle.__name__ = work.__name__
    return handle


def until(condition: Callable[[], bool], seconds: float = 2.0) -> None:
    end, pause = time.monotonic() + seconds, threading.Event()
    while not condition() and time.monotonic() < end:
        pause.wait(0.01)


class _Closed:
    """Stands in for a closed execution's worker communication: the end is already recorded."""

    def terminated(self) -> None:
        pass


def abort(execution: Any, now: dt.datetime, error: str | None = None, cause: str | None = None) -> None:
    """Abort a real execution at once and close its history, as AWS does.

    moto only signals its interpreter to stop: an execution parked on a task
    token notices when the wait ends (days later), and branches interrupted
    mid-task may end the execution FAILED instead. So the abort is recorded
    here, the history and status are sealed, and then moto is told to stop.
    """
    from moto.stepfunctions.parser.api import (
        ExecutionAbortedEventDetails,
        ExecutionStatus,
        HistoryEventType,
    )
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

    worker = execution.exec_worker
    env = worker.env
    details = ExecutionAbortedEventDetails(**{k: v for k, v in (("error", error), ("cause", cause)) if v})
    execution.stop_date = now
    execution.exec_status = ExecutionStatus.ABORTED
    execution.error, execution.cause = error, cause  # DescribeExecution shows them, as AWS does
    env.event_history_context.source_event_id = 0
    env.event_manager.add_event(context=env.event_history_context,
                                event_type=HistoryEventType.ExecutionAborted,
                                event_details=EventDetails(executionAbortedEventDetails=details))
    env.event_manager.add_event = lambda *args, **kwargs: 0  # nothing happens after the end
    worker._execution_communication = _Closed()
    env.set_stop(stop_date=now, cause=cause, error=error)
