"""AWS's definition rules that need the whole definition: what CreateStateMachine refuses and
ValidateStateMachineDefinition reports (codes from AWS's list of diagnostic codes)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from opsconsole.core.executions.asl import AslError, aws_definition_message, diagnose, parse_definition

DATA = Path(__file__).resolve().parents[2] / "data" / "asl"
TASK = "arn:aws:states:::lambda:invoke"


def _machine(**states):
    return {"StartAt": next(iter(states)), "States": states}


INVALID = {
    "unreachable state": (
        _machine(A={"Type": "Pass", "End": True}, B={"Type": "Pass", "End": True}),
        "MISSING_TRANSITION_TARGET", "/States/B"),
    "unreachable state inside a Parallel branch": (
        _machine(P={"Type": "Parallel", "End": True, "Branches": [
            _machine(A={"Type": "Succeed"}, Lost={"Type": "Succeed"})]}),
        "MISSING_TRANSITION_TARGET", "/States/P/Branches/0/States/Lost"),
    "JSONPath field on a JSONata state": (
        {"QueryLanguage": "JSONata", **_machine(A={"Type": "Pass", "InputPath": "$.x", "End": True})},
        "SCHEMA_VALIDATION_FAILED", "/States/A/InputPath"),
    "Parameters on a state that turns to JSONata": (
        _machine(A={"Type": "Task", "QueryLanguage": "JSONata", "Resource": TASK, "Parameters": {}, "End": True}),
        "SCHEMA_VALIDATION_FAILED", "/States/A/Parameters"),
    "ResultSelector, ResultPath, OutputPath on JSONata": (
        {"QueryLanguage": "JSONata", **_machine(A={"Type": "Task", "Resource": TASK, "OutputPath": "$",
                                                   "End": True})},
        "SCHEMA_VALIDATION_FAILED", "/States/A/OutputPath"),
    "Arguments on a JSONPath state": (
        _machine(A={"Type": "Task", "Resource": TASK, "Arguments": {}, "End": True}),
        "SCHEMA_VALIDATION_FAILED", "/States/A/Arguments"),
    "Output on a JSONPath state": (
        _machine(A={"Type": "Pass", "Output": {}, "End": True}),
        "SCHEMA_VALIDATION_FAILED", "/States/A/Output"),
    "States.ALL not last in Retry": (
        _machine(A={"Type": "Task", "Resource": TASK, "End": True, "Retry": [
            {"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["States.Timeout"]}]}),
        "SCHEMA_VALIDATION_FAILED", "/States/A/Retry/0/ErrorEquals"),
    "States.ALL not alone in Catch": (
        _machine(A={"Type": "Task", "Resource": TASK, "End": True, "Catch": [
            {"ErrorEquals": ["States.ALL", "States.Timeout"], "Next": "F"}]}, F={"Type": "Fail"}),
        "SCHEMA_VALIDATION_FAILED", "/States/A/Catch/0/ErrorEquals"),
    "Catch to a missing state": (
        _machine(A={"Type": "Task", "Resource": TASK, "End": True, "Catch": [
            {"ErrorEquals": ["States.ALL"], "Next": "Nowhere"}]}),
        "MISSING_TRANSITION_TARGET", "/States/A/Catch/0/Next"),
    "missing End inside a Map processor": (
        _machine(M={"Type": "Map", "End": True, "ItemProcessor": _machine(A={"Type": "Pass"})}),
        "SCHEMA_VALIDATION_FAILED", None),
    "Retry on a Pass state": (
        _machine(A={"Type": "Pass", "End": True, "Retry": [{"ErrorEquals": ["States.ALL"]}]}),
        "SCHEMA_VALIDATION_FAILED", "/States/A/Retry"),
    "Wait without a time": (
        _machine(A={"Type": "Wait", "End": True}), "SCHEMA_VALIDATION_FAILED", "/States/A"),
    "no terminal state": (
        _machine(A={"Type": "Pass", "Next": "B"}, B={"Type": "Pass", "Next": "A"}),
        "MISSING_END_STATE", "/States"),
    "a Task whose Resource is no ARN": (
        _machine(A={"Type": "Task", "Resource": "lambda", "End": True}), "INVALID_RESOURCE", "/States/A/Resource"),
    "ItemReader in an inline Map": (
        _machine(M={"Type": "Map", "End": True, "ItemReader": {"Resource": "arn:aws:states:::s3:getObject"},
                    "ItemProcessor": _machine(A={"Type": "Succeed"})}),
        "SCHEMA_VALIDATION_FAILED", "/States/M/ItemReader"),
    "distributed Map without ExecutionType": (
        _machine(M={"Type": "Map", "End": True, "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED"}, **_machine(A={"Type": "Succeed"})}}),
        "SCHEMA_VALIDATION_FAILED", "/States/M/ItemProcessor/ProcessorConfig/ExecutionType"),
    "heartbeat not under the timeout": (
        _machine(A={"Type": "Task", "Resource": TASK, "TimeoutSeconds": 10, "HeartbeatSeconds": 10, "End": True}),
        "SCHEMA_VALIDATION_FAILED", "/States/A/HeartbeatSeconds"),
    "state name over 80 characters": (
        _machine(**{"A" * 81: {"Type": "Succeed"}}), "INVALID_STATE_NAME", "/States/" + "A" * 81),
}


@pytest.mark.parametrize("case", sorted(INVALID))
def test_aws_refuses_these_definitions_and_the_diagnostic_says_where(case):
    definition, code, location = INVALID[case]
    with pytest.raises(AslError):
        parse_definition(definition)
    found = diagnose(json.dumps(definition))
    assert found, case
    assert found[0].severity == "ERROR" and found[0].code == code
    if location:
        assert found[0].location == location


def test_every_rule_problem_is_listed_not_only_the_first():
    definition = _machine(A={"Type": "Pass", "End": True}, B={"Type": "Pass", "End": True},
                          C={"Type": "Pass", "Output": {}, "End": True})
    found = diagnose(definition)
    assert [(d.code, d.location) for d in found] == [
        ("MISSING_TRANSITION_TARGET", "/States/B"), ("MISSING_TRANSITION_TARGET", "/States/C"),
        ("SCHEMA_VALIDATION_FAILED", "/States/C/Output")]


def test_the_create_message_is_in_aws_style():
    found = diagnose(_machine(A={"Type": "Pass", "End": True}, B={"Type": "Pass", "End": True}))
    assert aws_definition_message(found) == (
        "Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: State \"B\" is not reachable. at /States/B'")


def test_json_and_empty_definitions_have_their_own_codes():
    assert diagnose('{"StartAt": ')[0].code == "INVALID_JSON_DESCRIPTION"
    assert diagnose("")[0].code == "MISSING_DESCRIPTION"
    assert diagnose(_machine(A={"Type": "Pass", "End": True}, A2={"Type": "Parallel", "End": True, "Branches": [
        _machine(A={"Type": "Succeed"})]}))[0].code == "DUPLICATE_STATE_NAME"


def test_a_valid_distributed_map_with_item_batcher_and_express_children_is_accepted():
    text = (DATA / "distributed_map.json").read_text(encoding="utf-8")
    assert diagnose(text) == []
    assert diagnose(text, "EXPRESS") == []
    assert "Classify batch" in parse_definition(text).states


def test_an_express_machine_cannot_wait_for_a_task_token_or_a_job():
    definition = _machine(A={"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                             "End": True})
    assert diagnose(definition) == []
    found = diagnose(definition, "EXPRESS")
    assert [d.location for d in found] == ["/States/A/Resource"]


def test_states_all_alone_in_the_last_entry_is_fine_and_catch_may_reach_a_state():
    definition = _machine(A={"Type": "Task", "Resource": TASK, "Next": "B",
                             "Retry": [{"ErrorEquals": ["States.Timeout"]}, {"ErrorEquals": ["States.ALL"]}],
                             "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handle"}]},
                          B={"Type": "Succeed"}, Handle={"Type": "Fail", "Error": "X"})
    assert diagnose(definition) == []


@pytest.mark.parametrize("path", sorted(DATA.glob("*.json")), ids=lambda p: p.stem)
def test_every_real_world_definition_passes_every_rule(path):
    assert diagnose(path.read_text(encoding="utf-8")) == []
