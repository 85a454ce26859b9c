"""Mutation score per package from mutmut's results in mutants/ (see docs/testing.md).

    python scripts/mutation_report.py              # the score table
    python scripts/mutation_report.py --survivors  # plus each surviving / untested mutant's name
    python scripts/mutation_report.py --files      # plus the score of each file

Score = killed (a test failed, or the mutant hung past mutmut's timeout) / all
mutants of the package. Mutants no fast test reaches ("no tests") count as not
killed: they are gaps too.
"""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

# (label, module prefix), in the order of the table; first match wins.
PACKAGES = [
    ("executions/asl", "opsconsole.core.executions.asl."),
    ("executions/history", "opsconsole.core.executions.history."),
    ("executions/actions", "opsconsole.core.executions.actions."),
    ("lexreview/similarity", "opsconsole.core.lexreview.similarity."),
    ("lexreview/ranking", "opsconsole.core.lexreview.ranking."),
    ("lexreview/deploy/steps", "opsconsole.core.lexreview.deploy.steps."),
    ("alerts", "opsconsole.core.alerts."),
    ("forecasts", "opsconsole.core.forecasts."),
    ("docreview", "opsconsole.core.docreview."),
]

STATUS = {1: "killed", 3: "killed", 36: "killed", 24: "killed", -24: "killed", 152: "killed", 255: "killed",
          0: "survived", 5: "no tests", 33: "no tests", 34: "skipped", None: "not checked"}


def main(argv: list[str]) -> int:
    root = Path(__file__).resolve().parent.parent / "mutants"
    metas = sorted(root.glob("src/**/*.py.meta"))
    if not metas:
        print(f"no results under {root}: run scripts/mutation.sh first", file=sys.stderr)
        return 2
    counts: dict[str, Counter] = defaultdict(Counter)
    by_file: dict[str, Counter] = defaultdict(Counter)
    left: dict[str, list[str]] = defaultdict(list)
    for meta in metas:
        data = json.loads(meta.read_text("utf-8"))
        source = meta.relative_to(root / "src" / "opsconsole" / "core").as_posix().removesuffix(".meta")
        for key, code in data.get("exit_code_by_key", {}).items():
            label = next((lbl for lbl, prefix in PACKAGES if key.startswith(prefix)), None)
            if label is None:
                continue
            status = STATUS.get(code, "suspicious")
            counts[label][status] += 1
            by_file[source][status] += 1
            if status != "killed":
                left[label].append(f"{status:9} {key}")
    print(f"{'package':24} {'mutants':>7} {'killed':>7} {'survived':>8} {'no tests':>8} {'other':>6} {'score':>6}")
    total = Counter()
    for label, _ in PACKAGES:
        c = counts[label]
        n = sum(c.values())
        other = n - c["killed"] - c["survived"] - c["no tests"]
        total.update(c)
        score = f"{100 * c['killed'] / n:5.1f}%" if n else "   -  "
        print(f"{label:24} {n:7} {c['killed']:7} {c['survived']:8} {c['no tests']:8} {other:6} {score:>6}")
    n = sum(total.values())
    print(f"{'all':24} {n:7} {total['killed']:7} {total['survived']:8} {total['no tests']:8} "
          f"{n - total['killed'] - total['survived'] - total['no tests']:6} {100 * total['killed'] / max(n, 1):5.1f}%")
    if "--files" in argv:
        print(f"\n{'file':40} {'mutants':>7} {'killed':>7} {'survived':>8} {'no tests':>8} {'score':>6}")
        for source in sorted(by_file):
            c = by_file[source]
            n = sum(c.values())
            print(f"{source:40} {n:7} {c['killed']:7} {c['survived']:8} {c['no tests']:8} "
                  f"{100 * c['killed'] / n:5.1f}%")
    if "--survivors" in argv:
        for label, _ in PACKAGES:
            print(f"\n## {label}")
            print("\n".join(sorted(left[label])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
