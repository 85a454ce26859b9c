"""The execution timeline: a Gantt chart of state runs, one lane per state.

Bars are coloured by how the run ended, failed attempts of retried runs are
separate light-red segments, waits (Wait states, task tokens, retry back-off)
are hatched. Map iterations overlay in their states' lanes, or get a lane each
when the Map is expanded (click its ▸ label or double-click its bar).

Drawn by one pyqtgraph item that paints only the visible lanes and merges bars
closer than a pixel, so 25,000 events draw as a few hundred rectangles: a
QGraphicsItem per run measured seconds to build and to pan at that size.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timezone

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFontMetrics, QPainter, QPalette, QPen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QToolTip, QVBoxLayout, QWidget

from opsconsole.core.executions.history.runs import RUN_STATUSES, StateRun
from opsconsole.core.executions.history.timeline import Lane, elapsed_label, lane_rows, run_arrays, timeline_lanes
from opsconsole.ui import theme
from opsconsole.core.format import format_duration, format_timestamp

RUN_STATUS_LABELS: dict[str, str] = {
    "succeeded": "Succeeded", "retried": "Retried", "caught": "Caught error", "failed": "Failed",
    "timed_out": "Timed out", "aborted": "Aborted", "running": "Running",
}
#: (status code in the painted arrays, status), least to most alarming: where bars of concurrent
#: iterations overlap, the worst outcome is the one left visible. Colours: the theme's outcomes.
_PAINT_ORDER = [(RUN_STATUSES.index(s), s)
                for s in ("succeeded", "retried", "running", "aborted", "caught", "timed_out", "failed")]
LANE_PX = 22
_MIN_BAR_PX = 3.0


class _ElapsedAxis(pg.AxisItem):
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


class _LaneAxis(pg.AxisItem):
    """Lane labels on the left; clicking a Map's ▸ label shows its iterations."""

    def __init__(self, timeline: "TimelineView") -> None:
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
        self._timeline._lane_label_clicked(lane)


class _GanttViewBox(pg.ViewBox):
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


class _GanttItem(pg.GraphicsObject):
    """Paints the visible lanes in device pixels (level of detail: bars closer than a pixel merge)."""

    def __init__(self, timeline: "TimelineView") -> None:
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
        self._t._run_clicked(index)


class TimelineView(QWidget):
    """Gantt chart of an execution's state runs: ``set_runs(runs)``, click a bar for its state."""

    state_clicked = Signal(str)
    #: The exact run clicked (a state that ran many times has many bars).
    run_clicked = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runs: list[StateRun] = []
        self.lanes: list[Lane] = []
        self.selected_state: str | None = None
        self._expanded: set[str] = set()
        self._arrays = run_arrays([])
        self._origin, self._end = 0.0, 1.0  # POSIX seconds of the chart's two ends
        self._now: datetime | None = None

        self.viewbox = _GanttViewBox()
        self.viewbox.invertY(True)
        self.viewbox.setMenuEnabled(False)
        self.lane_axis = _LaneAxis(self)
        self.time_axis = _ElapsedAxis("bottom")
        self.plot = pg.PlotWidget(viewBox=self.viewbox, axisItems={"left": self.lane_axis, "bottom": self.time_axis})
        self.plot.hideButtons()
        self.lane_axis.setStyle(tickLength=0)
        self.plot.getPlotItem().showGrid(x=True, y=False, alpha=0.15)
        self.item = _GanttItem(self)
        self.plot.addItem(self.item)
        self.viewbox.sigResized.connect(self._fit_lanes_to_height)

        self.fit_button = QPushButton("Fit")
        self.fit_button.setToolTip("Show the whole execution")
        self.fit_button.clicked.connect(self.fit)
        self.summary = QLabel()
        self.summary.setMinimumWidth(220)
        self.legend = QLabel()  # its colours: _apply_palette
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 2, 2, 2)
        bar.addWidget(self.summary, 1)
        bar.addWidget(self.legend)
        bar.addWidget(self.fit_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.plot, 1)
        self._apply_palette()

    # -- data ---------------------------------------------------------------
    def set_runs(self, runs: Sequence[StateRun], now: datetime | None = None) -> None:
        """Show ``runs``; running runs extend to ``now`` (default: the latest time in the runs)."""
        self.runs = list(runs)
        self._now = now
        self._arrays = run_arrays(self.runs, now.timestamp() if now else None)
        self._origin, self._end = self._arrays.origin, self._arrays.origin + self._arrays.span
        self._rebuild()
        self.fit()
        running = sum(1 for r in self.runs if r.status == "running")
        self.summary.setText(
            (f"Started {format_timestamp(self.runs[0].entered)} · " if self.runs else "")
            + f"{len({r.state for r in self.runs})} states · {len(self.runs):,} state runs"
            + (f" · {running:,} running" if running else ""))

    def set_expanded(self, map_state: str | None, expanded: bool = True) -> None:
        """Show (or fold) one lane per iteration of a Map state."""
        if map_state is None:
            return
        (self._expanded.add if expanded else self._expanded.discard)(map_state)
        top = self.viewbox.viewRange()[1][0]
        self._rebuild()
        self._fit_lanes_to_height(top=top)

    def select_state(self, state: str | None) -> None:
        """Highlight a state's lane (e.g. the one chosen in the history table or the graph)."""
        self.selected_state = state
        self.item.update()

    def lane_labels(self) -> list[str]:
        """The lanes as shown, top to bottom (iterations as '#i')."""
        return [lane.label for lane in self.lanes]

    def fit(self) -> None:
        """Show the whole execution and the first lanes."""
        self._fit_lanes_to_height(top=-0.5)
        self.viewbox.setXRange(0, self._end - self._origin, padding=0.02)

    def _rebuild(self) -> None:
        self.lanes = timeline_lanes(self.runs, self._expanded)
        self.item.set_rows(lane_rows(self._arrays, self.lanes), self._arrays.span)
        self._update_lane_axis()
        # Apply the new label width now, not on the next event-loop pass, so the first paint is right.
        self.plot.getPlotItem().layout.activate()

    def _update_lane_axis(self) -> None:
        metrics = QFontMetrics(self.lane_axis.font())
        texts = []
        for lane in self.lanes:
            mark = ("▾ " if lane.expanded else "▸ ") if lane.expandable else ""
            texts.append((lane.depth, mark + lane.label))
        width = min(320, max((metrics.horizontalAdvance(t) + 12 * d for d, t in texts), default=60) + 24)
        elided = [" " * d + metrics.elidedText(t, Qt.TextElideMode.ElideRight, width - 16 - 12 * d)
                  for d, t in texts]
        self.lane_axis.setTicks([[(i, t) for i, t in enumerate(elided)], []])
        self.lane_axis.setWidth(width)

    def _fit_lanes_to_height(self, *_args, top: float | None = None) -> None:
        """Keep lanes LANE_PX tall whatever the widget's height; the y-range scrolls instead of zooming."""
        height = max(self.viewbox.height(), LANE_PX)
        visible = max(height / LANE_PX, 1.0)
        if top is None:
            top = self.viewbox.viewRange()[1][0]
        bottom_limit = max(len(self.lanes) - 0.5, visible - 0.5)
        top = min(max(top, -0.5), bottom_limit - visible)
        span = self._end - self._origin
        self.viewbox.setLimits(yMin=-0.5, yMax=bottom_limit, minYRange=visible, maxYRange=visible,
                               xMin=-0.05 * span - 1, xMax=1.05 * span + 1, minXRange=0.001)
        self.viewbox.setYRange(top, top + visible, padding=0)

    # -- pointer ------------------------------------------------------------
    def _run_clicked(self, index: int) -> None:
        run = self.runs[index]
        self.select_state(run.state)
        self.run_clicked.emit(run)
        self.state_clicked.emit(run.state)

    def _lane_label_clicked(self, lane_index: int) -> None:
        if not 0 <= lane_index < len(self.lanes):
            return
        lane = self.lanes[lane_index]
        if lane.expandable:
            self.set_expanded(lane.state, not lane.expanded)
        elif lane.state:
            self.select_state(lane.state)
            self.state_clicked.emit(lane.state)

    def bar_position(self, run: StateRun) -> QPoint:
        """Where ``run``'s bar is, in the plot's viewport coordinates (for tests and tours)."""
        index = next(i for i, r in enumerate(self.runs) if r is run)
        lane = next(i for i, lane in enumerate(self.lanes) if index in lane.runs)
        start = run.entered.timestamp() - self._origin
        end = (run.exited.timestamp() if run.exited else self._end) - self._origin
        scene = self.viewbox.mapViewToScene(QPointF((start + end) / 2, lane))
        return self.plot.mapFromScene(scene)

    def describe_run(self, run: StateRun) -> str:
        """The hover text of a bar."""
        lines = [run.state + (f"  (iteration {run.iteration})" if run.iteration is not None else ""),
                 f"{RUN_STATUS_LABELS.get(run.status, run.status)} · {run.type}"
                 + (f" · {run.attempts} attempts" if run.attempts > 1 else ""),
                 f"entered {format_timestamp(run.entered)}"]
        seconds = run.duration_seconds(self._now or datetime.fromtimestamp(self._end, timezone.utc))
        if seconds is not None:
            lines.append(f"took {format_duration(seconds)}" if run.exited else f"running for {format_duration(seconds)}")
        if run.error:
            lines.append(f"{run.error}: {(run.cause or '')[:200]}")
        return "\n".join(lines)

    # -- looks ----------------------------------------------------------------
    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_palette()
        super().changeEvent(event)

    def _apply_palette(self) -> None:
        self.legend.setText(_legend_html(theme.current()))
        palette = self.palette()
        self.plot.setBackground(palette.color(QPalette.ColorRole.Base))
        text = palette.color(QPalette.ColorRole.Text)
        for axis in (self.lane_axis, self.time_axis):
            axis.setPen(QPen(text))
            axis.setTextPen(QPen(text))


def _legend_html(colors: theme.Theme) -> str:
    """The outcome swatches and the failed-attempt one, as the theme draws them."""
    swatches = [(colors.outcome[s], label) for s, label in RUN_STATUS_LABELS.items()]
    swatches.append((colors.failed_attempt, "Failed attempt"))
    return " ".join(f'<span style="{swatch.style()}">&nbsp;{label}&nbsp;</span>'
                    for swatch, label in swatches) + " ▨ waiting"
