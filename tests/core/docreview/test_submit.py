"""Submitting a review: A2I's output layout, the execution completed with the corrected record, the item closed."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from docreview_support import EXTRACTION

from opsconsole.core.docreview import (
    ACCEPTED,
    EDITED,
    MISSING,
    REJECTED,
    REVIEWED,
    Decision,
    claim,
    get_task,
    load_document,
)
from opsconsole.core.docreview.document import (
    Document,
    DocumentUnreadable,
    check_value,
    corrected_record,
)
from opsconsole.core.docreview.submit import (
    COMPLETED,
    TOKEN_EXPIRED,
    loop_name,
    output_key,
    reject_document,
    submit_review,
)
from opsconsole.core.identity import Identity
from opsconsole.core.writes import Conflict

ANA = Identity(arn="arn:aws:sts::123456789012:assumed-role/Reviewers/ana", account="123456789012",
               display_name="Ana")


def _wait_for(sfn, arn: str, status: str) -> dict:
    deadline = datetime.now(UTC) + timedelta(seconds=20)
    while True:
        out = sfn.describe_execution(executionArn=arn)
        if out["status"] == status or datetime.now(UTC) > deadline:
            return out


def test_low_confidence_fields_come_first_lowest_first():
    doc = Document.from_extraction(EXTRACTION)
    assert [f.key for f in doc.review_order()] == ["Total", "Invoice date", "Vendor", "Currency"]


def test_the_corrected_record_says_what_the_reviewer_did_to_every_field():
    doc = Document.from_extraction(EXTRACTION)
    record = corrected_record(doc, {
        "f2": Decision("f2", ACCEPTED),
        "f3": Decision("f3", EDITED, "2026-11-30"),
        "f1": Decision("f1", MISSING),
    }, "Ana", "s3://b/k")
    assert record == {
        "documentId": "inv-0001", "reviewedBy": "Ana", "outputUri": "s3://b/k",
        "fields": [
            {"id": "f1", "key": "Vendor", "value": None, "entityType": "VENDOR", "status": "missing"},
            {"id": "f2", "key": "Total", "value": "1,234.50", "entityType": "TOTAL", "status": "accepted"},
            {"id": "f3", "key": "Invoice date", "value": "2026-11-30", "entityType": "DATE", "status": "edited"},
            {"id": "f4", "key": "Currency", "value": "EUR", "entityType": "CURRENCY", "status": "accepted"},
        ],
    }


def test_a_record_with_an_unreviewed_low_confidence_field_is_refused():
    doc = Document.from_extraction(EXTRACTION)
    with pytest.raises(DocumentUnreadable, match="Not reviewed yet: Invoice date"):
        corrected_record(doc, {"f2": Decision("f2", ACCEPTED)}, "Ana")


@pytest.mark.parametrize(("etype", "value", "ok"), [
    ("TOTAL", "1,234.50", True), ("TOTAL", "12O.00", False), ("DATE", "2026-11-30", True),
    ("DATE", "2026-11-3O", False), ("CURRENCY", "EUR", True), ("CURRENCY", "euro", False),
    ("HS_CODE", "8471.30", True), ("HS_CODE", "84", False), ("VENDOR", "  ", False), ("WEIGHT", "12.5 kg", True),
])
def test_values_are_checked_for_their_entity_type(etype, value, ok):
    assert (check_value(etype, value) is None) is ok


def test_the_output_goes_where_a2i_puts_its_own():
    from opsconsole.core.docreview import ReviewConfig

    when = datetime(2026, 11, 30, 9, 5, 7, tzinfo=UTC)
    assert output_key(ReviewConfig(), "INV_0042", when) == \
        "a2i-output/console-review/2026/11/30/09/05/07/doc-inv-0042/output.json"
    assert loop_name("INV_0042") == "doc-inv-0042"
    assert len(loop_name("x" * 100)) == 63


def test_submit_completes_the_execution_with_the_corrected_record_and_leaves_an_a2i_output(
        sandbox_clients, review_config, put_document, waiting_execution):
    arn, token = waiting_execution("inv-0100")
    task = put_document("inv-0100", token=token)
    mine = claim(sandbox_clients, task, ANA.name, review_config)
    doc = load_document(sandbox_clients, "inv-0100", review_config, document_uri=task.document_uri)
    assert doc.images[1].startswith(b"\x89PNG")
    started = datetime.now(UTC) - timedelta(seconds=42)

    result = submit_review(sandbox_clients, mine, doc, {
        "f2": Decision("f2", EDITED, "1,243.50"), "f3": Decision("f3", EDITED, "2026-11-30")}, ANA,
        started=started, config=review_config)

    assert result.kind == COMPLETED
    execution = _wait_for(sandbox_clients.client("stepfunctions"), arn, "SUCCEEDED")
    assert execution["status"] == "SUCCEEDED"
    record = json.loads(execution["output"])
    assert record["reviewedBy"] == "ana" and record["outputUri"] == result.output_uri
    assert {f["id"]: (f["value"], f["status"]) for f in record["fields"]}["f2"] == ("1,243.50", "edited")

    bucket, key = result.output_uri[5:].split("/", 1)
    assert bucket == review_config.bucket and key.startswith("a2i-output/console-review/")
    assert key.endswith("/doc-inv-0100/output.json")
    output = json.loads(sandbox_clients.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read())
    assert set(output) >= {"flowDefinitionArn", "humanLoopName", "inputContent", "humanAnswers"}
    assert output["humanLoopName"] == "doc-inv-0100"
    (answer,) = output["humanAnswers"]
    assert set(answer) == {"answerContent", "acceptanceTime", "submissionTime", "timeSpentInSeconds", "workerId",
                           "workerMetadata"}
    assert answer["workerId"] == "ana" and 41 <= answer["timeSpentInSeconds"] <= 60
    assert answer["workerMetadata"]["identityData"] == {"principal": ANA.arn, "displayName": "Ana",
                                                        "source": "opsconsole"}
    assert answer["answerContent"]["fields"] == record["fields"]

    stored = get_task(sandbox_clients, "inv-0100", review_config)
    assert stored.status == REVIEWED and stored.reviewed_by == "ana" and stored.output_uri == result.output_uri


def test_submit_after_losing_the_claim_sends_nothing(sandbox_clients, review_config, put_document, waiting_execution):
    arn, token = waiting_execution("inv-0101")
    task = put_document("inv-0101", token=token)
    ana = claim(sandbox_clients, task, "Ana", review_config, now=datetime.now(UTC) - timedelta(hours=1))
    claim(sandbox_clients, get_task(sandbox_clients, "inv-0101", review_config), "Bob", review_config)
    doc = load_document(sandbox_clients, "inv-0101", review_config)

    with pytest.raises(Conflict, match="Bob is reviewing"):
        submit_review(sandbox_clients, ana, doc, {"f2": Decision("f2", ACCEPTED), "f3": Decision("f3", ACCEPTED)},
                      ANA, started=datetime.now(UTC), config=review_config)
    assert sandbox_clients.client("stepfunctions").describe_execution(executionArn=arn)["status"] == "RUNNING"


def test_a_token_the_execution_no_longer_waits_on_is_an_outcome_not_a_crash(sandbox_clients, review_config,
                                                                            put_document):
    task = put_document("inv-0102", token="not-a-token-step-functions-knows")
    mine = claim(sandbox_clients, task, ANA.name, review_config)
    doc = load_document(sandbox_clients, "inv-0102", review_config)

    result = submit_review(sandbox_clients, mine, doc, {"f2": Decision("f2", ACCEPTED),
                                                        "f3": Decision("f3", ACCEPTED)},
                           ANA, started=datetime.now(UTC), config=review_config)

    assert result.kind == TOKEN_EXPIRED and result.code == "InvalidToken"
    assert "stopped waiting" in result.sentence and result.output_uri in result.sentence
    stored = get_task(sandbox_clients, "inv-0102", review_config)
    assert stored.status == REJECTED and "InvalidToken" in stored.reject_reason


def test_cannot_be_processed_fails_the_execution_with_the_reason(sandbox_clients, review_config, put_document,
                                                                waiting_execution):
    arn, token = waiting_execution("inv-0103")
    task = put_document("inv-0103", token=token)
    mine = claim(sandbox_clients, task, ANA.name, review_config)

    result = reject_document(sandbox_clients, mine, "Page 2 is missing", ANA, config=review_config)

    assert result.kind == COMPLETED
    execution = _wait_for(sandbox_clients.client("stepfunctions"), arn, "FAILED")
    assert execution["status"] == "FAILED"
    assert execution.get("error") == "DocumentRejected" and execution.get("cause") == "Page 2 is missing"
    assert get_task(sandbox_clients, "inv-0103", review_config).status == REJECTED
