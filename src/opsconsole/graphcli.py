"""``opsconsole graph DEFINITION.json --out FILE.png|FILE.svg``: draw a state machine without a window.

Exit codes: 0 written, 1 a file could not be read or written, 2 invalid
arguments, JSON or Amazon States Language, or a PNG that cannot be drawn at
the size asked for (the reason goes to stderr on one line; never a traceback).
JSON AWS would refuse is refused here too: NaN, Infinity, duplicate keys,
lone surrogates, nesting deeper than 512 levels, numbers over 400 digits.
A PNG is at most 16,000 px a side and 60 megapixels: ``--width`` is honoured
exactly or refused, and a graph too big to be legible as a PNG is refused with
the advice to write SVG.
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


#: A PNG drawn smaller than this (against the natural size) cannot be read: refused, SVG suggested.
MIN_PNG_SCALE = 0.5


def _png_size_problem(w: float, h: float, width: int | None) -> str:
    """Why a PNG of a ``w`` x ``h`` graph cannot be written at ``width`` (or by default), "" when it can."""
    from opsconsole.ui.executions.graph.export import MAX_PNG_PIXELS, MAX_PNG_SIDE

    w, h = max(w, 1.0), max(h, 1.0)
    scale = width / w if width else 2.0
    out_w, out_h = round(w * scale), round(h * scale)
    fits = max(out_w, out_h) <= MAX_PNG_SIDE and out_w * out_h <= MAX_PNG_PIXELS
    if fits:
        return ""
    limit = f"over the PNG limit of {MAX_PNG_SIDE:,} px a side and {MAX_PNG_PIXELS // 1_000_000} megapixels"
    if width:
        return (f"--width {width} would make a {out_w:,} x {out_h:,} px image, {limit}; "
                "give a smaller --width or write .svg")
    best = min(MAX_PNG_SIDE / max(w, h), (MAX_PNG_PIXELS / (w * h)) ** 0.5)
    if best < MIN_PNG_SCALE:
        return (f"the graph is {round(w):,} x {round(h):,} px; a PNG within the limits would be drawn at "
                f"{best:.0%} and be unreadable: write .svg instead")
    return ""


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
    try:
        graph = build_graph(definition, text_metrics())
    except RecursionError:
        return _fail("the definition nests too deeply to draw", 2)
    if out.suffix.lower() == ".png":
        problem = _png_size_problem(graph.width, graph.height, args.width)
        if problem:
            return _fail(problem, 2)
    try:
        render_graph(graph, out, width=args.width)
    except OSError as exc:
        return _fail(f"cannot write {args.out}: {exc.strerror or exc}", 1)
    print(f"wrote {out} ({graph.state_count} states)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
