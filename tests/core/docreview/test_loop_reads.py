"""A2I as operations read it, against SageMaker's and A2I's own API models (Stubber): flow definitions and their
human task settings, loops a page at a time, one loop's output compared field by field."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from stubbed_aws import StubbedClients, body

from opsconsole.core.docreview.loops import (
    DEFAULT_LIFETIME_S,
    FlowDefinition,
    HumanLoop,
    LoopDetail,
    WorkerAnswer,
    count_loops,
    describe_loop,
    iter_flow_definitions,
    iter_flow_overview,
    iter_loops,
    parse_output,
    start_loop_write,
)
from opsconsole.core.identity import Identity

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
FLOW_ARN = "arn:aws:sagemaker:eu-west-1:123456789012:flow-definition/doc-review-invoices"
WHO = Identity(display_name="Ops")


def flow_summary(name: str) -> dict:
    return {"FlowDefinitionName": name, "FlowDefinitionArn": f"{FLOW_ARN[:-len('doc-review-invoices')]}{name}",
            "FlowDefinitionStatus": "Active", "CreationTime": NOW - timedelta(days=3)}


def described(name: str, **config) -> dict:
    return {"FlowDefinitionArn": f"{FLOW_ARN[:-len('doc-review-invoices')]}{name}", "FlowDefinitionName": name,
            "FlowDefinitionStatus": "Active", "CreationTime": NOW - timedelta(days=3),
            "HumanLoopConfig": {"WorkteamArn": "arn:aws:sagemaker:eu-west-1:123456789012:workteam/private-crowd/ops",
                                "HumanTaskUiArn": "arn:aws:sagemaker:eu-west-1:123456789012:human-task-ui/invoice",
                                "TaskTitle": "Check the invoice fields", "TaskDescription": "d", **config},
            "OutputConfig": {"S3OutputPath": "s3://ml-platform-documents/a2i-output"},
            "RoleArn": "arn:aws:iam::123456789012:role/a2i"}


def test_flow_definitions_carry_their_human_task_settings():
    clients = StubbedClients("sagemaker")
    stub = clients.stub("sagemaker")
    stub.add_response("list_flow_definitions", {"FlowDefinitionSummaries": [flow_summary("doc-review-invoices"),
                                                                            flow_summary("doc-review-customs")]},
                      {"MaxResults": 100})
    stub.add_response("describe_flow_definition", described(
        "doc-review-invoices", TaskCount=2, TaskAvailabilityLifetimeInSeconds=3600, TaskTimeLimitInSeconds=300),
        {"FlowDefinitionName": "doc-review-invoices"})
    stub.add_response("describe_flow_definition", described("doc-review-customs", TaskCount=1),
                      {"FlowDefinitionName": "doc-review-customs"})
    with clients.active():
        (page,) = list(iter_flow_definitions(clients))
    invoices, customs = page
    assert (invoices.name, invoices.arn, invoices.status) == ("doc-review-invoices", FLOW_ARN, "Active")
    assert (invoices.task_count, invoices.availability_s, invoices.time_limit_s) == (2, 3600, 300)
    assert invoices.task_title == "Check the invoice fields"
    assert invoices.output_path == "s3://ml-platform-documents/a2i-output"
    assert invoices.created == NOW - timedelta(days=3)
    # Not set: A2I's defaults (one worker, ten days available), no time limit shown.
    assert (customs.task_count, customs.availability_s, customs.time_limit_s) == (1, DEFAULT_LIFETIME_S, 0)
    assert not invoices.counted


def loops_page(stub, loops: list[tuple[str, str, datetime]], expected: dict, token: str | None = None) -> None:
    answer = {"HumanLoopSummaries": [{"HumanLoopName": n, "HumanLoopStatus": s, "CreationTime": c,
                                      "FlowDefinitionArn": FLOW_ARN} for n, s, c in loops]}
    if token:
        answer["NextToken"] = token
    stub.add_response("list_human_loops", answer, expected)


def test_loops_come_a_page_at_a_time_newest_first_unless_asked_otherwise():
    clients = StubbedClients("sagemaker-a2i-runtime")
    stub = clients.stub("sagemaker-a2i-runtime")
    base = {"FlowDefinitionArn": FLOW_ARN, "SortOrder": "Descending", "MaxResults": 2}
    loops_page(stub, [("doc-3", "InProgress", NOW), ("doc-2", "Failed", NOW - timedelta(hours=1))], base, "t2")
    loops_page(stub, [("doc-1", "Completed", NOW - timedelta(hours=2))], {**base, "NextToken": "t2"})
    after, before = NOW - timedelta(days=1), NOW
    loops_page(stub, [("doc-1", "Completed", NOW - timedelta(hours=2))],
               {"FlowDefinitionArn": FLOW_ARN, "SortOrder": "Ascending", "MaxResults": 100,
                "CreationTimeAfter": after, "CreationTimeBefore": before})
    loops_page(stub, [], {"FlowDefinitionArn": FLOW_ARN, "SortOrder": "Descending", "MaxResults": 1})
    with clients.active():
        pages = list(iter_loops(clients, FLOW_ARN, page_size=2))
        assert [[loop.name for loop in p] for p in pages] == [["doc-3", "doc-2"], ["doc-1"]]
        assert pages[0][1] == HumanLoop("doc-2", "Failed", NOW - timedelta(hours=1), "", FLOW_ARN)
        assert list(iter_loops(clients, FLOW_ARN, after=after, before=before, descending=False, page_size=500))
        assert list(iter_loops(clients, FLOW_ARN, page_size=0)) == []


def test_each_flow_is_shown_first_then_again_with_its_loops_counted_over_every_page():
    clients = StubbedClients("sagemaker", "sagemaker-a2i-runtime")
    sm, a2i = clients.stub("sagemaker"), clients.stub("sagemaker-a2i-runtime")
    sm.add_response("list_flow_definitions", {"FlowDefinitionSummaries": [flow_summary("doc-review-invoices")]})
    sm.add_response("describe_flow_definition", described("doc-review-invoices", TaskCount=1,
                                                             TaskAvailabilityLifetimeInSeconds=3600))
    base = {"FlowDefinitionArn": FLOW_ARN, "SortOrder": "Descending", "MaxResults": 100}
    loops_page(a2i, [("a", "InProgress", NOW - timedelta(minutes=50)), ("b", "Completed", NOW)], base, "t2")
    loops_page(a2i, [("c", "InProgress", NOW - timedelta(minutes=5))], {**base, "NextToken": "t2"})
    with clients.active():
        (flow,) = list(iter_flow_overview(clients, NOW))
    assert flow.counted and dict(flow.counts) == {"InProgress": 2, "Completed": 1} and flow.total == 3
    assert flow.oldest_open == NOW - timedelta(minutes=50)
    assert flow.near_limit == 1  # 50 of 60 minutes is past 80 %


def test_a_loop_exactly_at_eighty_percent_of_its_availability_counts_as_near_the_limit():
    flow = FlowDefinition("f", FLOW_ARN, "Active", availability_s=1000)
    loops = [HumanLoop("a", "InProgress", NOW - timedelta(seconds=800)),
             HumanLoop("b", "InProgress", NOW - timedelta(seconds=799)),
             HumanLoop("c", "Completed", NOW - timedelta(days=30)),
             HumanLoop("d", "InProgress", None)]
    counted = count_loops(flow, loops, NOW)
    assert counted.near_limit == 1 and counted.oldest_open == NOW - timedelta(seconds=800)
    assert counted.backlog_age(NOW) == timedelta(seconds=800)
    assert count_loops(flow, [], NOW).backlog_age(NOW) is None


def test_the_oldest_open_loop_is_kept_across_pages_whatever_their_order():
    flow = FlowDefinition("f", FLOW_ARN, "Active")
    first = count_loops(flow, [HumanLoop("a", "InProgress", NOW - timedelta(hours=5))], NOW)
    second = count_loops(flow, [HumanLoop("b", "InProgress", NOW - timedelta(hours=1))], NOW, into=first)
    assert second.oldest_open == NOW - timedelta(hours=5)
    assert HumanLoop("b", "InProgress", NOW - timedelta(hours=1)).age(NOW) == timedelta(hours=1)
    assert HumanLoop("x", "InProgress", None).age(NOW) is None


OUTPUT = {
    "humanLoopName": "doc-inv-0042",
    "inputContent": {"documentId": "inv-0042", "fields": [{"id": "f1", "key": "Total", "value": "10.00"},
                                                          {"id": "f2", "value": None}]},
    "humanAnswers": [
        {"answerContent": {"fields": [{"id": "f1", "key": "Total", "value": "100.00"}, {"id": "f2", "value": 7}]},
         "submissionTime": "2026-11-30T10:01:30.000Z", "acceptanceTime": "2026-11-30T10:00:00Z",
         "timeSpentInSeconds": 90, "workerId": "w-17"},
        "not an answer",
    ],
}


def a2i_describe(stub, name: str, status: str = "Completed", output: str | None = "s3://out/doc/output.json") -> None:
    answer = {"CreationTime": NOW, "HumanLoopStatus": status, "HumanLoopName": name,
              "HumanLoopArn": f"arn:aws:sagemaker:eu-west-1:123456789012:human-loop/{name}",
              "FlowDefinitionArn": FLOW_ARN, "FailureReason": "", "FailureCode": ""}
    if output:
        answer["HumanLoopOutput"] = {"OutputS3Uri": output}
    stub.add_response("describe_human_loop", answer, {"HumanLoopName": name})


def test_a_completed_loop_shows_the_workers_answers_against_the_machines():
    clients = StubbedClients("sagemaker-a2i-runtime", "s3")
    a2i_describe(clients.stub("sagemaker-a2i-runtime"), "doc-inv-0042")
    data = json.dumps(OUTPUT).encode()
    clients.stub("s3").add_response("get_object", {"Body": body(data)}, {"Bucket": "out", "Key": "doc/output.json"})
    with clients.active():
        detail = describe_loop(clients, "doc-inv-0042")
    assert (detail.name, detail.status, detail.flow_arn, detail.created) == ("doc-inv-0042", "Completed", FLOW_ARN, NOW)
    assert detail.arn.endswith("human-loop/doc-inv-0042") and detail.output_uri == "s3://out/doc/output.json"
    assert detail.output_error == ""
    (answer,) = detail.answers
    assert answer == WorkerAnswer("w-17", {"Total": "100.00", "f2": "7"}, 90.0,
                                  datetime(2026, 11, 30, 10, 0, tzinfo=UTC), datetime(2026, 11, 30, 10, 1, 30, tzinfo=UTC))
    assert detail.machine == {"Total": "10.00", "f2": None}
    rows = {r.key: r for r in detail.comparison()}
    assert rows["Total"].machine_differs and rows["f2"].machine_differs
    assert detail.time_spent_s == 90.0


def test_a_loop_still_open_has_no_output_to_read():
    clients = StubbedClients("sagemaker-a2i-runtime", "s3")
    a2i_describe(clients.stub("sagemaker-a2i-runtime"), "doc-open", "InProgress", output=None)
    with clients.active():
        detail = describe_loop(clients, "doc-open")
    assert detail.answers == [] and detail.output_uri == "" and detail.machine == {} and detail.output_error == ""
    assert detail.agreement() is None and detail.time_spent_s is None


def test_an_output_that_cannot_be_read_or_is_not_a2is_says_so_on_the_loop():
    clients = StubbedClients("sagemaker-a2i-runtime", "s3")
    a2i, s3 = clients.stub("sagemaker-a2i-runtime"), clients.stub("s3")
    a2i_describe(a2i, "doc-gone")
    s3.add_client_error("get_object", "NoSuchKey", "gone", 404)
    a2i_describe(a2i, "doc-garbled")
    s3.add_response("get_object", {"Body": body(b"<html>")})
    with clients.active():
        gone = describe_loop(clients, "doc-gone")
        garbled = describe_loop(clients, "doc-garbled")
    assert gone.output_error == "output.json could not be read (NoSuchKey)"
    assert garbled.output_error.startswith("output.json is not A2I's layout (")


def test_answers_and_inputs_given_as_json_text_or_plain_text_are_compared_too():
    machine, answers = parse_output({"inputContent": '{"total": "10"}', "humanAnswers": [
        {"answerContent": '{"total": "10", "items": [1, 2]}', "workerId": "a", "timeSpentInSeconds": "12"},
        {"answerContent": "just text", "workerId": "b"},
        {"answerContent": None}]})
    assert [a.values for a in answers] == [{"total": "10", "items": "[1, 2]"}, {"value": "just text"}, {}]
    assert answers[0].time_spent_s is None  # a number as text is not A2I's layout
    detail = LoopDetail("l", "Completed", "arn", FLOW_ARN, NOW, input_content=machine, answers=answers)
    rows = {r.key: r for r in detail.comparison()}
    assert list(rows) == ["total", "items", "value"]
    assert not rows["total"].machine_differs and rows["total"].workers_disagree
    assert rows["items"].answers == ("[1, 2]", None, None)


def test_agreement_counts_only_fields_someone_answered_and_none_without_any():
    answers = [WorkerAnswer("a", {"x": "1", "y": None}), WorkerAnswer("b", {"x": " 1 ", "y": None})]
    detail = LoopDetail("l", "Completed", "arn", FLOW_ARN, NOW, input_content={"z": "9"}, answers=answers)
    assert detail.agreement() == 1.0
    nothing = LoopDetail("l", "Completed", "arn", FLOW_ARN, NOW, answers=[WorkerAnswer("a", {"x": None}),
                                                                         WorkerAnswer("b", {"x": None})])
    assert nothing.agreement() is None
    split = LoopDetail("l", "Completed", "arn", FLOW_ARN, NOW, answers=[
        WorkerAnswer("a", {"x": "1", "y": "2"}, 10), WorkerAnswer("b", {"x": "1", "y": "3"}),
        WorkerAnswer("c", {"x": "1", "y": "2"}, 5.5)])
    assert split.agreement() == pytest.approx(0.5)
    assert split.time_spent_s == 15.5


def test_a_field_a_worker_left_out_is_not_a_difference_from_the_machine():
    detail = LoopDetail("l", "Completed", "arn", FLOW_ARN, NOW, input_content={"x": "1", "y": "2"},
                        answers=[WorkerAnswer("a", {"x": "1"})])
    rows = {r.key: r for r in detail.comparison()}
    assert not rows["y"].machine_differs and rows["y"].answers == (None,)


def test_a_loop_input_over_a2is_limit_is_refused_with_its_size_and_classifiers_are_declared():
    from opsconsole.core.docreview.loops import MAX_INPUT_CHARS, LoopRefused

    with pytest.raises(LoopRefused, match=f"at most {MAX_INPUT_CHARS:,}"):
        start_loop_write("arn:flow", "doc-big", {"x": "y" * MAX_INPUT_CHARS}, WHO)
    flow = FlowDefinition("f", FLOW_ARN, "Active")
    write = start_loop_write(flow, "doc-ok", {"x": "y" * (MAX_INPUT_CHARS - 20)}, WHO)
    (call,) = write.calls
    assert call.params["FlowDefinitionArn"] == FLOW_ARN and call.params["HumanLoopName"] == "doc-ok"
    assert call.params["DataAttributes"] == {"ContentClassifiers": ["FreeOfPersonallyIdentifiableInformation",
                                                                    "FreeOfAdultContent"]}
    assert "DataAttributes" not in start_loop_write(flow, "doc-ok", {}, WHO, classifiers=()).calls[0].params
    assert write.details == {"flow_definition": FLOW_ARN}


@pytest.mark.parametrize(("make", "status", "action", "operation"), [
    ("stop", "InProgress", "Stop human loop", "StopHumanLoop"),
    ("delete", "Completed", "Delete human loop", "DeleteHumanLoop"),
])
def test_stopping_and_deleting_a_loop_are_audited_as_said_and_sent_as_a2i_takes_them(make, status, action, operation):
    from opsconsole.core.docreview.loops import delete_loop_write, stop_loop_write

    loop = HumanLoop("doc-inv-7", status, NOW)
    write = (stop_loop_write if make == "stop" else delete_loop_write)(loop, WHO)
    assert (write.action, write.target, write.service, write.operation) == (
        action, "doc-inv-7", "sagemaker-a2i-runtime", operation)
    assert write.who == WHO and write.targets == ("doc-inv-7",) and write.destructive
    assert write.details == {"status": status}
    clients = StubbedClients("sagemaker-a2i-runtime")
    clients.stub("sagemaker-a2i-runtime").add_response(
        "stop_human_loop" if make == "stop" else "delete_human_loop", {}, {"HumanLoopName": "doc-inv-7"})
    with clients.active():
        write.run(clients)


def test_starting_a_loop_is_audited_with_the_flow_and_sent_as_a2i_takes_it():
    write = start_loop_write(FLOW_ARN, "doc-inv-7", {"documentId": "inv-7"}, WHO)
    assert (write.action, write.target, write.service, write.operation) == (
        "Start human loop", "doc-inv-7", "sagemaker-a2i-runtime", "StartHumanLoop")
    assert write.who == WHO and write.targets == ("doc-inv-7", FLOW_ARN) and not write.destructive
    clients = StubbedClients("sagemaker-a2i-runtime")
    clients.stub("sagemaker-a2i-runtime").add_response(
        "start_human_loop", {"HumanLoopArn": "arn:aws:sagemaker:eu-west-1:123456789012:human-loop/doc-inv-7"},
        {"HumanLoopName": "doc-inv-7", "FlowDefinitionArn": FLOW_ARN,
         "HumanLoopInput": {"InputContent": '{"documentId": "inv-7"}'},
         "DataAttributes": {"ContentClassifiers": ["FreeOfPersonallyIdentifiableInformation", "FreeOfAdultContent"]}})
    with clients.active():
        write.run(clients)


def test_refusals_say_which_loop_and_why():
    from opsconsole.core.docreview.loops import MAX_INPUT_CHARS, LoopRefused, check_loop_name, delete_loop_write, \
        stop_loop_write

    with pytest.raises(LoopRefused, match="Loop doc-x is Completed: only a loop in progress can be stopped"):
        stop_loop_write(HumanLoop("doc-x", "Completed", NOW), WHO)
    with pytest.raises(LoopRefused, match="Loop doc-x is InProgress: A2I deletes only Failed, Completed or Stopped "
                                          "loops; stop it first"):
        delete_loop_write(HumanLoop("doc-x", "InProgress", NOW), WHO)
    assert check_loop_name("x" * 63) is None
    assert check_loop_name("x" * 64) == "1 to 63 characters"
    assert check_loop_name("Doc-1") == "Lower-case letters, digits and single hyphens inside (doc-inv-0042)"
    # Exactly A2I's limit is accepted: {"x": "..."} is 9 characters around the text.
    assert start_loop_write(FLOW_ARN, "doc-ok", {"x": "y" * (MAX_INPUT_CHARS - 9)}, WHO)


def test_a_loop_row_without_details_shows_empty_text():
    loop = HumanLoop.from_api({"CreationTime": "2026-11-30T10:00:00Z", "FailureReason": None})
    assert (loop.name, loop.status, loop.failure_reason, loop.flow_arn) == ("", "", "", "")
    failed = HumanLoop.from_api({"HumanLoopName": "doc-1", "HumanLoopStatus": "Failed", "FailureReason": "no workers"})
    assert failed.failure_reason == "no workers" and failed.created is None


def test_two_loops_created_at_the_same_time_and_the_count_of_near_limit_loops_adds_up_over_pages():
    flow = FlowDefinition("f", FLOW_ARN, "Active", availability_s=100)
    first = count_loops(flow, [HumanLoop("a", "InProgress", NOW - timedelta(seconds=90))], NOW)
    second = count_loops(flow, [HumanLoop("b", "InProgress", NOW - timedelta(seconds=90)),
                                HumanLoop("c", "InProgress", NOW - timedelta(seconds=95))], NOW, into=first)
    assert second.near_limit == 3 and second.oldest_open == NOW - timedelta(seconds=95)


def test_the_overview_counts_against_the_time_given():
    clients = StubbedClients("sagemaker", "sagemaker-a2i-runtime")
    sm, a2i = clients.stub("sagemaker"), clients.stub("sagemaker-a2i-runtime")
    sm.add_response("list_flow_definitions", {"FlowDefinitionSummaries": [flow_summary("doc-review-invoices")]})
    sm.add_response("describe_flow_definition", described("doc-review-invoices", TaskCount=1,
                                                          TaskAvailabilityLifetimeInSeconds=3600))
    loops_page(a2i, [], {"FlowDefinitionArn": FLOW_ARN, "SortOrder": "Descending", "MaxResults": 100})
    with clients.active():
        (flow,) = list(iter_flow_overview(clients, NOW))
    assert flow.counted and flow.total == 0 and flow.near_limit == 0 and flow.oldest_open is None


def test_workers_answering_differently_only_in_case_or_spacing_agree_but_not_with_an_empty_answer():
    detail = LoopDetail("l", "Completed", "arn", FLOW_ARN, NOW, answers=[
        WorkerAnswer("a", {"x": "Acme  GmbH", "y": "1"}), WorkerAnswer("b", {"x": "acme gmbh", "y": None})])
    rows = {r.key: r for r in detail.comparison()}
    assert not rows["x"].workers_disagree and rows["y"].workers_disagree
    single = LoopDetail("l", "Completed", "arn", FLOW_ARN, NOW, answers=[WorkerAnswer("a", {"x": "1"})])
    assert not single.comparison()[0].workers_disagree


def test_a_worker_typing_none_differs_from_a_field_the_machine_left_empty():
    detail = LoopDetail("l", "Completed", "arn", FLOW_ARN, NOW, input_content={"fields": [{"id": "x", "value": None}]},
                        answers=[WorkerAnswer("a", {"x": "None"})])
    assert detail.comparison()[0].machine_differs


def test_a_failed_loop_says_why_and_a_loop_without_a_failure_says_nothing():
    clients = StubbedClients("sagemaker-a2i-runtime")
    stub = clients.stub("sagemaker-a2i-runtime")
    stub.add_response("describe_human_loop", {
        "CreationTime": NOW, "HumanLoopStatus": "Failed", "HumanLoopName": "doc-bad",
        "HumanLoopArn": "arn:aws:sagemaker:eu-west-1:123456789012:human-loop/doc-bad", "FlowDefinitionArn": FLOW_ARN,
        "FailureReason": "The workteam has no workers", "FailureCode": "ValidationError"}, {"HumanLoopName": "doc-bad"})
    stub.add_response("describe_human_loop", {
        "CreationTime": NOW, "HumanLoopStatus": "InProgress", "HumanLoopName": "doc-ok",
        "HumanLoopArn": "arn:aws:sagemaker:eu-west-1:123456789012:human-loop/doc-ok", "FlowDefinitionArn": FLOW_ARN},
        {"HumanLoopName": "doc-ok"})
    with clients.active():
        bad = describe_loop(clients, "doc-bad")
        ok = describe_loop(clients, "doc-ok")
    assert (bad.failure_reason, bad.failure_code, bad.status) == ("The workteam has no workers", "ValidationError", "Failed")
    assert (ok.failure_reason, ok.failure_code, ok.status, ok.name) == ("", "", "InProgress", "doc-ok")
