"""Time to the first page of each review view's listing with a long history, Query against the old Scan.

Prints one JSON object per measurement (see docs/benchmarks.md for the figures):

* ``review_first_page``: for each view's listing, the time from asking to the
  first non-empty page, through the console's core functions (what a Job
  runs): the agent's queue (``conversations.iter_conversations``, untriaged with
  missed turns, newest first), the operations view's open items
  (``items.iter_review_items`` with PENDING and APPROVED, newest change
  first) and the deployment history (``deploy.record.iter_deployments``).
  Goal: <= 300 ms each. ``--baseline`` also times the old Scan path against
  the same tables: its first Scan page (table order, filtered, so neither
  newest first nor necessarily the view's rows; median of the runs) and,
  once, the whole Scan (what the old code needed before the view was right:
  the operations view and the history listed everything, the queue sorted
  what arrived).
* ``ops_view_first_rows``: the operations view itself (offscreen Qt, the
  job layer, Open filter): the time from asking for the listing to the tree's
  first paint with rows in it (``first_paint``), and to the whole listing
  shown (``all_rows``); its status label says "Loading…" in between and the
  rows shown can be acted on. ``--no-view`` leaves it out.
* ``review_full_listing``: with ``--full``, every page of the same listings
  and of every review item (``list_review_items()`` with no filter).

The sandbox runs in a child process (its moto work does not share a GIL with
the measured side), with ``--items`` review items, ``--conversations``
conversations and ``--deployments`` deployment records put straight into its
DynamoDB backend. Each figure is the median of ``--runs`` runs, sides
alternating, with the fastest and slowest run. moto's Scan sorts the whole
table for every page, so the sandbox makes Scan pages far dearer than
DynamoDB does; the page counts (``scan_all_pages`` against ``queries``) are
what carries over to an account.

Run: python benchmarks/review_listing.py [--items 100000] [--conversations 50000] [--deployments 5000]
     [--runs 5] [--baseline] [--full]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import logging
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

BOT_ID, BOT_NAME, ALIAS_ID = "BENCHBOT01", "BankingHelpDesk", "BENCHALIAS"
LOCALES = ("en_US", "es_US")


def emit(**fields: Any) -> None:
    print(json.dumps(fields), flush=True)


def load_average() -> float | None:
    return round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None


# -- the server side -------------------------------------------------------------------------------
def review_items(n: int, now: dt.datetime, rng: random.Random) -> Iterator[dict[str, Any]]:
    """A year of review items: most deployed or rejected long ago, a few open ones (console records)."""
    from opsconsole.core.lexreview.triage import Phrase, new_item

    statuses = ("PENDING", "APPROVED", "REJECTED", "DEPLOYED")
    for i in range(n):
        created = now - dt.timedelta(seconds=rng.randrange(365 * 86400))
        status = rng.choices(statuses, (3, 1, 20, 76))[0]
        item = new_item(Phrase(f"bench phrase {i} about a card or a loan", "CheckBalance"), bot_id=BOT_ID,
                        bot_name=BOT_NAME, locale_id=rng.choice(LOCALES), by="bench.agent", now=created,
                        contact_id=f"contact-{i:06d}", item_id=f"item-{i:06d}")
        record = item.to_record()
        updated = created + dt.timedelta(seconds=rng.randrange(7 * 86400)) if status != "PENDING" else created
        record.update(status=status, updated_at=updated.strftime("%Y-%m-%dT%H:%M:%SZ"), updated_by="bench.ops",
                      status_updated=f"{status}#{updated.strftime('%Y-%m-%dT%H:%M:%SZ')}")
        yield record


def conversation_rows(n: int, now: dt.datetime, rng: random.Random) -> list[dict[str, Any]]:
    """``n`` seeded conversations (the scenario's generator); all but the newest few percent triaged."""
    from opsconsole.sandbox.scenario.lexreview.conversations import conversations

    rows = conversations(7, now, BOT_ID, ALIAS_ID, "1", BOT_NAME, count=n)
    for row in rows:  # newest first
        if rng.random() > 0.05:
            row.update(triage_status=rng.choice(("FORWARDED", "NOTHING_TO_LEARN")), triaged_by="bench.agent",
                       triaged_at=row["started_at"])
    return rows


def deployment_records(n: int, now: dt.datetime, rng: random.Random) -> Iterator[dict[str, Any]]:
    from opsconsole.core.lexreview.deploy.record import SUCCEEDED, DeployedPhrase, Deployment

    for i in range(n):
        started = now - dt.timedelta(seconds=rng.randrange(365 * 86400))
        yield Deployment(deployment_id=f"deploy-{i:06d}", bot_id=BOT_ID, bot_name=BOT_NAME,
                         locale_id=rng.choice(LOCALES), started_by="bench.ops", started_at=started,
                         status=SUCCEEDED, version=str(i + 2), alias_moved=True, items_marked=3,
                         phrases=[DeployedPhrase(f"item-{i}-{k}", f"phrase {k}", "CheckBalance") for k in range(3)],
                         finished_at=started + dt.timedelta(minutes=4)).to_record()


def serve(items: int, conversations: int, deployments: int) -> None:
    """Child process: an empty sandbox with the review tables filled; prints where, serves until stdin closes."""
    from moto.dynamodb.models import dynamodb_backends

    from opsconsole.core.lexreview.store import TABLES
    from opsconsole.core.lexreview.tables import create_missing_tables
    from opsconsole.sandbox import Sandbox
    from opsconsole.sandbox.scenario.executions.models import to_item

    sb = Sandbox(port=0, seeded=False).start()
    began = time.perf_counter()
    create_missing_tables(sb.client("dynamodb"), TABLES)
    backend = dynamodb_backends["123456789012"][sb.region]
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    rng = random.Random(11)
    for table, rows in ((TABLES.items, review_items(items, now, rng)),
                        (TABLES.conversations, conversation_rows(conversations, now, rng)),
                        (TABLES.deployments, deployment_records(deployments, now, rng))):
        for row in rows:
            backend.put_item(table, to_item({k: v for k, v in row.items() if v is not None and v != ""}))
    gc.collect()
    gc.freeze()
    print(json.dumps({"endpoint": sb.endpoint_url, "region": sb.region,
                      "load_s": round(time.perf_counter() - began, 1)}), flush=True)
    sys.stdin.read()
    sb.stop()


# -- the measured side ---------------------------------------------------------------------------------
def first_page(pages: Iterator[list[Any]]) -> tuple[float, int, int]:
    """(seconds to the first non-empty page, its length, requests made): the consumer then stops."""
    began = time.perf_counter()
    asked = 0
    for page in pages:
        asked += 1
        if page:
            elapsed = time.perf_counter() - began
            pages.close()  # type: ignore[attr-defined]
            return elapsed, len(page), asked
    return time.perf_counter() - began, 0, asked


def whole(pages: Iterator[list[Any]]) -> tuple[float, int, int]:
    began = time.perf_counter()
    rows = asked = 0
    for page in pages:
        asked += 1
        rows += len(page)
    return time.perf_counter() - began, rows, asked


def old_scan(clients: Any, table: str, filter_expression: str | None, names: dict[str, str] | None,
             vals: dict[str, Any], page_size: int) -> Iterator[list[dict[str, Any]]]:
    """The listings as they were: a filtered Scan, one page per yield, in table order."""
    from opsconsole.core.lexreview.store import values

    request: dict[str, Any] = {"TableName": table, "Limit": page_size}
    if filter_expression:
        request["FilterExpression"] = filter_expression
        request["ExpressionAttributeValues"] = values(**vals)
    if names:
        request["ExpressionAttributeNames"] = names
    for page in clients.client("dynamodb").get_paginator("scan").paginate(**request):
        yield page.get("Items", [])


def listings(clients: Any) -> dict[str, tuple[Callable[[], Iterator[list[Any]]], Callable[[], Iterator[list[Any]]]]]:
    """view -> (the console's listing now, the old Scan listing), each a fresh page iterator."""
    from opsconsole.core.lexreview.deploy.record import iter_deployments
    from opsconsole.core.lexreview.items import iter_review_items
    from opsconsole.core.lexreview.store import TABLES
    from opsconsole.core.lexreview.conversations import iter_conversations

    return {
        "agent_queue": (
            lambda: iter_conversations(clients),
            lambda: old_scan(clients, TABLES.conversations,
                             "missed_count > :v_zero AND (attribute_not_exists(triage_status) OR triage_status = :v_new)",
                             None, {"v_zero": 0, "v_new": "NEW"}, 500)),
        "operations_open_items": (
            lambda: iter_review_items(clients, statuses=["PENDING", "APPROVED"]),
            lambda: old_scan(clients, TABLES.items, "#s IN (:v_s0, :v_s1)", {"#s": "status"},
                             {"v_s0": "PENDING", "v_s1": "APPROVED"}, 500)),
        "deployment_history": (
            lambda: iter_deployments(clients, time.time()),
            lambda: old_scan(clients, TABLES.deployments, None, None, {}, 1000)),
    }


def ops_view_first_rows(connection: Any, runs: int) -> dict[str, Any]:
    """Time the operations view from ``reload_items()`` to the first paint of rows and to the whole listing."""
    import tempfile
    from pathlib import Path

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEvent, QEventLoop, QObject, QSettings, QTimer
    from PySide6.QtWidgets import QApplication, QWidget

    from opsconsole.core.audit import AuditLog
    from opsconsole.core.settings import Settings
    from opsconsole.jobs.runner import JobRunner
    from opsconsole.ui.context import AppContext
    from opsconsole.ui.lexreview.actions import ReviewActions
    from opsconsole.ui.lexreview.ops.view import OperationsView
    from opsconsole.ui.lexreview.session import ReviewSession

    # The bench bot has no Lex model: the view's background reads of its intents fail, as expected here.
    logging.getLogger("opsconsole").setLevel(logging.CRITICAL)
    app = QApplication.instance() or QApplication([])
    folder = Path(tempfile.mkdtemp(prefix="review-bench-"))
    runner = JobRunner()
    ctx = AppContext(runner, AuditLog(folder / "audit.jsonl"),
                     settings=Settings(QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)))
    ctx.set_connection(connection)
    owner = QWidget()
    session = ReviewSession(ctx, owner)
    view = OperationsView(session, ReviewActions(session, owner), owner)
    owner.resize(1400, 860)
    view.resize(1400, 860)
    owner.show()
    marks: dict[str, float] = {}

    class FirstPaint(QObject):
        def eventFilter(self, _watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and view.model.rowCount() and "paint" not in marks:
                marks["paint"] = time.perf_counter()
            return False

    painter = FirstPaint()
    view.tree.viewport().installEventFilter(painter)
    view.items_loaded.connect(lambda n: marks.update(done=time.perf_counter(), rows=n))

    def wait(what: str, ready: Callable[[], bool], seconds: float = 300.0) -> None:
        loop, deadline = QEventLoop(), time.monotonic() + seconds
        timer = QTimer()
        timer.timeout.connect(lambda: loop.quit() if ready() or time.monotonic() > deadline else None)
        timer.start(1)
        loop.exec()
        timer.stop()
        if not ready():
            raise TimeoutError(f"the operations view never reached {what!r}")

    paint, whole = [], []
    rows = 0
    try:
        for run in range(runs + 1):  # the first run warms the clients and the sandbox's index
            view.model.set_items([])
            # Each run from a quiet view: the flags of the last run (seconds of CPU at 3,900 open items) done.
            wait("flags worked out", lambda: view.flag_work.job is None)
            marks.clear()
            began = time.perf_counter()
            view.reload_items()
            wait("first paint", lambda: "paint" in marks)
            wait("every row", lambda: "done" in marks)
            if run:
                paint.append(marks["paint"] - began)
                whole.append(marks["done"] - began)
                rows = int(marks["rows"])
        wait("flags worked out", lambda: view.flag_work.job is None)
    finally:
        owner.close()
        runner.shutdown(wait_ms=300_000)
        owner.deleteLater()
        app.processEvents()
    return {"rows": rows, **{f"first_paint_{k}": v for k, v in summary(paint).items()},
            **{f"all_rows_{k}": v for k, v in summary(whole).items()}}


def summary(values: list[float]) -> dict[str, float]:
    ms = [v * 1000 for v in values]
    return {"median_ms": round(statistics.median(ms), 1), "min_ms": round(min(ms), 1), "max_ms": round(max(ms), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--conversations", type=int, default=50_000)
    parser.add_argument("--deployments", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--baseline", action="store_true", help="also time the old Scan listings")
    parser.add_argument("--full", action="store_true", help="also time every page of each listing")
    parser.add_argument("--no-view", action="store_true", help="leave out the operations view's own timing")
    parser.add_argument("--serve", nargs=3, type=int, help=argparse.SUPPRESS)  # the server process
    args = parser.parse_args()
    if args.serve:
        serve(*args.serve)
        return

    from opsconsole.core.aws import Clients, Connection

    child = subprocess.Popen([sys.executable, __file__, "--serve", str(args.items), str(args.conversations),
                              str(args.deployments)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        where = json.loads(child.stdout.readline())
        emit(bench="review_load", items=args.items, conversations=args.conversations,
             deployments=args.deployments, seconds=where["load_s"])
        clients = Clients(Connection(region=where["region"], endpoint_url=where["endpoint"], sandbox=True,
                                     access_key="sandbox", secret_key="sandbox"))
        clients.client("dynamodb").list_tables()  # warm the client (service model, connection) outside the timings
        for view, (new, old) in listings(clients).items():
            first_page(new())  # the sandbox keeps each index after its first Query, as DynamoDB keeps its own
            times: dict[str, list[float]] = {"query": [], "scan_first": []}
            info: dict[str, Any] = {}
            for _run in range(args.runs):
                gc.collect()
                seconds, rows, asked = first_page(new())
                times["query"].append(seconds)
                info.update(rows=rows, queries=asked)
                if args.baseline:
                    seconds, rows, asked = first_page(old())
                    times["scan_first"].append(seconds)
                    info.update(scan_first_rows=rows, scan_first_pages=asked)
            record: dict[str, Any] = {"bench": "review_first_page", "view": view, "runs": args.runs,
                                      "goal_ms": 300, **info,
                                      **{f"query_{k}": v for k, v in summary(times["query"]).items()}}
            if args.baseline:
                record.update({f"scan_first_{k}": v for k, v in summary(times["scan_first"]).items()})
                # The whole Scan once: the sandbox sorts the whole table for every Scan page, so it is slow there.
                seconds, rows, asked = whole(old())
                record.update(scan_all_s=round(seconds, 2), scan_all_rows=rows, scan_all_pages=asked,
                              scan_all_over_query=round(seconds / statistics.median(times["query"]), 1))
            emit(**record, load_average=load_average(), python=sys.version.split()[0])
        if not args.no_view:
            figures = ops_view_first_rows(clients.connection, args.runs)
            emit(bench="ops_view_first_rows", view="operations_open_items", runs=args.runs, goal_ms=300, **figures,
                 load_average=load_average(), python=sys.version.split()[0])
        if args.full:
            from opsconsole.core.lexreview.items import iter_review_items

            fulls = {view: new for view, (new, _old) in listings(clients).items()}
            fulls["every_review_item"] = lambda: iter_review_items(clients)
            for view, new in fulls.items():
                seconds, rows, asked = whole(new())
                emit(bench="review_full_listing", view=view, rows=rows, pages=asked, seconds=round(seconds, 2),
                     load_average=load_average())
    finally:
        child.stdin.close()
        child.wait(60)


if __name__ == "__main__":
    main()
