"""core.executions against the sandbox over HTTP: listing, streaming, status filter, refresh."""

from __future__ import annotations

import ast
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from opsconsole.core.executions import listing as core
from opsconsole.core.aws import Clients
from opsconsole.core.executions.listing import STATUSES, Execution

# PENDING_REDRIVE is a passing state while a redrive starts; the seeded scenario
# holds the five settled statuses.
SEEDED_STATUSES = [s for s in STATUSES if s != "PENDING_REDRIVE"]


@pytest.fixture(scope="module")
def machines(sandbox_clients):
    return core.list_state_machines(sandbox_clients)


@pytest.fixture(scope="module")
def all_executions(sandbox_clients, machines):
    return [e for page in core.iter_executions(sandbox_clients, [m.arn for m in machines]) for e in page]


def boto3_count(clients: Clients, arn: str, status: str | None = None) -> int:
    """The reference: boto3's own paginator, no code of ours."""
    kwargs = {"stateMachineArn": arn, **({"statusFilter": status} if status else {})}
    paginator = clients.client("stepfunctions").get_paginator("list_executions")
    return sum(len(page["executions"]) for page in paginator.paginate(**kwargs))


class CallCounter:
    """Counts ListExecutions/DescribeExecution calls a client really sends."""

    def __init__(self, clients: Clients) -> None:
        self.calls: list[tuple[str, dict]] = []
        self._lock = threading.Lock()
        self._events = clients.client("stepfunctions").meta.events

    def __enter__(self) -> "CallCounter":
        self._events.register("before-parameter-build.sfn.*", self._record)
        return self

    def __exit__(self, *exc: object) -> None:
        self._events.unregister("before-parameter-build.sfn.*", self._record)

    def _record(self, model, params, **_kwargs) -> None:
        with self._lock:
            self.calls.append((model.name, dict(params)))

    def count(self, operation: str) -> int:
        with self._lock:
            return sum(1 for name, _ in self.calls if name == operation)


def test_list_state_machines_finds_the_scenario_machines(machines):
    assert len(machines) >= 4
    assert len({m.arn for m in machines}) == len(machines)
    assert [m.name.lower() for m in machines] == sorted(m.name.lower() for m in machines)
    for m in machines:
        assert m.arn.endswith(f":stateMachine:{m.name}")
        assert m.type in ("STANDARD", "EXPRESS")


def test_sandbox_has_at_least_1000_executions_in_every_status(all_executions):
    assert len(all_executions) >= 1000
    assert set(SEEDED_STATUSES) <= {e.status for e in all_executions}


def test_pages_stream_and_add_up_to_boto3s_count(sandbox_clients, machines):
    arns = [m.arn for m in machines]
    pages = list(core.iter_executions(sandbox_clients, arns, page_size=100))
    assert all(0 < len(p) <= 100 for p in pages)
    assert len(pages) > len(machines), "page_size=100 over 1000+ executions must take several pages"
    total = sum(len(p) for p in pages)
    assert total == sum(boto3_count(sandbox_clients, arn) for arn in arns)
    arns_seen = [e.arn for p in pages for e in p]
    assert len(arns_seen) == len(set(arns_seen)), "no execution may appear twice"


def test_one_call_per_page_and_none_after_the_consumer_stops(sandbox_connection, machines):
    clients = Clients(sandbox_connection)  # own client: the hook must not see other tests' calls
    busiest = max(machines, key=lambda m: boto3_count(clients, m.arn))
    with CallCounter(clients) as counter:
        pages = core.iter_executions(clients, [busiest.arn], page_size=10)
        assert counter.count("ListExecutions") == 0, "a generator fetches nothing before it is asked"
        first = next(pages)
        second = next(pages)
        pages.close()  # what a cancelled job amounts to
    assert len(first) == len(second) == 10
    assert counter.count("ListExecutions") == 2
    assert all(params["maxResults"] == 10 for _name, params in counter.calls)


@pytest.mark.parametrize("status", SEEDED_STATUSES)
def test_status_filter_returns_only_that_status(sandbox_clients, machines, status):
    arns = [m.arn for m in machines]
    found = [e for page in core.iter_executions(sandbox_clients, arns, status, page_size=200) for e in page]
    assert found, f"the scenario has {status} executions"
    assert {e.status for e in found} == {status}
    assert len(found) == sum(boto3_count(sandbox_clients, arn, status) for arn in arns)


def test_executions_carry_what_the_table_shows(all_executions, machines):
    names = {m.arn: m.name for m in machines}
    for e in all_executions:
        assert e.state_machine_name == names[e.state_machine_arn]
        assert e.arn.split(":")[-1] == e.name
        assert e.start.tzinfo is not None
        assert isinstance(e.redrive_count, int) and e.redrive_count >= 0
        if e.status == "RUNNING":
            assert e.stop is None
        if e.stop is not None:
            assert e.stop >= e.start
            assert e.duration == e.stop - e.start
    running = next(e for e in all_executions if e.status == "RUNNING")
    assert running.duration > timedelta(0)


def test_execution_from_api_maps_the_botocore_shape():
    start = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
    item = {
        "executionArn": "arn:aws:states:eu-west-1:111122223333:execution:train:de-2024-05",
        "stateMachineArn": "arn:aws:states:eu-west-1:111122223333:stateMachine:train",
        "name": "de-2024-05",
        "status": "FAILED",
        "startDate": start,
        "stopDate": start + timedelta(minutes=3),
        "redriveCount": 2,
        "mapRunArn": "arn:aws:states:eu-west-1:111122223333:mapRun:train/m:1",
        "itemCount": 38,
    }
    e = Execution.from_api(item)
    assert (e.name, e.state_machine_name, e.status, e.redrive_count, e.item_count) == (
        "de-2024-05", "train", "FAILED", 2, 38,
    )
    assert e.duration == timedelta(minutes=3)
    assert e.map_run_arn == item["mapRunArn"]
    naive = Execution.from_api({**item, "startDate": datetime(2024, 5, 1, 12), "stopDate": None, "redriveCount": None})
    assert naive.start == start and naive.redrive_count == 0 and naive.stop is None


def test_pending_redrive_is_not_sent_with_a_state_machine(sandbox_connection, machines):
    # AWS: "If you provide a stateMachineArn and a PENDING_REDRIVE statusFilter, the API returns a
    # validation exception" (ListExecutionsInput.statusFilter)
    clients = Clients(sandbox_connection)
    assert "PENDING_REDRIVE" not in core.LISTABLE_STATUSES
    with CallCounter(clients) as counter, pytest.raises(ValueError):
        next(core.iter_executions(clients, [machines[0].arn], status="PENDING_REDRIVE"))
    assert counter.count("ListExecutions") == 0


def test_unknown_status_is_refused_before_any_call(sandbox_connection, machines):
    clients = Clients(sandbox_connection)
    with CallCounter(clients) as counter, pytest.raises(ValueError):
        next(core.iter_executions(clients, [machines[0].arn], status="DONE"))
    assert counter.count("ListExecutions") == 0


def test_refresh_learns_the_final_status_of_executions_that_left_running(sandbox_connection, all_executions):
    clients = Clients(sandbox_connection)
    finished = [e for e in all_executions if e.status in ("SUCCEEDED", "FAILED")][:5]
    arns = sorted({e.state_machine_arn for e in all_executions})
    running_now = {e.arn for e in all_executions if e.status == "RUNNING"}
    waits: list[float] = []
    with CallCounter(clients) as counter:
        gen = core.refresh_running(
            clients, arns, [e.arn for e in finished], max_describes=3, describes_per_second=4.0, sleep=waits.append
        )
        pages = []
        try:
            while True:
                pages.append(next(gen))
        except StopIteration as stop:
            summary = stop.value
    seen = [e for p in pages for e in p]
    relisted = {e.arn for e in seen if e.status == "RUNNING"}
    assert relisted == running_now
    described = [e for e in seen if e.status != "RUNNING"]
    assert [e.arn for e in described] == [e.arn for e in finished[:3]]
    assert [e.status for e in described] == [e.status for e in finished[:3]]
    assert summary == core.RunningRefresh(running=len(running_now), described=3, deferred=2)
    assert counter.count("DescribeExecution") == 3, "the rest wait for the next pass"
    # 4 calls/s: the 2nd and 3rd call each wait out the rest of a quarter second.
    assert len(waits) == 2 and all(0 < w <= 0.25 for w in waits)


def test_core_module_does_not_import_qt():
    source = Path(core.__file__).read_text()
    imported = {
        (node.module or "") if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(ast.parse(source))
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    }
    assert not any(name.split(".")[0] in {"PySide6", "shiboken6", "superqt"} for name in imported)



def test_start_and_stop_times_are_the_instants_aws_gave_in_utc(sandbox_clients, sandbox_connection, machines):
    """The console's clients parse timestamps to UTC: the same instants as boto3's own parser gives."""
    import boto3

    c = sandbox_connection
    plain = boto3.client("stepfunctions", region_name=c.region, endpoint_url=c.endpoint_url,
                         aws_access_key_id=c.access_key, aws_secret_access_key=c.secret_key)
    busiest = max(machines, key=lambda m: boto3_count(sandbox_clients, m.arn))
    page = plain.list_executions(stateMachineArn=busiest.arn, maxResults=50)["executions"]
    theirs = {item["executionArn"]: (item["startDate"], item.get("stopDate")) for item in page}
    ours = {e.arn: e for e in next(core.iter_executions(sandbox_clients, [busiest.arn], page_size=50))}
    assert set(ours) == set(theirs)
    for arn, (start, stop) in theirs.items():
        assert ours[arn].start == start and ours[arn].stop == stop
        assert ours[arn].start.tzinfo is timezone.utc
