"""What checking the sandbox identities' IAM policies costs per call: admin calls (unchecked) and tenant calls.

Side by side in one sandbox, interleaved rounds: the admin's DescribeStateMachine with the access
middleware in place, then with it bypassed (the baseline), then the same call signed by the
machine's tenant (tags read, policy evaluated). Prints one JSON line per round and a summary with the
medians, the admin's ratio against the baseline, and the load average, e.g.
    {"bench": "sandbox_access", "admin_ms": 2.1, "baseline_ms": 2.1, "admin_ratio": 1.0, "tenant_ms": 5.0, ...}

Run: python benchmarks/sandbox_access.py [--rounds 7] [--calls 200]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

ARN = "arn:aws:states:eu-west-1:123456789012:stateMachine:mlops-training"


def _per_call_ms(client, calls: int) -> float:
    began = time.perf_counter()
    for _ in range(calls):
        client.describe_state_machine(stateMachineArn=ARN)
    return (time.perf_counter() - began) * 1000 / calls


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    import boto3
    from botocore.config import Config

    from opsconsole.sandbox import Sandbox
    from opsconsole.sandbox.access import AccessMiddleware

    def client(box, identity):
        return boto3.session.Session().client("stepfunctions", endpoint_url=box.endpoint_url, region_name=box.region,
                                              config=Config(retries={"max_attempts": 1}),
                                              **box.credentials_for(identity))

    checked = AccessMiddleware.__call__

    def bypassed(self, environ, start_response):
        return self.app(environ, start_response)

    rows = []
    with Sandbox(live=False) as box:
        admin, tenant = client(box, "admin"), client(box, "tenant-retail-compliance")
        _per_call_ms(admin, 20), _per_call_ms(tenant, 20)  # warm connections and caches
        for n in range(args.rounds):
            row = {"round": n + 1, "admin_ms": _per_call_ms(admin, args.calls)}
            AccessMiddleware.__call__ = bypassed
            try:
                row["baseline_ms"] = _per_call_ms(admin, args.calls)
            finally:
                AccessMiddleware.__call__ = checked
            row["tenant_ms"] = _per_call_ms(tenant, args.calls)
            rows.append(row)
            print(json.dumps({k: round(v, 3) for k, v in row.items()}), flush=True)
    medians = {key: statistics.median(r[key] for r in rows) for key in ("admin_ms", "baseline_ms", "tenant_ms")}
    print(json.dumps({"bench": "sandbox_access", "rounds": args.rounds, "calls": args.calls,
                      **{k: round(v, 3) for k, v in medians.items()},
                      "admin_ratio": round(medians["admin_ms"] / medians["baseline_ms"], 3),
                      "tenant_ratio": round(medians["tenant_ms"] / medians["baseline_ms"], 3),
                      "load_average": [round(x, 2) for x in os.getloadavg()],
                      "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
