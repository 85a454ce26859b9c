"""Operators acting on executions: approvals by task token, stopping, starting new runs."""

from __future__ import annotations

import json
import uuid

import pytest
from botocore.exceptions import ClientError


def _messages(sqs, url):
    """Everything in a queue, without hiding it from other readers (visibility 0)."""
    found = {}
    for _ in range(5):
        for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                           VisibilityTimeout=0).get("Messages", []):
            found[message["MessageId"]] = message
    return list(found.values())


def _status(sfn, arn):
    return sfn.describe_execution(executionArn=arn)["status"]


def test_seeded_approvals_wait_on_tokens_from_the_queue(sandbox, sfn, sqs, wait_for, history):
    assert len(sandbox.scenario.pending_approvals) >= 1
    pending = {arn for arn in sandbox.scenario.pending_approvals if _status(sfn, arn) == "RUNNING"}
    if not pending:
        pytest.skip("other tests of this session already answered every seeded approval")
    bodies = {}
    wait_for(lambda: bodies.update({json.loads(m["Body"])["executionArn"]: json.loads(m["Body"])
                                    for m in _messages(sqs, sandbox.scenario.queues["approvals"])})
             or pending <= set(bodies), what="approval requests of the seeded executions")
    for arn in pending:
        body = bodies[arn]
        assert body["TaskToken"] and body["type"] == "model-promotion"
        assert body["candidate"]["macroF1"] > body["current"]["macroF1"]
        assert body["country"] in arn
        assert _status(sfn, arn) == "RUNNING"
        assert history(sfn, arn)[-1]["type"] == "TaskSubmitted"


@pytest.fixture()
def approval(sandbox, sfn, sqs, ddb, wait_for):
    """A fresh comparison whose candidate wins, parked on its approval request; winner row restored after."""
    country = "SE"
    key = {"country": {"S": country}}
    original = ddb.get_item(TableName=sandbox.scenario.tables["winners"], Key=key)["Item"]
    name = f"compare-{country}-test-{uuid.uuid4().hex[:6]}"
    arn = sfn.start_execution(
        stateMachineArn=sandbox.scenario.state_machines["comparison"], name=name,
        input=json.dumps({"country": country, "requestedBy": "pytest",
                          "candidate": {"modelName": f"clf-{country}-bert-{name}", "macroF1": 0.99,
                                        "evaluationId": "eval-test"}}))["executionArn"]

    def own_message():
        for message in _messages(sqs, sandbox.scenario.queues["approvals"]):
            if json.loads(message["Body"])["executionArn"] == arn:
                return message
        return None

    message = wait_for(own_message, what="the approval request in the queue")
    yield arn, json.loads(message["Body"])["TaskToken"]
    sqs.delete_message(QueueUrl=sandbox.scenario.queues["approvals"], ReceiptHandle=message["ReceiptHandle"])
    ddb.put_item(TableName=sandbox.scenario.tables["winners"], Item=original)


def test_send_task_success_resumes_the_waiting_execution(sandbox, sfn, ddb, approval, wait_for):
    arn, token = approval
    assert _status(sfn, arn) == "RUNNING"
    sfn.send_task_success(taskToken=token, output=json.dumps({"decision": "approved", "approvedBy": "pytest"}))
    wait_for(lambda: _status(sfn, arn) != "RUNNING", what="the approved execution to finish")
    assert _status(sfn, arn) == "SUCCEEDED"
    winner = ddb.get_item(TableName=sandbox.scenario.tables["winners"], Key={"country": {"S": "SE"}})["Item"]
    assert winner["model"]["S"].endswith(arn.rsplit(":", 1)[1])
    with pytest.raises(ClientError):  # the token is spent
        sfn.send_task_success(taskToken=token, output="{}")


def test_send_task_failure_rejects_with_the_operators_reason(sfn, approval, wait_for):
    arn, token = approval
    sfn.send_task_failure(taskToken=token, error="ModelPromotionRejected", cause="Rejected by pytest: too risky")
    wait_for(lambda: _status(sfn, arn) != "RUNNING", what="the rejected execution to finish")
    described = sfn.describe_execution(executionArn=arn)
    assert described["status"] == "FAILED"
    assert described["error"] == "ModelPromotionRejected"
    assert described["cause"] == "Rejected by pytest: too risky"


def test_stop_an_execution_parked_on_its_approval(sfn, approval, history):
    arn, token = approval
    sfn.stop_execution(executionArn=arn, error="Operator.Abort", cause="pytest")
    described = sfn.describe_execution(executionArn=arn)
    assert described["status"] == "ABORTED" and "stopDate" in described
    last = history(sfn, arn)[-1]
    assert last["type"] == "ExecutionAborted"
    assert last["executionAbortedEventDetails"] == {"error": "Operator.Abort", "cause": "pytest"}
    with pytest.raises(ClientError):
        sfn.send_task_success(taskToken=token, output="{}")


def test_stop_a_replayed_running_execution(sandbox, sfn, history, all_executions):
    arn = sandbox.scenario.state_machines["training"]
    replays = {p.name for p in sandbox.scenario.plan if p.role == "training" and p.running and not p.real}
    running = [e for e in all_executions(sfn, arn, statusFilter="RUNNING") if e["name"] in replays]
    assert running
    target = running[-1]["executionArn"]
    before = history(sfn, target)
    assert before[-1]["type"] not in ("ExecutionAborted", "ExecutionSucceeded")
    stopped = sfn.stop_execution(executionArn=target)
    described = sfn.describe_execution(executionArn=target)
    assert described["status"] == "ABORTED"
    assert described["stopDate"] == stopped["stopDate"]
    after = history(sfn, target)
    assert after[:-1] == before and after[-1]["type"] == "ExecutionAborted"
    assert after[-1]["id"] == len(after)
    assert target in {e["executionArn"] for e in all_executions(sfn, arn, statusFilter="ABORTED")}


def test_a_new_execution_really_runs(sandbox, sfn, ddb, wait_for, history):
    item = f"itm-DE-test-{uuid.uuid4().hex[:8]}"
    arn = sfn.start_execution(
        stateMachineArn=sandbox.scenario.state_machines["transaction"], name=f"txn-DE-test-{item[-8:]}",
        input=json.dumps({"itemId": item, "country": "DE", "marketplace": "DE", "platform": "pc_web",
                          "title": "USB-C charger 65W", "category": "electronics",
                          "prediction": {"label": "radio_equipment", "confidence": 0.61},
                          "confidenceThreshold": 0.95}))["executionArn"]
    wait_for(lambda: _status(sfn, arn) != "RUNNING", what="the new execution to finish")
    assert _status(sfn, arn) == "SUCCEEDED"
    states = [e["stateEnteredEventDetails"]["name"] for e in history(sfn, arn) if "stateEnteredEventDetails" in e]
    assert states == ["Get winner model", "Winner model registered?", "Confident enough?",
                      "Queue for human review", "Record classification", "Classified"]
    stored = ddb.get_item(TableName=sandbox.scenario.tables["classifications"], Key={"itemId": {"S": item}})
    assert stored["Item"]["label"]["S"] == "radio_equipment"


def test_a_new_map_execution_really_runs(sandbox, sfn, wait_for, history):
    arn = sfn.start_execution(
        stateMachineArn=sandbox.scenario.state_machines["inference"], name=f"infer-FR-test-{uuid.uuid4().hex[:6]}",
        input=json.dumps({"country": "FR", "month": "2026-01", "runId": "inf-FR-test", "batchCount": 55,
                          "inputPrefix": "s3://b/in/", "outputPrefix": "s3://b/out/",
                          "quarantinedParts": []}))["executionArn"]
    wait_for(lambda: _status(sfn, arn) != "RUNNING", timeout=30, what="the inference run to finish")
    assert _status(sfn, arn) == "SUCCEEDED"
    assert sum(e["type"] == "MapIterationSucceeded" for e in history(sfn, arn)) == 55
