"""A waiting document sent to A2I instead: it leaves the queue, and A2I's answer completes its step."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError

from opsconsole.core.docreview import (
    CLAIMED,
    IN_A2I,
    WAITING,
    claim,
    get_task,
    hand_to_a2i,
    hand_to_a2i_write,
    iter_queue,
)
from opsconsole.core.identity import Identity
from opsconsole.core.writes import Conflict

ANA = Identity(arn="arn:aws:sts::123456789012:assumed-role/Reviewers/ana", account="123456789012", display_name="Ana")
BEN = Identity(arn="arn:aws:sts::123456789012:assumed-role/Reviewers/ben", account="123456789012", display_name="Ben")
CONTENT = {"docType": "invoice", "fields": [{"id": "f2", "key": "Total", "value": "1,243.50", "confidence": 0.62}]}


@pytest.fixture
def flow(sandbox):
    sandbox.scenario.docreview_seed.wait_ready()
    return sandbox.scenario.docreview["flow_definitions"]["invoices"]


def loop_content(sandbox, name: str) -> dict:
    from opsconsole.sandbox.a2i import service as a2i_service

    return json.loads(a2i_service.backend(sandbox.region).loops[name].input_content)


def queued(clients, config) -> set[str]:
    return {t.document_id for page in iter_queue(clients, config) for t in page}


def test_the_document_leaves_the_queue_and_the_loop_answer_completes_its_step(
        sandbox, sandbox_clients, review_config, put_document, waiting_execution, flow):
    arn, token = waiting_execution("inv-0800")
    task = put_document("inv-0800", token=token)
    assert "inv-0800" in queued(sandbox_clients, review_config)

    stored = hand_to_a2i(sandbox_clients, task, flow, "doc-inv-0800-a2i", CONTENT, ANA, config=review_config)

    assert stored.status == IN_A2I and get_task(sandbox_clients, "inv-0800", review_config).status == IN_A2I
    assert "inv-0800" not in queued(sandbox_clients, review_config)
    a2i = sandbox_clients.client("sagemaker-a2i-runtime")
    assert a2i.describe_human_loop(HumanLoopName="doc-inv-0800-a2i")["HumanLoopStatus"] == "InProgress"
    content = loop_content(sandbox, "doc-inv-0800-a2i")
    assert content["Token"] == token and content["documentId"] == "inv-0800" and content["fields"]
    # what completes the loop's step (the handler of A2I's completion) has what it needs: the token
    sfn = sandbox_clients.client("stepfunctions")
    sfn.send_task_success(taskToken=content["Token"], output=json.dumps({"reviewedBy": "a2i:doc-inv-0800-a2i"}))
    deadline = datetime.now(UTC) + timedelta(seconds=20)
    while sfn.describe_execution(executionArn=arn)["status"] == "RUNNING" and datetime.now(UTC) < deadline:
        pass
    assert sfn.describe_execution(executionArn=arn)["status"] == "SUCCEEDED"


def test_a_document_another_reviewer_holds_is_not_sent(
        sandbox, sandbox_clients, review_config, put_document, flow):
    task = put_document("inv-0801")
    claim(sandbox_clients, task, BEN.name, review_config)
    with pytest.raises(Conflict, match="ben is reviewing"):
        hand_to_a2i(sandbox_clients, task, flow, "doc-inv-0801-a2i", CONTENT, ANA, config=review_config)
    a2i = sandbox_clients.client("sagemaker-a2i-runtime")
    with pytest.raises(ClientError) as caught:
        a2i.describe_human_loop(HumanLoopName="doc-inv-0801-a2i")
    assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert get_task(sandbox_clients, "inv-0801", review_config).claimed_by == "ben"


def test_a_loop_a2i_refuses_gives_the_document_back_to_the_queue(
        sandbox, sandbox_clients, review_config, put_document, flow):
    task = put_document("inv-0802")
    missing = flow.rsplit("/", 1)[0] + "/no-such-flow"
    with pytest.raises(ClientError):
        hand_to_a2i(sandbox_clients, task, missing, "doc-inv-0802-a2i", CONTENT, ANA, config=review_config)
    back = get_task(sandbox_clients, "inv-0802", review_config)
    assert back.status == WAITING and back.status != CLAIMED and "inv-0802" in queued(sandbox_clients, review_config)


def test_a_bad_loop_name_is_refused_before_anything_is_sent(sandbox_clients, review_config, put_document, flow):
    task = put_document("inv-0803")
    with pytest.raises(Exception, match="not valid"):
        hand_to_a2i_write(task, flow, "Doc_0803", CONTENT, ANA, config=review_config)
    assert get_task(sandbox_clients, "inv-0803", review_config).status == WAITING
