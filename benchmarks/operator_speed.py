"""Operator speed, side by side with 0 ms and 60 ms added to every AWS request.

Prints one JSON object per measurement:

* the agent's figures from ``benchmarks/operator_agent.py`` (its lines, passed
  through): ``agent_ranking`` (top-1 / top-3 per locale on a held-out split of
  the seeded conversations) and ``agent_keys`` (keys per conversation, the
  app's time per key: median, p90, max, keys over 100 ms), at both latencies;
* ``failed_run``: the MLOps engineer's way from the main window (every area, as
  the app starts) to a failed run's failed state with its error, cause and input
  on screen, driven with the keys of ``tests/keyflows.py`` (Ctrl+1, F, Enter):
  the number of actions, the time from the list being loaded to the step pane
  filled (median and spread of ``--runs``), at both latencies;
* ``load``: the load average.

The sandbox (seeded scenario) runs in a child process. The added latency is a
wait before each request is sent, on the thread sending it (the network's
delay, never the GUI thread's).

Run: QT_QPA_PLATFORM=offscreen python benchmarks/operator_speed.py [--runs 3] [--conversations 20] [--latency 60]
"""

# (Not named ``operator.py``: a script's folder comes first on the path, and the standard library's
# ``operator``, which ``enum`` and ``collections`` import, would then be this file, for every script here.)
import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(_HERE), "tests"))  # keyflows: the flow the tests drive too

import argparse
import json
import logging
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any


def emit(**fields: Any) -> None:
    print(json.dumps(fields), flush=True)


class _Driver:
    """What :mod:`keyflows` needs of pytest-qt's ``qtbot``: key sequences and waiting on a condition."""

    def keySequence(self, widget: Any, keys: Any) -> None:  # noqa: N802 - qtbot's name
        from PySide6.QtTest import QTest

        QTest.keySequence(widget, keys)

    def waitUntil(self, ready: Any, timeout: int = 60_000) -> None:  # noqa: N802 - qtbot's name
        from PySide6.QtCore import QEventLoop
        from PySide6.QtWidgets import QApplication

        end = time.monotonic() + timeout / 1000
        while not ready():
            if time.monotonic() > end:
                raise TimeoutError("the console did not get there in time")
            QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)


def _add_latency(seconds: list[float]) -> None:
    """Every request this process sends waits ``seconds[0]`` first, on its own thread."""
    import botocore.endpoint

    send = botocore.endpoint.Endpoint._send
    never = threading.Event()

    def delayed(self: Any, request: Any) -> Any:
        if seconds[0]:
            never.wait(seconds[0])
        return send(self, request)

    botocore.endpoint.Endpoint._send = delayed


def failed_run(where: dict[str, Any], latencies_ms: list[float], runs: int) -> None:
    """The engineer's key flow, ``runs`` times per latency (alternating), one main window each."""
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from keyflows import FAILED_RUN_KEYS, open_failed_run
    from operator_agent import connection_of
    from opsconsole.core.audit import AuditLog
    from opsconsole.core.settings import Settings
    from opsconsole.jobs.runner import JobRunner
    from opsconsole.ui.context import AppContext
    from opsconsole.ui.executions import ExecutionsPanel
    from opsconsole.ui.shell import collector
    from opsconsole.ui.shell.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    collector.install(app)  # garbage collected as the app does
    latency = [0.0]
    _add_latency(latency)
    driver = _Driver()
    results: dict[float, list[dict[str, Any]]] = {ms: [] for ms in latencies_ms}
    for run in range(runs):
        for ms in latencies_ms if run % 2 == 0 else list(reversed(latencies_ms)):
            latency[0] = ms / 1000
            folder = Path(tempfile.mkdtemp(prefix="operator-bench-"))
            ctx = AppContext(JobRunner(), AuditLog(folder / "audit.jsonl"),
                             settings=Settings(QSettings(str(folder / "s.ini"), QSettings.Format.IniFormat)))
            window = MainWindow(ctx)
            window.resize(1400, 900)
            window.show()
            started = time.perf_counter()
            ctx.set_connection(connection_of(where))
            panel = next(p for p in window.panels if isinstance(p, ExecutionsPanel))
            keys_at: list[float] = []
            real_type = driver.keySequence

            def typed(widget: Any, keys: Any, real_type: Any = real_type) -> None:
                keys_at.append(time.perf_counter())
                real_type(widget, keys)

            driver.keySequence = typed
            opened, actions = open_failed_run(driver, window)
            shown = time.perf_counter()
            driver.keySequence = real_type
            detail = opened.detail
            results[ms].append({
                "actions": actions, "mouse": 0,
                "start_to_list_s": keys_at[1] - started,  # (F waits for the list, as a person does)
                "list_to_input_s": shown - keys_at[1],
                "error_cause_input": bool(detail.step.run and detail.step.run.error and detail.step.input_view
                                          .raw_text()),
                "rows": panel.model.rowCount(),
            })
            opened.close()
            window.close()
            ctx.runner.shutdown(10_000)
            window.deleteLater()
            app.processEvents()
    for ms, got in results.items():
        steps = [r["list_to_input_s"] * 1000 for r in got]
        loads = [r["start_to_list_s"] for r in got]
        emit(bench="failed_run", added_latency_ms=ms, keys=list(FAILED_RUN_KEYS), actions=got[0]["actions"],
             mouse_actions=0, goal_actions=3, runs=len(got),
             all_showed_error_cause_input=all(r["error_cause_input"] for r in got),
             list_to_failed_input_ms_median=round(statistics.median(steps)), list_to_failed_input_ms=[
                 round(min(steps)), round(max(steps))],
             app_start_to_list_s_median=round(statistics.median(loads), 2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--conversations", type=int, default=20, help="conversations the agent triages per run")
    parser.add_argument("--latency", type=float, default=60.0, help="ms added before every AWS request")
    parser.add_argument("--skip-agent", action="store_true", help="only the failed-run flow")
    parser.add_argument("--flow", metavar="WHERE", help=argparse.SUPPRESS)  # the flow in this process
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    logging.getLogger("opsconsole").setLevel(logging.CRITICAL)
    if args.flow:
        failed_run(json.loads(args.flow), [0.0, args.latency], args.runs)
        return
    emit(bench="load", loadavg=[round(x, 2) for x in os.getloadavg()])
    if not args.skip_agent:
        subprocess.run([sys.executable, os.path.join(_HERE, "operator_agent.py"), "--runs", str(args.runs),
                        "--conversations", str(args.conversations), "--latency", str(args.latency)], check=True)
    agent = os.path.join(_HERE, "operator_agent.py")
    child = subprocess.Popen([sys.executable, agent, "--serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True)
    try:
        where = child.stdout.readline().strip()
        # a process of its own: the drive's Qt application and the latency patch stay out of this one
        subprocess.run([sys.executable, __file__, "--flow", where, "--runs", str(args.runs),
                        "--latency", str(args.latency)], check=True)
    finally:
        child.stdin.close()
        child.wait(60)
    emit(bench="load", loadavg=[round(x, 2) for x in os.getloadavg()])


if __name__ == "__main__":
    main()
