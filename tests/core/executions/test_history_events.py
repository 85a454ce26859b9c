"""History events as the table shows them: the Details column per event type, paging, search filters."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from history_shapes import ARN, History, at, served_pages

from opsconsole.core.executions.history import EventFilter, HistoryEvent, event_summary, parse_events

MAP_RUN = "arn:aws:states:eu-west-1:123456789012:mapRun:history-fanout/fanout:2f2ca64f-5077-4b69"
ACTIVITY = "arn:aws:states:eu-west-1:123456789012:activity:label-review"


def _event(type_: str, **details) -> HistoryEvent:
    """One event read through iter_history (the Stubber checks its details against the service model)."""
    h = History()
    h.add(type_, 1, **details)
    return served_pages([h.events])[0][-1]


SUMMARIES = [
    # Failures: error and cause, either alone, on one line.
    ("TaskFailed", {"resourceType": "lambda", "resource": "invoke", "error": "Lambda.Unknown",
                    "cause": "Traceback:\n   line 3\n\tboom"}, "Lambda.Unknown: Traceback: line 3 boom"),
    ("ExecutionFailed", {"error": "DataQualityCheckFailed"}, "DataQualityCheckFailed"),
    ("ExecutionAborted", {"cause": "Stopped by lena"}, "Stopped by lena"),
    # What a state or the execution was given.
    ("TaskStateEntered", {"name": "Score", "input": '{\n  "batch": 3\n}'}, '{ "batch": 3 }'),
    ("ExecutionStarted", {"input": '{"country": "SE"}', "roleArn": "arn:aws:iam::1:role/r"}, '{"country": "SE"}'),
    # What it gave back; a task's result rather than what it called.
    ("PassStateExited", {"name": "Prepare", "output": '{"prepared": true}'}, '{"prepared": true}'),
    ("TaskSucceeded", {"resourceType": "dynamodb", "resource": "getItem", "output": '{"Item": {}}'}, '{"Item": {}}'),
    ("ExecutionSucceeded", {"output": "[1, 2]"}, "[1, 2]"),
    # Read without execution data: nothing to show.
    ("PassStateEntered", {"name": "Prepare"}, ""),
    ("PassStateExited", {"name": "Prepare"}, ""),
    # Map sizes and iterations.
    ("MapStateStarted", {"length": 60}, "60 items"),
    ("MapIterationStarted", {"name": "Each item", "index": 7}, "iteration 7"),
    ("MapIterationFailed", {"name": "Each item"}, "iteration ?"),
    # What a task called, with its parameters.
    ("TaskScheduled", {"resourceType": "lambda", "resource": "invoke", "region": "eu-west-1",
                       "parameters": '{"FunctionName": "score"}'}, 'lambda:invoke {"FunctionName": "score"}'),
    ("TaskStarted", {"resourceType": "sqs", "resource": "sendMessage.waitForTaskToken"},
     "sqs:sendMessage.waitForTaskToken"),
    ("ActivityScheduled", {"resource": ACTIVITY}, ACTIVITY),
    # A Distributed Map run by its label and id.
    ("MapRunStarted", {"mapRunArn": MAP_RUN}, "fanout:2f2ca64f-5077-4b69"),
    # Anything else: its details as compact JSON, or nothing.
    ("ExecutionRedriven", {"redriveCount": 2}, '{"redriveCount":2}'),
    ("TaskStateAborted", {}, ""),
]


@pytest.mark.parametrize(("type_", "details", "shown"), SUMMARIES, ids=[f"{s[0]}-{i}" for i, s in enumerate(SUMMARIES)])
def test_the_details_column_per_event_type(type_, details, shown):
    assert event_summary(_event(type_, **details)) == shown


def test_a_map_that_announced_no_length_shows_unknown_items():
    event = HistoryEvent(3, 2, "MapStateStarted", at(1), "Each item", {})
    assert event_summary(event) == "? items"


def test_long_payloads_are_cut_to_one_table_line():
    fits = "x" * 160
    assert event_summary(_event("PassStateExited", name="P", output=fits)) == fits
    long = "y" * 161
    shown = event_summary(_event("PassStateExited", name="P", output=long))
    assert shown == "y" * 159 + "…" and len(shown) == 160
    assert event_summary(_event("PassStateEntered", name="P", input="")) == ""


def test_failure_events_say_their_error_and_cause():
    event = _event("TaskTimedOut", resourceType="glue", resource="startJobRun.sync", error="States.Timeout",
                   cause="no heartbeat")
    assert (event.error, event.cause) == ("States.Timeout", "no heartbeat")
    started = _event("TaskStarted", resourceType="glue", resource="startJobRun.sync")
    assert (started.error, started.cause) == (None, None)


# --- paging ---------------------------------------------------------------------------------------------------


def _request(max_results: int, reverse: bool = False, data: bool = True, token: str | None = None) -> dict:
    request = {"executionArn": ARN, "maxResults": max_results, "reverseOrder": reverse,
               "includeExecutionData": data}
    if token:
        request["nextToken"] = token
    return request


def test_pages_are_read_one_call_each_and_their_states_resolved_across_pages():
    h = History()
    h.enter("Task", "Score", 1)
    h.add("TaskScheduled", 2, resourceType="lambda", resource="invoke", region="eu-west-1", parameters="{}")
    h.add("TaskStarted", 2, resourceType="lambda", resource="invoke")
    h.add("TaskSucceeded", 3, resourceType="lambda", resource="invoke", output="{}")
    h.exit("Task", "Score", 3)
    first, second = h.events[:3], h.events[3:]
    pages = served_pages([first, second], requests=[_request(3), _request(3, token="page-1")], page_size=3)
    assert [[(e.id, e.state) for e in page] for page in pages] == [
        [(1, None), (2, "Score"), (3, "Score")], [(4, "Score"), (5, "Score"), (6, "Score")]]
    assert pages[1][0].timestamp == at(2) and pages[1][0].previous_id == 3


@pytest.mark.parametrize(("asked", "sent"), [(0, 1), (-5, 1), (1, 1), (250, 250), (1000, 1000), (5000, 1000)])
def test_the_page_size_asked_for_stays_within_what_aws_accepts(asked, sent):
    h = History()
    pages = served_pages([h.events], requests=[_request(sent)], page_size=asked)
    assert [e.type for e in pages[0]] == ["ExecutionStarted"]


def test_newest_first_pages_know_only_the_states_events_name():
    h = History()
    h.enter("Task", "Score", 1)
    h.add("TaskScheduled", 2, resourceType="lambda", resource="invoke", region="eu-west-1", parameters="{}")
    h.exit("Task", "Score", 3)
    h.add("ExecutionSucceeded", 3, output="{}")
    newest_first = list(reversed(h.events))
    (page,) = served_pages([newest_first], requests=[_request(1000, reverse=True, data=False)], reverse=True,
                           include_execution_data=False)
    assert [(e.type, e.state) for e in page] == [
        ("ExecutionSucceeded", None), ("TaskStateExited", "Score"), ("TaskScheduled", None),
        ("TaskStateEntered", "Score"), ("ExecutionStarted", None)]


def test_an_empty_page_between_two_is_not_shown():
    h = History()
    h.enter("Pass", "P", 1)
    pages = served_pages([h.events[:1], [], h.events[1:]])
    assert [[e.id for e in page] for page in pages] == [[1], [2]]


def test_recorded_timestamps_without_a_zone_are_utc():
    raw = [{"id": 1, "previousEventId": 0, "type": "ExecutionStarted", "timestamp": "2026-11-30T09:00:00"},
           {"id": 2, "previousEventId": 1, "type": "PassStateEntered", "timestamp": datetime(2026, 11, 30, 9, 0, 1),
            "stateEnteredEventDetails": {"name": "P"}},
           {"id": 3, "previousEventId": 2, "type": "PassStateExited",
            "timestamp": datetime(2026, 11, 30, 11, 0, 2, tzinfo=timezone(timedelta(hours=2))),
            "stateExitedEventDetails": {"name": "P"}},
           {"id": 4, "previousEventId": 3, "type": "ExecutionSucceeded", "timestamp": "2026-11-30T09:00:03.5Z"}]
    events = parse_events(raw)
    assert [e.timestamp for e in events] == [at(0), at(1), at(2), at(3.5)]
    assert all(e.timestamp.tzinfo is timezone.utc for e in events)


# --- the table's filters --------------------------------------------------------------------------------------


def _filter_events() -> list[HistoryEvent]:
    h = History(execution_input='{"country": "SE"}')
    h.enter("Task", "Load config", 1, input='{"table": "Model-Config"}')
    h.add("TaskScheduled", 2, resourceType="dynamodb", resource="getItem", region="eu-west-1",
          parameters='{"TableName": "model-config"}')
    h.add("TaskFailed", 3, resourceType="dynamodb", resource="getItem", error="DynamoDB.ResourceNotFoundException",
          cause="Requested resource not found")
    h.add("ExecutionFailed", 3, error="DynamoDB.ResourceNotFoundException")
    return served_pages([h.events])[0]


def test_filter_by_type_state_and_text():
    events = _filter_events()
    shown = EventFilter()
    assert shown.set_text("  ") is False and shown.set_state(None) is False and shown.set_types(None) is False
    assert [e.id for e in events if shown.accepts(e)] == [1, 2, 3, 4, 5]
    assert shown.set_types({"TaskFailed", "ExecutionFailed"}) is True
    assert shown.set_types(["ExecutionFailed", "TaskFailed"]) is False
    assert [e.id for e in events if shown.accepts(e)] == [4, 5]
    assert shown.set_state("Load config") is True and shown.set_state("Load config") is False
    assert [e.id for e in events if shown.accepts(e)] == [4]
    assert shown.set_types(None) is True and shown.set_types(None) is False
    assert [e.id for e in events if shown.accepts(e)] == [2, 3, 4]
    assert shown.set_state("") is True and shown.state is None and shown.set_state(None) is False
    assert shown.set_text("  MODEL-config ") is True and shown.set_text("model-CONFIG") is False
    assert [e.id for e in events if shown.accepts(e)] == [2, 3]  # the payloads, in any case
    shown.set_text("resourcenotfound")
    assert [e.id for e in events if shown.accepts(e)] == [4, 5]
    shown.set_text("taskscheduled")  # the event type
    assert [e.id for e in events if shown.accepts(e)] == [3]
    shown.set_text("load config")  # the state
    assert [e.id for e in events if shown.accepts(e)] == [2, 3, 4]
    shown.set_text("4 TaskFailed ")  # the id with the type
    assert [e.id for e in events if shown.accepts(e)] == [4]
    assert shown.set_text("") is True and all(shown.accepts(e) for e in events)


def test_search_looks_at_the_history_shown_now():
    shown = EventFilter()
    shown.set_text("canary")
    first = HistoryEvent(2, 1, "PassStateEntered", at(1), "P", {"name": "P", "input": '{"stage": "canary"}'})
    assert shown.accepts(first)
    other = HistoryEvent(2, 1, "PassStateEntered", at(1), "P", {"name": "P", "input": '{"stage": "prod"}'})
    shown.forget()  # another execution's history: same ids, other events
    assert not shown.accepts(other)
