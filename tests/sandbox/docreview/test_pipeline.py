"""The document-review scenario end to end: review table, documents in S3, the state machine, A2I outputs.

The seeded waiting documents are left as they are (other tests read them);
documents completed here go through new executions of ``document-processing``
that reach the table the same way (queue -> intake -> WAITING item).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import struct
import zlib
from typing import Any

import numpy as np
import pytest
from support import wait_until

from opsconsole.sandbox.a2i import service as a2i_service
from opsconsole.sandbox.a2i.backend import HumanLoop
from opsconsole.sandbox.scenario.docreview import Workforce, execution_input, intake, put_object

OUTPUT_KEY = re.compile(r"a2i-output/(?P<flow>[a-z0-9-]+)/(?P<stamp>\d{4}/\d{2}/\d{2}/\d{2}/\d{2}/\d{2})/"
                        r"(?P<loop>[a-z0-9](-*[a-z0-9])*)/output\.json")
ANSWER_KEYS = {"answerContent", "acceptanceTime", "submissionTime", "timeSpentInSeconds", "workerId", "workerMetadata"}


@pytest.fixture(scope="module")
def ddb(client: Any) -> Any:
    return client("dynamodb")


@pytest.fixture(scope="module")
def s3(client: Any) -> Any:
    return client("s3")


def waiting_items(ddb: Any, docreview: dict[str, Any]) -> list[dict[str, Any]]:
    pages = ddb.get_paginator("query").paginate(
        TableName=docreview["table"], IndexName=docreview["index"], KeyConditionExpression="#s = :w",
        ExpressionAttributeNames={"#s": "status"}, ExpressionAttributeValues={":w": {"S": "WAITING"}})
    return [item for page in pages for item in page["Items"]]


def decode_png(data: bytes) -> np.ndarray:
    """Pixels of an 8-bit greyscale PNG whose rows use filter 0 (what the sandbox writes)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    at, idat, width, height = 8, b"", 0, 0
    while at < len(data):
        (length,), kind = struct.unpack(">I", data[at:at + 4]), data[at + 4:at + 8]
        body = data[at + 8:at + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        at += 12 + length
    rows = np.frombuffer(zlib.decompress(idat), dtype=np.uint8).reshape(height, width + 1)
    assert not rows[:, 0].any()
    return rows[:, 1:]


# -- the review table ------------------------------------------------------------------------------
def test_review_table_and_index_are_the_contracts(ddb: Any, docreview: dict[str, Any]) -> None:
    table = ddb.describe_table(TableName="document-review-tasks")["Table"]
    assert table["KeySchema"] == [{"AttributeName": "document_id", "KeyType": "HASH"}]
    (index,) = table["GlobalSecondaryIndexes"]
    assert index["IndexName"] == "status-queued_at" == docreview["index"]
    assert index["KeySchema"] == [{"AttributeName": "status", "KeyType": "HASH"},
                                  {"AttributeName": "queued_at", "KeyType": "RANGE"}]
    assert index["Projection"]["ProjectionType"] == "ALL"
    types = {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]}
    assert types == {"document_id": "S", "status": "S", "queued_at": "S"}


def test_waiting_documents_have_live_task_tokens_and_say_why_they_wait(ddb: Any, sfn: Any, s3: Any,
                                                                         docreview: dict[str, Any]) -> None:
    items = waiting_items(ddb, docreview)
    assert 30 <= len(items) <= 60
    for doc_id in docreview["waiting"]:  # seeded WAITING (other tests may have claimed or reviewed some since)
        seeded = ddb.get_item(TableName=docreview["table"], Key={"document_id": {"S": doc_id}})["Item"]
        assert seeded["task_token"]["S"] and seeded["execution_arn"]["S"]
    queued = [i["queued_at"]["S"] for i in items]
    assert queued == sorted(queued)  # the index answers oldest first
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z", q) for q in queued)
    for item in items[:12]:
        doc_id = item["document_id"]["S"]
        assert item["document_uri"]["S"] == f"s3://ml-platform-documents/documents/{doc_id}/"
        assert item["version"]["N"] == "1" and int(item["pages"]["N"]) >= 1
        execution = sfn.describe_execution(executionArn=item["execution_arn"]["S"])
        assert execution["status"] == "RUNNING" and execution["name"] == doc_id
        # the execution still waits on the task whose message carried this token
        events = sfn.get_execution_history(executionArn=execution["executionArn"], reverseOrder=True)["events"]
        assert events[0]["type"] == "TaskSubmitted"
        scheduled = next(e for e in events if e["type"] == "TaskScheduled")["taskScheduledEventDetails"]
        assert json.loads(scheduled["parameters"])["MessageBody"]["TaskToken"] == item["task_token"]["S"]
        extraction = json.loads(s3.get_object(Bucket="ml-platform-documents",
                                              Key=f"documents/{doc_id}/extraction.json")["Body"].read())
        by_id = {f["id"]: f for f in extraction["fields"]}
        reasons = [r["M"] for r in item["reasons"]["L"]]
        assert reasons, "a waiting document says which fields fell under the threshold"
        for reason in reasons:
            field = by_id[reason["field"]["S"]]
            assert field["key"] == reason["key"]["S"]
            assert float(reason["confidence"]["N"]) == field["confidence"] < extraction["threshold"] == 0.95


def test_claims_are_seeded_held_and_abandoned(ddb: Any, docreview: dict[str, Any]) -> None:
    claimed = [ddb.get_item(TableName=docreview["table"], Key={"document_id": {"S": d}})["Item"]
               for d in docreview["claimed"]]
    assert all(i["status"]["S"] == "CLAIMED" and i["claimed_by"]["S"] and i["task_token"]["S"] for i in claimed)
    # At seeding, one claim is held (it runs out 12 minutes later) and the others were abandoned (they ran out
    # 40 and 80 minutes before): measured from the held one, as the suite may reach this test after 12 minutes.
    expiries = sorted(dt.datetime.fromisoformat(i["claim_expires_at"]["S"].replace("Z", "+00:00")) for i in claimed)
    held, abandoned = expiries[-1], expiries[:-1]
    assert len(abandoned) >= 1
    assert all(held - e >= dt.timedelta(minutes=52) for e in abandoned)
    assert dt.datetime.now(dt.timezone.utc) - held < dt.timedelta(hours=6)  # seeded at this sandbox's start


def test_reviewed_documents_point_at_their_outputs(ddb: Any, s3: Any, docreview: dict[str, Any]) -> None:
    items = ddb.query(TableName=docreview["table"], IndexName=docreview["index"], KeyConditionExpression="#s = :r",
                      ExpressionAttributeNames={"#s": "status"},
                      ExpressionAttributeValues={":r": {"S": "REVIEWED"}})["Items"]
    assert len(items) >= 10
    for item in items[:5]:
        uri = item["output_uri"]["S"]
        key = uri.removeprefix("s3://ml-platform-documents/")
        found = OUTPUT_KEY.fullmatch(key)
        assert found and found["flow"] == "console-review"
        assert found["loop"] == f"doc-{item['document_id']['S']}".lower()
        output = json.loads(s3.get_object(Bucket="ml-platform-documents", Key=key)["Body"].read())
        (answer,) = output["humanAnswers"]
        assert answer["workerId"] == item["reviewed_by"]["S"] and set(answer) == ANSWER_KEYS


# -- documents in S3 -------------------------------------------------------------------------------
def test_page_images_show_the_text_where_the_bounding_boxes_say(s3: Any, docreview: dict[str, Any]) -> None:
    doc_id = docreview["waiting"][0]
    extraction = json.loads(s3.get_object(Bucket="ml-platform-documents",
                                          Key=f"documents/{doc_id}/extraction.json")["Body"].read())
    assert extraction["documentId"] == doc_id and extraction["docType"] in ("invoice", "customs_form")
    assert extraction["tenant"] and extraction["threshold"] == 0.95
    for page in extraction["pages"]:
        head = s3.head_object(Bucket="ml-platform-documents", Key=f"documents/{doc_id}/{page['image']}")
        assert head["ContentLength"] > 1000
        pixels = decode_png(s3.get_object(Bucket="ml-platform-documents",
                                          Key=f"documents/{doc_id}/{page['image']}")["Body"].read())
        assert pixels.shape == (page["height"], page["width"]) == (1754, 1240)
        for field in (f for f in extraction["fields"] if f["page"] == page["page"]):
            box = field["boundingBox"]
            assert 0 <= box["Left"] < box["Left"] + box["Width"] <= 1 and 0 <= box["Top"] < box["Top"] + box["Height"] <= 1
            top, left = int(box["Top"] * 1754), int(box["Left"] * 1240)
            inside = pixels[top:top + int(box["Height"] * 1754), left:left + int(box["Width"] * 1240)]
            ink = (inside < 100).mean()
            if field["value"] is None:
                assert ink < 0.02, f"{field['key']}: nothing printed where the value is missing"
            else:
                assert ink > 0.08, f"{field['key']}: the box frames printed text"


def test_a_page_that_does_not_exist_is_no_such_key(s3: Any, docreview: dict[str, Any]) -> None:
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError) as raised:
        s3.get_object(Bucket="ml-platform-documents", Key=f"documents/{docreview['waiting'][0]}/page-9.png")
    assert raised.value.response["Error"]["Code"] == "NoSuchKey"


def test_documents_have_every_defect(sandbox: Any) -> None:
    docs = sandbox.scenario.docreview_seed.documents.values()
    defects = {d.defect for d in docs}
    assert defects == {"clean", "missing_total", "wrong_vendor", "unreadable", "low_confidence"}
    missing = next(d for d in docs if d.defect == "missing_total")
    assert any(f["entityType"] == "TOTAL" and f["value"] is None for f in missing.fields)
    wrong = next(d for d in docs if d.defect == "wrong_vendor")
    vendor = next(f for f in wrong.fields if f["entityType"] == "VENDOR")
    assert vendor["value"] != wrong.truth[vendor["id"]] and vendor["confidence"] < 0.95
    assert {d.tenant for d in docs} == {"finance-ops", "retail-compliance"}


# -- the state machine -----------------------------------------------------------------------------
def test_executions_are_in_every_stage(sfn: Any, docreview: dict[str, Any]) -> None:
    pages = sfn.get_paginator("list_executions").paginate(stateMachineArn=docreview["state_machine"])
    statuses = [e["status"] for p in pages for e in p["executions"]]
    assert statuses.count("RUNNING") >= 30
    assert "SUCCEEDED" in statuses and "FAILED" in statuses
    for stage, resource in (("waiting", "sendMessage.waitForTaskToken"),
                            ("a2i_running", "startHumanLoop.waitForTaskToken")):
        arns = [docreview["executions"][d] for d in docreview[stage]]
        still = [a for a in arns if sfn.describe_execution(executionArn=a)["status"] == "RUNNING"]
        assert still, f"{stage}: the seeded executions still wait"
        events = sfn.get_execution_history(executionArn=still[0], reverseOrder=True)["events"]
        assert events[0]["type"] == "TaskSubmitted" and events[0]["taskSubmittedEventDetails"]["resource"] == resource


def _archive_doc(sandbox: Any, index: int) -> Any:
    """An archive document under the threshold, for a new run of the pipeline."""
    docs = [d for d in sandbox.scenario.docreview_seed.documents.values()
            if d.document_id.split("-")[-1] >= "5" and d.defect in ("wrong_vendor", "unreadable", "missing_total")]
    return sorted(docs, key=lambda d: d.document_id)[index]


def _start(sfn: Any, docreview: dict[str, Any], doc: Any, name: str, route: str, **overrides: Any) -> str:
    body = {**execution_input(doc, route, docreview["flow_definitions"]), **overrides}
    return sfn.start_execution(stateMachineArn=docreview["state_machine"], name=name,
                               input=json.dumps(body))["executionArn"]


def _queued(sqs: Any, ddb: Any, docreview: dict[str, Any], doc_id: str) -> dict[str, Any]:
    """Run the intake until the document's review request is a WAITING item."""
    def arrived() -> dict[str, Any] | None:
        intake(sqs, ddb, docreview["queue_url"])
        return ddb.get_item(TableName=docreview["table"], Key={"document_id": {"S": doc_id}}).get("Item")
    return wait_until(arrived, timeout=30, what=f"the review request of {doc_id}")


def _finished(sfn: Any, arn: str) -> dict[str, Any]:
    return wait_until(lambda: (d := sfn.describe_execution(executionArn=arn))["status"] != "RUNNING" and d,
                      timeout=30, what=f"{arn} to finish")


def test_a_document_reviewed_in_the_console_completes_its_execution_with_the_corrected_record(
        sandbox: Any, sfn: Any, ddb: Any, client: Any, docreview: dict[str, Any]) -> None:
    doc = _archive_doc(sandbox, 0)
    arn = _start(sfn, docreview, doc, f"e2e-success-{doc.document_id}", "console")
    item = _queued(client("sqs"), ddb, docreview, doc.document_id)
    assert item["status"]["S"] == "WAITING" and item["execution_arn"]["S"] == arn
    record = {"documentId": doc.document_id, "fields": doc.corrected_fields(), "reviewedBy": "e2e.reviewer",
              "outputUri": f"s3://ml-platform-documents/a2i-output/console-review/2026/01/01/00/00/00/{doc.loop_name}/output.json"}
    sfn.send_task_success(taskToken=item["task_token"]["S"], output=json.dumps(record))
    assert _finished(sfn, arn)["status"] == "SUCCEEDED"
    stored = ddb.get_item(TableName="order-records", Key={"document_id": {"S": doc.document_id}})["Item"]
    assert stored["reviewed_by"]["S"] == "e2e.reviewer" and json.loads(stored["record"]["S"]) == record
    assert any(f["status"] != "accepted" for f in record["fields"])  # the record carries the corrections


def test_a_document_that_cannot_be_processed_fails_its_execution_with_the_reason(
        sandbox: Any, sfn: Any, ddb: Any, client: Any, docreview: dict[str, Any]) -> None:
    doc = _archive_doc(sandbox, 1)
    arn = _start(sfn, docreview, doc, f"e2e-failure-{doc.document_id}", "console")
    item = _queued(client("sqs"), ddb, docreview, doc.document_id)
    sfn.send_task_failure(taskToken=item["task_token"]["S"], error="DocumentRejected",
                          cause="Two pages of different invoices were scanned together.")
    ended = _finished(sfn, arn)
    assert ended["status"] == "FAILED" and ended["error"] == "DocumentRejected"
    assert ended["cause"] == "Two pages of different invoices were scanned together."
    assert "Item" not in ddb.get_item(TableName="order-records", Key={"document_id": {"S": doc.document_id}})


def _loop_name_with_fate(workforce: Workforce, flow_arn: str, fate: str, prefix: str) -> str:
    for n in range(500):
        name = f"{prefix}-{n}"
        probe = HumanLoop(name, "", flow_arn, "{}", dt.datetime.now(dt.timezone.utc))
        if workforce.fate(probe)[0] == fate:
            return name
    raise AssertionError(f"no loop name gets the fate {fate}")


@pytest.fixture(scope="module")
def workforce(sandbox: Any, client: Any) -> Workforce:
    truths = {d: doc.truth for d, doc in sandbox.scenario.docreview_seed.documents.items()}
    return Workforce(a2i_service.backend("eu-west-1"), put_object, client("stepfunctions"), sandbox.seed, truths)


def test_the_workforce_answers_an_a2i_loop_and_the_execution_completes_with_their_record(
        sandbox: Any, sfn: Any, s3: Any, ddb: Any, a2i: Any, workforce: Workforce, docreview: dict[str, Any]) -> None:
    doc = _archive_doc(sandbox, 2)
    role = "invoices" if doc.doc_type == "invoice" else "customs"
    flow_arn = docreview["flow_definitions"][role]
    name = _loop_name_with_fate(workforce, flow_arn, "answer", "e2e-answered")
    arn = _start(sfn, docreview, doc, f"e2e-a2i-{doc.document_id}", "a2i", humanLoopName=name)
    loop = wait_until(lambda: name in workforce.a2i.loops and workforce.a2i.loops[name], what="the human loop")
    content = json.loads(loop.input_content)
    assert content["documentId"] == doc.document_id and content["Token"]  # the token travels in the input
    lifetime = workforce.a2i.flow_by_arn(flow_arn).config["TaskAvailabilityLifetimeInSeconds"]
    # answered within the availability lifetime
    assert workforce.step(now=loop.created + dt.timedelta(seconds=lifetime * 0.95), only={name}) == 1
    described = a2i.describe_human_loop(HumanLoopName=name)
    assert described["HumanLoopStatus"] == "Completed"
    key = described["HumanLoopOutput"]["OutputS3Uri"].removeprefix("s3://ml-platform-documents/")
    found = OUTPUT_KEY.fullmatch(key)
    assert found and found["loop"] == name and found["flow"] == flow_arn.rsplit("/", 1)[-1]
    assert found["stamp"] == described["CreationTime"].astimezone(dt.timezone.utc).strftime("%Y/%m/%d/%H/%M/%S")
    output = json.loads(s3.get_object(Bucket="ml-platform-documents", Key=key)["Body"].read())
    assert set(output) == {"flowDefinitionArn", "humanLoopName", "inputContent", "humanAnswers"}
    assert output["flowDefinitionArn"] == flow_arn and output["humanLoopName"] == name
    count = sandbox.client("sagemaker").describe_flow_definition(
        FlowDefinitionName=flow_arn.rsplit("/", 1)[-1])["HumanLoopConfig"]["TaskCount"]
    assert len(output["humanAnswers"]) == count
    assert all(set(a) == ANSWER_KEYS and a["submissionTime"] > a["acceptanceTime"] for a in output["humanAnswers"])
    assert _finished(sfn, arn)["status"] == "SUCCEEDED"
    stored = json.loads(ddb.get_item(TableName="order-records",
                                     Key={"document_id": {"S": doc.document_id}})["Item"]["record"]["S"])
    assert stored["reviewedBy"] == f"a2i:{name}" and stored["outputUri"] == described["HumanLoopOutput"]["OutputS3Uri"]


def test_a_loop_nobody_takes_expires_and_fails_its_execution(
        sandbox: Any, sfn: Any, a2i: Any, workforce: Workforce, docreview: dict[str, Any]) -> None:
    doc = _archive_doc(sandbox, 3)
    role = "invoices" if doc.doc_type == "invoice" else "customs"
    flow_arn = docreview["flow_definitions"][role]
    name = _loop_name_with_fate(workforce, flow_arn, "expire", "e2e-expired")
    arn = _start(sfn, docreview, doc, f"e2e-expire-{doc.document_id}", "a2i", humanLoopName=name)
    loop = wait_until(lambda: name in workforce.a2i.loops and workforce.a2i.loops[name], what="the human loop")
    lifetime = workforce.a2i.flow_by_arn(flow_arn).config["TaskAvailabilityLifetimeInSeconds"]
    assert workforce.step(now=loop.created + dt.timedelta(seconds=lifetime - 60), only={name}) == 0
    assert workforce.step(now=loop.created + dt.timedelta(seconds=lifetime + 1), only={name}) == 1
    described = a2i.describe_human_loop(HumanLoopName=name)
    assert described["HumanLoopStatus"] == "Failed" and described["FailureCode"] == "Expired"
    ended = _finished(sfn, arn)
    assert ended["status"] == "FAILED" and ended["error"] == "HumanLoopExpired"


def test_every_seeded_output_is_in_a2i_layout_and_completed_loops_point_at_theirs(
        s3: Any, a2i: Any, docreview: dict[str, Any]) -> None:
    keys = [o["Key"] for p in s3.get_paginator("list_objects_v2").paginate(Bucket="ml-platform-documents",
                                                                            Prefix="a2i-output/")
            for o in p.get("Contents", [])]
    flows = {OUTPUT_KEY.fullmatch(k)["flow"] for k in keys if OUTPUT_KEY.fullmatch(k)}
    assert all(OUTPUT_KEY.fullmatch(k) for k in keys)
    assert {"doc-review-invoices", "doc-review-customs", "console-review"} <= flows
    completed = [s for p in a2i.get_paginator("list_human_loops").paginate(
        FlowDefinitionArn=docreview["flow_definitions"]["invoices"]) for s in p["HumanLoopSummaries"]
        if s["HumanLoopStatus"] == "Completed"]
    assert len(completed) > 50
    for summary in completed[:10]:
        uri = a2i.describe_human_loop(HumanLoopName=summary["HumanLoopName"])["HumanLoopOutput"]["OutputS3Uri"]
        assert uri.removeprefix("s3://ml-platform-documents/") in keys


def test_a_new_document_arrives_through_the_pipeline_into_the_review_queue(
        sandbox: Any, sfn: Any, s3: Any, ddb: Any, client: Any, docreview: dict[str, Any]) -> None:
    from opsconsole.sandbox.scenario.docreview import DocReviewActivity

    seeded = sandbox.scenario.docreview_seed
    activity = DocReviewActivity(seeded, None, stepfunctions=sfn, sqs=client("sqs"), dynamodb=ddb,
                                 seed=sandbox.seed + 1000, live=False)
    for _ in range(50):  # the first arrival that needs a person
        doc_id = activity.arrive(route="console")
        if seeded.documents[doc_id].min_confidence < 0.95:
            break
    extraction = json.loads(s3.get_object(Bucket="ml-platform-documents",
                                          Key=f"documents/{doc_id}/extraction.json")["Body"].read())
    assert extraction["documentId"] == doc_id
    item = _queued(client("sqs"), ddb, docreview, doc_id)
    assert item["status"]["S"] == "WAITING" and item["reasons"]["L"]
    page = s3.get_object(Bucket="ml-platform-documents", Key=f"documents/{doc_id}/page-1.png")["Body"].read()
    assert decode_png(page).shape == (1754, 1240)
    sfn.send_task_failure(taskToken=item["task_token"]["S"], error="DocumentRejected", cause="test arrival")
    assert _finished(sfn, item["execution_arn"]["S"])["status"] == "FAILED"
    ddb.delete_item(TableName=docreview["table"], Key={"document_id": {"S": doc_id}})


def test_stopping_a_pipeline_loop_fails_its_execution(
        sandbox: Any, sfn: Any, a2i: Any, workforce: Workforce, docreview: dict[str, Any]) -> None:
    doc = _archive_doc(sandbox, 4)
    role = "invoices" if doc.doc_type == "invoice" else "customs"
    name = _loop_name_with_fate(workforce, docreview["flow_definitions"][role], "answer", "e2e-stopped")
    arn = _start(sfn, docreview, doc, f"e2e-stop-{doc.document_id}", "a2i", humanLoopName=name)
    loop = wait_until(lambda: name in workforce.a2i.loops and workforce.a2i.loops[name], what="the human loop")
    assert workforce.step(now=loop.created, only={name}) == 0  # nobody has answered yet
    a2i.stop_human_loop(HumanLoopName=name)
    workforce.step(now=loop.created, only={name})
    ended = _finished(sfn, arn)
    assert ended["status"] == "FAILED" and ended["error"] == "HumanLoopStopped"
