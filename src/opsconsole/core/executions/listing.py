"""Step Functions state machines and executions: listing, streaming, refreshing.

Plain dataclasses over the ListStateMachines / ListExecutions / DescribeExecution
shapes, and generators that yield one page per call so the UI can stream and a
cancelled job never fetches its next page.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from botocore.exceptions import ClientError

from opsconsole.core.aws import Clients
from opsconsole.core import paging
from opsconsole.core.permissions import denied_permission

#: Every status ListExecutions can filter on, in the order operators scan them.
STATUSES: tuple[str, ...] = ("RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE")
#: Statuses a state machine's executions can be listed by. PENDING_REDRIVE filters only a Map Run's
#: child executions: ListExecutions refuses it with a stateMachineArn (ValidationException).
LISTABLE_STATUSES: tuple[str, ...] = tuple(s for s in STATUSES if s != "PENDING_REDRIVE")
#: Statuses after which an execution no longer changes by itself.
FINAL_STATUSES = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"})

#: The ListExecutions maximum; fewer calls means less of the 5/s refill spent.
MAX_PAGE_SIZE = 1000


@dataclass(frozen=True, slots=True)
class StateMachine:
    """One state machine, as ListStateMachines describes it."""

    arn: str
    name: str
    type: str  # STANDARD or EXPRESS
    creation_date: datetime | None = None

    @property
    def express(self) -> bool:
        """Express workflows keep no execution history in Step Functions (ListExecutions refuses them)."""
        return self.type == "EXPRESS"


@dataclass(frozen=True, slots=True)
class Execution:
    """One execution, as ListExecutions (or DescribeExecution) describes it."""

    arn: str
    name: str
    state_machine_arn: str
    state_machine_name: str
    status: str
    start: datetime
    stop: datetime | None = None
    redrive_count: int = 0
    redrive_date: datetime | None = None
    map_run_arn: str | None = None
    item_count: int | None = None
    state_machine_version_arn: str | None = None
    state_machine_alias_arn: str | None = None

    @property
    def duration(self) -> timedelta:
        """How long it ran, or has been running so far."""
        end = self.stop or datetime.now(self.start.tzinfo or timezone.utc)
        return end - self.start

    @property
    def finished(self) -> bool:
        return self.status in FINAL_STATUSES

    @classmethod
    def from_api(cls, item: Mapping[str, Any], state_machine_arn: str | None = None) -> "Execution":
        """Build from a ListExecutions item or a DescribeExecution response."""
        sm_arn = item.get("stateMachineArn") or state_machine_arn or ""
        return cls(
            arn=item["executionArn"],
            name=item.get("name") or item["executionArn"].rsplit(":", 1)[-1],
            state_machine_arn=sm_arn,
            state_machine_name=state_machine_name_from_arn(sm_arn),
            status=item["status"],
            start=_aware(item["startDate"]),
            stop=_aware(item.get("stopDate")),
            # Older API answers and some emulators leave the field out; absent means never redriven.
            redrive_count=int(item.get("redriveCount") or 0),
            redrive_date=_aware(item.get("redriveDate")),
            map_run_arn=item.get("mapRunArn"),
            item_count=item.get("itemCount"),
            state_machine_version_arn=item.get("stateMachineVersionArn"),
            state_machine_alias_arn=item.get("stateMachineAliasArn"),
        )


@dataclass(frozen=True, slots=True)
class RunningRefresh:
    """What one pass of :func:`refresh_running` did (the job's return value)."""

    running: int
    described: int
    #: Executions that left RUNNING but were not described this pass (rate budget spent).
    deferred: int


def state_machine_name_from_arn(arn: str) -> str:
    """``arn:aws:states:r:acct:stateMachine:NAME[:version]`` -> ``NAME``.

    ListExecutions items carry only the ARN, and asking for the name would cost a call.
    """
    parts = arn.split(":")
    return parts[6] if len(parts) > 6 else arn


def _aware(value: datetime | None) -> datetime | None:
    # botocore returns datetimes with a tzlocal() object of their own each; kept
    # as UTC they share one tzinfo (half a row's memory, and fewer objects for
    # the cyclic collector to walk). Naive ones (hand-made data) are taken as UTC
    # so that durations and sorting never mix naive and aware values. Display
    # converts to local time anyway.
    if value is None or value.tzinfo is timezone.utc:  # (the console's clients parse timestamps to UTC)
        return value
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def _sfn(clients: Clients):
    return clients.client("stepfunctions")


def list_state_machines(clients: Clients) -> list[StateMachine]:
    """Every state machine in the connection's account and region, sorted by name.

    A connection scoped to a tenant gets that tenant's machines only (tagged
    ``tenant=<id>``: one ListTagsForResource per machine; a machine whose tags
    IAM does not let it read is another tenant's).
    """
    machines = [
        StateMachine(
            arn=item["stateMachineArn"],
            name=item["name"],
            type=item.get("type", "STANDARD"),
            creation_date=_aware(item.get("creationDate")),
        )
        for item in paging.items(_sfn(clients), "list_state_machines", "stateMachines")
    ]
    scope = getattr(getattr(clients, "connection", None), "tenant", "")
    if scope:
        machines = [m for m in machines if _tenant_of(clients, m.arn) == scope]
    return sorted(machines, key=lambda m: m.name.lower())


def _tenant_of(clients: Clients, arn: str) -> str:
    """The machine's ``tenant`` tag ("" when it has none, or IAM does not let this identity read it)."""
    try:
        tags = _sfn(clients).list_tags_for_resource(resourceArn=arn).get("tags", [])
    except ClientError as exc:
        if denied_permission(exc) is None:
            raise
        return ""
    return next((str(t.get("value", "")) for t in tags if t.get("key") == "tenant"), "")


def listable_arns(machines: Sequence[StateMachine]) -> list[str]:
    """The machines whose executions ListExecutions lists: every one but EXPRESS machines."""
    return [m.arn for m in machines if not m.express]


def iter_executions(
    clients: Clients,
    state_machine_arns: Sequence[str],
    status: str | None = None,
    page_size: int = MAX_PAGE_SIZE,
) -> Iterator[list[Execution]]:
    """Yield one page of executions per ListExecutions call, machine after machine.

    Each machine's executions come newest first (the API's order). One call per
    ``next(...)``: a consumer that stops iterating (a cancelled job) costs no
    further call. Empty pages are not yielded. An EXPRESS machine among them
    (AWS answers StateMachineTypeNotSupported: its runs are in CloudWatch Logs
    only) lists nothing and does not stop the others. A machine whose executions
    IAM does not let this identity list (another tenant's) is left out when others
    are listed; when every one is refused, the first refusal is raised (it names
    the missing permission).
    """
    for page in iter_execution_pages(clients, state_machine_arns, status, page_size):
        yield executions_of(page)


@dataclass(frozen=True, slots=True)
class ExecutionItems:
    """One ListExecutions page as AWS answered it, with the machine it lists (see :func:`executions_of`)."""

    state_machine_arn: str
    items: list[dict[str, Any]]


def executions_of(page: ExecutionItems) -> list[Execution]:
    """The executions of one page of :func:`iter_execution_pages`."""
    return [Execution.from_api(item, page.state_machine_arn) for item in page.items]


def iter_execution_pages(
    clients: Clients,
    state_machine_arns: Sequence[str],
    status: str | None = None,
    page_size: int = MAX_PAGE_SIZE,
) -> Iterator[ExecutionItems]:
    """:func:`iter_executions`'s pages before they become :class:`Execution` objects (:func:`executions_of`).

    The executions list converts a page while the next one is being fetched
    (``JobRunner.submit(..., convert=executions_of)``), so the conversion adds
    nothing to the listing's time.
    """
    if status is not None and status not in STATUSES:
        raise ValueError(f"unknown execution status {status!r}")
    if status is not None and status not in LISTABLE_STATUSES:
        raise ValueError(f"{status} lists a Map Run's child executions; AWS refuses it for a state machine")
    page_size = max(1, min(int(page_size), MAX_PAGE_SIZE))
    refused: list[ClientError] = []
    for sm_arn in state_machine_arns:
        filters = {"statusFilter": status} if status else {}
        try:
            for items in paging.pages(_sfn(clients), "list_executions", "executions", page_size=page_size,
                                      stateMachineArn=sm_arn, **filters):
                yield ExecutionItems(sm_arn, items)
        except ClientError as exc:
            if _error_code(exc) == "StateMachineTypeNotSupported":
                continue
            if denied_permission(exc) is None or len(state_machine_arns) == 1:
                raise
            # Another tenant's machine (ListStateMachines is account-wide, ListExecutions is not):
            # its runs are not this identity's to see; the others are listed.
            refused.append(exc)
    if refused and len(refused) == len(state_machine_arns):
        raise refused[0]  # none may be listed: say which permission is missing


def _error_code(exc: BaseException) -> str | None:
    response = getattr(exc, "response", None)
    return response.get("Error", {}).get("Code") if isinstance(response, dict) else None


def express_log_groups(clients: Clients, state_machine_arns: Sequence[str]) -> dict[str, str | None]:
    """:func:`express_log_group` of each machine, in order."""
    return {arn: express_log_group(clients, arn) for arn in state_machine_arns}


def express_log_group(clients: Clients, state_machine_arn: str) -> str | None:
    """Where an Express workflow's runs are recorded: its CloudWatch Logs log group ARN, or None
    when logging is off (DescribeStateMachine's loggingConfiguration)."""
    machine = _sfn(clients).describe_state_machine(stateMachineArn=state_machine_arn)
    logging = machine.get("loggingConfiguration") or {}
    if logging.get("level", "OFF") == "OFF":
        return None
    for destination in logging.get("destinations") or []:
        group = (destination.get("cloudWatchLogsLogGroup") or {}).get("logGroupArn")
        if group:
            return str(group)
    return None


def count_executions(clients: Clients, state_machine_arns: Sequence[str], status: str | None = None) -> int:
    """How many executions the given machines have (every page is fetched)."""
    return sum(len(page) for page in iter_executions(clients, state_machine_arns, status))


def describe_execution(clients: Clients, execution_arn: str) -> Execution:
    """The current state of one execution."""
    return Execution.from_api(_sfn(clients).describe_execution(executionArn=execution_arn))


def refresh_running(
    clients: Clients,
    state_machine_arns: Sequence[str],
    known_running: Collection[str],
    page_size: int = MAX_PAGE_SIZE,
    max_describes: int = 20,
    describes_per_second: float = 5.0,
    batch_size: int = 5,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[list[Execution]]:
    """One refresh pass over RUNNING executions; yields pages of up-to-date executions.

    First re-lists RUNNING per machine (new runs appear, running ones stay), then
    describes the ``known_running`` executions that left the RUNNING list to learn
    their final status. DescribeExecution refills at 10-15/s per account and other
    tools share that budget, so at most ``max_describes`` are described per pass,
    spaced to ``describes_per_second``; the rest wait for the next pass. Described
    results are yielded in small batches so a cancel takes effect within a batch.
    """
    seen: set[str] = set()
    for page in iter_executions(clients, state_machine_arns, "RUNNING", page_size):
        seen.update(e.arn for e in page)
        yield page
    # Only executions of the machines re-listed above can be judged "gone".
    wanted = {_machine_key(a) for a in state_machine_arns}
    gone = [arn for arn in known_running if arn not in seen and _machine_of_execution(arn) in wanted]
    todo, deferred = gone[:max_describes], max(0, len(gone) - max_describes)
    interval = 1.0 / describes_per_second if describes_per_second > 0 else 0.0
    batch: list[Execution] = []
    last_call = 0.0
    for arn in todo:
        wait = last_call + interval - time.monotonic()
        if wait > 0:
            sleep(wait)
        last_call = time.monotonic()
        batch.append(describe_execution(clients, arn))
        if len(batch) >= batch_size:
            yield batch
            batch = []
    if batch:
        yield batch
    return RunningRefresh(running=len(seen), described=len(todo), deferred=deferred)


def _machine_key(state_machine_arn: str) -> str:
    # "arn:aws:states:r:acct:stateMachine:NAME" -> "r:acct:NAME", comparable with executions.
    parts = state_machine_arn.split(":")
    return ":".join(parts[3:5] + parts[6:7]) if len(parts) > 6 else state_machine_arn


def _machine_of_execution(execution_arn: str) -> str:
    # "arn:aws:states:r:acct:execution:NAME:exec" -> "r:acct:NAME"
    parts = execution_arn.split(":")
    return ":".join(parts[3:5] + parts[6:7]) if len(parts) > 6 else execution_arn


@dataclass(frozen=True)
class RunDetail:
    """Everything the detail view shows about one execution besides its history."""

    execution: Execution
    input: str | None
    output: str | None
    error: str | None
    cause: str | None
    definition: str
    state_machine_name: str
    logging_configuration: dict[str, Any] | None
    redrive_status: str | None = None
    redrive_status_reason: str | None = None


def describe_run(clients: Clients, execution_arn: str) -> RunDetail:
    """DescribeExecution plus the definition the run used (DescribeStateMachineForExecution).

    The definition comes from the execution, not the state machine's current
    version, so the graph matches what ran even after the machine changed.
    """
    sfn = _sfn(clients)
    out = sfn.describe_execution(executionArn=execution_arn)
    machine = sfn.describe_state_machine_for_execution(executionArn=execution_arn)
    return RunDetail(
        execution=Execution.from_api(out),
        input=out.get("input"),
        output=out.get("output"),
        error=out.get("error"),
        cause=out.get("cause"),
        definition=machine.get("definition", "{}"),
        state_machine_name=machine.get("name", ""),
        logging_configuration=machine.get("loggingConfiguration"),
        redrive_status=out.get("redriveStatus"),
        redrive_status_reason=out.get("redriveStatusReason"),
    )
