"""Service integrations of a sandbox execution call the sandbox at the address it is bound to.

moto's interpreter builds ``http://localhost:<port>`` for its service integrations;
on Windows ``localhost`` is tried as ::1 first and a refused ::1 costs about 2 s per
call, so the sandbox sends those calls to 127.0.0.1 (where it listens) instead.
"""

from __future__ import annotations

import json
import threading
import uuid

import pytest
import urllib3.util.connection
from botocore.exceptions import ClientError

ROLE = "arn:aws:iam::123456789012:role/service-role/sandbox"


@pytest.fixture
def connections(monkeypatch):
    """Every (host, port) an HTTP client of this process connects to while the test runs."""
    seen: list[tuple[str, int]] = []
    lock = threading.Lock()
    real = urllib3.util.connection.create_connection

    def spy(address, *args, **kwargs):
        with lock:
            seen.append((address[0], int(address[1])))
        return real(address, *args, **kwargs)

    monkeypatch.setattr(urllib3.util.connection, "create_connection", spy)
    return seen


def test_an_execution_calls_its_services_on_the_bound_address(sandbox, sfn, ddb, wait_for, connections):
    tag = uuid.uuid4().hex[:8]
    table = f"integration-{tag}"
    ddb.create_table(TableName=table, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST")
    definition = {
        "StartAt": "Write",
        "States": {
            "Write": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
                      "Parameters": {"TableName": table, "Item": {"id": {"S.$": "$.id"}, "state": {"S": "written"}}},
                      "ResultPath": None, "Next": "Read"},
            "Read": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
                     "Parameters": {"TableName": table, "Key": {"id": {"S.$": "$.id"}}},
                     "ResultSelector": {"state.$": "$.Item.state.S"}, "End": True},
        },
    }
    machine = sfn.create_state_machine(name=f"integration-{tag}", definition=json.dumps(definition),
                                       roleArn=ROLE)["stateMachineArn"]
    try:
        connections.clear()
        arn = sfn.start_execution(stateMachineArn=machine, input=json.dumps({"id": "case-1"}))["executionArn"]
        wait_for(lambda: sfn.describe_execution(executionArn=arn)["status"] != "RUNNING",
                 what="the execution to finish")
        done = sfn.describe_execution(executionArn=arn)
        assert done["status"] == "SUCCEEDED", done
        assert json.loads(done["output"]) == {"state": "written"}
        assert ddb.get_item(TableName=table, Key={"id": {"S": "case-1"}})["Item"]["state"] == {"S": "written"}

        port = int(sandbox.endpoint_url.rsplit(":", 1)[1])
        assert sandbox.endpoint_url == f"http://127.0.0.1:{port}"
        to_sandbox = [host for host, p in connections if p == port]
        assert to_sandbox, "no connection to the sandbox was seen"
        assert set(to_sandbox) == {"127.0.0.1"}, f"calls to the sandbox by name: {sorted(set(to_sandbox))}"
    finally:
        sfn.delete_state_machine(stateMachineArn=machine)
        try:
            ddb.delete_table(TableName=table)
        except ClientError:
            pass
