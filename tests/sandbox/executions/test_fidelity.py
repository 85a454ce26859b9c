"""Step Functions answers as AWS gives them: each test states AWS's documented answer (HTTP status,
error code, shape) from botocore's model (errors per operation, member constraints) and the API reference."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

ROLE = "arn:aws:iam::123456789012:role/fidelity-test"
DATA = Path(__file__).resolve().parents[2] / "data" / "asl"
PASS = {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}


def _refused(call, code, status=400, **kwargs):
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    error = caught.value.response
    assert error["Error"]["Code"] == code, error
    assert error["ResponseMetadata"]["HTTPStatusCode"] == status
    return error["Error"]["Message"]


def _name(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def machine(sfn):
    arn = sfn.create_state_machine(name=_name("fidelity-pass"), definition=json.dumps(PASS),
                                   roleArn=ROLE)["stateMachineArn"]
    yield arn
    sfn.delete_state_machine(stateMachineArn=arn)


@pytest.fixture(scope="module")
def express(sfn):
    arn = sfn.create_state_machine(name=_name("fidelity-express"), definition=json.dumps(PASS), roleArn=ROLE,
                                   type="EXPRESS")["stateMachineArn"]
    yield arn
    sfn.delete_state_machine(stateMachineArn=arn)


# -- definitions: CreateStateMachine / UpdateStateMachine / ValidateStateMachineDefinition -------------
TASK = "arn:aws:states:::lambda:invoke"
REFUSED = {
    "unreachable state": ({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True},
                                                      "B": {"Type": "Pass", "End": True}}},
                          "MISSING_TRANSITION_TARGET"),
    "JSONPath field on JSONata": ({"QueryLanguage": "JSONata", "StartAt": "A", "States": {
        "A": {"Type": "Pass", "ResultPath": "$.x", "End": True}}}, "SCHEMA_VALIDATION_FAILED"),
    "Arguments on JSONPath": ({"StartAt": "A", "States": {
        "A": {"Type": "Task", "Resource": TASK, "Arguments": {}, "End": True}}}, "SCHEMA_VALIDATION_FAILED"),
    "States.ALL not last": ({"StartAt": "A", "States": {"A": {
        "Type": "Task", "Resource": TASK, "End": True,
        "Retry": [{"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["X"]}]}}}, "SCHEMA_VALIDATION_FAILED"),
    "Catch to a missing state": ({"StartAt": "A", "States": {"A": {
        "Type": "Task", "Resource": TASK, "End": True,
        "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Gone"}]}}}, "MISSING_TRANSITION_TARGET"),
    "missing End in a branch": ({"StartAt": "P", "States": {"P": {
        "Type": "Parallel", "End": True, "Branches": [{"StartAt": "B", "States": {"B": {"Type": "Pass"}}}]}}},
        "SCHEMA_VALIDATION_FAILED"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_create_state_machine_refuses_what_aws_refuses_with_invalid_definition(sfn, case):
    definition, code = REFUSED[case]
    message = _refused(sfn.create_state_machine, "InvalidDefinition", name=_name("bad"),
                       definition=json.dumps(definition), roleArn=ROLE)
    assert message.startswith(f"Invalid State Machine Definition: '{code}: ")


def test_a_valid_distributed_map_is_created(sfn):
    definition = (DATA / "distributed_map.json").read_text(encoding="utf-8")
    arn = sfn.create_state_machine(name=_name("dmap"), definition=definition, roleArn=ROLE)["stateMachineArn"]
    try:
        assert json.loads(sfn.describe_state_machine(stateMachineArn=arn)["definition"]) == json.loads(definition)
    finally:
        sfn.delete_state_machine(stateMachineArn=arn)


def test_update_state_machine_refuses_an_invalid_definition_and_keeps_the_old_one(sfn, machine):
    bad = REFUSED["unreachable state"][0]
    _refused(sfn.update_state_machine, "InvalidDefinition", stateMachineArn=machine, definition=json.dumps(bad))
    assert json.loads(sfn.describe_state_machine(stateMachineArn=machine)["definition"]) == PASS


def test_validate_state_machine_definition_lists_diagnostics(sfn):
    bad = REFUSED["unreachable state"][0]
    answer = sfn.validate_state_machine_definition(definition=json.dumps(bad))
    assert answer["result"] == "FAIL" and answer["truncated"] is False
    assert answer["diagnostics"] == [{"severity": "ERROR", "code": "MISSING_TRANSITION_TARGET",
                                      "message": 'State "B" is not reachable.', "location": "/States/B"}]
    ok = sfn.validate_state_machine_definition(definition=json.dumps(PASS), type="EXPRESS")
    assert ok["result"] == "OK" and ok["diagnostics"] == []


def test_validate_state_machine_definition_reports_bad_json_and_caps_the_list(sfn):
    assert sfn.validate_state_machine_definition(definition="{")["diagnostics"][0]["code"] == \
        "INVALID_JSON_DESCRIPTION"
    many = {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True},
                                       **{f"L{i}": {"Type": "Pass", "End": True} for i in range(5)}}}
    answer = sfn.validate_state_machine_definition(definition=json.dumps(many), maxResults=2)
    assert len(answer["diagnostics"]) == 2 and answer["truncated"] is True
    _refused(sfn.validate_state_machine_definition, "ValidationException", definition="{}", maxResults=101)


# -- StartExecution ------------------------------------------------------------------------------------
def test_an_unnamed_execution_gets_a_uuid_name_and_a_second_one_does_not_clash(sfn, machine):
    first = sfn.start_execution(stateMachineArn=machine)["executionArn"]
    second = sfn.start_execution(stateMachineArn=machine)["executionArn"]
    assert first != second
    for arn in (first, second):
        name = sfn.describe_execution(executionArn=arn)["name"]
        assert str(uuid.UUID(name)) == name


@pytest.mark.parametrize("name", ["x" * 81, "has space", "a/b", "semi;colon", "ctrl\u0007char"])
def test_names_aws_refuses_are_invalid_name(sfn, machine, name):
    _refused(sfn.start_execution, "InvalidName", stateMachineArn=machine, name=name)


def test_an_80_character_name_is_fine(sfn, machine):
    name = "n" * 72 + uuid.uuid4().hex[:8]
    assert sfn.start_execution(stateMachineArn=machine, name=name)["executionArn"].endswith(name)


def test_input_over_262144_utf8_bytes_is_a_validation_exception(sfn, machine):
    text = json.dumps({"x": "é" * 131_070}, ensure_ascii=False)  # under 262,144 characters, over 262,144 UTF-8 bytes
    assert len(text) < 262_144 < len(text.encode())
    message = _refused(sfn.start_execution, "ValidationException", stateMachineArn=machine, input=text)
    assert "at 'input' failed to satisfy constraint" in message


def test_input_that_is_not_json_is_invalid_execution_input(sfn, machine):
    _refused(sfn.start_execution, "InvalidExecutionInput", stateMachineArn=machine, input="{not json")


# -- task tokens -----------------------------------------------------------------------------------------
@pytest.fixture()
def waiting(sfn, client, wait_for):
    """An execution parked on a task token (sent to a queue of its own; no HeartbeatSeconds, so no heartbeat
    clock ever starts); yields (execution ARN, token)."""
    sqs = client("sqs")
    url = sqs.create_queue(QueueName=_name("fidelity-tokens"))["QueueUrl"]
    definition = {"StartAt": "Wait", "States": {"Wait": {
        "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters": {"QueueUrl": url, "MessageBody": {"token.$": "$$.Task.Token"}}, "End": True}}}
    arn = sfn.create_state_machine(name=_name("fidelity-token"), definition=json.dumps(definition),
                                   roleArn=ROLE)["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    message = wait_for(lambda: sqs.receive_message(QueueUrl=url).get("Messages"), what="the task token")[0]
    yield execution, json.loads(message["Body"])["token"]
    if sfn.describe_execution(executionArn=execution)["status"] == "RUNNING":
        sfn.stop_execution(executionArn=execution)
    sfn.delete_state_machine(stateMachineArn=arn)
    sqs.delete_queue(QueueUrl=url)


def test_a_heartbeat_right_after_the_token_is_issued_is_taken(sfn, waiting):
    execution, token = waiting
    assert sfn.send_task_heartbeat(taskToken=token)["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_non_json_output_is_invalid_output_and_the_task_keeps_waiting(sfn, waiting, wait_for):
    execution, token = waiting
    _refused(sfn.send_task_success, "InvalidOutput", taskToken=token, output="not json")
    assert sfn.describe_execution(executionArn=execution)["status"] == "RUNNING"
    sfn.send_task_success(taskToken=token, output='{"ok": true}')
    wait_for(lambda: sfn.describe_execution(executionArn=execution)["status"] == "SUCCEEDED",
             what="the execution to succeed")
    # the task is closed now: AWS answers TaskTimedOut, not InvalidToken
    _refused(sfn.send_task_success, "TaskTimedOut", taskToken=token, output="{}")
    _refused(sfn.send_task_heartbeat, "TaskTimedOut", taskToken=token)


def test_a_token_of_a_stopped_execution_is_task_timed_out(sfn, waiting):
    execution, token = waiting
    sfn.stop_execution(executionArn=execution)
    _refused(sfn.send_task_failure, "TaskTimedOut", taskToken=token, error="E")


def test_a_token_nobody_issued_is_invalid_token(sfn):
    _refused(sfn.send_task_success, "InvalidToken", taskToken="no-such-token", output="{}")


# -- listing and describing ---------------------------------------------------------------------------------
def test_pending_redrive_with_a_state_machine_arn_is_a_validation_exception(sfn, machine):
    _refused(sfn.list_executions, "ValidationException", stateMachineArn=machine, statusFilter="PENDING_REDRIVE")


def test_listing_an_express_machine_is_state_machine_type_not_supported(sfn, express):
    _refused(sfn.list_executions, "StateMachineTypeNotSupported", stateMachineArn=express)


def test_map_run_arn_lists_a_map_runs_children_and_an_unknown_one_is_not_found(sfn, machine):
    unknown = machine.replace(":stateMachine:", ":mapRun:") + "/map:" + str(uuid.uuid4())
    _refused(sfn.list_executions, "ResourceNotFound", mapRunArn=unknown)
    _refused(sfn.list_executions, "ValidationException", mapRunArn=unknown, stateMachineArn=machine)


def test_redrive_filter_is_honoured(sfn, wait_for):
    definition = {"StartAt": "Boom", "States": {"Boom": {"Type": "Fail", "Error": "Boom"}}}
    arn = sfn.create_state_machine(name=_name("fidelity-redrive"), definition=json.dumps(definition),
                                   roleArn=ROLE)["stateMachineArn"]
    try:
        redriven = sfn.start_execution(stateMachineArn=arn)["executionArn"]
        plain = sfn.start_execution(stateMachineArn=arn)["executionArn"]
        for execution in (redriven, plain):
            wait_for(lambda e=execution: sfn.describe_execution(executionArn=e)["status"] == "FAILED",
                     what="the execution to fail")
        sfn.redrive_execution(executionArn=redriven)
        wait_for(lambda: sfn.describe_execution(executionArn=redriven)["status"] == "FAILED",
                 what="the redriven execution to fail again")

        def arns(**filters):
            return {e["executionArn"] for e in sfn.list_executions(stateMachineArn=arn, **filters)["executions"]}

        assert arns(redriveFilter="REDRIVEN") == {redriven}
        assert arns(redriveFilter="NOT_REDRIVEN") == {plain}
        assert arns() == {redriven, plain}
    finally:
        sfn.delete_state_machine(stateMachineArn=arn)


def test_describe_execution_metadata_only_leaves_out_input_and_output(sfn, machine, wait_for):
    arn = sfn.start_execution(stateMachineArn=machine, input='{"secret": 1}')["executionArn"]
    wait_for(lambda: sfn.describe_execution(executionArn=arn)["status"] == "SUCCEEDED", what="the run")
    full = sfn.describe_execution(executionArn=arn)
    assert json.loads(full["input"]) == {"secret": 1} and "output" in full
    meta = sfn.describe_execution(executionArn=arn, includedData="METADATA_ONLY")
    assert not {"input", "output", "inputDetails", "outputDetails"} & set(meta)
    assert meta["status"] == "SUCCEEDED"


def test_describe_state_machine_for_execution_errors_and_update_date(sfn, machine):
    arn = sfn.start_execution(stateMachineArn=machine)["executionArn"]
    answer = sfn.describe_state_machine_for_execution(executionArn=arn)
    assert answer["stateMachineArn"] == machine and answer["updateDate"] and json.loads(answer["definition"]) == PASS
    missing = machine.replace(":stateMachine:", ":execution:") + ":" + uuid.uuid4().hex
    _refused(sfn.describe_state_machine_for_execution, "ExecutionDoesNotExist", executionArn=missing)
    _refused(sfn.describe_state_machine_for_execution, "InvalidArn", executionArn="not-an-arn")


def test_describe_map_run_of_an_unknown_run_is_resource_not_found_in_json(sfn, machine):
    unknown = machine.replace(":stateMachine:", ":mapRun:") + "/map:" + str(uuid.uuid4())
    _refused(sfn.describe_map_run, "ResourceNotFound", mapRunArn=unknown)


def test_stop_execution_checks_the_error_and_cause_limits(sfn, waiting):
    execution, _ = waiting
    _refused(sfn.stop_execution, "ValidationException", executionArn=execution, error="e" * 257)
    _refused(sfn.stop_execution, "ValidationException", executionArn=execution, cause="c" * 32_769)
    assert sfn.describe_execution(executionArn=execution)["status"] == "RUNNING"
    sfn.stop_execution(executionArn=execution, error="e" * 256, cause="c" * 32_768)
    assert sfn.describe_execution(executionArn=execution)["status"] == "ABORTED"


def test_express_executions_have_express_arns_and_no_standard_record(sfn, express):
    arn = sfn.start_execution(stateMachineArn=express)["executionArn"]
    assert ":express:" in arn and ":execution:" not in arn
    _refused(sfn.describe_execution, "InvalidArn", executionArn=arn)
    _refused(sfn.stop_execution, "InvalidArn", executionArn=arn)


# -- GetExecutionHistory paging ------------------------------------------------------------------------------
def test_paging_a_history_builds_it_once_and_a_new_event_shows_on_the_next_page(sfn, waiting, wait_for):
    from opsconsole.sandbox.stepfunctions.extensions import histories

    execution, token = waiting
    before = histories.builds
    pages = list(sfn.get_paginator("get_execution_history").paginate(
        executionArn=execution, PaginationConfig={"PageSize": 1}))
    assert len(pages) >= 3 and histories.builds == before + 1  # every further page served from the built one
    assert pages[-1]["events"][-1]["type"] == "TaskSubmitted"
    sfn.send_task_success(taskToken=token, output="{}")
    wait_for(lambda: sfn.describe_execution(executionArn=execution)["status"] == "SUCCEEDED", what="the run")
    newest = sfn.get_execution_history(executionArn=execution, reverseOrder=True, maxResults=1)["events"]
    assert newest[0]["type"] == "ExecutionSucceeded"
    forward = [e["id"] for p in sfn.get_paginator("get_execution_history").paginate(
        executionArn=execution, PaginationConfig={"PageSize": 2}) for e in p["events"]]
    backward = [e["id"] for p in sfn.get_paginator("get_execution_history").paginate(
        executionArn=execution, reverseOrder=True, PaginationConfig={"PageSize": 3}) for e in p["events"]]
    assert forward == sorted(forward) and backward == forward[::-1]


# -- redrive -----------------------------------------------------------------------------------------------
def test_the_context_object_carries_the_redrive_count(sfn, ddb, wait_for):
    """$$.Execution.RedriveCount: 0 on the first run, 1 after one redrive (here it picks the table)."""
    tag = uuid.uuid4().hex[:6]
    definition = {"StartAt": "Read", "States": {"Read": {
        "Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem", "ResultPath": "$.read", "End": True,
        "Parameters": {"TableName.$": f"States.Format('fidelity-{tag}-{{}}', $$.Execution.RedriveCount)",
                       "Key": {"id": {"S": "a"}}}}}}
    arn = sfn.create_state_machine(name=_name("fidelity-count"), definition=json.dumps(definition),
                                   roleArn=ROLE)["stateMachineArn"]
    table = f"fidelity-{tag}-1"
    try:
        execution = sfn.start_execution(stateMachineArn=arn)["executionArn"]
        wait_for(lambda: sfn.describe_execution(executionArn=execution)["status"] == "FAILED",
                 what="the first run to fail (no table fidelity-…-0)")
        ddb.create_table(TableName=table, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                         BillingMode="PAY_PER_REQUEST")
        sfn.redrive_execution(executionArn=execution)
        wait_for(lambda: sfn.describe_execution(executionArn=execution)["status"] == "SUCCEEDED",
                 what="the redriven run to read fidelity-…-1")
    finally:
        sfn.delete_state_machine(stateMachineArn=arn)
        try:
            ddb.delete_table(TableName=table)
        except ClientError:
            pass


def test_redriving_a_parallel_state_re_runs_only_its_failed_branch(sfn, ddb, wait_for):
    """AWS: "Step Functions redrives only the unsuccessful branches of a Parallel state"."""
    tag = uuid.uuid4().hex[:6]
    counter, missing = f"fidelity-{tag}-counter", f"fidelity-{tag}-1"
    key = {"id": {"S": "runs"}}
    ddb.create_table(TableName=counter, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST")
    definition = {"StartAt": "Both", "States": {"Both": {"Type": "Parallel", "End": True, "Branches": [
        {"StartAt": "Count", "States": {"Count": {
            "Type": "Task", "Resource": "arn:aws:states:::dynamodb:updateItem", "ResultSelector": {"counted": True},
            "Parameters": {"TableName": counter, "Key": key, "UpdateExpression": "ADD runs :one",
                           "ExpressionAttributeValues": {":one": {"N": "1"}}}, "End": True}}},
        {"StartAt": "Let Count finish", "States": {"Let Count finish": {"Type": "Wait", "Seconds": 3, "Next": "Read"},
                                                    "Read": {
            "Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem", "ResultSelector": {"read": True},
            "Parameters": {"TableName.$": f"States.Format('fidelity-{tag}-{{}}', $$.Execution.RedriveCount)",
                           "Key": key}, "End": True}}}]}}}
    arn = sfn.create_state_machine(name=_name("fidelity-parallel"), definition=json.dumps(definition),
                                   roleArn=ROLE)["stateMachineArn"]
    try:
        execution = sfn.start_execution(stateMachineArn=arn)["executionArn"]
        wait_for(lambda: sfn.describe_execution(executionArn=execution)["status"] == "FAILED",
                 what="the Read branch to fail")
        assert ddb.get_item(TableName=counter, Key=key)["Item"]["runs"]["N"] == "1"
        exited = [e["stateExitedEventDetails"]["name"] for e in sfn.get_execution_history(
            executionArn=execution, maxResults=1000)["events"] if "stateExitedEventDetails" in e]
        assert "Count" in exited  # its branch succeeded before the other failed (a cut-off branch re-runs)
        ddb.create_table(TableName=missing, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                         BillingMode="PAY_PER_REQUEST")
        sfn.redrive_execution(executionArn=execution)
        wait_for(lambda: sfn.describe_execution(executionArn=execution)["status"] == "SUCCEEDED",
                 what="the redriven Read branch to succeed")
        assert ddb.get_item(TableName=counter, Key=key)["Item"]["runs"]["N"] == "1"  # Count did not run again
        output = json.loads(sfn.describe_execution(executionArn=execution)["output"])
        assert output == [{"counted": True}, {"read": True}]
    finally:
        sfn.delete_state_machine(stateMachineArn=arn)
        for table in (counter, missing):
            try:
                ddb.delete_table(TableName=table)
            except ClientError:
                pass
