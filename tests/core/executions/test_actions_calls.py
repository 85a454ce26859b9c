"""Start, stop, redrive and answer a task, against stubbed Step Functions answers (no sandbox).

Each test says what the operator gets: the redrive verdict and its sentence
per execution, the warning for a run that would fail again, the request that
reaches AWS (checked against the service model by botocore's Stubber) and
the sentence when the console refuses before calling. The sandbox runs the
same calls end to end in test_actions.py.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from actions_support import Matching, at, execution_arn, machine_arn, stubbed_aws

from opsconsole.core.executions import actions
from opsconsole.core.executions.listing import Execution

MACHINE = machine_arn("mlops-training")
A, B, C, D = (execution_arn("mlops-training", f"run-{n}") for n in "abcd")
UUID = "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"


@pytest.fixture
def aws():
    with stubbed_aws() as stubs:
        yield stubs


# -- redrive: the console's own rules ----------------------------------------------------------
NOW = datetime(2026, 3, 1, 12, tzinfo=timezone.utc)


def _run(status: str = "FAILED", start: datetime = NOW - timedelta(days=2),
         stop: datetime | None = NOW - timedelta(days=1)) -> Execution:
    return Execution(arn=A, name="run-a", state_machine_arn=MACHINE, state_machine_name="mlops-training",
                     status=status, start=start, stop=stop)


def test_redrive_window_counts_14_days_from_the_stop_not_the_start():
    long_run = _run(start=NOW - timedelta(days=40), stop=NOW - timedelta(days=13))
    assert actions.redrive_check(long_run, 100, NOW) is None  # started 40 days ago, stopped 13: still redrivable
    exactly = _run(start=NOW - timedelta(days=20), stop=NOW - timedelta(days=14))
    assert actions.redrive_check(exactly, 100, NOW) is None  # the 14th day still counts
    late = _run(start=NOW - timedelta(days=20), stop=NOW - timedelta(days=14, seconds=1))
    assert actions.redrive_check(late, 100, NOW) == "stopped 14 days ago (limit: 14 days)"
    assert actions.redrive_check(_run(stop=NOW - timedelta(days=20)), None, NOW) == \
        "stopped 20 days ago (limit: 14 days)"


def test_redrive_limits_at_their_edges():
    launch = datetime(2023, 11, 15, tzinfo=timezone.utc)
    assert actions.redrive_check(_run(start=launch, stop=launch + timedelta(hours=1)), None,
                                 launch + timedelta(days=1)) is None
    assert actions.redrive_check(_run(start=launch - timedelta(seconds=1), stop=launch), None,
                                 launch + timedelta(days=1)) == "started before redrive existed (2023-11-15)"
    year = timedelta(days=365)
    assert actions.redrive_check(_run(start=NOW - year, stop=NOW - timedelta(days=1)), None, NOW) is None
    assert actions.redrive_check(_run(start=NOW - year - timedelta(seconds=1), stop=NOW - timedelta(days=1)),
                                 None, NOW) == "open for more than a year"
    assert actions.redrive_check(_run(), 24_998, NOW) is None
    assert actions.redrive_check(_run(), 24_999, NOW) == "history has 24,999 events (must be under 24,999)"
    assert actions.redrive_check(_run(), None, NOW) is None  # history length not known here: AWS will say
    assert actions.redrive_check(_run(stop=None), 10, NOW) is None  # a stop date not given: nothing to count


@pytest.mark.parametrize(("status", "why"), [("SUCCEEDED", "succeeded: nothing to redrive"),
                                             ("RUNNING", "still running"),
                                             ("PENDING_REDRIVE", "a redrive is already pending")])
def test_redrive_refusals_say_why_in_the_operators_words(status, why):
    assert actions.redrive_check(_run(status=status), 10, NOW) == why


# -- redrive: AWS's verdict and the warnings -------------------------------------------------------
def _described(aws, arn: str, **redrive) -> None:
    aws.sfn.add_response("describe_execution", {"executionArn": arn, "stateMachineArn": MACHINE, "status": "FAILED",
                                                "startDate": at(0), "stopDate": at(60), **redrive},
                         {"executionArn": arn})


def test_redrive_verdicts_give_aws_reason_per_selected_run_and_skip_runs_aws_gives_none_for(aws):
    _described(aws, A, redriveStatus="REDRIVABLE")
    _described(aws, B, redriveStatus="NOT_REDRIVABLE", redriveStatusReason="Execution redrivable period exceeded")
    _described(aws, C)  # an endpoint without redriveStatus: the console's own check stands
    _described(aws, D, redriveStatus="NOT_REDRIVABLE")
    assert list(actions.redrive_verdicts(aws.clients, [A, B, C, D])) == [
        (A, None), (B, "Execution redrivable period exceeded"), (D, "AWS says it cannot be redriven")]


def test_a_run_redrivable_through_its_map_run_counts_as_redrivable(aws):
    _described(aws, A, redriveStatus="REDRIVABLE_BY_MAP_RUN")
    assert list(actions.redrive_verdicts(aws.clients, [A])) == [(A, None)]


def test_describe_redrive_status_is_aws_status_and_reason(aws):
    _described(aws, A, redriveStatus="NOT_REDRIVABLE", redriveStatusReason="Execution is SUCCEEDED")
    assert actions.describe_redrive_status(aws.clients, A) == ("NOT_REDRIVABLE", "Execution is SUCCEEDED")
    _described(aws, B)
    assert actions.describe_redrive_status(aws.clients, B) == (None, None)


def _last_two(aws, arn: str, newest: str, before: str, name: str = "Reject model") -> None:
    events = [{"timestamp": at(9), "type": newest, "id": 9, "previousEventId": 8},
              {"timestamp": at(8), "type": before, "id": 8, "previousEventId": 7}]
    if before == "FailStateEntered":
        events[1]["stateEnteredEventDetails"] = {"name": name}
    aws.sfn.add_response("get_execution_history", {"events": events}, {
        "executionArn": arn, "reverseOrder": True, "maxResults": 2, "includeExecutionData": False})


def test_redrive_warns_only_for_runs_that_ended_in_a_fail_state(aws):
    _last_two(aws, A, "ExecutionFailed", "FailStateEntered", name="Reject model")
    _last_two(aws, B, "ExecutionFailed", "TaskFailed")  # failed in a task: a redrive may well work
    _last_two(aws, C, "ExecutionAborted", "FailStateEntered")  # stopped by hand just as it entered
    aws.sfn.add_response("get_execution_history", {"events": [
        {"timestamp": at(1), "type": "ExecutionFailed", "id": 1, "previousEventId": 0}]})  # one event only
    assert list(actions.redrive_warnings(aws.clients, [A, B, C, D])) == [(A, (
        'It failed in its Fail state "Reject model": a redrive runs that state again and fails the same way. '
        "Fix what led there, then start a new execution or re-run from an earlier state."))]


def test_fail_state_of_names_the_fail_state(aws):
    _last_two(aws, A, "ExecutionFailed", "FailStateEntered", name="Quality gate failed")
    assert actions.fail_state_of(aws.clients, A) == "Quality gate failed"
    _last_two(aws, B, "ExecutionTimedOut", "TaskScheduled")
    assert actions.fail_state_of(aws.clients, B) is None


def test_redrive_sends_the_run_and_returns_when_it_was_redriven(aws):
    aws.sfn.add_response("redrive_execution", {"redriveDate": at(120)}, {"executionArn": A})
    assert actions.redrive_execution(aws.clients, A) == at(120)


# -- start and stop ------------------------------------------------------------------------------
def test_start_execution_sends_name_and_input(aws):
    aws.sfn.add_response("start_execution", {"executionArn": execution_arn("mlops-training", "train-DE"),
                                             "startDate": at(0)},
                         {"stateMachineArn": MACHINE, "name": "train-DE", "input": '{"country": "DE"}'})
    assert actions.start_execution(aws.clients, MACHINE, '{"country": "DE"}', name="train-DE") == \
        execution_arn("mlops-training", "train-DE")


def test_an_execution_started_without_a_name_gets_a_uuid_as_aws_would(aws):
    aws.sfn.add_response("start_execution", {"executionArn": A, "startDate": at(0)},
                         {"stateMachineArn": MACHINE, "name": Matching(UUID), "input": "{}"})
    assert actions.start_execution(aws.clients, MACHINE, "{}") == A


def test_a_bad_name_or_input_is_refused_before_anything_is_sent(aws):
    with pytest.raises(actions.InvalidInput) as caught:
        actions.start_execution(aws.clients, MACHINE, "{}", name="has space")
    assert str(caught.value) == "A name cannot contain white space (character 4)."
    with pytest.raises(actions.InvalidInput) as caught:
        actions.start_execution(aws.clients, MACHINE, '{"a": }', name="fine")
    assert str(caught.value) == "The input is not usable: Line 1, column 7: Expecting value."
    with pytest.raises(actions.InvalidInput) as caught:
        actions.start_execution(aws.clients, MACHINE, "", name="x" * 81)
    assert str(caught.value) == "A name can have at most 80 characters; this one has 81."  # the name first


def test_stop_sends_error_and_cause_within_aws_limits(aws):
    aws.sfn.add_response("stop_execution", {"stopDate": at(30)},
                         {"executionArn": A, "error": "E" * 256, "cause": "c" * 32_768})
    assert actions.stop_execution(aws.clients, A, "E" * 300, "c" * 40_000) == at(30)


def test_stop_without_error_or_cause_sends_neither(aws):
    aws.sfn.add_response("stop_execution", {"stopDate": at(31)}, {"executionArn": A})
    assert actions.stop_execution(aws.clients, A) == at(31)


# -- answering a waiting task --------------------------------------------------------------------
def test_approve_sends_the_token_and_the_output(aws):
    aws.sfn.add_response("send_task_success", {}, {"taskToken": "tok-1", "output": '{"decision": "approved"}'})
    actions.send_task_success(aws.clients, "tok-1", '{"decision": "approved"}')


def test_approve_with_output_that_is_not_json_is_refused_before_sending(aws):
    with pytest.raises(actions.InvalidInput) as caught:
        actions.send_task_success(aws.clients, "tok-1", "{approved}")
    assert str(caught.value) == ("The task output is not usable: "
                                 "Line 1, column 2: Expecting property name enclosed in double quotes.")


def test_reject_sends_error_and_cause_within_aws_limits(aws):
    aws.sfn.add_response("send_task_failure", {}, {"taskToken": "tok-2", "error": "R" * 256, "cause": "w" * 32_768})
    actions.send_task_failure(aws.clients, "tok-2", "R" * 257, "w" * 32_769)
    aws.sfn.add_response("send_task_failure", {}, {"taskToken": "tok-3"})
    actions.send_task_failure(aws.clients, "tok-3", "", "")


# -- names and inputs as typed -------------------------------------------------------------------
@pytest.mark.parametrize("name", ["\ud7ff-hangul-edge", "private\ue000use", "replacement\ufffd", "e\U0010fffd"])
def test_names_with_characters_next_to_the_refused_ranges_are_fine(name):
    assert actions.validate_execution_name(name) is None


@pytest.mark.parametrize(("name", "message"), [
    ("", "A name needs at least 1 character."),
    ("ab\x00", "A name cannot contain control or invalid characters (U+0000 at character 3)."),
    ("ab\x1b", "A name cannot contain control or invalid characters (U+001B at character 3)."),
    ("a\x80", "A name cannot contain control or invalid characters (U+0080 at character 2)."),
    ("a\ufffe", "A name cannot contain control or invalid characters (U+FFFE at character 2)."),
    ("a\U0010ffff", "A name cannot contain control or invalid characters (U+10FFFF at character 2)."),
    ("a\udfff", "A name cannot contain surrogate characters (character 2)."),
    ("a\ud800", "A name cannot contain surrogate characters (character 2)."),
    ("a b\x00", "A name cannot contain white space (character 2)."),  # the first problem is reported
    ("a\x00 ", "A name cannot contain control or invalid characters (U+0000 at character 2)."),
    ("a/b", "A name cannot contain '/' (character 2)."),
])
def test_refused_names_say_what_and_where(name, message):
    assert actions.validate_execution_name(name) == message


@pytest.mark.parametrize(("name", "hinted"), [
    ("train_DE-2026", False), ("", False), ("two words", False), ("Zürich", True), ("a.b", True), ("x+y", True),
])
def test_the_cloudwatch_logs_hint_is_for_valid_names_outside_its_characters(name, hinted):
    hint = actions.execution_name_hint(name)
    assert hint == ("Allowed, but CloudWatch Logs needs names made of 0-9, A-Z, a-z, - and _ only."
                    if hinted else None)


def test_input_check_messages():
    assert actions.validate_input("  \n") == actions.InputCheck(
        False, "Empty: type {} for an execution without input.", None, None, 3)
    assert actions.validate_input('{"a": 1, "a": 2}') == actions.InputCheck(
        False, 'Key "a" appears twice in one object.', None, None, 16)  # the size is shown even when refused
    assert actions.validate_input('{"é": }') == actions.InputCheck(
        False, "Line 1, column 7: Expecting value.", 1, 7, 8)
    deep = '{"x":\n' + "[" * 513 + "]" * 513 + "}"
    check = actions.validate_input(deep)
    assert not check.ok and (check.line, check.column) == (2, 512)
    assert check.message == "Nested deeper than 512 levels (line 2, column 512)."
    assert actions.validate_input("{}") == actions.InputCheck(True, "Valid JSON, 2 B of 256.0 KB.", None, None, 2)


def test_input_check_counts_bytes_against_the_given_limit():
    assert actions.validate_input('"é"', limit=4) == actions.InputCheck(True, "Valid JSON, 4 B of 4 B.", None, None, 4)
    assert actions.validate_input('"é" ', limit=4) == actions.InputCheck(
        False, "5 B is over the 4 B limit.", None, None, 5)
    big = json.dumps({"p": "x" * 300_000})
    assert actions.validate_input(big).message == "293.0 KB is over the 256.0 KB limit."
