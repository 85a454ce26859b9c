"""Copy as AWS CLI: the command botocore's model says the AWS CLI takes, parsing back to the same request."""

from __future__ import annotations

import json
import shlex

import pytest
from botocore import xform_name
from botocore.validate import ParamValidator

from opsconsole.core import awscli
from opsconsole.core.aws import Connection
from opsconsole.core.writes import ApiCall

ARN = "arn:aws:states:eu-west-1:123456789012:execution:train-DE:run 1"
PROD = Connection(profile="ml-prod", region="eu-central-1", endpoint_url="https://states.example.internal:8443")


def parse(line: str) -> tuple[str, str, dict, dict]:
    """A command line back to (service, operation, params, global options), through botocore's model.

    What the AWS CLI does: ``--kebab-name`` is the member whose xform_name it is;
    structures, lists and maps are JSON; booleans are ``--flag`` / ``--no-flag``.
    """
    argv = shlex.split(line, comments=True)
    assert argv[0] == "aws"
    service, command = argv[1], argv[2]
    model = awscli.service_model(service)
    operation = next(op for op in model.operation_names if xform_name(op, "-") == command)
    members = model.operation_model(operation).input_shape.members
    flags = {awscli.RENAMES.get((service, operation, name), xform_name(name, "-")): (name, shape)
             for name, shape in members.items()}
    params: dict = {}
    options: dict = {}
    rest = argv[3:]
    while rest:
        flag = rest.pop(0)
        assert flag.startswith("--"), flag
        key = flag[2:]
        if key in ("profile", "region", "endpoint-url"):
            options[key] = rest.pop(0)
            continue
        if key.startswith("no-") and key[3:] in flags and flags[key[3:]][1].type_name == "boolean":
            params[flags[key[3:]][0]] = False
            continue
        name, shape = flags[key]
        if shape.type_name == "boolean":
            params[name] = True
        elif shape.type_name in ("structure", "list", "map"):
            params[name] = json.loads(rest.pop(0))
        elif shape.type_name in ("integer", "long"):
            params[name] = int(rest.pop(0))
        else:
            params[name] = rest.pop(0)
    return service, operation, params, options


def valid(call: ApiCall) -> None:
    """botocore itself accepts the parameters (names, types, required members)."""
    shape = awscli.operation_model(call.service, call.operation).input_shape
    report = ParamValidator().validate(dict(call.params), shape)
    assert not report.has_errors(), report.generate_report()


def test_stop_execution_with_the_connection_options():
    call = ApiCall("stepfunctions", "StopExecution",
                   {"executionArn": ARN, "error": "Operator.Stopped", "cause": "Bad data in 'input' — \"rerun\" it"})
    valid(call)
    line = awscli.command(call, PROD)
    assert line.startswith("aws stepfunctions stop-execution --execution-arn ")
    assert parse(line) == ("stepfunctions", "StopExecution", dict(call.params),
                           {"profile": "ml-prod", "region": "eu-central-1",
                            "endpoint-url": "https://states.example.internal:8443"})


def test_send_task_success_keeps_the_json_output_and_the_token_whole():
    output = json.dumps({"decision": "approved", "approvedBy": "Ana Lópes", "comment": "it's fine; $HOME `x`"})
    token = "AAAAKgAAAAIAAAAAAAAAA+/very/long==token"
    call = ApiCall("stepfunctions", "SendTaskSuccess", {"taskToken": token, "output": output})
    valid(call)
    service, operation, params, options = parse(awscli.command(call, Connection(region="eu-west-1")))
    assert (service, operation, params) == ("stepfunctions", "SendTaskSuccess", {"taskToken": token, "output": output})
    assert options == {"region": "eu-west-1"}
    # The member "output" would be the CLI's own --output (json|text|table): the CLI calls it --task-output.
    argv = shlex.split(awscli.command(call))
    assert "--task-token" in argv and "--task-output" in argv and "--output" not in argv


def test_update_item_structures_are_json():
    call = ApiCall("dynamodb", "UpdateItem", {
        "TableName": "lex-review-items",
        "Key": {"item_id": {"S": "1f0e"}},
        "UpdateExpression": "SET #status = :n_status, #revision = :n_revision",
        "ConditionExpression": "#revision = :c_revision AND #status = :c_status",
        "ExpressionAttributeNames": {"#status": "status", "#revision": "revision"},
        "ExpressionAttributeValues": {":n_status": {"S": "APPROVED"}, ":n_revision": {"N": "2"},
                                      ":c_revision": {"N": "1"}, ":c_status": {"S": "PENDING"}},
        "ReturnValues": "ALL_NEW",
    })
    valid(call)
    line = awscli.command(call, PROD)
    assert line.startswith("aws dynamodb update-item --table-name lex-review-items --key ")
    assert "--expression-attribute-values" in line and "--condition-expression" in line
    assert parse(line)[:3] == ("dynamodb", "UpdateItem", dict(call.params))


def test_booleans_are_flags_and_unknown_parameters_are_refused():
    call = ApiCall("dynamodb", "GetItem", {"TableName": "t", "Key": {"k": {"S": "v"}}, "ConsistentRead": True})
    assert "--consistent-read" in shlex.split(awscli.command(call))
    off = ApiCall("dynamodb", "GetItem", {"TableName": "t", "Key": {"k": {"S": "v"}}, "ConsistentRead": False})
    assert "--no-consistent-read" in shlex.split(awscli.command(off))
    assert parse(awscli.command(off))[2]["ConsistentRead"] is False
    with pytest.raises(ValueError, match="no parameter 'executionArnn'"):
        awscli.command(ApiCall("stepfunctions", "StopExecution", {"executionArnn": ARN}))
    # A member named like a CLI option, with no known CLI name: no command rather than a wrong one.
    with pytest.raises(ValueError, match="clashes with the CLI's --output"):
        awscli.command(ApiCall("rekognition", "CreateStreamProcessor", {"Output": {}}))


def test_the_sandbox_gets_its_endpoint_and_no_profile():
    sandbox = Connection(profile="ignored", region="eu-west-1", endpoint_url="http://127.0.0.1:5123", sandbox=True)
    _s, _o, _p, options = parse(awscli.command(ApiCall("stepfunctions", "RedriveExecution", {"executionArn": ARN}),
                                               sandbox))
    assert options == {"region": "eu-west-1", "endpoint-url": "http://127.0.0.1:5123"}


def test_several_calls_are_one_line_each_from_audit_requests():
    requests = [{"service": "stepfunctions", "operation": "StopExecution", "params": {"executionArn": ARN}},
                {"service": "sqs", "operation": "DeleteMessage",
                 "params": {"QueueUrl": "https://sqs.eu-west-1.amazonaws.com/1/approvals", "ReceiptHandle": "rh"}}]
    lines = awscli.from_requests(requests, None).splitlines()
    assert [parse(line)[:2] for line in lines] == [("stepfunctions", "StopExecution"), ("sqs", "DeleteMessage")]
