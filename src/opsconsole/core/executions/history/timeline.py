"""Gantt lanes for an execution's state runs: one lane per state, Map iterations on demand.

Kept apart from the widget that paints them so the grouping is plain data a
test can check: states nest under their Map/Parallel state in order of first
entry, and an expanded Map shows one lane per iteration instead of one per
inner state.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

import numpy as np

from opsconsole.core.executions.history.runs import RUN_STATUSES, StateRun


@dataclass(slots=True)
class Lane:
    """One row of the Gantt chart; ``runs`` index into the run list it was built from."""

    key: str
    label: str
    depth: int
    state: str | None
    runs: list[int] = field(default_factory=list)
    #: "state": every run of one state; "iteration": every run of one Map iteration.
    kind: str = "state"
    iteration: int | None = None
    #: Map states with iterations: True when they can be expanded into iteration lanes.
    expandable: bool = False
    expanded: bool = False


def timeline_lanes(runs: Sequence[StateRun], expanded: Collection[str] = ()) -> list[Lane]:
    """Lanes for ``runs``; Map states named in ``expanded`` get one lane per iteration."""
    by_state: dict[str, list[int]] = {}
    parent_of: dict[str, str | None] = {}
    type_of: dict[str, str] = {}
    for i, run in enumerate(runs):
        if run.state not in by_state:
            by_state[run.state] = []
            parent_of[run.state], type_of[run.state] = run.parent, run.type
        by_state[run.state].append(i)
    children: dict[str | None, list[str]] = {}
    for state in by_state:  # dict order = order of first entry
        parent = parent_of[state] if parent_of[state] in by_state else None
        children.setdefault(parent, []).append(state)

    lanes: list[Lane] = []

    def visit(state: str, depth: int) -> None:
        inner = children.get(state, [])
        iterations = type_of[state] == "Map" and any(runs[i].iteration is not None
                                                     for child in inner for i in by_state[child])
        is_open = iterations and state in expanded
        lanes.append(Lane(key=state, label=state, depth=depth, state=state, runs=by_state[state],
                          expandable=iterations, expanded=is_open))
        if is_open:
            per_iteration: dict[int, list[int]] = {}
            for child in inner:
                for i in by_state[child]:
                    if runs[i].iteration is not None:
                        per_iteration.setdefault(runs[i].iteration, []).append(i)
            for index in sorted(per_iteration):
                members = sorted(per_iteration[index], key=lambda i: runs[i].entered)
                lanes.append(Lane(key=f"{state}#{index}", label=f"#{index}", depth=depth + 1, state=None,
                                  runs=members, kind="iteration", iteration=index))
            # Nested containers keep their own lanes; the Map's direct states now live in the iterations.
            inner = [c for c in inner if children.get(c)]
        for child in inner:
            visit(child, depth + 1)

    for top in children.get(None, []):
        visit(top, 0)
    return lanes


def time_span(runs: Sequence[StateRun]) -> tuple[float, float]:
    """(first entry, last exit) as POSIX seconds; running runs end at their last known time."""
    if not runs:
        return 0.0, 1.0
    start = min(r.entered for r in runs).timestamp()
    end = max((r.exited or r.waiting_since or r.entered) for r in runs).timestamp()
    return start, max(end, start + 0.001)


@dataclass(slots=True)
class RunArrays:
    """Every run's bar as numbers: seconds since ``origin`` (POSIX), status index into RUN_STATUSES.

    ``fails``/``waits`` are segments drawn over the bars: (run index, start, end) arrays.
    """

    origin: float
    span: float
    start: np.ndarray
    end: np.ndarray
    status: np.ndarray
    fails: tuple[np.ndarray, np.ndarray, np.ndarray]
    waits: tuple[np.ndarray, np.ndarray, np.ndarray]


def run_arrays(runs: Sequence[StateRun], now: float | None = None) -> RunArrays:
    """Bars for ``runs``; running ones (and open waits) end at ``now`` or at the latest time known."""
    origin, last = time_span(runs)
    end_time = max(last, now or last)
    code = {status: i for i, status in enumerate(RUN_STATUSES)}
    start = np.array([r.entered.timestamp() for r in runs], float) - origin
    end = np.array([r.exited.timestamp() if r.exited else end_time for r in runs], float) - origin
    status = np.array([code.get(r.status, 0) for r in runs], np.int8)
    # Runs tried once show a failure in the bar's colour; retried ones get a segment per failed attempt.
    fails = [(i, a.timestamp(), b.timestamp()) for i, r in enumerate(runs) if r.attempts > 1 for a, b, _ in r.retries]
    waits = [(i, a.timestamp(), b.timestamp()) for i, r in enumerate(runs) for a, b in r.waits]
    waits += [(i, r.waiting_since.timestamp(), end_time) for i, r in enumerate(runs) if r.waiting_since]
    return RunArrays(origin, max(end_time - origin, 0.001), start, end, status,
                     _segments(fails, origin), _segments(waits, origin))


def _segments(items: list[tuple[int, float, float]], origin: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if not items:
        return np.zeros(0, np.int64), np.zeros(0), np.zeros(0)
    arr = np.array(items, float)
    return arr[:, 0].astype(np.int64), arr[:, 1] - origin, arr[:, 2] - origin


def lane_rows(arrays: RunArrays, lanes: Sequence[Lane]) -> list[dict[str, np.ndarray]]:
    """Per lane: its bars (start, end, status, run) and segments (fail_*, wait_*), ready to paint."""
    lane_of_run = np.full(len(arrays.start), -1, np.int64)
    members = [np.asarray(lane.runs, np.int64) for lane in lanes]
    for index, runs in enumerate(members):
        lane_of_run[runs] = index
    grouped = {name: _by_lane(lane_of_run, segments, len(lanes))
               for name, segments in (("fail", arrays.fails), ("wait", arrays.waits))}
    rows = []
    for index, runs in enumerate(members):
        row = {"run": runs, "start": arrays.start[runs], "end": arrays.end[runs], "status": arrays.status[runs]}
        for name, (starts, ends) in grouped.items():
            row[f"{name}_start"], row[f"{name}_end"] = starts[index], ends[index]
        rows.append(row)
    return rows


def _by_lane(lane_of_run: np.ndarray, segments: tuple[np.ndarray, np.ndarray, np.ndarray],
             n_lanes: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    run, start, end = segments
    lane = lane_of_run[run] if len(run) else np.zeros(0, np.int64)
    order = np.argsort(lane, kind="stable")
    lane, start, end = lane[order], start[order], end[order]
    bounds = np.searchsorted(lane, np.arange(n_lanes + 1))
    return ([start[bounds[i]:bounds[i + 1]] for i in range(n_lanes)],
            [end[bounds[i]:bounds[i + 1]] for i in range(n_lanes)])


def elapsed_label(seconds: float, step: float) -> str:
    """A time-axis label: as precise as the tick step needs and no more ('1.25 s', '5 m', '1 h 30 m', '2 d')."""
    if seconds < 60:
        if step >= 1:
            return f"{seconds:.0f} s"
        digits = 1 if step >= 0.1 else 2 if step >= 0.01 else 3
        return f"{seconds:.{digits}f} s"
    whole = int(round(seconds))
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [(days, "d"), (hours, "h"), (minutes, "m"), (secs, "s")]
    shown = [f"{value} {unit}" for value, unit in parts if value]
    return " ".join(shown[:2])
