"""Links out of a history: the execution in the AWS console, a state's CloudWatch Logs, summaries."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import unquote

import pytest

from opsconsole.core.executions.history import (
    StateRun,
    console_url,
    event_summary,
    logs_link,
    parse_events,
    region_of,
    state_runs,
)
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


def test_console_url_in_every_partition():
    gov = ARN.replace("eu-west-1", "us-gov-west-1")
    assert console_url(gov).startswith("https://us-gov-west-1.console.amazonaws-us-gov.com/states/home?region=us-gov-west-1#")
    assert [region_of(arn) for arn in (ARN, "arn:aws:states:eu-north-1", "arn:aws:states", "")] == [
        "eu-west-1", "eu-north-1", "", ""]


def test_the_log_window_is_the_run_with_a_minute_each_side():
    run = _run(resource="lambda:invoke", parameters='{"FunctionName": "score-items"}')
    start, end = int((WHEN.timestamp() - 60) * 1000), int((WHEN.replace(minute=5).timestamp() + 60) * 1000)
    # The console's route, percent-encoded twice with "$" for "%" (what the CloudWatch console reads).
    assert logs_link(run, "eu-west-1", None) == (
        "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1"
        "#logsV2:log-groups/log-group/$252Faws$252Flambda$252Fscore-items"
        f"/log-events$3Fstart$3D{start}$26end$3D{end}")


def test_sagemaker_job_link_is_the_exact_console_route():
    run = _run(resource="sagemaker:createProcessingJob.sync", parameters='{"ProcessingJobName": "prep-SE-1"}')
    assert logs_link(run, "eu-west-1", None) == (
        "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1"
        "#logsV2:log-groups/log-group/$252Faws$252Fsagemaker$252FProcessingJobs$3FlogStreamNameFilter$3Dprep-SE-1")


def test_tasks_whose_logs_are_not_their_own_link_to_the_state_machines_logs():
    config = {"level": "ALL", "includeExecutionData": True, "destinations": [
        {"cloudWatchLogsLogGroup": {"logGroupArn": "arn:aws:logs:eu-west-1:123456789012:log-group:/sm/train:*"}}]}
    machine = "log-groups/log-group//sm/train/log-events?start="
    # Asking Lambda about a function does not run it: its logs are not this state's.
    about = _run(resource="aws-sdk:lambda:getFunction", parameters='{"FunctionName": "score-items"}')
    assert _console_route(logs_link(about, "eu-west-1", config)).startswith(machine)
    # A SageMaker task read without its parameters, or naming no job: no job to filter by.
    for parameters in (None, '{"TrainingJobName": ""}', '{"TrainingJobName": 7}'):
        run = _run(resource="sagemaker:createTrainingJob.sync", parameters=parameters)
        assert _console_route(logs_link(run, "eu-west-1", config)).startswith(machine), parameters


@pytest.mark.parametrize(("config", "group"), [
    ({"level": "ERROR", "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn":
                                                                      "arn:aws:logs:r:1:log-group:/sm/a:*"}}]}, "/sm/a"),
    ({"level": "OFF", "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": "arn:aws:logs:r:1:log-group:/sm/a:*"}}]},
     None),
    ({"level": "off", "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": "arn:aws:logs:r:1:log-group:/sm/a"}}]},
     None),
    ({"destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": "arn:aws:logs:r:1:log-group:/sm/a:*"}}]}, None),
    ({"level": "ALL", "destinations": [{"cloudWatchLogsLogGroup": {}},
                                       {"cloudWatchLogsLogGroup": {"logGroupArn": "arn:aws:logs:r:1:log-group:/sm/b"}}]},
     "/sm/b"),
    ({"level": "ALL", "destinations": []}, None),
    ({}, None),
])
def test_the_state_machines_log_group_only_when_logging_is_on(config, group):
    assert state_machine_log_group(config) == group
