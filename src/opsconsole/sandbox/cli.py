"""``opsconsole-sandbox``: run the sandbox standalone until Ctrl-C / SIGTERM.

Prints the endpoint URL and a hint for the AWS CLI, e.g.
``aws stepfunctions list-state-machines --endpoint-url http://127.0.0.1:4599``.
"""

from __future__ import annotations

import argparse
import errno
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from opsconsole.sandbox.sandbox import Sandbox

DEFAULT_PORT = 4599


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="opsconsole-sandbox",
                                     description="Run opsconsole's local AWS sandbox on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help=f"port to listen on, 0 for any free port (default {DEFAULT_PORT})")
    parser.add_argument("--seed", type=int, default=7, help="scenario seed (default 7)")
    parser.add_argument("--no-live", dest="live", action="store_false",
                        help="no background executions while running")
    parser.add_argument("--faults", metavar="SPEC",
                        help="misbehave on purpose once ready: comma-separated KIND[:SERVICE[:RATE[:SECONDS]]] "
                             "with KIND throttle, 5xx, latency, reset or blackhole, "
                             "e.g. throttle:states:0.3,latency:dynamodb:1:1.5")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry point; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.faults:
        from opsconsole.sandbox.faults import FaultSpecError, parse_spec

        try:
            parse_spec(args.faults)
        except FaultSpecError as exc:
            parser.error(f"--faults: {exc}")
    stopping = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    sandbox = Sandbox(port=args.port, seed=args.seed, live=args.live, faults=args.faults)
    try:
        try:
            sandbox.start()
        except OSError as error:
            if error.errno != errno.EADDRINUSE:
                raise
            print(f"opsconsole sandbox could not start on port {args.port}: {error}; "
                  "try another --port (0 picks a free one)", file=sys.stderr, flush=True)
            return 1
        url, region = sandbox.endpoint_url, sandbox.region
        print(f"opsconsole sandbox ready at {url} (region {region}) in {sandbox.startup_seconds:.1f} s",
              flush=True)
        print(f"  try: AWS_ACCESS_KEY_ID=sandbox AWS_SECRET_ACCESS_KEY=sandbox AWS_DEFAULT_REGION={region} "
              f"aws stepfunctions list-state-machines --endpoint-url {url}", flush=True)
        print("  identities (access key = secret key; the admin's calls are never checked):", flush=True)
        print("    admin: sandbox", flush=True)
        for name in sandbox.identities():
            print(f"    {name}: {sandbox.credentials_for(name)['aws_access_key_id']}", flush=True)
        if sandbox.faults is not None:
            print(f"  injecting faults: {args.faults}", flush=True)
        print("  Ctrl-C stops it.", flush=True)
        while not stopping.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print("opsconsole sandbox stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
