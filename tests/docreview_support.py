"""Document-review test data: a table and bucket of their own in the session sandbox, documents, waiting runs.

Imported as fixtures by the conftest of tests/core/docreview and tests/ui/docreview.
"""

from __future__ import annotations

import itertools
import json
import struct
import zlib
from datetime import UTC, datetime, timedelta

import pytest

from opsconsole.core.docreview import ReviewConfig, create_missing_table
from opsconsole.core.docreview.tasks import Reason, ReviewTask, put_task

_count = itertools.count(1)
#: The platform's tenant the test resources belong to (every resource carries one).
TENANT = "finance-ops"

EXTRACTION = {
    "documentId": "inv-0001", "docType": "invoice", "tenant": "acme",
    "pages": [{"page": 1, "image": "page-1.png", "width": 1240, "height": 1754}],
    "fields": [
        {"id": "f1", "key": "Vendor", "value": "Acme GmbH", "confidence": 0.99, "entityType": "VENDOR", "page": 1,
         "boundingBox": {"Left": 0.1, "Top": 0.1, "Width": 0.3, "Height": 0.03}},
        {"id": "f2", "key": "Total", "value": "1,234.50", "confidence": 0.62, "entityType": "TOTAL", "page": 1,
         "boundingBox": {"Left": 0.6, "Top": 0.8, "Width": 0.2, "Height": 0.03}},
        {"id": "f3", "key": "Invoice date", "value": "2026-11-3O", "confidence": 0.81, "entityType": "DATE",
         "page": 1, "boundingBox": {"Left": 0.6, "Top": 0.15, "Width": 0.2, "Height": 0.03}},
        {"id": "f4", "key": "Currency", "value": "EUR", "confidence": 0.97, "entityType": "CURRENCY", "page": 1,
         "boundingBox": {"Left": 0.8, "Top": 0.8, "Width": 0.05, "Height": 0.03}},
    ],
    "threshold": 0.95,
}


def png_bytes(width: int = 124, height: int = 175) -> bytes:
    """A small real PNG page: white, greyscale (written by hand: no imaging library needed)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\xff" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


@pytest.fixture
def review_config(sandbox_clients):
    """A fresh table and bucket (names of this test only), created the way the console creates them."""
    n = next(_count)
    config = ReviewConfig(bucket=f"docreview-test-{n}", table=f"docreview-tasks-test-{n}", lease_seconds=600)
    assert create_missing_table(sandbox_clients, config) == f"created table {config.table}"
    region = sandbox_clients.connection.region
    extra = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    sandbox_clients.client("s3").create_bucket(Bucket=config.bucket, **extra)
    return config


@pytest.fixture
def put_document(sandbox_clients, review_config):
    """put_document(id, queued_at=..., status=...) stores a document's extraction, page and task."""

    def put(document_id: str, *, queued_at: datetime | None = None, status: str = "WAITING",
            claimed_by: str = "", claim_expires_at: datetime | None = None, token: str = "token") -> ReviewTask:
        s3 = sandbox_clients.client("s3")
        data = dict(EXTRACTION, documentId=document_id)
        prefix = review_config.document_prefix(document_id)
        s3.put_object(Bucket=review_config.bucket, Key=prefix + "extraction.json", Body=json.dumps(data).encode())
        s3.put_object(Bucket=review_config.bucket, Key=prefix + "page-1.png", Body=png_bytes())
        task = ReviewTask(
            document_id=document_id, status=status,
            queued_at=queued_at or datetime.now(UTC) - timedelta(minutes=5),
            task_token=token, execution_arn=f"arn:aws:states:us-east-1:123456789012:execution:document-processing:{document_id}",
            doc_type="invoice", tenant="acme", document_uri=f"s3://{review_config.bucket}/{prefix}", pages=1,
            reasons=(Reason("f2", "Total", 0.62), Reason("f3", "Invoice date", 0.81)),
            claimed_by=claimed_by, claim_expires_at=claim_expires_at, version=1,
        )
        put_task(sandbox_clients, task, review_config)
        return task

    return put


@pytest.fixture
def waiting_execution(sandbox_clients):
    """waiting_execution(name) -> (execution ARN, task token): a run of a small machine waiting on its token.

    The machine sends the token to an SQS queue (``.waitForTaskToken``) and, on
    success, ends with the task's output; a ``DocumentRejected`` failure is
    caught into a Fail state of that name.
    """
    sfn = sandbox_clients.client("stepfunctions")
    sqs = sandbox_clients.client("sqs")
    n = next(_count)
    # Tagged like every resource of the platform (one tenant each), and removed after the test.
    queue_url = sqs.create_queue(QueueName=f"docreview-test-requests-{n}", tags={"tenant": TENANT})["QueueUrl"]
    definition = {
        "StartAt": "Review",
        "States": {
            "Review": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                       "Parameters": {"QueueUrl": queue_url,
                                      "MessageBody": {"token.$": "$$.Task.Token", "documentId.$": "$.documentId"}},
                       "End": True},
        },
    }
    arn = sfn.create_state_machine(name=f"docreview-test-{n}", definition=json.dumps(definition),
                                   roleArn="arn:aws:iam::123456789012:role/test",
                                   tags=[{"key": "tenant", "value": TENANT}])["stateMachineArn"]

    def start(document_id: str) -> tuple[str, str]:
        run = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"documentId": document_id}))
        deadline = datetime.now(UTC) + timedelta(seconds=20)
        while datetime.now(UTC) < deadline:
            for msg in sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1).get("Messages", []):
                body = json.loads(msg["Body"])
                if body.get("documentId") == document_id:
                    return run["executionArn"], body["token"]
        raise AssertionError("the execution never sent its task token")

    yield start
    for run in sfn.list_executions(stateMachineArn=arn, statusFilter="RUNNING")["executions"]:
        sfn.stop_execution(executionArn=run["executionArn"])
    sfn.delete_state_machine(stateMachineArn=arn)
    sqs.delete_queue(QueueUrl=queue_url)
