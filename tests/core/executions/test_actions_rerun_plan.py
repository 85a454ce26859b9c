"""Re-running from a state, worked out and started against stubbed Step Functions answers (no sandbox).

What the operator gets: the state the re-run starts at (a state nested in a Map
or a Parallel restarts its top-level ancestor), the input it starts with (what
that state received in the original run), the helper state machine it runs in
(its name, definition, role and tags) and the sentence when it cannot be done.
The sandbox runs the same re-runs end to end in test_actions_rerun.py.
"""

from __future__ import annotations

import json
import re

import pytest
from actions_support import ANY, Matching, at, execution_arn, machine_arn, stubbed_aws
from botocore.exceptions import ClientError

from opsconsole.core.errors import describe
from opsconsole.core.executions import actions
from opsconsole.core.executions.actions.rerun import (
    TAG_FROM_STATE,
    TAG_RERUN_OF,
    RerunError,
    ensure_helper,
    helper_definition,
    rerun_execution_name,
)

ROLE = "arn:aws:iam::123456789012:role/mlops-stepfunctions-execution"
MACHINE = "mlops-inference"
RUN = execution_arn(MACHINE, "run-7")

MAP_DEFINITION = {
    "Comment": "Score every item of a batch.",
    "StartAt": "Plan batches",
    "States": {
        "Plan batches": {"Type": "Pass", "Result": ["a", "b"], "ResultPath": "$.items", "Next": "Per item"},
        "Per item": {
            "Type": "Map", "ItemsPath": "$.items", "ResultPath": "$.scored", "Next": "Publish",
            "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Score", "States": {
                "Score": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Next": "Check"},
                "Check": {"Type": "Parallel", "End": True, "Branches": [
                    {"StartAt": "Audit", "States": {"Audit": {"Type": "Pass", "End": True}}}]}}}},
        "Publish": {"Type": "Succeed"},
    },
}

#: Load's only way to "Report failure" is its Catch.
CATCH_DEFINITION = {
    "StartAt": "Prepare",
    "States": {
        "Prepare": {"Type": "Pass", "Next": "Load"},
        "Load": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem", "Next": "Publish",
                 "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Report failure"}]},
        "Report failure": {"Type": "Pass", "Next": "Failed"},
        "Failed": {"Type": "Fail", "Error": "LoadFailed"},
        "Publish": {"Type": "Succeed"},
    },
}

MAP_INPUT = '{"batch": 3, "items": ["a", "b"]}'


def _entered(event_id: int, kind: str, name: str, input_text: str | None, truncated: bool = False) -> dict:
    details: dict = {"name": name, "inputDetails": {"truncated": truncated}}
    if input_text is not None:
        details["input"] = input_text
    return {"timestamp": at(event_id), "type": f"{kind}StateEntered", "id": event_id,
            "previousEventId": event_id - 1, "stateEnteredEventDetails": details}


#: The Map run's history, newest first (as re-run reads it): two items scored inside "Per item".
MAP_HISTORY_NEWEST_FIRST = [
    _entered(6, "Task", "Score", '"b"'),
    _entered(5, "Task", "Score", '"a"'),
    _entered(4, "Map", "Per item", MAP_INPUT),
    {"timestamp": at(3), "type": "PassStateExited", "id": 3, "previousEventId": 2,
     "stateExitedEventDetails": {"name": "Plan batches", "output": MAP_INPUT}},
    _entered(2, "Pass", "Plan batches", '{"batch": 3}'),
    {"timestamp": at(1), "type": "ExecutionStarted", "id": 1, "previousEventId": 0,
     "executionStartedEventDetails": {"input": '{"batch": 3}', "roleArn": ROLE}},
]


def _machine_for_execution(aws, definition: dict, name: str = MACHINE) -> None:
    aws.sfn.add_response("describe_state_machine_for_execution", {
        "stateMachineArn": machine_arn(name), "name": name, "definition": json.dumps(definition),
        "roleArn": ROLE, "updateDate": at(0)}, {"executionArn": RUN})


@pytest.fixture
def aws():
    with stubbed_aws() as stubs:
        yield stubs


# -- a state inside a Map --------------------------------------------------------------------
def test_rerun_from_a_state_inside_a_map_starts_at_the_map_with_the_maps_recorded_input(aws):
    _machine_for_execution(aws, MAP_DEFINITION)
    aws.history(RUN, MAP_HISTORY_NEWEST_FIRST, reverse=True)
    plan = actions.prepare_rerun(aws.clients, RUN, "Score")
    assert plan.nested and (plan.execution_arn, plan.chosen_state) == (RUN, "Score")
    assert (plan.start_state, plan.enclosing_type) == ("Per item", "Map")
    assert plan.input_text == MAP_INPUT and plan.entered_at == at(4)  # the Map's input, not an item's
    assert plan.helper_name == "mlops-inference--from-Per-item"
    assert plan.helper_arn == machine_arn("mlops-inference--from-Per-item")
    assert plan.helper_definition["StartAt"] == "Per item"
    assert set(plan.helper_definition["States"]) == {"Per item", "Publish"}  # "Plan batches" can no longer run
    assert plan.helper_definition["States"]["Per item"] == MAP_DEFINITION["States"]["Per item"]
    assert (plan.execution_name, plan.state_machine_name, plan.role_arn) == ("run-7", MACHINE, ROLE)
    assert plan.state_machine_arn == machine_arn(MACHINE)


def test_rerun_from_a_state_in_a_parallel_inside_a_map_starts_at_the_outer_map(aws):
    _machine_for_execution(aws, MAP_DEFINITION)
    aws.history(RUN, MAP_HISTORY_NEWEST_FIRST, reverse=True)
    plan = actions.prepare_rerun(aws.clients, RUN, "Audit")
    assert (plan.start_state, plan.enclosing_type, plan.input_text) == ("Per item", "Map", MAP_INPUT)


def test_rerun_from_a_state_inside_a_map_creates_the_helper_and_starts_it_with_the_maps_input(aws):
    _machine_for_execution(aws, MAP_DEFINITION)
    aws.history(RUN, MAP_HISTORY_NEWEST_FIRST, reverse=True)
    plan = actions.prepare_rerun(aws.clients, RUN, "Score")
    helper = machine_arn("mlops-inference--from-Per-item")
    aws.error("describe_state_machine", "StateMachineDoesNotExist", params={"stateMachineArn": helper})
    aws.sfn.add_response("list_tags_for_resource", {"tags": [
        {"key": "tenant", "value": "retail-compliance"}, {"key": TAG_FROM_STATE, "value": "stale"}]},
        {"resourceArn": machine_arn(MACHINE)})
    aws.sfn.add_response("create_state_machine", {"stateMachineArn": helper, "creationDate": at(10)}, {
        "name": "mlops-inference--from-Per-item", "definition": json.dumps(plan.helper_definition, indent=2),
        "roleArn": ROLE, "type": "STANDARD", "tags": [
            {"key": "tenant", "value": "retail-compliance"},
            {"key": TAG_RERUN_OF, "value": machine_arn(MACHINE)},
            {"key": TAG_FROM_STATE, "value": "Per item"}]})
    new_run = execution_arn("mlops-inference--from-Per-item", "run-7-rerun-0123abcd")
    aws.sfn.add_response("start_execution", {"executionArn": new_run, "startDate": at(11)},
                         {"stateMachineArn": helper, "name": ANY, "input": MAP_INPUT})
    assert actions.start_rerun(aws.clients, plan) == new_run


# -- which states the helper keeps -----------------------------------------------------------
def test_rerun_keeps_a_state_reached_only_through_a_catch():
    clone = helper_definition(CATCH_DEFINITION, "Load", "mlops-training")
    assert set(clone["States"]) == {"Load", "Publish", "Report failure", "Failed"}
    assert clone["States"]["Load"]["Catch"][0]["Next"] == "Report failure"


def test_rerun_keeps_every_choice_target_and_the_default():
    definition = {"StartAt": "Route", "States": {
        "Route": {"Type": "Choice", "Default": "Other", "Choices": [
            {"Variable": "$.mode", "StringEquals": "a", "Next": "A"},
            {"Variable": "$.mode", "StringEquals": "b", "Next": "B"}]},
        "A": {"Type": "Succeed"}, "B": {"Type": "Succeed"}, "Other": {"Type": "Succeed"},
        "Unreached": {"Type": "Succeed"}}}
    assert set(helper_definition(definition, "Route", "m")["States"]) == {"Route", "A", "B", "Other"}


def test_rerun_keeps_a_polling_loop_and_states_two_choices_share():
    definition = {"StartAt": "Start job", "States": {
        "Start job": {"Type": "Task", "Resource": "arn:aws:states:::sagemaker:createTrainingJob", "Next": "Wait"},
        "Wait": {"Type": "Wait", "Seconds": 60, "Next": "Poll"},
        "Poll": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sagemaker:describeTrainingJob",
                 "Next": "Done?"},
        "Done?": {"Type": "Choice", "Default": "Wait", "Choices": [  # back to Wait: a loop
            {"Variable": "$.status", "StringEquals": "Completed", "Next": "Register"},
            {"Variable": "$.status", "StringEquals": "Stopped", "Next": "Register"},
            {"Variable": "$.status", "StringEquals": "Failed", "Next": "Report"}]},
        "Register": {"Type": "Succeed"}, "Report": {"Type": "Fail"}}}
    assert set(helper_definition(definition, "Wait", "m")["States"]) == {"Wait", "Poll", "Done?", "Register", "Report"}
    shared = {"StartAt": "Route", "States": {
        "Route": {"Type": "Choice", "Default": "Other", "Choices": [
            {"Variable": "$.a", "IsPresent": True, "Next": "Same"},
            {"Variable": "$.b", "IsPresent": True, "Next": "Same"}]},
        "Same": {"Type": "Succeed"}, "Other": {"Type": "Succeed"}}}
    assert set(helper_definition(shared, "Route", "m")["States"]) == {"Route", "Same", "Other"}


def test_the_helper_says_what_it_is_before_the_original_comment():
    clone = helper_definition(MAP_DEFINITION, "Per item", "mlops-inference")
    assert clone["Comment"] == ("Re-run helper for mlops-inference, starting at Per item (made by opsconsole). "
                                "Score every item of a batch.")
    bare = helper_definition(CATCH_DEFINITION, "Load", "mlops-training")
    assert bare["Comment"] == "Re-run helper for mlops-training, starting at Load (made by opsconsole)."
    assert "Comment" not in CATCH_DEFINITION  # the original is left as it was


def test_a_nested_state_is_refused_as_a_helper_start_with_what_to_do():
    with pytest.raises(RerunError) as caught:
        helper_definition(MAP_DEFINITION, "Score", "m")
    assert str(caught.value) == ("'Score' is not a top-level state of this state machine; "
                                 "re-run from the state that contains it.")


# -- names -----------------------------------------------------------------------------------
def test_helper_names_within_80_characters_keep_both_parts_and_a_hash():
    assert actions.helper_name("m", "  Plan: batches  ") == "m--from-Plan-batches"
    assert actions.helper_name("m", "<>") == "m--from-state"
    assert actions.helper_name("m", "X ray X") == "m--from-X-ray-X"  # nothing usable left of the state's name
    exact = actions.helper_name("m" * 68, "Abcde")  # 68 + 7 + 5 = 80: kept whole
    assert exact == "m" * 68 + "--from-Abcde"
    long = actions.helper_name("m" * 68, "Abcdef")  # 81: shortened to 80 with a hash of the full name
    assert len(long) == 80 and re.fullmatch(r"m{58}--from-Abcdef-[0-9a-f]{8}", long)
    assert long != actions.helper_name("m" * 68, "Abcdeg")
    huge = actions.helper_name("n" * 80, "S" * 80)
    assert len(huge) == 80 and huge.startswith("n" * 36 + "--from-" + "S" * 28 + "-")


def test_the_helper_of_a_version_or_alias_is_the_plain_machine(aws):
    versioned = machine_arn(MACHINE) + ":3"
    aws.sfn.add_response("describe_state_machine_for_execution", {
        "stateMachineArn": versioned, "name": MACHINE, "definition": json.dumps(CATCH_DEFINITION),
        "roleArn": ROLE, "updateDate": at(0)}, {"executionArn": RUN})
    aws.history(RUN, [_entered(3, "Task", "Load", "{}")], reverse=True)
    plan = actions.prepare_rerun(aws.clients, RUN, "Load")
    assert plan.helper_arn == machine_arn("mlops-inference--from-Load")
    assert (plan.start_state, plan.enclosing_type, plan.nested) == ("Load", None, False)


def test_rerun_execution_names_are_valid_and_fresh():
    plan = _plan("run 7: retry/after,fix")
    first, second = rerun_execution_name(plan), rerun_execution_name(plan)
    assert re.fullmatch(r"run-7-retry-after-fix-rerun-[0-9a-f]{8}", first) and first != second
    long = rerun_execution_name(_plan("x" * 80))
    assert len(long) == 80 and re.fullmatch(r"x{65}-rerun-[0-9a-f]{8}", long)
    assert actions.validate_execution_name(first) is None


# -- the input it starts with ----------------------------------------------------------------
def test_rerun_starts_with_the_input_of_the_latest_time_the_state_ran(aws):
    _machine_for_execution(aws, CATCH_DEFINITION)
    aws.history(RUN, [_entered(9, "Task", "Load", '{"attempt": 2}'), _entered(5, "Task", "Load", '{"attempt": 1}')],
                reverse=True)
    plan = actions.prepare_rerun(aws.clients, RUN, "Load")
    assert (plan.input_text, plan.entered_at) == ('{"attempt": 2}', at(9))


def test_a_state_entered_without_input_starts_with_an_empty_object(aws):
    _machine_for_execution(aws, CATCH_DEFINITION)
    aws.history(RUN, [_entered(3, "Task", "Load", None)], reverse=True)
    assert actions.prepare_rerun(aws.clients, RUN, "Load").input_text == "{}"


def test_a_truncated_recorded_input_is_refused_with_what_to_do(aws):
    _machine_for_execution(aws, CATCH_DEFINITION)
    aws.history(RUN, [_entered(3, "Task", "Load", '{"big": "', truncated=True)], reverse=True)
    with pytest.raises(RerunError) as caught:
        actions.prepare_rerun(aws.clients, RUN, "Load")
    assert describe(caught.value).message == (
        "The input 'Load' received is truncated in the history, so it cannot be re-used; "
        "start a new execution with that input instead.")


def test_a_state_that_never_ran_or_does_not_exist_is_refused(aws):
    _machine_for_execution(aws, CATCH_DEFINITION)
    aws.history(RUN, [_entered(2, "Pass", "Prepare", "{}")], reverse=True)
    with pytest.raises(RerunError) as caught:
        actions.prepare_rerun(aws.clients, RUN, "Report failure")
    assert str(caught.value) == ("'Report failure' never ran in this execution, so there is no input to start it "
                                 "with; pick a state that ran.")
    _machine_for_execution(aws, CATCH_DEFINITION)
    with pytest.raises(RerunError) as caught:
        actions.prepare_rerun(aws.clients, RUN, "Nope")
    assert str(caught.value) == "'Nope' is not a state of this state machine; pick one from its graph."


# -- the helper: created, updated, reused ----------------------------------------------------
def _plan(execution_name: str = "run-7") -> actions.RerunPlan:
    definition = helper_definition(CATCH_DEFINITION, "Load", MACHINE)
    return actions.RerunPlan(
        execution_arn=execution_arn(MACHINE, execution_name), execution_name=execution_name,
        state_machine_arn=machine_arn(MACHINE), state_machine_name=MACHINE, role_arn=ROLE, chosen_state="Load",
        start_state="Load", enclosing_type=None, input_text='{"id": "x"}', entered_at=at(3),
        helper_name="mlops-inference--from-Load", helper_arn=machine_arn("mlops-inference--from-Load"),
        helper_definition=definition)


def _existing_helper(aws, plan, definition: dict, role: str = ROLE) -> None:
    aws.sfn.add_response("describe_state_machine", {
        "stateMachineArn": plan.helper_arn, "name": plan.helper_name, "definition": json.dumps(definition),
        "roleArn": role, "type": "STANDARD", "creationDate": at(0)}, {"stateMachineArn": plan.helper_arn})


def test_an_unchanged_helper_is_reused_as_it_is(aws):
    plan = _plan()
    _existing_helper(aws, plan, plan.helper_definition)
    assert ensure_helper(aws.clients, plan) == plan.helper_arn  # no update: the Stubber allows no other call


@pytest.mark.parametrize("change", ["definition", "role"])
def test_a_helper_whose_definition_or_role_changed_is_updated(aws, change):
    plan = _plan()
    stale = {**plan.helper_definition, "States": {"Load": {"Type": "Succeed"}}}
    _existing_helper(aws, plan, stale if change == "definition" else plan.helper_definition,
                     role=ROLE if change == "definition" else ROLE + "-old")
    aws.sfn.add_response("update_state_machine", {"updateDate": at(5)}, {
        "stateMachineArn": plan.helper_arn, "definition": json.dumps(plan.helper_definition, indent=2),
        "roleArn": ROLE})
    assert ensure_helper(aws.clients, plan) == plan.helper_arn


@pytest.mark.parametrize(("code", "tags"), [
    ("StateMachineDoesNotExist", "denied"),  # no permission to read the original's tags
    ("ResourceNotFound", {}),  # an answer without a tags member
])
def test_a_missing_helper_is_created_with_its_own_tags_when_the_originals_cannot_be_read(aws, code, tags):
    plan = _plan()
    aws.error("describe_state_machine", code)
    if tags == "denied":
        aws.error("list_tags_for_resource", "AccessDeniedException")
    else:
        aws.sfn.add_response("list_tags_for_resource", tags)
    aws.sfn.add_response("create_state_machine", {"stateMachineArn": plan.helper_arn, "creationDate": at(1)}, {
        "name": plan.helper_name, "definition": json.dumps(plan.helper_definition, indent=2), "roleArn": ROLE,
        "type": "STANDARD", "tags": [{"key": TAG_RERUN_OF, "value": machine_arn(MACHINE)},
                                     {"key": TAG_FROM_STATE, "value": "Load"}]})
    assert ensure_helper(aws.clients, plan) == plan.helper_arn


def test_other_errors_reading_the_helper_reach_the_operator(aws):
    plan = _plan()
    aws.error("describe_state_machine", "AccessDeniedException")
    with pytest.raises(ClientError) as caught:
        ensure_helper(aws.clients, plan)
    assert caught.value.response["Error"]["Code"] == "AccessDeniedException"


def _helper_started(aws, plan, input_text: str) -> str:
    """The helper exists as planned and is started with ``input_text`` under a fresh name; the new run's ARN."""
    _existing_helper(aws, plan, plan.helper_definition)
    new_run = execution_arn(plan.helper_name, "run-7-rerun-0123abcd")
    aws.sfn.add_response("start_execution", {"executionArn": new_run, "startDate": at(2)}, {
        "stateMachineArn": plan.helper_arn, "name": Matching(r"run-7-rerun-[0-9a-f]{8}"), "input": input_text})
    return new_run


def test_a_rerun_can_start_with_an_edited_input(aws):
    plan = _plan()
    new_run = _helper_started(aws, plan, '{"id": "y"}')
    assert actions.start_rerun(aws.clients, plan, '{"id": "y"}') == new_run


def test_rerun_from_state_does_it_all_in_one_go(aws):
    _machine_for_execution(aws, CATCH_DEFINITION)
    aws.history(RUN, [_entered(3, "Task", "Load", '{"id": "x"}')], reverse=True)
    new_run = _helper_started(aws, _plan(), '{"id": "x"}')
    assert actions.rerun_from_state(aws.clients, RUN, "Load") == new_run
