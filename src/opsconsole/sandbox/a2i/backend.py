"""The sandbox's A2I state: flow definitions, human task UIs and human loops, per account and region.

Plain objects behind one lock; :mod:`.service` serves them on the wire and the
scenario's simulated workforce (``scenario/docreview/workforce``) moves loops
on through :meth:`A2IBackend.complete`, :meth:`A2IBackend.fail` and
:meth:`A2IBackend.in_progress`.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import threading
from dataclasses import dataclass, field
from typing import Any

from opsconsole.sandbox.a2i.wire import ServiceError, validation
from opsconsole.sandbox.server import DEFAULT_ACCOUNT_ID

#: A loop that was asked to stop shows Stopping this long, then Stopped.
STOPPING_SECONDS = 2.0
#: InProgress human loops an account may have at once (see docs/sandbox-docreview.md).
ACTIVE_LOOP_QUOTA = 100_000
TERMINAL = ("Failed", "Completed", "Stopped")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _ms(when: dt.datetime) -> dt.datetime:
    """A time as A2I keeps it: to the millisecond (what its answers show, and what filters compare)."""
    return when.replace(microsecond=when.microsecond // 1000 * 1000)


@dataclass
class HumanTaskUi:
    name: str
    arn: str
    content: str
    created: dt.datetime
    tags: list[dict[str, str]] = field(default_factory=list)

    def describe(self) -> dict[str, Any]:
        return {"HumanTaskUiArn": self.arn, "HumanTaskUiName": self.name, "HumanTaskUiStatus": "Active",
                "CreationTime": self.created,
                "UiTemplate": {"Url": f"https://sagemaker-a2i-templates.s3.amazonaws.com/{self.name}.liquid",
                               "ContentSha256": hashlib.sha256(self.content.encode()).hexdigest()}}


@dataclass
class FlowDefinition:
    name: str
    arn: str
    request: dict[str, Any]
    created: dt.datetime
    tags: list[dict[str, str]] = field(default_factory=list)

    @property
    def config(self) -> dict[str, Any]:
        return self.request.get("HumanLoopConfig") or {}

    @property
    def output_path(self) -> str:
        return self.request["OutputConfig"]["S3OutputPath"]

    def describe(self) -> dict[str, Any]:
        keep = ("HumanLoopRequestSource", "HumanLoopActivationConfig", "HumanLoopConfig", "OutputConfig", "RoleArn")
        return {"FlowDefinitionArn": self.arn, "FlowDefinitionName": self.name, "FlowDefinitionStatus": "Active",
                "CreationTime": self.created, **{k: self.request[k] for k in keep if k in self.request}}


@dataclass
class HumanLoop:
    name: str
    arn: str
    flow_arn: str
    input_content: str
    created: dt.datetime
    data_attributes: dict[str, Any] | None = None
    status: str = "InProgress"
    failure_code: str | None = None
    failure_reason: str | None = None
    output_uri: str | None = None
    stopping_since: float | None = None
    ended: dt.datetime | None = None

    def describe(self) -> dict[str, Any]:
        out = {"CreationTime": self.created, "HumanLoopStatus": self.status, "HumanLoopName": self.name,
               "HumanLoopArn": self.arn, "FlowDefinitionArn": self.flow_arn,
               "FailureReason": self.failure_reason, "FailureCode": self.failure_code}
        if self.status == "Completed" and self.output_uri:
            out["HumanLoopOutput"] = {"OutputS3Uri": self.output_uri}
        return out

    def summary(self) -> dict[str, Any]:
        return {"HumanLoopName": self.name, "HumanLoopStatus": self.status, "CreationTime": self.created,
                "FailureReason": self.failure_reason, "FlowDefinitionArn": self.flow_arn}


class A2IBackend:
    """Flow definitions, human task UIs and human loops of one account and region."""

    def __init__(self, account_id: str, region: str):
        self.account_id, self.region = account_id, region
        self.lock = threading.RLock()
        self.flows: dict[str, FlowDefinition] = {}
        self.task_uis: dict[str, HumanTaskUi] = {}
        self.loops: dict[str, HumanLoop] = {}
        #: flow definition ARN -> its loops' (creation time, name), sorted
        self._by_flow: dict[str, list[tuple[dt.datetime, str]]] = {}
        #: names of the loops in progress (the quota and the workforce look at these only)
        self._active: set[str] = set()
        self.clock = _now

    def arn(self, kind: str, name: str) -> str:
        return f"arn:aws:sagemaker:{self.region}:{self.account_id}:{kind}/{name}"

    # -- human task UIs -----------------------------------------------------------------
    def create_task_ui(self, name: str, content: str, tags: list[dict[str, str]] | None = None,
                       created: dt.datetime | None = None) -> HumanTaskUi:
        with self.lock:
            if name in self.task_uis:
                raise ServiceError("ResourceInUse", f"Human task UI with name {name} already exists.")
            ui = HumanTaskUi(name, self.arn("human-task-ui", name), content, created or self.clock(), tags or [])
            self.task_uis[name] = ui
            return ui

    def task_ui(self, name: str) -> HumanTaskUi:
        with self.lock:
            if name not in self.task_uis:
                raise ServiceError("ResourceNotFound", f"Human task UI {self.arn('human-task-ui', name)} not found.")
            return self.task_uis[name]

    # -- flow definitions ---------------------------------------------------------------
    def create_flow(self, request: dict[str, Any], created: dt.datetime | None = None) -> FlowDefinition:
        name = request["FlowDefinitionName"]
        with self.lock:
            if name in self.flows:
                raise ServiceError("ResourceInUse", f"Flow definition with name {name} already exists.")
            ui_arn = (request.get("HumanLoopConfig") or {}).get("HumanTaskUiArn")
            if ui_arn and ui_arn.rsplit("/", 1)[-1] not in self.task_uis:
                raise validation(f"Human task UI {ui_arn} does not exist.")
            flow = FlowDefinition(name, self.arn("flow-definition", name), request, created or self.clock(),
                                  request.get("Tags") or [])
            self.flows[name] = flow
            self._by_flow.setdefault(flow.arn, [])
            return flow

    def flow(self, name: str) -> FlowDefinition:
        with self.lock:
            if name not in self.flows:
                raise ServiceError("ResourceNotFound",
                                   f"Flow definition {self.arn('flow-definition', name)} not found.")
            return self.flows[name]

    def flow_by_arn(self, arn: str) -> FlowDefinition | None:
        name = arn.rsplit("/", 1)[-1]
        with self.lock:
            flow = self.flows.get(name)
            return flow if flow is not None and flow.arn == arn else None

    def delete_flow(self, name: str) -> None:
        with self.lock:
            flow = self.flow(name)
            if any(self.loops[n].status in ("InProgress", "Stopping") for _, n in self._by_flow.get(flow.arn, [])):
                raise ServiceError("ResourceInUse",
                                   f"Flow definition {flow.arn} has human loops in progress; stop them first.")
            del self.flows[name]

    # -- human loops --------------------------------------------------------------------
    def start_loop(self, name: str, flow_arn: str, input_content: str, data_attributes: dict[str, Any] | None,
                   created: dt.datetime | None = None) -> HumanLoop:
        with self.lock:
            flow = self.flow_by_arn(flow_arn)
            if flow is None:
                raise validation(f"Flow definition {flow_arn} does not exist.")
            existing = self.loops.get(name)
            if existing is not None:
                if existing.input_content == input_content and existing.flow_arn == flow_arn:
                    return existing  # the same request again: the loop it started
                raise ServiceError("ConflictException",
                                   f"Human loop {name} already exists with a different input. "
                                   "You cannot start two human loops with the same name and different input data.")
            if len(self._active) >= ACTIVE_LOOP_QUOTA:
                raise ServiceError("ServiceQuotaExceededException",
                                   f"You have reached the limit of {ACTIVE_LOOP_QUOTA} human loops in progress.")
            loop = HumanLoop(name, self.arn("human-loop", name), flow_arn, input_content,
                             _ms(created or self.clock()), data_attributes)
            self.loops[name] = loop
            self._active.add(name)
            bisect.insort(self._by_flow.setdefault(flow_arn, []), (loop.created, name))
            return loop

    def backdate(self, name: str, created: dt.datetime) -> None:
        """Give a loop an earlier creation time (the scenario's loops started in the past)."""
        with self.lock:
            loop = self.loops[name]
            entries = self._by_flow[loop.flow_arn]
            entries.remove((loop.created, name))
            loop.created = _ms(created)
            bisect.insort(entries, (loop.created, name))

    def loop(self, name: str) -> HumanLoop:
        with self.lock:
            loop = self.loops.get(name)
            if loop is None:
                raise ServiceError("ResourceNotFoundException", f"Human loop {name} not found.")
            self._settle(loop)
            return loop

    def _settle(self, loop: HumanLoop) -> None:
        if loop.status == "Stopping" and loop.stopping_since is not None and \
                self._monotonic() - loop.stopping_since >= STOPPING_SECONDS:
            loop.status, loop.ended = "Stopped", self.clock()

    @staticmethod
    def _monotonic() -> float:
        import time

        return time.monotonic()

    def list_loops(self, flow_arn: str, after: dt.datetime | None, before: dt.datetime | None,
                   descending: bool) -> list[HumanLoop]:
        with self.lock:
            if self.flow_by_arn(flow_arn) is None:
                raise ServiceError("ResourceNotFoundException", f"Flow definition {flow_arn} not found.")
            entries = self._by_flow.get(flow_arn, [])
            low = bisect.bisect_right(entries, (after, "\uffff")) if after else 0
            high = bisect.bisect_left(entries, (before, "")) if before else len(entries)
            chosen = [self.loops[n] for _, n in entries[low:high] if n in self.loops]
            for loop in chosen:
                self._settle(loop)
        return chosen[::-1] if descending else chosen

    def stop_loop(self, name: str) -> None:
        with self.lock:
            loop = self.loop(name)
            if loop.status in ("Stopping", "Stopped"):
                return
            if loop.status != "InProgress":
                raise validation(f"Human loop {name} is {loop.status}; only a human loop in progress can be stopped.")
            loop.status, loop.stopping_since = "Stopping", self._monotonic()
            self._active.discard(name)

    def delete_loop(self, name: str) -> None:
        with self.lock:
            loop = self.loop(name)
            if loop.status not in TERMINAL:
                raise validation(f"Human loop {name} is {loop.status}. You can only delete a human loop "
                                 "whose status is Failed, Completed or Stopped.")
            del self.loops[name]
            entries = self._by_flow.get(loop.flow_arn, [])
            at = bisect.bisect_left(entries, (loop.created, name))
            if at < len(entries) and entries[at] == (loop.created, name):
                entries.pop(at)

    # -- what the workforce does --------------------------------------------------------
    def in_progress(self) -> list[HumanLoop]:
        with self.lock:
            return [self.loops[name] for name in self._active]

    def complete(self, name: str, output_uri: str, at: dt.datetime | None = None) -> bool:
        """Completed with its output in S3; False when the loop is no longer in progress."""
        with self.lock:
            loop = self.loops.get(name)
            if loop is None or loop.status != "InProgress":
                return False
            loop.status, loop.output_uri, loop.ended = "Completed", output_uri, at or self.clock()
            self._active.discard(name)
            return True

    def fail(self, name: str, code: str, reason: str, at: dt.datetime | None = None) -> bool:
        with self.lock:
            loop = self.loops.get(name)
            if loop is None or loop.status != "InProgress":
                return False
            loop.status, loop.failure_code, loop.failure_reason = "Failed", code, reason
            loop.ended = at or self.clock()
            self._active.discard(name)
            return True

    def stopped(self, name: str, at: dt.datetime) -> None:
        """A loop that was stopped at ``at`` (the scenario's history)."""
        with self.lock:
            loop = self.loops[name]
            loop.status, loop.ended = "Stopped", at
            self._active.discard(name)


_backends: dict[tuple[str, str], A2IBackend] = {}
_backends_lock = threading.Lock()


def backend(region: str, account_id: str = DEFAULT_ACCOUNT_ID) -> A2IBackend:
    """The A2I resources of an account and region in this process (created on first use)."""
    with _backends_lock:
        key = (account_id, region)
        if key not in _backends:
            _backends[key] = A2IBackend(account_id, region)
        return _backends[key]


def reset() -> None:
    """Forget everything (the sandbox's state is per process, like moto's)."""
    with _backends_lock:
        _backends.clear()
