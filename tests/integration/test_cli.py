"""The installed commands, run as a user would: smoke test, screenshots, version, sandbox CLI."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

ENV = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}


def run_app(*args: str, tmp_path, timeout: int = 240, extra_env: dict | None = None) -> subprocess.CompletedProcess:
    env = {
        **ENV,
        "OPSCONSOLE_DATA_DIR": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "AWS_CONFIG_FILE": str(tmp_path / "aws_config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "aws_credentials"),
        **(extra_env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "opsconsole.app", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def test_version(tmp_path):
    from opsconsole import __version__

    out = run_app("--version", tmp_path=tmp_path)
    assert out.returncode == 0
    assert out.stdout.strip() == f"opsconsole {__version__}"


def test_bad_endpoint_is_refused_with_a_reason(tmp_path):
    out = run_app("--endpoint-url", "localhost:4566", tmp_path=tmp_path)
    assert out.returncode == 2
    assert "--endpoint-url" in out.stderr and "http://" in out.stderr


def test_bad_region_is_refused_with_a_reason(tmp_path):
    out = run_app("--region", "Frankfurt", tmp_path=tmp_path)
    assert out.returncode == 2
    assert "--region" in out.stderr and "not a region name" in out.stderr


@pytest.mark.slow
def test_smoke_test_on_the_sandbox_loads_every_panel(tmp_path):
    out = run_app("--sandbox", "--smoke-test", tmp_path=tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]
    lines = dict(line.split(": ", 1) for line in out.stdout.splitlines() if ": " in line)
    assert set(lines) >= {"connection", "executions", "review", "alerts", "forecasts", "docreview"}
    count = int(lines["executions"].split()[0])
    assert count >= 1000
    assert lines["review"].endswith(" conversations")
    assert lines["alerts"].endswith(" alarms") and int(lines["alerts"].split()[0]) >= 300


@pytest.mark.slow
def test_screenshot_writes_a_png_per_panel(tmp_path):
    from PySide6.QtGui import QImage

    out_dir = tmp_path / "shots"
    out = run_app("--sandbox", "--screenshot", str(out_dir), tmp_path=tmp_path)
    assert out.returncode == 0, (out.stdout[-2000:], out.stderr[-3000:])
    for key in ("executions", "review", "alerts", "forecasts", "docreview"):
        image = QImage(str(out_dir / f"{key}.png"))
        assert not image.isNull() and image.width() >= 800, key


def test_smoke_test_fails_loudly_when_aws_is_unreachable(tmp_path, closed_port):
    keys = {"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "example"}
    out = run_app(
        "--endpoint-url", f"http://127.0.0.1:{closed_port}", "--smoke-test", "--timeout", "90",
        tmp_path=tmp_path, extra_env=keys,
    )
    assert out.returncode != 0
    assert "executions: FAILED" in out.stderr
    assert "Cannot reach" in out.stderr


def test_smoke_test_without_credentials_says_how_to_get_them(tmp_path, closed_port):
    out = run_app("--endpoint-url", f"http://127.0.0.1:{closed_port}", "--smoke-test", tmp_path=tmp_path)
    assert out.returncode != 0
    assert "No AWS credentials" in out.stderr and "aws configure" in out.stderr
