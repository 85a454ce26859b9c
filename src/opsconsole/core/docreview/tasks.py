"""The review-tasks table: documents waiting for a reviewer, claims with a lease, the queue.

One item per document the state machine is waiting on (its task token). A
reviewer *claims* a document with a conditional UpdateItem: it succeeds only
while the document is WAITING, or CLAIMED by someone whose lease has run out
(an abandoned claim returns to the queue by itself). Every write raises
``version``; a release, renewal or submit holds only for the claimant and the
version they read, so two reviewers never work on the same document: the one
who lost gets a :class:`~opsconsole.core.writes.Conflict` saying who has it.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from opsconsole.core import paging
from opsconsole.core.aws import Clients
from opsconsole.core.docreview.config import CONFIG, ReviewConfig
from opsconsole.core.docreview.store import (
    attr,
    error_code,
    from_attrs,
    iso,
    parse_time,
    to_attrs,
    utcnow,
)
from opsconsole.core.format import format_day_time_in_sentence
from opsconsole.core.writes import ApiCall, Conflict

WAITING, CLAIMED, REVIEWED, REJECTED = "WAITING", "CLAIMED", "REVIEWED", "REJECTED"
#: Handed to an A2I human loop instead: out of the console's queue; A2I's answer completes the step.
IN_A2I = "IN_A2I"
STATUSES = (WAITING, CLAIMED, REVIEWED, REJECTED, IN_A2I)
#: The queue's index: documents by status, oldest first.
BY_STATUS = "status-queued_at"


@dataclass(frozen=True)
class Reason:
    """Why a document is in the queue: one field under the confidence threshold."""

    field: str
    key: str
    confidence: float


@dataclass(frozen=True)
class ReviewTask:
    """One document's review task as the table stores it."""

    document_id: str
    status: str
    queued_at: datetime | None = None
    task_token: str = field(default="", repr=False)
    execution_arn: str = ""
    doc_type: str = ""
    tenant: str = ""
    document_uri: str = ""
    pages: int = 1
    reasons: tuple[Reason, ...] = ()
    claimed_by: str = ""
    claim_expires_at: datetime | None = None
    version: int = 0
    reviewed_by: str = ""
    reviewed_at: datetime | None = None
    output_uri: str = ""
    reject_reason: str = ""

    @classmethod
    def from_record(cls, rec: Mapping[str, Any]) -> ReviewTask:
        reasons = tuple(
            Reason(str(r.get("field", "")), str(r.get("key", "")), float(r.get("confidence", 0) or 0))
            for r in rec.get("reasons") or [] if isinstance(r, Mapping)
        )
        return cls(
            document_id=str(rec.get("document_id", "")),
            status=str(rec.get("status", WAITING)),
            queued_at=parse_time(rec.get("queued_at")),
            task_token=str(rec.get("task_token", "")),
            execution_arn=str(rec.get("execution_arn", "")),
            doc_type=str(rec.get("doc_type", "")),
            tenant=str(rec.get("tenant", "")),
            document_uri=str(rec.get("document_uri", "")),
            pages=int(rec.get("pages", 1) or 1),
            reasons=reasons,
            claimed_by=str(rec.get("claimed_by", "")),
            claim_expires_at=parse_time(rec.get("claim_expires_at")),
            version=int(rec.get("version", 0) or 0),
            reviewed_by=str(rec.get("reviewed_by", "")),
            reviewed_at=parse_time(rec.get("reviewed_at")),
            output_uri=str(rec.get("output_uri", "")),
            reject_reason=str(rec.get("reject_reason", "")),
        )

    def claim_expired(self, now: datetime | None = None) -> bool:
        """A claim whose lease ran out (the document is back in the queue)."""
        return (self.status == CLAIMED and self.claim_expires_at is not None
                and self.claim_expires_at < (now or utcnow()))

    def claimable(self, now: datetime | None = None) -> bool:
        return self.status == WAITING or self.claim_expired(now)

    def remaining(self, now: datetime | None = None) -> timedelta:
        """Time left on the claim (zero when none or over)."""
        if self.claim_expires_at is None:
            return timedelta(0)
        return max(self.claim_expires_at - (now or utcnow()), timedelta(0))

    @property
    def why(self) -> str:
        """'Total 0.62, Vendor 0.81': the fields that fell under the threshold, lowest first."""
        ordered = sorted(self.reasons, key=lambda r: r.confidence)
        return ", ".join(f"{r.key or r.field} {r.confidence:.2f}" for r in ordered)

    @property
    def lowest_confidence(self) -> float | None:
        return min((r.confidence for r in self.reasons), default=None)


# -- the table ------------------------------------------------------------------------------
def table_definition(config: ReviewConfig = CONFIG) -> dict[str, Any]:
    """The CreateTable request (on-demand): HASH document_id, GSI status-queued_at (ALL)."""
    return {
        "TableName": config.table,
        "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "document_id", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": a, "AttributeType": "S"}
                                 for a in ("document_id", "queued_at", "status")],
        "GlobalSecondaryIndexes": [{
            "IndexName": BY_STATUS,
            "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"},
                          {"AttributeName": "queued_at", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "ALL"},
        }],
    }


def create_missing_table(clients: Clients, config: ReviewConfig = CONFIG) -> str:
    """Create the table (or its index) when the account lacks it; what was done, "" when nothing."""
    ddb = clients.client("dynamodb")
    spec = table_definition(config)
    try:
        existing = ddb.describe_table(TableName=config.table)["Table"]
    except ClientError as exc:
        if error_code(exc) != "ResourceNotFoundException":
            raise
        ddb.create_table(**spec)
        ddb.get_waiter("table_exists").wait(TableName=config.table, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
        return f"created table {config.table}"
    if BY_STATUS in {i["IndexName"] for i in existing.get("GlobalSecondaryIndexes") or []}:
        return ""
    ddb.update_table(TableName=config.table, AttributeDefinitions=spec["AttributeDefinitions"][1:],
                     GlobalSecondaryIndexUpdates=[{"Create": spec["GlobalSecondaryIndexes"][0]}])
    return f"added index {BY_STATUS} to {config.table}"


def get_task(clients: Clients, document_id: str, config: ReviewConfig = CONFIG) -> ReviewTask | None:
    """The document's task as stored now (strongly consistent), or None."""
    out = clients.client("dynamodb").get_item(TableName=config.table, Key=to_attrs({"document_id": document_id}),
                                              ConsistentRead=True)
    return ReviewTask.from_record(from_attrs(out["Item"])) if out.get("Item") else None


# -- the queue --------------------------------------------------------------------------------
def _stream(ddb: Any, config: ReviewConfig, status: str, page_size: int, now: datetime,
            descending: bool = False) -> Iterator[ReviewTask]:
    request: dict[str, Any] = {
        "TableName": config.table, "IndexName": BY_STATUS, "KeyConditionExpression": "#s = :s",
        "ExpressionAttributeNames": {"#s": "status"}, "ExpressionAttributeValues": {":s": attr(status)},
        "ScanIndexForward": not descending,
    }
    if status == CLAIMED:  # only the claims whose lease ran out are back in the queue
        request["FilterExpression"] = "#e < :now"
        request["ExpressionAttributeNames"]["#e"] = "claim_expires_at"
        request["ExpressionAttributeValues"][":now"] = attr(iso(now))
    for raw in paging.items(ddb, "query", "Items", page_size=page_size, **request):
        yield ReviewTask.from_record(from_attrs(raw))


def iter_queue(clients: Clients, config: ReviewConfig = CONFIG, *, page_size: int = 100,
               now: datetime | None = None) -> Iterator[list[ReviewTask]]:
    """The reviewer queue, oldest first, a page at a time: WAITING documents and abandoned claims.

    Two Query streams on the status index (WAITING, and CLAIMED filtered to
    expired leases) merged by ``queued_at``; each next() asks at most for the
    pages it needs. Nothing scans the table.
    """
    when = now or utcnow()
    ddb = clients.client("dynamodb")
    merged = heapq.merge(_stream(ddb, config, WAITING, page_size, when),
                         _stream(ddb, config, CLAIMED, page_size, when),
                         key=lambda t: iso(t.queued_at) if t.queued_at else "")
    while True:
        page = list(itertools.islice(merged, page_size))
        if not page:
            return
        yield page


def iter_done(clients: Clients, config: ReviewConfig = CONFIG, *, statuses: tuple[str, ...] = (REVIEWED,),
              page_size: int = 500) -> Iterator[list[ReviewTask]]:
    """Reviewed (or rejected) documents, newest queued first, a page at a time."""
    ddb = clients.client("dynamodb")
    now = utcnow()
    for status in statuses:
        stream = _stream(ddb, config, status, page_size, now, descending=True)
        while page := list(itertools.islice(stream, page_size)):
            yield page


def count_waiting(clients: Clients, config: ReviewConfig = CONFIG) -> int:
    """How many documents wait for a reviewer (WAITING plus abandoned claims)."""
    return sum(len(p) for p in iter_queue(clients, config, page_size=500))


# -- claims ------------------------------------------------------------------------------------
def _update(task: ReviewTask, sets: Mapping[str, Any], condition: str, cond_values: Mapping[str, Any],
            config: ReviewConfig, remove: tuple[str, ...] = ()) -> dict[str, Any]:
    """An UpdateItem that sets ``sets``, removes ``remove`` and raises ``version`` under ``condition``."""
    names = {f"#{k}": k for k in (*sets, *remove, "version", "status", "claimed_by", "claim_expires_at")}
    update = "SET " + ", ".join([f"#{k} = :n_{k}" for k in sets] + ["#version = if_not_exists(#version, :zero) + :one"])
    if remove:
        update += " REMOVE " + ", ".join(f"#{k}" for k in remove)
    used = {n for n in names if n in update or n in condition}
    vals = {f":n_{k}": attr(v) for k, v in sets.items()}
    vals.update({":zero": attr(0), ":one": attr(1)})
    vals.update({f":{k}": attr(v) for k, v in cond_values.items()})
    return {
        "TableName": config.table, "Key": to_attrs({"document_id": task.document_id}),
        "UpdateExpression": update, "ConditionExpression": condition,
        "ExpressionAttributeNames": {n: names[n] for n in used}, "ExpressionAttributeValues": vals,
        "ReturnValues": "ALL_NEW",
    }


def _mine(task: ReviewTask, by: str) -> tuple[str, dict[str, Any]]:
    """The condition "still my claim, as I read it"."""
    return ("#status = :claimed AND #claimed_by = :me AND #version = :v",
            {"claimed": CLAIMED, "me": by, "v": task.version})


def claim_request(task: ReviewTask, by: str, config: ReviewConfig = CONFIG, now: datetime | None = None) -> ApiCall:
    """The conditional UpdateItem claiming ``task`` for ``by`` for one lease."""
    when = now or utcnow()
    sets = {"status": CLAIMED, "claimed_by": by, "claim_expires_at": iso(when + timedelta(seconds=config.lease_seconds)),
            "claimed_at": iso(when)}
    condition = "#status = :waiting OR (#status = :claimed AND #claim_expires_at < :now)"
    return ApiCall("dynamodb", "UpdateItem",
                   _update(task, sets, condition, {"waiting": WAITING, "claimed": CLAIMED, "now": iso(when)}, config))


def _taken(clients: Clients, task: ReviewTask, config: ReviewConfig, attempted: str) -> Conflict:
    """Explain a refused condition: who has the document now, or what became of it."""
    current = get_task(clients, task.document_id, config)
    if current is None:
        return Conflict(f"Document {task.document_id} is no longer in the review table; your {attempted} was not applied")
    if current.status == CLAIMED:
        until = format_day_time_in_sentence(current.claim_expires_at)
        return Conflict(f"{current.claimed_by or 'Someone else'} is reviewing document {task.document_id} "
                        f"(claimed until {until}); your {attempted} was not applied", current)
    if current.status in (REVIEWED, REJECTED):
        who = current.reviewed_by or "someone else"
        return Conflict(f"Document {task.document_id} was already {current.status.lower()} by {who}; "
                        f"your {attempted} was not applied", current)
    return Conflict(f"Document {task.document_id} changed meanwhile; your {attempted} was not applied", current)


def _send(clients: Clients, call: ApiCall, task: ReviewTask, config: ReviewConfig, attempted: str) -> ReviewTask:
    try:
        out = call.send(clients)
    except ClientError as exc:
        if error_code(exc) != "ConditionalCheckFailedException":
            raise
        raise _taken(clients, task, config, attempted) from None
    return ReviewTask.from_record(from_attrs(out.get("Attributes") or {}))


def claim(clients: Clients, task: ReviewTask, by: str, config: ReviewConfig = CONFIG,
          now: datetime | None = None) -> ReviewTask:
    """Claim ``task`` for ``by``; the claimed task, or :class:`Conflict` naming who has it."""
    return _send(clients, claim_request(task, by, config, now), task, config, "claim")


def claim_next(clients: Clients, by: str, config: ReviewConfig = CONFIG, now: datetime | None = None,
               *, skip: frozenset[str] = frozenset()) -> ReviewTask | None:
    """Claim the oldest claimable document (trying the next one when someone is quicker); None: queue empty."""
    for page in iter_queue(clients, config, page_size=25, now=now):
        for task in page:
            if task.document_id in skip:
                continue
            try:
                return claim(clients, task, by, config, now)
            except Conflict:
                continue
    return None


def renew_request(task: ReviewTask, by: str, config: ReviewConfig = CONFIG, now: datetime | None = None) -> ApiCall:
    """Extend my claim by one lease from now."""
    when = now or utcnow()
    condition, vals = _mine(task, by)
    sets = {"claim_expires_at": iso(when + timedelta(seconds=config.lease_seconds))}
    return ApiCall("dynamodb", "UpdateItem", _update(task, sets, condition, vals, config))


def renew(clients: Clients, task: ReviewTask, by: str, config: ReviewConfig = CONFIG,
          now: datetime | None = None) -> ReviewTask:
    """Renew the lease; :class:`Conflict` when the claim is no longer mine (it expired and was taken)."""
    return _send(clients, renew_request(task, by, config, now), task, config, "renewal")


def release_request(task: ReviewTask, by: str, config: ReviewConfig = CONFIG) -> ApiCall:
    """Give the document back to the queue."""
    condition, vals = _mine(task, by)
    return ApiCall("dynamodb", "UpdateItem",
                   _update(task, {"status": WAITING}, condition, vals, config, remove=("claimed_by", "claim_expires_at")))


def release(clients: Clients, task: ReviewTask, by: str, config: ReviewConfig = CONFIG) -> ReviewTask:
    return _send(clients, release_request(task, by, config), task, config, "release")


def finish_request(task: ReviewTask, by: str, status: str, sets: Mapping[str, Any],
                   config: ReviewConfig = CONFIG) -> ApiCall:
    """Mark my claimed document REVIEWED, REJECTED or IN_A2I (conditional on my claim and the version read)."""
    condition, vals = _mine(task, by)
    return ApiCall("dynamodb", "UpdateItem",
                   _update(task, {"status": status, **sets}, condition, vals, config,
                           remove=("claim_expires_at",)))


def finish(clients: Clients, task: ReviewTask, by: str, status: str, sets: Mapping[str, Any],
           config: ReviewConfig = CONFIG) -> ReviewTask:
    return _send(clients, finish_request(task, by, status, sets, config), task, config, "submission")


def put_task(clients: Clients, task: ReviewTask, config: ReviewConfig = CONFIG) -> None:
    """Store a task as given (what the pipeline's intake does; the console uses it to queue test documents)."""
    record = {
        "document_id": task.document_id, "status": task.status,
        "queued_at": iso(task.queued_at or utcnow()), "task_token": task.task_token,
        "execution_arn": task.execution_arn, "doc_type": task.doc_type, "tenant": task.tenant,
        "document_uri": task.document_uri, "pages": task.pages, "version": task.version,
        "reasons": [{"field": r.field, "key": r.key, "confidence": r.confidence} for r in task.reasons],
        "claimed_by": task.claimed_by,
        "claim_expires_at": iso(task.claim_expires_at) if task.claim_expires_at else None,
    }
    clients.client("dynamodb").put_item(TableName=config.table, Item=to_attrs(record))
