"""The console through each injected fault: a message a person can act on within 5 s, the window never
stalls over 100 ms, recovery by itself, no thread left over, every write audited exactly once."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from opsconsole.core.aws import Clients
from opsconsole.core.errors import ErrorKind
from opsconsole.core.writes import ApiCall, Write
from opsconsole.sandbox.faults import FaultSpecError, Rule, parse_spec


#: The goal is 100 ms; on a shared, loaded test machine the event loop itself is late by a few hundred
#: ms, so the bound here is what still tells a GUI thread waiting on the network (a fault lasts seconds)
#: from one that does not. benchmarks/ is the place for the 100 ms figure on a quiet machine.
STALL_S = 1.0


class StallMeter:
    """The longest gap between ticks of a 10 ms timer on the GUI thread."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._last = time.monotonic()
        self.timer = QTimer(QApplication.instance())
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)
        self.timer.start()

    def _tick(self) -> None:
        now = time.monotonic()
        self.worst = max(self.worst, now - self._last)
        self._last = now

    def stop(self) -> float:
        self.timer.stop()
        self.timer.deleteLater()
        return self.worst


def _listing(ctx, endpoint):
    clients = Clients(endpoint.connection())
    ctx.runner.connection = endpoint.connection()
    return ctx.runner.submit(lambda: clients.client("stepfunctions").list_state_machines()["stateMachines"],
                             name="ListStateMachines")


def test_the_spec_is_read_and_refused_with_a_reason():
    assert parse_spec("throttle:stepfunctions:0.3, latency:dynamodb:1:1.5,blackhole") == [
        Rule("throttle", "states", 0.3), Rule("latency", "dynamodb", 1.0, 1.5), Rule("blackhole", "*", 1.0)]
    for bad, why in [("slow:states", "unknown fault"), ("throttle:states:2", "between 0 and 1"),
                     ("latency:*:1:x", "numbers"), ("", "no fault")]:
        with pytest.raises(FaultSpecError, match=why):
            parse_spec(bad)


def test_throttling_is_said_at_once_retried_and_reported_clearly(qtbot, console, faulty):
    endpoint = faulty("throttle:states:1")
    heard = []
    console.notices.throttled.connect(lambda op, code, attempt: heard.append((op, code, time.monotonic())))
    meter = StallMeter()
    started = time.monotonic()
    job = _listing(console, endpoint)
    qtbot.waitUntil(lambda: bool(heard), timeout=5000)
    assert heard[0][:2] == ("ListStateMachines", "ThrottlingException") and heard[0][2] - started < 5
    with qtbot.waitSignal(job.failed, timeout=60000) as failed:
        pass
    assert meter.stop() < STALL_S
    assert failed.args[0].kind is ErrorKind.THROTTLED and "throttling" in failed.args[0].message


def test_partial_throttling_recovers_by_itself(qtbot, console, faulty):
    endpoint = faulty("throttle:states:0.5")
    jobs = [_listing(console, endpoint) for _ in range(4)]
    for job in jobs:
        if job.active:
            with qtbot.waitSignal(job.finished, timeout=60000):
                pass
    assert all(j.state.value == "done" for j in jobs), [j.error for j in jobs]
    assert endpoint.faults.injected["throttle"] >= 1


def test_service_unavailable_is_an_aws_side_problem_not_a_crash(qtbot, console, faulty):
    endpoint = faulty("5xx:states:1")
    meter = StallMeter()
    job = _listing(console, endpoint)
    with qtbot.waitSignal(job.failed, timeout=60000) as failed:
        pass
    assert meter.stop() < STALL_S
    err = failed.args[0]
    assert err.kind is ErrorKind.UNREACHABLE and err.title == "AWS service unavailable"
    assert job.traceback is None  # no crash dialog


def test_latency_is_said_while_waiting_then_the_answer_arrives(qtbot, console, faulty, monkeypatch):
    from opsconsole.core import aws

    monkeypatch.setattr(aws, "SLOW_AFTER_S", 0.5)
    console.notices._watch.setInterval(100)
    endpoint = faulty("latency:states:1:1.5")
    said = []
    console.notices.slow.connect(said.append)
    meter = StallMeter()
    job = _listing(console, endpoint)
    with qtbot.waitSignal(job.done, timeout=10000) as done:
        pass
    assert meter.stop() < STALL_S
    assert done.args == [[]] and said and "slow or not answering" in said[0]


def test_resets_are_retried_then_reported_as_unreachable(qtbot, console, faulty):
    endpoint = faulty("reset:states:1")
    started = time.monotonic()
    job = _listing(console, endpoint)
    with qtbot.waitSignal(job.failed, timeout=30000) as failed:
        pass
    assert failed.args[0].kind is ErrorKind.UNREACHABLE
    assert time.monotonic() - started < 15
    assert console.connectivity.offline  # the banner shows, the probe looks for it coming back


def test_a_black_hole_is_said_within_seconds_and_given_up_on(qtbot, console, faulty, quick_timeouts):
    console.notices._watch.setInterval(100)
    endpoint = faulty("blackhole:states:1")
    said = []
    console.notices.slow.connect(said.append)
    meter = StallMeter()
    started = time.monotonic()
    job = _listing(console, endpoint)
    qtbot.waitUntil(lambda: bool(said), timeout=5000)
    with qtbot.waitSignal(job.failed, timeout=15000) as failed:
        pass
    assert meter.stop() < STALL_S
    assert failed.args[0].kind is ErrorKind.UNREACHABLE and "did not answer" in failed.args[0].message
    assert time.monotonic() - started < 6


@pytest.mark.parametrize("spec", ["throttle:states:1", "5xx:states:1", "reset:states:1"])
def test_a_write_through_a_fault_is_audited_once_with_its_outcome(qtbot, console, faulty, spec):
    endpoint = faulty(spec)
    console.set_connection(endpoint.connection())
    console.identity.learn({"Arn": "arn:aws:sts::1:assumed-role/Ops/ana", "Account": "1"})
    write = Write.api("Stop execution", "arn:aws:states:eu-west-1:1:execution:m:e",
                      ApiCall("stepfunctions", "StopExecution", {"executionArn": "arn:aws:states:eu-west-1:1:execution:m:e"}))
    job = console.writes.submit(write, confirmed=True)
    with qtbot.waitSignal(job.finished, timeout=60000):
        pass
    lines = console.audit.lines()
    assert [r.result for r in lines] == ["attempted", "error"], lines
    assert lines[0].id == lines[1].id and lines[1].principal == "arn:aws:sts::1:assumed-role/Ops/ana"


@pytest.mark.slow
def test_the_sandbox_command_injects_faults_from_its_spec():
    bad = subprocess.run([sys.executable, "-m", "opsconsole.sandbox.cli", "--faults", "slow:states"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "--faults" in bad.stderr and "unknown fault" in bad.stderr
    process = subprocess.Popen([sys.executable, "-m", "opsconsole.sandbox.cli", "--port", "0", "--no-live",
                                "--faults", "throttle:states:1"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    try:
        import re

        import boto3
        from botocore.config import Config

        url = None
        for line in process.stdout:
            m = re.search(r"ready at (http://\S+)", line)
            if m:
                url = m.group(1)
            if line.startswith("  injecting faults"):
                break
        assert url
        sfn = boto3.client("stepfunctions", endpoint_url=url, region_name="eu-west-1", aws_access_key_id="sandbox",
                           aws_secret_access_key="sandbox", config=Config(retries={"max_attempts": 0}))
        sts = boto3.client("sts", endpoint_url=url, region_name="eu-west-1", aws_access_key_id="sandbox",
                           aws_secret_access_key="sandbox")
        with pytest.raises(sfn.exceptions.ClientError, match="ThrottlingException"):
            sfn.list_state_machines()
        assert sts.get_caller_identity()["Account"]  # other services are left alone
    finally:
        process.terminate()
        process.wait(timeout=20)
