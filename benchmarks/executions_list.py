"""Executions table at 100,000 rows: paging in, sorting, filtering, painting data, memory.

Prints one JSON object per line, e.g.
    {"bench": "insert_pages", "rows": 100000, "page": 1000, "sorted_by": "start", "seconds": 0.41}
Run: QT_QPA_PLATFORM=offscreen python benchmarks/executions_list.py [--rows N]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import time
import tracemalloc
from datetime import datetime, timedelta, timezone

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from opsconsole.core.executions.listing import STATUSES, Execution  # noqa: E402
from opsconsole.ui.executions.table_model import Column, ExecutionsTableModel  # noqa: E402

PAGE = 1000


def synthetic(n: int, seed: int = 7) -> list[Execution]:
    """Executions shaped like the real ones: 4 machines, 38 countries, 120 days of starts."""
    rnd = random.Random(seed)
    now = datetime.now(timezone.utc)
    machines = ["training", "evaluation", "inference", "comparison"]
    rows = []
    for i in range(n):
        machine = machines[i % 4]
        status = STATUSES[rnd.randrange(len(STATUSES))]
        start = now - timedelta(seconds=rnd.randrange(120 * 86400))
        name = f"{rnd.choice(['de', 'fr', 'uk', 'us', 'es', 'it', 'jp'])}-{i:06d}"
        rows.append(Execution(
            arn=f"arn:aws:states:eu-west-1:111122223333:execution:{machine}:{name}",
            name=name,
            state_machine_arn=f"arn:aws:states:eu-west-1:111122223333:stateMachine:{machine}",
            state_machine_name=machine,
            status=status,
            start=start,
            stop=None if status == "RUNNING" else start + timedelta(seconds=rnd.randrange(1, 40000)),
            redrive_count=rnd.choice((0, 0, 0, 1)),
        ))
    return rows


def emit(**fields: object) -> None:
    print(json.dumps(fields), flush=True)


def screenful_ms(model: ExecutionsTableModel) -> float:
    start = time.perf_counter()
    for row in range(40):
        for column in Column:
            model.index(row, column).data()
    return round((time.perf_counter() - start) * 1000, 3)


def fill(model: ExecutionsTableModel, rows: list[Execution]) -> float:
    """Append page by page; returns the slowest page in ms (how long the GUI would stall)."""
    slowest = 0.0
    for i in range(0, len(rows), PAGE):
        start = time.perf_counter()
        model.append_page(rows[i : i + PAGE])
        slowest = max(slowest, time.perf_counter() - start)
    return round(slowest * 1000, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    _app = QApplication.instance() or QApplication([])
    tracemalloc.start()
    rows = synthetic(args.rows)
    n = len(rows)
    rows_bytes = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    emit(bench="executions_memory", rows=n, mib=round(rows_bytes / 2**20, 2),
         bytes_per_row=round(rows_bytes / n, 1), note="the core Execution objects (the data the model is over)")

    unsorted = ExecutionsTableModel()
    start = time.perf_counter()
    slowest = fill(unsorted, rows)
    emit(bench="insert_pages", rows=n, page=PAGE, sorted_by=None,
         seconds=round(time.perf_counter() - start, 4), slowest_page_ms=slowest)

    # The panel's default: newest first, so every page is merged into a sorted table.
    model = ExecutionsTableModel()
    model.sort(Column.STARTED, Qt.SortOrder.DescendingOrder)
    start = time.perf_counter()
    slowest = fill(model, rows)
    emit(bench="insert_pages", rows=n, page=PAGE, sorted_by="start",
         seconds=round(time.perf_counter() - start, 4), slowest_page_ms=slowest)

    for name, column, order in (
        ("start", Column.STARTED, Qt.SortOrder.DescendingOrder),
        ("name", Column.NAME, Qt.SortOrder.AscendingOrder),
        ("duration", Column.DURATION, Qt.SortOrder.AscendingOrder),
    ):
        start = time.perf_counter()
        unsorted.sort(column, order)
        emit(bench="sort", rows=n, column=name, seconds=round(time.perf_counter() - start, 4))

    for text, bench in (("de-00", "filter_name"), ("", "filter_clear")):
        start = time.perf_counter()
        model.set_name_filter(text)
        emit(bench=bench, rows=n, text=text, shown=model.rowCount(), seconds=round(time.perf_counter() - start, 4))

    # One screenful (40 rows x 7 columns) of display data: first paint formats, then it is cached.
    emit(bench="data_screenful", cells=40 * len(Column), first_ms=screenful_ms(model), cached_ms=screenful_ms(model))

    model = unsorted = None  # only the measured model below may hold memory
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.take_snapshot()
    measured = ExecutionsTableModel()
    fill(measured, rows)
    measured.sort(Column.STARTED, Qt.SortOrder.DescendingOrder)
    grown = tracemalloc.take_snapshot().compare_to(base, "filename")
    model_bytes = sum(stat.size_diff for stat in grown)
    tracemalloc.stop()
    emit(bench="model_memory", rows=n, bytes=model_bytes, mib=round(model_bytes / 2**20, 2),
         bytes_per_row=round(model_bytes / n, 1), note="beyond the Execution objects themselves")


if __name__ == "__main__":
    main()
