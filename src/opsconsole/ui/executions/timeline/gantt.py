"""The timeline's chart pieces: the elapsed-time and lane axes, zoom and pan, and the item that paints the bars.

Bars are coloured by how the run ended, failed attempts of retried runs are
separate light-red segments, waits (Wait states, task tokens, retry back-off)
are hatched.

Drawn by one pyqtgraph item that paints only the visible lanes and merges bars
closer than a pixel, so 25,000 events draw as a few hundred rectangles: a
QGraphicsItem per run measured seconds to build and to pan at that size.
"""

from __future__ import annotations

import math
from typing import Protocol

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPalette
from PySide6.QtWidgets import QToolTip

from opsconsole.core.executions.history.runs import RUN_STATUSES, StateRun
from opsconsole.core.executions.history.timeline import Lane, elapsed_label
from opsconsole.ui import theme

#: (status code in the painted arrays, status), least to most alarming: where bars of concurrent
#: iterations overlap, the worst outcome is the one left visible. Colours: the theme's outcomes.
_PAINT_ORDER = [(RUN_STATUSES.index(s), s)
                for s in ("succeeded", "retried", "running", "aborted", "caught", "timed_out", "failed")]
_MIN_BAR_PX = 3.0


class Timeline(Protocol):
    """What the chart's items read from, and report clicks to, the timeline widget that holds them."""

    runs: list[StateRun]
    lanes: list[Lane]
    selected_state: str | None

    def palette(self) -> QPalette: ...

    def describe_run(self, run: StateRun) -> str: ...

    def set_expanded(self, map_state: str | None, expanded: bool = True) -> None: ...

    def on_bar_clicked(self, index: int) -> None: ...

    def on_lane_label_clicked(self, lane_index: int) -> None: ...


class ElapsedAxis(pg.AxisItem):
    """Time since the execution started, in round steps (1 s, 5 m, 1 h...)."""

    _STEPS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600,
              900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800, 2592000)

    def tickSpacing(self, minVal: float, maxVal: float, size: float):  # noqa: N802, N803 - pyqtgraph API
        span = max(maxVal - minVal, 1e-6)
        wanted = span / max(size / 110.0, 1.0)  # about one label per 110 px
        major = next((s for s in self._STEPS if s >= wanted), self._STEPS[-1])
        minor = next((s for s in reversed(self._STEPS) if s <= major / 4), major / 5)
        return [(major, 0), (minor, 0)]

    def tickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph API
        return [elapsed_label(max(v, 0.0), spacing) for v in values]


class LaneAxis(pg.AxisItem):
    """Lane labels on the left; clicking a Map's ▸ label shows its iterations."""

    def __init__(self, timeline: Timeline) -> None:
        super().__init__("left")
        self._timeline = timeline

    def generateDrawSpecs(self, p):  # noqa: N802 - pyqtgraph API
        """Labels left-aligned and indented by nesting depth (leading spaces, one per level)."""
        specs = super().generateDrawSpecs(p)
        if specs is None:
            return None
        axis, ticks, texts = specs
        width = self.geometry().width()
        aligned = []
        for rect, _flags, text in texts:
            depth = len(text) - len(text.lstrip(" "))
            indent = 6 + 12 * depth
            aligned.append((QRectF(indent, rect.y(), max(width - indent - 8, 10), rect.height()),
                            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text.lstrip(" ")))
        return axis, ticks, aligned

    def mouseClickEvent(self, ev) -> None:  # noqa: N802 - pyqtgraph API
        if ev.button() != Qt.MouseButton.LeftButton:
            return
        vb = self.linkedView()
        lane = int(round(vb.mapSceneToView(ev.scenePos()).y()))
        ev.accept()
        self._timeline.on_lane_label_clicked(lane)


class GanttViewBox(pg.ViewBox):
    """Wheel and right-drag zoom time only; left-drag pans time and lanes; Shift+wheel scrolls lanes."""

    def wheelEvent(self, ev, axis=None) -> None:  # noqa: N802 - pyqtgraph API
        if ev.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.translateBy(y=-math.copysign(3, ev.delta()))
            ev.accept()
            return
        super().wheelEvent(ev, axis=0)

    def mouseDragEvent(self, ev, axis=None) -> None:  # noqa: N802 - pyqtgraph API
        if ev.button() == Qt.MouseButton.RightButton:
            ev.accept()
            dx = ev.screenPos().x() - ev.lastScreenPos().x()
            center = self.mapSceneToView(ev.buttonDownScenePos(Qt.MouseButton.RightButton))
            self.scaleBy(x=0.98 ** dx, center=center)
            return
        super().mouseDragEvent(ev, axis)


class GanttItem(pg.GraphicsObject):
    """Paints the visible lanes in device pixels (level of detail: bars closer than a pixel merge)."""

    def __init__(self, timeline: Timeline) -> None:
        super().__init__()
        self._t = timeline
        self.setAcceptHoverEvents(True)
        self.rows: list[dict[str, np.ndarray]] = []
        self.span = 1.0

    def set_rows(self, rows: list[dict[str, np.ndarray]], span: float) -> None:
        """Paint these per-lane arrays (see :func:`lane_rows`)."""
        self.prepareGeometryChange()
        self.rows, self.span = rows, span
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt API
        return QRectF(0.0, -0.5, self.span, max(len(self.rows), 1))

    def paint(self, p: QPainter, *args) -> None:
        vb = self.getViewBox()
        if vb is None or not self.rows:
            return
        view = vb.viewRect()
        tr = p.transform()
        sx, dx, sy, dy = tr.m11(), tr.dx(), tr.m22(), tr.dy()
        width = vb.width() + abs(dx) + 10
        first = max(0, int(math.floor(view.top() - 0.5)))
        last = min(len(self.rows) - 1, int(math.ceil(view.bottom() + 0.5)))
        p.save()
        p.resetTransform()
        p.setPen(Qt.PenStyle.NoPen)
        colors = theme.current()
        band = QColor(self._t.palette().color(QPalette.ColorRole.Text))
        band.setAlpha(14)
        selected = self._t.selected_state
        for lane_index in range(first, last + 1):
            row = self.rows[lane_index]
            top = (lane_index - 0.5) * sy + dy
            if lane_index % 2:
                p.fillRect(QRectF(dx - 1e6, top, 2e6 + width, sy), band)
            if selected and self._t.lanes[lane_index].state == selected:
                highlight = QColor(self._t.palette().color(QPalette.ColorRole.Highlight))
                highlight.setAlpha(60)
                p.fillRect(QRectF(0, top, width * 4, sy), highlight)
            y, h = (lane_index - 0.33) * sy + dy, 0.66 * sy
            for code, status in _PAINT_ORDER:
                mask = row["status"] == code
                if mask.any():
                    self._bars(p, row["start"][mask], row["end"][mask], sx, dx, y, h, width,
                               QBrush(QColor(colors.outcome[status].fill)))
            if len(row["fail_start"]):
                # The lower part of the bar only: where iterations overlap, retries mark the lane
                # without hiding how the runs ended.
                self._bars(p, row["fail_start"], row["fail_end"], sx, dx, y + h * 0.55, h * 0.45, width,
                           QBrush(QColor(colors.failed_attempt.fill)))
            if len(row["wait_start"]):
                hatch = QBrush(theme.qcolor(colors.wait_hatch, colors.wait_hatch_alpha), Qt.BrushStyle.BDiagPattern)
                # A hatch narrower than a few pixels cannot be seen; skipping those keeps dense lanes clear.
                self._bars(p, row["wait_start"], row["wait_end"], sx, dx, y, h, width, hatch, min_px=0.0,
                           skip_below_px=4.0)
        p.restore()

    @staticmethod
    def _bars(p: QPainter, start: np.ndarray, end: np.ndarray, sx: float, dx: float, y: float, h: float,
              width: float, brush: QBrush, min_px: float = _MIN_BAR_PX, skip_below_px: float = 0.0) -> None:
        x0 = start * sx + dx
        x1 = np.maximum(end * sx + dx, x0 + min_px)
        keep = (x1 >= 0) & (x0 <= width)
        if skip_below_px:
            keep &= (x1 - x0) >= skip_below_px
        if not keep.any():
            return
        x0, x1 = np.clip(x0[keep], -2, width), np.clip(x1[keep], -2, width)
        order = np.argsort(x0, kind="stable")
        x0, x1 = x0[order], x1[order]
        reach = np.maximum.accumulate(x1)
        # A new rectangle starts only where a bar begins past everything drawn so far (+1 px).
        starts = np.flatnonzero(np.r_[True, x0[1:] > reach[:-1] + 1.0])
        ends = np.r_[starts[1:], len(x0)] - 1
        rects = [QRectF(a, y, b - a, h) for a, b in zip(x0[starts].tolist(), reach[ends].tolist())]
        p.setBrush(brush)
        p.drawRects(rects)

    # -- pointer ------------------------------------------------------------
    def run_at(self, pos: QPointF) -> int | None:
        """Index (into the timeline's runs) of the run under an item-coordinates point."""
        lane = int(round(pos.y()))
        if not 0 <= lane < len(self.rows):
            return None
        row = self.rows[lane]
        vb = self.getViewBox()
        slack = (vb.viewPixelSize()[0] if vb else 0.0) * (_MIN_BAR_PX + 1)
        hits = np.flatnonzero((row["start"] - slack <= pos.x()) & (pos.x() <= np.maximum(
            row["end"], row["start"] + slack) + slack))
        if not len(hits):
            return None
        # Several overlapping (concurrent iterations): the one that started last before the pointer.
        return int(row["run"][hits[np.argmax(row["start"][hits])]])

    def hoverEvent(self, ev) -> None:  # noqa: N802 - pyqtgraph API
        if ev.isExit():
            QToolTip.hideText()
            return
        index = self.run_at(ev.pos())
        if index is None:
            QToolTip.hideText()
            return
        QToolTip.showText(ev.screenPos().toPoint(), self._t.describe_run(self._t.runs[index]))

    def mouseClickEvent(self, ev) -> None:  # noqa: N802 - pyqtgraph API
        if ev.button() != Qt.MouseButton.LeftButton:
            return
        index = self.run_at(ev.pos())
        if index is None:
            return
        ev.accept()
        if ev.double():
            lane = self._t.lanes[int(round(ev.pos().y()))]
            if lane.expandable:
                self._t.set_expanded(lane.state, not lane.expanded)
            return
        self._t.on_bar_clicked(index)

