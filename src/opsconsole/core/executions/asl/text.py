"""How big a state's text is drawn: the measure a graph's boxes are sized with, and word wrapping by it.

The graph is laid out here, without Qt, but drawn by a view with real fonts.
So the caller says how wide a line is (:class:`TextMetrics`): the Qt view and
the ``opsconsole graph`` export pass metrics of the fonts they draw with; core
and its tests use :data:`DEFAULT_METRICS`, average glyph widths of those fonts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

ELLIPSIS = "…"


class TextMetrics(Protocol):
    """The two kinds of text in a graph: state names (bold) and labels (smaller), as a view draws them."""

    #: Height of one line of each kind (px), spacing included.
    name_line_height: float
    label_line_height: float

    def name_width(self, text: str) -> float:
        """Width (px) of ``text`` on one line in the name font."""
        ...

    def label_width(self, text: str) -> float:
        """Width (px) of ``text`` on one line in the label font (subtitles, edge labels, scope titles)."""
        ...


@dataclass(frozen=True)
class AverageGlyphMetrics:
    """Every character as wide as an average glyph: no font needed, the same answer everywhere."""

    name_char_width: float = 7.4  # 12 px bold
    label_char_width: float = 6.0  # 10 px
    name_line_height: float = 15.0
    label_line_height: float = 13.0

    def name_width(self, text: str) -> float:
        return len(text) * self.name_char_width

    def label_width(self, text: str) -> float:
        return len(text) * self.label_char_width


#: What a graph is sized with when the caller has no fonts to measure (tests, benchmarks).
DEFAULT_METRICS = AverageGlyphMetrics()


def wrap(text: str, width: Callable[[str], float], max_width: float, max_lines: int) -> list[str]:
    """Greedy word wrap to lines no wider than ``max_width`` as measured by ``width``.

    A word wider than a line (an ARN) is broken where it stops fitting; past
    ``max_lines`` the last line is cut and ends in an ellipsis.
    """
    lines: list[str] = []
    for word in text.split():
        while width(word) > max_width:
            cut = _fitting_prefix(word, width, max_width)
            lines.append(word[:cut])
            word = word[cut:]
        if lines and width(f"{lines[-1]} {word}") <= max_width:
            lines[-1] += " " + word
        elif word:
            lines.append(word)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        if width(last + ELLIPSIS) > max_width:
            last = last[: _fitting_prefix(last, width, max_width, ELLIPSIS)]
        lines[-1] = last.rstrip() + ELLIPSIS
    return lines or [""]


def _fitting_prefix(text: str, width: Callable[[str], float], max_width: float, suffix: str = "") -> int:
    """Length of the longest prefix of ``text`` that fits with ``suffix`` after it (at least 1: wrapping moves on)."""
    lo, hi = 1, len(text)
    while lo < hi:  # widths grow with length: bisect
        mid = (lo + hi + 1) // 2
        if width(text[:mid] + suffix) <= max_width:
            lo = mid
        else:
            hi = mid - 1
    return lo
