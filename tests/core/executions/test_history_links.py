"""Links out of a history: the execution in the AWS console, a state's CloudWatch Logs, summaries."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import unquote

from opsconsole.core.executions.history import StateRun, console_url, event_summary, logs_link, parse_events, state_runs
from opsconsole.core.executions.history.links import lambda_function_name, state_machine_log_group

DATA = Path(__file__).resolve().parents[2] / "data" / "histories"
ARN = "arn:aws:states:eu-west-1:123456789012:execution:mlops-training:train-DE-2025-06-02-ab12"
WHEN = datetime(2025, 6, 2, 8, 0, tzinfo=timezone.utc)


def _run(**kw) -> StateRun:
    return StateRun(state="Score", type="Task", entered=WHEN, exited=WHEN.replace(minute=5), **kw)


def _console_route(url: str) -> str:
    # The console's fragment is percent-encoded twice with "$" for "%".
    return unquote(unquote(url.split("#logsV2:", 1)[1].replace("$", "%")))


def test_console_url_is_the_v2_execution_page():
    assert console_url(ARN) == (
        "https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1"
        f"#/v2/executions/details/{ARN}")
    assert console_url(ARN.replace("eu-west-1", "cn-north-1")).startswith("https://cn-north-1.console.amazonaws.cn/")


def test_lambda_function_from_resource_or_parameters():
    direct = _run(resource="lambda:arn:aws:lambda:eu-west-1:123456789012:function:score-items:live")
    assert lambda_function_name(direct) == "score-items"
    optimised = _run(resource="lambda:invoke", parameters=json.dumps(
        {"FunctionName": "arn:aws:lambda:eu-west-1:123456789012:function:score-items:$LATEST", "Payload": {}}))
    assert lambda_function_name(optimised) == "score-items"
    assert lambda_function_name(_run(resource="lambda:invoke", parameters='{"FunctionName": "plain-name"}')) == "plain-name"
    assert lambda_function_name(_run(resource="dynamodb:getItem")) is None


def test_logs_link_for_a_lambda_task_opens_its_log_group_at_the_run():
    run = _run(resource="lambda:invoke", parameters='{"FunctionName": "score-items"}')
    url = logs_link(run, "eu-west-1", None)
    assert url.startswith("https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:")
    route = _console_route(url)
    assert route.startswith("log-groups/log-group//aws/lambda/score-items/log-events?start=")
    start = int(route.split("start=")[1].split("&")[0])
    end = int(route.split("end=")[1])
    assert start < WHEN.timestamp() * 1000 < WHEN.replace(minute=5).timestamp() * 1000 < end


def test_logs_link_falls_back_to_the_state_machines_log_group():
    recorded = json.loads((DATA / "distributed_map.json").read_text())
    config = recorded["stateMachine"]["loggingConfiguration"]
    assert state_machine_log_group(config) == "/aws/vendedlogs/states/history-fanout"
    run = state_runs(parse_events(recorded["events"]))[0]
    assert "/aws/vendedlogs/states/history-fanout/" in _console_route(logs_link(run, "eu-west-1", config))
    # Logging off (the scenario's machines) and no Lambda: nothing to link to.
    off = json.loads((DATA / "success.json").read_text())["stateMachine"]["loggingConfiguration"]
    assert logs_link(_run(resource="dynamodb:getItem"), "eu-west-1", off) is None
    assert logs_link(_run(), "eu-west-1", None) is None


def test_running_run_links_without_an_end():
    run = StateRun(state="Wait", type="Task", entered=WHEN, resource="lambda:invoke",
                   parameters='{"FunctionName": "f"}')
    assert "end=" not in _console_route(logs_link(run, "eu-west-1", None))


def test_event_summaries_show_what_matters():
    events = parse_events(json.loads((DATA / "retries_caught.json").read_text())["events"])
    by_type = {e.type: e for e in events}
    assert event_summary(by_type["TaskFailed"]).startswith("DynamoDB.ConditionalCheckFailedException: ")
    assert event_summary(by_type["TaskScheduled"]).startswith("dynamodb:updateItem {")
    assert event_summary(by_type["ExecutionFailed"]).startswith("SageMaker.ResourceLimitExceeded: ")
    assert len(event_summary(by_type["ExecutionStarted"])) <= 160
    assert event_summary(by_type["ParallelStateStarted"]) == ""


def test_sagemaker_jobs_link_to_their_log_streams():
    run = _run(resource="sagemaker:createTrainingJob.sync",
               parameters=json.dumps({"TrainingJobName": "tr-DE-20250602-ab12-hpo-01", "RoleArn": "x"}))
    route = _console_route(logs_link(run, "eu-west-1", None))
    assert route == "log-groups/log-group//aws/sagemaker/TrainingJobs?logStreamNameFilter=tr-DE-20250602-ab12-hpo-01"
    transform = _run(resource="sagemaker:createTransformJob.sync", parameters='{"TransformJobName": "part-17"}')
    assert "/aws/sagemaker/TransformJobs?logStreamNameFilter=part-17" in _console_route(
        logs_link(transform, "eu-west-1", None))
    assert logs_link(_run(resource="sagemaker:createModel", parameters="{}"), "eu-west-1", None) is None
