"""The console's roles are IAM identities: the agent may not run what operations may, and IAM says so.

Refusals by an explicit Deny read "... with an explicit deny in an identity-based policy" (IAM
User Guide, access denied error messages). iam:SimulatePrincipalPolicy answers ``EvalDecision``
``allowed`` / ``explicitDeny`` / ``implicitDeny`` per action and resource (IAM API reference).
"""

from __future__ import annotations

import pytest
from access_support import RETAIL, assert_denied, user

MACHINE = "arn:aws:states:eu-west-1:123456789012:stateMachine:mlops-training"


def test_the_agent_may_not_start_an_execution_and_operations_may(as_identity):
    agent = as_identity("agent", "stepfunctions")
    assert agent.describe_state_machine(stateMachineArn=MACHINE)
    assert_denied(lambda: agent.start_execution(stateMachineArn=MACHINE, input="{"), 400, "AccessDeniedException",
                  "agent", "states:StartExecution", MACHINE, explicit=True)
    # operations is allowed: the request reaches Step Functions, which refuses the bad input itself
    ops = as_identity("operations", "stepfunctions")
    with pytest.raises(ops.exceptions.InvalidExecutionInput):
        ops.start_execution(stateMachineArn=MACHINE, input="{")


def test_simulate_principal_policy_answers_each_roles_permissions(as_identity, client):
    iam = client("iam")  # the admin asks about the agent
    results = iam.simulate_principal_policy(
        PolicySourceArn=user("agent"), ActionNames=["states:StartExecution", "states:DescribeExecution"],
        ResourceArns=[MACHINE])["EvaluationResults"]
    assert {(r["EvalActionName"], r["EvalDecision"]) for r in results} == {
        ("states:StartExecution", "explicitDeny"), ("states:DescribeExecution", "allowed")}
    own = as_identity("operations", "iam").simulate_principal_policy(
        PolicySourceArn=user("operations"), ActionNames=["states:StartExecution"])["EvaluationResults"]
    assert [r["EvalDecision"] for r in own] == ["allowed"]


def test_simulation_of_a_tenant_reads_the_resource_tag_from_the_context(client):
    iam = client("iam")
    asked = {"PolicySourceArn": user(f"tenant-{RETAIL}"), "ActionNames": ["states:StartExecution"],
             "ResourceArns": [MACHINE]}
    tagged = [{"ContextKeyName": "aws:ResourceTag/tenant", "ContextKeyValues": [RETAIL], "ContextKeyType": "string"}]
    assert iam.simulate_principal_policy(**asked, ContextEntries=tagged)["EvaluationResults"][0]["EvalDecision"] \
        == "allowed"
    assert iam.simulate_principal_policy(**asked)["EvaluationResults"][0]["EvalDecision"] == "implicitDeny"


def test_simulation_names_the_context_a_conditional_allow_needs(client):
    result = client("iam").simulate_principal_policy(
        PolicySourceArn=user(f"tenant-{RETAIL}"), ActionNames=["states:StartExecution"])["EvaluationResults"][0]
    assert (result["EvalDecision"], result["MissingContextValues"]) == ("implicitDeny", ["aws:ResourceTag/tenant"])


def test_the_admin_principal_is_simulated_as_allowed_everything(client):
    admin = client("sts").get_caller_identity()["Arn"]
    result = client("iam").simulate_principal_policy(
        PolicySourceArn=admin, ActionNames=["lex:BuildBotLocale", "states:StartExecution"])["EvaluationResults"]
    assert [r["EvalDecision"] for r in result] == ["allowed", "allowed"]


def test_an_unknown_identity_is_refused_naming_the_ones_there_are(sandbox):
    from opsconsole.core.errors import DomainError

    with pytest.raises(DomainError) as refused:
        sandbox.credentials_for("tenant-nobody")
    assert "tenant-retail-compliance" in refused.value.message and "operations" in refused.value.message


def test_the_console_connects_as_an_identity_only_to_the_sandbox():
    from opsconsole.app import parse_args

    assert parse_args(["--sandbox", "--sandbox-identity", "agent"]).sandbox_identity == "agent"
    assert parse_args(["--sandbox"]).sandbox_identity == "admin"
    with pytest.raises(SystemExit):
        parse_args(["--sandbox-identity", "agent"])
