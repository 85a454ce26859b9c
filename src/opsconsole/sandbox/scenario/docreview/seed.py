"""Seed of the document-review area: documents in S3, the pipeline's executions, the review queue, A2I.

What :func:`seed_docreview` creates (names in :mod:`..catalog`):

* bucket ``ml-platform-documents``: for each document ``documents/<id>/extraction.json``
  and ``page-<n>.png`` (the PNGs are drawn on first GET, and by a background
  thread after start: :mod:`.pages`), A2I outputs under ``a2i-output/``;
* DynamoDB ``document-review-tasks`` (GSI ``status-queued_at``) and ``order-records``;
* SQS ``document-review-requests``: the console's review tasks' tokens arrive
  there; the intake (:func:`intake`, playing the Lambda that consumes the
  queue) turns each message into a WAITING item;
* SageMaker human task UIs and the flow definitions ``doc-review-invoices``
  (TaskCount 2) and ``doc-review-customs`` (TaskCount 1), with a few hundred
  human loops in every status and their outputs;
* the ``document-processing`` state machine with real executions: documents
  waiting for the console's review (their tokens in the table), waiting on A2I
  loops (the workforce resumes them), and a few that ran to the end (recorded
  by the machine, reviewed and completed, rejected). Documents processed before
  those are in the order-records table and the review table (REVIEWED,
  REJECTED), without executions.

S3 objects and A2I state are put into the backends directly (HTTP adds
nothing there). While the sandbox starts only the bucket, tables, queue, flow
definitions and the pipeline's documents are created; the history, the A2I
loops, the state machine and its executions follow in the background
(:attr:`DocReviewSeed.finish`, run by :class:`.live.DocReviewActivity`).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from opsconsole.sandbox.a2i import service as a2i_service
from opsconsole.sandbox.a2i.backend import A2IBackend
from opsconsole.sandbox.scenario import catalog as c
from opsconsole.sandbox.scenario.docreview import definition, outputs
from opsconsole.sandbox.scenario.docreview.documents import (
    THRESHOLD,
    Document,
    generate,
)
from opsconsole.sandbox.scenario.docreview.workforce import (
    EXPIRED_CODE,
    EXPIRED_REASON,
    FAILED_CODE,
    FAILED_REASON,
    Workforce,
    worker_answers,
)

log = logging.getLogger(__name__)

PIPELINE_DOCUMENTS = 200
ARCHIVE_DOCUMENTS = 360
WAITING, CLAIMED, A2I_RUNNING = 45, 3, 10
REVIEWERS = ("amira.haddad", "jonas.berg", "li.wei", "maria.santos", "tom.okafor")
WORKTEAM_ARN = f"arn:aws:sagemaker:{c.REGION}:{c.ACCOUNT_ID}:workteam/private-crowd/document-reviewers"
A2I_ROLE_ARN = f"arn:aws:iam::{c.ACCOUNT_ID}:role/service-role/AmazonSageMaker-A2I-DocumentReview"
FLOWS = {  # role -> (task UI, TaskCount, availability lifetime, time limit, title)
    "invoices": ("invoice-review-ui", 2, 86400, 3600, "Check the fields of an invoice"),
    "customs": ("customs-form-review-ui", 1, 3 * 86400, 1800, "Check the fields of a customs declaration"),
}
_DEADLINE = 120.0  # a busy machine starts 70 executions slowly


@dataclass
class DocReviewSeed:
    """What the step created; ``summary`` goes into Scenario.docreview."""

    summary: dict[str, Any]
    documents: dict[str, Document] = field(repr=False)
    #: ``finish(stopping)`` starts the pipeline's executions (run by :class:`.live.DocReviewActivity` after the
    #: sandbox is ready); once the ``stopping`` event is set it gives up between steps with :class:`SeedStopped`
    finish: Any = field(default=None, repr=False)
    #: set once the executions run and their review items are in the table
    ready: threading.Event = field(default_factory=threading.Event, repr=False)

    def wait_ready(self, timeout: float = 90.0) -> None:
        """Block until the executions are started and the review table is complete."""
        if not self.ready.wait(timeout):
            raise TimeoutError("sandbox: the document pipeline's executions did not start in time")


def _s3_backend() -> Any:
    from moto.s3.models import s3_backends

    return s3_backends[c.ACCOUNT_ID]["aws"]


def put_object(key: str, body: bytes) -> None:
    """Put an object into the document bucket (in-process)."""
    _s3_backend().put_object(c.DOCUMENT_BUCKET, key, body)


def create_resources(s3: Any, dynamodb: Any, sqs: Any) -> str:
    """Bucket, tables and queue; returns the queue URL."""
    s3.create_bucket(Bucket=c.DOCUMENT_BUCKET, CreateBucketConfiguration={"LocationConstraint": c.REGION})
    tags = [{"Key": "tenant", "Value": c.TENANT_FINANCE}, {"Key": "workflow", "Value": "document-review"}]
    s3.put_bucket_tagging(Bucket=c.DOCUMENT_BUCKET, Tagging={"TagSet": tags})
    dynamodb.create_table(
        TableName=c.DOCUMENT_REVIEW_TABLE, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "document_id", "AttributeType": "S"},
                              {"AttributeName": "status", "AttributeType": "S"},
                              {"AttributeName": "queued_at", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "document_id", "KeyType": "HASH"}],
        GlobalSecondaryIndexes=[{"IndexName": c.DOCUMENT_REVIEW_INDEX,
                                 "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"},
                                               {"AttributeName": "queued_at", "KeyType": "RANGE"}],
                                 "Projection": {"ProjectionType": "ALL"}}],
        Tags=tags)
    dynamodb.create_table(
        TableName=c.ORDER_RECORDS_TABLE, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "document_id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "document_id", "KeyType": "HASH"}], Tags=tags)
    return sqs.create_queue(QueueName=c.DOCUMENT_REVIEW_QUEUE,
                            tags={t["Key"]: t["Value"] for t in tags})["QueueUrl"]


def create_flows(a2i: A2IBackend, now: dt.datetime) -> dict[str, str]:
    """Human task UIs and flow definitions (created two months ago); role -> flow definition ARN."""
    arns = {}
    for role, (ui_name, count, lifetime, limit, title) in FLOWS.items():
        created = now - dt.timedelta(days=60)
        ui = a2i.create_task_ui(ui_name, _template(title), created=created)
        arns[role] = a2i.create_flow({
            "FlowDefinitionName": c.FLOW_DEFINITIONS[role],
            "HumanLoopConfig": {"WorkteamArn": WORKTEAM_ARN, "HumanTaskUiArn": ui.arn, "TaskTitle": title,
                                "TaskDescription": "Compare each field with the page and correct what is wrong.",
                                "TaskCount": count, "TaskAvailabilityLifetimeInSeconds": lifetime,
                                "TaskTimeLimitInSeconds": limit, "TaskKeywords": ["Documents", "Logistics"]},
            "OutputConfig": {"S3OutputPath": f"s3://{c.DOCUMENT_BUCKET}/{c.A2I_OUTPUT_PREFIX}"},
            "RoleArn": A2I_ROLE_ARN,
            "Tags": [{"Key": "tenant", "Value": c.TENANT_FINANCE if role == "invoices" else c.TENANT_RETAIL}],
        }, created=created + dt.timedelta(minutes=5)).arn
    return arns


def _template(title: str) -> str:
    return ("<script src=\"https://assets.crowd.aws/crowd-html-elements.js\"></script>\n"
            f"<crowd-form><h3>{title}</h3>\n"
            "{% for field in task.input.fields %}<crowd-input name=\"{{ field.id }}\" label=\"{{ field.key }}\" "
            "value=\"{{ field.value }}\"></crowd-input>{% endfor %}</crowd-form>")


def loop_input(doc: Document) -> dict[str, Any]:
    """What a human loop about ``doc`` carries (the machine's answer; the token is added by the state machine)."""
    return {"documentId": doc.document_id, "docType": doc.doc_type, "tenant": doc.tenant,
            "documentUri": f"s3://{c.DOCUMENT_BUCKET}/{doc.prefix}", "pages": doc.pages, "threshold": THRESHOLD,
            "fields": [{k: f[k] for k in ("id", "key", "value", "confidence", "entityType", "page", "boundingBox")}
                       for f in doc.fields]}


def execution_input(doc: Document, route: str, flow_arns: dict[str, str]) -> dict[str, Any]:
    role = "invoices" if doc.doc_type == "invoice" else "customs"
    return {"documentId": doc.document_id, "docType": doc.doc_type, "tenant": doc.tenant,
            "documentUri": f"s3://{c.DOCUMENT_BUCKET}/{doc.prefix}", "pages": doc.pages,
            "threshold": THRESHOLD, "minConfidence": doc.min_confidence, "reasons": doc.reasons(),
            "fields": [{k: f[k] for k in ("id", "key", "value", "confidence", "entityType")} for f in doc.fields],
            "route": route, "flowDefinitionArn": flow_arns[role], "humanLoopName": doc.loop_name,
            "loopInput": loop_input(doc)}


def review_item(doc: Document, status: str, queued_at: dt.datetime, **extra: Any) -> dict[str, Any]:
    """A review-tasks item (DynamoDB JSON) as the contract has it."""
    item = {"document_id": {"S": doc.document_id}, "status": {"S": status}, "queued_at": {"S": outputs.iso(queued_at)},
            "doc_type": {"S": doc.doc_type}, "tenant": {"S": doc.tenant},
            "document_uri": {"S": f"s3://{c.DOCUMENT_BUCKET}/{doc.prefix}"}, "pages": {"N": str(doc.pages)},
            "reasons": {"L": [{"M": {"field": {"S": r["field"]}, "key": {"S": r["key"]},
                                     "confidence": {"N": str(r["confidence"])}}} for r in doc.reasons()]},
            "version": {"N": str(extra.pop("version", 1))}}
    for key, value in extra.items():
        if value is not None:
            item[key] = {"S": value}
    return item


def intake(sqs: Any, dynamodb: Any, queue_url: str, queued_at: dict[str, dt.datetime] | None = None,
           wait: float = 0.0, expected: int = 0, stopping: threading.Event | None = None) -> list[str]:
    """Turn review requests in the queue into WAITING items (what the queue's consumer Lambda does).

    ``queued_at`` backdates documents the seed started late; ``expected`` keeps
    reading (up to ``wait`` seconds) until that many requests arrived, or ``stopping`` is set. Returns the
    document ids.
    """
    done: list[str] = []
    end = time.monotonic() + wait
    while True:
        _go_on(stopping)
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10,
                                       VisibilityTimeout=60).get("Messages", [])
        for message in messages:
            body = json.loads(message["Body"])
            doc_id = body["documentId"]
            when = (queued_at or {}).get(doc_id) or dt.datetime.fromisoformat(body["requestedAt"].replace("Z", "+00:00"))
            item = {"document_id": {"S": doc_id}, "status": {"S": "WAITING"}, "queued_at": {"S": outputs.iso(when)},
                    "task_token": {"S": body["TaskToken"]}, "execution_arn": {"S": body["executionArn"]},
                    "doc_type": {"S": body["docType"]}, "tenant": {"S": body["tenant"]},
                    "document_uri": {"S": body["documentUri"]}, "pages": {"N": str(body["pages"])},
                    "reasons": {"L": [{"M": {"field": {"S": r["field"]}, "key": {"S": r["key"]},
                                             "confidence": {"N": str(r["confidence"])}}}
                                      for r in body.get("reasons", [])]},
                    "version": {"N": "1"}}
            dynamodb.put_item(TableName=c.DOCUMENT_REVIEW_TABLE, Item=item)
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            done.append(doc_id)
        if len(done) >= expected and not messages:
            return done
        if time.monotonic() > end:
            if len(done) < expected:
                raise TimeoutError(f"sandbox: {len(done)} of {expected} document review requests arrived")
            return done
        if not messages:
            time.sleep(0.05)


def _backdate(execution: Any, start: dt.datetime) -> None:
    """Move a parked execution's start and events so far back to ``start`` (as the executions area does)."""
    from moto.core.utils import iso_8601_datetime_with_milliseconds

    shift = start - execution.start_date
    execution.start_date = start
    for event in execution.exec_worker.env.event_manager._history_event_list:
        when = dt.datetime.fromisoformat(event["timestamp"].replace("Z", "+00:00")) + shift
        event["timestamp"] = iso_8601_datetime_with_milliseconds(when)


class SeedStopped(Exception):
    """The sandbox is stopping: the rest of the seed would be thrown away, so it is not done."""


def _go_on(stopping: threading.Event | None) -> None:
    if stopping is not None and stopping.is_set():
        raise SeedStopped


def _wait(condition: Any, what: str, deadline: float = _DEADLINE, stopping: threading.Event | None = None) -> Any:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        _go_on(stopping)
        result = condition()
        if result:
            return result
        time.sleep(0.05)
    raise TimeoutError(f"sandbox: gave up waiting for {what}")


def plan(docs: list[Document]) -> dict[str, list[Document]]:
    """Which pipeline document is in which stage (newest low-confidence ones still wait)."""
    low = [d for d in docs if d.min_confidence < THRESHOLD]
    clean = [d for d in docs if d.min_confidence >= THRESHOLD]
    recent, older = low[-(WAITING + CLAIMED + A2I_RUNNING):], low[:-(WAITING + CLAIMED + A2I_RUNNING)]
    a2i_running = recent[2::5][:A2I_RUNNING]
    rest = [d for d in recent if d not in a2i_running]
    return {"waiting": rest[:WAITING], "claimed": rest[WAITING:], "a2i_running": a2i_running,
            "run_clean": clean[-6:], "run_reviewed": older[-6:-2], "run_rejected": older[-2:],
            "recorded": clean[:-6], "history_low": older[:-6]}


def seed_docreview(*, s3: Any, dynamodb: Any, sqs: Any, stepfunctions: Any, sfn_backend: Any, seed_value: int,
                   now: dt.datetime, endpoint_url: str) -> DocReviewSeed:
    """Create the bucket, tables, queue, flow definitions and the pipeline's documents; the rest
    (history, A2I loops, the state machine and its executions) is :attr:`DocReviewSeed.finish`, run in
    the background once the sandbox is ready."""
    rng = random.Random(f"{seed_value}:docreview")
    a2i = a2i_service.backend(c.REGION, c.ACCOUNT_ID)
    queue_url = create_resources(s3, dynamodb, sqs)
    flow_arns = create_flows(a2i, now)
    docs = generate(seed_value, PIPELINE_DOCUMENTS, now, span_days=5.0)
    for doc in docs:
        put_object(f"{doc.prefix}extraction.json", json.dumps(doc.extraction()).encode())
    stages = plan(docs)
    queued = {d.document_id: d.received + dt.timedelta(minutes=rng.uniform(1, 6))
              for s in ("waiting", "claimed", "run_reviewed", "run_rejected") for d in stages[s]}
    summary: dict[str, Any] = {
        "bucket": c.DOCUMENT_BUCKET, "table": c.DOCUMENT_REVIEW_TABLE, "index": c.DOCUMENT_REVIEW_INDEX,
        "records_table": c.ORDER_RECORDS_TABLE, "queue": c.DOCUMENT_REVIEW_QUEUE, "queue_url": queue_url,
        "state_machine": c.state_machine_arn(c.STATE_MACHINES["documents"]), "flow_definitions": flow_arns,
        "waiting": [d.document_id for d in stages["waiting"]], "claimed": [d.document_id for d in stages["claimed"]],
        "a2i_running": [d.document_id for d in stages["a2i_running"]],
        "executions": {},  # document id -> execution ARN, filled in the background
        "counts": {"documents": len(docs), "waiting": len(stages["waiting"]), "claimed": len(stages["claimed"]),
                   "a2i_running": len(stages["a2i_running"]), "executions": sum(len(stages[s]) for s in _REAL)},
    }
    documents = {d.document_id: d for d in docs}
    work = dict(stepfunctions=stepfunctions, sqs=sqs, dynamodb=dynamodb, sfn_backend=sfn_backend, a2i=a2i,
                queue_url=queue_url, flow_arns=flow_arns, stages=stages, queued=queued, now=now,
                seed_value=seed_value, documents=documents)
    return DocReviewSeed(summary, documents, lambda stopping=None: _finish(summary, stopping=stopping, **work))


#: stages whose documents have a real execution
_REAL = ("waiting", "claimed", "run_reviewed", "run_rejected", "a2i_running", "run_clean")


def _finish(summary: dict[str, Any], *, stepfunctions: Any, sqs: Any, dynamodb: Any, sfn_backend: Any,
            a2i: A2IBackend, queue_url: str, flow_arns: dict[str, str], stages: dict[str, list[Document]],
            queued: dict[str, dt.datetime], now: dt.datetime, seed_value: int, documents: dict[str, Document],
            stopping: threading.Event | None = None) -> None:
    """What the seed leaves to the background: history, A2I loops, the state machine, its executions."""
    rng = random.Random(f"{seed_value}:docreview:history")
    archive = generate(seed_value, ARCHIVE_DOCUMENTS, now - dt.timedelta(hours=1), span_days=14.0, series=50000,
                       label="archive")
    for doc in archive:
        _go_on(stopping)
        put_object(f"{doc.prefix}extraction.json", json.dumps(doc.extraction()).encode())
        documents[doc.document_id] = doc
    # earlier documents, processed before the executions below
    history = []
    for doc in stages["history_low"]:
        roll = rng.random()
        when = doc.received + dt.timedelta(minutes=rng.uniform(1, 6))
        if roll < 0.7:
            history.append(_console_review(doc, rng.choice(REVIEWERS), when, rng, None)[1])
        elif roll < 0.85:
            history.append(_rejected_item(doc, rng.choice(REVIEWERS), when, rng, None))
    order_records = []
    for doc in stages["recorded"]:
        record = {"documentId": doc.document_id, "fields": doc.corrected_fields(), "reviewedBy": "machine",
                  "outputUri": f"s3://{c.DOCUMENT_BUCKET}/{doc.prefix}extraction.json"}
        order_records.append({
            "document_id": {"S": doc.document_id}, "doc_type": {"S": doc.doc_type}, "tenant": {"S": doc.tenant},
            "reviewed_by": {"S": "machine"}, "record": {"S": json.dumps(record)},
            "recorded_at": {"S": outputs.iso(doc.received + dt.timedelta(minutes=2))}})
    _go_on(stopping)
    _batch_put(dynamodb, c.DOCUMENT_REVIEW_TABLE, history)
    _batch_put(dynamodb, c.ORDER_RECORDS_TABLE, order_records)
    _go_on(stopping)
    loops = _seed_loops(a2i, archive, flow_arns, now, seed_value)
    # loops whose time with the workforce is over by now end as the workforce would have ended them
    Workforce(a2i, put_object, stepfunctions, seed_value, {d.document_id: d.truth for d in archive}).step(
        now, only={d.loop_name for d in archive})
    _go_on(stopping)

    machine_arn = stepfunctions.create_state_machine(
        name=c.STATE_MACHINES["documents"], roleArn=c.ROLE_ARN, type="STANDARD",
        definition=json.dumps(definition.document_processing(queue_url), indent=2),
        tags=[{"key": "tenant", "value": c.TENANT_FINANCE}, {"key": "workflow", "value": "document-review"}],
    )["stateMachineArn"]
    start_executions(summary, stepfunctions=stepfunctions, sqs=sqs, dynamodb=dynamodb, sfn_backend=sfn_backend,
                     a2i=a2i, machine_arn=machine_arn, queue_url=queue_url, flow_arns=flow_arns, stages=stages,
                     queued=queued, rng=random.Random(f"{seed_value}:docreview:executions"), stopping=stopping)
    statuses: dict[str, int] = {}
    for loop in list(a2i.loops.values()):
        statuses[loop.status] = statuses.get(loop.status, 0) + 1
    summary["counts"].update({
        "archive_documents": len(archive),
        "reviewed": sum(1 for i in history if i["status"]["S"] == "REVIEWED") + len(stages["run_reviewed"]),
        "rejected": sum(1 for i in history if i["status"]["S"] == "REJECTED") + len(stages["run_rejected"]),
        "recorded": len(order_records) + len(stages["run_clean"]), "human_loops": loops + len(stages["a2i_running"]),
        **{f"loops_{k}": v for k, v in sorted(statuses.items())}})


def start_executions(summary: dict[str, Any], *, stepfunctions: Any, sqs: Any, dynamodb: Any, sfn_backend: Any,
                     a2i: A2IBackend, machine_arn: str, queue_url: str, flow_arns: dict[str, str],
                     stages: dict[str, list[Document]], queued: dict[str, dt.datetime], rng: random.Random,
                     stopping: threading.Event | None = None) -> None:
    """The pipeline's real executions (in the background after start: parsing and running them costs
    seconds of CPU): documents waiting for the console with their tokens in the table, waiting on A2I,
    claimed, and a few run to the end (recorded, reviewed, rejected)."""
    now = dt.datetime.now(dt.timezone.utc)

    import boto3  # the interpreter's A2I client, created once before executions race to create it

    boto3.client("sagemaker-a2i-runtime", region_name=c.REGION, aws_access_key_id="ak",
                 aws_secret_access_key="sk", endpoint_url="http://localhost:1")
    started: dict[str, str] = summary["executions"]
    real = [(d, "console") for s in ("waiting", "claimed", "run_reviewed", "run_rejected") for d in stages[s]]
    real += [(d, "a2i") for d in stages["a2i_running"]] + [(d, "console") for d in stages["run_clean"]]

    def start(entry: tuple[Document, str]) -> None:
        _go_on(stopping)
        doc, route = entry
        started[doc.document_id] = stepfunctions.start_execution(
            stateMachineArn=machine_arn, name=doc.document_id,
            input=json.dumps(execution_input(doc, route, flow_arns)))["executionArn"]

    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="sandbox-docreview") as pool:
        list(pool.map(start, real))

    console_docs = [d for s in ("waiting", "claimed", "run_reviewed", "run_rejected") for d in stages[s]]
    intake(sqs, dynamodb, queue_url, queued, wait=_DEADLINE, expected=len(console_docs), stopping=stopping)
    tokens = {}
    for doc in console_docs:
        item = dynamodb.get_item(TableName=c.DOCUMENT_REVIEW_TABLE, Key={"document_id": {"S": doc.document_id}})["Item"]
        tokens[doc.document_id] = item["task_token"]["S"]
    _wait(lambda: all(d.loop_name in a2i.loops for d in stages["a2i_running"]), "the pipeline's human loops",
          stopping=stopping)
    for doc in stages["waiting"] + stages["claimed"] + stages["a2i_running"]:
        _backdate(sfn_backend.describe_execution(started[doc.document_id]), doc.received)
    for doc in stages["a2i_running"]:
        a2i.backdate(doc.loop_name, doc.received + dt.timedelta(minutes=rng.uniform(1, 6)))

    # claims: two abandoned (expired), one held
    for i, doc in enumerate(stages["claimed"]):
        expires = now + dt.timedelta(minutes=12) if i == 0 else now - dt.timedelta(minutes=40 * i)
        dynamodb.update_item(
            TableName=c.DOCUMENT_REVIEW_TABLE, Key={"document_id": {"S": doc.document_id}},
            UpdateExpression="SET #s = :c, claimed_by = :who, claim_expires_at = :exp, version = :v",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":c": {"S": "CLAIMED"}, ":who": {"S": REVIEWERS[i % len(REVIEWERS)]},
                                       ":exp": {"S": outputs.iso(expires)}, ":v": {"N": "2"}})

    # executions that ran to the end: reviewed in the console, rejected, or confident enough
    reviewed_items = []
    for doc in stages["run_reviewed"]:
        reviewer = rng.choice(REVIEWERS)
        record, item = _console_review(doc, reviewer, queued[doc.document_id], rng, started[doc.document_id])
        stepfunctions.send_task_success(taskToken=tokens[doc.document_id], output=json.dumps(record))
        reviewed_items.append(item)
    for doc in stages["run_rejected"]:
        reason = "Page is not an invoice or customs form (a delivery note was scanned)."
        stepfunctions.send_task_failure(taskToken=tokens[doc.document_id], error="DocumentRejected", cause=reason)
        reviewed_items.append(_rejected_item(doc, rng.choice(REVIEWERS), queued[doc.document_id], rng,
                                             started[doc.document_id]))

    for item in reviewed_items:
        dynamodb.put_item(TableName=c.DOCUMENT_REVIEW_TABLE, Item=item)
    _wait(lambda: all(sfn_backend.describe_execution(started[d.document_id]).status != "RUNNING"
                      for s in ("run_clean", "run_reviewed", "run_rejected") for d in stages[s]),
          "the finished document executions", stopping=stopping)


def _batch_put(dynamodb: Any, table: str, items: list[dict[str, Any]]) -> None:
    for start in range(0, len(items), 25):
        requests = [{"PutRequest": {"Item": item}} for item in items[start:start + 25]]
        while requests:
            left = dynamodb.batch_write_item(RequestItems={table: requests}).get("UnprocessedItems", {})
            requests = left.get(table, [])


def _console_review(doc: Document, reviewer: str, queued_at: dt.datetime, rng: random.Random,
                    execution_arn: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """A finished console review: its output in S3, the corrected record and the REVIEWED item."""
    claimed = queued_at + dt.timedelta(minutes=rng.uniform(5, 600))
    seconds = int(rng.uniform(40, 420))
    loop_name = doc.loop_name
    uri = outputs.output_uri(c.CONSOLE_REVIEW_FLOW, claimed, loop_name)
    fields = doc.corrected_fields()
    answer = outputs.answer(fields, reviewer, claimed, seconds, sub=reviewer)
    flow_arn = f"arn:aws:sagemaker:{c.REGION}:{c.ACCOUNT_ID}:flow-definition/{c.CONSOLE_REVIEW_FLOW}"
    put_object(outputs.output_key(c.CONSOLE_REVIEW_FLOW, claimed, loop_name),
               outputs.document(flow_arn, loop_name, json.dumps(loop_input(doc)), [answer]))
    record = {"documentId": doc.document_id, "fields": fields, "reviewedBy": reviewer, "outputUri": uri}
    reviewed = claimed + dt.timedelta(seconds=seconds)
    item = review_item(doc, "REVIEWED", queued_at, version=3, reviewed_by=reviewer, reviewed_at=outputs.iso(reviewed),
                       output_uri=uri, claimed_by=reviewer, execution_arn=execution_arn)
    return record, item


def _rejected_item(doc: Document, reviewer: str, queued_at: dt.datetime, rng: random.Random,
                   execution_arn: str | None) -> dict[str, Any]:
    reviewed = queued_at + dt.timedelta(minutes=rng.uniform(5, 600))
    return review_item(doc, "REJECTED", queued_at, version=3, reviewed_by=reviewer, reviewed_at=outputs.iso(reviewed),
                       claimed_by=reviewer, execution_arn=execution_arn)


def _seed_loops(a2i: A2IBackend, archive: list[Document], flow_arns: dict[str, str], now: dt.datetime,
                seed_value: int) -> int:
    """Human loops of the archive documents: every status, with outputs for the completed ones."""
    rng = random.Random(f"{seed_value}:docreview:loops")
    count = 0
    for doc in archive:
        role = "invoices" if doc.doc_type == "invoice" else "customs"
        flow = a2i.flows[c.FLOW_DEFINITIONS[role]]
        lifetime = flow.config["TaskAvailabilityLifetimeInSeconds"]
        created = doc.received + dt.timedelta(minutes=rng.uniform(1, 8))
        content = json.dumps(loop_input(doc))
        loop = a2i.start_loop(doc.loop_name, flow.arn, content,
                              {"ContentClassifiers": ["FreeOfPersonallyIdentifiableInformation"]}, created=created)
        count += 1
        age = (now - created).total_seconds()
        roll = rng.random()
        if age < lifetime and roll < 0.55:
            continue  # still with the workforce
        if roll < 0.08 or (roll < 0.62 and age >= lifetime and rng.random() < 0.12):
            a2i.fail(loop.name, EXPIRED_CODE, EXPIRED_REASON, created + dt.timedelta(seconds=lifetime))
        elif roll < 0.11:
            a2i.fail(loop.name, FAILED_CODE, FAILED_REASON, created + dt.timedelta(minutes=rng.uniform(1, 30)))
        elif roll < 0.17:
            a2i.stopped(loop.name, created + dt.timedelta(minutes=rng.uniform(5, 600)))
        else:
            answers = worker_answers(loop_input(doc)["fields"], doc.truth, flow.config["TaskCount"], rng, created)
            key = outputs.output_key(flow.name, created, loop.name)
            put_object(key, outputs.document(flow.arn, loop.name, content, answers))
            ended = dt.datetime.fromisoformat(answers[-1]["submissionTime"].replace("Z", "+00:00"))
            a2i.complete(loop.name, f"s3://{c.DOCUMENT_BUCKET}/{key}", ended)
    return count


__all__ = ["DocReviewSeed", "intake", "put_object", "seed_docreview"]
