"""Fixing a run: start, stop, redrive, re-run from a state, answer a manual step, export.

Plain functions over a :class:`~opsconsole.core.aws.Clients`; the UI runs the
writes through its audited write queue. Input checks (:func:`validate_input`,
:func:`validate_execution_name`) follow AWS's own rules so that a mistake is
shown while typing instead of coming back from AWS. Re-running from a state
lives in ``actions_rerun``, manual steps in ``actions_approval`` and history
export in ``actions_history``; all are re-exported here.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from opsconsole.core import strictjson
from opsconsole.core.executions.actions.approval import (
    ApprovalRequest,
    WaitingTask,
    approval_requests,
    delete_approval_message,
    find_waiting_task,
    waiting_for,
    waiting_states,
)
from opsconsole.core.executions.actions.export import execution_history, export_history_json, iter_history
from opsconsole.core.executions.actions.rerun import (
    RerunError,
    RerunPlan,
    helper_name,
    prepare_rerun,
    rerun_from_state,
    start_rerun,
)
from opsconsole.core.aws import Clients
from opsconsole.core.errors import DomainError
from opsconsole.core.executions.asl import top_level_ancestors
from opsconsole.core.executions.listing import Execution
from opsconsole.core.format import format_size

__all__ = [
    "MAX_CAUSE_LENGTH", "MAX_ERROR_LENGTH", "MAX_INPUT_BYTES", "MAX_NAME_LENGTH", "MAX_OPEN_TIME",
    "REDRIVABLE_PERIOD", "REDRIVE_LAUNCH", "REDRIVE_MAX_EVENTS", "ApprovalRequest", "InputCheck", "InvalidInput",
    "RerunError", "RerunPlan", "WaitingTask", "approval_requests", "delete_approval_message",
    "describe_redrive_status", "execution_history", "execution_name_hint", "export_history_json",
    "fail_state_of", "fail_state_warning", "find_waiting_task", "format_size", "helper_name", "iter_history",
    "prepare_rerun", "redrive_check", "redrive_execution", "redrive_verdicts", "redrive_warnings",
    "rerun_from_state", "send_task_failure", "send_task_success", "start_execution", "start_rerun",
    "stop_execution", "top_level_ancestors", "validate_execution_name", "validate_input", "waiting_for",
    "waiting_states",
]

#: StartExecution / SendTaskSuccess payloads: 256 KB, counted in UTF-8 bytes.
MAX_INPUT_BYTES = 262_144
#: Execution (and state machine) names: 1 to 80 characters.
MAX_NAME_LENGTH = 80
#: StopExecution / SendTaskFailure limits.
MAX_ERROR_LENGTH = 256
MAX_CAUSE_LENGTH = 32_768

# AWS's redrive limits: the console's checks and the sandbox's RedriveExecution both use these.
#: RedriveExecution exists since this day; older executions cannot be redriven.
REDRIVE_LAUNCH = datetime(2023, 11, 15, tzinfo=timezone.utc)
#: How long after it stopped an execution can be redriven.
REDRIVABLE_PERIOD = timedelta(days=14)
#: A standard execution's maximum open time.
MAX_OPEN_TIME = timedelta(days=365)
#: Redrive needs room for ExecutionRedriven plus at least one more event (of 25,000).
REDRIVE_MAX_EVENTS = 24_999

class InvalidInput(DomainError, ValueError):
    """An execution name, input or task output AWS would refuse; the message says what to change.

    Still a ValueError for callers that catch that.
    """

    title = "Invalid input"


# From botocore's stepfunctions model (StartExecution ``name``): no brackets, wildcards or these.
_FORBIDDEN = set('<>{}[]?*"#%\\^|~`$&,;:/')


def validate_execution_name(name: str) -> str | None:
    """Why AWS would refuse ``name`` for an execution (or a state machine), or None if it is fine."""
    if not name:
        return "A name needs at least 1 character."
    if len(name) > MAX_NAME_LENGTH:
        return f"A name can have at most {MAX_NAME_LENGTH} characters; this one has {len(name)}."
    for position, char in enumerate(name, start=1):
        code = ord(char)
        if char.isspace():
            return f"A name cannot contain white space (character {position})."
        if char in _FORBIDDEN:
            return f"A name cannot contain '{char}' (character {position})."
        if code <= 0x1F or 0x7F <= code <= 0x9F or code in (0xFFFE, 0xFFFF) or code == 0x10FFFF:
            return f"A name cannot contain control or invalid characters (U+{code:04X} at character {position})."
        if 0xD800 <= code <= 0xDFFF:
            return f"A name cannot contain surrogate characters (character {position})."
    return None


def execution_name_hint(name: str) -> str | None:
    """A soft warning: names outside ``[0-9A-Za-z_-]`` cannot be used with CloudWatch Logs."""
    if name and not validate_execution_name(name) and not all(c.isascii() and (c.isalnum() or c in "-_")
                                                              for c in name):
        return "Allowed, but CloudWatch Logs needs names made of 0-9, A-Z, a-z, - and _ only."
    return None


@dataclass(frozen=True)
class InputCheck:
    """The verdict on an execution input (or task output) as typed."""

    ok: bool
    message: str
    #: 1-based position of a JSON syntax error, else None.
    line: int | None
    column: int | None
    size_bytes: int


def validate_input(text: str, limit: int = MAX_INPUT_BYTES) -> InputCheck:
    """Is ``text`` JSON AWS will take, and how big is it (UTF-8 bytes, against the 256 KB limit)?"""
    size = len(text.encode("utf-8", errors="surrogatepass"))
    if not text.strip():
        return InputCheck(False, "Empty: type {} for an execution without input.", None, None, size)
    try:
        strictjson.loads(text)  # NaN, Infinity, duplicate keys, lone surrogates, deep nesting: refused
    except json.JSONDecodeError as exc:
        return InputCheck(False, f"Line {exc.lineno}, column {exc.colno}: {exc.msg}.", exc.lineno, exc.colno, size)
    except strictjson.JsonRefused as exc:
        return InputCheck(False, f"{exc.message[:1].upper()}{exc.message[1:]}.", exc.lineno, exc.colno, size)
    if size > limit:
        return InputCheck(False, f"{format_size(size)} is over the {format_size(limit)} limit.", None, None, size)
    return InputCheck(True, f"Valid JSON, {format_size(size)} of {format_size(limit)}.", None, None, size)


def _sfn(clients: Clients) -> Any:
    return clients.client("stepfunctions")


def start_execution(clients: Clients, sm_arn: str, input_text: str, name: str | None = None) -> str:
    """StartExecution; returns the new execution's ARN.

    Without a name the execution gets a UUID, as AWS would give it; choosing
    it here means the console knows the name before the call returns.
    """
    name = name or str(uuid.uuid4())
    problem = validate_execution_name(name)
    check = validate_input(input_text)
    if problem or not check.ok:
        raise InvalidInput(problem or f"The input is not usable: {check.message}")
    out = _sfn(clients).start_execution(stateMachineArn=sm_arn, name=name, input=input_text)
    return str(out["executionArn"])


def stop_execution(clients: Clients, arn: str, error: str = "", cause: str = "") -> datetime:
    """StopExecution with an optional error code and cause; returns the stop date."""
    kwargs: dict[str, Any] = {"executionArn": arn}
    if error:
        kwargs["error"] = error[:MAX_ERROR_LENGTH]
    if cause:
        kwargs["cause"] = cause[:MAX_CAUSE_LENGTH]
    return _sfn(clients).stop_execution(**kwargs)["stopDate"]


def redrive_check(execution: Execution, history_event_count: int | None, now: datetime) -> str | None:
    """Why ``execution`` cannot be redriven (AWS's rules), or None when it can.

    ``history_event_count`` is the number of events in its history when known
    (None: not checked here; AWS still refuses a history that is too long).
    """
    status = execution.status
    if status == "SUCCEEDED":
        return "succeeded: nothing to redrive"
    if status == "RUNNING":
        return "still running"
    if status == "PENDING_REDRIVE":
        return "a redrive is already pending"
    if execution.start < REDRIVE_LAUNCH:
        return "started before redrive existed (2023-11-15)"
    if now - execution.start > MAX_OPEN_TIME:
        return "open for more than a year"
    if execution.stop is not None and now - execution.stop > REDRIVABLE_PERIOD:
        return f"stopped {(now - execution.stop).days} days ago (limit: 14 days)"
    if history_event_count is not None and history_event_count >= REDRIVE_MAX_EVENTS:
        return f"history has {history_event_count:,} events (must be under {REDRIVE_MAX_EVENTS:,})"
    return None


def redrive_execution(clients: Clients, arn: str) -> datetime:
    """RedriveExecution (same ARN, from the failed state); returns the redrive date.

    botocore fills in the idempotency ``clientToken`` and keeps it across its
    retries, so a retried call never redrives twice.
    """
    return _sfn(clients).redrive_execution(executionArn=arn)["redriveDate"]


def describe_redrive_status(clients: Clients, arn: str) -> tuple[str | None, str | None]:
    """AWS's own verdict: (``redriveStatus``, ``redriveStatusReason``) from DescribeExecution."""
    out = _sfn(clients).describe_execution(executionArn=arn)
    return out.get("redriveStatus"), out.get("redriveStatusReason")


def redrive_verdicts(clients: Clients, arns: Sequence[str]) -> Iterator[tuple[str, str | None]]:
    """AWS's verdict per execution: (arn, why it cannot be redriven, or None when it can), one call per yield.

    Executions whose endpoint gives no ``redriveStatus`` are skipped: for them
    :func:`redrive_check`, the console's own verdict, stands.
    """
    for arn in arns:
        status, reason = describe_redrive_status(clients, arn)
        if status is None:
            continue
        yield arn, (reason or "AWS says it cannot be redriven") if status == "NOT_REDRIVABLE" else None


def fail_state_of(clients: Clients, execution_arn: str) -> str | None:
    """The Fail state a FAILED execution ended in, or None when it failed elsewhere.

    Two events from the end of its history (GetExecutionHistory, newest first):
    a Fail state's ``FailStateEntered`` is followed directly by ``ExecutionFailed``.
    """
    events = _sfn(clients).get_execution_history(executionArn=execution_arn, reverseOrder=True, maxResults=2,
                                                 includeExecutionData=False)["events"]
    if len(events) == 2 and events[0]["type"] == "ExecutionFailed" and events[1]["type"] == "FailStateEntered":
        return str(events[1].get("stateEnteredEventDetails", {}).get("name", "")) or None
    return None


def fail_state_warning(state: str) -> str:
    """What the redrive dialog says of a run that ended in the Fail state ``state``."""
    return (f"It failed in its Fail state \"{state}\": a redrive runs that state again and fails the same way. "
            "Fix what led there, then start a new execution or re-run from an earlier state.")


def redrive_warnings(clients: Clients, arns: Sequence[str]) -> Iterator[tuple[str, str]]:
    """(arn, warning) for each execution a redrive would fail again (it ended in a Fail state); one call each."""
    for arn in arns:
        state = fail_state_of(clients, arn)
        if state:
            yield arn, fail_state_warning(state)


def send_task_success(clients: Clients, token: str, output_json: str) -> None:
    """SendTaskSuccess: the waiting task succeeds with ``output_json`` as its result."""
    check = validate_input(output_json)
    if not check.ok:
        raise InvalidInput(f"The task output is not usable: {check.message}")
    _sfn(clients).send_task_success(taskToken=token, output=output_json)


def send_task_failure(clients: Clients, token: str, error: str, cause: str) -> None:
    """SendTaskFailure: the waiting task fails with ``error`` (what a Catch matches) and ``cause``."""
    kwargs: dict[str, Any] = {"taskToken": token}
    if error:
        kwargs["error"] = error[:MAX_ERROR_LENGTH]
    if cause:
        kwargs["cause"] = cause[:MAX_CAUSE_LENGTH]
    _sfn(clients).send_task_failure(**kwargs)
