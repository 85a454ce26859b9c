"""One item's chart: actuals, each model's p10–p90 band and p50 line into the horizon, backtest windows.

Drawn with pyqtgraph over a date axis. Each model has one colour from the
theme (distinct in light and dark); its forecast band is shaded, its backtest
(where forecasts overlap actuals) drawn dashed over the shaded window, other
quantiles as thin dotted lines. Hovering shows every value at the nearest day.
The picture exports as PNG or SVG, the values as CSV.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from opsconsole.core.forecasts.exports import write_csv
from opsconsole.core.forecasts.items import ItemView
from opsconsole.ui import theme

BAND = ("p10", "p90")
MID = "p50"
#: Days shown at first (the rest is a zoom-out away).
DEFAULT_SPAN_DAYS = 150


def _seconds(values: pd.Series) -> np.ndarray:
    """Datetimes as UTC epoch seconds (what pyqtgraph's DateAxisItem reads)."""
    return pd.to_datetime(values).to_numpy(dtype="datetime64[s]").astype("int64").astype(float)


class ForecastChart(QWidget):
    """The chart of one :class:`ItemView`; ``hovered`` carries the text shown under the cursor."""

    hovered = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("forecast-chart")
        self.view: ItemView | None = None
        self.plot = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem(utcOffset=0)})
        self.plot.setObjectName("forecast-plot")
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        self.plot.setMenuEnabled(False)
        self.legend = self.plot.addLegend(offset=(10, 10))
        self.readout = QLabel("")
        self.readout.setObjectName("forecast-readout")
        self.readout.setTextFormat(Qt.TextFormat.PlainText)  # item ids and model names are data
        self.readout.setWordWrap(True)
        self.empty = QLabel("Type an item id above to chart its actuals, the forecasts of each model "
                            "(p10–p90 band, p50 line) and the backtest windows.")
        self.empty.setObjectName("forecast-chart-empty")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.empty)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.readout)
        self.plot.hide()
        #: name -> the plotted items of each drawn part (for tests and hover)
        self.curves: dict[str, pg.GraphicsObject] = {}
        self._hover_x: np.ndarray = np.array([])
        self._hover_rows: list[str] = []
        self._proxy = pg.SignalProxy(self.plot.scene().sigMouseMoved, rateLimit=30, slot=self._on_mouse)
        self.apply_theme()

    # -- drawing -------------------------------------------------------------------
    def apply_theme(self) -> None:
        t = theme.current()
        self.plot.setBackground(t.base)
        for axis in ("left", "bottom"):
            ax = self.plot.getAxis(axis)
            ax.setTextPen(t.text)
            ax.setPen(t.muted)
        self.legend.setLabelTextColor(t.text)
        self.legend.setBrush(pg.mkBrush(QColor(t.base).lighter(100)))
        if self.view is not None:
            self.show_item(self.view)

    def clear(self, message: str | None = None) -> None:
        self.plot.clear()
        self.legend.clear()
        self.curves.clear()
        self.view = None
        self.readout.clear()
        if message:
            self.empty.setText(message)
        self.empty.show()
        self.plot.hide()

    def show_item(self, view: ItemView) -> None:
        t = theme.current()
        self.plot.clear()
        self.legend.clear()
        self.curves.clear()
        self.view = view
        self.empty.hide()
        self.plot.show()
        self.plot.setTitle(f"{view.item_id} · tenant {view.tenant}", color=t.text)
        colours = t.forecast_models or (t.link, t.warning)
        for i, series in enumerate(view.series):
            colour = QColor(colours[i % len(colours)])
            self._draw_backtest(series, colour)
            self._draw_forecast(series, colour)
        if len(view.actuals):
            x = _seconds(view.actuals["timestamp"])
            item = self.plot.plot(x, view.actuals["target_value"].to_numpy(dtype=float),
                                  pen=pg.mkPen(t.forecast_actuals, width=1.6), name="actuals")
            self.curves["actuals"] = item
        self._prepare_hover()
        self.plot.enableAutoRange()
        if len(self._hover_x):
            # The last months and the horizon, where the models differ; the whole history is a zoom-out away.
            end = float(self._hover_x[-1])
            self.plot.setXRange(max(float(self._hover_x[0]), end - DEFAULT_SPAN_DAYS * 86400), end, padding=0.02)

    def _draw_forecast(self, series, colour: QColor) -> None:
        fc = series.forecast
        if not len(fc) or "date" not in fc:
            return
        x = _seconds(fc["date"])
        self._band(series.model, "forecast", x, fc, colour, alpha=70)
        if MID in fc:
            self.curves[f"{series.model} p50"] = self.plot.plot(
                x, fc[MID].to_numpy(dtype=float), pen=pg.mkPen(colour, width=2.2), name=f"{series.model} p50")
        self._other_quantiles(series.model, "forecast", x, fc, colour)

    def _draw_backtest(self, series, colour: QColor) -> None:
        bt = series.backtest
        if not len(bt) or "timestamp" not in bt:
            return
        for (start, end), rows in bt.groupby(["backtestwindow_start_time", "backtestwindow_end_time"], sort=True):
            region = pg.LinearRegionItem(values=(_seconds(pd.Series([start]))[0], _seconds(pd.Series([end]))[0]),
                                         movable=False, brush=pg.mkBrush(QColor(theme.current().muted).red(),
                                                                         QColor(theme.current().muted).green(),
                                                                         QColor(theme.current().muted).blue(), 22))
            region.setZValue(-20)
            for line in region.lines:
                line.setPen(pg.mkPen(None))
            self.plot.addItem(region)
            self.curves.setdefault(f"window {pd.Timestamp(start):%Y-%m-%d}", region)
            x = _seconds(rows["timestamp"])
            self._band(series.model, f"backtest {pd.Timestamp(start):%Y-%m-%d}", x, rows, colour, alpha=35)
            if MID in rows:
                self.curves[f"{series.model} backtest p50 {pd.Timestamp(start):%Y-%m-%d}"] = self.plot.plot(
                    x, rows[MID].to_numpy(dtype=float), pen=pg.mkPen(colour, width=1.4, style=Qt.PenStyle.DashLine))

    def _band(self, model: str, part: str, x: np.ndarray, frame: pd.DataFrame, colour: QColor, alpha: int) -> None:
        if not all(c in frame for c in BAND):
            return
        low = pg.PlotDataItem(x, frame[BAND[0]].to_numpy(dtype=float), pen=pg.mkPen(None))
        high = pg.PlotDataItem(x, frame[BAND[1]].to_numpy(dtype=float), pen=pg.mkPen(None))
        fill = QColor(colour)
        fill.setAlpha(alpha)
        band = pg.FillBetweenItem(low, high, brush=pg.mkBrush(fill))
        band.setZValue(-10)
        self.plot.addItem(band)
        self.curves[f"{model} {part} p10–p90"] = band

    def _other_quantiles(self, model: str, part: str, x: np.ndarray, frame: pd.DataFrame, colour: QColor) -> None:
        for col in frame.columns:
            if col in ("date", "timestamp", MID, *BAND) or not (col == "mean" or col.startswith("p")):
                continue
            self.curves[f"{model} {col}"] = self.plot.plot(
                x, frame[col].to_numpy(dtype=float), pen=pg.mkPen(colour, width=1, style=Qt.PenStyle.DotLine),
                name=f"{model} {col}")

    # -- hover ---------------------------------------------------------------------------
    def _prepare_hover(self) -> None:
        """One sorted list of days and what each shows, so hovering is a binary search."""
        view = self.view
        if view is None:
            return
        parts = [view.actuals.rename(columns={"target_value": "actual"}).set_index("timestamp")[["actual"]]]
        for s in view.series:
            if len(s.forecast) and "date" in s.forecast:
                cols = [c for c in s.forecast.columns if c != "date"]
                parts.append(s.forecast.set_index("date")[cols].add_prefix(f"{s.model} "))
            if len(s.backtest) and MID in s.backtest:
                parts.append(s.backtest.set_index("timestamp")[[MID]].add_prefix(f"{s.model} backtest "))
        frame = pd.concat([p[~p.index.duplicated()] for p in parts], axis=1).sort_index()
        self._hover_x = _seconds(pd.Series(frame.index))
        self._hover_rows = [
            f"{pd.Timestamp(ts):%Y-%m-%d}  " + "  ".join(f"{k}: {v:,.1f}" for k, v in row.items() if pd.notna(v))
            for ts, row in frame.iterrows()
        ]

    def value_text_at(self, x: float) -> str:
        if not len(self._hover_x):
            return ""
        i = int(np.clip(np.searchsorted(self._hover_x, x), 0, len(self._hover_x) - 1))
        if i > 0 and abs(self._hover_x[i - 1] - x) < abs(self._hover_x[i] - x):
            i -= 1
        return self._hover_rows[i]

    def _on_mouse(self, event) -> None:
        pos: QPointF = event[0]
        if not self.plot.sceneBoundingRect().contains(pos) or self.view is None:
            return
        x = self.plot.getPlotItem().vb.mapSceneToView(pos).x()
        text = self.value_text_at(x)
        self.readout.setText(text)
        self.hovered.emit(text)

    # -- export --------------------------------------------------------------------------
    def export_image(self, path: str | Path) -> None:
        """PNG or SVG, by the file's extension.

        SVG is drawn through Qt's own SVG generator: pyqtgraph's SVG exporter
        fails on the filled band's path with this Qt.
        """
        path = str(path)
        if path.lower().endswith(".svg"):
            from PySide6.QtGui import QPainter
            from PySide6.QtSvg import QSvgGenerator

            gen = QSvgGenerator()
            gen.setFileName(path)
            gen.setSize(self.plot.size())
            gen.setViewBox(self.plot.rect())
            gen.setTitle(self.view.item_id if self.view else "forecast")
            painter = QPainter(gen)
            self.plot.render(painter)
            painter.end()
            return
        from pyqtgraph import exporters

        exporters.ImageExporter(self.plot.getPlotItem()).export(path)

    def export_csv(self, path: str | Path) -> int:
        if self.view is None:
            return 0
        return write_csv(self.view.as_csv_frame(), path)
