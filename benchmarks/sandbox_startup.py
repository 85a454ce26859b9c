"""Sandbox start-up time with and without the document-review step, sides alternating.

Prints one JSON object per run and a summary (see docs/benchmarks.md):

* ``sandbox_startup``: ``Sandbox(live=False).start()``'s ``startup_seconds`` in
  a fresh process (what the app and the test session pay), and for the full
  scenario the seconds after that until the document pipeline's executions
  wait with their items in the review table (``docreview_ready_seconds``,
  background work that does not hold up the start).
* ``--baseline`` also runs the same code with the document-review seed step
  replaced by an empty one, alternating with the full runs, so both sides see
  the same machine load.

Run: python benchmarks/sandbox_startup.py [--runs 3] [--baseline]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from typing import Any

CHILD = r"""
import json, os, sys, time, logging
logging.disable(logging.WARNING)
if os.environ.get("BENCH_NO_DOCREVIEW"):
    from opsconsole.sandbox import scenario
    from opsconsole.sandbox.scenario.docreview import DocReviewSeed
    scenario.docreview.seed_docreview = lambda **_: DocReviewSeed({}, {}, None)
from opsconsole.sandbox import Sandbox
sandbox = Sandbox(live=False).start()
began = time.perf_counter()
sandbox.scenario.docreview_seed.wait_ready()
ready = time.perf_counter() - began
print(json.dumps({"startup_seconds": sandbox.startup_seconds, "docreview_ready_seconds": ready}))
sandbox.stop()
"""


def run(baseline: bool) -> dict[str, Any]:
    env = dict(os.environ)
    if baseline:
        env["BENCH_NO_DOCREVIEW"] = "1"
    done = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline", action="store_true", help="also time the start without the document-review step")
    args = parser.parse_args()
    sides = ["full", "baseline"] if args.baseline else ["full"]
    results: dict[str, list[float]] = {side: [] for side in sides}
    for n in range(args.runs):
        for side in sides:
            figures = run(side == "baseline")
            results[side].append(figures["startup_seconds"])
            print(json.dumps({"measurement": "sandbox_startup", "side": side, "run": n + 1, **figures,
                              "load_average": round(os.getloadavg()[0], 2)}), flush=True)
    summary = {f"{side}_median_seconds": round(statistics.median(values), 3) for side, values in results.items()}
    if args.baseline:
        summary["added_seconds"] = round(summary["full_median_seconds"] - summary["baseline_median_seconds"], 3)
    print(json.dumps({"measurement": "sandbox_startup_summary", "runs": args.runs, **summary,
                      "load_average": round(os.getloadavg()[0], 2)}), flush=True)


if __name__ == "__main__":
    main()
