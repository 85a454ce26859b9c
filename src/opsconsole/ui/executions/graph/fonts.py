"""The fonts a state machine graph is drawn in, and their measure for the layout.

:func:`~opsconsole.core.executions.asl.build_graph` sizes boxes with the
metrics it is given; :func:`text_metrics` gives it these fonts' real widths, so
a box fits its text on every platform (the interactive view and the headless
``opsconsole graph`` export alike).
"""

from __future__ import annotations

import math
import threading

from PySide6.QtGui import QFont, QFontMetricsF

from opsconsole.core.executions.asl import DEFAULT_METRICS


def fonts() -> tuple[QFont, QFont]:
    """Name font (12 px bold) and detail font (10 px); :class:`FontMetrics` measures these for the layout."""
    name = QFont()
    name.setPixelSize(12)
    name.setBold(True)
    detail = QFont()
    detail.setPixelSize(10)
    return name, detail


class FontMetrics:
    """The graph's :class:`~opsconsole.core.executions.asl.TextMetrics` measured with :func:`fonts`.

    Boxes are sized with the widths the items will draw, on any platform's
    fonts. Safe to use from a worker thread (the graph is laid out off the GUI
    thread): each thread measures with fonts of its own, as Qt's font classes
    are reentrant, not thread-safe. Needs a QGuiApplication.
    """

    def __init__(self) -> None:
        self._local = threading.local()
        name, label = self._fonts()
        # At least the layout's usual spacing: lines never crowd, whatever the font says.
        self.name_line_height = max(DEFAULT_METRICS.name_line_height, math.ceil(name.lineSpacing()))
        self.label_line_height = max(DEFAULT_METRICS.label_line_height, math.ceil(label.lineSpacing()))

    def _fonts(self) -> tuple[QFontMetricsF, QFontMetricsF]:
        measured = getattr(self._local, "fonts", None)
        if measured is None:
            measured = self._local.fonts = tuple(QFontMetricsF(f) for f in fonts())
        return measured

    def name_width(self, text: str) -> float:
        return self._fonts()[0].horizontalAdvance(text)

    def label_width(self, text: str) -> float:
        return self._fonts()[1].horizontalAdvance(text)


def text_metrics() -> FontMetrics:
    """How the graph items draw text, for :func:`~opsconsole.core.executions.asl.build_graph`."""
    return FontMetrics()
