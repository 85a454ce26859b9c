"""Manual steps and history export against stubbed Step Functions and SQS answers (no sandbox).

What the operator sees: which state a running execution waits at ("Waiting
for" column), the waiting task's token, queue, request and the errors its Catch
handles (the rejection form's default), the approval queue's requests in the
order they were sent, and the exported history file. The sandbox runs the same
steps end to end in test_actions_approval.py.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from actions_support import at, execution_arn, machine_arn, stubbed_aws

from opsconsole.core.executions import actions
from opsconsole.core.executions.actions.approval import find_token

RUN = execution_arn("mlops-comparison", "compare-DE")
QUEUE = "https://sqs.eu-west-1.amazonaws.com/123456789012/mlops-approvals"
WAIT = "Request promotion approval"
ROLE = "arn:aws:iam::123456789012:role/mlops-stepfunctions-execution"


@pytest.fixture
def aws():
    with stubbed_aws() as stubs:
        yield stubs


def _event(event_id: int, type_: str, previous: int | None = None, **details) -> dict:
    event = {"timestamp": at(event_id), "type": type_, "id": event_id,
             "previousEventId": event_id - 1 if previous is None else previous}
    event.update(details)
    return event


def _entered(event_id: int, name: str, previous: int | None = None) -> dict:
    return _event(event_id, "TaskStateEntered", previous, stateEnteredEventDetails={"name": name, "input": "{}"})


def _scheduled(event_id: int, previous: int | None = None, resource: str = "sendMessage.waitForTaskToken",
               parameters: str | None = None, **more) -> dict:
    if parameters is None:
        parameters = json.dumps({"QueueUrl": QUEUE, "MessageBody": json.dumps(
            {"taskToken": f"token-{event_id}", "country": "DE", "executionArn": RUN})})
    return _event(event_id, "TaskScheduled", previous, taskScheduledEventDetails={
        "resourceType": "sqs", "resource": resource, "region": "eu-west-1", "parameters": parameters, **more})


def _waiting(start: int = 2, name: str = WAIT, **scheduled) -> list[dict]:
    """A task state entered, its task scheduled, started and submitted: it now waits for its token."""
    return [_entered(start, name), _scheduled(start + 1, **scheduled),
            _event(start + 2, "TaskStarted", taskStartedEventDetails={"resourceType": "sqs",
                                                                      "resource": "sendMessage.waitForTaskToken"}),
            _event(start + 3, "TaskSubmitted", taskSubmittedEventDetails={"resourceType": "sqs",
                                                                          "resource": "sendMessage.waitForTaskToken"})]


STARTED = _event(1, "ExecutionStarted", 0, executionStartedEventDetails={"input": "{}", "roleArn": ROLE})


def _newest(aws, arn: str, events: list[dict]) -> None:
    """The newest events of ``arn`` as the list's "Waiting for" column reads them (newest first, at most 10)."""
    aws.sfn.add_response("get_execution_history", {"events": list(reversed(events[-10:]))}, {
        "executionArn": arn, "reverseOrder": True, "maxResults": 10, "includeExecutionData": False})


# -- "Waiting for" ---------------------------------------------------------------------------
def test_waiting_for_names_the_state_parked_at_its_task_token(aws):
    _newest(aws, RUN, [STARTED, *_waiting()])
    assert actions.waiting_for(aws.clients, RUN) == WAIT


def test_a_task_that_was_answered_waits_for_nothing(aws):
    events = [STARTED, *_waiting()]
    for end in ("TaskSucceeded", "TaskFailed", "TaskTimedOut", "TaskAborted"):
        _newest(aws, RUN, [*events, _event(6, end)])
        assert actions.waiting_for(aws.clients, RUN) is None, end
    # An end event that does not point back at its start directly still ends it.
    _newest(aws, RUN, [STARTED, _entered(2, WAIT), _scheduled(3), _event(4, "TaskStartFailed", 3)])
    assert actions.waiting_for(aws.clients, RUN) is None


def test_a_task_that_does_not_wait_for_a_token_is_not_waiting(aws):
    _newest(aws, RUN, [STARTED, _entered(2, "Score"), _scheduled(3, resource="sendMessage")])
    assert actions.waiting_for(aws.clients, RUN) is None


def test_a_finished_execution_waits_for_nothing(aws):
    for end in ("ExecutionSucceeded", "ExecutionFailed", "ExecutionAborted", "ExecutionTimedOut"):
        _newest(aws, RUN, [STARTED, *_waiting(), _event(6, end)])
        assert actions.waiting_for(aws.clients, RUN) is None, end


def test_waiting_for_a_token_whose_state_is_out_of_view(aws):
    events = [STARTED, *_waiting(start=2)]
    events[2]["previousEventId"] = 99  # its TaskStateEntered is older than the events read
    _newest(aws, RUN, events)
    assert actions.waiting_for(aws.clients, RUN) == "a task token"


def test_after_a_redrive_only_the_latest_attempt_can_wait(aws):
    first = _waiting(start=2, name="First attempt")
    second = _waiting(start=8, name="Second attempt")
    history = [STARTED, *first, _event(6, "ExecutionAborted"), _event(7, "ExecutionRedriven"),
               *second, _event(12, "ExecutionAborted"), _event(13, "ExecutionRedriven"),
               _entered(14, "Score"), _scheduled(15, resource="sendMessage")]
    _newest(aws, RUN, history)
    assert actions.waiting_for(aws.clients, RUN) is None  # neither left-over task waits any more
    _newest(aws, RUN, history[:-4] + [_event(13, "ExecutionRedriven"), *_waiting(start=14, name="Third")])
    assert actions.waiting_for(aws.clients, RUN) == "Third"


def test_after_a_single_redrive_the_task_left_waiting_before_it_waits_for_nothing(aws):
    history = [STARTED, *_waiting(start=2, name="Before"), _event(6, "ExecutionAborted"),
               _event(7, "ExecutionRedriven"), _entered(8, "Score"), _scheduled(9, resource="sendMessage")]
    _newest(aws, RUN, history)
    assert actions.waiting_for(aws.clients, RUN) is None


def test_waiting_states_fill_the_column_one_execution_at_a_time(aws):
    other = execution_arn("mlops-comparison", "compare-FR")
    _newest(aws, RUN, [STARTED, *_waiting()])
    _newest(aws, other, [STARTED, *_waiting(), _event(6, "ExecutionSucceeded")])
    assert list(actions.waiting_states(aws.clients, [RUN, other])) == [{RUN: WAIT}, {other: None}]


# -- the waiting task ------------------------------------------------------------------------
DEFINITION = {"StartAt": "Per country", "States": {
    "Per country": {"Type": "Map", "End": True, "ItemProcessor": {"StartAt": "Branches", "States": {
        "Branches": {"Type": "Parallel", "End": True, "Branches": [
            {"StartAt": "Other", "States": {"Other": {"Type": "Pass", "End": True}}},
            {"StartAt": WAIT, "States": {WAIT: {
                "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "End": True,
                "Catch": [{"ErrorEquals": ["ModelPromotionRejected", "States.Timeout"], "Next": "Rejected"},
                          {"ErrorEquals": ["States.ALL", "Approval.Expired"], "Next": "Rejected"}]}},
                "Rejected": {"Type": "Fail"}}]}}}}}}


def _definition(aws, definition: dict = DEFINITION) -> None:
    aws.sfn.add_response("describe_state_machine_for_execution", {
        "stateMachineArn": machine_arn("mlops-comparison"), "name": "mlops-comparison",
        "definition": json.dumps(definition), "roleArn": ROLE, "updateDate": at(0)}, {"executionArn": RUN})


def test_the_waiting_task_its_token_queue_request_and_the_errors_its_catch_handles(aws):
    aws.history(RUN, [STARTED, *_waiting(timeoutInSeconds=3600)])
    _definition(aws)
    task = actions.find_waiting_task(aws.clients, RUN)
    assert (task.execution_arn, task.state_name) == (RUN, WAIT)
    assert task.resource == "sqs:sendMessage.waitForTaskToken"
    assert (task.token, task.queue_url) == ("token-3", QUEUE)
    assert task.message == {"taskToken": "token-3", "country": "DE", "executionArn": RUN}
    assert task.parameters["QueueUrl"] == QUEUE
    assert (task.scheduled_at, task.timeout_seconds) == (at(3), 3600)
    assert task.catch_errors == ("ModelPromotionRejected", "Approval.Expired")  # what a rejection can send


def test_the_catch_of_a_task_inside_a_legacy_iterator_map_is_found(aws):
    aws.history(RUN, [STARTED, *_waiting()])
    _definition(aws, {"StartAt": "Per country", "States": {"Per country": {
        "Type": "Map", "End": True, "Iterator": {"StartAt": WAIT, "States": {WAIT: {
            "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "End": True,
            "Catch": [{"ErrorEquals": ["Approval.Rejected"], "Next": "Rejected"}]},
            "Rejected": {"Type": "Fail"}}}}}})
    assert actions.find_waiting_task(aws.clients, RUN).catch_errors == ("Approval.Rejected",)


def test_the_latest_of_two_waiting_tasks_is_the_one_answered(aws):
    aws.history(RUN, [STARTED, *_waiting(start=2, name="Other"), *_waiting(start=6)])
    _definition(aws)
    task = actions.find_waiting_task(aws.clients, RUN)
    assert (task.state_name, task.token) == (WAIT, "token-7")


def test_a_waiting_task_whose_machine_cannot_be_read_is_still_answerable(aws):
    aws.history(RUN, [STARTED, *_waiting()])
    aws.error("describe_state_machine_for_execution", "AccessDeniedException")
    task = actions.find_waiting_task(aws.clients, RUN)
    assert task.token == "token-3" and task.catch_errors == ()


def test_a_task_with_a_plain_text_request_or_unreadable_parameters(aws):
    text = json.dumps({"QueueUrl": QUEUE, "MessageBody": "please approve", "TaskToken": "tok-plain"})
    aws.history(RUN, [STARTED, *_waiting(parameters=text)])
    _definition(aws, {"StartAt": WAIT, "States": {WAIT: {"Type": "Task", "Resource": "x", "End": True}}})
    task = actions.find_waiting_task(aws.clients, RUN)
    assert (task.message, task.token, task.catch_errors) == ("please approve", "tok-plain", ())
    aws.history(RUN, [STARTED, *_waiting(parameters="{not json")])
    _definition(aws)
    task = actions.find_waiting_task(aws.clients, RUN)
    assert (task.token, task.parameters, task.queue_url, task.message) == (None, {}, None, None)
    aws.history(RUN, [STARTED, *_waiting(parameters='["tok-in-a-list"]')])
    _definition(aws)
    task = actions.find_waiting_task(aws.clients, RUN)
    assert (task.parameters, task.queue_url, task.message) == ({}, None, None)


def test_nothing_waits_in_a_run_without_a_waiting_task(aws):
    aws.history(RUN, [STARTED, _entered(2, "Score"), _scheduled(3, resource="sendMessage")])
    assert actions.find_waiting_task(aws.clients, RUN) is None
    aws.history(RUN, [])
    assert actions.find_waiting_task(aws.clients, RUN) is None


@pytest.mark.parametrize(("parameters", "token"), [
    ({"TaskToken": "a"}, "a"),
    ({"Payload": {"token": "b"}}, "b"),
    ({"Entries": [{"Detail": {"taskToken": "c"}}]}, "c"),
    ({"Token": "", "Next": {"TASKTOKEN": "d"}}, "d"),  # an empty token is no token
    ({"Token": 5, "Body": '{"taskToken": "e"}'}, "e"),  # a token inside a JSON string
    ({"Body": "{not json", "Other": "[broken"}, None),
    ({"taskTokenArn": "x"}, None),
    ([[], [{"token": "f"}]], "f"),
    ("plain text", None),
])
def test_the_task_token_is_found_wherever_the_task_put_it(parameters, token):
    assert find_token(parameters) == token


# -- the approval queue ----------------------------------------------------------------------
def _message(number: int, body: object, sent_ms: int | None = None) -> dict:
    message = {"MessageId": f"m-{number}", "ReceiptHandle": f"receipt-{number}",
               "Body": body if isinstance(body, str) else json.dumps(body)}
    if sent_ms is not None:
        message["Attributes"] = {"SentTimestamp": str(sent_ms)}
    return message


def _peek(aws, *messages: dict) -> None:
    aws.sqs.add_response("receive_message", {"Messages": list(messages)}, {
        "QueueUrl": QUEUE, "MaxNumberOfMessages": 10, "VisibilityTimeout": 0, "WaitTimeSeconds": 0,
        "AttributeNames": ["SentTimestamp"]})


MAY_1 = 1_777_600_000_000  # 2026-05-01 01:46:40 UTC, in SQS's milliseconds


def test_the_approval_queue_is_peeked_until_nothing_new_shows_oldest_request_first(aws):
    de = _message(1, {"taskToken": "t-de", "country": "DE", "executionArn": RUN, "type": "promotion"}, MAY_1 + 5000)
    fr = _message(2, {"taskToken": "t-fr", "country": "FR"}, MAY_1)
    odd = _message(3, "not json at all")
    listed = _message(4, [{"taskToken": "t-list"}], MAY_1 + 1000)  # a list: no fields, but a token
    _peek(aws, de, fr)
    _peek(aws, fr, odd, listed)
    _peek(aws, de)  # nothing new: stop peeking
    requests = actions.approval_requests(aws.clients, QUEUE)
    assert [r.message_id for r in requests] == ["m-2", "m-4", "m-1", "m-3"]  # by sent time, undated last
    fr_req, listed_req, de_req, odd_req = requests
    assert de_req.sent_at == datetime(2026, 5, 1, 1, 46, 45, tzinfo=timezone.utc)
    assert (de_req.token, de_req.execution_arn, de_req.kind, de_req.country) == ("t-de", RUN, "promotion", "DE")
    assert (fr_req.kind, fr_req.country, fr_req.execution_arn, fr_req.receipt_handle) == (
        "approval", "FR", None, "receipt-2")
    assert (odd_req.body, odd_req.token, odd_req.raw_body, odd_req.sent_at, odd_req.kind) == (
        None, None, "not json at all", None, "approval")
    assert (listed_req.body, listed_req.token, listed_req.get("country", "-")) == (None, "t-list", "-")
    assert (fr_req.get("type", "-"), fr_req.get("country", "-")) == ("-", "FR")


def test_a_request_without_a_body_is_listed_as_empty(aws):
    _peek(aws, {"MessageId": "m-9", "ReceiptHandle": "receipt-9"})
    _peek(aws)
    [request] = actions.approval_requests(aws.clients, QUEUE)
    assert (request.raw_body, request.body, request.token, request.kind) == ("", None, None, "approval")


def test_the_approval_queue_is_peeked_at_most_the_rounds_asked_and_at_least_once(aws):
    _peek(aws, _message(1, {"taskToken": "a"}, MAY_1))
    _peek(aws, _message(2, {"taskToken": "b"}, MAY_1))
    assert [r.token for r in actions.approval_requests(aws.clients, QUEUE, rounds=2)] == ["a", "b"]
    _peek(aws, _message(3, {"taskToken": "c"}, MAY_1))
    assert [r.token for r in actions.approval_requests(aws.clients, QUEUE, rounds=0)] == ["c"]
    aws.sqs.add_response("receive_message", {})  # an empty queue: no Messages member at all
    assert actions.approval_requests(aws.clients, QUEUE) == []


def test_an_answered_request_is_deleted_by_its_fresh_receipt_handle(aws):
    _peek(aws, _message(1, {"taskToken": "t-1"}, MAY_1), _message(2, {"taskToken": "t-2"}, MAY_1))
    _peek(aws)
    aws.sqs.add_response("delete_message", {}, {"QueueUrl": QUEUE, "ReceiptHandle": "receipt-2"})
    assert actions.delete_approval_message(aws.clients, QUEUE, "t-2") is True


def test_a_request_no_longer_in_view_is_not_deleted(aws):
    _peek(aws, _message(1, {"taskToken": "t-1"}, MAY_1))
    _peek(aws)
    assert actions.delete_approval_message(aws.clients, QUEUE, "t-gone") is False


# -- history and its export ------------------------------------------------------------------
def test_the_whole_history_is_read_page_by_page_oldest_first(aws):
    first = [STARTED, _entered(2, "Prepare")]
    second = [_event(3, "ExecutionSucceeded", executionSucceededEventDetails={"output": "{}"})]
    aws.sfn.add_response("get_execution_history", {"events": first, "nextToken": "page-2"}, {
        "executionArn": RUN, "reverseOrder": False, "includeExecutionData": True, "maxResults": 1000})
    aws.sfn.add_response("get_execution_history", {"events": second}, {
        "executionArn": RUN, "reverseOrder": False, "includeExecutionData": True, "maxResults": 1000,
        "nextToken": "page-2"})
    assert [e["id"] for e in actions.execution_history(aws.clients, RUN)] == [1, 2, 3]


def test_history_can_be_read_newest_first_without_payloads(aws):
    aws.history(RUN, [_event(2, "ExecutionSucceeded"), STARTED], reverse=True, include_data=False)
    events = actions.iter_history(aws.clients, RUN, reverse=True, include_data=False)
    assert next(events)["type"] == "ExecutionSucceeded"


def test_exported_history_is_what_the_aws_cli_prints_with_iso_times(tmp_path):
    events = [STARTED, _entered(2, "Übersetzen"), _event(3, "ExecutionSucceeded")]
    path = actions.export_history_json(events, tmp_path / "exports" / "2026" / "run.json")
    assert path == tmp_path / "exports" / "2026" / "run.json"
    text = path.read_text("utf-8")
    assert text.endswith("}\n") and '"Übersetzen"' in text  # readable, not \u-escaped
    assert text.startswith('{\n  "events": [\n    {\n      "timestamp": "2026-11-30T09:00:01+00:00",')
    data = json.loads(text)
    assert [e["id"] for e in data["events"]] == [1, 2, 3]
    assert data["events"][1]["stateEnteredEventDetails"]["name"] == "Übersetzen"
    assert [p.name for p in path.parent.iterdir()] == ["run.json"]  # no temporary file left


class _Watched(list):
    """Events that note which files their folder holds while they are being written out."""

    def __init__(self, events, folder):
        super().__init__(events)
        self.folder, self.seen = folder, []

    def __iter__(self):
        self.seen = sorted(p.name for p in self.folder.iterdir())
        return super().__iter__()


def test_the_export_is_written_next_to_its_destination_then_moved_into_place(tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "run.json").write_text("previous export\n", "utf-8")
    events = _Watched([STARTED], folder)
    actions.export_history_json(events, folder / "run.json")
    assert len(events.seen) == 2 and events.seen[1] == "run.json"  # the old file stays whole meanwhile
    assert events.seen[0].startswith(".run.json.") and events.seen[0].endswith(".tmp")  # hidden, beside it
    assert sorted(p.name for p in folder.iterdir()) == ["run.json"]
    assert json.loads((folder / "run.json").read_text("utf-8"))["events"][0]["id"] == 1


def test_a_failed_export_leaves_the_previous_file_and_no_half_file(tmp_path):
    target = tmp_path / "exports" / "run.json"
    target.parent.mkdir()
    target.write_text("previous export\n", "utf-8")
    with pytest.raises(TypeError, match="not JSON serialisable: set"):
        actions.export_history_json([{"id": 1, "odd": {1, 2}}], target)
    assert target.read_text("utf-8") == "previous export\n"
    assert [p.name for p in target.parent.iterdir()] == ["run.json"]
