"""AWS's definition rules that need the whole definition: what CreateStateMachine refuses and
ValidateStateMachineDefinition reports (codes from AWS's list of diagnostic codes)."""

from __future__ import annotations

import json
import re
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
    [twice] = diagnose(_machine(A={"Type": "Pass", "End": True}, A2={"Type": "Parallel", "End": True, "Branches": [
        _machine(A={"Type": "Succeed"})]}))
    assert (twice.code, twice.location) == ("DUPLICATE_STATE_NAME", "/States/A2/Branches/0/States/A")
    assert twice.message == 'state name "A" is used twice: States.A and States.A2.Branches[0].States.A'


@pytest.mark.parametrize(("text", "message"), [
    (b'{"a": 1, "a": 2}', 'not JSON AWS would take: key "a" appears twice in one object'),
    ('{"a": NaN}', "not JSON AWS would take: NaN is not valid JSON"),
    (b'{"a": "\xff"}', "not JSON AWS would take: 'utf-8' codec can't decode byte 0xff in position 7: "
                        "invalid start byte"),
])
def test_json_python_would_read_but_aws_would_not_is_refused_as_invalid_json(text, message):
    assert [(d.severity, d.code, d.message, d.location) for d in diagnose(text)] == [
        ("ERROR", "INVALID_JSON_DESCRIPTION", message, None)]
    with pytest.raises(AslError, match="^" + re.escape(message) + "$"):
        parse_definition(text)


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


def _task(**fields):
    return {"Type": "Task", "Resource": TASK, "End": True, **fields}


def _map(processor_config=None, key="ItemProcessor", **fields):
    processor = _machine(A={"Type": "Succeed"})
    if processor_config is not None:
        processor["ProcessorConfig"] = processor_config
    return _machine(M={"Type": "Map", "End": True, key: processor, **fields})


_DIST = {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"}

# What the definition editor lists (ValidateStateMachineDefinition's diagnostics), word for word.
READ_AS = {
    "a JSONata state with JSONPath's fields": (
        {"QueryLanguage": "JSONata", **_machine(A={"Type": "Pass", "ResultPath": "$.r", "Comment": "x",
                                                   "End": True})},
        "STANDARD",
        [("/States/A/ResultPath", 'The field "ResultPath" is not supported for a JSONata state; '
                                  "use Arguments, Output, Items or Assign.")]),
    "a JSONPath state with JSONata's Items": (
        _map(Items=[1, 2]), "STANDARD",
        [("/States/M/Items", 'The field "Items" is supported only for a JSONata state ("QueryLanguage": "JSONata").')]),
    "Choice rules in the other language": (
        _machine(C={"Type": "Choice", "Default": "D", "Choices": [
            {"Condition": "{% true %}", "Next": "D"}]}, D={"Type": "Succeed"},
            J={"Type": "Choice", "QueryLanguage": "JSONata", "Default": "D", "Choices": [
                {"Variable": "$.x", "IsPresent": True, "Next": "D"}]}),
        "STANDARD",
        [("/States/C/Choices/0/Condition", "Condition is supported only for a JSONata state."),
         ("/States/J", 'State "J" is not reachable.'),
         ("/States/J/Choices/0", "A JSONata Choice rule needs a Condition.")]),
    "resources that are no ARN, and one a JSONata expression may be": (
        {"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "score", "Next": "B"},
                                    "B": {"Type": "Task", "QueryLanguage": "JSONata", "Resource": "{% $fn %}",
                                          "Next": "C"},
                                    "C": {"Type": "Task", "Resource": "{% $fn %}", "End": True}}},
        "STANDARD",
        [("/States/A/Resource", '"score" is not a valid resource ARN.'),
         ("/States/C/Resource", '"{% $fn %}" is not a valid resource ARN.')]),
    "an EXPRESS machine starting a job and waiting for it": (
        _machine(A=_task(Resource="arn:aws:states:::glue:startJobRun.sync")), "EXPRESS",
        [("/States/A/Resource", "Express state machine does not support '.sync' service integration.")]),
    "timeouts that are no positive integers": (
        _machine(A=_task(TimeoutSeconds=0, HeartbeatSeconds=True, Next="B", End=None),
                 B=_task(TimeoutSeconds="{% $t %}", HeartbeatSeconds="5")),
        "STANDARD",
        [("/States/A/TimeoutSeconds", "TimeoutSeconds must be a positive integer."),
         ("/States/A/HeartbeatSeconds", "HeartbeatSeconds must be a positive integer."),
         ("/States/A/HeartbeatSeconds", "HeartbeatSeconds must be smaller than TimeoutSeconds."),
         ("/States/B/HeartbeatSeconds", "HeartbeatSeconds must be a positive integer.")]),
    "a timeout given twice, and a heartbeat not under it": (
        _machine(A=_task(TimeoutSeconds=10, TimeoutSecondsPath="$.t", HeartbeatSeconds=10)), "STANDARD",
        [("/States/A/TimeoutSecondsPath", "A Task state cannot have both TimeoutSeconds and TimeoutSecondsPath."),
         ("/States/A/HeartbeatSeconds", "HeartbeatSeconds must be smaller than TimeoutSeconds.")]),
    "a Wait with two times, and one with none": (
        _machine(A={"Type": "Wait", "Seconds": 5, "TimestampPath": "$.t", "Next": "B"},
                 B={"Type": "Wait", "End": True}),
        "STANDARD",
        [("/States/A", "A Wait state needs exactly one of Seconds, Timestamp, SecondsPath or TimestampPath "
                       "(it has Seconds, TimestampPath)."),
         ("/States/B", "A Wait state needs exactly one of Seconds, Timestamp, SecondsPath or TimestampPath.")]),
    "a Fail with an error and a cause given twice": (
        _machine(F={"Type": "Fail", "Error": "E", "ErrorPath": "$.e", "Cause": "C", "CausePath": "$.c"}),
        "STANDARD",
        [("/States/F/ErrorPath", "A Fail state cannot have both Error and ErrorPath."),
         ("/States/F/CausePath", "A Fail state cannot have both Cause and CausePath.")]),
    "retriers and catchers without error names": (
        _machine(A=_task(Retry=[{"MaxAttempts": 2}, {"ErrorEquals": []}],
                         Catch=[{"ErrorEquals": ["States.ALL", "States.Timeout"], "Next": "F"},
                                {"ErrorEquals": ["States.Timeout"], "Next": "F"}]),
                 F={"Type": "Fail"}),
        "STANDARD",
        [("/States/A/Retry/0/ErrorEquals", "ErrorEquals is missing."),
         ("/States/A/Retry/1/ErrorEquals", "ErrorEquals needs at least one error name."),
         ("/States/A/Catch/0/ErrorEquals", '"States.ALL" must appear alone in ErrorEquals.'),
         ("/States/A/Catch/0/ErrorEquals", '"States.ALL" must be in the last Catch entry.')]),
    "a retrier that is no object": (
        _machine(A=_task(Retry=["States.ALL"])), "STANDARD",
        [("/States/A/Retry/0/ErrorEquals", "ErrorEquals is missing.")]),
    "Retry on a Succeed state": (
        _machine(S={"Type": "Succeed", "Retry": []}), "STANDARD",
        [("/States/S/Retry", "A Succeed state cannot have Retry.")]),
    "a distributed Map on an Iterator, without an ExecutionType": (
        _map({"Mode": "DISTRIBUTED"}, key="Iterator"), "STANDARD",
        [("/States/M/Iterator", "A distributed Map needs ItemProcessor (Iterator is for inline Maps only)."),
         ("/States/M/Iterator/ProcessorConfig/ExecutionType",
          "A distributed Map needs ProcessorConfig.ExecutionType STANDARD or EXPRESS.")]),
    "STANDARD children of an EXPRESS machine": (
        _map({"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}), "EXPRESS",
        [("/States/M/ItemProcessor/ProcessorConfig/ExecutionType",
          "An EXPRESS state machine can run only EXPRESS child workflows.")]),
    "a distributed Map's fields out of shape": (
        _map(_DIST, ToleratedFailurePercentage=101, ItemBatcher=[], ItemReader={"ReaderConfig": {}},
             MaxConcurrency=-1),
        "STANDARD",
        [("/States/M/ToleratedFailurePercentage", "ToleratedFailurePercentage must be between 0 and 100."),
         ("/States/M/ItemBatcher", "ItemBatcher must be an object."),
         ("/States/M/ItemReader", "ItemReader needs a Resource."),
         ("/States/M/MaxConcurrency", "MaxConcurrency must be a non-negative integer.")]),
    "a tolerated failure percentage that is a flag or text": (
        _machine(M=_map(_DIST, ToleratedFailurePercentage=True)["States"]["M"] | {"Next": "N", "End": None},
                 N={"Type": "Map", "End": True, "ToleratedFailurePercentage": "5", "ItemProcessor": {
                     "ProcessorConfig": _DIST, **_machine(B={"Type": "Succeed"})}}),
        "STANDARD",
        [("/States/M/ToleratedFailurePercentage", "ToleratedFailurePercentage must be between 0 and 100."),
         ("/States/N/ToleratedFailurePercentage", "ToleratedFailurePercentage must be between 0 and 100.")]),
    "an inline Map with a distributed Map's fields": (
        _map({"ExecutionType": "EXPRESS"}, ItemReader={"Resource": "arn:aws:states:::s3:getObject"},
             ItemBatcher={}, ResultWriter={}, MaxConcurrency=True),
        "STANDARD",
        [("/States/M/ItemReader", "ItemReader is supported only in a distributed Map (ProcessorConfig.Mode DISTRIBUTED)."),
         ("/States/M/ItemBatcher", "ItemBatcher is supported only in a distributed Map (ProcessorConfig.Mode DISTRIBUTED)."),
         ("/States/M/ResultWriter", "ResultWriter is supported only in a distributed Map (ProcessorConfig.Mode DISTRIBUTED)."),
         ("/States/M/ItemProcessor/ProcessorConfig/ExecutionType", "ExecutionType is supported only in a distributed Map."),
         ("/States/M/MaxConcurrency", "MaxConcurrency must be a non-negative integer.")]),
    "a state name too long, and no way to end": (
        _machine(**{"N" * 81: {"Type": "Pass", "Next": "N" * 81}}), "STANDARD",
        [("/States/" + "N" * 81, "State name is longer than 80 characters."),
         ("/States", "Workflow has no terminal state.")]),
}


def _drop_none(value):
    """Lets a case say ``End=None`` to take a field out of a helper's state."""
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


@pytest.mark.parametrize("case", sorted(READ_AS))
def test_every_rule_problem_reads_as_the_definition_editor_lists_it(case):
    definition, machine_type, expected = READ_AS[case]
    definition = _drop_none(definition)
    found = [d.as_api() for d in diagnose(json.dumps(definition), machine_type)]
    assert [(d["severity"], d["location"], d["message"]) for d in found] == [
        ("ERROR", location, message) for location, message in expected]
    first_location, first_message = expected[0]
    with pytest.raises(AslError) as caught:
        parse_definition(definition, machine_type)
    # The console's one-line reason: the first problem, where it is written as the other reasons write paths.
    where = re.sub(r"/(\d+)", r"[\1]", first_location).strip("/").replace("/", ".")
    assert str(caught.value) == f"{where}: {first_message}"
    assert (caught.value.code, caught.value.location) == (found[0]["code"], first_location)


def test_a_valid_jsonata_definition_and_limits_at_their_edges_are_accepted():
    definition = {"QueryLanguage": "JSONata", **_machine(
        A={"Type": "Task", "Resource": "{% $fn %}", "TimeoutSeconds": 2, "HeartbeatSeconds": 1, "Next": "M",
           "Arguments": {"x": "{% $states.input.x %}"}},
        M={"Type": "Map", "End": True, "Items": "{% $states.input.items %}", "MaxConcurrency": "{% $n %}",
           "ToleratedFailurePercentage": 100, "ItemProcessor": {
               "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
               **_machine(B={"Type": "Succeed"})}})}
    assert diagnose(definition) == []
    assert diagnose(_map(_DIST, ToleratedFailurePercentage=0, MaxConcurrency=0)) == []


def test_diagnostics_carry_no_location_when_there_is_none():
    empty = diagnose("  ")
    assert [d.as_api() for d in empty] == [
        {"severity": "ERROR", "code": "MISSING_DESCRIPTION", "message": "The definition is empty."}]
    assert diagnose(None) == empty
    assert diagnose(b"") == empty
    bad = diagnose(b'{"StartAt": "A",}')
    assert [(d.code, d.location) for d in bad] == [("INVALID_JSON_DESCRIPTION", None)]
    assert aws_definition_message(empty + bad) == (
        "Invalid State Machine Definition: 'MISSING_DESCRIPTION: The definition is empty., "
        f"INVALID_JSON_DESCRIPTION: {bad[0].message}'")


def test_a_jsonpath_field_name_in_a_jsonata_state_is_named_as_written():
    definition = {"QueryLanguage": "JSONata", **_machine(A={"Type": "Pass", "Parameters.$": "$", "End": True})}
    assert [d.location for d in diagnose(definition)] == ["/States/A/Parameters.$"]
    with pytest.raises(AslError, match=r'^States\.A\.Parameters\.\$: The field "Parameters\.\$" uses a JSONPath '
                                       r'"\.\$" name in a JSONata state\.$'):
        parse_definition(definition)


@pytest.mark.parametrize(("name", "location"), [
    ("VAT and TAX", "/States/VAT and TAX"),
    ("Train/evaluate", "/States/Train~1evaluate"),
    ("Step 2/", "/States/Step 2~1"),
    ("~/tmp", "/States/~0~1tmp"),
    ("Fan out 10", "/States/Fan out 10"),
])
def test_the_reason_names_a_state_as_it_is_written_whatever_its_characters(name, location):
    definition = _machine(A={"Type": "Succeed"}, **{name: {"Type": "Succeed"}})
    with pytest.raises(AslError) as caught:
        parse_definition(definition)
    assert str(caught.value) == f'States.{name}: State "{name}" is not reachable.'
    # ValidateStateMachineDefinition's JSON pointer escapes "/" and "~" (RFC 6901).
    assert [d.location for d in diagnose(definition)] == [location]


def test_a_rule_problem_inside_a_branch_of_a_state_named_with_a_slash_is_located_there():
    definition = _machine(**{"Fan/out": {"Type": "Parallel", "End": True, "Branches": [
        _machine(**{"Score/1": {"Type": "Wait", "End": True}})]}})
    [found] = diagnose(definition)
    assert found.location == "/States/Fan~1out/Branches/0/States/Score~11"
    with pytest.raises(AslError, match=r"^States\.Fan/out\.Branches\[0\]\.States\.Score/1: A Wait state needs"):
        parse_definition(definition)


def _branch(ql=None, **states):
    scope = _machine(**states)
    return {"QueryLanguage": ql, **scope} if ql else scope


def test_the_rules_apply_inside_branches_and_processors_with_the_machine_type_and_query_language():
    sync = "arn:aws:states:::glue:startJobRun.sync"
    nested = _machine(P={"Type": "Parallel", "Next": "M", "Branches": [_branch(A=_task(Resource=sync))]},
                      M={"Type": "Map", "End": True, "ItemProcessor": _machine(B=_task(Resource=sync))})
    assert diagnose(nested) == []
    assert [d.location for d in diagnose(nested, "EXPRESS")] == [
        "/States/P/Branches/0/States/A/Resource", "/States/M/ItemProcessor/States/B/Resource"]
    jsonata = {"QueryLanguage": "JSONata", **_machine(
        P={"Type": "Parallel", "Next": "M", "Branches": [_branch(A={"Type": "Pass", "Output": {}, "End": True})]},
        M={"Type": "Map", "End": True, "ItemProcessor": _machine(B={"Type": "Pass", "ResultPath": "$", "End": True})})}
    assert [d.location for d in diagnose(jsonata)] == ["/States/M/ItemProcessor/States/B/ResultPath"]
    own = _machine(P={"Type": "Parallel", "End": True, "Branches": [
        _branch("JSONata", A={"Type": "Pass", "ResultPath": "$", "End": True})]})
    assert [d.location for d in diagnose(own)] == ["/States/P/Branches/0/States/A/ResultPath"]


def test_a_state_name_of_exactly_80_characters_is_fine():
    assert diagnose(_machine(**{"N" * 80: {"Type": "Succeed"}})) == []


@pytest.mark.parametrize(("definition", "code", "location", "reason"), [
    (_machine(A={"Type": "Pass", "Next": "Nowhere"}), "MISSING_TRANSITION_TARGET", "/States/A/Next",
     'States.A.Next points to missing state "Nowhere"'),
    (_machine(P={"Type": "Parallel", "Next": "Done", "Branches": [_machine(A={"Type": "Pass", "Next": "Done"})]},
              Done={"Type": "Succeed"}),
     "MISSING_TRANSITION_TARGET", "/States/P/Branches/0/States/A/Next",
     'States.P.Branches[0].States.A.Next points to "Done", which is outside its own branch or processor'),
    (_machine(A={"Type": "Pass", "Next": 5}), "SCHEMA_VALIDATION_FAILED", None, "States.A.Next must be a state name"),
    (_machine(A={"Type": "Choice", "Choices": "x"}), "SCHEMA_VALIDATION_FAILED", None,
     "States.A: Choice needs a non-empty Choices list"),
])
def test_structural_problems_carry_aws_code_and_location(definition, code, location, reason):
    with pytest.raises(AslError) as caught:
        parse_definition(definition)
    assert (str(caught.value), caught.value.code, caught.value.location) == (reason, code, location)
    assert [(d.code, d.message, d.location) for d in diagnose(definition)] == [(code, reason, location)]
