"""No secret reaches the log file, the log pane, a banner or the crash dialog; log and audit files are owner-only."""

from __future__ import annotations

import logging
import os
import stat

import pytest
from botocore.exceptions import ClientError

from opsconsole.core.errors import describe
from opsconsole.core.logbuffer import RingBufferHandler, file_handler, redact

SESSION = "IQoJb3JpZ2luX2VjEOz//////////wEaCWV1LXdlc3QtMSJHMEUCIQDxd5cr7Qq0WUuRpfbTX9ZKSYx0Gc4v"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
TASK = "AAAAKgAAAAIAAAAAAAAAAbW6Fz2k2aQfxcQ0hJrBsd9PjHkRbqkNGp3Xb1Gy0kq8e3tYcXfq4K3Kz8L7hP0WpW4Gk7Vn2jR5yS9qM1nT6xA"
SIG = "a3f1c2d4e5b6a7980123456789abcdef0123456789abcdef0123456789abcdef"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbmEiLCJleHAiOjE3MDAwMDAwMDB9.dGhpc2lzYXNpZ25hdHVyZXZhbHVl"

#: (what is logged, the secret that must not appear)
SHAPES = [
    (f"aws_secret_access_key = {SECRET}", SECRET),
    (f'{{"AccessKeyId": "ASIAQWERTYUIOPASDFGH", "SecretAccessKey": "{SECRET}"}}', SECRET),
    (f'{{"SessionToken": "{SESSION}"}}', SESSION),
    (f"aws_session_token={SESSION}", SESSION),
    (f"X-Amz-Security-Token: {SESSION}", SESSION),
    (f"{{'X-Amz-Security-Token': b'{SESSION}', 'User-Agent': 'Boto3'}}", SESSION),
    (f"https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIAQWERTYUIOPASDFGH%2F20250101%2Feu-west-1%2Fs3%2Faws4_request&X-Amz-Signature={SIG}", SIG),
    (f"https://b.s3.amazonaws.com/k?X-Amz-Credential=AKIAQWERTYUIOPASDFGH%2F20250101&X-Amz-Security-Token={SESSION}&X-Amz-Signature=1", SESSION),
    ("https://b.s3.amazonaws.com/k?X-Amz-Credential=AKIAZZZZYYYYXXXXWWWW%2F20250101", "AKIAZZZZYYYYXXXXWWWW"),
    (f"Authorization: AWS4-HMAC-SHA256 Credential=AKIAQWERTYUIOPASDFGH/20250101/eu-west-1/states/aws4_request, SignedHeaders=host;x-amz-date, Signature={SIG}", SIG),
    (f"{{'Authorization': b'AWS4-HMAC-SHA256 Credential=AKIA/x, SignedHeaders=host, Signature={SIG}'}}", SIG),
    (f"headers: Authorization: Bearer {JWT}", JWT),
    (f"the token was Bearer {SESSION[:40]} and then", SESSION[:40]),
    (f"id token {JWT} leaked", JWT),
    (f"SendTaskSuccess failed for task {TASK}: TaskTimedOut", TASK),
    (f'{{"taskToken": "{TASK[:30]}"}}', TASK[:30]),
    ("connecting to https://deploy:hunter2-Secret@registry.example.com/v2/", "hunter2-Secret"),
    ("POST /login password=hunter2-Secret&user=ana", "hunter2-Secret"),
    (f"keys AKIAQWERTYUIOPASDFGH {SECRET} in a pasted config", SECRET),
    ("keys AKIAQWERTYUIOPASDFGH in text", "AKIAQWERTYUIOPASDFGH"),
    ("-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAv1\n-----END RSA PRIVATE KEY-----", "MIIEowIBAAKCAQEAv1"),
    ("Cookie: session=5f2b9c0e7d1a4b3c", "5f2b9c0e7d1a4b3c"),
    ('{"client_secret": "cs-5f2b9c0e7d1a", "api_key": "ak-7d1a4b3c"}', "cs-5f2b9c0e7d1a"),
]


@pytest.mark.parametrize("text,secret", SHAPES, ids=[f"shape{i}" for i in range(len(SHAPES))])
def test_every_common_secret_shape_is_masked(text, secret):
    out = redact(text)
    assert secret not in out
    assert "***" in out or "…" in out


def test_what_is_not_a_secret_stays_readable():
    plain = ("StartExecution arn:aws:states:eu-west-1:123456789012:execution:train:run-42 took 1.2 s; "
             "prev=" + "ab" * 32 + " commit 3f1c2d4e5b6a7980123456789abcdef012345678 NextToken page 2")
    assert redact(plain) == plain


def test_the_log_file_the_ring_buffer_and_banners_never_keep_a_session_token(tmp_path):
    folder = tmp_path / "logs"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    (folder / "opsconsole.log").write_text("older line\n")
    os.chmod(folder / "opsconsole.log", 0o644)
    handler = file_handler(folder / "opsconsole.log")
    ring = RingBufferHandler()
    logger = logging.getLogger("test.redaction")
    logger.addHandler(handler)
    logger.addHandler(ring)
    logger.setLevel(logging.INFO)
    try:
        logger.error("endpoint echoed {'X-Amz-Security-Token': '%s', 'Authorization': 'AWS4-HMAC-SHA256 "
                     "Credential=AKIAQWERTYUIOPASDFGH/x, Signature=%s'}", SESSION, SIG)
        try:
            raise RuntimeError(f"boom with x-amz-security-token={SESSION}")
        except RuntimeError:
            logger.exception("crashed")
    finally:
        logger.removeHandler(handler)
        logger.removeHandler(ring)
        handler.close()
    text = (folder / "opsconsole.log").read_text()
    assert "endpoint echoed" in text and "crashed" in text
    for secret in (SESSION, SIG, "AKIAQWERTYUIOPASDFGH"):
        assert secret not in text
        assert all(secret not in line.text for line in ring.snapshot())
    assert stat.S_IMODE((folder / "opsconsole.log").stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700

    error = ClientError({"Error": {"Code": "InternalFailure", "Message": f"echo: X-Amz-Security-Token={SESSION}"}},
                        "ListExecutions")
    shown = describe(error)
    assert SESSION not in shown.message and SESSION not in str(shown)


def test_the_audit_file_and_its_folder_are_owner_only_even_if_they_were_not(tmp_path):
    from opsconsole.core.audit import AuditLog
    from opsconsole.core.writes import Write

    folder = tmp_path / "data"
    folder.mkdir()
    os.chmod(folder, 0o755)
    path = folder / "audit.jsonl"
    path.write_text("")
    os.chmod(path, 0o644)
    audit = AuditLog(path)
    audit.attempted(Write("Stop", "t", "stepfunctions", "StopExecution", run=lambda _c: None), connection=None)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    fresh = AuditLog(tmp_path / "new" / "audit.jsonl")
    fresh.attempted(Write("Stop", "t", "stepfunctions", "StopExecution", run=lambda _c: None), connection=None)
    assert stat.S_IMODE(fresh.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(fresh.path.parent.stat().st_mode) == 0o700


def test_the_crash_dialog_gets_a_redacted_traceback(qtbot):
    from opsconsole.core.errors import ErrorKind, UserError
    from opsconsole.jobs.notices import Notices
    from opsconsole.jobs.runner import JobRunner

    runner = JobRunner()
    notices = Notices(runner)
    try:
        with qtbot.waitSignal(notices.unexpected) as blocker:
            notices.report_unexpected(UserError(ErrorKind.UNEXPECTED, "Unexpected error", "x", "RuntimeError"),
                                      f"Traceback ...\nRuntimeError: aws_session_token={SESSION}\n")
        assert SESSION not in blocker.args[1] and "RuntimeError" in blocker.args[1]
    finally:
        notices.close()
        runner.shutdown(1000)


def test_paths_and_names_in_messages_stay_readable():
    text = ("The audit log cannot be written (Not a directory: /tmp/pytest-of-user/pytest-12/"
            "test_nothing_reaches_aws_when_the_audit_log_cannot_be_written_folder_un0/audit.jsonl)")
    assert redact(text) == text
