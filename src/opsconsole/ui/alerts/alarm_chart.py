"""One alarm's metric drawn with pyqtgraph: the threshold line or the shaded band, breaching points,
and the alarm's states over the same time axis underneath.

Drawing stays cheap for long series: the curve is clipped to the visible range
and downsampled to the screen's width (peak mode keeps spikes), so panning a
100,000-point series redraws a few thousand points per frame.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QPainter, QPen
from PySide6.QtWidgets import QVBoxLayout, QWidget

from opsconsole.core.alerts.charts import ChartData
from opsconsole.core.alerts.history import StateSpan
from opsconsole.ui import theme


class BandItem(pg.GraphicsObject):
    """The expected band, shaded between its upper and lower bound.

    Painted from the visible slice only, reduced to about two points per
    pixel column (highest upper, lowest lower per column), so a band of
    100,000 points costs what one of a few thousand does. (pyqtgraph's
    FillBetweenItem rebuilds and fills the whole path on every pan.)
    """

    def __init__(self) -> None:
        super().__init__()
        self.times = np.empty(0)
        self.upper = np.empty(0)
        self.lower = np.empty(0)
        self.brush = pg.mkBrush(0, 0, 0, 40)
        self.pen = pg.mkPen(0, 0, 0, 120)
        self._bounds = QRectF()

    def set_band(self, times: np.ndarray, upper: np.ndarray, lower: np.ndarray) -> None:
        self.prepareGeometryChange()
        self.times, self.upper, self.lower = times, upper, lower
        if times.size:
            top, bottom = float(np.nanmax(upper)), float(np.nanmin(lower))
            self._bounds = QRectF(float(times[0]), bottom, float(times[-1] - times[0]) or 1.0, (top - bottom) or 1.0)
        else:
            self._bounds = QRectF()
        self.update()

    def set_style(self, brush: QBrush, pen: QPen) -> None:
        self.brush, self.pen = brush, pen
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt name
        return self._bounds

    def visible_points(self, width_px: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(times, upper, lower) of the visible part, at most about 2 x ``width_px`` points."""
        view = self.getViewBox()
        t = self.times
        if view is None or t.size == 0:
            return t, self.upper, self.lower
        (x0, x1), _ = view.viewRange()
        i0 = max(int(np.searchsorted(t, x0)) - 1, 0)
        i1 = min(int(np.searchsorted(t, x1)) + 1, t.size)
        t, up, lo = t[i0:i1], self.upper[i0:i1], self.lower[i0:i1]
        step = max(1, t.size // max(2 * width_px, 1))
        if step > 1 and t.size:
            starts = np.arange(0, t.size, step)
            t, up, lo = t[starts], np.maximum.reduceat(up, starts), np.minimum.reduceat(lo, starts)
        return t, up, lo

    def paint(self, painter: QPainter, *_args: object) -> None:
        view = self.getViewBox()
        width = int(view.width()) if view is not None else 1000
        t, up, lo = self.visible_points(width)
        if t.size < 2:
            return
        outline = pg.arrayToQPath(np.concatenate([t, t[::-1]]), np.concatenate([up, lo[::-1]]))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.fillPath(outline, self.brush)
        painter.setPen(self.pen)
        painter.drawPath(pg.arrayToQPath(t, up))
        painter.drawPath(pg.arrayToQPath(t, lo))


class AlarmChart(QWidget):
    """The metric chart and, linked to its time axis, the state timeline."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem("bottom")})
        self.plot.setObjectName("alarm-chart")
        self.plot.setMinimumHeight(180)
        self.plot.showGrid(x=False, y=True, alpha=0.15)  # horizontal lines only: a vertical grid costs a frame
        # Grid lines at the labelled values only: the minor ones (30-40 semi-transparent lines across the
        # chart) took 2.5 ms of every frame while panning.
        self.plot.getPlotItem().getAxis("left").setStyle(maxTickLevel=0)
        self.plot.setMouseEnabled(x=True, y=False)
        item = self.plot.getPlotItem()
        item.setClipToView(True)
        item.setDownsampling(auto=True, mode="peak")
        item.hideButtons()
        self.timeline = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem("bottom")})
        self.timeline.setObjectName("alarm-timeline")
        self.timeline.setFixedHeight(64)
        self.timeline.setMouseEnabled(x=True, y=False)
        self.timeline.getPlotItem().hideAxis("left")
        self.timeline.getPlotItem().hideButtons()
        self.timeline.setYRange(0, 1, padding=0)
        self.timeline.setXLink(self.plot)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.timeline)

        self.curve = pg.PlotDataItem(name="metric")
        self.band = BandItem()
        self.threshold_line = pg.InfiniteLine(angle=0, movable=False)
        self.breaches = pg.ScatterPlotItem(size=8, symbol="o")
        self.state_bars: pg.BarGraphItem | None = None
        for it in (self.band, self.curve, self.threshold_line, self.breaches):
            self.plot.addItem(it)
        self.threshold_line.hide()
        self.data: ChartData | None = None
        self.spans: list[StateSpan] = []
        self.message = pg.TextItem(anchor=(0.5, 0.5))
        self.plot.addItem(self.message, ignoreBounds=True)
        theme.follow(self, lambda _t: self._restyle())

    # -- data --------------------------------------------------------------------
    def set_data(self, data: ChartData) -> None:
        self.data = data
        self.message.setText("")
        self.curve.setData(data.times, data.values)
        if data.has_band:
            self.band.set_band(data.band_times, data.upper, data.lower)
            self.band.show()
        else:
            self.band.set_band(np.empty(0), np.empty(0), np.empty(0))
            self.band.hide()
        if data.threshold is not None and not data.has_band:
            self.threshold_line.setValue(float(data.threshold))
            self.threshold_line.show()
        else:
            self.threshold_line.hide()
        hit = data.breaching if data.breaching.size == data.values.size else np.zeros(data.values.size, bool)
        self.breaches.setData(data.times[hit], data.values[hit])
        self._restyle()
        if data.times.size:
            self.plot.enableAutoRange(axis="y")
            self.plot.setXRange(float(data.times[0]), float(data.times[-1]), padding=0.01)
        else:
            self.show_message("No datapoints in this range")

    def set_range(self, start: float, end: float) -> None:
        self.plot.setXRange(start, end, padding=0)

    def set_spans(self, spans: Sequence[StateSpan]) -> None:
        self.spans = list(spans)
        if self.state_bars is not None:
            self.timeline.removeItem(self.state_bars)
            self.state_bars = None
        if spans:
            t = theme.current()
            x0 = np.array([s.start.timestamp() for s in spans])
            x1 = np.array([s.end.timestamp() for s in spans])
            brushes = [pg.mkBrush(theme.qcolor(t.alarm.get(s.state, t.alarm["INSUFFICIENT_DATA"]).fill))
                       for s in spans]
            self.state_bars = pg.BarGraphItem(x0=x0, x1=x1, y0=0.15, height=0.7, brushes=brushes,
                                              pens=[pg.mkPen(None)] * len(spans))
            self.timeline.addItem(self.state_bars)

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        (x0, x1), (y0, y1) = self.plot.viewRange()
        self.message.setPos((x0 + x1) / 2, (y0 + y1) / 2)

    def clear(self) -> None:
        self.data = None
        self.curve.setData([], [])
        self.band.set_band(np.empty(0), np.empty(0), np.empty(0))
        self.breaches.setData([], [])
        self.threshold_line.hide()
        self.band.hide()
        self.set_spans([])

    # -- looks ---------------------------------------------------------------------
    def _restyle(self) -> None:
        t = theme.current()
        for w in (self.plot, self.timeline):
            w.setBackground(theme.qcolor(t.base))
            for axis in ("bottom", "left"):
                ax = w.getPlotItem().getAxis(axis)
                ax.setPen(pg.mkPen(theme.qcolor(t.muted)))
                ax.setTextPen(pg.mkPen(theme.qcolor(t.text)))
        # One pixel wide: Qt draws thin lines directly, wider ones through its stroker, which took
        # half of a panning frame over thousands of points.
        self.curve.setPen(pg.mkPen(theme.qcolor(t.link), width=1))
        # Solid: dashes over thousands of segments are slow to draw.
        self.band.set_style(pg.mkBrush(theme.qcolor(t.muted, 60)), pg.mkPen(theme.qcolor(t.muted, 160), width=1))
        self.threshold_line.setPen(pg.mkPen(theme.qcolor(t.danger), width=1.5, style=Qt.PenStyle.DashLine))
        self.breaches.setBrush(pg.mkBrush(theme.qcolor(t.danger)))
        self.breaches.setPen(pg.mkPen(theme.qcolor(t.base)))
        self.message.setColor(theme.qcolor(t.muted))
        if self.spans:
            self.set_spans(self.spans)
