"""The server: extension handlers behind the moto endpoint, errors for what nobody serves."""

from __future__ import annotations

import datetime as dt

import pytest
from botocore.exceptions import ClientError

from opsconsole.sandbox import Sandbox
from opsconsole.sandbox.server import ExtensionRequest, aws_error, json_response


def test_json_target_handler_is_reached_with_boto3(sandbox, sfn):
    calls: list[ExtensionRequest] = []

    def redrive(request: ExtensionRequest):
        calls.append(request)
        if not request.json()["executionArn"].startswith("arn:aws:states:"):
            return aws_error("InvalidArn", "not an execution ARN")
        return json_response({"redriveDate": dt.datetime(2026, 1, 2, tzinfo=dt.timezone.utc)})

    sandbox.extensions.add_json_target("AWSStepFunctions.RedriveExecution", redrive)
    try:
        arn = sandbox.scenario.pending_approvals[0]
        answer = sfn.redrive_execution(executionArn=arn)
        assert answer["redriveDate"] == dt.datetime(2026, 1, 2, tzinfo=dt.timezone.utc)
        assert calls[0].region == sandbox.region and calls[0].service == "states"
        with pytest.raises(ClientError) as caught:
            sfn.redrive_execution(executionArn="nope")
        assert caught.value.response["Error"]["Code"] == "InvalidArn"
    finally:
        sandbox.extensions.remove(redrive)
        # put the sandbox's own RedriveExecution back for the rest of the session
        from opsconsole.sandbox.stepfunctions import redrive as sandbox_redrive

        sandbox_redrive.register(sandbox.extensions)
    with pytest.raises(ClientError) as caught:  # the real handler again: a running execution can't be redriven
        sfn.redrive_execution(executionArn=arn)
    assert caught.value.response["Error"]["Code"] == "ExecutionNotRedrivable"


def test_rest_json_handler_is_reached_with_boto3(sandbox, client):
    lex = client("lexv2-models")

    @sandbox.extensions.rest("GET", r"/bots/(?P<botId>[^/]+)/", service="lex")
    def describe_bot(request: ExtensionRequest):
        return json_response({"botId": request.path_params["botId"], "botName": "RetailSupportBot",
                              "botStatus": "Available"}, content_type="application/json")

    try:
        bot = lex.describe_bot(botId="BOT1234567")
        assert (bot["botId"], bot["botStatus"]) == ("BOT1234567", "Available")
    finally:
        sandbox.extensions.remove(describe_bot)


def test_operations_moto_lacks_fail_fast_with_501(sandbox, cloudwatch):
    with pytest.raises(ClientError) as caught:
        cloudwatch.list_metric_streams()
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501


def test_one_sandbox_per_process(sandbox):
    assert Sandbox.running() is sandbox
    with pytest.raises(RuntimeError):
        Sandbox(port=0).start()
    assert Sandbox.running() is sandbox


def test_stop_is_idempotent_on_a_sandbox_that_never_started():
    unused = Sandbox()
    unused.stop()
    unused.stop()
