"""``opsconsole graph DEFINITION.json --out FILE.png|FILE.svg``: draw a state machine without a window.

Exit codes: 0 written, 1 a file could not be read or written, 2 invalid
arguments, JSON or Amazon States Language (the reason goes to stderr on one line).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

PROG = "opsconsole graph"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=PROG, description="Render a Step Functions state machine definition "
                                                       "to a PNG or SVG file.")
    p.add_argument("definition", help="ASL definition file (JSON)")
    p.add_argument("--out", required=True, help="output file: .png or .svg")
    p.add_argument("--width", type=int, help="PNG width in pixels (default: twice the natural size)")
    return p


def _fail(reason: str, code: int) -> int:
    # The reason may quote user text; keep the promise of one line.
    print(f"{PROG}: {' '.join(reason.split())}", file=sys.stderr)
    return code


def _use_offscreen_if_headless() -> None:
    """Pick Qt's offscreen platform when there is no display to connect to.

    Must run before Qt is imported: the platform plugin is chosen when the
    application object is created and cannot change afterwards.
    """
    if os.environ.get("QT_QPA_PLATFORM"):
        return
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"


def main(argv: list[str]) -> int:
    """Run the command; returns the exit code."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # argparse already printed the usage and reason
        return int(exc.code or 0)
    out = Path(args.out)
    if out.suffix.lower() not in (".png", ".svg"):
        return _fail(f"--out {args.out}: the file name must end in .png or .svg", 2)
    if args.width is not None and not 16 <= args.width <= 16000:
        return _fail("--width must be between 16 and 16000 pixels", 2)
    try:
        text = Path(args.definition).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return _fail(f"cannot read {args.definition}: {getattr(exc, 'strerror', None) or exc}", 1)

    from opsconsole.core.executions.asl import AslError, build_graph, parse_definition

    try:
        definition = parse_definition(text)  # checked before Qt starts: a bad file fails fast
    except AslError as exc:
        return _fail(str(exc), 2)

    _use_offscreen_if_headless()
    from PySide6.QtWidgets import QApplication

    from opsconsole.ui.executions.graph.export import render_graph
    from opsconsole.ui.executions.graph.fonts import text_metrics

    # Kept in a local for the duration of the render: drawing (and measuring text) needs a live application.
    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "opsconsole"])  # noqa: F841
    graph = build_graph(definition, text_metrics())
    try:
        render_graph(graph, out, width=args.width)
    except OSError as exc:
        return _fail(f"cannot write {args.out}: {exc.strerror or exc}", 1)
    print(f"wrote {out} ({graph.state_count} states)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
