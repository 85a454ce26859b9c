"""Alerts: 5,000 alarms listed and filtered, one alarm's 15-month chart, panning a 100,000-point series.

Prints one JSON object per line:
    {"bench": "list_alarms", "alarms": 5000, "seconds": ..., "max_stall_ms": ...}
    {"bench": "filter_alarms", "filter": "state=ALARM", "rebuild_ms": ..., "max_stall_ms": ...}
    {"bench": "chart_15_months", "calls": 3, "minimum_calls": 3, "periods": [...], "seconds_to_drawn": ...}
    {"bench": "pan_100k", "points": 100000, "frame_ms_median": ..., "frame_ms_p95": ...}
    {"bench": "load", "loadavg": [...]}
Run: QT_QPA_PLATFORM=offscreen python benchmarks/alerts.py [--alarms 5000] [--runs 3]

The alarms are put into an empty sandbox (``Sandbox(seeded=False)``): 5,000 metric
alarms over three tenants, 10 % in ALARM, listed by the Alarms page through the job
layer (50 DescribeAlarms pages) while a 1 ms timer on the GUI thread measures the
longest stall, then 3 s more while the first tag batches arrive (5 calls a second,
the console's rate). The sandbox runs in a child process, as AWS would be elsewhere.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from PySide6.QtCore import QElapsedTimer, QSettings, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

TENANTS = ("retail-compliance", "contact-center", "finance-ops")


def emit(**fields: object) -> None:
    print(json.dumps(fields), flush=True)


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
        self.max_gap_ms = 0.0
        self.timer.start()

    def _tick(self) -> None:
        now = self.clock.nsecsElapsed()
        self.max_gap_ms = max(self.max_gap_ms, (now - self.last) / 1e6)
        self.last = now

    def stop(self) -> float:
        self._tick()
        self.timer.stop()
        return self.max_gap_ms


#: The longest CPU time the GUI thread spent in one turn of the event loop (ms): the stall our own code
#: causes, whatever else the machine is doing (wall-clock stalls also count waiting for a core).
CPU_BURST = [0.0]


def wait(app: QApplication, done, timeout: float = 300.0) -> None:
    end = time.monotonic() + timeout
    while not done():
        if time.monotonic() > end:
            raise TimeoutError("benchmark step timed out")
        cpu = time.thread_time()
        app.processEvents()
        CPU_BURST[0] = max(CPU_BURST[0], (time.thread_time() - cpu) * 1000)
        time.sleep(0.0005)


def put_alarms(clients, count: int) -> None:
    cw = clients.client("cloudwatch")
    for i in range(count):
        tenant = TENANTS[i % 3]
        cw.put_metric_alarm(
            AlarmName=f"bench-{tenant}-{i:05d}", Namespace=f"Bench/{tenant}", MetricName=f"M{i % 40}",
            Dimensions=[{"Name": "Shard", "Value": str(i % 97)}], Statistic="Sum", Period=300, EvaluationPeriods=1,
            Threshold=10.0, ComparisonOperator="GreaterThanThreshold", TreatMissingData="notBreaching",
            Tags=[{"Key": "tenant", "Value": tenant}, {"Key": "team", "Value": f"t{i % 7}"}])
        if i % 10 == 0:
            cw.set_alarm_state(AlarmName=f"bench-{tenant}-{i:05d}", StateValue="ALARM", StateReason="benchmark")


def put_chart_metric(clients, now: datetime) -> None:
    """One metric at 1-minute resolution for 15 days, hourly before that back to 455 days."""
    cw = clients.client("cloudwatch")
    rng = np.random.default_rng(7)
    data = []
    for minutes in range(15 * 1440):
        t = now - timedelta(minutes=minutes)
        data.append({"MetricName": "Latency", "Dimensions": [{"Name": "Endpoint", "Value": "e1"}],
                     "Timestamp": t, "Value": float(50 + 10 * np.sin(minutes / 90) + rng.normal(0, 3))})
    for hours in range(15 * 24, 455 * 24):
        t = now - timedelta(hours=hours)
        data.append({"MetricName": "Latency", "Dimensions": [{"Name": "Endpoint", "Value": "e1"}],
                     "Timestamp": t, "Value": float(50 + rng.normal(0, 5))})
    for start in range(0, len(data), 1000):
        cw.put_metric_data(Namespace="Bench/Chart", MetricData=data[start:start + 1000])
    cw.put_metric_alarm(AlarmName="bench-chart", Namespace="Bench/Chart", MetricName="Latency",
                        Dimensions=[{"Name": "Endpoint", "Value": "e1"}], Statistic="Average", Period=60,
                        EvaluationPeriods=3, Threshold=62.0, ComparisonOperator="GreaterThanThreshold")


def serve(count: int) -> None:
    """Child process: an empty sandbox given ``count`` alarms and the chart's metric; serves until stdin closes.

    The server runs in a process of its own so that its Python work (moto,
    werkzeug) does not share a GIL with the GUI thread being measured.
    """
    import gc

    from opsconsole.core.aws import Clients, Connection
    from opsconsole.sandbox import Sandbox

    sandbox = Sandbox(port=0, seeded=False)
    sandbox.start()
    connection = Connection(region=sandbox.region, endpoint_url=sandbox.endpoint_url, sandbox=True,
                            access_key=sandbox.credentials["aws_access_key_id"],
                            secret_key=sandbox.credentials["aws_secret_access_key"])
    t0 = time.perf_counter()
    now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    put_alarms(Clients(connection), count)
    put_chart_metric(Clients(connection), now)
    gc.collect()
    gc.freeze()
    print(json.dumps({"endpoint": sandbox.endpoint_url, "region": sandbox.region, "now": now.isoformat(),
                      "setup_s": round(time.perf_counter() - t0, 1), **sandbox.credentials}), flush=True)
    sys.stdin.read()
    sandbox.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--alarms", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        serve(args.serve)
        return
    import gc
    import subprocess

    from opsconsole.core.alerts import charts
    from opsconsole.core.alerts.alarms import describe_alarm
    from opsconsole.core.audit import AuditLog
    from opsconsole.core.aws import Clients, Connection
    from opsconsole.core.settings import Settings
    from opsconsole.jobs.runner import JobRunner
    from opsconsole.ui.alerts.alarm_chart import AlarmChart
    from opsconsole.ui.alerts.alarms_view import AlarmsView
    from opsconsole.ui.context import AppContext

    app = QApplication(sys.argv)
    child = subprocess.Popen([sys.executable, __file__, "--serve", str(args.alarms)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    tmp = Path(tempfile.mkdtemp())
    try:
        where = json.loads(child.stdout.readline())
        connection = Connection(region=where["region"], endpoint_url=where["endpoint"], sandbox=True,
                                access_key=where["aws_access_key_id"], secret_key=where["aws_secret_access_key"])
        clients = Clients(connection)
        now = datetime.fromisoformat(where["now"])
        emit(bench="setup", alarms=args.alarms, seconds=where["setup_s"])
        gc.collect()
        gc.freeze()  # as the app does after start-up
        from opsconsole.ui.shell import collector

        collector.install(app)  # and full collections at quiet moments, as the app does

        runner = JobRunner()
        ctx = AppContext(runner, AuditLog(tmp / "audit.jsonl"),
                         settings=Settings(QSettings(str(tmp / "s.ini"), QSettings.Format.IniFormat)))
        ctx.set_connection(connection)

        # 1. List and filter 5,000 alarms.
        list_s, list_stall, list_cpu, filter_rows = [], [], [], {}
        for run in range(args.runs):
            view = AlarmsView(ctx)  # tags at the console's own rate
            view.resize(1400, 860)
            view.show()
            view.detail.setEnabled(False)  # this measures the list; the chart has its own figure below
            app.processEvents()  # the window's first paint is not the list's
            meter = StallMeter()
            meter.start()
            CPU_BURST[0] = 0.0
            start = time.perf_counter()
            listed: list[int] = []
            view.listed.connect(listed.append)
            view.load()
            wait(app, lambda: bool(listed))
            seconds = time.perf_counter() - start
            settle = time.monotonic() + 3.0  # the first tag batches land too
            wait(app, lambda: time.monotonic() > settle)
            stall = meter.stop()
            list_s.append(seconds)
            list_stall.append(stall)
            list_cpu.append(CPU_BURST[0])
            emit(bench="list_alarms", run=run, alarms=view.model.loaded_count(), seconds=round(seconds, 2),
                 max_stall_ms=round(stall, 1), max_gui_cpu_burst_ms=round(CPU_BURST[0], 1), note="plus 3 s of tags arriving at 5 a second")
            bar = view.filter_bar
            steps = [
                ("state=ALARM", lambda: bar.state.setCurrentIndex(bar.state.findData("ALARM"))),
                ("state=any", lambda: bar.state.setCurrentIndex(0)),
                ("tenant=finance-ops", lambda: bar.tenant.setCurrentIndex(bar.tenant.findData("finance-ops"))),
                ("tag=team=t3", lambda: bar.tag.setText("team=t3")),
                ("name=0042", lambda: (bar.name.setText("0042"), bar.name.flush())),
                ("clear", lambda: (bar.name.setText(""), bar.name.flush(), bar.tag.setText(""),
                                   bar.tenant.setCurrentIndex(0))),
            ]
            for label, step in steps:
                meter.start()
                t = time.perf_counter()
                cpu = time.thread_time()
                step()
                app.processEvents()
                view.table.viewport().repaint()
                took = (time.perf_counter() - t) * 1000
                cpu_ms = (time.thread_time() - cpu) * 1000
                stall = meter.stop()
                filter_rows.setdefault(label, []).append((took, stall, view.model.rowCount(), cpu_ms))
            view.cancel_jobs()
            view.close()
            view.deleteLater()
            app.processEvents()
        for label, values in filter_rows.items():
            emit(bench="filter_alarms", filter=label, rows=values[-1][2],
                 rebuild_and_paint_ms=round(statistics.median(v[0] for v in values), 1),
                 gui_cpu_ms=round(statistics.median(v[3] for v in values), 1),
                 max_stall_ms=round(max(v[1] for v in values), 1))
        emit(bench="list_alarms_summary", alarms=args.alarms, seconds_median=round(statistics.median(list_s), 2),
             max_stall_ms_median=round(statistics.median(list_stall), 1), worst_stall_ms=round(max(list_stall), 1),
             max_gui_cpu_burst_ms_median=round(statistics.median(list_cpu), 1),
             goal_ms=50)

        # 2. One alarm over 15 months at the finest allowed period.
        alarm = describe_alarm(clients, "bench-chart")
        plan = charts.plan(alarm, now - timedelta(days=455), now, now)
        chart_s = []
        made = 0
        for _run in range(args.runs):
            chart = AlarmChart()
            chart.resize(900, 420)
            chart.show()
            t = time.perf_counter()
            job = runner.submit(charts.fetch, clients, alarm, now - timedelta(days=455), now, now)
            got = []
            job.done.connect(got.append)
            wait(app, lambda: bool(got))
            chart.set_data(got[0])
            chart.plot.viewport().repaint()
            chart_s.append(time.perf_counter() - t)
            made = got[0].calls
            points = int(got[0].values.size)
            chart.close()
            chart.deleteLater()
            app.processEvents()
        emit(bench="chart_15_months", calls=made, minimum_calls=charts.minimum_calls(alarm, now - timedelta(days=455),
                                                                                     now, now),
             periods=[c.period for c in plan], datapoints_planned=sum(c.datapoints for c in plan), points=points,
             seconds_to_drawn_median=round(statistics.median(chart_s), 2))

        # 3. Panning a 100,000-point series (with a band and breaching points).
        n = 100_000
        times = np.arange(n, dtype=float) * 60 + now.timestamp() - n * 60
        values = 50 + 10 * np.sin(np.arange(n) / 200) + np.random.default_rng(1).normal(0, 2, n)
        data = charts.ChartData(times, values, "bench", None, times, values * 0 + 65, values * 0 + 35,
                                (values > 65) | (values < 35))
        chart = AlarmChart()
        chart.resize(1000, 450)
        chart.show()
        chart.set_data(data)
        app.processEvents()
        for label, window in (("one day of 100,000", 1440), ("all 100,000", n)):
            frames, cpu_frames = [], []
            for run in range(args.runs):
                chart.set_range(float(times[0]), float(times[window - 1]))
                chart.plot.viewport().repaint()
                step = max(1, window // 200) * 60.0
                for i in range(120):
                    t = time.perf_counter()
                    cpu = time.thread_time()
                    x0 = float(times[0]) + i * step
                    chart.set_range(x0, x0 + (window - 1) * 60.0)
                    chart.plot.viewport().repaint()
                    chart.timeline.viewport().repaint()
                    frames.append((time.perf_counter() - t) * 1000)
                    cpu_frames.append((time.thread_time() - cpu) * 1000)
            frames.sort()
            cpu_frames.sort()
            emit(bench="pan_100k", visible=label, points=n, frames=len(frames),
                 frame_ms_median=round(statistics.median(frames), 2),
                 frame_cpu_ms_median=round(statistics.median(cpu_frames), 2),
                 frame_cpu_ms_p95=round(cpu_frames[int(len(cpu_frames) * 0.95)], 2),
                 frame_ms_p95=round(frames[int(len(frames) * 0.95)], 2), goal_ms=16)
        chart.close()
        runner.shutdown(10000)
    finally:
        child.stdin.close()
        child.wait(30)
        emit(bench="load", loadavg=[round(x, 2) for x in os.getloadavg()])


if __name__ == "__main__":
    main()
