"""The worker layer: streaming, cancellation, errors as messages, a GUI that never blocks."""

from __future__ import annotations

import logging
import threading

import pytest
from PySide6.QtCore import QTimer

from opsconsole.core.errors import ErrorKind
from opsconsole.core.progress import Progress
from opsconsole.jobs.connectivity import Connectivity
from opsconsole.jobs.notices import Notices
from opsconsole.jobs.runner import JobState


@pytest.fixture
def notices(runner):
    n = Notices(runner)
    yield n
    n.close()


def test_pages_arrive_in_order_then_done(qtbot, runner):
    def listing():
        for i in range(5):
            yield [i * 10 + j for j in range(10)]
        return "all read"

    job = runner.submit(listing, name="listing")
    pages = []
    job.page.connect(pages.append)
    with qtbot.waitSignal(job.done, timeout=5000) as done:
        pass
    assert [p[0] for p in pages] == [0, 10, 20, 30, 40]
    assert done.args == ["all read"]
    assert job.state is JobState.DONE


def test_first_page_shows_before_last_is_fetched(qtbot, runner):
    """Streaming: page 1 reaches the GUI while page 2 is still being fetched."""
    gate = threading.Event()

    def listing():
        yield ["first"]
        gate.wait(10)
        yield ["second"]

    job = runner.submit(listing)
    with qtbot.waitSignal(job.page, timeout=5000) as first:
        pass
    assert first.args == [["first"]]
    assert job.state is JobState.RUNNING
    gate.set()
    qtbot.waitSignal(job.done, timeout=5000).wait()


def test_progress_is_not_a_page(qtbot, runner):
    def work():
        yield Progress(1, 3, "one of three")
        yield ["data"]

    job = runner.submit(work)
    progress, pages = [], []
    job.progress.connect(progress.append)
    job.page.connect(pages.append)
    qtbot.waitSignal(job.finished, timeout=5000).wait()
    assert progress == [Progress(1, 3, "one of three")]
    assert pages == [["data"]]


def test_cancel_fetches_no_further_page(qtbot, runner):
    calls: list[int] = []
    gates = [threading.Event() for _ in range(10)]

    def listing():
        for i in range(10):
            calls.append(i)  # the AWS call for page i starts here
            gates[i].wait(10)
            yield [i]

    job = runner.submit(listing, name="ListExecutions")
    pages = []
    job.page.connect(pages.append)
    gates[0].set()
    qtbot.waitUntil(lambda: pages == [[0]], timeout=5000)
    qtbot.waitUntil(lambda: len(calls) == 2, timeout=5000)  # page 1's call is in flight
    job.cancel()
    assert job.state is JobState.CANCELLED
    for g in gates:
        g.set()
    qtbot.waitUntil(lambda: runner.threads_busy() == 0, timeout=5000)
    assert calls == [0, 1], "a page was fetched after cancel"
    assert pages == [[0]], "a page was delivered after cancel"


def test_closing_owner_cancels_its_jobs(qtbot, runner):
    from PySide6.QtWidgets import QWidget

    gate = threading.Event()
    owner = QWidget()

    def slow():
        gate.wait(10)
        yield [1]

    job = runner.submit(slow, owner=owner)
    runner.cancel_owned(owner)
    assert job.state is JobState.CANCELLED
    assert runner.running_count() == 0
    gate.set()


def test_write_jobs_run_one_at_a_time_in_order(qtbot, runner):
    order: list[int] = []
    lock = threading.Lock()
    active = {"n": 0, "max": 0}

    def write(i):
        with lock:
            active["n"] += 1
            active["max"] = max(active["max"], active["n"])
        order.append(i)
        with lock:
            active["n"] -= 1
        return i

    jobs = [runner.submit(write, i, write=True) for i in range(8)]
    qtbot.waitUntil(lambda: all(j.state is JobState.DONE for j in jobs), timeout=5000)
    assert order == list(range(8))
    assert active["max"] == 1


def test_unexpected_exception_is_logged_and_reported_once(qtbot, runner, notices, caplog):
    def broken():
        raise KeyError("missing")

    reports = []
    notices.unexpected.connect(lambda err, tb: reports.append((err, tb)))
    with caplog.at_level(logging.ERROR):
        for _ in range(2):
            job = runner.submit(broken, name="broken")
            with qtbot.waitSignal(job.failed, timeout=5000) as failed:
                pass
            assert failed.args[0].kind is ErrorKind.UNEXPECTED
    assert len(reports) == 1
    assert "KeyError" in reports[0][1]
    assert "Traceback" in caplog.text


def test_gui_thread_keeps_running_while_a_call_hangs(qtbot, runner, scripted_endpoint):
    """A deliberately slow endpoint: the call hangs until the test lets it go."""
    from opsconsole.core.aws import Clients

    scripted_endpoint.gate = threading.Event()
    scripted_endpoint.script = [(200, {"stateMachines": []})]
    clients = Clients(scripted_endpoint.connection())

    def list_machines():
        return clients.client("stepfunctions").list_state_machines()["stateMachines"]

    job = runner.submit(list_machines, name="ListStateMachines")
    assert scripted_endpoint.waiting.wait(10), "the request never reached the slow endpoint"
    # The call is in flight; the event loop must still deliver timers and clicks.
    ticks = []
    for _ in range(3):
        QTimer.singleShot(0, lambda: ticks.append(1))
        n = len(ticks)
        qtbot.waitUntil(lambda n=n: len(ticks) > n, timeout=1000)
    assert len(ticks) == 3
    assert job.state is JobState.RUNNING
    scripted_endpoint.gate.set()
    with qtbot.waitSignal(job.done, timeout=10000) as done:
        pass
    assert done.args == [[]]


def _client_job(runner, endpoint_connection, op="list_state_machines", **kwargs):
    from opsconsole.core.aws import Clients

    clients = Clients(endpoint_connection)

    def call():
        return getattr(clients.client("stepfunctions"), op)(**kwargs)

    return runner.submit(call, name=op)


def test_throttling_is_retried_and_shown(qtbot, runner, notices, scripted_endpoint):
    throttle = (400, {"__type": "ThrottlingException", "message": "Rate exceeded"})
    scripted_endpoint.script = [throttle, throttle, (200, {"stateMachines": []})]
    heard = []
    notices.throttled.connect(lambda op, code, attempt: heard.append((op, code)))
    job = _client_job(runner, scripted_endpoint.connection())
    with qtbot.waitSignal(job.done, timeout=20000):
        pass
    assert len(scripted_endpoint.requests) == 3
    qtbot.waitUntil(lambda: len(heard) == 2, timeout=5000)
    assert heard[0] == ("ListStateMachines", "ThrottlingException")


def test_access_denied_names_action_and_resource(qtbot, runner, scripted_endpoint):
    arn = "arn:aws:states:eu-west-1:123456789012:stateMachine:mlops-training"
    scripted_endpoint.script = [
        (
            400,
            {
                "__type": "AccessDeniedException",
                "message": f"User: arn:aws:iam::123456789012:user/dana is not authorized to perform: "
                f"states:ListExecutions on resource: {arn} because no identity-based policy allows it",
            },
        )
    ]
    job = _client_job(runner, scripted_endpoint.connection(), "list_executions", stateMachineArn=arn)
    with qtbot.waitSignal(job.failed, timeout=10000) as failed:
        pass
    err = failed.args[0]
    assert err.kind is ErrorKind.ACCESS_DENIED
    assert "states:ListExecutions" in err.message and arn in err.message


def test_expired_token_tells_what_to_do(qtbot, runner, scripted_endpoint):
    scripted_endpoint.script = [(400, {"__type": "ExpiredTokenException", "message": "The security token included in the request is expired"})]
    job = _client_job(runner, scripted_endpoint.connection())
    with qtbot.waitSignal(job.failed, timeout=10000) as failed:
        pass
    assert failed.args[0].kind is ErrorKind.EXPIRED


def test_unreachable_endpoint_goes_offline_then_back(qtbot, runner, closed_port, scripted_endpoint):
    from opsconsole.core.aws import Connection

    connectivity = Connectivity(runner)
    offline = []
    connectivity.went_offline.connect(offline.append)
    conn = Connection(region="eu-west-1", endpoint_url=f"http://127.0.0.1:{closed_port}", access_key="a", secret_key="b")
    job = _client_job(runner, conn)
    with qtbot.waitSignal(job.failed, timeout=30000) as failed:
        pass
    assert failed.args[0].kind is ErrorKind.UNREACHABLE
    assert "Cannot reach" in failed.args[0].message
    assert connectivity.offline and len(offline) == 1
    assert connectivity.probing, "offline: the endpoint is probed until it answers"
    _client_job(runner, conn)  # failing again while offline says nothing new
    qtbot.waitUntil(lambda: runner.running_count() == 0, timeout=30000)
    assert len(offline) == 1
    with qtbot.waitSignal(connectivity.came_online, timeout=10000):
        scripted_endpoint.script = [(200, {"stateMachines": []})]
        _client_job(runner, scripted_endpoint.connection())
    assert not connectivity.offline and not connectivity.probing


def test_probe_brings_the_console_back_only_when_the_endpoint_answers(
    qtbot, runner, closed_port, make_scripted_endpoint, monkeypatch
):
    from opsconsole.core import aws
    from opsconsole.core.aws import Connection
    from opsconsole.core.errors import UserError

    probes = []
    real_probe = aws.probe_endpoint
    monkeypatch.setattr(aws, "probe_endpoint", lambda conn: probes.append(1) or real_probe(conn))
    connectivity = Connectivity(runner, probe_interval_ms=50)
    runner.connection = Connection(region="eu-west-1", endpoint_url=f"http://127.0.0.1:{closed_port}")
    online = []
    connectivity.came_online.connect(lambda: online.append(1))

    def unreachable():
        from botocore.exceptions import EndpointConnectionError

        raise EndpointConnectionError(endpoint_url=runner.connection.endpoint_url)

    with qtbot.waitSignal(connectivity.went_offline, timeout=10000) as went:
        runner.submit(unreachable, name="ListStateMachines")
    assert isinstance(went.args[0], UserError)
    qtbot.waitUntil(lambda: len(probes) >= 3, timeout=10000)  # several probes, each finding it down
    assert connectivity.offline and online == []
    make_scripted_endpoint(closed_port)
    qtbot.waitUntil(lambda: online == [1], timeout=10000)
    assert not connectivity.offline and not connectivity.probing


def test_unexpected_errors_from_outside_jobs_are_reported_once_too(qtbot, notices):
    from opsconsole.core.errors import describe

    reports = []
    notices.unexpected.connect(lambda err, tb: reports.append(tb))
    for _ in range(3):
        notices.report_unexpected(describe(ValueError("bad value")), "Traceback: ...")
    notices.report_unexpected(describe(KeyError("other")), "Traceback: other")
    assert reports == ["Traceback: ...", "Traceback: other"]


@pytest.mark.parametrize("threads", [1, 3])
def test_pool_is_bounded(qtbot, threads):
    from opsconsole.jobs.runner import JobRunner

    r = JobRunner(read_threads=threads)
    gate = threading.Event()
    running = []
    lock = threading.Lock()

    def work():
        with lock:
            running.append(1)
        gate.wait(10)

    jobs = [r.submit(work) for _ in range(threads + 3)]
    qtbot.waitUntil(lambda: len(running) == threads, timeout=5000)
    assert r.read_pool.activeThreadCount() == threads
    gate.set()
    qtbot.waitUntil(lambda: all(j.state is JobState.DONE for j in jobs), timeout=5000)
    assert r.shutdown(5000)


# -- owners --------------------------------------------------------------------
def _destroyed_receivers(obj) -> int:
    from PySide6.QtCore import SIGNAL

    return obj.receivers(SIGNAL("destroyed(QObject*)"))


def test_no_connection_outlives_its_job(qtbot, runner):
    """A long-lived owner (a panel refreshing every 15 s) gains no connection per job."""
    from PySide6.QtWidgets import QWidget

    owner = QWidget()
    first = runner.submit(int, owner=owner)
    qtbot.waitUntil(lambda: first.state is JobState.DONE, timeout=5000)
    before = _destroyed_receivers(owner)  # Qt for Python keeps one of its own after a first connection
    gate = threading.Event()
    held = [runner.submit(gate.wait, 10, owner=owner) for _ in range(20)]
    assert _destroyed_receivers(owner) == before + 1, "one connection per owner, however many jobs"
    gate.set()
    qtbot.waitUntil(lambda: all(j.state is JobState.DONE for j in held), timeout=10000)
    assert _destroyed_receivers(owner) == before
    done = 0
    for _ in range(20):
        jobs = [runner.submit(int, owner=owner) for _ in range(500)]
        qtbot.waitUntil(lambda jobs=jobs: all(j.state is JobState.DONE for j in jobs), timeout=30000)
        done += len(jobs)
    assert done == 10_000
    assert _destroyed_receivers(owner) == before


def test_a_closed_owner_still_cancels_its_jobs(qtbot, runner):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QWidget

    gate = threading.Event()
    owner = QWidget()
    owner.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    owner.show()
    first = runner.submit(gate.wait, 10, owner=owner)
    quick = runner.submit(int, owner=owner)
    qtbot.waitUntil(lambda: quick.state is JobState.DONE, timeout=5000)  # one ended, one still running
    second = runner.submit(gate.wait, 10, owner=owner)
    other = runner.submit(gate.wait, 10)
    owner.close()  # deleted by Qt a moment later
    qtbot.waitUntil(lambda: not first.active, timeout=5000)
    assert first.state is JobState.CANCELLED and second.state is JobState.CANCELLED
    assert other.active, "a job of nobody's is not cancelled with someone else's window"
    gate.set()
    qtbot.waitUntil(lambda: other.state is JobState.DONE, timeout=5000)


def test_an_endpoint_that_never_answers_is_reported_within_seconds_and_given_up_on(
    qtbot, runner, black_hole, monkeypatch, caplog, frozen_heap
):
    """Accepts the connection, never answers: the user hears about it, reads end, exit does not wait for it."""
    import time

    from opsconsole.core import aws

    monkeypatch.setattr(aws, "READ_TIMEOUT_S", 1)
    monkeypatch.setattr(aws, "CALL_DEADLINE_S", 2)
    monkeypatch.setattr(aws, "SLOW_AFTER_S", 0.5)
    notices = Notices(runner, watch_interval_ms=100)
    heard = []
    notices.slow.connect(heard.append)
    try:
        started = time.monotonic()
        job = _client_job(runner, black_hole.connection())
        qtbot.waitUntil(lambda: bool(heard), timeout=3000)
        assert time.monotonic() - started < 2.5
        host = black_hole.url.removeprefix("http://")
        assert host in heard[0] and "ListStateMachines" in heard[0] and "not answering" in heard[0]
        assert "retried" in heard[0] and "given up" in heard[0]
        with qtbot.waitSignal(job.failed, timeout=8000) as failed:
            pass
        took = time.monotonic() - started
        assert took < 2 + 1 + 2.5, f"the call took {took:.1f} s"  # deadline + one read timeout + backoff
        err = failed.args[0]
        assert err.kind is ErrorKind.UNREACHABLE and host in err.message and "did not answer" in err.message
        assert 2 <= len(black_hole.accepted) <= 4

        # Quitting with a call stuck on it: bounded, and the log says what was left behind.
        monkeypatch.setattr(aws, "READ_TIMEOUT_S", 3)
        _client_job(runner, black_hole.connection(), "list_activities")
        qtbot.waitUntil(lambda: len(black_hole.accepted) >= 3 and runner.threads_busy() >= 1, timeout=10000)
        began = time.monotonic()
        with caplog.at_level("WARNING"):
            assert runner.shutdown(300) is False
        assert time.monotonic() - began < 1.0
        assert "abandoned: list_activities" in caplog.text
    finally:
        notices.close()


def test_recovery_needs_an_answer_not_just_an_open_port(qtbot, runner, black_hole, scripted_endpoint, closed_port):
    """A port that accepts but does not answer (a server still starting, a stuck proxy) is not 'back'."""
    from opsconsole.core import aws
    from opsconsole.core.aws import Connection

    assert aws.probe_endpoint(black_hole.connection(), timeout=0.5) is False
    assert aws.probe_endpoint(Connection(endpoint_url=f"http://127.0.0.1:{closed_port}"), timeout=0.5) is False
    assert aws.probe_endpoint(scripted_endpoint.connection(), timeout=2) is True

    connectivity = Connectivity(runner, probe_interval_ms=50)
    runner.connection = black_hole.connection()
    online = []
    connectivity.came_online.connect(lambda: online.append(1))

    def unreachable():
        from botocore.exceptions import EndpointConnectionError

        raise EndpointConnectionError(endpoint_url=black_hole.url)

    with qtbot.waitSignal(connectivity.went_offline, timeout=10000):
        runner.submit(unreachable, name="ListStateMachines")
    qtbot.waitUntil(lambda: len(black_hole.accepted) >= 2, timeout=15000)  # probed, twice, no answer
    assert connectivity.offline and online == []
    runner.connection = scripted_endpoint.connection()
    qtbot.waitUntil(lambda: online == [1], timeout=10000)


def test_a_listing_that_fails_after_some_pages_says_what_is_shown_is_incomplete(qtbot, runner):
    from botocore.exceptions import EndpointConnectionError

    def listing():
        yield [1, 2, 3]
        yield [4, 5]
        raise EndpointConnectionError(endpoint_url="http://127.0.0.1:1")

    job = runner.submit(listing, name="ListExecutions")
    with qtbot.waitSignal(job.failed, timeout=5000) as failed:
        pass
    err = failed.args[0]
    assert err.kind is ErrorKind.UNREACHABLE
    assert "incomplete" in err.message and "2 page" in err.message


@pytest.mark.parametrize("body", [
    b"<html>502 Bad Gateway</html>",
    {"stateMachines": "not a list"},
    {"stateMachines": [{"name": 42}]},
    {},
    b'"just a string"',
], ids=["html", "string-for-list", "wrong-member-type", "required-missing", "not-an-object"])
def test_a_wrong_shaped_answer_is_a_clear_error_not_an_unexpected_one(qtbot, runner, scripted_endpoint, body):
    scripted_endpoint.script = [(200, body)]
    job = _client_job(runner, scripted_endpoint.connection())
    with qtbot.waitSignal(job.failed, timeout=10000) as failed:
        pass
    err = failed.args[0]
    assert err.kind is ErrorKind.BAD_RESPONSE, err
    assert err.title == "Unexpected answer from the endpoint"
    assert "ListStateMachines" in err.message and "not what AWS sends" in err.message
    assert job.traceback is None  # not a bug of ours: no crash dialog


@pytest.mark.parametrize("body", [{}, {"Items": "x", "Count": 1}, {"Count": 0, "ScannedCount": 0}])
def test_a_wrong_shaped_review_listing_is_an_error_not_zero_conversations(qtbot, runner, scripted_endpoint, body):
    from opsconsole.core.aws import Clients
    from opsconsole.core.lexreview.conversations import iter_conversations

    scripted_endpoint.script = [(200, body)]
    clients = Clients(scripted_endpoint.connection())
    job = runner.submit(lambda: [c for page in iter_conversations(clients) for c in page], name="List conversations")
    with qtbot.waitSignal(job.failed, timeout=10000) as failed:
        pass
    err = failed.args[0]
    assert err.kind is ErrorKind.BAD_RESPONSE and "answered Query" in err.message
    if "Items" not in body:
        assert "Items is missing" in err.message
