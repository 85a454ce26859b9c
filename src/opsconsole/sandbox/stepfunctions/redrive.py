"""Step Functions RedriveExecution for the sandbox (moto lacks it).

``AWSStepFunctions.RedriveExecution`` (JSON protocol; ``executionArn``,
``clientToken`` -> ``redriveDate``) restarts an unsuccessful execution from
the state where it stopped, under the same ARN, as AWS does:

* the checks and reasons are AWS's (not SUCCEEDED, not RUNNING, started after
  the 2023-11-15 launch, stopped at most 14 days ago, open less than a year,
  fewer than 24,999 history events: the console's own limits, from
  :mod:`opsconsole.core.executions.actions`), refused with ``ExecutionNotRedrivable``;
* the restart point is the top-level state that was running when the
  execution stopped (the top-level ancestor of the last state entered), fed
  the input its ``*StateEntered`` event recorded; moto's interpreter runs it
  and what follows, with a definition whose ``StartAt`` is that state;
* the history keeps every earlier event and gains ``ExecutionRedriven`` plus
  the re-run's events, ids continuing and timestamps real; the status goes
  back to RUNNING and then to the re-run's outcome; ``redriveCount`` and
  ``redriveDate`` grow, DescribeExecution shows ``redriveStatus`` and
  ``redriveStatusReason`` (see :func:`redrive_fields`);
* replayed (past) executions are redriven the same way: their re-timed
  history becomes the start of a real one.

``$$.Execution.RedriveCount`` (0 before any redrive, see
:mod:`.parser_fix`) and ``$$.Execution.RedriveTime`` are in the context object.

A failed top-level Parallel state re-runs only the branches that did not
succeed (:func:`skip_finished_branches`), and a failed inline Map state (at
the top level or inside a Parallel branch) only the iterations that did not
succeed, keeping the others' outputs at their indexes (:mod:`.iterations`),
as AWS does.

Limits (also in docs/rerun-from-state.md and docs/sandbox-fidelity.md): a
Parallel nested inside another state, or a JSONata one, is re-run whole, and
so is a Map inside another Map's iterations or a Distributed Map; a redriven
execution's ``TimeoutSeconds`` counts from the redrive.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections import OrderedDict
from typing import Any

from moto.stepfunctions.parser.api import (
    ExecutionRedrivenEventDetails,
    ExecutionStatus,
    HistoryEventType,
)
from moto.stepfunctions.parser.asl.eval.evaluation_details import (
    EvaluationDetails,
    StateMachineDetails,
)
from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
from moto.stepfunctions.parser.asl.eval.event.event_manager import EventManager
from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
from moto.stepfunctions.parser.backend.execution import BaseExecutionWorkerCommunication
from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker
from moto.stepfunctions.parser.utils import TMP_THREADS

from opsconsole.core.executions.actions import (
    MAX_OPEN_TIME,
    REDRIVABLE_PERIOD,
    REDRIVE_LAUNCH,
    REDRIVE_MAX_EVENTS,
)
from opsconsole.core.executions.asl import top_level_ancestors
from opsconsole.sandbox.server import ExtensionRegistry, ExtensionRequest
from opsconsole.sandbox.stepfunctions.backend import handler, stepfunctions_backend
from opsconsole.sandbox.stepfunctions.iterations import resume_maps
from opsconsole.sandbox.stepfunctions.parser_fix import forget_finished_threads

#: AWS answers the last 10 client tokens of an execution, for 15 minutes.
_TOKENS_KEPT, _TOKEN_TTL = 10, dt.timedelta(minutes=15)

_lock = threading.Lock()


class ExecutionNotRedrivable(Exception):  # noqa: N818 - AWS's error name
    """AWS's error for an execution that cannot be redriven; ``code`` is the wire name."""

    code = "ExecutionNotRedrivable"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# -- what AWS would say about an execution --------------------------------------------------
def redrive_count(execution: Any) -> int:
    return int(getattr(execution, "redrive_count", 0) or 0)


def event_count(execution: Any) -> int:
    """How many history events the execution has, without copying them where possible."""
    counter = getattr(execution, "event_count", None)
    if callable(counter):
        return int(counter())
    env = getattr(getattr(execution, "exec_worker", None), "env", None)
    if env is None:
        return 0
    return len(env.event_manager._history_event_list)  # moto keeps no public count


def not_redrivable_reason(execution: Any, now: dt.datetime) -> str | None:
    """AWS's ``redriveStatusReason`` for ``execution``, or None when it can be redriven."""
    status = execution.status
    if getattr(execution, "sm_type", "STANDARD") == "EXPRESS":
        return "Execution of an EXPRESS state machine cannot be redriven"
    if status in ("RUNNING", "SUCCEEDED", "PENDING_REDRIVE"):
        return f"Execution is {status} and cannot be redriven"
    start = _aware(execution.start_date)
    if start < REDRIVE_LAUNCH:
        return "Execution was started before the launch of RedriveExecution"
    if now - start > MAX_OPEN_TIME:
        return "Execution has exceeded the max execution time"
    stop = _aware(execution.stop_date)
    if stop is not None and now - stop > REDRIVABLE_PERIOD:
        return "Execution redrivable period exceeded"
    if event_count(execution) >= REDRIVE_MAX_EVENTS:
        return "Execution history event limit exceeded"
    return None


def redrive_fields(execution: Any, describe: bool, now: dt.datetime | None = None) -> dict[str, Any]:
    """The redrive members of a ListExecutions item (``describe=False``) or DescribeExecution."""
    fields: dict[str, Any] = {"redriveCount": redrive_count(execution)}
    when = getattr(execution, "redrive_date", None)
    if when is not None:
        fields["redriveDate"] = when.timestamp()
    if describe:
        reason = not_redrivable_reason(execution, now or dt.datetime.now(dt.timezone.utc))
        fields["redriveStatus"] = "NOT_REDRIVABLE" if reason else "REDRIVABLE"
        if reason:
            fields["redriveStatusReason"] = reason
    return fields


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.timezone.utc)


# -- where to restart -------------------------------------------------------------------------
def restart_point(definition: dict[str, Any], events: list[dict[str, Any]],
                  execution_input: Any) -> tuple[str, Any]:
    """The top-level state to restart at and the input it received.

    Only one top-level state runs at a time, so the top-level ancestor of the
    last state entered is the one that was running when the execution stopped.
    An execution that stopped before entering any state restarts at ``StartAt``.
    """
    ancestors = top_level_ancestors(definition)
    entered = [e for e in events if "stateEnteredEventDetails" in e]
    if not entered:
        return definition["StartAt"], execution_input
    last = entered[-1]["stateEnteredEventDetails"]["name"]
    top = ancestors.get(last, (last, None))[0]
    for event in reversed(entered):
        details = event["stateEnteredEventDetails"]
        if details["name"] == top:
            return top, json.loads(details.get("input") or "{}")
    return definition["StartAt"], execution_input


def _names(states: Any) -> set[str]:
    """Every state name in a scope, nested ones included."""
    found: set[str] = set()
    for name, body in (states or {}).items():
        found.add(name)
        for branch in body.get("Branches") or []:
            found |= _names(branch.get("States"))
        processor = body.get("ItemProcessor") or body.get("Iterator")
        if processor:
            found |= _names(processor.get("States"))
    return found


def skip_finished_branches(definition: dict[str, Any], start_at: str,
                           history: list[dict[str, Any]]) -> dict[str, Any]:
    """For a redrive restarting at a Parallel state: the branches that succeeded last time are not run again.

    AWS re-runs only the failed branches of a Parallel state. A branch whose
    terminal state exited in the failed run is replaced, for the redrive, by a
    Pass state of the same name giving the output it gave then; the others run
    from their start (a Map inside such a branch re-runs only its unsuccessful iterations).
    """
    state = definition.get("States", {}).get(start_at) or {}
    ql = state.get("QueryLanguage", definition.get("QueryLanguage", "JSONPath"))
    if state.get("Type") != "Parallel" or ql != "JSONPath":
        return definition
    entered = [i for i, e in enumerate(history) if e.get("type") == "ParallelStateEntered"
               and e.get("stateEnteredEventDetails", {}).get("name") == start_at]
    if not entered:
        return definition
    outputs: dict[str, Any] = {}
    for event in history[entered[-1]:]:
        details = event.get("stateExitedEventDetails")
        if details:
            outputs[details["name"]] = details.get("output")
    branches = []
    for branch in state.get("Branches") or []:
        states = branch.get("States") or {}
        terminal = [n for n, b in states.items() if b.get("Type") == "Succeed" or b.get("End") is True]
        done = next((n for n in terminal if outputs.get(n) is not None), None)
        if done is None:
            branches.append(branch)
            continue
        branches.append({"StartAt": done, "States": {done: {
            "Type": "Pass", "Result": json.loads(outputs[done]), "End": True}}})
    return {**definition, "States": {**definition["States"], start_at: {**state, "Branches": branches}}}


# -- running the redrive ----------------------------------------------------------------------
class RedriveWorker(ExecutionWorker):
    """Runs the rest of an execution inside its existing history.

    Built and prepared on the request thread (so history and status are right
    the moment RedriveExecution answers); :meth:`start` then runs the program
    on a thread of its own, like moto's worker.
    """

    def __init__(self, execution: Any, definition: str, history: list[dict[str, Any]], state_input: Any,
                 count: int) -> None:
        machine = execution.state_machine
        super().__init__(
            evaluation_details=EvaluationDetails(
                aws_execution_details=execution._get_start_aws_execution_details(),
                execution_details=execution.get_start_execution_details(),
                state_machine_details=StateMachineDetails(arn=machine.arn, name=machine.name,
                                                          typ=machine.sm_type, definition=definition)),
            exec_comm=BaseExecutionWorkerCommunication(execution),
            cloud_watch_logging_session=None,
            activity_store={},
        )
        self._program = AmazonStateLanguageParser.parse(definition)[0]
        parsed = json.loads(definition)
        resume_maps(self._program, parsed, history, since_state=parsed["StartAt"])
        env = self._get_evaluation_environment()
        # A fresh manager holding the old events: the old one may be sealed (see backend.abort).
        manager = EventManager()
        manager._history_event_list.extend(history)
        manager._event_id_gen._next_id = max((e["id"] for e in history), default=0) + 1
        env.event_manager = manager
        env.states.reset(state_input)
        execution_data = env.states.context_object.context_object_data["Execution"]
        execution_data["RedriveCount"] = count  # $$.Execution.RedriveCount, as AWS gives it
        execution_data["RedriveTime"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")
        env.event_history_context.source_event_id = manager._event_id_gen._next_id - 1
        manager.add_event(context=env.event_history_context, event_type=HistoryEventType.ExecutionRedriven,
                          event_details=EventDetails(executionRedrivenEventDetails=ExecutionRedrivenEventDetails(
                              redriveCount=count)))
        self.env = env

    def _run(self) -> None:
        self._program.eval(self.env)
        self._execution_communication.terminated()

    def start(self) -> None:
        forget_finished_threads()
        thread = threading.Thread(target=self._run, name="sandbox-redrive", daemon=True)
        TMP_THREADS.append(thread)
        thread.start()


def redrive(execution: Any, now: dt.datetime, client_token: str | None = None) -> dt.datetime:
    """Redrive one moto execution (real or replayed); returns its ``redriveDate``."""
    with _lock:
        tokens: OrderedDict[str, dt.datetime] = getattr(execution, "redrive_tokens", None) or OrderedDict()
        if client_token and client_token in tokens and now - tokens[client_token] <= _TOKEN_TTL:
            return execution.redrive_date  # the same request again: answered, not redriven twice
        reason = not_redrivable_reason(execution, now)
        if reason:
            raise ExecutionNotRedrivable(f"Execution '{execution.exec_arn}' cannot be redriven: {reason}")
        history = execution.to_history_output()["events"]
        definition = json.loads(execution.state_machine.definition)
        start_at, state_input = restart_point(definition, history, execution.input_data)
        definition = skip_finished_branches(definition, start_at, history)
        count = redrive_count(execution) + 1
        worker = RedriveWorker(execution, json.dumps({**definition, "StartAt": start_at}), history,
                               state_input, count)
        execution.exec_worker = worker
        execution.exec_status = ExecutionStatus.RUNNING
        execution.stop_date = execution.error = execution.cause = execution.output = None
        execution.redrive_count, execution.redrive_date = count, now
        if client_token:
            tokens[client_token] = now
            while len(tokens) > _TOKENS_KEPT:
                tokens.popitem(last=False)
        execution.redrive_tokens = tokens
        worker.start()
        return now


def redrive_execution(request: ExtensionRequest, body: dict[str, Any]) -> dict[str, Any]:
    """The RedriveExecution operation: ``executionArn``, ``clientToken`` -> ``redriveDate``."""
    execution = stepfunctions_backend(request).describe_execution(body.get("executionArn", ""))
    when = redrive(execution, dt.datetime.now(dt.timezone.utc), body.get("clientToken"))
    return {"redriveDate": when.timestamp()}


def register(registry: ExtensionRegistry) -> None:
    """Add RedriveExecution to the sandbox's endpoint."""
    registry.add_json_target("AWSStepFunctions.RedriveExecution", handler(redrive_execution))
