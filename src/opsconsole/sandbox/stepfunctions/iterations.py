"""A redriven inline Map state runs only the iterations that did not succeed, as AWS's does.

AWS: "For workflows that include an Inline Map or Parallel state,
RedriveExecution reschedules and redrives only the iterations and branches
that failed or aborted" (API reference, RedriveExecution). So the redrive's
history holds ``MapIterationStarted`` … only for those indexes, and the Map's
result array still has every item's output at its index: the succeeded
iterations' from the earlier attempt, the others' from the re-run.

Which iterations succeeded, and with what output, is read from the history
(so it works for replayed executions too): a ``MapIterationSucceeded`` event's
``previousEventId`` is the iteration's last ``*StateExited`` event, whose
output is the iteration's result, when that state ends the iteration.
Iterations that succeeded in an earlier attempt (before an earlier redrive)
count too. Events after the attempt's end are not: moto records an iteration
cut off by the Map's failure as ``MapIterationSucceeded`` once the execution
has failed (AWS: ``MapIterationAborted``).

This applies to inline Maps at the top level and inside Parallel branches; a
Map inside another Map's iterations runs once per outer item under the same
name, so it (and a Parallel inside a Map's iterations) re-runs whole, as does
a Distributed Map (no Map Runs in the sandbox).
"""

from __future__ import annotations

import copy
import json
from typing import Any

from moto.stepfunctions.parser.asl.component.program.program import Program
from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration.distributed_iteration_component import (
    DistributedIterationComponent,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration.inline_iteration_component import (
    InlineIterationComponent,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration.job import JobClosed, JobPool
from moto.stepfunctions.parser.asl.component.state.exec.state_map.max_concurrency import (
    DEFAULT_MAX_CONCURRENCY_VALUE,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_map.state_map import StateMap
from moto.stepfunctions.parser.asl.component.state.exec.state_parallel.state_parallel import StateParallel
from moto.stepfunctions.parser.asl.eval.environment import Environment


def _entries(history: list[dict[str, Any]], name: str, event_type: str | None = None) -> list[int]:
    return [i for i, e in enumerate(history) if "stateEnteredEventDetails" in e
            and e["stateEnteredEventDetails"]["name"] == name and (event_type is None or e["type"] == event_type)]


_ENDS = frozenset({"ExecutionSucceeded", "ExecutionFailed", "ExecutionAborted", "ExecutionTimedOut"})


def succeeded_iterations(history: list[dict[str, Any]], map_name: str, since: int = 0,
                         last_states: frozenset[str] | None = None) -> dict[int, Any]:
    """Index -> output of the iterations of Map ``map_name``'s last run (and the attempts it redrove) that succeeded.

    Empty when the Map was not entered at or after event ``since`` (a list
    position) or its last run exited (a Map that succeeded is not run again
    by a redrive anyway). ``last_states``: the names of the states that end an
    iteration (None: any state's exit is taken as the iteration's end).
    """
    by_id = {event["id"]: event for event in history}
    entries = _entries(history, map_name, "MapStateEntered")
    if not entries or entries[-1] < since or any(e.get("type") == "MapStateExited" and e["stateExitedEventDetails"]["name"] == map_name
                          for e in history[entries[-1]:]):
        return {}
    done: dict[int, Any] = {}
    end = len(history)
    for start in reversed(entries):
        for event in history[start:end]:
            if event.get("type") in _ENDS:
                break
            details = event.get("mapIterationSucceededEventDetails")
            if details is None or details.get("name") != map_name:
                continue
            exited = by_id.get(event.get("previousEventId"))
            if (exited is not None and "stateExitedEventDetails" in exited
                    and (last_states is None or exited["stateExitedEventDetails"]["name"] in last_states)):
                done.setdefault(int(details["index"]), json.loads(exited["stateExitedEventDetails"]["output"]))
        # A redrive that restarted at this Map carries on the attempt before it; an ordinary re-entry does not.
        if start == 0 or history[start - 1].get("type") != "ExecutionRedriven":
            break
        end = start - 1
    return done


def last_states(definition: dict[str, Any], map_name: str) -> frozenset[str] | None:
    """The states that end an iteration of Map ``map_name`` (at the top level or in Parallel branches)."""
    for name, body in (definition.get("States") or {}).items():
        processor = body.get("ItemProcessor") or body.get("Iterator")
        if name == map_name and processor:
            return frozenset(n for n, b in (processor.get("States") or {}).items()
                             if b.get("End") is True or b.get("Type") == "Succeed")
        for branch in body.get("Branches") or []:
            found = last_states(branch, map_name)
            if found is not None:
                return found
    return None


def inline_maps(program: Program) -> dict[str, StateMap]:
    """The inline Map states of ``program`` run at most once per attempt: top level and inside Parallel branches."""
    found: dict[str, StateMap] = {}
    for name, state in program.states.states.items():
        if isinstance(state, StateMap):
            component = state.iteration_component
            if (isinstance(component, InlineIterationComponent)
                    and not isinstance(component, DistributedIterationComponent)):
                found[name] = state
        elif isinstance(state, StateParallel):
            for branch in state.branches.programs:
                found.update(inline_maps(branch))
    return found


class _ResumedJobPool(JobPool):
    """Moto's pool of Map iterations with the succeeded ones already closed with their earlier output."""

    def __init__(self, job_program: Program, job_inputs: list[Any], done: dict[int, Any]) -> None:
        super().__init__(job_program=job_program, job_inputs=job_inputs)
        self._open_jobs[:] = [job for job in self._open_jobs if job.job_index not in done]
        for index, output in done.items():
            if index < len(job_inputs):
                self._closed_jobs.add(JobClosed(job_index=index, job_output=copy.deepcopy(output)))

    @property
    def open_count(self) -> int:
        return len(self._open_jobs)


def resume_iterations(state: StateMap, done: dict[int, Any]) -> None:
    """Make ``state`` (parsed for this redrive only) run just the iterations not in ``done``.

    Moto's ``InlineIterationComponent._eval_body`` with a pool that starts with
    ``done`` closed, and workers for the open iterations only.
    """
    component = state.iteration_component

    def eval_body(env: Environment) -> None:
        eval_input = env.stack.pop()
        pool = _ResumedJobPool(component._get_iteration_program(), eval_input.input_items, done)
        workers = pool.open_count
        if eval_input.max_concurrency != DEFAULT_MAX_CONCURRENCY_VALUE:
            workers = min(workers, eval_input.max_concurrency)
        for _ in range(workers):
            component._launch_worker(env=env, eval_input=eval_input, job_pool=pool)
        pool.await_jobs()
        failure = pool.get_worker_exception()
        if failure is not None:
            raise failure
        env.stack.append([closed.job_output for closed in pool.get_closed_jobs()])

    component._eval_body = eval_body


def resume_maps(program: Program, definition: dict[str, Any], history: list[dict[str, Any]],
                since_state: str) -> list[str]:
    """For a redrive restarting at ``since_state``: every inline Map of ``program`` that failed in that
    state's last run re-runs only its unsuccessful iterations. Returns the names of the Maps set up so.
    """
    restarts = _entries(history, since_state)
    since = restarts[-1] if restarts else len(history)
    resumed = []
    for name, state in inline_maps(program).items():
        done = succeeded_iterations(history, name, since, last_states(definition, name))
        if done:
            resume_iterations(state, done)
            resumed.append(name)
    return resumed
