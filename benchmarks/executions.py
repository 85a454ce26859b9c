"""Listing many executions through the console, against a bare boto3 loop; memory of 100,000 rows.

Prints one JSON object per measurement (see docs/benchmarks.md for the figures):

* ``list_executions``: ``--count`` executions are put into an embedded sandbox
  running in a child process (as replayed executions, the way the scenario
  seeds its past runs), then listed into the executions table model through
  the worker layer (``core.executions.iter_executions`` on the JobRunner,
  ``append_page`` on the GUI thread, sorted newest first as the panel shows
  them) and, against the same server, with a bare boto3 paginator loop.
  Sides alternate, ``--runs`` times each; medians are reported:
  ``ratio`` = console / baseline wall time (goal <= 1.10), this process's CPU
  seconds per side (``*_cpu_s``: what the console adds, less sensitive to
  other load on the machine) and ``max_stall_ms``, the longest the GUI thread
  went without running a 1 ms timer during a console load (goal <= 50 ms).
* ``model_memory``: ``--rows`` executions in the table model behind a shown
  table: traced Python allocations and the growth of the process's resident
  memory over the empty window (goal <= 150 MB), each in a fresh process.
* ``--app-gc`` lists with the garbage collector set up as the app sets it up
  (the start-up heap frozen, full collections only at idle moments: here
  between runs), and only so.
* ``--utc-timestamps`` / ``--gc-freeze`` add runs with the two remedies
  docs/benchmarks.md discusses (timestamps parsed to UTC; ``gc.freeze()``).

Run: python benchmarks/executions.py [--count 20000] [--rows 100000] [--runs 3] [--utc-timestamps] [--gc-freeze]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import random
import statistics
import sys
import threading
import time
import tracemalloc
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QElapsedTimer, QEventLoop, Qt, QTimer  # noqa: E402 - Qt platform set first
from PySide6.QtWidgets import QApplication, QMainWindow  # noqa: E402 - Qt platform set first

from opsconsole.core.aws import Clients, Connection  # noqa: E402 - Qt platform set first
from opsconsole.core.executions.listing import STATUSES, Execution, iter_executions  # noqa: E402 - Qt platform set first
from opsconsole.ui.executions.table_model import Column, ExecutionsTableModel  # noqa: E402 - Qt platform set first
from opsconsole.ui.executions.table_view import ExecutionsTable  # noqa: E402 - Qt platform set first
from opsconsole.jobs.runner import JobRunner  # noqa: E402 - Qt platform set first

ROLE = "arn:aws:iam::123456789012:role/bench"
PAGE = 1000


def emit(**fields: Any) -> None:
    print(json.dumps(fields), flush=True)


def rss_bytes() -> int:
    """Resident memory of this process now (Linux /proc; elsewhere psutil when installed)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        import psutil  # type: ignore[import-not-found]

        return int(psutil.Process().memory_info().rss)


# -- the sandbox with many executions ---------------------------------------------------------------
def sandbox_with(count: int) -> tuple[Any, str]:
    """An empty sandbox whose one state machine has ``count`` past executions (replays of one real run)."""
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    from opsconsole.sandbox import Sandbox
    from opsconsole.sandbox.stepfunctions import replay

    sb = Sandbox(port=0, seeded=False).start()
    sfn = sb.client("stepfunctions")
    definition = {"StartAt": "Prepare", "States": {"Prepare": {"Type": "Pass", "Next": "Done"},
                                                   "Done": {"Type": "Succeed"}}}
    arn = sfn.create_state_machine(name="bench-listing", definition=json.dumps(definition), roleArn=ROLE)["stateMachineArn"]
    real = sfn.start_execution(stateMachineArn=arn, name="template-run", input='{"country": "DE"}')["executionArn"]
    backend = stepfunctions_parser_backends["123456789012"][sb.region]
    deadline = time.monotonic() + 30
    while sfn.describe_execution(executionArn=real)["status"] == "RUNNING":
        if time.monotonic() > deadline:
            raise TimeoutError("the template run did not finish")
        threading.Event().wait(0.05)
    template = replay.Template.capture(backend.describe_execution(real), "bench", "succeeded", [{"country": "DE"}])
    machine = backend.describe_state_machine(arn)
    rng = random.Random(7)
    now = dt.datetime.now(dt.timezone.utc)
    made = []
    for i in range(count):
        start = now - dt.timedelta(seconds=rng.randrange(90 * 86400))
        made.append(replay.ReplayedExecution(machine, template, f"run-{i:06d}-{rng.getrandbits(16):04x}",
                                             {"country": "DE"}, [{"country": "DE"}], start,
                                             dt.timedelta(seconds=rng.randrange(1, 4000)), None,
                                             account_id="123456789012", region_name=sb.region))
    replay.install(machine, made)
    return sb, arn


# -- one side each ------------------------------------------------------------------------------
def baseline(sfn: Any, arn: str) -> tuple[float, float, int]:
    """A bare boto3 paginator loop, items kept as the dicts botocore parsed: (wall s, CPU s, rows)."""
    began, cpu = time.perf_counter(), time.process_time()
    items: list[dict[str, Any]] = []
    for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=arn,
                                                              PaginationConfig={"PageSize": PAGE}):
        items.extend(page["executions"])
    return time.perf_counter() - began, time.process_time() - cpu, len(items)


def console(app: QApplication, runner: JobRunner, clients: Clients, arn: str) -> tuple[float, float, int, float]:
    """The panel's path: worker job -> page signals -> sorted table model: (wall s, CPU s, rows, max stall ms)."""
    model = ExecutionsTableModel()
    model.sort(Column.STARTED, Qt.SortOrder.DescendingOrder)
    loop = QEventLoop()
    stalls = StallMeter()
    began, cpu = time.perf_counter(), time.process_time()
    stalls.start()
    job = submit_listing(runner, clients, arn)
    job.page.connect(model.append_page)
    job.finished.connect(loop.quit)
    failure: list[Any] = []
    job.failed.connect(failure.append)
    loop.exec()
    elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
    stalls.stop()
    if failure:
        raise RuntimeError(str(failure[0]))
    return elapsed, cpu, model.loaded_count(), stalls.max_gap_ms


def submit_listing(runner: JobRunner, clients: Clients, arn: str) -> Any:
    """The listing job as the executions panel submits it (sources from before the pages were converted
    alongside the next call have only ``iter_executions``)."""
    from opsconsole.core.executions import listing

    if hasattr(listing, "iter_execution_pages"):
        return runner.submit(listing.iter_execution_pages, clients, [arn], None, PAGE, name="ListExecutions",
                             convert=listing.executions_of)
    return runner.submit(iter_executions, clients, [arn], None, PAGE, name="ListExecutions")


class StallMeter:
    """A 1 ms timer on the GUI thread; the longest gap between its ticks is the longest stall."""

    def __init__(self) -> None:
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(1)
        self.timer.timeout.connect(self._tick)
        self.clock = QElapsedTimer()
        self.last = 0
        self.max_gap_ms = 0.0

    def start(self) -> None:
        self.clock.start()
        self.last = 0
        self.timer.start()

    def _tick(self) -> None:
        now = self.clock.nsecsElapsed()
        self.max_gap_ms = max(self.max_gap_ms, (now - self.last) / 1e6)
        self.last = now

    def stop(self) -> None:
        self._tick()  # a stall right before the end counts too
        self.timer.stop()


def serve(count: int) -> None:
    """Child process: a sandbox holding ``count`` executions; prints where, serves until stdin closes.

    The server runs in a process of its own so that its Python work (moto,
    werkzeug) does not share a GIL with the side being measured.
    """
    sb, arn = sandbox_with(count)
    gc.collect()
    gc.freeze()  # thousands of long-lived executions: keep them out of every later collection
    print(json.dumps({"endpoint": sb.endpoint_url, "region": sb.region, "arn": arn}), flush=True)
    sys.stdin.read()
    sb.stop()


def _utc_timestamps(botocore_session: Any) -> None:
    """Parse timestamps into one shared UTC tzinfo (botocore's default gives each its own tzlocal)."""
    from botocore.utils import parse_timestamp

    factory = botocore_session.get_component("response_parser_factory")
    factory.set_parser_defaults(timestamp_parser=lambda value: parse_timestamp(value).astimezone(dt.timezone.utc))


def app_gc(app: QApplication) -> Any:
    """The garbage collector as the app sets it up (``ui.shell.collector.install``, start-up heap frozen).

    Its full collections run at idle moments: here the ``gc.collect()`` between runs; each run starts
    as after a click, so none falls inside one.
    """
    from opsconsole.ui.shell import collector

    idle = collector.install(app)
    gc.collect()
    gc.freeze()
    return idle


def bench_listing(app: QApplication, count: int, runs: int, utc: bool = False, freeze: bool = False,
                  app_collector: bool = False) -> None:
    """Console vs bare boto3, alternating; ``utc``/``freeze`` try the remedies docs/benchmarks.md discusses,
    ``app_collector`` sets the collector up as the app does."""
    import subprocess

    import boto3

    from opsconsole.core.aws import client_config

    child = subprocess.Popen([sys.executable, __file__, "--serve", str(count)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    try:
        where = json.loads(child.stdout.readline())
        arn = where["arn"]
        connection = Connection(region=where["region"], endpoint_url=where["endpoint"], sandbox=True,
                                access_key="sandbox", secret_key="sandbox")
        clients = Clients(connection)
        runner = JobRunner()
        runner.connection = connection
        # The baseline client has the console's own settings (timeouts, retries): only the path differs.
        session = boto3.session.Session(aws_access_key_id="sandbox", aws_secret_access_key="sandbox",
                                        region_name=where["region"])
        if utc:
            _utc_timestamps(clients.session()._session)
            _utc_timestamps(session._session)
        sfn = session.client("stepfunctions", endpoint_url=where["endpoint"], config=client_config())
        # Warm both clients (service model, connection pool) outside the timings.
        clients.client("stepfunctions").list_executions(stateMachineArn=arn, maxResults=1)
        sfn.list_executions(stateMachineArn=arn, maxResults=1)
        idle = app_gc(app) if app_collector else None
        if freeze and not app_collector:
            gc.collect()
            gc.freeze()  # what an app would do once after start-up: its modules leave the collector's scans
        console_s, baseline_s, console_cpu, baseline_cpu, stalls = [], [], [], [], []
        for run in range(runs):
            gc.collect()
            b, b_cpu, n_base = baseline(sfn, arn)
            gc.collect()
            if idle is not None:
                idle.last_input = idle.clock()  # the click that asked for the list
            c, c_cpu, n_console, stall = console(app, runner, clients, arn)
            if n_base != n_console:
                raise RuntimeError(f"listed {n_console} rows, expected {n_base}")
            baseline_s.append(b)
            console_s.append(c)
            baseline_cpu.append(b_cpu)
            console_cpu.append(c_cpu)
            stalls.append(stall)
            emit(bench="list_executions_run", run=run + 1, load_average=round(os.getloadavg()[0], 2), count=n_console, console_s=round(c, 3),
                 baseline_s=round(b, 3), console_cpu_s=round(c_cpu, 3), baseline_cpu_s=round(b_cpu, 3),
                 max_stall_ms=round(stall, 1))
        c, b = statistics.median(console_s), statistics.median(baseline_s)
        paired = statistics.median(x / y for x, y in zip(console_s, baseline_s, strict=True))
        emit(bench="list_executions", count=count, runs=runs, page=PAGE, utc_timestamps=utc, gc_freeze=freeze,
             app_gc=app_collector, console_s_range=[round(min(console_s), 3), round(max(console_s), 3)],
             baseline_s_range=[round(min(baseline_s), 3), round(max(baseline_s), 3)],
             paired_range=[round(min(x / y for x, y in zip(console_s, baseline_s, strict=True)), 3),
                           round(max(x / y for x, y in zip(console_s, baseline_s, strict=True)), 3)],
             console_s=round(c, 3), baseline_s=round(b, 3), ratio=round(c / b, 3), paired_ratio=round(paired, 3),
             console_cpu_s=round(statistics.median(console_cpu), 3),
             baseline_cpu_s=round(statistics.median(baseline_cpu), 3),
             max_stall_ms=round(statistics.median(stalls), 1), worst_stall_ms=round(max(stalls), 1),
             load_average=round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
             python=sys.version.split()[0])
        runner.shutdown(10_000)
    finally:
        child.stdin.close()
        child.wait(30)


# -- memory of the table ------------------------------------------------------------------------------
def synthetic(n: int, utc: bool = False) -> list[Execution]:
    """Executions as the console holds them after ListExecutions: 5 machines, 90 days, real-length ARNs.

    Timestamps are parsed by botocore's own parser, as the real listing does
    (each gets a ``tzlocal`` of its own); ``utc`` parses them to UTC instead.
    """
    from botocore.utils import parse_timestamp

    rng = random.Random(11)
    now = time.time()
    machines = ("mlops-training", "mlops-evaluation", "mlops-inference", "mlops-model-comparison",
                "item-classification-transaction")
    rows = []
    for i in range(n):
        machine = machines[i % len(machines)]
        status = STATUSES[rng.randrange(5)]
        start = now - rng.randrange(90 * 86400)
        name = f"{machine.split('-')[-1][:5]}-{rng.choice('DE FR UK US ES IT JP NL SE PL'.split())}-{int(start)}-{i:06x}"
        item = {"executionArn": f"arn:aws:states:eu-west-1:123456789012:execution:{machine}:{name}",
                "stateMachineArn": f"arn:aws:states:eu-west-1:123456789012:stateMachine:{machine}",
                "name": name, "status": status, "startDate": parse_timestamp(start), "redriveCount": 0}
        if status != "RUNNING":
            item["stopDate"] = parse_timestamp(start + rng.randrange(1, 40000))
        if utc:
            for key in ("startDate", "stopDate"):
                if key in item:
                    item[key] = item[key].astimezone(dt.timezone.utc)
        rows.append(Execution.from_api(item))
    return rows


def _window() -> tuple[QMainWindow, ExecutionsTableModel, ExecutionsTable]:
    window = QMainWindow()
    model = ExecutionsTableModel()
    model.sort(Column.STARTED, Qt.SortOrder.DescendingOrder)  # the panel's default: newest first
    table = ExecutionsTable(model)
    window.setCentralWidget(table)
    window.resize(1400, 800)
    window.show()
    return window, model, table


def bench_memory(app: QApplication, n: int, utc: bool = False, traced: bool = True) -> None:
    """``n`` rows behind a shown table, over the same window empty: traced Python bytes or RSS alone.

    tracemalloc costs memory of its own per allocation, so the RSS figure is
    taken in a run without it (``traced=False``).
    """
    window, model, table = _window()
    app.processEvents()
    gc.collect()
    empty_rss = rss_bytes()
    if traced:
        tracemalloc.start()
    rows = synthetic(n, utc)
    for i in range(0, n, PAGE):  # as pages arrive
        model.append_page(rows[i:i + PAGE])
    del rows
    table.viewport().update()
    app.processEvents()  # paint a screenful (formats and caches those rows' texts)
    gc.collect()
    record: dict[str, Any] = {"bench": "model_memory", "rows": model.loaded_count(), "utc_timestamps": utc,
                              "goal_mb": 150}
    if traced:
        size, _peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        record.update(traced_mb=round(size / 2**20, 1), bytes_per_row=round(size / n))
    else:
        record.update(rss_delta_mb=round((rss_bytes() - empty_rss) / 2**20, 1))
    emit(**record)
    window.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20_000, help="executions to list")
    parser.add_argument("--rows", type=int, default=100_000, help="rows for the memory measurement")
    parser.add_argument("--runs", type=int, default=3, help="runs of each listing side (medians reported)")
    parser.add_argument("--skip-listing", action="store_true")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--memory-rss-only", action="store_true", help=argparse.SUPPRESS)  # a child process
    parser.add_argument("--memory-traced-only", action="store_true", help=argparse.SUPPRESS)  # a child process
    parser.add_argument("--utc-timestamps", action="store_true",
                        help="also list with timestamps parsed to UTC (the proposed remedy)")
    parser.add_argument("--gc-freeze", action="store_true", help="also list after gc.freeze() (the other remedy)")
    parser.add_argument("--app-gc", action="store_true",
                        help="list only with the collector set up as the app does (frozen start-up heap, "
                             "full collections between runs only)")
    parser.add_argument("--serve", type=int, metavar="N", help=argparse.SUPPRESS)  # the server process
    args = parser.parse_args()
    if args.serve is not None:
        serve(args.serve)
        return
    app = QApplication.instance() or QApplication(sys.argv[:1])
    if args.memory_rss_only or args.memory_traced_only:  # a child process measuring one figure
        bench_memory(app, args.rows, args.utc_timestamps, traced=args.memory_traced_only)
        return
    if not args.skip_memory:
        # Each figure in a fresh process: memory freed by one would be reused by the next.
        import subprocess

        for figure in ("--memory-rss-only", "--memory-traced-only"):
            for utc in ([], ["--utc-timestamps"]) if args.utc_timestamps else ([],):
                subprocess.run([sys.executable, __file__, "--rows", str(args.rows), figure, *utc], check=True)
    if not args.skip_listing and args.app_gc:
        bench_listing(app, args.count, args.runs, app_collector=True)
    elif not args.skip_listing:
        bench_listing(app, args.count, args.runs)
        if args.utc_timestamps:
            bench_listing(app, args.count, args.runs, utc=True)
        if args.gc_freeze:
            bench_listing(app, args.count, args.runs, utc=args.utc_timestamps, freeze=True)


if __name__ == "__main__":
    main()
