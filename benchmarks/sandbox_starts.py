"""Start the seeded sandbox N times in a row, each in a fresh process, and count the failures.

A fresh process each time: a start race on first use of a lazily built
structure (moto's interpreter, the ASL parser's caches) only shows when
nothing is warm yet, as when a user runs ``opsconsole-sandbox``.

Prints one JSON object per start and a summary line, e.g.
    {"bench": "sandbox_starts", "starts": 50, "failures": 0, "median_seconds": 6.8, "load_average": [...]}

Run: python benchmarks/sandbox_starts.py [--starts 50]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

_ONE_START = """
import time, sys
from opsconsole.sandbox import Sandbox
began = time.perf_counter()
box = Sandbox(live=False)
box.start()
seconds = time.perf_counter() - began
box.stop()
print(f"STARTED {seconds:.2f}")
"""


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--starts", type=int, default=50)
    args = parser.parse_args()
    failures, times = 0, []
    for i in range(args.starts):
        done = subprocess.run([sys.executable, "-c", _ONE_START], capture_output=True, text=True,
                              timeout=300, env=os.environ)
        line = next((x for x in done.stdout.splitlines() if x.startswith("STARTED ")), None)
        ok = done.returncode == 0 and line is not None
        record = {"start": i + 1, "ok": ok}
        if ok:
            times.append(float(line.split()[1]))
            record["seconds"] = times[-1]
        else:
            failures += 1
            record["error"] = done.stderr.strip().splitlines()[-15:]
        print(json.dumps(record), flush=True)
    print(json.dumps({"bench": "sandbox_starts", "starts": args.starts, "failures": failures,
                      "median_seconds": round(statistics.median(times), 2) if times else None,
                      "load_average": [round(x, 2) for x in os.getloadavg()],
                      "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}), flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
