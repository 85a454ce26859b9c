"""What the connection's identity may do: asked of IAM (the sandbox's identities and policies)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from opsconsole.core.aws import Clients, Connection
from opsconsole.core.errors import ErrorKind, describe
from opsconsole.core.executions import listing
from opsconsole.core.permissions import DEPLOY_ACTIONS, Denied, denied_permission, policy_source, probe

MACHINE = "arn:aws:states:eu-west-1:123456789012:stateMachine:{}"


def clients_as(sandbox, identity: str) -> Clients:
    keys = sandbox.credentials_for(identity)
    return Clients(Connection(region=sandbox.region, endpoint_url=sandbox.endpoint_url, sandbox=True,
                              access_key=keys["aws_access_key_id"], secret_key=keys["aws_secret_access_key"]))


def arn_of(clients: Clients) -> str:
    return clients.client("sts").get_caller_identity()["Arn"]


def test_the_agent_may_not_deploy_or_start_and_operations_may(sandbox):
    agent = clients_as(sandbox, "agent")
    permissions = probe(agent, arn_of(agent))
    assert permissions.known
    assert not any(permissions.allows(action) for action in DEPLOY_ACTIONS)
    assert not permissions.allows("states:StartExecution")
    assert permissions.why_not("lex:BuildBotLocale") == (
        "Not allowed for arn:aws:iam::123456789012:user/agent: needs lex:BuildBotLocale (an explicit deny in IAM).")
    operations = clients_as(sandbox, "operations")
    assert all(probe(operations, arn_of(operations)).allows(action) for action in DEPLOY_ACTIONS)


def test_a_tenants_tag_conditioned_actions_stay_offered(sandbox):
    tenant = clients_as(sandbox, "tenant-retail-compliance")
    permissions = probe(tenant, arn_of(tenant))
    assert permissions.known and permissions.allows("states:StartExecution")
    assert permissions.decisions["states:StartExecution"] == "conditional"


def test_an_identity_that_may_not_simulate_is_not_known_and_offers_everything(sandbox_clients, monkeypatch):
    iam = sandbox_clients.client("iam")
    error = ClientError({"Error": {"Code": "AccessDenied", "Message": "User: x is not authorized to perform: "
                                   "iam:SimulatePrincipalPolicy on resource: y"}}, "SimulatePrincipalPolicy")
    monkeypatch.setattr(iam, "simulate_principal_policy", lambda **_: (_ for _ in ()).throw(error))
    permissions = probe(sandbox_clients, "arn:aws:iam::123456789012:user/x")
    assert not permissions.known and permissions.allows("lex:UpdateIntent")


def test_an_assumed_role_session_is_simulated_as_its_role():
    assert policy_source("arn:aws:sts::1:assumed-role/Ops/ana") == "arn:aws:iam::1:role/Ops"
    assert policy_source("arn:aws:iam::1:user/bob") == "arn:aws:iam::1:user/bob"


def test_a_tenant_lists_only_its_tenants_executions(sandbox, sandbox_clients):
    sandbox.scenario.docreview_seed.wait_ready()  # the finance tenant's machine is created in the background
    machines = listing.list_state_machines(sandbox_clients)
    arns = listing.listable_arns(machines)
    finance = clients_as(sandbox, "tenant-finance-ops")
    seen = {e.state_machine_name for page in listing.iter_executions(finance, arns) for e in page}
    assert seen == {"document-processing"}
    retail = {e.state_machine_name for page in listing.iter_executions(clients_as(sandbox, "tenant-retail-compliance"),
                                                                          arns) for e in page}
    assert "document-processing" not in retail and "mlops-training" in retail


def test_a_refused_listing_names_the_missing_permission(sandbox):
    finance = clients_as(sandbox, "tenant-finance-ops")
    with pytest.raises(ClientError) as refused:
        list(listing.iter_executions(finance, [MACHINE.format("mlops-training")]))
    assert denied_permission(refused.value) == Denied("states:ListExecutions", MACHINE.format("mlops-training"))
    shown = describe(refused.value)
    assert shown.kind is ErrorKind.ACCESS_DENIED
    assert "states:ListExecutions" in shown.message and MACHINE.format("mlops-training") in shown.message


def test_a_connection_scoped_to_a_tenant_lists_only_its_state_machines(sandbox, sandbox_clients):
    sandbox.scenario.docreview_seed.wait_ready()
    keys = sandbox.credentials_for("tenant-finance-ops")
    scoped = Clients(Connection(region=sandbox.region, endpoint_url=sandbox.endpoint_url, sandbox=True,
                                access_key=keys["aws_access_key_id"], secret_key=keys["aws_secret_access_key"],
                                tenant="finance-ops"))
    assert [m.name for m in listing.list_state_machines(scoped)] == ["document-processing"]
    assert len(listing.list_state_machines(sandbox_clients)) > 1  # unscoped: every machine, no tags read
