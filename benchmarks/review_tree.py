"""Regrouping the operations view's tree: the time to rebuild its model over N open review items.

Prints one JSON line per run set: ``first_ms`` (the first grouping, every phrase
normalised once) and the median, fastest and slowest of the later regroupings
(what each listing page, poll and filter keystroke costs), with the load average.
A third of the items repeat another's phrase, so rows merge. To compare against
another checkout, run it with that checkout's ``src`` first on PYTHONPATH, sides
alternating:

    for side in base new base new; do PYTHONPATH=<src of side> QT_QPA_PLATFORM=offscreen \\
        python benchmarks/review_tree.py --items 4000 --label $side; done
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=4000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--label", default="")
    args = parser.parse_args()

    from PySide6.QtWidgets import QApplication

    if QApplication.instance() is None:  # the model needs one
        QApplication([])
    from opsconsole.core.lexreview.triage import Phrase, new_item
    from opsconsole.ui.lexreview.ops.items_model import ReviewTreeModel

    rng = random.Random(3)
    now = dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc)
    distinct = max(args.items * 2 // 3, 1)
    items = [new_item(Phrase(f"bench phrase {i % distinct} about a card or a loan",
                             rng.choice(["CheckBalance", "ReportLostCard", "TransferFunds"])),
                      bot_id="BENCHBOT01", bot_name="BankingHelpDesk", locale_id=rng.choice(["en_US", "es_US"]),
                      by="bench.agent", now=now - dt.timedelta(seconds=i), item_id=f"item-{i:06d}")
             for i in range(args.items)]
    model = ReviewTreeModel()
    times = []
    for _ in range(args.runs + 1):
        began = time.perf_counter()
        model.set_items(items)
        times.append((time.perf_counter() - began) * 1000)
    later = times[1:]
    print(json.dumps({"bench": "review_tree_regroup", "label": args.label, "items": args.items,
                      "first_ms": round(times[0], 1), "median_ms": round(statistics.median(later), 1),
                      "min_ms": round(min(later), 1), "max_ms": round(max(later), 1),
                      "load": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None}), flush=True)


if __name__ == "__main__":
    main()
