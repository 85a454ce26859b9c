"""The audit log is hash-chained: an edited, removed or inserted record is found by `opsconsole audit verify`."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from opsconsole.core.audit import AuditLog, verify_file
from opsconsole.core.aws import Connection
from opsconsole.core.identity import Identity
from opsconsole.core.writes import Write

ANA = Identity(arn="arn:aws:sts::111122223333:assumed-role/Ops/ana", account="111122223333", display_name="Ana")
OLD = {"time": "2025-06-01T10:42:00+00:00", "user": "ana", "connection": "prod", "action": "Stop execution",
       "target": "arn:aws:states:eu-west-1:1:execution:m:old", "result": "ok", "details": {}, "error": ""}


def _write(audit: AuditLog, n: int) -> None:
    for i in range(n):
        w = Write(f"Stop execution {i}", f"arn:aws:states:eu-west-1:1:execution:m:{i}", "stepfunctions",
                  "StopExecution", run=lambda _c: None, who=ANA)
        attempt = audit.attempted(w, connection=Connection(region="eu-west-1"))
        audit.finish(attempt, "ok")


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "opsconsole.app", "audit", "verify", *args], capture_output=True,
                          text=True, timeout=60, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})


def test_every_record_carries_sequence_previous_hash_principal_and_name(tmp_path):
    path = tmp_path / "audit.jsonl"
    _write(AuditLog(path), 2)
    _write(AuditLog(path), 1)  # another start of the console continues the same chain
    lines = [json.loads(x) for x in path.read_text().splitlines()]
    assert [x["seq"] for x in lines] == [1, 2, 3, 4, 5, 6]
    assert all(x["principal"] == ANA.arn and x["user"] == "Ana" for x in lines)
    assert all(len(x["prev"]) == 64 for x in lines)
    assert len({x["prev"] for x in lines}) == 6
    report = verify_file(path)
    assert report.ok and report.chained == 6 and report.unchained == 0
    result = cli(str(path))
    assert result.returncode == 0, result.stderr
    assert "6 records" in result.stdout and "intact" in result.stdout


def test_an_edited_record_is_found(tmp_path):
    path = tmp_path / "audit.jsonl"
    _write(AuditLog(path), 3)
    lines = path.read_text().splitlines()
    lines[2] = lines[2].replace('"user": "Ana"', '"user": "Bob"')
    path.write_text("\n".join(lines) + "\n")
    report = verify_file(path)
    assert not report.ok and report.problem.line == 3 and "changed" in report.problem.message
    result = cli(str(path))
    assert result.returncode == 1
    assert "line 3" in result.stdout and "changed" in result.stdout and "Traceback" not in result.stderr


def test_a_removed_record_is_found(tmp_path):
    path = tmp_path / "audit.jsonl"
    _write(AuditLog(path), 3)
    lines = path.read_text().splitlines()
    del lines[3]
    path.write_text("\n".join(lines) + "\n")
    report = verify_file(path)
    assert not report.ok and report.problem.line == 4 and "missing" in report.problem.message
    assert cli(str(path)).returncode == 1


def test_an_inserted_record_is_found_forged_with_the_fields_or_without(tmp_path):
    path = tmp_path / "audit.jsonl"
    _write(AuditLog(path), 2)
    lines = path.read_text().splitlines()
    forged = dict(json.loads(lines[1]), action="Approve", seq=3)
    path.write_text("\n".join([*lines[:2], json.dumps(forged), *lines[2:]]) + "\n")
    report = verify_file(path)
    assert not report.ok and report.problem.line == 3
    assert cli(str(path)).returncode == 1
    # A record without chain fields after the chain began: inserted, not "older".
    path.write_text("\n".join([*lines[:2], json.dumps(OLD), *lines[2:]]) + "\n")
    report = verify_file(path)
    assert not report.ok and report.problem.line == 3 and "inserted" in report.problem.message


def test_records_from_before_the_chain_are_reported_as_such_not_as_tampering(tmp_path):
    path = tmp_path / "audit.jsonl"
    path.write_text(json.dumps(OLD) + "\n" + json.dumps(dict(OLD, target="x")) + "\n")
    _write(AuditLog(path), 1)
    report = verify_file(path)
    assert report.ok and report.unchained == 2 and report.chained == 2
    result = cli(str(path))
    assert result.returncode == 0
    assert "2 older records" in result.stdout
    # The first chained record names the last older line: editing that one is found too.
    lines = path.read_text().splitlines()
    lines[1] = lines[1].replace('"x"', '"y"')
    path.write_text("\n".join(lines) + "\n")
    assert not verify_file(path).ok


def test_a_missing_file_or_damaged_line_is_a_clear_failure(tmp_path):
    result = cli(str(tmp_path / "nope.jsonl"))
    assert result.returncode == 2 and "Traceback" not in result.stderr and "nope.jsonl" in result.stderr
    path = tmp_path / "audit.jsonl"
    _write(AuditLog(path), 1)
    with path.open("a") as fh:
        fh.write("{not json\n")
    report = verify_file(path)
    assert not report.ok and report.problem.line == 3 and "not a record" in report.problem.message
