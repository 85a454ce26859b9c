"""End to end on the sandbox's document pipeline: a document the state machine hands to the console is
reviewed from the keyboard, and its execution records the corrected fields and succeeds."""

from __future__ import annotations

import json
import uuid

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from support import audit, wait_until

from opsconsole.core.docreview import REVIEWED, get_task

TIMEOUT = 60000
CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def new_document(sandbox, sandbox_clients):
    """A fresh copy of a seeded waiting document, sent down the pipeline to the console's queue."""
    from opsconsole.sandbox.scenario.docreview import intake

    seeded = sandbox.scenario.docreview_seed
    seeded.wait_ready()
    area = sandbox.scenario.docreview
    original = area["waiting"][0]
    sfn, s3 = sandbox_clients.client("stepfunctions"), sandbox_clients.client("s3")
    run = json.loads(sfn.describe_execution(executionArn=area["executions"][original])["input"])
    doc_id = f"E2E-{uuid.uuid4().hex[:8].upper()}"
    bucket, old_prefix = area["bucket"], f"documents/{original}/"
    extraction = json.loads(s3.get_object(Bucket=bucket, Key=old_prefix + "extraction.json")["Body"].read())
    s3.put_object(Bucket=bucket, Key=f"documents/{doc_id}/extraction.json",
                  Body=json.dumps(dict(extraction, documentId=doc_id)).encode())
    for page in extraction["pages"]:
        image = s3.get_object(Bucket=bucket, Key=old_prefix + page["image"])["Body"].read()
        s3.put_object(Bucket=bucket, Key=f"documents/{doc_id}/{page['image']}", Body=image)
    run.update(documentId=doc_id, documentUri=f"s3://{bucket}/documents/{doc_id}/", route="console",
               humanLoopName=doc_id.lower())
    arn = sfn.start_execution(stateMachineArn=area["state_machine"], name=doc_id, input=json.dumps(run))["executionArn"]
    queued = intake(sandbox_clients.client("sqs"), sandbox_clients.client("dynamodb"), area["queue_url"],
                    wait=90, expected=1)
    assert doc_id in queued
    return doc_id, arn


def press(qtbot, key, modifier=Qt.KeyboardModifier.NoModifier):
    target = QApplication.focusWidget()
    assert target is not None, "nothing has the keyboard focus"
    qtbot.keyClick(target, key, modifier)


def test_a_document_from_the_pipeline_is_reviewed_with_keys_and_its_execution_succeeds_with_the_corrections(
        qtbot, ctx, person_connection, sandbox_clients, new_document):
    from opsconsole.ui.docreview import DocReviewPanel

    doc_id, arn = new_document
    ctx.set_connection(person_connection("Ana"))
    qtbot.waitUntil(lambda: ctx.who.name == "Ana", timeout=TIMEOUT)
    panel = DocReviewPanel(ctx)  # the platform's own table and bucket (the settings' defaults)
    qtbot.addWidget(panel)
    panel.resize(1400, 860)
    panel.show()
    qtbot.waitExposed(panel)
    with qtbot.waitSignal(panel.loaded, timeout=TIMEOUT):
        panel.load()
    rows = [panel.queue.model.row_at(r).document_id for r in range(panel.queue.model.rowCount())]
    assert rows[-1] == doc_id  # the newest, at the end of an oldest-first queue

    panel.queue.table.setFocus()
    press(qtbot, Qt.Key.Key_End, CTRL)  # the last row
    press(qtbot, Qt.Key.Key_Return)
    review = panel.review
    qtbot.waitUntil(lambda: review.doc is not None and review.claimed and review.task.document_id == doc_id,
                    timeout=TIMEOUT)
    assert review.page.boxes and not review.doc.missing_images  # the page image, with the fields drawn on it
    low = [f for f in review.doc.review_order() if f.low(review.doc.threshold)]
    assert low and review.current_field().id == low[0].id

    # The first doubtful field is corrected; the rest accepted as the machine read them.
    press(qtbot, Qt.Key.Key_M)
    for _ in low[1:]:
        press(qtbot, Qt.Key.Key_Return)
    press(qtbot, Qt.Key.Key_Return, CTRL)

    qtbot.waitUntil(lambda: review.message.title_label.text() == "Submitted", timeout=TIMEOUT)
    done = wait_until(lambda: (out := sandbox_clients.client("stepfunctions").describe_execution(
        executionArn=arn)) and out["status"] != "RUNNING" and out, timeout=90, what="the execution to end")
    assert done["status"] == "SUCCEEDED"
    record = json.loads(done["output"])["review"]
    assert record["documentId"] == doc_id and record["reviewedBy"] == "Ana"
    fields = {f["id"]: f for f in record["fields"]}
    assert fields[low[0].id]["status"] == "missing" and fields[low[0].id]["value"] is None
    assert all(fields[f.id]["status"] == "accepted" for f in low[1:])
    assert record["outputUri"].startswith("s3://ml-platform-documents/a2i-output/console-review/")
    assert get_task(sandbox_clients, doc_id).status == REVIEWED
    assert ("Submit document review", f"document {doc_id}", "ok") in audit(ctx)
