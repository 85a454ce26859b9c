"""Listing executions as AWS allows it: EXPRESS machines keep no execution history in Step Functions
(ListExecutions answers StateMachineTypeNotSupported), and PENDING_REDRIVE filters only a Map Run's
children (ListExecutions with a stateMachineArn answers ValidationException)."""

from __future__ import annotations

import json
import uuid

import pytest

from opsconsole.core.executions import listing as core


ROLE = "arn:aws:iam::123456789012:role/listing-test"
PASS = json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}})
LOG_GROUP = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/vendedlogs/states/express-test:*"


@pytest.fixture(scope="module")
def express_and_standard(sandbox_clients):
    sfn = sandbox_clients.client("stepfunctions")
    tag = uuid.uuid4().hex[:6]
    express = sfn.create_state_machine(
        name=f"aaa-express-{tag}", definition=PASS, roleArn=ROLE, type="EXPRESS",
        loggingConfiguration={"level": "ALL", "includeExecutionData": False,
                              "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": LOG_GROUP}}]},
    )["stateMachineArn"]
    standard = sfn.create_state_machine(name=f"aaa-standard-{tag}", definition=PASS, roleArn=ROLE)["stateMachineArn"]
    sfn.start_execution(stateMachineArn=standard)
    yield express, standard
    for arn in (express, standard):
        sfn.delete_state_machine(stateMachineArn=arn)


def test_an_express_machine_does_not_stop_the_listing_of_the_others(sandbox_clients, express_and_standard):
    express, standard = express_and_standard
    found = [e for page in core.iter_executions(sandbox_clients, [express, standard]) for e in page]
    assert found and {e.state_machine_arn for e in found} == {standard}


def test_all_state_machines_leaves_express_machines_out(sandbox_clients, express_and_standard):
    express, standard = express_and_standard
    machines = core.list_state_machines(sandbox_clients)
    by_arn = {m.arn: m for m in machines}
    assert by_arn[express].express and not by_arn[standard].express
    assert standard in core.listable_arns(machines) and express not in core.listable_arns(machines)


def test_an_express_machines_runs_are_in_its_log_group(sandbox_clients, express_and_standard):
    express, standard = express_and_standard
    assert core.express_log_group(sandbox_clients, express) == LOG_GROUP
    assert core.express_log_group(sandbox_clients, standard) is None
