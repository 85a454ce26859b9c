"""What a history says at a glance: where it failed, how far it got, how each state ended."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from opsconsole.core.executions.history.events import EXECUTION_END_EVENTS, HistoryEvent
from opsconsole.core.executions.history.runs import StateRun, find_failed_run, state_runs

#: Values of :func:`state_outcomes`, worst first (a state that ran several times shows its worst run).
OUTCOMES = ("failed", "aborted", "running", "caught", "retried", "succeeded")
_OUTCOME_OF_STATUS = {"timed_out": "failed"}
_RANK = {name: rank for rank, name in enumerate(OUTCOMES)}


@dataclass(frozen=True, slots=True)
class RunProgress:
    """How far an execution got.

    ``states_reached`` counts distinct states entered so far, ``states_done``
    those with no run still going. Map iterations are summed over every inline
    Map run (``map_iterations_total`` from the item counts the Map announced).
    """

    states_done: int
    states_reached: int
    map_iterations_done: int = 0
    map_iterations_total: int = 0
    runs_done: int = 0
    runs_total: int = 0
    #: Per Map state: (iterations done, iterations announced).
    maps: dict[str, tuple[int, int]] = field(default_factory=dict)
    finished: bool = False

    def __str__(self) -> str:
        """'7 of 9 states done · 15 of 60 Map iterations' (what a progress label says)."""
        text = f"{self.states_done} of {self.states_reached} states done"
        if self.map_iterations_total:
            text += f" · {self.map_iterations_done:,} of {self.map_iterations_total:,} Map iterations"
        return text

    @property
    def fraction(self) -> float:
        """0..1, for a progress bar: Map items when there are any, else states."""
        if self.map_iterations_total:
            return self.map_iterations_done / self.map_iterations_total
        return self.states_done / self.states_reached if self.states_reached else (1.0 if self.finished else 0.0)


def _runs(events_or_runs: Sequence[HistoryEvent] | Sequence[StateRun]) -> list[StateRun]:
    if events_or_runs and isinstance(events_or_runs[0], StateRun):
        return list(events_or_runs)  # type: ignore[arg-type]
    return state_runs(events_or_runs)  # type: ignore[arg-type]


def state_outcomes(events: Sequence[HistoryEvent] | Sequence[StateRun]) -> dict[str, str]:
    """State name -> "failed" | "aborted" | "running" | "caught" | "retried" | "succeeded".

    States never entered are absent (not reached). A state that ran several
    times (loops, Map iterations) gets its worst outcome; a timed-out state counts
    as failed, "aborted" is a state cut short by StopExecution or by a failing
    sibling branch.
    """
    outcomes: dict[str, str] = {}
    for run in _runs(events):
        outcome = _OUTCOME_OF_STATUS.get(run.status, run.status)
        known = outcomes.get(run.state)
        if known is None or _RANK[outcome] < _RANK[known]:
            outcomes[run.state] = outcome
    return outcomes


def _execution_end(events: Sequence[HistoryEvent]) -> HistoryEvent | None:
    for ev in reversed(events):
        if ev.type in EXECUTION_END_EVENTS:
            return ev
        if ev.type == "ExecutionRedriven":
            return None
    return None


def failed_run(events: Sequence[HistoryEvent], runs: Sequence[StateRun] | None = None) -> StateRun | None:
    """The run where the execution failed (or timed out, or was stopped), if it ended so."""
    end = _execution_end(events)
    if end is None or end.type == "ExecutionSucceeded":
        return None
    return find_failed_run(runs if runs is not None else state_runs(events), end.type)


def failure_point(events: Sequence[HistoryEvent]) -> tuple[str | None, str | None, str | None]:
    """(failed state, error, cause) of a failed, timed-out or aborted execution; all None otherwise.

    The error and cause are the execution's own (what AWS reports for it);
    the state is the innermost one that failed without being caught.
    """
    end = _execution_end(events)
    if end is None or end.type == "ExecutionSucceeded":
        return None, None, None
    run = failed_run(events)
    if end.type == "ExecutionTimedOut":
        # Timed out, whatever the running state last failed with (a retry's back-off cut short).
        return (run.state if run else None), end.details.get("error") or "States.Timeout", end.details.get("cause")
    error = end.details.get("error") or (run.error if run else None)
    cause = end.details.get("cause") or (run.cause if run else None)
    return (run.state if run else None), error, cause


def progress(events: Sequence[HistoryEvent]) -> RunProgress:
    """States done / reached and Map iterations done / announced, from the history so far."""
    runs = state_runs(events)
    open_states = {r.state for r in runs if r.status == "running"}
    reached = {r.state for r in runs}
    maps: dict[str, list[int]] = {}
    # A redrive runs a failed Map again over its iterations that did not succeed: the Map's count starts
    # over from the ones kept, and what an interpreter records after the attempt ended does not count.
    kept: dict[str, set[int]] = {}
    succeeded: dict[str, set[int]] = {}
    restarting: set[str] = set()
    ended = False
    for ev in events:
        if ev.type == "ExecutionRedriven":
            for state, indexes in succeeded.items():
                kept.setdefault(state, set()).update(indexes)
            succeeded, restarting, ended = {}, set(maps), False
        elif ended:
            continue
        elif ev.type in EXECUTION_END_EVENTS:
            ended = True
        elif ev.type == "MapStateStarted" and ev.state:
            if ev.state in restarting:
                restarting.discard(ev.state)
                maps[ev.state] = [len(kept.get(ev.state, ())), 0]
            maps.setdefault(ev.state, [0, 0])[1] += int(ev.details.get("length", 0))
        elif ev.type in ("MapIterationSucceeded", "MapIterationFailed", "MapIterationAborted") and ev.state:
            maps.setdefault(ev.state, [0, 0])[0] += 1
            if ev.type == "MapIterationSucceeded" and ev.details.get("index") is not None:
                succeeded.setdefault(ev.state, set()).add(int(ev.details["index"]))
    return RunProgress(
        states_done=len(reached - open_states), states_reached=len(reached),
        map_iterations_done=sum(v[0] for v in maps.values()),
        map_iterations_total=sum(v[1] for v in maps.values()),
        runs_done=sum(1 for r in runs if r.status != "running"), runs_total=len(runs),
        maps={k: (v[0], v[1]) for k, v in maps.items()},
        finished=_execution_end(events) is not None,
    )


def state_input(events: Sequence[HistoryEvent], state_name: str) -> str | None:
    """The input ``state_name`` received the first time it was entered in this execution."""
    for ev in events:
        if ev.type.endswith("StateEntered") and ev.details.get("name") == state_name:
            return ev.details.get("input")
    return None


@dataclass(frozen=True)
class HistorySummary:
    """Everything the detail view shows about a whole history at once (see :func:`summarise`)."""

    #: State name -> outcome, as :func:`state_outcomes`.
    outcomes: dict[str, str]
    #: (failed state, error, cause), as :func:`failure_point`.
    failure: tuple[str | None, str | None, str | None]
    progress: RunProgress
    #: The runs that stand now, as :func:`current_runs`.
    current: list[StateRun] = field(default_factory=list)


def current_runs(events: Sequence[HistoryEvent], runs: Sequence[StateRun]) -> list[StateRun]:
    """The runs that stand after the last redrive: a state run again since then counts only by its new runs.

    A redrive restarts from the failed state: the states it runs again replace
    their failed runs; the states that succeeded before it keep theirs.
    """
    redriven = next((ev.timestamp for ev in reversed(events) if ev.type == "ExecutionRedriven"), None)
    if redriven is None:
        return list(runs)
    rerun = {r.state for r in runs if r.entered >= redriven}
    return [r for r in runs if r.state not in rerun or r.entered >= redriven]


def summarise(events: Sequence[HistoryEvent], runs: Sequence[StateRun]) -> HistorySummary:
    """Outcomes, failure point and progress in one pass of work (25,000 events take a while: run it off the GUI)."""
    current = current_runs(events, runs)
    return HistorySummary(outcomes=state_outcomes(current), failure=failure_point(events), progress=progress(events),
                          current=current)
