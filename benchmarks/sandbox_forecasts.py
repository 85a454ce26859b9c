"""What the forecasts sandbox costs: sandbox start-up, and the first and later reads of its lazy data.

Prints one JSON object per measurement:

* ``startup``: ``Sandbox(live=False).start()``'s ``startup_seconds`` and the CPU seconds the process
  spent in it, each run in a fresh process, medians of ``--runs``; with ``--baseline-src DIR`` (an ``src`` folder of an older checkout, e.g.
  from ``git archive <commit> src``) the same for that tree, runs alternating, and the difference.
* ``first_touch``: in one sandbox, the first and the second ListObjectsV2 of a 20-part forecast
  export (the first builds every part), GetObject of one part (built, then cached),
  GetAccuracyMetrics of a 2-window predictor over 5,000 items (computed, then cached), and the
  median QueryForecast latency.

The load average is printed with each figure: the machine is shared, compare runs made together.

Run: python benchmarks/sandbox_forecasts.py [--runs 3] [--baseline-src /tmp/base/src]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"

CHILD = """
import json, resource, sys
sys.path.insert(0, sys.argv[1])
from opsconsole.sandbox import Sandbox
before = resource.getrusage(resource.RUSAGE_SELF)
sb = Sandbox(seed=7, live=False).start()
after = resource.getrusage(resource.RUSAGE_SELF)
cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
print(json.dumps({"startup_seconds": sb.startup_seconds, "cpu_seconds": cpu}))
sb.stop()
"""


def startup(src: Path) -> tuple[float, float]:
    """(wall seconds of start(), CPU seconds the process spent in it: less sensitive to others' load)."""
    out = subprocess.run([sys.executable, "-c", CHILD, str(src)], capture_output=True, text=True, check=True)
    found = json.loads(out.stdout.strip().splitlines()[-1])
    return found["startup_seconds"], found["cpu_seconds"]


def measure_startup(runs: int, baseline: Path | None) -> dict:
    mine, base = [], []
    for _ in range(runs):
        if baseline:
            base.append(startup(baseline))
        mine.append(startup(SRC))

    def med(values: list[tuple[float, float]], i: int) -> float:
        return round(statistics.median(v[i] for v in values), 3)
    result = {"measure": "startup", "runs": runs, "median_s": med(mine, 0), "median_cpu_s": med(mine, 1),
              "all_s": [round(v[0], 3) for v in mine], "load": round(os.getloadavg()[0], 2)}
    if baseline:
        result.update({"baseline_median_s": med(base, 0), "baseline_median_cpu_s": med(base, 1),
                       "baseline_all_s": [round(v[0], 3) for v in base],
                       "difference_s": round(med(mine, 0) - med(base, 0), 3),
                       "difference_cpu_s": round(med(mine, 1) - med(base, 1), 3)})
    return result


def timed(call) -> float:
    began = time.perf_counter()
    call()
    return round((time.perf_counter() - began) * 1000, 1)


def measure_first_touch() -> dict:
    sys.path.insert(0, str(SRC))
    from opsconsole.sandbox import Sandbox

    with Sandbox(seed=7, live=False) as sb:
        tenant = sb.scenario.forecasts["tenants"]["retail-compliance"]
        s3, forecast, query = sb.client("s3"), sb.client("forecast"), sb.client("forecastquery")
        bucket, _, prefix = tenant["export_paths"]["retail_demand_deepar"].removeprefix("s3://").partition("/")
        result = {"measure": "first_touch",
                  "list_20_parts_first_ms": timed(lambda: s3.list_objects_v2(Bucket=bucket, Prefix=prefix)),
                  "list_20_parts_again_ms": timed(lambda: s3.list_objects_v2(Bucket=bucket, Prefix=prefix))}
        key = s3.list_objects_v2(Bucket=bucket, Prefix=prefix)["Contents"][0]["Key"]
        result["get_part_ms"] = timed(lambda: s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        actuals_bucket, _, actuals = tenant["actuals_path"].removeprefix("s3://").partition("/")
        result["list_actuals_first_ms"] = timed(lambda: s3.list_objects_v2(Bucket=actuals_bucket, Prefix=actuals))
        arn = tenant["predictor_arns"]["retail_demand_cnnqr"]
        result["accuracy_first_ms"] = timed(lambda: forecast.get_accuracy_metrics(PredictorArn=arn))
        result["accuracy_again_ms"] = timed(lambda: forecast.get_accuracy_metrics(PredictorArn=arn))
        fc = tenant["forecast_arns"]["retail_demand_auto"]
        latencies = []
        for i in range(8):  # within the 10 a second the sandbox allows
            latencies.append(timed(lambda i=i: query.query_forecast(ForecastArn=fc, Filters={"item_id": f"sku_{i:05d}"})))
            time.sleep(0.15)
        result["query_forecast_median_ms"] = statistics.median(latencies)
        result["load"] = round(os.getloadavg()[0], 2)
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline-src", type=Path)
    args = parser.parse_args()
    print(json.dumps(measure_startup(args.runs, args.baseline_src)), flush=True)
    print(json.dumps(measure_first_touch()), flush=True)


if __name__ == "__main__":
    main()
