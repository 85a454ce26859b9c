"""A synthetic execution history shaped like a big real one (benchmarks, tests, demos).

Real histories of 25,000 events take minutes to produce; this builds one in
GetExecutionHistory's response shape in well under a second: a task with a
retry, a Wait, a Parallel of two branches, then an inline Map whose iterations
(each a Choice and a Task, some retried, a few caught) run ``concurrency`` at a
time, interleaved in the history as AWS writes them.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone
from typing import Any

ARN = "arn:aws:states:eu-west-1:123456789012:execution:mlops-inference:synthetic-25k"
#: MapIteration start/end, Choice entered/exited, Task entered/scheduled/started/done/exited, plus retries
_EVENTS_PER_ITERATION = 9.26


class _History:
    """Collects events with symbolic previous links, then numbers them in time order."""

    def __init__(self) -> None:
        self.items: list[tuple[float, int, dict[str, Any], object, object]] = []

    def add(self, at: float, type_: str, key: object, prev: object, details_key: str | None = None,
            details: dict[str, Any] | None = None) -> object:
        """Record an event under ``key``; ``prev`` is the key of its previous event."""
        event: dict[str, Any] = {"type": type_}
        if details_key:
            event[details_key] = details or {}
        self.items.append((at, len(self.items), event, key, prev))
        return key

    def build(self, start: datetime) -> list[dict[str, Any]]:
        """The events in time order, numbered, with their previous ids resolved."""
        self.items.sort(key=lambda item: (item[0], item[1]))
        ids = {item[3]: i for i, item in enumerate(self.items, start=1)}
        out = []
        for i, (at, _seq, event, _key, prev) in enumerate(self.items, start=1):
            out.append({"timestamp": start + timedelta(seconds=at), "type": event["type"], "id": i,
                        "previousEventId": ids.get(prev, 0),
                        **{k: v for k, v in event.items() if k != "type"}})
        return out


def _task(h: _History, key: str, prev: object, name: str, at: float, payload: str, *, attempts: int = 1,
          caught: bool = False, resource: tuple[str, str] = ("lambda", "invoke"),
          scope_prev: object | None = None) -> tuple[object, float]:
    """A Task state with ``attempts`` tries (all but the last fail); returns its exit key and time."""
    entered = h.add(at, "TaskStateEntered", (key, "in"), scope_prev if scope_prev is not None else prev,
                    "stateEnteredEventDetails", {"name": name, "input": payload})
    rtype, res = resource
    params = json.dumps({"FunctionName": f"arn:aws:lambda:eu-west-1:123456789012:function:{key.split(':')[0]}",
                         "Payload": json.loads(payload)})
    last, t = entered, at + 0.01
    for attempt in range(attempts):
        last = h.add(t, "TaskScheduled", (key, "sch", attempt), last, "taskScheduledEventDetails",
                     {"resourceType": rtype, "resource": res, "region": "eu-west-1", "parameters": params})
        last = h.add(t + 0.02, "TaskStarted", (key, "st", attempt), last, "taskStartedEventDetails",
                     {"resourceType": rtype, "resource": res})
        t += 0.4 + 0.1 * attempt
        failing = attempt < attempts - 1 or caught
        if failing:
            last = h.add(t, "TaskFailed", (key, "f", attempt), last, "taskFailedEventDetails",
                         {"resourceType": rtype, "resource": res, "error": "Lambda.TooManyRequestsException",
                          "cause": "Rate exceeded (Service: Lambda; Status Code: 429)"})
            t += 1.0 * (2 ** attempt)  # Retry back-off
        else:
            last = h.add(t, "TaskSucceeded", (key, "ok", attempt), last, "taskSucceededEventDetails",
                         {"resourceType": rtype, "resource": res, "output": '{"StatusCode":200}'})
    t += 0.01
    exit_key = h.add(t, "TaskStateExited", (key, "out"), last, "stateExitedEventDetails",
                     {"name": name, "output": payload})
    return exit_key, t


def synthetic_history(n_events: int = 25_000, concurrency: int = 40, seed: int = 7,
                      start: datetime | None = None) -> list[dict[str, Any]]:
    """Raw events (botocore's shape) of one succeeded execution with about ``n_events`` events."""
    rng = random.Random(seed)
    start = start or datetime(2025, 6, 2, 8, 0, tzinfo=timezone.utc)
    h = _History()
    items = max(1, int((n_events - 40) / _EVENTS_PER_ITERATION))
    doc = json.dumps({"country": "DE", "batchCount": items})
    last = h.add(0.0, "ExecutionStarted", "exec", None, "executionStartedEventDetails",
                 {"input": doc, "roleArn": "arn:aws:iam::123456789012:role/mlops-stepfunctions-execution"})
    last, t = _task(h, "load-manifest:0", last, "Load manifest", 0.05, doc, attempts=2, scope_prev=0)
    h.add(t, "WaitStateEntered", "wait-in", last, "stateEnteredEventDetails", {"name": "Wait for endpoint",
                                                                                 "input": doc})
    t += 30.0
    last = h.add(t, "WaitStateExited", "wait-out", "wait-in", "stateExitedEventDetails",
                 {"name": "Wait for endpoint", "output": doc})
    h.add(t, "ParallelStateEntered", "par-in", last, "stateEnteredEventDetails", {"name": "Prepare", "input": doc})
    h.add(t + 0.01, "ParallelStateStarted", "par-st", "par-in")
    ends = []
    for branch, (name, key) in enumerate((("Warm up endpoint", "warm-up"), ("Snapshot inputs", "snapshot"))):
        ends.append(_task(h, f"{key}:0", "par-st", name, t + 0.02 + branch * 0.01, doc, attempts=1 + branch))
    t = max(e[1] for e in ends) + 0.01
    h.add(t, "ParallelStateSucceeded", "par-ok", ends[-1][0])
    last = h.add(t + 0.01, "ParallelStateExited", "par-out", "par-ok", "stateExitedEventDetails",
                 {"name": "Prepare", "output": doc})
    t += 0.02
    h.add(t, "MapStateEntered", "map-in", last, "stateEnteredEventDetails", {"name": "Classify batches", "input": doc})
    h.add(t + 0.01, "MapStateStarted", "map-st", "map-in", "mapStateStartedEventDetails", {"length": items})
    slots = [t + 0.02] * concurrency
    last_end, last_key = t, "map-st"
    for index in range(items):
        slot = min(range(concurrency), key=slots.__getitem__)
        at = slots[slot]
        payload = json.dumps({"batch": index + 1, "model": "clf-DE-bert-v16"})
        it = h.add(at, "MapIterationStarted", ("it", index), "map-st", "mapIterationStartedEventDetails",
                   {"name": "Classify batches", "index": index})
        h.add(at + 0.01, "ChoiceStateEntered", ("ch-in", index), it, "stateEnteredEventDetails",
              {"name": "Batch readable?", "input": payload})
        ch = h.add(at + 0.02, "ChoiceStateExited", ("ch-out", index), ("ch-in", index), "stateExitedEventDetails",
                   {"name": "Batch readable?", "output": payload})
        roll = rng.random()
        attempts = 2 if roll < 0.08 else 1
        exit_key, end = _task(h, f"classify-batch:{index}", ch, "Classify batch", at + 0.03, payload,
                              attempts=attempts, caught=roll > 0.995)
        end += 0.01 + rng.random() * 0.5
        done = h.add(end, "MapIterationSucceeded", ("it-ok", index), exit_key, "mapIterationSucceededEventDetails",
                     {"name": "Classify batches", "index": index})
        slots[slot] = end + 0.01
        if end >= last_end:
            last_end, last_key = end, done
    h.add(last_end + 0.01, "MapStateSucceeded", "map-ok", last_key)
    last = h.add(last_end + 0.02, "MapStateExited", "map-out", "map-ok", "stateExitedEventDetails",
                 {"name": "Classify batches", "output": doc})
    h.add(last_end + 0.03, "SucceedStateEntered", "done-in", last, "stateEnteredEventDetails",
          {"name": "Done", "input": doc})
    last = h.add(last_end + 0.04, "SucceedStateExited", "done-out", "done-in", "stateExitedEventDetails",
                 {"name": "Done", "output": doc})
    h.add(last_end + 0.05, "ExecutionSucceeded", "end", last, "executionSucceededEventDetails", {"output": doc})
    return h.build(start)
