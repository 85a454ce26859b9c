"""Execution history at 25,000 events: request to timeline drawn, and the longest GUI stall meanwhile.

Prints one JSON object per line, e.g.
    {"bench": "history_load", "source": "synthetic", "events": 24953, "seconds_to_timeline": 1.9,
     "seconds_after_data": 0.21, "max_stall_ms": 38.0, ...}

``source=synthetic`` pages a generated history (the shape of a big Map run) through
the real loader from an in-process stand-in for GetExecutionHistory, so it
measures our side only. ``source=sandbox`` runs a real execution with an inline
Map over ~6,240 Pass items in the embedded sandbox (about 25,000 events) and
fetches it over HTTP like the app does.

``max_stall_ms`` is the longest gap between ticks of a 1 ms QTimer from the
request until the timeline has painted: how long the window could not react.
``max_gui_cpu_ms`` is the most CPU time the GUI thread itself used between two
ticks: the same stall without the time spent waiting for a core (other
processes on a busy machine) or for the interpreter lock. ``rows_*`` are the
same until the state runs are ready (the rows streaming in), before the
timeline is drawn.

Run: QT_QPA_PLATFORM=offscreen python benchmarks/history.py [--events N] [--no-sandbox] [--gc-freeze | --app-gc] [--runs N]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QSplitter  # noqa: E402

from opsconsole.core.executions.history import parse_events, state_runs  # noqa: E402
from opsconsole.core.executions.history.synthetic import ARN, synthetic_history  # noqa: E402
from opsconsole.ui.executions.history.loader import HistoryLoader  # noqa: E402
from opsconsole.ui.executions.history.view import HistoryView  # noqa: E402
from opsconsole.ui.executions.timeline.view import TimelineView  # noqa: E402
from opsconsole.jobs.runner import JobRunner  # noqa: E402


def emit(**fields: Any) -> None:
    print(json.dumps(fields), flush=True)


class _SyntheticStepFunctions:
    """Answers GetExecutionHistory from a list of raw events, with AWS's paging."""

    def __init__(self, raw: list[dict[str, Any]]) -> None:
        self.raw, self.calls = raw, 0

    def get_execution_history(self, executionArn: str, maxResults: int = 100, nextToken: str | None = None,  # noqa: N803
                              **_: Any) -> dict[str, Any]:
        self.calls += 1
        start = int(nextToken or 0)
        out: dict[str, Any] = {"events": self.raw[start:start + maxResults]}
        if start + maxResults < len(self.raw):
            out["nextToken"] = str(start + maxResults)
        return out

    def get_paginator(self, operation: str) -> Any:
        """botocore's paginator contract for GetExecutionHistory: one call per page asked for."""
        assert operation == "get_execution_history", operation
        sfn = self

        class _Pages:
            def paginate(self, PaginationConfig: dict[str, Any] | None = None, **params: Any):  # noqa: N803
                size = (PaginationConfig or {}).get("PageSize") or 100
                token = None
                while True:
                    out = sfn.get_execution_history(maxResults=size, nextToken=token, **params)
                    yield out
                    token = out.get("nextToken")
                    if not token:
                        return

        return _Pages()


class _SyntheticClients:
    def __init__(self, raw: list[dict[str, Any]]) -> None:
        self.sfn = _SyntheticStepFunctions(raw)

    def client(self, service: str) -> Any:
        return self.sfn


class StallMeter:
    """The longest gap between 1 ms timer ticks, i.e. the longest time the event loop was busy."""

    def __init__(self) -> None:
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(1)
        self.timer.timeout.connect(self._tick)
        self.last = self.last_cpu = 0.0
        self.max_gap = self.max_cpu = 0.0

    def start(self) -> None:
        self.last, self.max_gap = time.perf_counter(), 0.0
        self.last_cpu, self.max_cpu = time.thread_time(), 0.0
        self.timer.start()

    def _tick(self) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        self.max_gap = max(self.max_gap, now - self.last)
        # The GUI thread's own CPU time between two ticks: the stall without the time it waited for a
        # core (other processes) or for the interpreter lock (our worker threads).
        self.max_cpu = max(self.max_cpu, cpu - self.last_cpu)
        self.last, self.last_cpu = now, cpu

    def stop(self) -> float:
        self._tick()
        self.timer.stop()
        return round(self.max_gap * 1000, 1)


_on_click: Any = None  # --app-gc: tells the app's idle collector that the user just clicked


def measure_loads(clients: Any, arn: str, source: str, runs: int) -> None:
    """``runs`` loads of the same history, a full collection between them (the app's idle moments)."""
    records = []
    for _ in range(runs):
        gc.collect()
        if _on_click is not None:
            _on_click()
        records.append(measure_load(clients, arn, source))
    if runs > 1:
        stalls = [r["max_stall_ms"] for r in records]
        drawn = [r["seconds_to_timeline"] for r in records]
        cpu = [r["max_gui_cpu_ms"] for r in records]
        rows_stalls = [r["rows_max_stall_ms"] for r in records]
        rows_cpu = [r["rows_max_gui_cpu_ms"] for r in records]
        emit(bench="history_load_median", source=source, runs=runs, events=records[0]["events"],
             max_stall_ms=statistics.median(stalls), max_stall_ms_range=[min(stalls), max(stalls)],
             max_gui_cpu_ms=statistics.median(cpu), max_gui_cpu_ms_range=[min(cpu), max(cpu)],
             rows_max_stall_ms=statistics.median(rows_stalls), rows_max_stall_ms_range=[min(rows_stalls), max(rows_stalls)],
             rows_max_gui_cpu_ms=statistics.median(rows_cpu), rows_max_gui_cpu_ms_range=[min(rows_cpu), max(rows_cpu)],
             seconds_to_timeline=statistics.median(drawn), seconds_to_timeline_range=[min(drawn), max(drawn)],
             load_average=[round(x, 2) for x in os.getloadavg()])


def measure_load(clients: Any, arn: str, source: str, page_size: int = 1000) -> dict[str, Any]:
    """Request the history through the real loader; time it until the timeline has painted."""
    runner = JobRunner()
    window = QSplitter(Qt.Orientation.Vertical)
    history, timeline = HistoryView(), TimelineView()
    window.addWidget(timeline)
    window.addWidget(history)
    window.resize(1400, 900)
    window.show()
    QApplication.processEvents()
    loader = HistoryLoader(runner, history)
    marks: dict[str, float] = {}
    loop = QEventLoop()

    def on_page(_page: object) -> None:
        marks["last_page"] = time.perf_counter()
        marks.setdefault("first_page", marks["last_page"])

    def on_runs(events: list, runs: list) -> None:
        marks["runs"] = time.perf_counter()
        # Up to here: the rows streaming in; from here on: the timeline being drawn.
        marks["rows_stall_ms"], marks["rows_gui_cpu_ms"] = meter.max_gap * 1000, meter.max_cpu * 1000
        timeline.set_runs(runs)
        timeline.plot.viewport().repaint()  # painted now, not on some later pass
        marks["drawn"] = time.perf_counter()
        marks["events"], marks["runs_count"] = len(events), len(runs)
        loop.quit()

    def on_rows(*_args: object) -> None:
        marks["rows_shown"] = time.perf_counter()

    history.model.rowsInserted.connect(on_rows)
    loader.runs_ready.connect(on_runs)
    loader.failed.connect(lambda err: (print(err), loop.quit()))
    meter = StallMeter()
    meter.start()
    marks["request"] = time.perf_counter()
    job = loader.load(clients, arn, page_size)
    job.page.connect(on_page)
    loop.exec()
    stall = meter.stop()
    record = dict(bench="history_load", source=source, gc_frozen=gc.get_freeze_count() > 0,
         load_average=round(os.getloadavg()[0], 2), events=marks.get("events"), state_runs=marks.get("runs_count"),
         page_size=page_size, pages=job.pages,
         seconds_to_first_rows=round(marks["first_page"] - marks["request"], 3),
         seconds_to_all_data=round(marks["last_page"] - marks["request"], 3),
         seconds_to_all_rows=round(marks["rows_shown"] - marks["request"], 3),
         seconds_to_timeline=round(marks["drawn"] - marks["request"], 3),
         seconds_after_data=round(marks["drawn"] - marks["last_page"], 3),
         timeline_paint_seconds=round(marks["drawn"] - marks["runs"], 3),
         max_stall_ms=stall, max_gui_cpu_ms=round(meter.max_cpu * 1000, 1),
         rows_max_stall_ms=round(marks["rows_stall_ms"], 1), rows_max_gui_cpu_ms=round(marks["rows_gui_cpu_ms"], 1))
    emit(**record)
    window.close()
    runner.shutdown()
    return record


def idle_stall(seconds: float = 1.0) -> None:
    """The same meter with nothing to do: the noise floor of this machine (other processes, scheduler)."""
    meter, loop = StallMeter(), QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    meter.start()
    loop.exec()
    emit(bench="idle_stall", seconds=seconds, max_stall_ms=meter.stop(), load_average=os.getloadavg()[0])


def core_timings(raw: list[dict[str, Any]]) -> None:
    start = time.perf_counter()
    events = parse_events(raw)
    parsed = time.perf_counter()
    runs = state_runs(events)
    done = time.perf_counter()
    emit(bench="history_core", events=len(events), state_runs=len(runs),
         parse_seconds=round(parsed - start, 3), state_runs_seconds=round(done - parsed, 3))


def serve_big_execution(items: int) -> None:
    """Child process: a sandbox with one finished inline Map over ``items`` Pass states (4 events each).

    The sandbox runs in its own process so its CPU work (moto rebuilds the whole
    history for every page) does not compete with the GUI for our interpreter
    lock, as AWS's servers would not.
    """
    from opsconsole.sandbox import Sandbox

    sandbox = Sandbox(port=0, seed=7, live=False, seeded=False).start()
    sfn = sandbox.client("stepfunctions")
    definition = {"StartAt": "Fan out", "States": {"Fan out": {
        "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 0, "End": True,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Score item",
                          "States": {"Score item": {"Type": "Pass", "End": True}}}}}}
    machine = sfn.create_state_machine(name="history-benchmark", definition=json.dumps(definition),
                                       roleArn="arn:aws:iam::123456789012:role/benchmark")["stateMachineArn"]
    began = time.perf_counter()
    arn = sfn.start_execution(stateMachineArn=machine, name="map-25k",
                              input=json.dumps({"items": list(range(items))}))["executionArn"]
    pause = threading.Event()
    while sfn.describe_execution(executionArn=arn)["status"] == "RUNNING":
        pause.wait(0.5)
    print(json.dumps({"endpoint": sandbox.endpoint_url, "region": sandbox.region, "arn": arn, "items": items,
                      "seconds_to_run": round(time.perf_counter() - began, 1),
                      "status": sfn.describe_execution(executionArn=arn)["status"]}), flush=True)
    sys.stdin.read()  # until the parent closes our stdin
    sandbox.stop()


def measure_sandbox(items: int, runs: int = 1) -> None:
    from opsconsole.core.aws import Clients, Connection

    child = subprocess.Popen([sys.executable, __file__, "--serve-sandbox", str(items)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        info = json.loads(child.stdout.readline())
        emit(bench="sandbox_execution", items=info["items"], seconds_to_run=info["seconds_to_run"],
             status=info["status"])
        clients = Clients(Connection(region=info["region"], endpoint_url=info["endpoint"], sandbox=True,
                                     access_key="sandbox", secret_key="sandbox"))
        # The app opens a history from the executions list, whose client already exists: creating
        # one (botocore parsing its service model) is not part of loading a history.
        clients.client("stepfunctions").describe_execution(executionArn=info["arn"])
        measure_loads(clients, info["arn"], "sandbox", runs)
    finally:
        child.stdin.close()
        child.wait(60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=25_000)
    parser.add_argument("--no-sandbox", action="store_true", help="skip the real execution in the sandbox")
    parser.add_argument("--gc-freeze", action="store_true",
                        help="gc.freeze() after start-up, as an application may do to shorten collections")
    parser.add_argument("--app-gc", action="store_true",
                        help="the collector as the app sets it up (ui/shell/collector.install, the start-up heap "
                             "frozen; full collections at idle moments, here between measurements)")
    parser.add_argument("--runs", type=int, default=1, help="loads of each history (medians reported)")
    parser.add_argument("--serve-sandbox", type=int, metavar="ITEMS", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_sandbox:
        serve_big_execution(args.serve_sandbox)
        return
    _app = QApplication.instance() or QApplication([])

    if args.app_gc:
        from opsconsole.ui.shell import collector

        idle = collector.install(_app)
        # Each load starts with a click (opening the history): no idle-time collection during it.
        global _on_click  # noqa: PLW0603
        _on_click = lambda: setattr(idle, "last_input", idle.clock())  # noqa: E731
    if args.gc_freeze or args.app_gc:
        # What an application can do once its modules and models are loaded: later collections
        # then scan only objects made since, instead of every Qt, numpy and botocore object.
        gc.collect()
        gc.freeze()
    idle_stall()
    raw = synthetic_history(args.events)
    core_timings(raw)
    measure_loads(_SyntheticClients(raw), ARN, "synthetic", args.runs)
    if not args.no_sandbox:
        del raw  # back to an app that has just started: no synthetic history in memory
        gc.collect()
        if args.gc_freeze or args.app_gc:
            gc.freeze()
        measure_sandbox(items=(args.events - 6) // 4, runs=args.runs)


if __name__ == "__main__":
    main()
