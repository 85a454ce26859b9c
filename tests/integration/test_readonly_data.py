"""A data folder the console cannot write: a clear sentence at start-up, no traceback; writes then refused."""

from __future__ import annotations

import os
import subprocess
import sys


def test_an_unusable_data_folder_gives_a_clear_message_not_a_traceback(tmp_path, closed_port):
    # A file where the folder should be: unusable for every user, root included (chmod is not).
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder")
    data = blocker / "data"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "OPSCONSOLE_DATA_DIR": str(data),
           "XDG_CONFIG_HOME": str(tmp_path / "config")}
    result = subprocess.run(
        [sys.executable, "-m", "opsconsole.app", "--smoke-test", "--timeout", "8", "--region", "eu-west-1",
         "--endpoint-url", f"http://127.0.0.1:{closed_port}"],
        capture_output=True, text=True, timeout=120, env=env)
    assert "Traceback" not in result.stderr, result.stderr
    assert f"data folder {data} cannot be written" in result.stderr
    assert "writes to AWS are refused" in result.stderr
