"""The A2I runtime and SageMaker's flow definitions in the sandbox: AWS's rules and refusals.

Status codes and error codes are the ones botocore's models give each
operation (sagemaker-a2i-runtime 2019-11-07, sagemaker 2017-07-24).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from support import wait_until

ROLE = "arn:aws:iam::123456789012:role/service-role/a2i-tests"
TEAM = "arn:aws:sagemaker:eu-west-1:123456789012:workteam/private-crowd/testers"


def error(call: Any, **params: Any) -> tuple[int, str, str]:
    with pytest.raises(ClientError) as raised:
        call(**params)
    response = raised.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"], response["Error"]["Message"]


@pytest.fixture(scope="module")
def flow(sagemaker: Any) -> str:
    """A flow definition of these tests (TaskCount 3), with its own task UI."""
    ui = sagemaker.create_human_task_ui(HumanTaskUiName="api-tests-ui",
                                        UiTemplate={"Content": "<crowd-form></crowd-form>"})["HumanTaskUiArn"]
    return sagemaker.create_flow_definition(
        FlowDefinitionName="api-tests-flow", RoleArn=ROLE,
        OutputConfig={"S3OutputPath": "s3://ml-platform-documents/a2i-output"},
        HumanLoopConfig={"WorkteamArn": TEAM, "HumanTaskUiArn": ui, "TaskTitle": "Check", "TaskDescription": "Check it",
                         "TaskCount": 3, "TaskAvailabilityLifetimeInSeconds": 3600, "TaskTimeLimitInSeconds": 300},
    )["FlowDefinitionArn"]


def start(a2i: Any, flow: str, name: str, content: Any = None) -> str:
    return a2i.start_human_loop(HumanLoopName=name, FlowDefinitionArn=flow,
                                HumanLoopInput={"InputContent": json.dumps(content or {"n": name})},
                                DataAttributes={"ContentClassifiers": ["FreeOfPersonallyIdentifiableInformation"]},
                                )["HumanLoopArn"]


# -- StartHumanLoop ----------------------------------------------------------------------------------
def test_a_started_loop_is_in_progress_with_its_arn_and_flow(a2i: Any, flow: str) -> None:
    arn = start(a2i, flow, "start-1")
    loop = a2i.describe_human_loop(HumanLoopName="start-1")
    assert arn == "arn:aws:sagemaker:eu-west-1:123456789012:human-loop/start-1" == loop["HumanLoopArn"]
    assert loop["HumanLoopStatus"] == "InProgress" and loop["FlowDefinitionArn"] == flow
    assert "HumanLoopOutput" not in loop and "FailureCode" not in loop
    assert abs((loop["CreationTime"] - dt.datetime.now(dt.timezone.utc)).total_seconds()) < 60


@pytest.mark.parametrize("name", ["Upper", "-lead", "trail-", "under_score", "x" * 64])
def test_names_outside_the_pattern_or_length_are_refused(raw: Any, flow: str, name: str) -> None:
    status, code, message = error(raw("sagemaker-a2i-runtime").start_human_loop, HumanLoopName=name,
                                  FlowDefinitionArn=flow, HumanLoopInput={"InputContent": "{}"})
    assert (status, code) == (400, "ValidationException")
    assert "humanLoopName" in message


def test_input_content_over_3145728_characters_is_refused_and_at_the_limit_accepted(raw: Any, a2i: Any,
                                                                                  flow: str) -> None:
    filler = "x" * (3_145_728 - len(json.dumps({"a": ""})))
    status, code, message = error(raw("sagemaker-a2i-runtime").start_human_loop, HumanLoopName="too-big",
                                  FlowDefinitionArn=flow, HumanLoopInput={"InputContent": json.dumps({"a": filler + "y"})})
    assert (status, code) == (400, "ValidationException") and "humanLoopInput.inputContent" in message
    start(a2i, flow, "just-fits", {"a": filler})
    assert a2i.describe_human_loop(HumanLoopName="just-fits")["HumanLoopStatus"] == "InProgress"


def test_unknown_content_classifier_and_missing_input_are_refused(raw: Any, flow: str) -> None:
    client = raw("sagemaker-a2i-runtime")
    status, code, message = error(client.start_human_loop, HumanLoopName="classifier", FlowDefinitionArn=flow,
                                  HumanLoopInput={"InputContent": "{}"},
                                  DataAttributes={"ContentClassifiers": ["FreeOfEverything"]})
    assert (status, code) == (400, "ValidationException") and "FreeOfPersonallyIdentifiableInformation" in message
    status, code, message = error(client.start_human_loop, HumanLoopName="no-input", FlowDefinitionArn=flow)
    assert (status, code) == (400, "ValidationException") and "humanLoopInput" in message


def test_a_flow_definition_that_does_not_exist_is_refused(a2i: Any, flow: str) -> None:
    status, code, _ = error(a2i.start_human_loop, HumanLoopName="nowhere", FlowDefinitionArn=flow + "-gone",
                            HumanLoopInput={"InputContent": "{}"})
    assert (status, code) == (400, "ValidationException")


def test_a_taken_name_with_other_input_conflicts_and_the_same_request_is_idempotent(a2i: Any, flow: str) -> None:
    arn = start(a2i, flow, "twice", {"a": 1})
    assert start(a2i, flow, "twice", {"a": 1}) == arn
    status, code, _ = error(a2i.start_human_loop, HumanLoopName="twice", FlowDefinitionArn=flow,
                            HumanLoopInput={"InputContent": json.dumps({"a": 2})})
    assert (status, code) == (409, "ConflictException")


def test_the_quota_of_loops_in_progress_answers_service_quota_exceeded(a2i: Any, flow: str, monkeypatch: Any) -> None:
    from opsconsole.sandbox.a2i import backend

    monkeypatch.setattr(backend, "ACTIVE_LOOP_QUOTA", len(backend.backend("eu-west-1").in_progress()))
    status, code, _ = error(a2i.start_human_loop, HumanLoopName="over-quota", FlowDefinitionArn=flow,
                            HumanLoopInput={"InputContent": "{}"})
    assert (status, code) == (402, "ServiceQuotaExceededException")


# -- Describe / Stop / Delete ------------------------------------------------------------------------
def test_describe_of_an_unknown_loop_is_not_found(a2i: Any) -> None:
    assert error(a2i.describe_human_loop, HumanLoopName="never-started")[:2] == (404, "ResourceNotFoundException")


def test_delete_is_refused_while_in_progress_and_allowed_once_stopped(a2i: Any, flow: str) -> None:
    start(a2i, flow, "stop-then-delete")
    status, code, message = error(a2i.delete_human_loop, HumanLoopName="stop-then-delete")
    assert (status, code) == (400, "ValidationException") and "InProgress" in message
    a2i.stop_human_loop(HumanLoopName="stop-then-delete")
    assert a2i.describe_human_loop(HumanLoopName="stop-then-delete")["HumanLoopStatus"] == "Stopping"
    assert error(a2i.delete_human_loop, HumanLoopName="stop-then-delete")[1] == "ValidationException"
    wait_until(lambda: a2i.describe_human_loop(HumanLoopName="stop-then-delete")["HumanLoopStatus"] == "Stopped",
               timeout=10, what="the loop to stop")
    a2i.delete_human_loop(HumanLoopName="stop-then-delete")
    assert error(a2i.describe_human_loop, HumanLoopName="stop-then-delete")[:2] == (404, "ResourceNotFoundException")
    assert error(a2i.delete_human_loop, HumanLoopName="stop-then-delete")[:2] == (404, "ResourceNotFoundException")


def test_completed_and_failed_seeded_loops_describe_their_outcome(a2i: Any, docreview: dict[str, Any]) -> None:
    flow = docreview["flow_definitions"]["invoices"]
    pages = a2i.get_paginator("list_human_loops").paginate(FlowDefinitionArn=flow)
    loops = [s for page in pages for s in page["HumanLoopSummaries"]]
    done = next(s for s in loops if s["HumanLoopStatus"] == "Completed")
    failed = next(s for s in loops if s["HumanLoopStatus"] == "Failed")
    described = a2i.describe_human_loop(HumanLoopName=done["HumanLoopName"])
    assert described["HumanLoopOutput"]["OutputS3Uri"].endswith(f"/{done['HumanLoopName']}/output.json")
    described = a2i.describe_human_loop(HumanLoopName=failed["HumanLoopName"])
    assert described["FailureCode"] in ("ValidationError", "Expired", "InternalError")  # the API reference's values
    assert described["FailureReason"] == failed["FailureReason"]
    assert "HumanLoopOutput" not in described
    assert error(a2i.stop_human_loop, HumanLoopName=done["HumanLoopName"])[1] == "ValidationException"


# -- ListHumanLoops ----------------------------------------------------------------------------------
def test_list_pages_every_loop_once_newest_first_by_default(a2i: Any, docreview: dict[str, Any]) -> None:
    flow = docreview["flow_definitions"]["customs"]
    seen, token, pages = [], None, 0
    while True:
        page = a2i.list_human_loops(FlowDefinitionArn=flow, MaxResults=37, **({"NextToken": token} if token else {}))
        assert len(page["HumanLoopSummaries"]) <= 37
        seen += page["HumanLoopSummaries"]
        pages += 1
        token = page.get("NextToken")
        if not token:
            break
    assert pages >= 3 and len({s["HumanLoopName"] for s in seen}) == len(seen)
    times = [s["CreationTime"] for s in seen]
    assert times == sorted(times, reverse=True)
    assert {s["FlowDefinitionArn"] for s in seen} == {flow}
    assert {"InProgress", "Completed", "Failed", "Stopped"} <= {s["HumanLoopStatus"] for s in seen}
    ascending = a2i.list_human_loops(FlowDefinitionArn=flow, SortOrder="Ascending", MaxResults=5)
    assert [s["CreationTime"] for s in ascending["HumanLoopSummaries"]] == sorted(times)[:5]


def test_list_filters_by_creation_time(a2i: Any, docreview: dict[str, Any]) -> None:
    flow = docreview["flow_definitions"]["invoices"]
    every = [s for p in a2i.get_paginator("list_human_loops").paginate(FlowDefinitionArn=flow)
             for s in p["HumanLoopSummaries"]]
    middle = sorted(s["CreationTime"] for s in every)[len(every) // 2]
    after = [s for p in a2i.get_paginator("list_human_loops").paginate(FlowDefinitionArn=flow, CreationTimeAfter=middle)
             for s in p["HumanLoopSummaries"]]
    before = [s for p in a2i.get_paginator("list_human_loops").paginate(FlowDefinitionArn=flow,
                                                                         CreationTimeBefore=middle)
              for s in p["HumanLoopSummaries"]]
    assert after and before and all(s["CreationTime"] > middle for s in after)
    assert all(s["CreationTime"] < middle for s in before)
    assert len(after) + len(before) == len(every) - sum(1 for s in every if s["CreationTime"] == middle)


def test_list_refusals(raw: Any, a2i: Any, docreview: dict[str, Any]) -> None:
    client = raw("sagemaker-a2i-runtime")
    flow = docreview["flow_definitions"]["invoices"]
    assert error(client.list_human_loops)[:2] == (400, "ValidationException")  # FlowDefinitionArn is required
    for size in (0, 101):
        status, code, message = error(client.list_human_loops, FlowDefinitionArn=flow, MaxResults=size)
        assert (status, code) == (400, "ValidationException") and "maxResults" in message
    assert error(client.list_human_loops, FlowDefinitionArn=flow, SortOrder="Sideways")[1] == "ValidationException"
    assert error(a2i.list_human_loops, FlowDefinitionArn=flow.replace("invoices", "nothing"))[:2] == \
        (404, "ResourceNotFoundException")
    token = a2i.list_human_loops(FlowDefinitionArn=flow, MaxResults=2)["NextToken"]
    other = docreview["flow_definitions"]["customs"]
    assert error(a2i.list_human_loops, FlowDefinitionArn=other, NextToken=token)[1] == "ValidationException"


# -- SageMaker: flow definitions and task UIs --------------------------------------------------------
def test_seeded_flow_definitions_describe_their_human_loop_config(sagemaker: Any, docreview: dict[str, Any]) -> None:
    listed = {f["FlowDefinitionName"]: f for f in sagemaker.list_flow_definitions(MaxResults=100)["FlowDefinitionSummaries"]}
    assert {"doc-review-invoices", "doc-review-customs"} <= set(listed)
    counts = set()
    for name in ("doc-review-invoices", "doc-review-customs"):
        described = sagemaker.describe_flow_definition(FlowDefinitionName=name)
        assert described["FlowDefinitionArn"] == docreview["flow_definitions"][
            "invoices" if "invoices" in name else "customs"]
        assert described["FlowDefinitionStatus"] == "Active"
        assert described["OutputConfig"]["S3OutputPath"] == "s3://ml-platform-documents/a2i-output"
        config = described["HumanLoopConfig"]
        assert config["TaskAvailabilityLifetimeInSeconds"] > 0 and config["TaskTimeLimitInSeconds"] >= 30
        ui = sagemaker.describe_human_task_ui(HumanTaskUiName=config["HumanTaskUiArn"].rsplit("/", 1)[-1])
        assert ui["HumanTaskUiArn"] == config["HumanTaskUiArn"] and ui["HumanTaskUiStatus"] == "Active"
        counts.add(config["TaskCount"])
    assert 2 in counts


@pytest.mark.parametrize("count", [0, 4])
def test_task_count_outside_1_to_3_is_refused(raw: Any, count: int) -> None:
    status, code, message = error(
        raw("sagemaker").create_flow_definition, FlowDefinitionName="bad-count", RoleArn=ROLE,
        OutputConfig={"S3OutputPath": "s3://b/p"},
        HumanLoopConfig={"WorkteamArn": TEAM, "HumanTaskUiArn": "arn:aws:sagemaker:eu-west-1:123456789012:human-task-ui/x",
                         "TaskTitle": "t", "TaskDescription": "d", "TaskCount": count})
    assert (status, code) == (400, "ValidationException") and "humanLoopConfig.taskCount" in message


def test_flow_definition_refusals(sagemaker: Any, raw: Any, flow: str) -> None:
    assert error(sagemaker.describe_flow_definition, FlowDefinitionName="no-such-flow")[:2] == (400, "ResourceNotFound")
    status, code, _ = error(
        sagemaker.create_flow_definition, FlowDefinitionName="api-tests-flow", RoleArn=ROLE,
        OutputConfig={"S3OutputPath": "s3://b/p"},
        HumanLoopConfig={"WorkteamArn": TEAM, "HumanTaskUiArn": "arn:aws:sagemaker:eu-west-1:123456789012:human-task-ui/api-tests-ui",
                         "TaskTitle": "t", "TaskDescription": "d", "TaskCount": 1})
    assert (status, code) == (400, "ResourceInUse")
    status, code, message = error(raw("sagemaker").create_flow_definition, FlowDefinitionName="no-output", RoleArn=ROLE)
    assert code == "ValidationException" and "outputConfig" in message
    # loops in progress keep a flow definition from being deleted
    assert error(sagemaker.delete_flow_definition, FlowDefinitionName="api-tests-flow")[1] == "ResourceInUse"
    assert error(sagemaker.describe_human_task_ui, HumanTaskUiName="no-such-ui")[1] == "ResourceNotFound"


def test_task_uis_and_flow_definitions_list_newest_first_and_page(sagemaker: Any, flow: str) -> None:
    uis = sagemaker.list_human_task_uis(MaxResults=100)["HumanTaskUiSummaries"]
    names = [u["HumanTaskUiName"] for u in uis]
    assert names[0] == "api-tests-ui" and {"invoice-review-ui", "customs-form-review-ui"} <= set(names)
    first = sagemaker.list_flow_definitions(MaxResults=1)
    assert len(first["FlowDefinitionSummaries"]) == 1 and first["NextToken"]
    rest = sagemaker.list_flow_definitions(MaxResults=100, NextToken=first["NextToken"])
    assert first["FlowDefinitionSummaries"][0]["FlowDefinitionName"] == "api-tests-flow"
    assert "api-tests-flow" not in {f["FlowDefinitionName"] for f in rest["FlowDefinitionSummaries"]}


def test_a_flow_definition_without_loops_in_progress_is_deleted(sagemaker: Any) -> None:
    ui = "arn:aws:sagemaker:eu-west-1:123456789012:human-task-ui/api-tests-ui"
    sagemaker.create_flow_definition(
        FlowDefinitionName="short-lived", RoleArn=ROLE, OutputConfig={"S3OutputPath": "s3://b/p"},
        HumanLoopConfig={"WorkteamArn": TEAM, "HumanTaskUiArn": ui, "TaskTitle": "t", "TaskDescription": "d",
                         "TaskCount": 1})
    sagemaker.delete_flow_definition(FlowDefinitionName="short-lived")
    assert error(sagemaker.describe_flow_definition, FlowDefinitionName="short-lived")[1] == "ResourceNotFound"
