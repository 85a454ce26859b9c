"""From history events to state runs: one :class:`StateRun` per entry into a state.

A run knows its attempts (Retry), the error it failed with, whether a Catch
took over, its waits (Wait states, task-token callbacks, retry back-off) and
the Map iteration or Parallel state it ran inside.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from opsconsole.core.executions.history.events import (
    ABORT_EVENTS,
    ATTEMPT_EVENTS,
    EXECUTION_END_EVENTS,
    FAILURE_EVENTS,
    SUCCESS_EVENTS,
    HistoryEvent,
    Run,
    ScopeResolver,
)

#: Every value :attr:`StateRun.status` takes.
RUN_STATUSES = ("running", "succeeded", "retried", "caught", "failed", "timed_out", "aborted")


@dataclass(eq=False, slots=True)
class StateRun:
    """One entry into a state, with everything the history says about it.

    ``status``: "succeeded", "retried" (succeeded after failed attempts),
    "caught" (failed, a Catch moved on), "failed", "timed_out" (running when the
    execution timed out), "aborted" (running when the execution or its
    Map/Parallel state stopped), "running". ``exited`` is when it stopped for
    any of those reasons, None while running. ``retries`` holds every failed
    attempt as (start, end, error).
    """

    state: str
    type: str
    entered: datetime
    exited: datetime | None = None
    status: str = "running"
    attempts: int = 1
    input: str | None = None
    output: str | None = None
    error: str | None = None
    cause: str | None = None
    resource: str | None = None
    iteration: int | None = None
    parent: str | None = None
    waits: list[tuple[datetime, datetime]] = field(default_factory=list)
    retries: list[tuple[datetime, datetime, str]] = field(default_factory=list)
    #: The task's parameters as the state sent them (JSON text), when it called a service.
    parameters: str | None = None
    #: A wait still going on (task token not answered yet, Wait state running).
    waiting_since: datetime | None = None
    #: Parallel branch, when the run is inside a Parallel state: branches are numbered in the order
    #: they started (the history does not say which of the definition's branches ran).
    branch: int | None = None
    #: Map states: how many items the iteration got (MapStateStarted length).
    map_length: int | None = None
    #: Distributed Map states: the map run's ARN.
    map_run_arn: str | None = None
    first_event_id: int = 0
    last_event_id: int = 0

    @property
    def end(self) -> datetime | None:
        """Alias of ``exited``."""
        return self.exited

    def duration_seconds(self, now: datetime | None = None) -> float | None:
        """Seconds from entry to exit (or to ``now`` while running)."""
        end = self.exited or now
        return None if end is None else (end - self.entered).total_seconds()


class _Builder:
    """Accumulates one run while events stream by."""

    __slots__ = ("run", "node", "attempted", "attempt_start", "failed_at", "wait_start", "token_wait", "ended")

    def __init__(self, run: StateRun, node: Run) -> None:
        self.run, self.node = run, node
        self.attempted = False
        self.attempt_start: datetime | None = None
        self.failed_at: datetime | None = None  # the last attempt failed then, and no retry followed (yet)
        self.wait_start: datetime | None = None
        self.token_wait = False
        self.ended = False


def state_runs(events: Sequence[HistoryEvent]) -> list[StateRun]:
    """Every state run in order of entry, with status, attempts, waits and errors."""
    resolver = ScopeResolver()
    builders: dict[int, _Builder] = {}  # id(resolver run) -> builder
    order: list[_Builder] = []
    execution_end: HistoryEvent | None = None
    for ev in events:
        node = resolver.feed(ev.id, ev.previous_id, ev.type, ev.details)
        if ev.type in EXECUTION_END_EVENTS:
            execution_end = ev
            continue
        if ev.type == "ExecutionRedriven":
            # A redrive enters again every state it runs: a run still open when the earlier attempt ended
            # (a Map iteration cut short by the failure) stopped then, not at the redriven execution's end.
            _finish(order, execution_end)
            execution_end = None
            continue
        if node is None:
            continue
        b = builders.get(id(node))
        if b is None:
            b = builders[id(node)] = _Builder(_new_run(node, ev), node)
            order.append(b)
        _apply(b, ev)
        b.run.last_event_id = ev.id
    _finish(order, execution_end)
    _stop_inside_ended_containers(order, builders)
    runs = [b.run for b in order]
    if execution_end is not None and execution_end.type != "ExecutionSucceeded":
        failed = find_failed_run(runs, execution_end.type)
        if failed is not None and failed.error is None:
            # A Fail state's Error/Cause only appear on the execution's own end event.
            failed.error = execution_end.details.get("error") or (
                "States.Timeout" if execution_end.type == "ExecutionTimedOut" else None)
            failed.cause = execution_end.details.get("cause")
    _container_errors(runs)
    return runs


def _container_errors(runs: list[StateRun]) -> None:
    """Give failed Map/Parallel runs the error of the inner state that failed them."""
    failing = [r for r in runs if r.type in ("Map", "Parallel") and r.retries and r.error is None]
    for container in reversed(failing):  # innermost first: a Parallel failed by a Map takes the Map's error
        inner = [r for r in runs if r.parent == container.state and r.error and r.status in ("failed", "caught")
                 and r.entered >= container.entered and (container.exited is None or r.entered <= container.exited)]
        if inner:
            source = min(inner, key=lambda r: r.exited or r.entered)
            container.error, container.cause = source.error, source.cause
            container.retries = [(a, b, e or source.error or "") for a, b, e in container.retries]


def find_failed_run(runs: Sequence[StateRun], end_type: str) -> StateRun | None:
    """The run where an execution that ended with ``end_type`` failed (timed out, was stopped).

    The innermost run that failed without an enclosing Map/Parallel catching
    it: a Map fails because a state in one of its iterations did. The earliest
    such failure wins.
    """
    wanted = {"ExecutionFailed": ("failed",), "ExecutionTimedOut": ("timed_out", "failed"),
              "ExecutionAborted": ("aborted", "failed")}.get(end_type)
    if not wanted:
        return None
    parent_of = {r.state: r.parent for r in runs}
    caught = {r.state for r in runs if r.status == "caught"}

    def caught_above(run: StateRun) -> bool:
        name, depth = run.parent, 0
        while name and depth < 64:  # nesting is shallow; the bound only guards against odd data
            if name in caught:
                return True
            name, depth = parent_of.get(name), depth + 1
        return False

    candidates = [r for r in runs if r.status in wanted and not caught_above(r)]
    with_failed_child = {r.parent for r in candidates if r.parent}
    leaves = [r for r in candidates if r.state not in with_failed_child] or candidates
    return min(leaves, key=lambda r: (r.exited or r.entered, r.first_event_id), default=None)


def _new_run(node: Run, ev: HistoryEvent) -> StateRun:
    scope = node.scope
    return StateRun(
        state=node.name, type=node.type, entered=ev.timestamp,
        input=ev.details.get("input") if ev.type.endswith("StateEntered") else None,
        iteration=scope.iteration if scope else None,
        branch=scope.branch if scope else None,
        parent=scope.container.name if scope else None,
        first_event_id=ev.id,
    )


def _apply(b: _Builder, ev: HistoryEvent) -> None:
    r, t, d, ts = b.run, ev.type, ev.details, ev.timestamp
    if t in ATTEMPT_EVENTS:
        if b.attempted:
            r.attempts += 1
            if b.failed_at is not None:
                # The gap between a failed attempt and the next one is the Retry back-off.
                r.waits.append((b.failed_at, ts))
        b.attempted, b.attempt_start, b.failed_at = True, ts, None
        if "length" in d:
            r.map_length = d["length"]
        if "resource" in d:
            r.resource = f"{d.get('resourceType', '')}:{d['resource']}".lstrip(":")
            r.parameters = d.get("parameters", r.parameters)
    elif t == "TaskSubmitted" and (r.resource or "").endswith(".waitForTaskToken"):
        # Sent; from here on the state waits for someone to answer the task token.
        b.wait_start, b.token_wait = ts, True
    elif t in FAILURE_EVENTS:
        # Map/Parallel failures carry no error; it is filled in from the failed inner state below.
        r.retries.append((b.attempt_start or r.entered, ts, d.get("error") or ""))
        r.error, r.cause = d.get("error", r.error), d.get("cause", r.cause)
        b.failed_at, b.attempt_start = ts, None
        _close_wait(b, ts)
    elif t in SUCCESS_EVENTS:
        b.failed_at = None
        _close_wait(b, ts)
        r.output = d.get("output", r.output)
    elif t == "MapRunStarted":
        r.map_run_arn = d.get("mapRunArn")
    elif t.endswith("StateExited"):
        r.exited, b.ended = ts, True
        r.output = d.get("output", r.output)
        _close_wait(b, ts)
        if b.failed_at is not None:
            r.status = "caught"  # it failed and a Catch moved on; error/cause stay
        else:
            r.status = "retried" if r.retries else "succeeded"
        if r.type == "Wait":
            r.waits.append((r.entered, ts))
    elif t in ABORT_EVENTS:
        r.exited, r.status, b.ended = ts, "aborted", True
        _close_wait(b, ts)
        if r.type == "Wait":
            r.waits.append((r.entered, ts))  # as when it ends or the execution stops without this event
    elif t.endswith("StateEntered") and r.type == "Wait":
        b.wait_start = ts


def _close_wait(b: _Builder, ts: datetime) -> None:
    if b.wait_start is not None and b.token_wait:
        b.run.waits.append((b.wait_start, ts))
    b.wait_start, b.token_wait = None, False


def _finish(order: list[_Builder], execution_end: HistoryEvent | None) -> None:
    """Give every run that never exited its final status."""
    end_type = execution_end.type if execution_end else None
    for b in order:
        r = b.run
        if b.ended:
            continue
        b.ended = True
        if r.type == "Fail":
            r.status, r.exited = "failed", r.entered
        elif b.failed_at is not None:
            r.status, r.exited = "failed", b.failed_at
        elif execution_end is not None:
            r.exited = execution_end.timestamp
            if end_type == "ExecutionTimedOut":
                r.status = "timed_out"
                r.error = execution_end.details.get("error") or "States.Timeout"
                r.cause = execution_end.details.get("cause")
            else:
                # Stopped by StopExecution, or cut short when another branch failed the execution.
                r.status = "succeeded" if end_type == "ExecutionSucceeded" else "aborted"
            if r.type == "Wait":
                r.waits.append((r.entered, r.exited))
            elif b.token_wait and b.wait_start is not None:
                r.waits.append((b.wait_start, r.exited))
        else:
            b.ended = False
            r.waiting_since = b.wait_start if (b.token_wait or r.type == "Wait") else None


def _stop_inside_ended_containers(order: list[_Builder], builders: dict[int, _Builder]) -> None:
    """A run still open inside a Map/Parallel state that already stopped was cut short with it."""
    for b in order:
        if b.ended:
            continue
        container = b.node.container
        while container is not None:
            outer = builders.get(id(container))
            if outer is not None and outer.ended and outer.run.exited is not None:
                b.run.status, b.run.exited, b.run.waiting_since = "aborted", outer.run.exited, None
                b.ended = True
                break
            container = container.container
