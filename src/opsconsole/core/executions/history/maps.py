"""Distributed Map runs of an execution: ListMapRuns, then DescribeMapRun for the counts."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from opsconsole.core.aws import Clients
from opsconsole.core import paging
from opsconsole.core.executions.history.events import to_datetime

#: Count keys DescribeMapRun reports for items and for child executions.
COUNT_KEYS = ("pending", "running", "succeeded", "failed", "timedOut", "aborted", "total", "resultsWritten")


@dataclass(frozen=True, slots=True)
class MapRun:
    """One Distributed Map run with its item and child-execution counts."""

    map_run_arn: str
    execution_arn: str
    state_machine_arn: str
    status: str
    start: datetime
    stop: datetime | None = None
    max_concurrency: int = 0
    tolerated_failure_count: int = 0
    tolerated_failure_percentage: float = 0.0
    item_counts: dict[str, int] = field(default_factory=dict)
    execution_counts: dict[str, int] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """The map run's own name: the label or id between ``/`` and ``:`` in its ARN."""
        tail = self.map_run_arn.rsplit("/", 1)[-1]
        return tail.split(":", 1)[0] or tail

    @property
    def items_done(self) -> int:
        """Items that finished, however they ended."""
        c = self.item_counts
        return sum(int(c.get(k, 0)) for k in ("succeeded", "failed", "timedOut", "aborted"))

    @classmethod
    def from_api(cls, listed: Mapping[str, Any], described: Mapping[str, Any]) -> "MapRun":
        """Build from a ListMapRuns item and the DescribeMapRun answer for it."""
        stop = described.get("stopDate") or listed.get("stopDate")
        return cls(
            map_run_arn=described.get("mapRunArn") or listed["mapRunArn"],
            execution_arn=described.get("executionArn") or listed.get("executionArn", ""),
            state_machine_arn=listed.get("stateMachineArn", ""),
            status=described.get("status", "RUNNING"),
            start=to_datetime(described.get("startDate") or listed["startDate"]),
            stop=to_datetime(stop) if stop else None,
            max_concurrency=int(described.get("maxConcurrency") or 0),
            tolerated_failure_count=int(described.get("toleratedFailureCount") or 0),
            tolerated_failure_percentage=float(described.get("toleratedFailurePercentage") or 0.0),
            item_counts={k: int(v) for k, v in (described.get("itemCounts") or {}).items()},
            execution_counts={k: int(v) for k, v in (described.get("executionCounts") or {}).items()},
        )


def iter_map_runs(clients: Clients, execution_arn: str) -> Iterator[list[MapRun]]:
    """Yield map runs one ListMapRuns page at a time, each described (one call per map run)."""
    sfn = clients.client("stepfunctions")
    for items in paging.pages(sfn, "list_map_runs", "mapRuns", page_size=1000, executionArn=execution_arn):
        yield [MapRun.from_api(item, sfn.describe_map_run(mapRunArn=item["mapRunArn"])) for item in items]


def list_map_runs(clients: Clients, execution_arn: str) -> list[MapRun]:
    """Every Distributed Map run of an execution, oldest first, with DescribeMapRun counts."""
    runs = [run for page in iter_map_runs(clients, execution_arn) for run in page]
    return sorted(runs, key=lambda r: r.start)
