"""Step details: input/output as JSON tree and raw text, Copy, error and cause, retries, links."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from opsconsole.core.executions.history import MapRun, console_url, parse_events, state_runs
from opsconsole.ui.executions.json_view import VALUE_ROLE, JsonView
from opsconsole.ui.executions.map_runs import Column as MapColumn
from opsconsole.ui.executions.map_runs import MapRunsView
from opsconsole.ui.executions.step_details import StepDetails

DATA = Path(__file__).resolve().parents[2] / "data" / "histories"
LOGGING = {"level": "ERROR", "destinations": [{"cloudWatchLogsLogGroup": {
    "logGroupArn": "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/vendedlogs/states/mlops:*"}}]}


def recorded(name: str):
    data = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
    return data, state_runs(parse_events(data["events"]))


@pytest.fixture
def details(qtbot):
    widget = StepDetails(open_links=False)
    qtbot.addWidget(widget)
    widget.resize(1200, 700)
    return widget


def top_keys(view: JsonView) -> list[str]:
    model = view.model
    return [model.index(row, 0).data() for row in range(model.rowCount())]


def recorded_payload(data, kind: str, state: str, after: int | None = None) -> dict:
    """What AWS recorded for ``state``: the input of its StateEntered event (``kind`` "entered") or the output of
    its StateExited event ("exited"); with ``after``, of the one that directly follows event ``after``."""
    field, details = ("input", "stateEnteredEventDetails") if kind == "entered" else ("output", "stateExitedEventDetails")
    return json.loads(next(e[details][field] for e in data["events"] if e.get(details, {}).get("name") == state
                           and (after is None or e["previousEventId"] == after)))


def test_input_and_output_as_trees_with_their_keys(details):
    data, runs = recorded("task_token_approved")
    details.show_state("Request promotion approval", runs, data["execution"]["executionArn"], "eu-west-1", None)
    received = recorded_payload(data, "entered", "Request promotion approval")
    returned = recorded_payload(data, "exited", "Request promotion approval")
    assert json.loads(details.input_view.raw_text()) == received
    assert top_keys(details.input_view) == list(received)
    assert json.loads(details.output_view.raw_text()) == returned
    assert top_keys(details.output_view) == list(returned)
    approval = next(r for r in range(details.output_view.model.rowCount())
                    if details.output_view.model.index(r, 0).data() == "approval")
    parent = details.output_view.model.index(approval, 0)
    children = {details.output_view.model.index(r, 0, parent).data():
                details.output_view.model.index(r, 1, parent).data(VALUE_ROLE)
                for r in range(details.output_view.model.rowCount(parent))}
    assert children["decision"] == "approved"
    assert details.output_view.model.index(approval, 1).data() == "{3 keys}"
    assert not details.error_box.isVisibleTo(details)


def test_copy_puts_the_raw_text_on_the_clipboard(details, qtbot):
    data, runs = recorded("success")
    details.show_state("Record classification", runs, data["execution"]["executionArn"], "eu-west-1", None)
    view = details.input_view
    with qtbot.waitSignal(view.copied):
        qtbot.mouseClick(view.copy_button, Qt.MouseButton.LeftButton)
    copied = QApplication.clipboard().text()
    assert copied == view.raw_text() == view.raw.toPlainText()
    assert json.loads(copied) == json.loads(details.run.input)
    qtbot.mouseClick(view.raw_button, Qt.MouseButton.LeftButton)
    assert view.stack.currentWidget() is view.raw


def test_failed_state_shows_error_cause_and_attempts(details):
    data, runs = recorded("retries_exhausted")
    details.show_state("Load test set manifest", runs, data["execution"]["executionArn"], "eu-west-1", None)
    assert details.error_box.isVisibleTo(details)
    assert "DynamoDB.ResourceNotFoundException" in details.error_label.text()
    assert details.cause_view.text().startswith("Requested resource not found")
    assert details.badge.text() == "Failed"
    assert details.attempts_label.text() == "3 (3 failed)"
    assert details.retries_list.count() == 3 and details.tabs.tabText(2) == "Retries (3)"
    assert "DynamoDB.ResourceNotFoundException" in details.retries_list.item(0).text()
    assert details.resource_label.text() == "dynamodb:getItem"
    assert json.loads(details.parameters_view.raw_text())["TableName"] == "mlops-testsets-2025-archive"


def test_caught_error_says_so(details):
    data, runs = recorded("caught")
    details.show_state("Request promotion approval", runs, data["execution"]["executionArn"], "eu-west-1", None)
    assert details.badge.text() == "Caught error"
    assert "ModelPromotionRejected" in details.error_label.text() and "Catch" in details.error_label.text()


def clicked_links(qtbot, details) -> list[str]:
    """Click along the link line, left to right, as a person would: the links it opens, in order."""
    from PySide6.QtCore import QPoint

    details.show()
    qtbot.waitExposed(details)
    label, opened = details.link_label, []
    details.link_opened.connect(opened.append)
    try:
        y = label.height() // 2
        for x in range(1, label.width(), 4):
            qtbot.mouseClick(label, Qt.MouseButton.LeftButton, pos=QPoint(x, y))
    finally:
        details.link_opened.disconnect(opened.append)
    return [url for n, url in enumerate(opened) if n == 0 or opened[n - 1] != url]


def test_links_to_the_console_and_to_logs(details, qtbot):
    data, runs = recorded("map_failed")
    arn = data["execution"]["executionArn"]
    details.show_state("Batch transform failed", runs, arn, "eu-west-1", LOGGING)
    assert details.links["console"] == console_url(arn) == (
        f"https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/{arn}")
    assert "/cloudwatch/home?region=eu-west-1#logsV2:log-groups/log-group/" in details.links["logs"]
    assert "CloudWatch Logs" in details.link_label.text() and "AWS console" in details.link_label.text()
    assert clicked_links(qtbot, details) == [details.links["logs"], console_url(arn)]  # as they read
    # The scenario's machines log nothing and call no Lambda: only the console link.
    details.show_state("Batch transform failed", runs, arn, "eu-west-1", data["stateMachine"]["loggingConfiguration"])
    assert set(details.links) == {"console"}


def test_a_map_state_run_many_times_offers_its_runs_failed_first(details, qtbot):
    data, runs = recorded("map_failed")
    details.show()
    details.show_state("Batch readable?", runs, data["execution"]["executionArn"], "eu-west-1", None)
    picker = details.run_picker
    entered = [e for e in data["events"] if e.get("stateEnteredEventDetails", {}).get("name") == "Batch readable?"]
    assert picker.isVisibleTo(details) and picker.count() == len(entered)
    # Down through the picker to the fourth iteration (index 3), as a person looks for one batch.
    picker.setFocus()
    for _ in range(picker.count()):
        if picker.currentText().startswith("iteration 3 · "):
            break
        qtbot.keyClick(picker, Qt.Key.Key_Down)
    assert picker.currentText().startswith("iteration 3 · Succeeded · ")
    started = next(e["id"] for e in data["events"] if e["type"] == "MapIterationStarted"
                   and e["mapIterationStartedEventDetails"]["index"] == 3)
    received = recorded_payload(data, "entered", "Batch readable?", after=started)  # that iteration's batch
    assert json.loads(details.input_view.raw_text()) == received
    assert top_keys(details.input_view) == list(received)
    assert details.badge.text() == "Succeeded"
    failed = next(r for r in runs if r.state == "Batch transform failed")
    details.show_state("Batch transform failed", runs, data["execution"]["executionArn"], "eu-west-1", None)
    assert details.run is failed and "iteration" in details.type_label.text()
    assert details.error_label.text().count("SageMaker.TransformJobFailed") == 1


def test_state_not_reached_and_missing_payloads(details):
    data, runs = recorded("success")
    details.show_state("No winner model", runs, data["execution"]["executionArn"], "eu-west-1", None)
    assert "not reached" in details.title.text()
    view = JsonView()
    view.set_text('{"truncated": ')
    assert view.raw_text() == '{"truncated": ' and "Not valid JSON" in view.note.text()
    view.set_text(None)
    assert not view.copy_button.isEnabled() and view.model.rowCount() == 0
    view.set_text(json.dumps(list(range(5000))))
    assert view.model.rowCount() == 5000 and view.model.index(4999, 1).data() == "4999"
    view.deleteLater()


def test_map_runs_table_shows_counts(qtbot):
    data = json.loads((DATA / "distributed_map.json").read_text(encoding="utf-8"))
    view = MapRunsView()
    qtbot.addWidget(view)
    view.set_map_runs([MapRun.from_api(a, b) for a, b in zip(data["mapRuns"], data["mapRunDescriptions"])])
    model = view.model
    assert model.rowCount() == 1
    assert model.index(0, MapColumn.LABEL).data() == "fanout"
    assert model.index(0, MapColumn.ITEMS).data() == "12 / 12"
    assert model.index(0, MapColumn.EXECUTIONS).data() == "12 / 12"
    assert model.index(0, MapColumn.FAILED).data() == "0"
    assert view.empty.isHidden()


def test_map_runs_load_from_the_sandbox(qtbot, runner, sandbox, sandbox_clients):
    sfn = sandbox_clients.client("stepfunctions")
    definition = {"StartAt": "Fan out", "States": {"Fan out": {
        "Type": "Map", "ItemsPath": "$.items", "End": True,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                          "StartAt": "Work", "States": {"Work": {"Type": "Pass", "End": True}}}}}}
    machine = sfn.create_state_machine(name="history-ui-fanout", definition=json.dumps(definition),
                                       roleArn="arn:aws:iam::123456789012:role/test")["stateMachineArn"]
    try:
        arn = sfn.start_execution(stateMachineArn=machine, name="fanout-ui",
                                  input=json.dumps({"items": list(range(5))}))["executionArn"]
        qtbot.waitUntil(lambda: sfn.describe_execution(executionArn=arn)["status"] != "RUNNING", timeout=20000)
        view = MapRunsView()
        qtbot.addWidget(view)
        with qtbot.waitSignal(view.loaded, timeout=20000) as loaded:
            view.load(runner, sandbox_clients, arn)
        assert loaded.args == [1]
        assert view.model.index(0, MapColumn.ITEMS).data() == "5 / 5"
    finally:
        sfn.delete_state_machine(stateMachineArn=machine)


def test_failed_iterations_come_first_in_the_run_picker(details, qtbot):
    import dataclasses

    data, runs = recorded("map_failed")
    batch = [r for r in runs if r.state == "Classify batch"]
    # Two iterations in the middle of the run failed (the recording's all succeeded).
    broken = {batch[5].iteration, batch[9].iteration}
    runs = [dataclasses.replace(r, status="failed", error="SageMaker.TransformJobFailed",
                                cause=f"part {r.iteration} unreadable")
            if r.state == "Classify batch" and r.iteration in broken else r for r in runs]
    details.show_state("Classify batch", runs, data["execution"]["executionArn"], "eu-west-1", None)
    picker = details.run_picker
    labels = [picker.itemText(i) for i in range(picker.count())]
    assert picker.isVisibleTo(details) and len(labels) == len(batch)
    # failed ones first, in the order they ran; then the others, in the order they ran
    expected = [r for r in batch if r.iteration in broken] + [r for r in batch if r.iteration not in broken]
    assert [label.split(" · ")[:2] for label in labels] == [
        [f"iteration {r.iteration}", "Failed" if r.iteration in broken else "Succeeded"] for r in expected]
    assert details.run.iteration == expected[0].iteration and details.badge.text() == "Failed"
    assert details.cause_view.text() == f"part {expected[0].iteration} unreadable"
    # Down on the picker moves to the next failed iteration, then to the first that succeeded.
    picker.setFocus()
    qtbot.keyClick(picker, Qt.Key.Key_Down)
    assert details.run.iteration == expected[1].iteration and details.badge.text() == "Failed"
    qtbot.keyClick(picker, Qt.Key.Key_Down)
    assert details.run.iteration == expected[2].iteration and details.badge.text() == "Succeeded"
    assert not details.error_box.isVisibleTo(details)
    # The window refreshes itself (the history read again, new objects): the iteration picked stays picked.
    again = [dataclasses.replace(r) for r in runs]
    details.show_state("Classify batch", again, data["execution"]["executionArn"], "eu-west-1", None)
    assert details.run.iteration == expected[2].iteration and picker.currentIndex() == 2
    # Another state, then this one again: it opens on its worst run.
    other = next(r.state for r in runs if r.state != "Classify batch")
    details.show_state(other, again, data["execution"]["executionArn"], "eu-west-1", None)
    details.show_state("Classify batch", again, data["execution"]["executionArn"], "eu-west-1", None)
    assert details.run.iteration == expected[0].iteration


def test_a_long_cause_wraps_inside_the_pane(details):
    import dataclasses

    data, runs = recorded("retries_exhausted")
    # A cause as some services write it: one 3,000-character token (a JSON blob, a stack trace without spaces).
    cause = "java.lang.IllegalStateException:" + "x" * 3000 + ":end"
    runs = [dataclasses.replace(r, cause=cause) if r.state == "Load test set manifest" else r for r in runs]
    details.resize(420, 700)
    details.show()
    details.show_state("Load test set manifest", runs, data["execution"]["executionArn"], "eu-west-1", None)
    QApplication.processEvents()
    view = details.cause_view
    assert view.text() == cause  # all of it, as plain text
    assert details.width() == 420 and details.minimumSizeHint().width() <= 420  # the pane did not widen
    assert view.width() <= details.width()
    assert view.document().idealWidth() <= view.viewport().width()  # wrapped, not cut at the right edge
    assert view.height() > 3 * view.fontMetrics().lineSpacing()  # over several lines
