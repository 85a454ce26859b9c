"""Step Functions refuses a tenant's calls on another tenant's state machines and executions.

AWS: ``AccessDeniedException``, HTTP 400 (Step Functions API reference, Common Errors), message
"User: <arn> is not authorized to perform: states:<Action> on resource: <arn> because no
identity-based policy allows the states:<Action> action".
"""

from __future__ import annotations

from access_support import FINANCE, RETAIL, assert_denied

MACHINE = "arn:aws:states:eu-west-1:123456789012:stateMachine:{}"


def test_a_tenant_lists_executions_of_its_own_machine(as_identity, sandbox):
    sfn = as_identity(f"tenant-{RETAIL}", "stepfunctions")
    page = sfn.list_executions(stateMachineArn=MACHINE.format("mlops-training"), maxResults=5)
    assert page["executions"]
    assert sfn.describe_state_machine(stateMachineArn=MACHINE.format("mlops-training"))["name"] == "mlops-training"


def test_another_tenants_machine_is_refused_naming_action_and_resource(as_identity):
    sfn = as_identity(f"tenant-{FINANCE}", "stepfunctions")
    arn = MACHINE.format("mlops-training")
    assert_denied(lambda: sfn.list_executions(stateMachineArn=arn), 400, "AccessDeniedException",
                  f"tenant-{FINANCE}", "states:ListExecutions", arn)
    assert_denied(lambda: sfn.start_execution(stateMachineArn=arn, input="{}"), 400, "AccessDeniedException",
                  f"tenant-{FINANCE}", "states:StartExecution", arn)


def test_an_execution_answers_to_its_machines_tenant(as_identity, sfn):
    arn = MACHINE.format("mlops-training")
    execution = sfn.list_executions(stateMachineArn=arn, maxResults=1)["executions"][0]["executionArn"]
    assert as_identity(f"tenant-{RETAIL}", "stepfunctions").describe_execution(executionArn=execution)
    other = as_identity(f"tenant-{FINANCE}", "stepfunctions")
    assert_denied(lambda: other.describe_execution(executionArn=execution), 400, "AccessDeniedException",
                  f"tenant-{FINANCE}", "states:DescribeExecution", execution)


def test_listing_machines_is_account_wide_as_in_aws(as_identity, sfn):
    # ListStateMachines takes no resource that could carry a tag: AWS cannot scope it, the console filters.
    finance = as_identity(f"tenant-{FINANCE}", "stepfunctions")
    names = {m["name"] for m in finance.list_state_machines()["stateMachines"]}
    assert names == {m["name"] for m in sfn.list_state_machines()["stateMachines"]}


def test_admin_keys_are_not_checked(sfn):
    assert sfn.list_executions(stateMachineArn=MACHINE.format("document-processing"), maxResults=1)


def test_caller_identity_is_the_tenants_user(as_identity):
    caller = as_identity(f"tenant-{RETAIL}", "sts").get_caller_identity()
    assert caller["Arn"] == f"arn:aws:iam::123456789012:user/tenant-{RETAIL}"
    assert caller["Account"] == "123456789012"
