"""Finishing a review: the output in A2I's layout, the state machine's task, the table item.

Submitting is one audited write of three calls, in this order:

1. PutObject ``<output prefix>/console-review/YYYY/MM/DD/hh/mm/ss/doc-<id>/output.json``, the
   same layout A2I's workers leave (``flowDefinitionArn``, ``humanLoopName``, ``inputContent``,
   ``humanAnswers[]``), so both kinds of review leave the same record;
2. SendTaskSuccess with the corrected record (which names that output);
3. the table item REVIEWED, conditional on my claim and the version I read.

The claim is checked first (a conditional renewal), so a reviewer whose lease
ran out and was taken sends nothing to the state machine. When the state
machine has stopped waiting (``TaskTimedOut``, ``InvalidToken``,
``TaskDoesNotExist``) the review is not lost: the output stays in S3, the item
is closed as REJECTED with the reason, and the outcome says so.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from opsconsole.core.aws import Clients
from opsconsole.core.docreview.config import CONFIG, CONSOLE_FLOW, ReviewConfig
from opsconsole.core.docreview.document import (
    Decision,
    Document,
    DocumentUnreadable,
    corrected_record,
)
from opsconsole.core.docreview.store import error_code, iso, utcnow
from opsconsole.core.docreview.tasks import (
    REJECTED,
    REVIEWED,
    ReviewTask,
    finish,
    renew,
)
from opsconsole.core.identity import Identity
from opsconsole.core.writes import ERROR, OK, Write

#: Codes by which Step Functions says the task no longer waits for an answer.
TOKEN_GONE = frozenset({"TaskTimedOut", "InvalidToken", "TaskDoesNotExist"})
#: The error a rejected document fails its task with (what the state machine's Catch matches).
REJECTED_ERROR = "DocumentRejected"
#: SendTaskFailure's cause: at most 32,768 characters.
MAX_CAUSE = 32_768

COMPLETED, TOKEN_EXPIRED = "completed", "token-expired"


def loop_name(document_id: str) -> str:
    """'doc-<id>', lower-cased and cut to A2I's rules (1-63 chars, ``^[a-z0-9](-*[a-z0-9])*$``)."""
    cleaned = re.sub(r"[^a-z0-9-]+", "-", f"doc-{document_id}".lower())
    cleaned = re.sub(r"-{2,}", "-", cleaned).strip("-")[:63].rstrip("-")
    return cleaned or "doc"


def output_key(config: ReviewConfig, document_id: str, when: datetime, flow: str = CONSOLE_FLOW) -> str:
    """Where A2I's layout puts the output of a loop finished at ``when`` (UTC)."""
    stamp = when.strftime("%Y/%m/%d/%H/%M/%S")
    return f"{config.output_prefix}/{flow}/{stamp}/{loop_name(document_id)}/output.json"


def flow_arn(region: str, account: str, flow: str = CONSOLE_FLOW) -> str:
    return f"arn:aws:sagemaker:{region}:{account}:flow-definition/{flow}"


def output_document(doc: Document, record: Mapping[str, Any], who: Identity, *, started: datetime,
                    finished: datetime, flow_definition_arn: str, task: ReviewTask | None = None) -> dict[str, Any]:
    """The output.json of a console review, in A2I's layout.

    ``inputContent`` is what the machine extracted; the one ``humanAnswers``
    entry is the reviewer's corrected fields (``answerContent.fields``), with
    A2I's timing and worker members.
    """
    return {
        "flowDefinitionArn": flow_definition_arn,
        "humanLoopName": loop_name(doc.document_id),
        "inputContent": {
            "documentId": doc.document_id, "docType": doc.doc_type, "tenant": doc.tenant,
            "threshold": doc.threshold,
            "executionArn": task.execution_arn if task else "",
            "fields": [{"id": f.id, "key": f.key, "value": f.value, "confidence": f.confidence,
                        "entityType": f.entity_type, "page": f.page} for f in doc.fields],
        },
        "humanAnswers": [{
            "answerContent": {"fields": record["fields"]},
            "acceptanceTime": iso(started),
            "submissionTime": iso(finished),
            "timeSpentInSeconds": round(max((finished - started).total_seconds(), 0.0), 3),
            "workerId": who.name,
            "workerMetadata": {"identityData": {"principal": who.arn, "displayName": who.display_name.strip() or who.name,
                                                "source": "opsconsole"}},
        }],
    }


@dataclass(frozen=True)
class ReviewResult:
    """How a submit or rejection ended (a Conflict is raised instead when the claim was lost)."""

    kind: str  # COMPLETED | TOKEN_EXPIRED
    task: ReviewTask
    output_uri: str = ""
    #: AWS's code when the state machine no longer waited.
    code: str = ""
    message: str = ""

    @property
    def sentence(self) -> str:
        if self.kind == COMPLETED:
            return (f"Document {self.task.document_id} {self.task.status.lower()}"
                    + (f"; output at {self.output_uri}" if self.output_uri else ""))
        kept = f" The corrections are kept at {self.output_uri}." if self.output_uri else ""
        return (f"The execution had stopped waiting for this review ({self.code}): nothing was sent to it, "
                f"and the document was taken out of the queue.{kept}")


def result_outcome(result: Any) -> tuple[str, str]:
    """The audit log's verdict: a token that expired is an error (the review did not reach the execution)."""
    if isinstance(result, ReviewResult) and result.kind == TOKEN_EXPIRED:
        return ERROR, f"{result.code}: {result.message}"
    return OK, ""


def _close_expired(clients: Clients, task: ReviewTask, who: Identity, config: ReviewConfig, exc: ClientError,
                   output_uri: str) -> ReviewResult:
    code = error_code(exc)
    message = str(exc.response.get("Error", {}).get("Message", ""))
    closed = finish(clients, task, who.name, REJECTED, {
        "reviewed_by": who.name, "reviewed_at": iso(utcnow()), "output_uri": output_uri,
        "reject_reason": f"the execution stopped waiting ({code})"}, config)
    return ReviewResult(TOKEN_EXPIRED, closed, output_uri, code, message)


def submit_review(clients: Clients, task: ReviewTask, doc: Document, decisions: Mapping[str, Decision],
                  who: Identity, *, started: datetime, config: ReviewConfig = CONFIG,
                  now: datetime | None = None) -> ReviewResult:
    """Write the output, complete the task with the corrected record, mark the item REVIEWED."""
    finished = now or utcnow()
    key = output_key(config, doc.document_id, finished)
    uri = f"s3://{config.bucket}/{key}"
    record = corrected_record(doc, decisions, who.name, uri)  # refuses before anything is sent
    mine = renew(clients, task, who.name, config, finished)  # Conflict if the claim is gone
    region = clients.connection.region if getattr(clients, "connection", None) else ""
    output = output_document(doc, record, who, started=started, finished=finished, task=task,
                             flow_definition_arn=flow_arn(region or "", who.account))
    clients.client("s3").put_object(Bucket=config.bucket, Key=key, Body=json.dumps(output, indent=2).encode(),
                                    ContentType="application/json")
    try:
        clients.client("stepfunctions").send_task_success(taskToken=task.task_token, output=json.dumps(record))
    except ClientError as exc:
        if error_code(exc) not in TOKEN_GONE:
            raise
        return _close_expired(clients, mine, who, config, exc, uri)
    seconds = round(max((finished - started).total_seconds(), 0.0), 3)
    done = finish(clients, mine, who.name, REVIEWED, {
        "reviewed_by": who.name, "reviewed_at": iso(finished), "output_uri": uri,
        "time_spent_s": seconds, "fields_changed": sum(1 for f in record["fields"] if f["status"] != "accepted"),
    }, config)
    return ReviewResult(COMPLETED, done, uri)


def reject_document(clients: Clients, task: ReviewTask, reason: str, who: Identity, *,
                    config: ReviewConfig = CONFIG, now: datetime | None = None) -> ReviewResult:
    """"Cannot be processed": SendTaskFailure (DocumentRejected, the reason) and the item REJECTED."""
    reason = reason.strip()
    if not reason:
        raise DocumentUnreadable("Say why the document cannot be processed", title="Reason needed")
    when = now or utcnow()
    mine = renew(clients, task, who.name, config, when)
    try:
        clients.client("stepfunctions").send_task_failure(taskToken=task.task_token, error=REJECTED_ERROR,
                                                          cause=reason[:MAX_CAUSE])
    except ClientError as exc:
        if error_code(exc) not in TOKEN_GONE:
            raise
        return _close_expired(clients, mine, who, config, exc, "")
    done = finish(clients, mine, who.name, REJECTED, {
        "reviewed_by": who.name, "reviewed_at": iso(when), "reject_reason": reason}, config)
    return ReviewResult(COMPLETED, done)


def submit_write(task: ReviewTask, doc: Document, decisions: Mapping[str, Decision], who: Identity, *,
                 started: datetime, config: ReviewConfig = CONFIG) -> Write:
    """The audited write of a submit (three calls decided on the way: no single CLI command)."""
    decisions = dict(decisions)
    changed = sorted(d.field_id for d in decisions.values() if d.status != "accepted")
    return Write(
        "Submit document review", f"document {task.document_id}", "stepfunctions", "SendTaskSuccess",
        run=lambda clients: submit_review(clients, task, doc, decisions, who, started=started, config=config),
        who=who, targets=(task.document_id, task.execution_arn),
        details={"document_id": task.document_id, "execution_arn": task.execution_arn,
                 "fields_changed": changed, "version": task.version},
        outcome=result_outcome,
        no_cli="Submitting writes output.json to S3, completes the execution's task and marks the document "
               "reviewed: three calls, the last two depending on the first.",
    )


def reject_write(task: ReviewTask, reason: str, who: Identity, *, config: ReviewConfig = CONFIG) -> Write:
    """The audited write of "cannot be processed" (destructive: the execution fails)."""
    return Write(
        "Reject document", f"document {task.document_id}", "stepfunctions", "SendTaskFailure",
        run=lambda clients: reject_document(clients, task, reason, who, config=config),
        who=who, targets=(task.document_id, task.execution_arn),
        details={"document_id": task.document_id, "execution_arn": task.execution_arn, "reason": reason},
        destructive=True, outcome=result_outcome,
        no_cli="Rejecting fails the execution's task and marks the document rejected: two calls.",
    )

