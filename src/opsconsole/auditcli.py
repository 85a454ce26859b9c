"""``opsconsole audit verify [FILE]``: check the audit log's hash chain without a window.

Exit codes: 0 the chain holds (older records from before the chain are
listed, not counted as tampering), 1 a record was changed, removed or
inserted (the first one is named), 2 the file cannot be read or the
arguments are wrong.
"""

from __future__ import annotations

import argparse
import sys

PROG = "opsconsole audit"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=PROG, description="Work with the audit log of writes sent to AWS.")
    sub = p.add_subparsers(dest="command", required=True)
    v = sub.add_parser("verify", help="check the hash chain; exit 1 at the first changed, missing or inserted record")
    v.add_argument("file", nargs="?", help="audit file (default: this user's audit log)")
    return p


def main(argv: list[str]) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # argparse printed the usage and the reason
        return int(exc.code or 0)
    from opsconsole.core.audit import verify_file

    if args.file:
        path = args.file
    else:
        from opsconsole.core import paths

        path = str(paths.audit_log_path(create=False))
    try:
        report = verify_file(path)
    except OSError as exc:
        print(f"{PROG}: cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(report.summary())
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
