"""Replayed executions: recorded real histories, re-timed and re-labelled, inside moto.

Running a thousand executions through moto's interpreter at every start is too
slow, so the sandbox records one real run per (state machine, outcome) — a
:class:`Template` — and creates past executions from it: a
:class:`ReplayedExecution` lives in moto's Step Functions backend next to real
executions, answers DescribeExecution/ListExecutions/GetExecutionHistory with
the template's events shifted to its own start date, stretched to its own
duration and with the template's case values (country, ids, metrics, task
tokens, execution ARN) swapped for its own. A replayed RUNNING execution shows
the template's history up to the moment the sandbox started and stays RUNNING;
StopExecution aborts it (an ExecutionAborted event is appended). Everything
started after start-up runs for real. RedriveExecution (``redrive.py``) turns a
finished replay into a real execution: its re-timed history becomes the start
of a real one and the interpreter runs the rest.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from moto.core.utils import iso_8601_datetime_with_milliseconds
from moto.stepfunctions.parser.api import ExecutionStatus, GetExecutionHistoryOutput
from moto.stepfunctions.parser.backend.execution import Execution

from opsconsole.sandbox.stepfunctions.backend import abort

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TERMINAL_EVENTS = frozenset({"ExecutionSucceeded", "ExecutionFailed", "ExecutionAborted", "ExecutionTimedOut"})
_UNTOUCHED = {"type", "timestamp", "id", "previousEventId"}


def leaves(value: Any) -> Iterator[str]:
    """The scalar leaves of nested dicts/lists as the strings they appear as in events."""
    if isinstance(value, dict):
        for item in value.values():
            yield from leaves(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from leaves(item)
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, float):
        yield repr(value)
    else:
        yield str(value)


@dataclass
class Template:
    """A real run recorded at start-up: its events with times as offsets in seconds."""

    role: str
    outcome: str
    status: str
    values: list[Any]
    execution_name: str
    execution_arn: str
    events: list[dict[str, Any]]
    offsets: list[float]
    constants: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    cause: str | None = None
    output: str | None = None

    def __post_init__(self) -> None:
        text = json.dumps(self.events)
        self.uuids = sorted(set(_UUID.findall(text)))
        keys = {k for k in leaves(self.values) if len(k) >= 2}
        keys |= set(self.constants) | set(self.uuids) | {self.execution_arn, self.execution_name}
        alternatives = "|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True))
        self.pattern = re.compile(rf"(?<![A-Za-z0-9])(?:{alternatives})(?![A-Za-z0-9])")

    @property
    def duration(self) -> float:
        return max(self.offsets[-1], 0.001)

    @classmethod
    def capture(cls, execution: Execution, role: str, outcome: str, values: list[Any],
                constants: dict[str, str] | None = None) -> Template:
        """Record a finished real execution of moto's interpreter."""
        events = execution.exec_worker.env.event_manager.get_event_history()
        ends = [i for i, event in enumerate(events) if event["type"] in TERMINAL_EVENTS]
        events = events[:ends[0] + 1] if ends else events
        times = [dt.datetime.fromisoformat(e["timestamp"].replace("Z", "+00:00")) for e in events]
        output = execution.output
        return cls(role=role, outcome=outcome, status=execution.status, values=values,
                   execution_name=execution.name, execution_arn=execution.exec_arn,
                   events=events, offsets=[(t - times[0]).total_seconds() for t in times],
                   constants=dict(constants or {}), error=execution.error, cause=execution.cause,
                   output=output if output is None or isinstance(output, str)
                   else json.dumps(output, separators=(",", ":")))

    def substitutions(self, values: list[Any], name: str, arn: str, seed: str) -> dict[str, str]:
        """Template literal -> replay literal, for one replayed execution."""
        subs = dict(self.constants)
        for old, new in zip(leaves(self.values), leaves(values)):
            if old != new and len(old) >= 2:
                subs.setdefault(old, new)
        subs[self.execution_arn] = arn
        subs[self.execution_name] = name
        rng = random.Random(seed)
        for token in self.uuids:
            subs[token] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        return subs

    def relabel(self, value: Any, subs: dict[str, str]) -> Any:
        if isinstance(value, str):
            return self.pattern.sub(lambda m: subs.get(m.group(0), m.group(0)), value)
        if isinstance(value, dict):
            return {k: v if k in _UNTOUCHED else self.relabel(v, subs) for k, v in value.items()}
        if isinstance(value, list):
            return [self.relabel(v, subs) for v in value]
        return value


class _NoCallbacks:
    """Replays wait for no task token; moto asks every RUNNING execution."""

    def notify(self, callback_id: str, outcome: Any) -> bool:
        return False

    def heartbeat(self, callback_id: str) -> bool:
        return False

    def get(self, callback_id: str) -> None:
        return None


class _NoMapRuns:
    def get(self, map_run_arn: str) -> None:
        return None

    def get_all(self) -> list[Any]:
        return []


class _ReplayEnvironment:
    callback_pool_manager = _NoCallbacks()
    map_run_record_pool_manager = _NoMapRuns()


class _ReplayWorker:
    env = _ReplayEnvironment()

    def start(self) -> None:
        pass

    def stop(self, stop_date: dt.datetime, error: str | None, cause: str | None) -> None:
        pass


class ReplayedExecution(Execution):
    """A past (or still running) execution whose history is a re-timed template."""

    def __init__(self, state_machine: Any, template: Template, name: str, input_value: dict[str, Any],
                 values: list[Any], start: dt.datetime, duration: dt.timedelta,
                 elapsed: dt.timedelta | None, account_id: str, region_name: str):
        """``elapsed`` is None for a finished execution, else how long it has been running."""
        arn = state_machine.arn.replace(":stateMachine:", ":execution:") + f":{name}"
        super().__init__(name=name, sm_type=state_machine.sm_type, role_arn=state_machine.roleArn,
                         exec_arn=arn, account_id=account_id, region_name=region_name,
                         state_machine=state_machine, start_date=start,
                         cloud_watch_logging_session=None, activity_store={},
                         input_data=json.dumps(input_value))
        self.template = template
        self._subs = template.substitutions(values, name, arn, seed=arn)
        self._scale = duration.total_seconds() / template.duration
        self.exec_worker = _ReplayWorker()
        self._aborted: dict[str, Any] | None = None
        self.redrive_count = 0
        self.redrive_date: dt.datetime | None = None
        self._elapsed = None if elapsed is None else elapsed.total_seconds()
        if elapsed is not None:
            self.exec_status = ExecutionStatus.RUNNING
        else:
            self.exec_status = ExecutionStatus(template.status)
            self.stop_date = start + duration
            self.error = self._relabel(template.error)
            self.cause = self._relabel(template.cause)
            if template.status == "SUCCEEDED":
                self.output = self._relabel(template.output)

    def _relabel(self, value: str | None) -> str | None:
        return None if value is None else self.template.relabel(value, self._subs)

    def _events(self) -> list[dict[str, Any]]:
        events = []
        for event, offset in zip(self.template.events, self.template.offsets):
            at = offset * self._scale
            if self._elapsed is not None and (at > self._elapsed or event["type"] in TERMINAL_EVENTS):
                break
            copy = self.template.relabel(event, self._subs)
            copy["timestamp"] = iso_8601_datetime_with_milliseconds(
                self.start_date + dt.timedelta(seconds=at))
            events.append(copy)
        if self._aborted is not None:
            events.append({**self._aborted, "id": len(events) + 1})
        return events

    @property
    def replaying(self) -> bool:
        """True until a redrive gives the execution a real worker."""
        return isinstance(self.exec_worker, _ReplayWorker)

    def event_count(self) -> int:
        """How many events the history has, without building it (for the redrive limits)."""
        if not self.replaying:
            return len(self.exec_worker.env.event_manager._history_event_list)
        if self._elapsed is not None:
            return len(self._events())
        return len(self.template.events) + (1 if self._aborted is not None else 0)

    def to_history_output(self) -> GetExecutionHistoryOutput:
        if not self.replaying:
            return super().to_history_output()
        return GetExecutionHistoryOutput(events=self._events())

    def start(self) -> None:  # replays never run
        pass

    def stop(self, stop_date: dt.datetime, error: str | None, cause: str | None) -> None:
        if self.exec_status != ExecutionStatus.RUNNING:
            return
        if not self.replaying:  # redriven: a real run is going on
            abort(self, stop_date, error, cause)
            return
        details = {k: v for k, v in (("error", error), ("cause", cause)) if v}
        self._aborted = {"type": "ExecutionAborted", "previousEventId": 0,
                         "timestamp": iso_8601_datetime_with_milliseconds(stop_date),
                         "executionAbortedEventDetails": details}
        self.stop_date = stop_date
        self.error, self.cause = error, cause
        self.exec_status = ExecutionStatus.ABORTED


def install(state_machine: Any, executions: Iterable[ReplayedExecution]) -> None:
    """Add replayed executions to a moto parser-backend state machine."""
    state_machine.executions.extend(executions)
