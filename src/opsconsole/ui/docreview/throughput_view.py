"""The Throughput tab: documents reviewed per hour (chart) and time per document, per reviewer and overall."""

from __future__ import annotations

import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from opsconsole.core.docreview import throughput
from opsconsole.core.docreview.throughput import ReviewerFigures
from opsconsole.core.errors import UserError
from opsconsole.core.format import format_duration
from opsconsole.ui import theme
from opsconsole.ui.docreview.controller import DocReviewController
from opsconsole.ui.widgets.message_bar import MessageBar
from opsconsole.ui.widgets.rows_model import RowsModel

WINDOWS = ((24, "Last 24 hours"), (72, "Last 3 days"), (168, "Last 7 days"))


class FiguresModel(RowsModel[ReviewerFigures]):
    headers = ("Reviewer", "Where", "Documents", "Per hour", "Median time per document")

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        f = self.row_at(index.row())
        if f is None or role != Qt.ItemDataRole.DisplayRole:
            return None
        return (f.reviewer, f.source, str(f.documents), f"{f.per_hour:.1f}",
                format_duration(f.median_seconds) if f.median_seconds is not None else "—")[index.column()]


class ThroughputView(QWidget):
    def __init__(self, controller: DocReviewController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("docreview-throughput")
        self.controller = controller
        self.message = MessageBar()
        self.message.retry_requested.connect(self.reload)
        self.window_combo = QComboBox()
        for hours, label in WINDOWS:
            self.window_combo.addItem(label, hours)
        self.window_combo.currentIndexChanged.connect(lambda _i: self.reload())
        self.summary = QLabel("")
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setMaximumHeight(6)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.plot = pg.PlotWidget()
        self.plot.setObjectName("docreview-throughput-chart")
        self.plot.setLabel("left", "documents reviewed")
        self.plot.setLabel("bottom", "hour")
        self.plot.setAxisItems({"bottom": pg.DateAxisItem()})
        self.plot.setMenuEnabled(False)
        self.legend = self.plot.addLegend(offset=(10, 10))
        self.empty = pg.TextItem("", anchor=(0.5, 0.5))
        self.model = FiguresModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        bar = QHBoxLayout()
        bar.addWidget(self.window_combo)
        bar.addWidget(self.summary, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.plot)
        split.addWidget(self.table)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.message)
        layout.addLayout(bar)
        layout.addWidget(self.progress)
        layout.addWidget(split, 1)
        self._job = None
        self._frame = pd.DataFrame()
        theme.follow(self, lambda _t: self._draw())

    def hours(self) -> int:
        return int(self.window_combo.currentData())

    def reload(self) -> None:
        if not self.controller.connected:
            return
        if self._job is not None and self._job.active:
            self._job.cancel()
        self.message.hide()
        self.progress.show()
        self.summary.setText("Reading review outputs…")
        job = self.controller.read(throughput.load, self.controller.config, self.hours(), name="GetObject")
        self._job = job
        job.done.connect(self._on_frame)
        job.failed.connect(self._failed)

    def _failed(self, err: UserError) -> None:
        self.progress.hide()
        self.summary.setText("")
        self.message.show_error(err)

    def _on_frame(self, df: pd.DataFrame) -> None:
        self.progress.hide()
        self._frame = df
        hours = self.hours()
        everyone = throughput.overall(df, hours)
        median = format_duration(everyone.median_seconds) if everyone.median_seconds is not None else "—"
        self.summary.setText(f"{everyone.documents} documents reviewed · {everyone.per_hour:.1f} per hour · "
                             f"median {median} per document")
        self.model.set_rows(throughput.per_reviewer(df, hours))
        self._draw()

    def _draw(self) -> None:
        look = theme.current()
        self.plot.clear()
        self.legend.clear()
        self.plot.setBackground(look.base)
        for axis in ("left", "bottom"):
            self.plot.getAxis(axis).setTextPen(look.text)
            self.plot.getAxis(axis).setPen(look.muted)
        df = self._frame
        if df.empty:
            self.empty.setText("No reviews in this window yet: documents reviewed here or by A2I's workers "
                               "are counted per hour.", color=look.muted)
            self.plot.addItem(self.empty)
            self.empty.setPos(0.5, 0.5)
            self.plot.setXRange(0, 1)
            self.plot.setYRange(0, 1)
            return
        hourly = throughput.per_hour(df, by="source")
        x = [ts.timestamp() for ts in hourly.index]
        bottom = [0.0] * len(x)
        colours = [look.link, look.success, look.warning, look.danger, look.muted]
        width = 3600 * 0.8
        for i, source in enumerate(hourly.columns):
            heights = [float(v) for v in hourly[source]]
            bars = pg.BarGraphItem(x=[v + 1800 for v in x], height=heights, y0=bottom, width=width,
                                   brush=colours[i % len(colours)], pen=None, name=str(source))
            self.plot.addItem(bars)
            bottom = [b + h for b, h in zip(bottom, heights)]
        self.plot.enableAutoRange()
