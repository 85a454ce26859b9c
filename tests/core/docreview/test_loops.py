"""A2I loops as operations see them: one loop's answers against the machine's, agreement, what may be done."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from opsconsole.core.docreview import (
    HumanLoop,
    LoopRefused,
    check_loop_name,
    delete_loop_write,
    stop_loop_write,
)
from opsconsole.core.docreview.loops import (
    FlowDefinition,
    LoopDetail,
    count_loops,
    parse_output,
    start_loop_write,
)
from opsconsole.core.identity import Identity

WHO = Identity(display_name="Ops")
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)

OUTPUT = {
    "flowDefinitionArn": "arn:aws:sagemaker:us-east-1:123456789012:flow-definition/doc-review-customs",
    "humanLoopName": "doc-cf-0007",
    "inputContent": {"documentId": "cf-0007", "fields": [
        {"id": "f1", "key": "HS code", "value": "8471.30", "confidence": 0.71},
        {"id": "f2", "key": "Country of origin", "value": "DE", "confidence": 0.99},
        {"id": "f3", "key": "Weight", "value": "12.5 kg", "confidence": 0.64},
    ]},
    "humanAnswers": [
        {"answerContent": {"fields": [{"id": "f1", "key": "HS code", "value": "8471.41"},
                                      {"id": "f2", "key": "Country of origin", "value": "DE"},
                                      {"id": "f3", "key": "Weight", "value": "12.5 kg"}]},
         "acceptanceTime": "2026-11-30T10:00:00.000Z", "submissionTime": "2026-11-30T10:01:30.000Z",
         "timeSpentInSeconds": 90, "workerId": "w-17", "workerMetadata": {}},
        {"answerContent": {"fields": [{"id": "f1", "key": "HS code", "value": "8471.41"},
                                      {"id": "f2", "key": "Country of origin", "value": "de"},
                                      {"id": "f3", "key": "Weight", "value": "15 kg"}]},
         "acceptanceTime": "2026-11-30T10:00:10.000Z", "submissionTime": "2026-11-30T10:02:00.000Z",
         "timeSpentInSeconds": 110.5, "workerId": "w-23", "workerMetadata": {}},
    ],
}


def _detail(output=OUTPUT) -> LoopDetail:
    detail = LoopDetail("doc-cf-0007", "Completed", "arn", "flow", NOW)
    detail.input_content, detail.answers = parse_output(output)
    return detail


def test_each_field_shows_the_machine_and_every_worker_with_differences_marked():
    rows = {r.key: r for r in _detail().comparison()}
    assert list(rows) == ["HS code", "Country of origin", "Weight"]
    assert rows["HS code"].machine == "8471.30" and rows["HS code"].answers == ("8471.41", "8471.41")
    assert rows["HS code"].machine_differs and not rows["HS code"].workers_disagree
    # Case and spacing are not a difference.
    assert not rows["Country of origin"].machine_differs and not rows["Country of origin"].workers_disagree
    assert rows["Weight"].machine_differs and rows["Weight"].workers_disagree


def test_agreement_is_the_share_of_fields_all_workers_answered_alike():
    detail = _detail()
    assert detail.agreement() == pytest.approx(2 / 3)
    assert detail.time_spent_s == pytest.approx(200.5)
    assert [a.worker_id for a in detail.answers] == ["w-17", "w-23"]


def test_one_answer_has_no_agreement_figure():
    single = dict(OUTPUT, humanAnswers=OUTPUT["humanAnswers"][:1])
    assert _detail(single).agreement() is None


def test_flat_answers_are_compared_by_their_members():
    flat = {"inputContent": {"total": "10.00", "vendor": {"name": "Acme"}},
            "humanAnswers": [{"answerContent": {"total": "100.00", "vendor": {"name": "Acme"}}, "workerId": "w"}]}
    rows = {r.key: r for r in _detail(flat).comparison()}
    assert rows["total"].machine_differs and not rows["vendor.name"].machine_differs


def test_counts_by_status_backlog_age_and_loops_near_their_availability_limit():
    flow = FlowDefinition("doc-review-invoices", "arn:flow", "Active", availability_s=3600)
    loops = [HumanLoop("a", "InProgress", NOW - timedelta(minutes=55)),   # past 80 % of an hour
             HumanLoop("b", "InProgress", NOW - timedelta(minutes=10)),
             HumanLoop("c", "Completed", NOW - timedelta(hours=3)),
             HumanLoop("d", "Failed", NOW - timedelta(hours=2))]
    counted = count_loops(flow, loops[:2], NOW)
    counted = count_loops(flow, loops[2:], NOW, into=counted)
    assert dict(counted.counts) == {"InProgress": 2, "Completed": 1, "Failed": 1}
    assert counted.near_limit == 1
    assert counted.backlog_age(NOW) == timedelta(minutes=55)


@pytest.mark.parametrize("status", ["InProgress", "Stopping"])
def test_a_running_loop_cannot_be_deleted_and_the_refusal_says_why(status):
    with pytest.raises(LoopRefused, match="only Failed, Completed or Stopped"):
        delete_loop_write(HumanLoop("doc-x", status, NOW), WHO)


@pytest.mark.parametrize("status", ["Completed", "Failed", "Stopped"])
def test_finished_loops_can_be_deleted_after_confirmation(status):
    write = delete_loop_write(HumanLoop("doc-x", status, NOW), WHO)
    assert write.destructive and write.calls[0].operation == "DeleteHumanLoop"
    assert write.calls[0].params == {"HumanLoopName": "doc-x"}


def test_only_a_loop_in_progress_can_be_stopped():
    assert stop_loop_write(HumanLoop("doc-x", "InProgress", NOW), WHO).destructive
    with pytest.raises(LoopRefused):
        stop_loop_write(HumanLoop("doc-x", "Completed", NOW), WHO)


@pytest.mark.parametrize(("name", "ok"), [("doc-inv-0042", True), ("a", True), ("Doc-1", False), ("-doc", False),
                                          ("doc-", False), ("doc_1", False), ("x" * 64, False), ("", False)])
def test_loop_names_follow_a2is_pattern(name, ok):
    assert (check_loop_name(name) is None) is ok


def test_start_sends_the_content_as_json_with_the_flow_definition():
    write = start_loop_write("arn:flow", "doc-inv-1", {"documentId": "inv-1"}, WHO)
    (call,) = write.calls
    assert call.operation == "StartHumanLoop"
    assert call.params["HumanLoopInput"] == {"InputContent": '{"documentId": "inv-1"}'}
    with pytest.raises(LoopRefused, match="not valid"):
        start_loop_write("arn:flow", "Bad Name", {}, WHO)
