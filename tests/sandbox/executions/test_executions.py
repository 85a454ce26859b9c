"""The seeded executions as boto3 sees them: volume, statuses, paging, descriptions, histories."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter

import pytest
from botocore.exceptions import ClientError

STATUSES = {"RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"}


@pytest.fixture(scope="module")
def listings(sandbox, sfn, all_executions):
    return {role: all_executions(sfn, arn) for role, arn in sandbox.scenario.state_machines.items()}


def test_a_thousand_executions_in_every_status_over_ninety_days(sandbox, listings):
    everything = [e for executions in listings.values() for e in executions]
    assert len(everything) >= 1000
    assert sum(1 for executions in listings.values() if len(executions) >= 50) >= 4
    assert STATUSES <= {e["status"] for e in everything}
    starts = [e["startDate"] for e in everything]
    now = sandbox.scenario.now
    assert now - min(starts) > dt.timedelta(days=80)
    assert now - max(starts) < dt.timedelta(days=1)
    weeks = {(now - start).days // 7 for start in starts}
    assert len(weeks) >= 12  # spread over the period, not bunched up


def test_stopped_executions_have_stop_dates_and_running_ones_do_not(listings):
    for executions in listings.values():
        for e in executions:
            assert ("stopDate" in e) == (e["status"] != "RUNNING"), e
            if "stopDate" in e:
                assert e["stopDate"] >= e["startDate"]


def test_list_executions_pages_with_next_token(sandbox, sfn, listings):
    arn = sandbox.scenario.state_machines["transaction"]
    seen, token, pages = [], None, 0
    while True:
        kwargs = {"nextToken": token} if token else {}
        page = sfn.list_executions(stateMachineArn=arn, maxResults=100, **kwargs)
        assert len(page["executions"]) <= 100
        seen += [e["executionArn"] for e in page["executions"]]
        pages += 1
        token = page.get("nextToken")
        if not token:
            break
    assert pages >= 4
    assert len(seen) == len(set(seen)) == len(listings["transaction"])
    starts = [e["startDate"] for e in listings["transaction"]]
    assert starts == sorted(starts, reverse=True)


def test_list_executions_rejects_pages_over_1000(sandbox, sfn):
    with pytest.raises(ClientError) as caught:
        sfn.list_executions(stateMachineArn=sandbox.scenario.state_machines["training"], maxResults=1001)
    assert caught.value.response["Error"]["Code"] == "ValidationException"


@pytest.mark.parametrize("status", sorted(STATUSES))
def test_status_filter(sandbox, sfn, listings, status, all_executions):
    for role, arn in sandbox.scenario.state_machines.items():
        filtered = all_executions(sfn, arn, statusFilter=status)
        assert {e["status"] for e in filtered} <= {status}
        expected = {e["executionArn"] for e in listings[role] if e["status"] == status}
        assert expected <= {e["executionArn"] for e in filtered}


def _first(listings, role, status, name_part=""):
    return next(e for e in listings[role] if e["status"] == status and name_part in e["name"])


def test_describe_replayed_executions(sandbox, sfn, listings):
    ok = sfn.describe_execution(executionArn=_first(listings, "training", "SUCCEEDED")["executionArn"])
    assert json.loads(ok["output"])["model"]["modelName"].startswith("clf-")
    assert json.loads(ok["input"])["country"] in ok["name"]

    failed = sfn.describe_execution(executionArn=_first(listings, "evaluation", "FAILED")["executionArn"])
    assert failed["error"] == "DynamoDB.ResourceNotFoundException"
    assert "Status Code: 400" in failed["cause"]
    assert "output" not in failed

    timed_out = sfn.describe_execution(executionArn=_first(listings, "training", "TIMED_OUT")["executionArn"])
    assert timed_out["stopDate"] - timed_out["startDate"] == dt.timedelta(hours=12)

    running = sfn.describe_execution(executionArn=_first(listings, "inference", "RUNNING")["executionArn"])
    assert "stopDate" not in running


def test_failures_carry_realistic_errors(sandbox, sfn, listings):
    errors = Counter()
    for role in ("training", "evaluation", "comparison", "inference", "transaction"):
        for e in listings[role]:
            if e["status"] == "FAILED":
                described = sfn.describe_execution(executionArn=e["executionArn"])
                errors[described["error"]] += 1
                assert described.get("cause") or described["error"] == "States.Timeout", described
    assert {"DataQualityCheckFailed", "SageMaker.ResourceLimitExceeded", "DynamoDB.ResourceNotFoundException",
            "ModelNotFound", "ModelPromotionRejected", "States.Timeout",
            "SageMaker.TransformJobFailed"} <= set(errors)


def test_describe_state_machine_for_replayed_and_real_executions(sandbox, sfn, listings):
    replayed = _first(listings, "inference", "SUCCEEDED")["executionArn"]
    described = sfn.describe_state_machine_for_execution(executionArn=replayed)
    assert described["name"] == "mlops-inference"
    assert "Classify item batches" in json.loads(described["definition"])["States"]
    real = sandbox.scenario.pending_approvals[0]
    assert sfn.describe_state_machine_for_execution(executionArn=real)["name"] == "mlops-model-comparison"


def test_history_pages_and_reverse_order(sandbox, sfn, listings, history):
    arn = _first(listings, "inference", "SUCCEEDED")["executionArn"]
    first = sfn.get_execution_history(executionArn=arn)
    assert len(first["events"]) == 100 and first["nextToken"]
    events = history(sfn, arn)
    assert [e["id"] for e in events] == list(range(1, len(events) + 1))
    assert events[0]["type"] == "ExecutionStarted" and events[-1]["type"] == "ExecutionSucceeded"
    assert all(a["timestamp"] <= b["timestamp"] for a, b in zip(events, events[1:]))
    newest = sfn.get_execution_history(executionArn=arn, reverseOrder=True, maxResults=1)["events"]
    assert newest[0]["type"] == "ExecutionSucceeded"
    bare = sfn.get_execution_history(executionArn=arn, maxResults=1, includeExecutionData=False)["events"]
    assert "input" not in bare[0]["executionStartedEventDetails"]


def test_history_shows_retries(sandbox, sfn, listings, history):
    """A capacity reservation retried on another instance type; a missing table retried twice."""
    for e in listings["training"]:
        if e["status"] != "SUCCEEDED":
            continue
        events = history(sfn, e["executionArn"])
        kinds = [ev["type"] for ev in events if ev["type"] in ("TaskScheduled", "TaskFailed")]
        if "TaskFailed" in kinds:
            failed_at = kinds.index("TaskFailed")
            assert kinds[failed_at + 1] == "TaskScheduled"  # retried
            break
    else:
        pytest.fail("no training execution succeeded after a retry")

    failed = _first(listings, "evaluation", "FAILED")["executionArn"]
    events = history(sfn, failed)
    failures = [ev["taskFailedEventDetails"]["error"] for ev in events if ev["type"] == "TaskFailed"]
    assert failures == ["DynamoDB.ResourceNotFoundException"] * 3
    assert sum(ev["type"] == "TaskScheduled" for ev in events) == 3


def test_map_over_sixty_batches_with_limited_concurrency(sandbox, sfn, listings, history):
    definition = json.loads(sfn.describe_state_machine(
        stateMachineArn=sandbox.scenario.state_machines["inference"])["definition"])
    assert definition["States"]["Classify item batches"]["MaxConcurrency"] == 5
    events = history(sfn, _first(listings, "inference", "SUCCEEDED")["executionArn"])
    started = next(ev for ev in events if ev["type"] == "MapStateStarted")
    assert started["mapStateStartedEventDetails"]["length"] >= 50
    assert sum(ev["type"] == "MapIterationStarted" for ev in events) >= 50
    assert sum(ev["type"] == "MapIterationSucceeded" for ev in events) >= 50


def test_failed_map_iteration(sandbox, sfn, listings, history):
    for e in listings["inference"]:
        if e["status"] == "FAILED":
            described = sfn.describe_execution(executionArn=e["executionArn"])
            if described["error"] == "SageMaker.TransformJobFailed":
                events = history(sfn, e["executionArn"])
                assert any(ev["type"] == "MapIterationFailed" for ev in events)
                assert "part-17" in described["cause"]
                return
    pytest.fail("no inference failed in a batch")


def test_replays_are_relabelled_consistently(sandbox, sfn, listings, history):
    """The template's country, ids and metrics never leak into a replay of another country."""
    execution = _first(listings, "training", "SUCCEEDED", "-JP-")
    request_id = json.loads(sfn.describe_execution(executionArn=execution["executionArn"])["input"])["requestId"]
    texts = []
    for event in history(sfn, execution["executionArn"]):
        texts += [v for details in event.values() if isinstance(details, dict)
                  for v in details.values() if isinstance(v, str)]
    text = "\n".join(texts)
    assert request_id in text and '"country":"JP"' in text
    others = {f'"country":"{country}"' for country in ("US", "UK", "DE", "FR")}
    assert not any(other in text for other in others)
    assert "-JP-" in text and not any(f"-{country}-" in text for country in ("US", "UK", "DE", "FR"))
