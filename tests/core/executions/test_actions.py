"""core.actions against the sandbox over HTTP: input checks, start, stop, redrive and its rules."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from botocore.exceptions import ClientError

from opsconsole.core.errors import ErrorKind, describe
from opsconsole.core.executions import actions
from opsconsole.core.executions.listing import Execution, describe_execution
from support import wait_until

ROLE = "arn:aws:iam::123456789012:role/mlops-stepfunctions-execution"


@pytest.fixture
def _redrive_served(sandbox):
    """Serve RedriveExecution even if a server test swapped its handler out earlier in the session.

    Only the tests that redrive (or ask AWS's redrive verdict) take it: the name, input and redrive-rule
    tests above them need no sandbox.
    """
    from opsconsole.sandbox.stepfunctions import redrive

    redrive.register(sandbox.extensions)


# -- names and inputs ------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["train-DE-2026-01", "a", "x" * 80, "Ünïcode-名前", "dots.and_under-scores"])
def test_valid_names(name):
    assert actions.validate_execution_name(name) is None


@pytest.mark.parametrize(("name", "fragment"), [
    ("", "at least 1"),
    ("x" * 81, "at most 80"),
    ("two words", "white space (character 4)"),
    ("tab\there", "white space"),
    *[(f"a{c}b", f"'{c}' (character 2)") for c in '<>{}[]?*"#%\\^|~`$&,;:/'],
    ("bell\x07", "U+0007"),
    ("del\x7f", "U+007F"),
    ("c1\x85", "white space"),
    ("c1\x9f", "U+009F"),
    ("nonchar\uffff", "U+FFFF"),
    ("sur\ud800rogate", "surrogate"),
])
def test_invalid_names_say_why(name, fragment):
    message = actions.validate_execution_name(name)
    assert message is not None and fragment in message


def test_cloudwatch_logs_hint_is_only_a_hint():
    assert actions.execution_name_hint("plain-name_1") is None
    assert "CloudWatch" in actions.execution_name_hint("with.dot")
    assert actions.execution_name_hint("bad name") is None  # an error, not a hint


def test_input_check_points_at_the_error():
    check = actions.validate_input('{\n  "country": "DE",\n  "batchCount": 12\n  "month": "2026-01"\n}')
    assert not check.ok and (check.line, check.column) == (4, 3)
    assert check.message.startswith("Line 4, column 3: Expecting ',' delimiter")
    ok = actions.validate_input('{"country": "DE"}')
    assert ok.ok and ok.line is None and ok.size_bytes == 17 and "17 B of 256.0 KB" in ok.message


def test_input_check_counts_utf8_bytes_against_256_kb():
    at_limit = json.dumps({"p": "é" * ((actions.MAX_INPUT_BYTES - 10) // 2)}, ensure_ascii=False)
    assert actions.validate_input(at_limit).ok
    over = json.dumps({"p": "é" * (actions.MAX_INPUT_BYTES // 2)}, ensure_ascii=False)
    check = actions.validate_input(over)
    assert len(over) < actions.MAX_INPUT_BYTES < check.size_bytes
    assert not check.ok and "over the 256.0 KB limit" in check.message


@pytest.mark.parametrize("text", ["", "   ", "[NaN]", '{"a": Infinity}', "{'single': 1}", "{} {}"])
def test_input_check_rejects_what_aws_rejects(text):
    assert not actions.validate_input(text).ok


# -- start and stop ----------------------------------------------------------------------------
@pytest.fixture
def machine(sandbox_clients):
    """A state machine of this test's own: Prepare -> Hold (waits for $.seconds) -> Done."""
    sfn = sandbox_clients.client("stepfunctions")
    definition = {"StartAt": "Prepare", "States": {
        "Prepare": {"Type": "Pass", "Next": "Hold"},
        "Hold": {"Type": "Wait", "SecondsPath": "$.seconds", "Next": "Done"},
        "Done": {"Type": "Succeed"}}}
    arn = sfn.create_state_machine(name=f"actions-test-{uuid.uuid4().hex[:8]}", definition=json.dumps(definition),
                                   roleArn=ROLE)["stateMachineArn"]
    yield arn
    sfn.delete_state_machine(stateMachineArn=arn)


def test_start_execution_with_a_name_and_without(sandbox_clients, machine):
    arn = actions.start_execution(sandbox_clients, machine, '{"seconds": 0}', name="named-run-1")
    assert arn.endswith(":named-run-1")
    unnamed = actions.start_execution(sandbox_clients, machine, '{"seconds": 0}')
    name = unnamed.rsplit(":", 1)[1]
    assert str(uuid.UUID(name)) == name  # AWS's default: a UUID
    wait_until(lambda: describe_execution(sandbox_clients, unnamed).status == "SUCCEEDED", what="the run")
    out = sandbox_clients.client("stepfunctions").describe_execution(executionArn=arn)
    assert json.loads(out["input"]) == {"seconds": 0}


def test_start_execution_refuses_bad_input_and_names_before_calling_aws(sandbox_clients, machine):
    with pytest.raises(ValueError, match="Line 1"):
        actions.start_execution(sandbox_clients, machine, '{"seconds": }')
    with pytest.raises(ValueError, match="white space"):
        actions.start_execution(sandbox_clients, machine, "{}", name="has space")


def test_refused_input_reaches_the_operator_as_its_sentence(sandbox_clients, machine):
    with pytest.raises(actions.InvalidInput) as caught:
        actions.start_execution(sandbox_clients, machine, '{"seconds": }', name="fine")
    err = describe(caught.value, operation="Start execution")
    assert err.kind is ErrorKind.REFUSED and err.title == "Invalid input"
    assert err.message == "The input is not usable: Line 1, column 13: Expecting value."
    with pytest.raises(actions.InvalidInput) as caught:
        actions.start_execution(sandbox_clients, machine, "{}", name="has space")
    assert describe(caught.value).message == "A name cannot contain white space (character 4)."
    with pytest.raises(actions.InvalidInput) as caught:
        actions.send_task_success(sandbox_clients, "token", "NaN")
    assert describe(caught.value).message.startswith("The task output is not usable: ")


def test_stop_with_error_and_cause(sandbox_clients, machine):
    arn = actions.start_execution(sandbox_clients, machine, '{"seconds": 600}')
    stopped = actions.stop_execution(sandbox_clients, arn, "Operator.Abort", "Wrong dataset; restarting with v2")
    out = sandbox_clients.client("stepfunctions").describe_execution(executionArn=arn)
    assert out["status"] == "ABORTED" and out["stopDate"] == stopped
    assert out["error"] == "Operator.Abort" and out["cause"] == "Wrong dataset; restarting with v2"
    last = sandbox_clients.client("stepfunctions").get_execution_history(executionArn=arn, reverseOrder=True)
    assert last["events"][0]["executionAbortedEventDetails"]["cause"] == "Wrong dataset; restarting with v2"


# -- redrive ---------------------------------------------------------------------------------
NOW = datetime(2026, 3, 1, 12, tzinfo=timezone.utc)


def _execution(status: str, start: datetime, stop: datetime | None) -> Execution:
    return Execution(arn="arn:aws:states:eu-west-1:1:execution:m:e", name="e",
                     state_machine_arn="arn:aws:states:eu-west-1:1:stateMachine:m", state_machine_name="m",
                     status=status, start=start, stop=stop)


@pytest.mark.parametrize(("status", "start_ago", "stop_ago", "events", "fragment"), [
    ("FAILED", timedelta(days=2), timedelta(days=1), 120, None),
    ("TIMED_OUT", timedelta(days=15), timedelta(days=13, hours=23), None, None),
    ("ABORTED", timedelta(hours=2), timedelta(hours=1), 24_998, None),
    ("SUCCEEDED", timedelta(days=2), timedelta(days=1), 10, "succeeded"),
    ("RUNNING", timedelta(days=2), None, 10, "still running"),
    ("PENDING_REDRIVE", timedelta(days=2), timedelta(days=1), 10, "already pending"),
    ("FAILED", timedelta(days=30), timedelta(days=20), 10, "stopped 20 days ago (limit: 14 days)"),
    ("FAILED", timedelta(days=2), timedelta(days=1), 24_999, "24,999 events (must be under 24,999)"),
    ("FAILED", timedelta(days=370), timedelta(days=1), 10, "open for more than a year"),
])
def test_redrive_check_follows_aws_rules(status, start_ago, stop_ago, events, fragment):
    execution = _execution(status, NOW - start_ago, NOW - stop_ago if stop_ago else None)
    reason = actions.redrive_check(execution, events, NOW)
    assert (reason is None) if fragment is None else (fragment in reason)


def test_redrive_check_knows_executions_from_before_the_launch():
    old = _execution("FAILED", datetime(2023, 11, 1, tzinfo=timezone.utc), datetime(2023, 11, 2, tzinfo=timezone.utc))
    assert "2023-11-15" in actions.redrive_check(old, None, datetime(2023, 11, 3, tzinfo=timezone.utc))


@pytest.fixture
def failing_run(sandbox_clients):
    """An execution that FAILED at 'Load' (its DynamoDB table is missing) and a fix() that creates it."""
    sfn, ddb = sandbox_clients.client("stepfunctions"), sandbox_clients.client("dynamodb")
    tag = uuid.uuid4().hex[:8]
    table = f"actions-redrive-{tag}"
    definition = {"StartAt": "Prepare", "States": {
        "Prepare": {"Type": "Pass", "Result": "ok", "ResultPath": "$.prepared", "Next": "Load"},
        "Load": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
                 "Parameters": {"TableName": table, "Key": {"id": {"S": "x"}}}, "ResultPath": "$.loaded",
                 "Next": "Done"},
        "Done": {"Type": "Succeed"}}}
    machine = sfn.create_state_machine(name=f"actions-redrive-{tag}", definition=json.dumps(definition),
                                       roleArn=ROLE)["stateMachineArn"]
    arn = actions.start_execution(sandbox_clients, machine, '{"id": "x"}')
    wait_until(lambda: describe_execution(sandbox_clients, arn).status == "FAILED", what="the failure")

    def fix() -> None:
        ddb.create_table(TableName=table, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                         BillingMode="PAY_PER_REQUEST")

    yield arn, fix
    sfn.delete_state_machine(stateMachineArn=machine)
    try:
        ddb.delete_table(TableName=table)
    except ClientError:
        pass


@pytest.mark.usefixtures("_redrive_served")
def test_redrive_execution_end_to_end(sandbox_clients, failing_run):
    arn, fix = failing_run
    execution = describe_execution(sandbox_clients, arn)
    events = actions.execution_history(sandbox_clients, arn)
    assert actions.redrive_check(execution, len(events), datetime.now(timezone.utc)) is None
    assert actions.describe_redrive_status(sandbox_clients, arn) == ("REDRIVABLE", None)
    fix()
    when = actions.redrive_execution(sandbox_clients, arn)
    wait_until(lambda: describe_execution(sandbox_clients, arn).status == "SUCCEEDED", what="the redriven run")
    after = describe_execution(sandbox_clients, arn)
    assert after.arn == arn and after.redrive_count == 1 and after.redrive_date == when
    history = actions.execution_history(sandbox_clients, arn)
    redriven = next(i for i, e in enumerate(history) if e["type"] == "ExecutionRedriven")
    names = [e["stateEnteredEventDetails"]["name"] for e in history[redriven:] if "stateEnteredEventDetails" in e]
    assert names == ["Load", "Done"]


@pytest.mark.usefixtures("_redrive_served")
def test_redrive_refused_for_a_succeeded_run(sandbox_clients, machine):
    arn = actions.start_execution(sandbox_clients, machine, '{"seconds": 0}')
    wait_until(lambda: describe_execution(sandbox_clients, arn).status == "SUCCEEDED", what="the run")
    execution = describe_execution(sandbox_clients, arn)
    assert "succeeded" in actions.redrive_check(execution, None, datetime.now(timezone.utc))
    with pytest.raises(ClientError) as caught:
        actions.redrive_execution(sandbox_clients, arn)
    assert caught.value.response["Error"]["Code"] == "ExecutionNotRedrivable"
    assert describe_execution(sandbox_clients, arn).redrive_count == 0


@pytest.mark.usefixtures("_redrive_served")
def test_redrive_verdicts_are_aws_own_one_execution_per_page(sandbox, sandbox_clients, failing_run):
    now = sandbox.scenario.now
    from opsconsole.core.executions.listing import iter_executions

    old = next(e for page in iter_executions(sandbox_clients, [sandbox.scenario.state_machines["inference"]], "FAILED")
               for e in page if now - e.stop > timedelta(days=15))
    redrivable, _fix = failing_run
    verdicts = actions.redrive_verdicts(sandbox_clients, [redrivable, old.arn])
    assert next(verdicts) == (redrivable, None)
    assert next(verdicts) == (old.arn, "Execution redrivable period exceeded")
    assert next(verdicts, None) is None


@pytest.mark.usefixtures("_redrive_served")
def test_redrive_refused_for_a_run_that_stopped_too_long_ago(sandbox, sandbox_clients):
    now = sandbox.scenario.now
    from opsconsole.core.executions.listing import iter_executions

    old = next(e for page in iter_executions(sandbox_clients, [sandbox.scenario.state_machines["inference"]], "FAILED")
               for e in page if now - e.stop > timedelta(days=15))
    assert "(limit: 14 days)" in actions.redrive_check(old, None, now)
    status, reason = actions.describe_redrive_status(sandbox_clients, old.arn)
    assert (status, reason) == ("NOT_REDRIVABLE", "Execution redrivable period exceeded")
    with pytest.raises(ClientError) as caught:
        actions.redrive_execution(sandbox_clients, old.arn)
    assert caught.value.response["Error"]["Code"] == "ExecutionNotRedrivable"
    assert describe_execution(sandbox_clients, old.arn).status == "FAILED"
