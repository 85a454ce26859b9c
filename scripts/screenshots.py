"""Screenshots of the app against the sandbox, in the light and the dark palette, for looking at colours.

    QT_QPA_PLATFORM=offscreen python scripts/screenshots.py OUT_DIR [--palette light|dark|both]

Writes OUT_DIR/<palette>/: one PNG per main-window panel (both review roles,
with a conversation and an item picked), the main window with the offline
banner and a warning strip, and an execution's window (a failed run: graph
outcomes, each tab). The palette is the theme's own (``theme.make_palette``)
on the Fusion style, so the pictures look the same on every machine. Each
palette runs in its own process: one QApplication each. PNGs stay out of git.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


def wait_for(app, condition: Callable[[], object], timeout_s: float = 60.0, what: str = "") -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what or condition}")
        app.processEvents()
        time.sleep(0.02)


def settle(app, seconds: float = 0.4) -> None:  # noqa: ANN001
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.02)


def shoot(app, widget, path: Path) -> None:  # noqa: ANN001
    settle(app)
    widget.grab().save(str(path))
    print(f"screenshot: {path}", flush=True)


def run(out: Path, palette_name: str) -> int:
    scratch = Path(tempfile.mkdtemp(prefix="opsconsole-shots-"))
    os.environ["OPSCONSOLE_DATA_DIR"] = str(scratch / "data")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from opsconsole.core.audit import AuditLog
    from opsconsole.core.aws import Connection
    from opsconsole.core.errors import ErrorKind, UserError
    from opsconsole.jobs.runner import JobRunner
    from opsconsole.sandbox import Sandbox
    from opsconsole.ui import theme
    from opsconsole.ui.context import AppContext
    from opsconsole.ui.shell.main_window import MainWindow
    from opsconsole.ui.widgets.message_bar import Severity

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(scratch / "settings"))
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    app = QApplication([sys.argv[0]])
    app.setOrganizationName("opsconsole")
    app.setApplicationName("opsconsole")
    app.setStyle("Fusion")
    look = theme.DARK if palette_name == "dark" else theme.LIGHT
    app.setPalette(theme.make_palette(look))
    assert theme.current() is look
    out = out / palette_name
    out.mkdir(parents=True, exist_ok=True)

    sandbox = Sandbox(port=0, seed=7, live=False).start()
    runner = JobRunner()
    try:
        ctx = AppContext(runner, AuditLog(scratch / "audit.jsonl"))
        window = MainWindow(ctx)
        window.resize(1400, 860)
        window.show()
        loaded: set[str] = set()
        for panel in window.panels:
            panel.loaded.connect(lambda _summary, key=panel.key: loaded.add(key))
        ctx.set_connection(Connection(
            region=sandbox.region, endpoint_url=sandbox.endpoint_url, sandbox=True,
            access_key=sandbox.credentials["aws_access_key_id"],
            secret_key=sandbox.credentials["aws_secret_access_key"],
        ))
        panels = {p.key: p for p in window.panels}
        wait_for(app, lambda: {"executions", "review"} <= loaded, what="the executions and review panels")

        for row, panel in enumerate(window.panels):
            window.nav.setCurrentRow(row)
            if panel.key == "review":
                review = panel
                review.set_role("agent")
                wait_for(app, lambda: review.agent_view.model.rowCount() > 0, what="the agent queue")
                review.agent_view.select_row(0)
                shoot(app, window, out / "review-agent.png")
                counted: list[int] = []
                review.ops_view.items_loaded.connect(counted.append)
                review.set_role("operations")
                wait_for(app, lambda: counted, what="the review items")
                review.ops_view.tree.expandAll()
                items = review.ops_view.model.all_items()
                with_conversation = [i for i in items if i.contact_id] or items
                if with_conversation:
                    review.ops_view.select_items([with_conversation[0].item_id])
                shoot(app, window, out / "review-operations.png")
            else:
                shoot(app, window, out / f"{panel.key}.png")

        # The strips that only show when something goes wrong.
        window.nav.setCurrentRow(list(panels).index("executions"))
        executions = panels["executions"]
        window.banner.show_error(UserError(ErrorKind.UNREACHABLE, "Endpoint unreachable",
                                           "Could not connect to the endpoint URL. Retrying every 15 s."))
        executions.message_bar.show_message("Not done", "Stopping ingest-1234 was refused: it had finished.",
                                            Severity.WARNING)
        shoot(app, window, out / "problems.png")
        window.banner.hide()
        executions.message_bar.hide()

        # An execution's window: a failed run shows the most colours.
        runs = executions.model.executions()
        failed = next((e for e in runs if e.status == "FAILED"), runs[0])
        detail_window = window.open_execution(failed)
        detail = detail_window.detail
        ran: list[int] = []
        detail.runs_loaded.connect(ran.append)
        wait_for(app, lambda: ran, what="the execution's history")
        settle(app, 1.0)
        failing = next((r.state for r in detail.runs if r.status == "failed"), None)
        if failing:
            detail.select_state(failing)
        for index in range(detail.tabs.count()):
            detail.tabs.setCurrentIndex(index)
            name = detail.tabs.tabText(index).lower().replace(" / ", "-").replace(" ", "-")
            shoot(app, detail_window, out / f"execution-{name}.png")
        detail_window.close()
        settle(app, 0.2)
    finally:
        runner.cancel_all()
        runner.shutdown(10000)
        sandbox.stop()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--palette", choices=("light", "dark", "both"), default="both")
    args = parser.parse_args()
    if args.palette != "both":
        return run(args.out, args.palette)
    code = 0
    for name in ("light", "dark"):
        code |= subprocess.call([sys.executable, __file__, str(args.out), "--palette", name])
    return code


if __name__ == "__main__":
    sys.exit(main())
