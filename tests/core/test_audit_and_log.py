"""The audit log records every write; logs never keep secrets."""

from __future__ import annotations

import json
import logging

import pytest

from opsconsole.core.audit import AuditLog
from opsconsole.core.identity import IdentityStore
from opsconsole.core.logbuffer import RingBufferHandler, redact
from opsconsole.core.writes import Write
from opsconsole.jobs.writes import perform


def record(audit, *, connection, action, target, call, details=None):
    """Send ``call`` through the write path (no AWS: ``call`` is the write) and return its result."""
    write = Write(action, target, "stepfunctions", action, run=lambda _clients: call(), details=details or {})
    steps = perform(write, None, audit, IdentityStore(lambda: connection + "-user"))
    try:
        while True:
            next(steps)
    except StopIteration as stop:
        return stop.value


def test_audit_records_success_and_failure(tmp_path):
    audit = AuditLog(tmp_path / "a" / "audit.jsonl")
    assert record(audit, connection="prod", action="StopExecution", target="arn:x", call=lambda: 42) == 42
    with pytest.raises(RuntimeError):
        record(audit, connection="prod", action="StopExecution", target="arn:y", call=lambda: (_ for _ in ()).throw(RuntimeError("boom")))
    records = audit.read()
    assert [(r.action, r.target, r.result) for r in records] == [("StopExecution", "arn:x", "ok"), ("StopExecution", "arn:y", "error")]
    assert "boom" in records[1].error
    assert records[0].user and records[0].time


def test_audit_is_append_only_json_lines_and_survives_a_bad_line(tmp_path):
    path = tmp_path / "audit.jsonl"
    audit = AuditLog(path)
    record(audit, connection="c", action="A", target="t1", call=lambda: None)
    with path.open("a") as fh:
        fh.write("{not json\n")
    record(AuditLog(path), connection="c", action="B", target="t2", call=lambda: None)
    lines = path.read_text().splitlines()
    assert json.loads(lines[0])["action"] == "A"
    assert [r.action for r in AuditLog(path).read()] == ["A", "B"]


def test_audit_never_stores_a_secret(tmp_path):
    audit = AuditLog(tmp_path / "audit.jsonl")
    record(audit, connection="c", action="SendTaskSuccess", target="t", call=lambda: None, details={"taskToken": "AAAAsecret"})
    assert "AAAAsecret" not in (tmp_path / "audit.jsonl").read_text()


def test_a_write_is_recorded_before_it_runs_and_left_out_of_read_while_on_its_way(tmp_path):
    from opsconsole.core.progress import Progress

    audit = AuditLog(tmp_path / "audit.jsonl")
    during: list = []

    def deploy(_clients):
        during.append(([r.result for r in audit.lines()], audit.read()))
        yield Progress(1, 3, "Merging")
        yield Progress(2, 3, "Building")
        return "deployed"

    write = Write("Deploy bot locale", "Bot · en_US", "lexv2-models", "BuildBotLocale", run=deploy, steps=True)
    steps = perform(write, None, audit, IdentityStore())
    assert next(steps).text == "Merging"
    assert during == [(["attempted"], [])]  # on disk before the first call; not a finished write yet
    steps.close()  # cancelled between two steps
    [attempt, result] = audit.lines()
    assert (attempt.result, result.result, result.id) == ("attempted", "cancelled", attempt.id)
    assert [(r.action, r.result) for r in audit.read()] == [("Deploy bot locale", "cancelled")]


def test_redact_masks_keys_and_tokens():
    line = 'aws_secret_access_key=abcd1234 "taskToken": "tok123" key AKIAABCDEFGHIJKLMNOP'
    out = redact(line)
    assert "abcd1234" not in out and "tok123" not in out and "AKIAABCDEFGHIJKLMNOP" not in out


def test_ring_buffer_keeps_the_last_records_and_notifies():
    handler = RingBufferHandler(capacity=3)
    seen = []
    handler.add_listener(seen.append)
    logger = logging.getLogger("test.ring")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        for i in range(5):
            logger.info("line %d", i)
    finally:
        logger.removeHandler(handler)
    assert [r.text for r in handler.snapshot()] == ["line 2", "line 3", "line 4"]
    assert len(seen) == 5
