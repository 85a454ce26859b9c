"""Record real execution histories from the sandbox into tests/data/histories/.

Starts the embedded sandbox (seed 7, no live activity), picks one past
execution per shape the history code must understand (success, failure, caught
error, retries, inline Map of 60 items, Parallel, timed out, aborted, still
running), plays an operator approving a seeded model comparison through its
task token (recorded waiting, then approved), runs a small Distributed Map,
and writes each full history as fetched through boto3 (GetExecutionHistory,
every page) with the execution's description and its state machine.

Run: python scripts/record_histories.py [--out DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import threading
import time
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "histories"

#: file name -> (state machine role, planned outcome, what the file is for)
PICKS: dict[str, tuple[str, str, str]] = {
    "success": ("transaction", "review", "succeeded; SQS and DynamoDB tasks"),
    "failure": ("training", "data_quality_failed", "failed at a Fail state after a Choice"),
    "caught": ("comparison", "rejected", "task token answered with a failure, caught, then a Fail state"),
    "retries": ("training", "succeeded_after_retry", "a task retried once inside a Parallel branch, then succeeded"),
    "retries_caught": ("training", "capacity_failed", "a task failing all 3 attempts; the Parallel catches it"),
    "retries_exhausted": ("evaluation", "testset_missing", "a task failing all 3 attempts, uncaught"),
    "map": ("inference", "succeeded", "inline Map over 60 items, MaxConcurrency 5"),
    "map_failed": ("inference", "batch_failed", "inline Map whose iteration 16 reaches a Fail state"),
    "parallel": ("training", "succeeded", "two Parallel states and an inline Map of 3"),
    "timed_out": ("training", "timed_out", "execution TimeoutSeconds reached during a Wait"),
    "aborted": ("comparison", "aborted", "StopExecution with error/cause while waiting for approval"),
}

FANOUT = {
    "Comment": "Distributed Map over a few items (child executions), for ListMapRuns/DescribeMapRun.",
    "StartAt": "Fan out",
    "States": {
        "Fan out": {
            "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 4, "Label": "fanout",
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                "StartAt": "Score item",
                "States": {"Score item": {"Type": "Pass", "Parameters": {"item.$": "$", "score": 1}, "End": True}},
            },
            "ResultPath": "$.scores", "Next": "Done"},
        "Done": {"Type": "Succeed"},
    },
}
FANOUT_LOGGING = {
    "level": "ALL", "includeExecutionData": True,
    "destinations": [{"cloudWatchLogsLogGroup": {
        "logGroupArn": "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/vendedlogs/states/history-fanout:*"}}],
}


def _plain(value: Any) -> Any:
    """boto3 answers as JSON: datetimes as UTC ISO strings, response metadata dropped."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc).isoformat(timespec="milliseconds")
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def full_history(sfn: Any, arn: str) -> list[dict[str, Any]]:
    events, kwargs = [], {"executionArn": arn, "maxResults": 1000}
    while True:
        out = sfn.get_execution_history(**kwargs)
        events += out["events"]
        if not out.get("nextToken"):
            return events
        kwargs["nextToken"] = out["nextToken"]


def record(sfn: Any, arn: str, note: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    execution = sfn.describe_execution(executionArn=arn)
    machine = sfn.describe_state_machine(stateMachineArn=execution["stateMachineArn"])
    return {
        "note": note,
        "execution": _plain({k: v for k, v in execution.items() if k not in ("input", "output")}),
        "stateMachine": _plain({k: machine.get(k) for k in ("stateMachineArn", "name", "definition",
                                                             "loggingConfiguration")}),
        **(extra or {}),
        "events": _plain(full_history(sfn, arn)),
    }


def running_inside_a_map(sfn: Any, arns: list[str]) -> str:
    """The running execution furthest into a Map (iterations started, Map not done); else the first one.

    How far a replayed running execution got depends on the clock at start-up,
    so the pick is made on what the histories say.
    """
    def progress(arn: str) -> int:
        types = [e["type"] for e in full_history(sfn, arn)]
        inside = "MapIterationStarted" in types and "MapStateExited" not in types
        return types.count("MapIterationSucceeded") if inside else -1
    best = max(arns, key=progress)
    return best if progress(best) >= 0 else arns[0]


def write(out: Path, name: str, data: dict[str, Any]) -> None:
    # One event per line: small, and diffs of re-recordings stay readable.
    events = data.pop("events")
    head = json.dumps(data, indent=1)[:-2]
    body = ",\n".join(json.dumps(e, separators=(",", ":")) for e in events)
    (out / f"{name}.json").write_text(f'{head},\n "events": [\n{body}\n]\n}}\n', encoding="utf-8")
    print(f"{name}.json: {len(events)} events, {(out / f'{name}.json').stat().st_size // 1024} KiB")


def _wait(condition, what: str, seconds: float = 60.0) -> Any:
    end, pause = time.monotonic() + seconds, threading.Event()
    while time.monotonic() < end:
        result = condition()
        if result:
            return result
        pause.wait(0.2)
    raise TimeoutError(what)


def approval_message(sqs: Any, queue_url: str, execution_arn: str) -> dict[str, Any]:
    """The approval request of one execution, read from the approval queue (left visible)."""
    def find() -> dict[str, Any] | None:
        for message in sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10,
                                           VisibilityTimeout=0).get("Messages", []):
            if json.loads(message["Body"]).get("executionArn") == execution_arn:
                return message
        return None
    return _wait(find, f"the approval request of {execution_arn}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    from opsconsole.sandbox import Sandbox

    with Sandbox(port=0, seed=7, live=False) as sandbox:
        scenario = sandbox.scenario
        sfn, sqs = sandbox.client("stepfunctions"), sandbox.client("sqs")
        machines = scenario.state_machines

        def arn_of(planned) -> str:
            return machines[planned.role].replace(":stateMachine:", ":execution:") + f":{planned.name}"

        for name, (role, outcome, note) in PICKS.items():
            planned = next(p for p in scenario.plan if p.role == role and p.outcome == outcome
                           and not p.running and not p.real)
            write(args.out, name, record(sfn, arn_of(planned), note))
        write(args.out, "running", record(sfn, running_inside_a_map(sfn, [
            arn_of(p) for p in scenario.plan if p.running and not p.real]), "still running inside its Map"))

        # An operator approves a seeded comparison: token from the approval queue, SendTaskSuccess.
        arn = scenario.pending_approvals[0]
        write(args.out, "task_token_waiting", record(sfn, arn, "waiting for its approval (task token)"))
        message = approval_message(sqs, scenario.queues["approvals"], arn)
        token = json.loads(message["Body"])["TaskToken"]
        sfn.send_task_success(taskToken=token, output=json.dumps(
            {"decision": "approved", "approvedBy": "claire.dubois", "comment": "recorded approval"}))
        sqs.delete_message(QueueUrl=scenario.queues["approvals"], ReceiptHandle=message["ReceiptHandle"])
        _wait(lambda: sfn.describe_execution(executionArn=arn)["status"] != "RUNNING", "the approved run to end")
        write(args.out, "task_token_approved", record(sfn, arn, "the same execution after SendTaskSuccess"))

        fanout = sfn.create_state_machine(name="history-fanout", definition=json.dumps(FANOUT),
                                          roleArn="arn:aws:iam::123456789012:role/mlops-stepfunctions-execution",
                                          loggingConfiguration=FANOUT_LOGGING)["stateMachineArn"]
        arn = sfn.start_execution(stateMachineArn=fanout, name="fanout-recorded",
                                  input=json.dumps({"items": [f"item-{i:02d}" for i in range(12)]}))["executionArn"]
        _wait(lambda: sfn.describe_execution(executionArn=arn)["status"] != "RUNNING", "the fan-out run to end")
        listed = sfn.list_map_runs(executionArn=arn)["mapRuns"]
        described = [sfn.describe_map_run(mapRunArn=m["mapRunArn"]) for m in listed]
        write(args.out, "distributed_map", record(sfn, arn, "Distributed Map of 12 items",
                                                  {"mapRuns": _plain(listed), "mapRunDescriptions": _plain(described)}))


if __name__ == "__main__":
    main()
