"""RedriveExecution in the sandbox: AWS's wire shape, rules and errors, run for real by the interpreter.

Every test works on executions of state machines it creates (the seeded ones
are only read): a machine that fails at a DynamoDB task because its table is
missing, which the test then creates before redriving.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from botocore.exceptions import ClientError

ROLE = "arn:aws:iam::123456789012:role/mlops-stepfunctions-execution"


@pytest.fixture(autouse=True)
def _redrive_served(sandbox):
    """Serve RedriveExecution even if a server test swapped its handler out earlier in the session."""
    from opsconsole.sandbox.stepfunctions import redrive

    redrive.register(sandbox.extensions)


def _definition(table: str, wait: int = 1) -> dict:
    return {
        "StartAt": "Prepare",
        "States": {
            "Prepare": {"Type": "Pass", "Result": {"attempt": "first"}, "ResultPath": "$.prepared", "Next": "Load config"},
            "Load config": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
                            "Parameters": {"TableName": table, "Key": {"id": {"S.$": "$.id"}}},
                            "ResultSelector": {"value.$": "$.Item.value.S"}, "ResultPath": "$.config",
                            "Next": "Settle"},
            "Settle": {"Type": "Wait", "Seconds": wait, "Next": "Done"},
            "Done": {"Type": "Succeed"},
        },
    }


@pytest.fixture
def failing(sfn, ddb, wait_for):
    """(start, fix): start() runs an execution that FAILS at 'Load config'; fix() creates the table it needs."""
    tag = uuid.uuid4().hex[:8]
    table = f"redrive-test-{tag}"
    machine = sfn.create_state_machine(name=f"redrive-test-{tag}", definition=json.dumps(_definition(table)),
                                       roleArn=ROLE)["stateMachineArn"]

    def start(wait_for_failure: bool = True) -> str:
        arn = sfn.start_execution(stateMachineArn=machine, name=f"run-{uuid.uuid4().hex[:8]}",
                                  input=json.dumps({"id": "cfg-1"}))["executionArn"]
        if wait_for_failure:
            wait_for(lambda: _status(sfn, arn) != "RUNNING", what="the execution to fail")
            assert _status(sfn, arn) == "FAILED"
        return arn

    def fix() -> None:
        ddb.create_table(TableName=table, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                         BillingMode="PAY_PER_REQUEST")
        ddb.put_item(TableName=table, Item={"id": {"S": "cfg-1"}, "value": {"S": "fixed"}})

    start.machine = machine
    yield start, fix
    sfn.delete_state_machine(stateMachineArn=machine)
    try:
        ddb.delete_table(TableName=table)
    except ClientError:
        pass


def _status(sfn, arn: str) -> str:
    return sfn.describe_execution(executionArn=arn)["status"]


def _entered(events: list[dict]) -> list[str]:
    return [e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e]


def test_redrive_reruns_from_the_failed_state_under_the_same_arn(sfn, failing, wait_for, history, all_executions):
    start, fix = failing
    arn = start()
    before = history(sfn, arn)
    described = sfn.describe_execution(executionArn=arn)
    assert (described["redriveCount"], described["redriveStatus"]) == (0, "REDRIVABLE")
    assert "redriveDate" not in described
    fix()

    answer = sfn.redrive_execution(executionArn=arn)
    assert set(answer) - {"ResponseMetadata"} == {"redriveDate"}
    described = sfn.describe_execution(executionArn=arn)
    assert described["status"] == "RUNNING"  # the re-run waits a second in 'Settle'
    assert described["redriveCount"] == 1 and described["redriveDate"] == answer["redriveDate"]
    assert "stopDate" not in described and "error" not in described
    assert described["redriveStatusReason"] == "Execution is RUNNING and cannot be redriven"

    wait_for(lambda: _status(sfn, arn) != "RUNNING", what="the redriven execution to finish")
    described = sfn.describe_execution(executionArn=arn)
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"])["config"] == {"value": "fixed"}
    assert json.loads(described["output"])["prepared"] == {"attempt": "first"}  # from the first attempt

    after = history(sfn, arn)
    assert after[:len(before)] == before
    assert [e["id"] for e in after] == list(range(1, len(after) + 1))
    redriven = after[len(before)]
    assert redriven["type"] == "ExecutionRedriven"
    assert redriven["executionRedrivenEventDetails"] == {"redriveCount": 1}
    assert redriven["timestamp"] >= before[-1]["timestamp"]
    rerun = after[len(before) + 1:]
    assert _entered(rerun) == ["Load config", "Settle", "Done"]  # 'Prepare' is not re-entered
    first_input = next(e for e in before if e.get("stateEnteredEventDetails", {}).get("name") == "Load config")
    assert json.loads(rerun[0]["stateEnteredEventDetails"]["input"]) == json.loads(
        first_input["stateEnteredEventDetails"]["input"])
    assert rerun[-1]["type"] == "ExecutionSucceeded"

    listed = next(e for e in all_executions(sfn, start.machine) if e["executionArn"] == arn)
    assert listed["redriveCount"] == 1 and listed["redriveDate"] == answer["redriveDate"]
    assert listed["status"] == "SUCCEEDED"


def test_a_redrive_that_fails_again_fails_like_the_first_time(sfn, failing, wait_for, history):
    start, _fix = failing
    arn = start()
    sfn.redrive_execution(executionArn=arn)
    wait_for(lambda: _status(sfn, arn) != "RUNNING", what="the redriven execution to fail again")
    described = sfn.describe_execution(executionArn=arn)
    assert described["status"] == "FAILED" and described["error"] == "DynamoDB.ResourceNotFoundException"
    assert described["redriveStatus"] == "REDRIVABLE"
    sfn.redrive_execution(executionArn=arn)
    wait_for(lambda: _status(sfn, arn) != "RUNNING", what="the second redrive")
    events = history(sfn, arn)
    assert [e["executionRedrivenEventDetails"]["redriveCount"] for e in events if e["type"] == "ExecutionRedriven"] == [1, 2]
    assert sfn.describe_execution(executionArn=arn)["redriveCount"] == 2


def test_the_same_client_token_redrives_once(sfn, failing, wait_for):
    start, fix = failing
    arn = start()
    fix()
    token = uuid.uuid4().hex
    first = sfn.redrive_execution(executionArn=arn, clientToken=token)
    again = sfn.redrive_execution(executionArn=arn, clientToken=token)
    assert again["redriveDate"] == first["redriveDate"]
    assert sfn.describe_execution(executionArn=arn)["redriveCount"] == 1
    wait_for(lambda: _status(sfn, arn) == "SUCCEEDED", what="the redriven execution to succeed")


def _refusal(sfn, arn: str) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        sfn.redrive_execution(executionArn=arn)
    error = caught.value.response["Error"]
    return error["Code"], error["Message"]


def test_redrive_refuses_what_aws_refuses(sandbox, sfn, failing, wait_for, all_executions):
    start, fix = failing
    fix()
    succeeded = start(wait_for_failure=False)
    wait_for(lambda: _status(sfn, succeeded) == "SUCCEEDED", what="a successful run")
    code, message = _refusal(sfn, succeeded)
    assert code == "ExecutionNotRedrivable" and "Execution is SUCCEEDED and cannot be redriven" in message
    assert sfn.describe_execution(executionArn=succeeded)["redriveStatus"] == "NOT_REDRIVABLE"

    running = start(wait_for_failure=False)
    code, message = _refusal(sfn, running)
    assert code == "ExecutionNotRedrivable" and "RUNNING" in message

    now = sandbox.scenario.now
    old = next(e for e in all_executions(sfn, sandbox.scenario.state_machines["training"], statusFilter="FAILED")
               if now - e["stopDate"] > dt.timedelta(days=15))
    code, message = _refusal(sfn, old["executionArn"])
    assert code == "ExecutionNotRedrivable" and "Execution redrivable period exceeded" in message
    described = sfn.describe_execution(executionArn=old["executionArn"])
    assert (described["status"], described["redriveCount"]) == ("FAILED", 0)  # refused: nothing changed
    assert described["redriveStatusReason"] == "Execution redrivable period exceeded"

    code, _message = _refusal(sfn, start.machine.replace(":stateMachine:", ":execution:") + ":no-such-run")
    assert code == "ExecutionDoesNotExist"
    code, _message = _refusal(sfn, "not-an-arn")
    assert code == "InvalidArn"


def test_a_redriven_execution_can_be_stopped_and_redriven_again(sfn, ddb, failing, wait_for, history):
    start, fix = failing
    arn = start()
    fix()
    sfn.redrive_execution(executionArn=arn)
    sfn.stop_execution(executionArn=arn, error="Operator.Abort", cause="redrive test")
    described = sfn.describe_execution(executionArn=arn)
    assert described["status"] == "ABORTED" and described["redriveStatus"] == "REDRIVABLE"
    assert history(sfn, arn)[-1]["executionAbortedEventDetails"] == {"error": "Operator.Abort", "cause": "redrive test"}
    sfn.redrive_execution(executionArn=arn)
    wait_for(lambda: _status(sfn, arn) == "SUCCEEDED", what="the second redrive to succeed")
    assert sfn.describe_execution(executionArn=arn)["redriveCount"] == 2


def test_a_replayed_execution_is_redriven_for_real(sandbox, sfn, failing, wait_for, history):
    """Past executions in the sandbox are replays; redrive turns one into a real run."""
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    from opsconsole.sandbox.stepfunctions import replay

    start, fix = failing
    recorded = start()
    backend = stepfunctions_parser_backends["123456789012"][sandbox.region]
    template = replay.Template.capture(backend.describe_execution(recorded), "test", "failed", [{"id": "cfg-1"}])
    machine = backend.describe_state_machine(start.machine)
    began = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=2)
    past = replay.ReplayedExecution(machine, template, f"past-{uuid.uuid4().hex[:6]}", {"id": "cfg-1"},
                                    [{"id": "cfg-1"}], began, dt.timedelta(minutes=3), None,
                                    account_id="123456789012", region_name=sandbox.region)
    replay.install(machine, [past])
    arn = past.exec_arn
    before = history(sfn, arn)
    assert before[0]["timestamp"] < dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=1)
    fix()
    sfn.redrive_execution(executionArn=arn)
    wait_for(lambda: _status(sfn, arn) == "SUCCEEDED", what="the redriven replay to succeed")
    after = history(sfn, arn)
    assert after[:len(before)] == before
    assert after[len(before)]["type"] == "ExecutionRedriven"
    assert _entered(after[len(before):]) == ["Load config", "Settle", "Done"]
    assert after[-1]["timestamp"] > dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=5)
