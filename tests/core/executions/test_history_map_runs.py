"""Distributed Map runs of an execution: ListMapRuns, then DescribeMapRun per run, answered by botocore's Stubber."""

from __future__ import annotations

import json
from pathlib import Path

from botocore.stub import Stubber
from history_shapes import ARN, at, offline_clients

from opsconsole.core.executions.history import MapRun, list_map_runs

DATA = Path(__file__).resolve().parents[2] / "data" / "histories"
MACHINE = "arn:aws:states:eu-west-1:123456789012:stateMachine:history-fanout"


def _map_run_arn(tail: str) -> str:
    return f"arn:aws:states:eu-west-1:123456789012:mapRun:history-fanout/{tail}"


def _counts(**kw) -> dict:
    counts = dict.fromkeys(("pending", "running", "succeeded", "failed", "timedOut", "aborted", "total",
                            "resultsWritten"), 0)
    counts.update(kw)
    return counts


def _described(arn: str, status: str, start: float, stop: float | None = None, **kw) -> dict:
    answer = {"mapRunArn": arn, "executionArn": ARN, "status": status, "startDate": at(start),
              "maxConcurrency": 10, "toleratedFailurePercentage": 0.0, "toleratedFailureCount": 0,
              "itemCounts": _counts(), "executionCounts": _counts()}
    if stop is not None:
        answer["stopDate"] = at(stop)
    answer.update(kw)
    return answer


def test_a_recorded_map_run_with_its_counts():
    recorded = json.loads((DATA / "distributed_map.json").read_text(encoding="utf-8"))
    listed, described = recorded["mapRuns"][0], recorded["mapRunDescriptions"][0]
    run = MapRun.from_api(listed, described)
    assert run.map_run_arn == listed["mapRunArn"] and run.execution_arn == listed["executionArn"]
    assert run.state_machine_arn == listed["stateMachineArn"]
    assert (run.status, run.label, run.max_concurrency) == ("SUCCEEDED", "fanout", 4)
    assert run.start.isoformat() == "2026-11-26T08:15:04.530000+00:00"
    assert run.stop.isoformat() == "2026-11-26T08:15:04.554000+00:00"
    assert (run.tolerated_failure_count, run.tolerated_failure_percentage) == (0, 0.0)
    assert run.item_counts == {"pending": 0, "running": 0, "succeeded": 12, "failed": 0, "timedOut": 0,
                               "aborted": 0, "total": 12, "resultsWritten": 12}
    assert run.execution_counts == run.item_counts and run.items_done == 12


def test_every_map_run_of_an_execution_oldest_first_with_its_counts():
    late, early, failed = _map_run_arn("score:bbb"), _map_run_arn("label:aaa"), _map_run_arn("retrain:ccc")
    sfn = offline_clients().client("stepfunctions")
    with Stubber(sfn) as stub:
        stub.add_response("list_map_runs", {"mapRuns": [
            {"executionArn": ARN, "mapRunArn": late, "stateMachineArn": f"{MACHINE}/score", "startDate": at(60)},
            {"executionArn": ARN, "mapRunArn": early, "stateMachineArn": f"{MACHINE}/label", "startDate": at(5),
             "stopDate": at(50)},
        ], "nextToken": "more"}, {"executionArn": ARN, "maxResults": 1000})
        stub.add_response("describe_map_run", _described(
            late, "RUNNING", 60, maxConcurrency=40,
            itemCounts=_counts(pending=500, running=40, succeeded=1200, failed=3, timedOut=1, aborted=2, total=1746),
            executionCounts=_counts(running=40, succeeded=30, total=70)), {"mapRunArn": late})
        stub.add_response("describe_map_run", _described(
            early, "SUCCEEDED", 5, 50, itemCounts=_counts(succeeded=8, total=8, resultsWritten=8),
            executionCounts=_counts(succeeded=1, total=1)), {"mapRunArn": early})
        stub.add_response("list_map_runs", {"mapRuns": [
            {"executionArn": ARN, "mapRunArn": failed, "stateMachineArn": f"{MACHINE}/retrain", "startDate": at(30),
             "stopDate": at(40)},
        ]}, {"executionArn": ARN, "maxResults": 1000, "nextToken": "more"})
        stub.add_response("describe_map_run", _described(
            failed, "FAILED", 30, 40, maxConcurrency=0, toleratedFailureCount=2, toleratedFailurePercentage=2.5,
            itemCounts=_counts(succeeded=7, failed=3, total=10)), {"mapRunArn": failed})
        runs = list_map_runs(offline_clients(), ARN)
        stub.assert_no_pending_responses()
    assert [(r.label, r.status, r.start, r.stop) for r in runs] == [
        ("label", "SUCCEEDED", at(5), at(50)), ("retrain", "FAILED", at(30), at(40)), ("score", "RUNNING", at(60), None)]
    label, retrain, score = runs
    assert (score.items_done, score.item_counts["total"], score.max_concurrency) == (1206, 1746, 40)
    assert score.execution_counts["running"] == 40 and score.state_machine_arn == f"{MACHINE}/score"
    assert (retrain.tolerated_failure_count, retrain.tolerated_failure_percentage) == (2, 2.5)
    assert retrain.max_concurrency == 0  # no limit
    assert retrain.items_done == 10 and label.items_done == 8 and label.execution_counts["succeeded"] == 1


def test_a_map_run_without_a_label_is_named_by_its_id():
    listed = {"executionArn": ARN, "mapRunArn": _map_run_arn("0c1d2e3f"), "stateMachineArn": MACHINE,
              "startDate": at(0)}
    described = _described(listed["mapRunArn"], "RUNNING", 0)
    assert MapRun.from_api(listed, described).label == "0c1d2e3f"
