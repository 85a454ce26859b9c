"""Execution history events: parsing GetExecutionHistory pages and telling which state each event is about.

Only ``*StateEntered``/``*StateExited`` and ``MapIteration*`` events name their
state; the others (``TaskScheduled``, ``TaskFailed``, ``MapStateStarted``...)
carry only ``previousEventId``. :class:`ScopeResolver` walks those links once,
event by event, and also knows the enclosing Map iteration or Parallel branch
of every state run, which :mod:`opsconsole.core.executions.history.runs` builds on.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from opsconsole.core.aws import Clients
from opsconsole.core import paging

#: The GetExecutionHistory maximum page size.
MAX_PAGE_SIZE = 1000

#: Events that end an execution.
EXECUTION_END_EVENTS = frozenset({"ExecutionSucceeded", "ExecutionFailed", "ExecutionAborted", "ExecutionTimedOut"})
#: Events that start one attempt of a state's work (a retry starts another one).
ATTEMPT_EVENTS = frozenset({"TaskScheduled", "ActivityScheduled", "LambdaFunctionScheduled",
                            "MapStateStarted", "ParallelStateStarted"})
#: Events that end an attempt in failure (their details carry error/cause).
FAILURE_EVENTS = frozenset({
    "TaskFailed", "TaskTimedOut", "TaskStartFailed", "TaskSubmitFailed",
    "ActivityFailed", "ActivityTimedOut", "ActivityScheduleFailed",
    "LambdaFunctionFailed", "LambdaFunctionTimedOut", "LambdaFunctionStartFailed", "LambdaFunctionScheduleFailed",
    "MapStateFailed", "ParallelStateFailed", "MapRunFailed", "EvaluationFailed",
})
#: Events that end an attempt successfully.
SUCCESS_EVENTS = frozenset({"TaskSucceeded", "ActivitySucceeded", "LambdaFunctionSucceeded",
                            "MapStateSucceeded", "ParallelStateSucceeded"})
#: A state interrupted by StopExecution (or by a failing sibling branch).
ABORT_EVENTS = frozenset({"TaskStateAborted", "WaitStateAborted", "MapStateAborted", "ParallelStateAborted"})
#: Event types that mean something went wrong (the history table's "Failures" filter, red rows).
PROBLEM_EVENTS = FAILURE_EVENTS | ABORT_EVENTS | {"ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted",
                                                  "MapIterationFailed", "MapIterationAborted", "FailStateEntered"}
_MAP_LEVEL = frozenset({"MapStateEntered", "MapStateStarted", "MapIterationStarted", "MapIterationSucceeded",
                        "MapIterationFailed", "MapIterationAborted", "MapRunStarted", "MapRunSucceeded",
                        "MapRunFailed", "MapRunAborted", "MapRunRedriven"})


@dataclass(frozen=True, slots=True)
class HistoryEvent:
    """One history event; ``details`` is its ``*EventDetails`` payload ({} when it has none)."""

    id: int
    previous_id: int
    type: str
    timestamp: datetime
    state: str | None
    details: dict = field(default_factory=dict)

    @property
    def error(self) -> str | None:
        """The ``error`` of a failure event, if it has one."""
        return self.details.get("error")

    @property
    def cause(self) -> str | None:
        """The ``cause`` of a failure event, if it has one."""
        return self.details.get("cause")


class Run:
    """One entry into a state while resolving (mutable, internal to the history modules)."""

    __slots__ = ("name", "type", "scope", "entered_id", "branches")

    def __init__(self, name: str, type_: str, scope: Scope | None, entered_id: int) -> None:
        self.name, self.type, self.scope, self.entered_id = name, type_, scope, entered_id
        self.branches = 0  # Parallel only: branches seen so far

    @property
    def container(self) -> Run | None:
        """The Map/Parallel run this run is inside, if any."""
        return self.scope.container if self.scope else None


class Scope:
    """Where a run lives: inside one iteration of a Map run or one branch of a Parallel run."""

    __slots__ = ("container", "iteration", "branch")

    def __init__(self, container: Run, iteration: int | None = None, branch: int | None = None) -> None:
        self.container, self.iteration, self.branch = container, iteration, branch


class ScopeResolver:
    """Assigns every event to the state run it belongs to, one event at a time.

    Fed in ascending id order (pages can be fed one after another). Events whose
    previous event was never fed (reverse paging) resolve from their own
    details only.
    """

    def __init__(self) -> None:
        self._run_of: dict[int, Run | None] = {}
        self._type_of: dict[int, str] = {}
        self._last_by_name: dict[str, Run] = {}
        self._iteration_of: dict[int, int] = {}  # MapIterationStarted id -> item index

    def feed(self, event_id: int, previous_id: int, type_: str, details: Mapping[str, Any]) -> Run | None:
        """The run ``event`` belongs to (None for execution-level events)."""
        prev_run = self._run_of.get(previous_id)
        prev_type = self._type_of.get(previous_id, "")
        run: Run | None
        if type_.endswith("StateEntered"):
            run = Run(details.get("name", "?"), type_[: -len("StateEntered")], self._inner_scope(previous_id), event_id)
            self._last_by_name[run.name] = run
        elif type_.startswith("Execution"):
            run = None
        elif type_.startswith("MapIteration"):
            if type_ == "MapIterationStarted":
                self._iteration_of[event_id] = int(details.get("index", 0))
            name = details.get("name")
            run = _ancestor(prev_run, lambda r: r.type == "Map" and r.name == name) or self._last_by_name.get(name or "")
        elif type_ in ("ParallelStateSucceeded", "ParallelStateFailed", "ParallelStateAborted"):
            run = prev_run if prev_type in ("ParallelStateStarted", "ParallelStateEntered") else \
                _ancestor(prev_run.container if prev_run else None, lambda r: r.type == "Parallel")
        elif type_ in ("MapStateSucceeded", "MapStateFailed", "MapStateAborted") or type_.startswith("MapRun"):
            run = prev_run if prev_type in _MAP_LEVEL and prev_run and prev_run.type == "Map" else \
                _ancestor(prev_run.container if prev_run else None, lambda r: r.type == "Map")
        elif type_.endswith("StateExited"):
            name = details.get("name")
            run = _ancestor(prev_run, lambda r: r.name == name) or self._last_by_name.get(name or "")
        else:
            run = prev_run
        self._run_of[event_id] = run
        self._type_of[event_id] = type_
        return run

    def _inner_scope(self, previous_id: int) -> Scope | None:
        """The scope a state entered right after ``previous_id`` lives in."""
        prev_run = self._run_of.get(previous_id)
        if prev_run is None:
            return None
        prev_type = self._type_of.get(previous_id, "")
        if prev_type == "MapIterationStarted":
            return Scope(prev_run, iteration=self._iteration_of.get(previous_id))
        if prev_type == "ParallelStateStarted":
            prev_run.branches += 1
            return Scope(prev_run, branch=prev_run.branches - 1)
        return prev_run.scope


def _ancestor(run: Run | None, wanted) -> Run | None:
    while run is not None:
        if wanted(run):
            return run
        run = run.container
    return None


def _details_of(raw: Mapping[str, Any]) -> dict:
    for key, value in raw.items():
        if key.endswith("EventDetails") and isinstance(value, dict):
            return value
    return {}


def to_datetime(value: Any) -> datetime:
    """An aware UTC datetime from botocore's datetimes, ISO strings (recorded files) or epoch seconds.

    botocore's datetimes carry dateutil's ``tzlocal``, whose offset lookup runs
    in Python on every comparison and ``timestamp()``: on 25,000 events that is
    most of the cost of sorting and drawing them, so everything becomes UTC here.
    """
    if isinstance(value, datetime):
        if value.tzinfo is timezone.utc:
            return value
        return value.astimezone(timezone.utc) if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, timezone.utc)
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed.astimezone(timezone.utc) if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


class HistoryParser:
    """Parses history pages in order, keeping what later pages need to resolve their states."""

    def __init__(self) -> None:
        self.resolver = ScopeResolver()

    def feed(self, raw_events: Iterable[Mapping[str, Any]]) -> list[HistoryEvent]:
        """Parse the next page (events in ascending id order)."""
        out: list[HistoryEvent] = []
        resolver = self.resolver
        for raw in raw_events:
            details = _details_of(raw)
            event_id, type_ = int(raw["id"]), raw["type"]
            previous = int(raw.get("previousEventId") or 0)
            run = resolver.feed(event_id, previous, type_, details)
            # Unresolved (newest-first paging): an event that names its state still says which.
            state = run.name if run else None if type_.startswith("Execution") else details.get("name")
            out.append(HistoryEvent(event_id, previous, type_, to_datetime(raw["timestamp"]), state, details))
        return out


def parse_events(raw_events: list[dict]) -> list[HistoryEvent]:
    """Events from GetExecutionHistory's response shape, each with the state it is about."""
    return HistoryParser().feed(sorted(raw_events, key=lambda e: int(e["id"])))


def iter_history(
    clients: Clients,
    execution_arn: str,
    page_size: int = MAX_PAGE_SIZE,
    reverse: bool = False,
    include_execution_data: bool = True,
) -> Iterator[list[HistoryEvent]]:
    """Yield one page of parsed events per GetExecutionHistory call.

    One call per ``next(...)``, so a cancelled job fetches nothing more. With
    ``reverse=True`` (newest first) an event's state is known only when it names
    it, because the events it points at arrive later.
    """
    page_size = max(1, min(int(page_size), MAX_PAGE_SIZE))
    parser = HistoryParser()
    for raw in raw_history(clients, execution_arn, page_size=page_size, reverse=reverse,
                           include_execution_data=include_execution_data):
        page = parser.feed(raw)
        if page:
            yield page


def raw_history(
    clients: Clients,
    execution_arn: str,
    page_size: int = MAX_PAGE_SIZE,
    reverse: bool = False,
    include_execution_data: bool = True,
) -> Iterator[list[dict]]:
    """GetExecutionHistory's events as AWS gives them, one page per call (none before the first ``next``)."""
    yield from paging.pages(clients.client("stepfunctions"), "get_execution_history", "events",
                        page_size=max(1, min(int(page_size), MAX_PAGE_SIZE)), executionArn=execution_arn,
                        reverseOrder=reverse, includeExecutionData=include_execution_data)


def one_line(text: str | None, limit: int = 160) -> str:
    """A payload squeezed onto one table line."""
    if not text:
        return ""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def event_summary(event: HistoryEvent) -> str:
    """What the Details column says about an event: the part an operator scans for."""
    d, t = event.details, event.type
    if "error" in d or "cause" in d:
        return one_line(": ".join(x for x in (d.get("error"), d.get("cause")) if x))
    if t.endswith("StateEntered") or t == "ExecutionStarted":
        return one_line(d.get("input"))
    if t.endswith("StateExited") or "output" in d:
        return one_line(d.get("output"))
    if t == "MapStateStarted":
        return f"{d.get('length', '?')} items"
    if t.startswith("MapIteration"):
        return f"iteration {d.get('index', '?')}"
    if "resource" in d:
        params = d.get("parameters")
        head = f"{d.get('resourceType', '')}:{d['resource']}".lstrip(":")
        return one_line(f"{head} {params}" if params else head)
    if "mapRunArn" in d:
        return d["mapRunArn"].rsplit("/", 1)[-1]
    return one_line(json.dumps(d, separators=(",", ":"))) if d else ""

