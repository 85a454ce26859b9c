"""RUNNING executions refresh by themselves: on a timer, one job at a time, backing off when throttled."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest
from botocore.exceptions import EndpointConnectionError

from opsconsole.core.executions import listing as core
from opsconsole.ui.executions import ExecutionsPanel
from opsconsole.ui.executions.machines import COUNTS_ROLE
from opsconsole.ui.executions.table_model import Column

LOAD_TIMEOUT = 30_000


@pytest.fixture
def make(qtbot, ctx, sandbox_connection):
    ctx.set_connection(sandbox_connection)

    def build(**kwargs) -> ExecutionsPanel:
        panel = ExecutionsPanel(ctx, **kwargs)
        qtbot.addWidget(panel)
        panel.resize(1200, 700)
        panel.show()
        with qtbot.waitSignal(panel.loaded, timeout=LOAD_TIMEOUT):
            panel.load()
        return panel

    return build


def refresh(qtbot, panel: ExecutionsPanel):
    with qtbot.waitSignal(panel.refresher.refreshed, timeout=LOAD_TIMEOUT) as done:
        assert panel.refresher.refresh_now()
    return done.args[0]


def test_the_timer_refreshes_running_executions_by_itself(qtbot, make):
    panel = make(refresh_interval_ms=300)
    assert panel.refresher.active
    before = {e.arn for e in panel.model.executions()}
    with qtbot.waitSignal(panel.refresher.refreshed, timeout=LOAD_TIMEOUT) as done:
        pass  # nobody calls anything: the QTimer does
    summary = done.args[0]
    assert summary.running == sum(1 for e in panel.model.executions() if e.status == "RUNNING")
    assert {e.arn for e in panel.model.executions()} == before, "re-listing adds no duplicates"
    assert panel.filter_bar.refreshed_label.text().startswith("Last refreshed ")


def test_an_execution_that_left_running_shows_its_final_status(qtbot, make):
    panel = make()
    finished = next(e for e in panel.model.executions() if e.status == "SUCCEEDED")
    # As if we had listed it a minute ago, while it was still running.
    panel.model.upsert([replace(finished, status="RUNNING", stop=None)])
    panel._update_counts()
    row = panel.model.rows_of([finished.arn])[0]
    assert panel.model.index(row, Column.STATUS).data() == "RUNNING"
    machine_row = panel.machine_model.row_of(finished.state_machine_arn)
    running_before = panel.machine_model.index(machine_row).data(COUNTS_ROLE)["RUNNING"]

    summary = refresh(qtbot, panel)
    assert summary.described >= 1
    row = panel.model.rows_of([finished.arn])[0]
    assert panel.model.index(row, Column.STATUS).data() == "SUCCEEDED"
    assert panel.model.execution(row) == finished
    assert panel.machine_model.index(machine_row).data(COUNTS_ROLE)["RUNNING"] == running_before - 1


def test_no_refresh_when_hidden_or_the_query_has_no_running(qtbot, make):
    panel = make()
    with qtbot.waitSignal(panel.query_finished, timeout=LOAD_TIMEOUT):
        panel.filter_bar.set_status("FAILED")
    assert not panel.refresher.refresh_now(), "a FAILED-only list has nothing running to refresh"
    with qtbot.waitSignal(panel.query_finished, timeout=LOAD_TIMEOUT):
        panel.filter_bar.set_status("RUNNING")
    panel.hide()
    assert not panel.refresher.active, "hidden: the timer stops"
    assert not panel.refresher.refresh_now()
    panel.show()
    assert panel.refresher.active
    refresh(qtbot, panel)


def test_no_refresh_while_offline(qtbot, make, ctx):
    panel = make()
    # Its follow-up reads ("Waiting for") answered too: an answer after the outage would mean "back online".
    qtbot.waitUntil(lambda: not any(job.owner is panel for job in ctx.runner.jobs), timeout=LOAD_TIMEOUT)

    def unreachable():
        raise EndpointConnectionError(endpoint_url="http://127.0.0.1:9")

    with qtbot.waitSignal(ctx.connectivity.went_offline, timeout=5000):
        ctx.runner.submit(unreachable, name="probe")
    assert not panel.refresher.refresh_now()
    ctx.connectivity.mark_online()
    refresh(qtbot, panel)


def test_one_refresh_job_at_a_time(qtbot, make, monkeypatch):
    panel = make()
    gate = threading.Event()
    passes = []

    def slow_refresh(clients, arns, known_running, **kwargs):
        passes.append(1)
        gate.wait(10)
        yield []
        return core.RunningRefresh(running=0, described=0, deferred=0)

    monkeypatch.setattr(core, "refresh_running", slow_refresh)
    try:
        assert panel.refresher.refresh_now()
        assert not panel.refresher.refresh_now(), "the first pass is still running"
        assert not panel.refresher.refresh_now()
    finally:
        gate.set()
    qtbot.waitSignal(panel.refresher.refreshed, timeout=LOAD_TIMEOUT).wait()
    assert len(passes) == 1
    refresh(qtbot, panel)
    assert len(passes) == 2


def test_a_new_query_drops_a_refresh_in_flight(qtbot, make, monkeypatch):
    panel = make()
    gate = threading.Event()

    def stale_refresh(clients, arns, known_running, **kwargs):
        gate.wait(10)
        yield [replace(panel.model.executions()[0], status="ABORTED")]

    monkeypatch.setattr(core, "refresh_running", stale_refresh)
    assert panel.refresher.refresh_now()
    job = panel.refresher.job
    with qtbot.waitSignal(panel.query_finished, timeout=LOAD_TIMEOUT):
        panel.filter_bar.set_status("SUCCEEDED")
    gate.set()
    qtbot.waitUntil(lambda: not job.active, timeout=LOAD_TIMEOUT)
    assert {e.status for e in panel.model.executions()} == {"SUCCEEDED"}


def test_throttled_by_the_endpoint_botocore_retries_and_the_refresh_backs_off_up_to_two_minutes_then_recovers(
        qtbot, make, ctx, scripted_endpoint):
    from opsconsole.core.aws import MAX_ATTEMPTS, Clients
    from opsconsole.core.errors import ErrorKind

    panel = make()
    assert panel.refresher.interval_ms == 15_000
    listed_from = ctx.clients
    # The same account, now over its request rate: every call answered with AWS's throttling error.
    scripted_endpoint.script = [(400, {"__type": "ThrottlingException", "message": "Rate exceeded"})]
    ctx.clients = Clients(scripted_endpoint.connection())
    intervals = []
    for _ in range(4):
        scripted_endpoint.requests.clear()
        with qtbot.waitSignal(panel.refresher.failed, timeout=LOAD_TIMEOUT) as failed:
            assert panel.refresher.refresh_now()
        assert scripted_endpoint.requests == ["AWSStepFunctions.ListExecutions"] * MAX_ATTEMPTS  # botocore retried
        assert failed.args[0].kind is ErrorKind.THROTTLED
        intervals.append(panel.refresher.interval_ms)
    # One pass backs off once, however often botocore retried; never beyond two minutes.
    assert intervals == [30_000, 60_000, 120_000, 120_000]
    qtbot.waitUntil(lambda: "throttled" in panel.filter_bar.refreshed_label.text())
    assert not panel.message_bar.isVisible(), "a background refresh failing keeps the data on screen"
    assert panel.model.rowCount() > 0

    ctx.clients = listed_from  # the rate limit passed
    refresh(qtbot, panel)
    assert panel.refresher.interval_ms == 15_000
    assert "throttled" not in panel.filter_bar.refreshed_label.text()
