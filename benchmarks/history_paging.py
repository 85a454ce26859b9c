"""GetExecutionHistory paged through in the sandbox: a finished ~25,000-event history, every page.

AWS serves each page directly; the sandbox used to rebuild the whole history
for every page. Prints one JSON object per line, e.g.
    {"bench": "history_paging", "events": 24966, "pages": 250, "page_size": 100,
     "seconds_median": 1.1, "seconds_runs": [...], "load_average": [...]}

Run: python benchmarks/history_paging.py [--items 6240] [--runs 3] [--page-size 100]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import threading
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=6240, help="Map items (4 events each)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--page-size", type=int, default=100)
    args = parser.parse_args()

    from opsconsole.sandbox import Sandbox

    with Sandbox(port=0, seed=7, live=False, seeded=False) as sandbox:
        sfn = sandbox.client("stepfunctions")
        definition = {"StartAt": "Fan out", "States": {"Fan out": {
            "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 0, "End": True,
            "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Score item",
                              "States": {"Score item": {"Type": "Pass", "End": True}}}}}}
        machine = sfn.create_state_machine(name="history-paging", definition=json.dumps(definition),
                                           roleArn="arn:aws:iam::123456789012:role/benchmark")["stateMachineArn"]
        arn = sfn.start_execution(stateMachineArn=machine, name="map-25k",
                                  input=json.dumps({"items": list(range(args.items))}))["executionArn"]
        pause = threading.Event()
        while sfn.describe_execution(executionArn=arn)["status"] == "RUNNING":
            pause.wait(0.5)
        runs, events, pages = [], 0, 0
        for _ in range(args.runs):
            began = time.perf_counter()
            events = pages = 0
            for page in sfn.get_paginator("get_execution_history").paginate(
                    executionArn=arn, PaginationConfig={"PageSize": args.page_size}):
                events += len(page["events"])
                pages += 1
            runs.append(round(time.perf_counter() - began, 2))
        print(json.dumps({"bench": "history_paging", "events": events, "pages": pages,
                          "page_size": args.page_size, "seconds_median": statistics.median(runs),
                          "seconds_runs": runs, "load_average": [round(x, 2) for x in os.getloadavg()]}),
              flush=True)


if __name__ == "__main__":
    main()
