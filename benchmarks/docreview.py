"""Document review: 10,000 human loops listed, a document opened with its page, keys and app time per field.

Prints one JSON object per measurement (figures in docs/benchmarks.md):

* ``loops_listing``: the Operations tab's loops table (offscreen Qt) fed 10,000
  ``HumanLoop`` rows (``--loops``) in ListHumanLoops pages of 100, each page
  delivered the way a Job delivers it (one queued call on the GUI thread), with
  a status filter and a text filter set, as an operator would have them.
  ``longest_stall_ms``: the longest gap between two ticks of a 5 ms heartbeat
  while the pages arrive (goal <= 50 ms), beside ``idle_stall_ms``, the same
  heartbeat with nothing to do for as long (what the machine's load alone
  costs), and ``longest_page_work_ms``, the GUI thread's longest time taking
  one page in and painting it; ``all_rows_s``: from the first page to the last
  row shown.
* ``document_open``: the Review tab showing a document whose extraction and
  page image (the sandbox's generated 1240x1754 PNG) have arrived: the time from
  the data to the first paint with the page, its boxes and the field in focus
  zoomed (goal <= 200 ms), and, apart, the time the data took to read (S3).
* ``review_keys``: a claimed document reviewed from the keyboard against the
  sandbox: every low-confidence field decided (the first one corrected by
  typing a value, the rest accepted) and the document submitted;
  ``keys_per_field`` counts every key pressed (typed characters included),
  ``app_ms_per_field`` the GUI thread's time handling them.

Each figure is the median of ``--runs`` runs, with the fastest and slowest.
The sandbox (seeded, not live) runs in this process: its server threads share
the GIL with the GUI, which makes ``document_open``'s read time and the review
keys' wall time pessimistic against AWS.

Run: python benchmarks/docreview.py [--loops 10000] [--runs 5]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def emit(**fields: Any) -> None:
    print(json.dumps(fields), flush=True)


def load_average() -> float | None:
    return round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None


def spread(values: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(values), 2), "min": round(min(values), 2),
            "max": round(max(values), 2)}


class Heartbeat:
    """A 5 ms timer on the GUI thread; the longest gap between its ticks is the longest stall."""

    def __init__(self, app: Any) -> None:
        from PySide6.QtCore import QTimer

        self.app = app
        self.last = time.perf_counter()
        self.longest = 0.0
        self.timer = QTimer()
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.longest = max(self.longest, now - self.last)
        self.last = now

    def start(self) -> None:
        self.last = time.perf_counter()
        self.longest = 0.0
        self.timer.start()

    def stop(self) -> float:
        self.timer.stop()
        return self.longest * 1000


def wait(app: Any, condition: Any, timeout: float = 120.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise SystemExit("timed out")
        app.processEvents()
        time.sleep(0.001)


def loops_listing(app: Any, ctx: Any, n: int) -> dict[str, float]:
    """Feed ``n`` loops to a fresh Operations view, a page per event loop turn."""
    from PySide6.QtCore import QTimer

    from opsconsole.core.docreview import HumanLoop
    from opsconsole.ui.docreview.controller import DocReviewController
    from opsconsole.ui.docreview.ops_view import OperationsView

    now = dt.datetime.now(dt.UTC)
    statuses = ("Completed", "Completed", "Completed", "InProgress", "Failed", "Stopped")
    loops = [HumanLoop(f"doc-inv-{i:06d}", statuses[i % len(statuses)], now - dt.timedelta(minutes=i),
                       "" if i % 6 != 4 else "The worker's task expired", "arn:flow") for i in range(n)]
    pages = [loops[i:i + 100] for i in range(0, n, 100)]
    view = OperationsView(DocReviewController(ctx, None))
    view.resize(1400, 800)
    view.show()
    view.status_filter.setCurrentIndex(view.status_filter.findData("Completed"))
    view.text_filter.setText("doc-inv-00")
    view.text_filter.flush()
    view.loops_stack.setCurrentWidget(view.loops_table)
    app.processEvents()
    beat = Heartbeat(app)
    left = list(pages)
    start = time.perf_counter()
    beat.start()

    work: list[float] = []

    def deliver() -> None:
        if left:
            t = time.perf_counter()
            view._on_loops_page(left.pop(0))
            view.loops_table.viewport().repaint()  # what the page costs to show, painted at once
            work.append((time.perf_counter() - t) * 1000)
            QTimer.singleShot(0, deliver)

    QTimer.singleShot(0, deliver)
    wait(app, lambda: not left)
    app.processEvents()
    view.loops_table.viewport().repaint()
    total = time.perf_counter() - start
    stall = beat.stop()
    assert view.loops.rowCount() == n
    view.close()
    view.deleteLater()
    # The same heartbeat with nothing to do, as long: what the machine's load alone costs.
    beat.start()
    end = time.perf_counter() + total
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.001)
    idle = beat.stop()
    return {"longest_stall_ms": stall, "idle_stall_ms": idle, "longest_page_ms": max(work),
            "worst_page": work.index(max(work)),
            "all_rows_s": total, "shown": view.proxy.rowCount()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--loops", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from opsconsole.core import docreview as core
    from opsconsole.core.audit import AuditLog
    from opsconsole.core.aws import Connection
    from opsconsole.core.settings import MemoryStore, Settings
    from opsconsole.jobs.runner import JobRunner
    from opsconsole.sandbox import Sandbox
    from opsconsole.ui.context import AppContext
    from opsconsole.ui.docreview import DocReviewPanel

    app = QApplication.instance() or QApplication(sys.argv[:1])
    runner = JobRunner()
    ctx = AppContext(runner, AuditLog(Path(tempfile.mkdtemp()) / "audit.jsonl"), settings=Settings(MemoryStore()))

    # -- 10,000 loops --------------------------------------------------------------------------------
    runs = [loops_listing(app, ctx, args.loops) for _ in range(args.runs)]
    emit(measure="loops_listing", loops=args.loops, page=100, goal_ms=50,
         longest_stall_ms=spread([r["longest_stall_ms"] for r in runs]),
         idle_stall_ms=spread([r["idle_stall_ms"] for r in runs]),
         longest_page_work_ms=spread([r["longest_page_ms"] for r in runs]),
         all_rows_s=spread([r["all_rows_s"] for r in runs]), shown_after_filter=runs[0]["shown"],
         runs=args.runs, load_average=load_average())

    # -- the sandbox ------------------------------------------------------------------------------
    sb = Sandbox(port=0, seed=7, live=False).start()
    sb.scenario.docreview_seed.wait_ready()
    ctx.set_display_name("bench.reviewer")
    ctx.set_connection(Connection(region=sb.region, endpoint_url=sb.endpoint_url, sandbox=True,
                                  access_key=sb.credentials["aws_access_key_id"],
                                  secret_key=sb.credentials["aws_secret_access_key"]))
    clients = ctx.clients
    queue = [t for page in core.iter_queue(clients) for t in page]

    panel = DocReviewPanel(ctx)
    panel.resize(1400, 860)
    panel.show()
    app.processEvents()

    # -- opening a document ---------------------------------------------------------------------
    shown, reads = [], []
    for task in queue[:args.runs]:
        t0 = time.perf_counter()
        doc = core.load_document(clients, task.document_id, document_uri=task.document_uri)
        reads.append((time.perf_counter() - t0) * 1000)
        panel.tabs.setCurrentWidget(panel.review)
        panel.review.claimed = False
        t1 = time.perf_counter()
        panel.review.show_document(task, doc)
        panel.review.page.viewport().repaint()  # the first paint with the page and its boxes
        panel.review.table.viewport().repaint()
        shown.append((time.perf_counter() - t1) * 1000)
        app.processEvents()
    emit(measure="document_open", goal_ms=200, data_to_painted_ms=spread(shown), s3_read_ms=spread(reads),
         page_px="1240x1754", runs=len(shown), load_average=load_average())

    # -- reviewing from the keyboard ----------------------------------------------------------------
    keys_per_field, app_ms_per_field, fields_done = [], [], []
    review = panel.review
    for task in queue[args.runs:args.runs * 2]:
        claimed = core.claim(clients, core.get_task(clients, task.document_id), ctx.who.name)
        panel.open_document(claimed, True)
        wait(app, lambda c=claimed: review.doc is not None and review.task.document_id == c.document_id)
        review.activateWindow()
        review.table.setFocus()
        low = [f for f in review.doc.review_order() if f.low(review.doc.threshold)]
        keys, busy = 0, 0.0

        def press(key: Any, modifier: Any = Qt.KeyboardModifier.NoModifier) -> None:
            nonlocal keys, busy
            t = time.perf_counter()
            QTest.keyClick(app.focusWidget() or review.table, key, modifier)
            app.processEvents()
            busy += time.perf_counter() - t
            keys += 1

        for i, f in enumerate(low):
            if i == 0:
                press(Qt.Key.Key_E)
                value = {"DATE": "2026-11-30", "CURRENCY": "EUR"}.get(f.entity_type, "1,234.50")
                if f.entity_type not in ("DATE", "CURRENCY", "TOTAL", "TAX"):
                    value = "Corrected Value"
                press(Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
                for ch in value:
                    t = time.perf_counter()
                    QTest.keyClicks(app.focusWidget(), ch)
                    app.processEvents()
                    busy += time.perf_counter() - t
                    keys += 1
                press(Qt.Key.Key_Return)
            else:
                press(Qt.Key.Key_Return)
        press(Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        wait(app, lambda: not review.claimed)
        keys_per_field.append(keys / len(low))
        app_ms_per_field.append(busy * 1000 / len(low))
        fields_done.append(len(low))
    emit(measure="review_keys", documents=len(fields_done), low_confidence_fields=fields_done,
         keys_per_field=spread(keys_per_field), app_ms_per_field=spread(app_ms_per_field),
         note="first field corrected by typing a value, the others accepted; submit counted",
         load_average=load_average())

    panel.close()
    runner.cancel_all()
    runner.shutdown(10_000)
    sb.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
