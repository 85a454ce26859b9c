"""Amazon A2I human loops, as operations see them: flow definitions, their loops, one loop's answers.

A2I has no API through which a worker fetches or submits a task, so the
console does not answer loops; it shows what waits and how old it is, who
answered what against what the machine said, and starts, stops and deletes
loops. Listings yield a page per call (ListHumanLoops: at most 100 a page).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from opsconsole.core import paging
from opsconsole.core.aws import Clients
from opsconsole.core.docreview.document import read_json, split_uri
from opsconsole.core.docreview.store import error_code, parse_time, utcnow
from opsconsole.core.errors import DomainError
from opsconsole.core.identity import Identity
from opsconsole.core.writes import ApiCall, Write

IN_PROGRESS, COMPLETED, FAILED, STOPPING, STOPPED = "InProgress", "Completed", "Failed", "Stopping", "Stopped"
LOOP_STATUSES = (IN_PROGRESS, COMPLETED, FAILED, STOPPING, STOPPED)
#: DeleteHumanLoop accepts only these.
DELETABLE = frozenset({FAILED, COMPLETED, STOPPED})
#: StopHumanLoop makes sense only for a loop still running.
STOPPABLE = frozenset({IN_PROGRESS})
#: A loop is "near its limit" past this share of the flow's TaskAvailabilityLifetimeInSeconds.
NEAR_LIMIT_SHARE = 0.8
#: A2I's default task availability (private workforce): 10 days.
DEFAULT_LIFETIME_S = 864_000
NAME_RE = re.compile(r"^[a-z0-9](-*[a-z0-9])*$")
MAX_INPUT_CHARS = 3_145_728


class LoopRefused(DomainError):
    """A loop action A2I would refuse (deleting a running loop, a bad name)."""

    title = "Not possible for this loop"


@dataclass(frozen=True)
class FlowDefinition:
    """A flow definition, its human task settings and (once counted) its loops' state."""

    name: str
    arn: str
    status: str
    created: datetime | None = None
    task_count: int = 1
    availability_s: int = DEFAULT_LIFETIME_S
    time_limit_s: int = 0
    output_path: str = ""
    task_title: str = ""
    counts: Mapping[str, int] = field(default_factory=dict)
    oldest_open: datetime | None = None
    near_limit: int = 0
    counted: bool = False

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def backlog_age(self, now: datetime | None = None) -> timedelta | None:
        """Age of the oldest loop still in progress."""
        return (now or utcnow()) - self.oldest_open if self.oldest_open else None


@dataclass(frozen=True)
class HumanLoop:
    """One row of ListHumanLoops."""

    name: str
    status: str
    created: datetime | None
    failure_reason: str = ""
    flow_arn: str = ""

    @classmethod
    def from_api(cls, raw: Mapping[str, Any]) -> HumanLoop:
        return cls(str(raw.get("HumanLoopName", "")), str(raw.get("HumanLoopStatus", "")),
                   parse_time(raw.get("CreationTime")), str(raw.get("FailureReason", "") or ""),
                   str(raw.get("FlowDefinitionArn", "")))

    def age(self, now: datetime | None = None) -> timedelta | None:
        return (now or utcnow()) - self.created if self.created else None


def _flow(clients: Clients, summary: Mapping[str, Any]) -> FlowDefinition:
    described = clients.client("sagemaker").describe_flow_definition(FlowDefinitionName=summary["FlowDefinitionName"])
    config = described.get("HumanLoopConfig") or {}
    return FlowDefinition(
        name=str(described.get("FlowDefinitionName", summary["FlowDefinitionName"])),
        arn=str(described.get("FlowDefinitionArn", summary.get("FlowDefinitionArn", ""))),
        status=str(described.get("FlowDefinitionStatus", summary.get("FlowDefinitionStatus", ""))),
        created=parse_time(described.get("CreationTime")),
        task_count=int(config.get("TaskCount", 1) or 1),
        availability_s=int(config.get("TaskAvailabilityLifetimeInSeconds") or DEFAULT_LIFETIME_S),
        time_limit_s=int(config.get("TaskTimeLimitInSeconds") or 0),
        output_path=str((described.get("OutputConfig") or {}).get("S3OutputPath", "")),
        task_title=str(config.get("TaskTitle", "")),
    )


def iter_flow_definitions(clients: Clients) -> Iterator[list[FlowDefinition]]:
    """Flow definitions with their human task settings (ListFlowDefinitions + DescribeFlowDefinition)."""
    sm = clients.client("sagemaker")
    for page in paging.pages(sm, "list_flow_definitions", "FlowDefinitionSummaries", page_size=100):
        yield [_flow(clients, s) for s in page]


def iter_loops(clients: Clients, flow_arn: str, *, after: datetime | None = None, before: datetime | None = None,
               descending: bool = True, page_size: int = 100) -> Iterator[list[HumanLoop]]:
    """The loops of one flow definition, newest first by default, one ListHumanLoops page per yield."""
    params: dict[str, Any] = {"FlowDefinitionArn": flow_arn, "SortOrder": "Descending" if descending else "Ascending"}
    if after:
        params["CreationTimeAfter"] = after
    if before:
        params["CreationTimeBefore"] = before
    a2i = clients.client("sagemaker-a2i-runtime")
    for page in paging.pages(a2i, "list_human_loops", "HumanLoopSummaries", page_size=min(max(page_size, 1), 100),
                             **params):
        yield [HumanLoop.from_api(raw) for raw in page]


def count_loops(flow: FlowDefinition, loops: Sequence[HumanLoop], now: datetime | None = None,
                into: FlowDefinition | None = None) -> FlowDefinition:
    """``flow`` with its counts by status, oldest open loop and loops near the availability limit."""
    now = now or utcnow()
    base = into or flow
    counts = dict(base.counts)
    oldest = base.oldest_open
    near = base.near_limit
    limit = timedelta(seconds=flow.availability_s * NEAR_LIMIT_SHARE)
    for loop in loops:
        counts[loop.status] = counts.get(loop.status, 0) + 1
        if loop.status == IN_PROGRESS and loop.created:
            oldest = loop.created if oldest is None or loop.created < oldest else oldest
            if now - loop.created >= limit:
                near += 1
    return replace(flow, counts=counts, oldest_open=oldest, near_limit=near, counted=True)


def iter_flow_overview(clients: Clients, now: datetime | None = None) -> Iterator[FlowDefinition]:
    """Each flow definition, then again with its loops counted (one yield per flow as it is counted)."""
    for page in iter_flow_definitions(clients):
        for flow in page:
            counted = count_loops(flow, [], now)
            for loops in iter_loops(clients, flow.arn):
                counted = count_loops(flow, loops, now, into=counted)
            yield counted


# -- one loop -----------------------------------------------------------------------------
def _values(content: Any) -> dict[str, str | None]:
    """An answer or input as field -> value: ``fields`` lists by key, else the members flattened."""
    if isinstance(content, str):
        try:
            content = json.loads(content)
        except ValueError:
            return {"value": content}
    if isinstance(content, Mapping) and isinstance(content.get("fields"), list):
        out: dict[str, str | None] = {}
        for f in content["fields"]:
            if isinstance(f, Mapping):
                name = str(f.get("key") or f.get("id") or "")
                value = f.get("value")
                out[name] = None if value is None else str(value)
        return out
    flat: dict[str, str | None] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, Mapping):
            for k, v in value.items():
                walk(f"{prefix}.{k}" if prefix else str(k), v)
        elif isinstance(value, list):
            flat[prefix] = json.dumps(value)
        else:
            flat[prefix] = None if value is None else str(value)

    walk("", content)
    return flat


def _same(a: str | None, b: str | None) -> bool:
    norm = lambda v: " ".join(str(v).split()).casefold() if v is not None else None
    return norm(a) == norm(b)


@dataclass(frozen=True)
class WorkerAnswer:
    worker_id: str
    values: Mapping[str, str | None]
    time_spent_s: float | None = None
    accepted: datetime | None = None
    submitted: datetime | None = None


@dataclass(frozen=True)
class FieldComparison:
    """One field: the machine's value, each worker's, and whether anyone differs from the machine."""

    key: str
    machine: str | None
    answers: tuple[str | None, ...]
    machine_differs: bool
    workers_disagree: bool


@dataclass
class LoopDetail:
    """DescribeHumanLoop and, when there is one, its output.json, compared field by field."""

    name: str
    status: str
    arn: str
    flow_arn: str
    created: datetime | None
    failure_reason: str = ""
    failure_code: str = ""
    output_uri: str = ""
    input_content: Any = None
    answers: list[WorkerAnswer] = field(default_factory=list)
    output_error: str = ""

    @property
    def machine(self) -> dict[str, str | None]:
        return _values(self.input_content) if self.input_content is not None else {}

    def comparison(self) -> list[FieldComparison]:
        """Every field in the machine's answer or any worker's, in the machine's order."""
        machine = self.machine
        keys = list(machine)
        for a in self.answers:
            keys += [k for k in a.values if k not in keys]
        rows = []
        for key in keys:
            theirs = tuple(a.values.get(key) for a in self.answers)
            differs = any(key in a.values and not _same(a.values.get(key), machine.get(key)) for a in self.answers)
            disagree = len(theirs) > 1 and any(not _same(theirs[0], t) for t in theirs[1:])
            rows.append(FieldComparison(key, machine.get(key), theirs, differs, disagree))
        return rows

    def agreement(self) -> float | None:
        """Share of fields on which every worker gave the same value (None with fewer than two answers)."""
        if len(self.answers) < 2:
            return None
        rows = [r for r in self.comparison() if any(v is not None for v in r.answers)]
        if not rows:
            return None
        return sum(1 for r in rows if not r.workers_disagree) / len(rows)

    @property
    def time_spent_s(self) -> float | None:
        spent = [a.time_spent_s for a in self.answers if a.time_spent_s is not None]
        return sum(spent) if spent else None


def parse_output(output: Mapping[str, Any]) -> tuple[Any, list[WorkerAnswer]]:
    """(inputContent, answers) of an A2I output.json."""
    answers = []
    for raw in output.get("humanAnswers") or []:
        if not isinstance(raw, Mapping):
            continue
        spent = raw.get("timeSpentInSeconds")
        answers.append(WorkerAnswer(
            str(raw.get("workerId", "")), _values(raw.get("answerContent") or {}),
            float(spent) if isinstance(spent, int | float) else None,
            parse_time(raw.get("acceptanceTime")), parse_time(raw.get("submissionTime"))))
    return output.get("inputContent"), answers


def describe_loop(clients: Clients, name: str) -> LoopDetail:
    """DescribeHumanLoop, then its output.json from S3 when the loop has one."""
    raw = clients.client("sagemaker-a2i-runtime").describe_human_loop(HumanLoopName=name)
    detail = LoopDetail(
        name=str(raw.get("HumanLoopName", name)), status=str(raw.get("HumanLoopStatus", "")),
        arn=str(raw.get("HumanLoopArn", "")), flow_arn=str(raw.get("FlowDefinitionArn", "")),
        created=parse_time(raw.get("CreationTime")), failure_reason=str(raw.get("FailureReason", "") or ""),
        failure_code=str(raw.get("FailureCode", "") or ""),
        output_uri=str((raw.get("HumanLoopOutput") or {}).get("OutputS3Uri", "")),
    )
    if detail.output_uri:
        try:
            bucket, key = split_uri(detail.output_uri)
            detail.input_content, detail.answers = parse_output(read_json(clients, bucket, key))
        except ClientError as exc:
            detail.output_error = f"output.json could not be read ({error_code(exc) or exc})"
        except ValueError as exc:
            detail.output_error = f"output.json is not A2I's layout ({exc})"
    return detail


# -- writes ----------------------------------------------------------------------------------
def check_loop_name(name: str) -> str | None:
    """Why A2I would refuse ``name`` as a human loop name, or None."""
    if not 1 <= len(name) <= 63:
        return "1 to 63 characters"
    if not NAME_RE.match(name):
        return "Lower-case letters, digits and single hyphens inside (doc-inv-0042)"
    return None


def start_loop_write(flow: FlowDefinition | str, name: str, input_content: Mapping[str, Any], who: Identity,
                     classifiers: Sequence[str] = ("FreeOfPersonallyIdentifiableInformation", "FreeOfAdultContent"),
                     ) -> Write:
    """StartHumanLoop: send content (e.g. a document's extraction) to the flow's workforce."""
    problem = check_loop_name(name)
    if problem:
        raise LoopRefused(f"The loop name '{name}' is not valid: {problem}")
    text = json.dumps(input_content)
    if len(text) > MAX_INPUT_CHARS:
        raise LoopRefused(f"The input is {len(text):,} characters; A2I takes at most {MAX_INPUT_CHARS:,}")
    arn = flow.arn if isinstance(flow, FlowDefinition) else flow
    params: dict[str, Any] = {"HumanLoopName": name, "FlowDefinitionArn": arn,
                              "HumanLoopInput": {"InputContent": text}}
    if classifiers:
        params["DataAttributes"] = {"ContentClassifiers": list(classifiers)}
    return Write.api("Start human loop", name, ApiCall("sagemaker-a2i-runtime", "StartHumanLoop", params),
                     who=who, targets=(name, arn), details={"flow_definition": arn})


def stop_loop_write(loop: HumanLoop, who: Identity) -> Write:
    """StopHumanLoop (confirmed: the workers' pending work is dropped)."""
    if loop.status not in STOPPABLE:
        raise LoopRefused(f"Loop {loop.name} is {loop.status}: only a loop in progress can be stopped")
    return Write.api("Stop human loop", loop.name,
                     ApiCall("sagemaker-a2i-runtime", "StopHumanLoop", {"HumanLoopName": loop.name}),
                     who=who, targets=(loop.name,), destructive=True, details={"status": loop.status})


def delete_loop_write(loop: HumanLoop, who: Identity) -> Write:
    """DeleteHumanLoop: only Failed, Completed or Stopped loops (refused here before AWS would)."""
    if loop.status not in DELETABLE:
        raise LoopRefused(f"Loop {loop.name} is {loop.status}: A2I deletes only Failed, Completed or Stopped "
                          "loops; stop it first")
    return Write.api("Delete human loop", loop.name,
                     ApiCall("sagemaker-a2i-runtime", "DeleteHumanLoop", {"HumanLoopName": loop.name}),
                     who=who, targets=(loop.name,), destructive=True, details={"status": loop.status})
