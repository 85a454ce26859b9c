"""Links out of the console: the execution in the AWS console, a state's CloudWatch Logs."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from urllib.parse import quote

from opsconsole.core.executions.history.runs import StateRun


def region_of(arn: str) -> str:
    """``arn:aws:states:REGION:...`` -> REGION ('' when the ARN has none)."""
    parts = arn.split(":")
    return parts[3] if len(parts) > 3 else ""


def _console_host(region: str) -> str:
    # China and GovCloud partitions have their own console domains.
    if region.startswith("cn-"):
        return f"https://{region}.console.amazonaws.cn"
    if region.startswith("us-gov-"):
        return f"https://{region}.console.amazonaws-us-gov.com"
    return f"https://{region}.console.aws.amazon.com"


def console_url(execution_arn: str) -> str:
    """The execution's page in the Step Functions console."""
    region = region_of(execution_arn)
    return f"{_console_host(region)}/states/home?region={region}#/v2/executions/details/{execution_arn}"


def lambda_function_name(run: StateRun) -> str | None:
    """The Lambda function a Task state called, from its resource or its parameters."""
    resource = run.resource or ""
    candidate: str | None = None
    if ":function:" in resource:
        candidate = resource.split(":function:", 1)[1]
    elif resource.startswith("lambda:") and run.parameters:
        try:
            params = json.loads(run.parameters)
        except ValueError:
            params = {}
        if isinstance(params, dict):
            candidate = params.get("FunctionName")
    if not candidate:
        return None
    # "my-fn", "my-fn:alias", "arn:aws:lambda:r:acct:function:my-fn[:qualifier]", "acct:function:my-fn"
    if ":function:" in candidate:
        candidate = candidate.split(":function:", 1)[1]
    return candidate.split(":", 1)[0] or None


def state_machine_log_group(logging_config: dict | None) -> str | None:
    """The log group of a state machine's logging configuration (None when logging is off)."""
    if not logging_config or str(logging_config.get("level", "OFF")).upper() == "OFF":
        return None
    for destination in logging_config.get("destinations") or []:
        arn = (destination.get("cloudWatchLogsLogGroup") or {}).get("logGroupArn", "")
        if ":log-group:" in arn:
            return arn.split(":log-group:", 1)[1].removesuffix(":*")
    return None


def _console_escape(text: str) -> str:
    # The CloudWatch console reads its route from the URL fragment, percent-encoded
    # twice with "$" standing in for the outer "%".
    return quote(quote(text, safe=""), safe="").replace("%", "$")


def log_group_url(region: str, log_group: str, start: datetime | None = None, end: datetime | None = None) -> str:
    """The CloudWatch Logs console page of a log group, narrowed to a time window when given."""
    url = (f"{_console_host(region)}/cloudwatch/home?region={region}"
           f"#logsV2:log-groups/log-group/{_console_escape(log_group)}")
    if start is not None:
        window = f"?start={int(start.timestamp() * 1000)}"
        if end is not None:
            window += f"&end={int(end.timestamp() * 1000)}"
        url += "/log-events" + quote(window, safe="").replace("%", "$")
    return url


#: SageMaker job integrations: (log group, the parameter naming the job, which prefixes its log streams).
_SAGEMAKER_JOBS = {
    "createTrainingJob": ("/aws/sagemaker/TrainingJobs", "TrainingJobName"),
    "createProcessingJob": ("/aws/sagemaker/ProcessingJobs", "ProcessingJobName"),
    "createTransformJob": ("/aws/sagemaker/TransformJobs", "TransformJobName"),
}


def sagemaker_job_logs(run: StateRun) -> tuple[str, str] | None:
    """(log group, job name) of a SageMaker training/processing/transform task, from its parameters."""
    resource = run.resource or ""
    if not resource.startswith("sagemaker:") or not run.parameters:
        return None
    action = resource.split(":", 1)[1].split(".", 1)[0]
    if action not in _SAGEMAKER_JOBS:
        return None
    group, key = _SAGEMAKER_JOBS[action]
    try:
        job = json.loads(run.parameters).get(key)
    except (ValueError, AttributeError):
        return None
    return (group, job) if isinstance(job, str) and job else None


def logs_link(run: StateRun, region: str, logging_config: dict | None) -> str | None:
    """Where this state's logs are: its Lambda function's or SageMaker job's, else the state machine's.

    A Lambda or state machine log group opens at the run's time window (a
    minute of slack each side: log and history timestamps come from different
    clocks); a SageMaker job's group is filtered to the job's log streams.
    None when no log group is known.
    """
    job = sagemaker_job_logs(run)
    if job:
        group, name = job
        return (log_group_url(region, group)
                + quote(f"?logStreamNameFilter={name}", safe="").replace("%", "$"))
    function = lambda_function_name(run)
    group = f"/aws/lambda/{function}" if function else state_machine_log_group(logging_config)
    if not group:
        return None
    slack = timedelta(minutes=1)
    end = run.exited + slack if run.exited else None
    return log_group_url(region, group, run.entered - slack, end)
