"""Re-running a finished execution from a chosen state, end to end against the sandbox."""

from __future__ import annotations

import json
import uuid

import pytest
from botocore.exceptions import ClientError

from opsconsole.core.errors import ErrorKind, describe
from opsconsole.core.executions import actions
from opsconsole.core.executions.actions.rerun import TAG_FROM_STATE, TAG_RERUN_OF, RerunError, ensure_helper, helper_definition
from opsconsole.core.executions.listing import describe_execution
from support import wait_until

ROLE = "arn:aws:iam::123456789012:role/mlops-stepfunctions-execution"

DEFINITION = {
    "Comment": "Prepare, fan out, transform: a small pipeline with a Parallel and a Choice.",
    "StartAt": "Prepare",
    "States": {
        "Prepare": {"Type": "Pass", "Result": {"batch": 7}, "ResultPath": "$.prepared", "Next": "Fan out"},
        "Fan out": {"Type": "Parallel", "ResultPath": "$.fan", "Next": "Route", "Branches": [
            {"StartAt": "Left", "States": {"Left": {"Type": "Pass", "Result": "L", "End": True}}},
            {"StartAt": "Right", "States": {"Right": {"Type": "Pass", "Result": "R", "End": True}}}]},
        "Route": {"Type": "Choice", "Choices": [{"Variable": "$.mode", "StringEquals": "special", "Next": "Special"}],
                  "Default": "Transform"},
        "Special": {"Type": "Pass", "Next": "Finish"},
        "Transform": {"Type": "Pass", "Parameters": {"batch.$": "$.prepared.batch", "fan.$": "$.fan"},
                      "ResultPath": "$.transformed", "Next": "Finish"},
        "Finish": {"Type": "Succeed"},
    },
}


def _finished(clients, arn: str) -> str:
    return wait_until(lambda: (s := describe_execution(clients, arn).status) != "RUNNING" and s, what=arn)


@pytest.fixture
def finished_run(sandbox_clients):
    """A SUCCEEDED execution of a machine of this test's own; its helpers are deleted afterwards."""
    sfn = sandbox_clients.client("stepfunctions")
    name = f"rerun-test-{uuid.uuid4().hex[:8]}"
    machine = sfn.create_state_machine(name=name, definition=json.dumps(DEFINITION), roleArn=ROLE,
                                       tags=[{"key": "tenant", "value": "retail-compliance"}])["stateMachineArn"]
    arn = actions.start_execution(sandbox_clients, machine, json.dumps({"mode": "normal", "country": "DE"}))
    assert _finished(sandbox_clients, arn) == "SUCCEEDED"
    yield arn
    for item in sfn.list_state_machines()["stateMachines"]:
        if item["name"] == name or item["name"].startswith(f"{name}--from-"):
            sfn.delete_state_machine(stateMachineArn=item["stateMachineArn"])


def _entered(clients, arn: str) -> list[dict]:
    return [e["stateEnteredEventDetails"] for e in actions.execution_history(clients, arn)
            if "stateEnteredEventDetails" in e]


def test_rerun_starts_a_new_execution_at_the_chosen_state_with_its_recorded_input(sandbox_clients, finished_run):
    original = {d["name"]: d for d in _entered(sandbox_clients, finished_run)}
    new_arn = actions.rerun_from_state(sandbox_clients, finished_run, "Transform")
    assert new_arn != finished_run
    machine_name = new_arn.split(":")[6]
    assert machine_name.endswith("--from-Transform")
    assert _finished(sandbox_clients, new_arn) == "SUCCEEDED"
    rerun = _entered(sandbox_clients, new_arn)
    assert [d["name"] for d in rerun] == ["Transform", "Finish"]
    assert json.loads(rerun[0]["input"]) == json.loads(original["Transform"]["input"])
    sfn = sandbox_clients.client("stepfunctions")
    out_new = json.loads(sfn.describe_execution(executionArn=new_arn)["output"])
    out_old = json.loads(sfn.describe_execution(executionArn=finished_run)["output"])
    assert out_new == out_old
    helper = sfn.describe_state_machine(stateMachineArn=new_arn.rsplit(":", 1)[0].replace(":execution:", ":stateMachine:"))
    assert set(json.loads(helper["definition"])["States"]) == {"Transform", "Finish"}
    assert helper["roleArn"] == ROLE
    tags = {t["key"]: t["value"] for t in sfn.list_tags_for_resource(resourceArn=helper["stateMachineArn"])["tags"]}
    assert tags["tenant"] == "retail-compliance" and tags[TAG_FROM_STATE] == "Transform"
    assert tags[TAG_RERUN_OF].endswith(":stateMachine:" + finished_run.split(":")[6])


def test_a_nested_state_reruns_from_its_enclosing_top_level_state(sandbox_clients, finished_run):
    plan = actions.prepare_rerun(sandbox_clients, finished_run, "Left")
    assert plan.nested and (plan.start_state, plan.enclosing_type) == ("Fan out", "Parallel")
    assert plan.helper_name.endswith("--from-Fan-out")
    original = {d["name"]: d for d in _entered(sandbox_clients, finished_run)}
    assert json.loads(plan.input_text) == json.loads(original["Fan out"]["input"])
    new_arn = actions.start_rerun(sandbox_clients, plan)
    assert _finished(sandbox_clients, new_arn) == "SUCCEEDED"
    assert [d["name"] for d in _entered(sandbox_clients, new_arn)][:1] == ["Fan out"]


MAP_DEFINITION = {
    "StartAt": "Prepare",
    "States": {
        "Prepare": {"Type": "Pass", "Result": ["a", "b", "c"], "ResultPath": "$.items", "Next": "Per item"},
        "Per item": {"Type": "Map", "ItemsPath": "$.items", "ResultPath": "$.scored", "Next": "Done",
                     "ItemProcessor": {"StartAt": "Score", "States": {
                         "Score": {"Type": "Pass", "Parameters": {"item.$": "$", "score": 1}, "End": True}}}},
        "Done": {"Type": "Succeed"},
    },
}


@pytest.fixture
def finished_map_run(sandbox_clients):
    """A SUCCEEDED execution of a machine with an inline Map; its helpers are deleted afterwards."""
    sfn = sandbox_clients.client("stepfunctions")
    name = f"rerun-map-{uuid.uuid4().hex[:8]}"
    machine = sfn.create_state_machine(name=name, definition=json.dumps(MAP_DEFINITION), roleArn=ROLE)["stateMachineArn"]
    arn = actions.start_execution(sandbox_clients, machine, json.dumps({"batch": 3}))
    assert _finished(sandbox_clients, arn) == "SUCCEEDED"
    yield arn
    for item in sfn.list_state_machines()["stateMachines"]:
        if item["name"] == name or item["name"].startswith(f"{name}--from-"):
            sfn.delete_state_machine(stateMachineArn=item["stateMachineArn"])


def test_a_state_inside_a_map_reruns_the_whole_map_with_its_recorded_input(sandbox_clients, finished_map_run):
    plan = actions.prepare_rerun(sandbox_clients, finished_map_run, "Score")
    assert plan.nested and (plan.start_state, plan.enclosing_type) == ("Per item", "Map")
    assert plan.helper_name.endswith("--from-Per-item")
    assert set(plan.helper_definition["States"]) == {"Per item", "Done"}
    original = {d["name"]: d for d in _entered(sandbox_clients, finished_map_run)}
    assert json.loads(plan.input_text) == json.loads(original["Per item"]["input"])
    new_arn = actions.start_rerun(sandbox_clients, plan)
    assert _finished(sandbox_clients, new_arn) == "SUCCEEDED"
    entered = [d["name"] for d in _entered(sandbox_clients, new_arn)]
    assert entered[0] == "Per item" and entered.count("Score") == 3 and "Prepare" not in entered
    sfn = sandbox_clients.client("stepfunctions")
    out = json.loads(sfn.describe_execution(executionArn=new_arn)["output"])
    assert out["scored"] == [{"item": item, "score": 1} for item in ("a", "b", "c")]


def test_the_helper_is_reused_and_follows_the_original(sandbox_clients, finished_run):
    first = actions.rerun_from_state(sandbox_clients, finished_run, "Transform")
    second = actions.rerun_from_state(sandbox_clients, finished_run, "Transform")
    assert first.rsplit(":", 1)[0] == second.rsplit(":", 1)[0] and first != second
    # The plan always follows the definition the original run used.
    plan = actions.prepare_rerun(sandbox_clients, finished_run, "Transform")
    assert plan.helper_definition["StartAt"] == "Transform"


def test_the_helper_is_updated_when_its_definition_changed(sandbox_clients, finished_run):
    sfn = sandbox_clients.client("stepfunctions")
    plan = actions.prepare_rerun(sandbox_clients, finished_run, "Transform")
    arn = ensure_helper(sandbox_clients, plan)
    stale = json.loads(json.dumps(plan.helper_definition))
    stale["States"]["Transform"]["Parameters"] = {"old": True}
    sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(stale))
    assert ensure_helper(sandbox_clients, plan) == arn
    assert json.loads(sfn.describe_state_machine(stateMachineArn=arn)["definition"]) == plan.helper_definition


def test_states_that_never_ran_or_do_not_exist_are_refused(sandbox_clients, finished_run):
    with pytest.raises(RerunError, match="never ran"):
        actions.prepare_rerun(sandbox_clients, finished_run, "Special")
    with pytest.raises(RerunError, match="not a state"):
        actions.prepare_rerun(sandbox_clients, finished_run, "Nope")


def test_a_refused_rerun_reaches_the_operator_as_its_sentence(sandbox_clients, finished_run):
    with pytest.raises(RerunError) as caught:
        actions.prepare_rerun(sandbox_clients, finished_run, "Special")
    err = describe(caught.value, operation="Prepare re-run")
    assert err.kind is ErrorKind.REFUSED and err.title == "Cannot re-run from this state"
    assert err.message == "'Special' never ran in this execution, so there is no input to start it with; " \
                          "pick a state that ran."


def test_helper_definition_keeps_only_what_can_still_run():
    clone = helper_definition(DEFINITION, "Route", "m")
    assert clone["StartAt"] == "Route" and set(clone["States"]) == {"Route", "Special", "Transform", "Finish"}
    assert DEFINITION["StartAt"] == "Prepare"  # the original is untouched
    assert "Re-run helper for m" in clone["Comment"]
    with pytest.raises(RerunError):
        helper_definition(DEFINITION, "Left", "m")


def test_helper_names_are_valid_and_distinct():
    names = {actions.helper_name("mlops-inference", s) for s in ("Classify item batches", "Plan batches")}
    assert names == {"mlops-inference--from-Classify-item-batches", "mlops-inference--from-Plan-batches"}
    long_a = actions.helper_name("m" * 75, "State A with a long name")
    long_b = actions.helper_name("m" * 75, "State B with a long name")
    assert long_a != long_b and len(long_a) == 80 and "--from-" in long_a
    assert actions.validate_execution_name(long_a) is None


def test_deleting_the_helper_leaves_the_original_alone(sandbox_clients, finished_run):
    sfn = sandbox_clients.client("stepfunctions")
    new_arn = actions.rerun_from_state(sandbox_clients, finished_run, "Finish")
    helper = new_arn.rsplit(":", 1)[0].replace(":execution:", ":stateMachine:")
    _finished(sandbox_clients, new_arn)
    sfn.delete_state_machine(stateMachineArn=helper)
    with pytest.raises(ClientError):
        sfn.describe_state_machine(stateMachineArn=helper)
    assert describe_execution(sandbox_clients, finished_run).status == "SUCCEEDED"
