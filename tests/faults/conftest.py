"""A fault-injecting endpoint: the sandbox's fault middleware in front of a tiny Step Functions answer."""

from __future__ import annotations

import json
import threading

import pytest
from PySide6.QtCore import QThreadPool


class FaultyEndpoint:
    """``FaultMiddleware(rules)`` over an app answering every JSON call with ``answer``, on 127.0.0.1."""

    def __init__(self, spec: str, answer: dict | None = None) -> None:
        from werkzeug.serving import make_server

        from opsconsole.sandbox.faults import FaultMiddleware, parse_spec

        self.answer = answer if answer is not None else {"stateMachines": []}
        self.requests = 0

        def app(environ, start_response):
            self.requests += 1
            length = int(environ.get("CONTENT_LENGTH") or 0)
            environ["wsgi.input"].read(length)
            body = json.dumps(self.answer).encode()
            start_response("200 OK", [("Content-Type", "application/x-amz-json-1.0"),
                                      ("Content-Length", str(len(body)))])
            return [body]

        self.faults = FaultMiddleware(app, parse_spec(spec), seed=3)
        self.faults.activate()
        self.server = make_server("127.0.0.1", 0, self.faults, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def connection(self):
        from opsconsole.core.aws import Connection

        return Connection(region="eu-west-1", endpoint_url=self.url, access_key="AKIDFAULTS", secret_key="faults")

    def close(self) -> None:
        self.faults.stop()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def faulty():
    made: list[FaultyEndpoint] = []

    def make(spec: str, answer: dict | None = None) -> FaultyEndpoint:
        ep = FaultyEndpoint(spec, answer)
        made.append(ep)
        return ep

    yield make
    for ep in made:
        ep.close()


@pytest.fixture
def quick_timeouts(monkeypatch):
    """Per-attempt and per-call limits short enough for a test (the behaviour is the same, sooner)."""
    from opsconsole.core import aws

    monkeypatch.setattr(aws, "READ_TIMEOUT_S", 1)
    monkeypatch.setattr(aws, "CALL_DEADLINE_S", 2)
    monkeypatch.setattr(aws, "SLOW_AFTER_S", 0.5)


@pytest.fixture
def console(qtbot, tmp_path, frozen_heap):
    """A runner, the notices, connectivity and an audit log: the console without its window."""
    from opsconsole.core.audit import AuditLog
    from opsconsole.ui.context import AppContext
    from opsconsole.jobs.runner import JobRunner

    runner = JobRunner()
    ctx = AppContext(runner, AuditLog(tmp_path / "audit.jsonl"))
    yield ctx
    ctx.notices.close()
    runner.cancel_all()
    qtbot.waitUntil(lambda: runner.threads_busy() == 0, timeout=15000)
    assert runner.shutdown(5000), "a worker thread was left over"
    qtbot.waitUntil(lambda: QThreadPool.globalInstance().activeThreadCount() == 0, timeout=15000)
    # Delete the Qt objects here, on the GUI thread: left to the cyclic collector they could be
    # freed on a worker thread, with their timers.
    import shiboken6

    shiboken6.delete(ctx)
    shiboken6.delete(runner)
