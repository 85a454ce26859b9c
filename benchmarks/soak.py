"""Soak: the console's main window on the live sandbox for a long time; are its resources flat?

The real ``opsconsole --sandbox`` start (``opsconsole.app.main``: the main
window, the job runner, the embedded sandbox with its live activity: executions
starting and failing, alarms changing, documents arriving) runs offscreen. Once
the sandbox is connected, the areas are brought to the front in turn (each for
``--dwell`` seconds, round and round), and each area's own auto-refresh runs as
it would for a user. Every ``--every`` seconds one JSON line is printed with:

* ``rss_kb`` (VmRSS from /proc/self/status), ``threads_os`` (Threads: from the
  same file) and ``threads_py`` (``threading.active_count()``);
* ``pool_active`` (active threads of the runner's read and write pools and of
  Qt's global pool);
* ``qobjects`` (every QObject below the top-level widgets, the application and
  the app context) and ``top_level_widgets``;
* ``connections``: receivers connected to the long-lived objects' signals (the
  app context, its connectivity and notices, the runner), which a view that
  connects on every refresh without disconnecting would make grow;
* ``fds`` (entries in /proc/self/fd), ``gc_objects`` (tracked + frozen), ``jobs``
  (the runner's jobs alive), ``interpreter_thread_refs`` (threads the sandbox's
  Step Functions interpreter holds on to, finished ones included), the
  commonest thread names, the load average.

The sandbox runs in the same process (as with ``opsconsole --sandbox``), so
the figures include it, and its live data (new executions, metric datapoints,
documents) grows by design.

At the end: a summary line per figure (first sample after the warm-up, last
sample, least-squares slope per 10 minutes over the samples after the warm-up)
and the Python types whose instance count grew the most.

Run: nice -n 10 python benchmarks/soak.py [--minutes 30] [--every 30] [--dwell 20]
"""

from __future__ import annotations

import argparse
import collections
import gc
import json
import os
import re
import shutil
import sys
import tempfile
import threading
import time
import traceback
from typing import Any

SIGNALS_WATCHED = {
    "ctx": ("connection_changed", "identity_changed"),
    "connectivity": ("went_offline", "came_online"),
    "notices": ("throttled", "unexpected", "slow"),
}
FIGURES = ("rss_kb", "threads_os", "threads_py", "pool_active", "qobjects", "connections", "fds", "gc_objects", "jobs",
           "interpreter_thread_refs")


def proc_status() -> dict[str, int]:
    """VmRSS (kB) and the OS thread count of this process."""
    out: dict[str, int] = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            key, _, value = line.partition(":")
            if key == "VmRSS":
                out["rss_kb"] = int(value.split()[0])
            elif key == "Threads":
                out["threads_os"] = int(value.split()[0])
    return out


def receivers(obj: Any, names: tuple[str, ...]) -> int:
    """How many slots are connected to ``obj``'s signals ``names``."""
    from PySide6.QtCore import QMetaMethod

    meta = obj.metaObject()
    total = 0
    for index in range(meta.methodCount()):
        method = meta.method(index)
        if method.methodType() == QMetaMethod.MethodType.Signal and bytes(method.name().data()).decode() in names:
            # receivers() takes the SIGNAL() form: "2" + the signature.
            total += obj.receivers("2" + bytes(method.methodSignature().data()).decode())
    return total


def qobject_count(app: Any, window: Any) -> int:
    from PySide6.QtCore import QObject
    from shiboken6 import getCppPointer

    seen: set[int] = set()
    roots = [app, window.ctx, window.ctx.runner, *app.topLevelWidgets()]
    for root in roots:
        seen.add(getCppPointer(root)[0])
        for child in root.findChildren(QObject):
            seen.add(getCppPointer(child)[0])
    return len(seen)


def sample(app: Any, window: Any, began: float) -> dict[str, Any]:
    from PySide6.QtCore import QThreadPool

    ctx = window.ctx
    runner = ctx.runner
    row: dict[str, Any] = {"measurement": "soak_sample", "t_s": round(time.monotonic() - began, 1)}
    row.update(proc_status())
    row["threads_py"] = threading.active_count()
    names = collections.Counter(re.sub(r"[-_ ]?\d+", "", t.name) for t in threading.enumerate())
    row["threads_by_name"] = dict(names.most_common(4))
    row["pool_active"] = (runner.read_pool.activeThreadCount() + runner.write_pool.activeThreadCount()
                          + QThreadPool.globalInstance().activeThreadCount())
    row["qobjects"] = qobject_count(app, window)
    row["top_level_widgets"] = len(app.topLevelWidgets())
    objects = {"ctx": ctx, "connectivity": ctx.connectivity, "notices": ctx.notices}
    row["connections"] = sum(receivers(objects[k], names) for k, names in SIGNALS_WATCHED.items())
    row["fds"] = len(os.listdir("/proc/self/fd"))
    row["gc_objects"] = len(gc.get_objects()) + gc.get_freeze_count()
    row["jobs"] = len(runner.jobs)
    # Threads the sandbox's interpreter keeps a reference to (finished ones included).
    utils = sys.modules.get("moto.stepfunctions.parser.utils")
    row["interpreter_thread_refs"] = len(utils.TMP_THREADS) if utils is not None else 0
    row["area"] = window.current_area().key if window.current_area() else None
    row["load_average"] = round(os.getloadavg()[0], 2)
    return row


def slope_per_10min(points: list[tuple[float, float]]) -> float | None:
    if len(points) < 2:
        return None
    n = len(points)
    mx = sum(t for t, _ in points) / n
    my = sum(v for _, v in points) / n
    var = sum((t - mx) ** 2 for t, _ in points)
    if var == 0:
        return None
    return sum((t - mx) * (v - my) for t, v in points) / var * 600.0


def type_counts() -> collections.Counter[str]:
    return collections.Counter(type(o).__qualname__ for o in gc.get_objects())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=30.0, help="how long to soak (default 30)")
    parser.add_argument("--every", type=float, default=30.0, help="seconds between samples (default 30)")
    parser.add_argument("--dwell", type=float, default=20.0, help="seconds each area stays in front (default 20)")
    parser.add_argument("--warmup", type=float, default=None,
                        help="seconds after connecting left out of the start figure and the slope "
                             "(default: one round of the areas, at least one sample)")
    parser.add_argument("--types-every", type=float, default=10.0,
                        help="minutes between lines naming the Python types that grew since the warm-up (default 10)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    scratch = tempfile.mkdtemp(prefix="opsconsole-soak-")
    # The console's log, audit file and settings go to a scratch folder, not the user's.
    os.environ["OPSCONSOLE_DATA_DIR"] = os.path.join(scratch, "data")
    os.environ["XDG_CONFIG_HOME"] = os.path.join(scratch, "config")

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from opsconsole import app as console
    from opsconsole.ui.shell.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    state: dict[str, Any] = {"samples": [], "connected_at": None, "area": 0, "types_start": None}
    timers: list[QTimer] = []

    def every(ms: float, fn: Any) -> None:
        timer = QTimer(app)
        timer.setInterval(int(ms))
        timer.timeout.connect(fn)
        timer.start()
        timers.append(timer)

    def window() -> MainWindow:
        return next(w for w in app.topLevelWidgets() if isinstance(w, MainWindow))

    def take_sample() -> None:
        try:
            row = sample(app, window(), state["connected_at"])
        except Exception:  # a broken probe ends the run loudly instead of going to the app's log
            traceback.print_exc()
            app.exit(2)
            return
        state["samples"].append(row)
        if state["types_start"] is None and row["t_s"] >= state["warmup"]:
            state["types_start"] = type_counts()
        print(json.dumps(row), flush=True)

    def types_grown() -> None:
        if state["types_start"] is not None:
            print(json.dumps({"measurement": "soak_types_grown", "t_s": round(time.monotonic() - state["connected_at"], 1),
                              "types": dict((type_counts() - state["types_start"]).most_common(15))}), flush=True)

    def next_area() -> None:
        win = window()
        state["area"] = (state["area"] + 1) % len(win.areas)
        win.show_area(win.areas[state["area"]].key)

    def connected(_connection: object) -> None:
        if state["connected_at"] is not None:
            return
        win = window()
        state["connected_at"] = time.monotonic()
        state["warmup"] = args.warmup if args.warmup is not None else max(args.every, args.dwell * len(win.areas))
        win.show_area(win.areas[0].key)
        take_sample()
        every(args.every * 1000, take_sample)
        every(args.dwell * 1000, next_area)
        every(args.types_every * 60_000, types_grown)
        QTimer.singleShot(int(args.minutes * 60_000), finish)

    def finish() -> None:
        take_sample()
        state["types_end"] = type_counts()
        for timer in timers:
            timer.stop()
        app.quit()

    def hook() -> None:
        window().ctx.connection_changed.connect(connected)

    QTimer.singleShot(0, hook)
    code = console.main(["--sandbox", "--seed", str(args.seed)])
    report(state, args)
    shutil.rmtree(scratch, ignore_errors=True)
    return code


def report(state: dict[str, Any], args: argparse.Namespace) -> None:
    samples = state["samples"]
    warm = [s for s in samples if s["t_s"] >= state.get("warmup", 0)] or samples
    if not warm:
        print(json.dumps({"measurement": "soak_summary", "error": "the sandbox never connected"}), flush=True)
        return
    first, last = warm[0], warm[-1]
    summary: dict[str, Any] = {"measurement": "soak_summary", "minutes": args.minutes, "samples": len(samples),
                               "from_t_s": first["t_s"], "to_t_s": last["t_s"]}
    for key in FIGURES:
        slope = slope_per_10min([(s["t_s"], s[key]) for s in warm])
        summary[key] = {"start": first[key], "end": last[key], "min": min(s[key] for s in warm),
                        "max": max(s[key] for s in warm),
                        "slope_per_10min": None if slope is None else round(slope, 1)}
    loads = [s["load_average"] for s in samples]
    summary["load_average"] = {"min": min(loads), "max": max(loads)}
    print(json.dumps(summary), flush=True)
    start, end = state.get("types_start"), state.get("types_end")
    if start is not None and end is not None:
        grown = (end - start).most_common(15)
        print(json.dumps({"measurement": "soak_types_grown", "types": dict(grown)}), flush=True)


if __name__ == "__main__":
    sys.exit(main())
