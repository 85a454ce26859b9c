"""The KPI anomalies page: anomalous series ranked by severity, grouped when they broke together,
and a chart of the selected one with its expected range."""

from __future__ import annotations

from enum import IntEnum
from typing import Any

import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QHideEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from opsconsole.core.alerts import anomalies as core
from opsconsole.core.alerts.anomalies import Anomaly, AnomalyGroup, AnomalyReport
from opsconsole.core.errors import UserError
from opsconsole.core.format import format_duration, format_timestamp
from opsconsole.core.progress import Progress
from opsconsole.jobs.runner import Job
from opsconsole.ui import theme
from opsconsole.ui.context import AppContext
from opsconsole.ui.widgets.message_bar import MessageBar
from opsconsole.ui.widgets.rows_model import RowsModel
from opsconsole.ui.widgets.rows_table import rows_table

#: How often the page scans again while shown.
REFRESH_MS = 5 * 60_000


class Column(IntEnum):
    SEVERITY = 0
    GROUP = 1
    SERIES = 2
    SOURCE = 3
    EXPECTED = 4
    ACTUAL = 5
    CHANGE = 6
    START = 7
    DURATION = 8


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}".rstrip("0").rstrip(".")


class AnomaliesModel(RowsModel[tuple[AnomalyGroup, Anomaly]]):
    """One row per anomalous series, in the order of their groups' rank."""

    headers = ("Severity", "Broke together", "Series", "Judged by", "Expected", "Actual", "Change", "Since", "For")

    def set_groups(self, groups: tuple[AnomalyGroup, ...]) -> None:
        self.set_rows([(g, a) for g in groups for a in sorted(g.members, key=lambda a: -a.score)])

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self.row_at(index.row())
        if row is None:
            return None
        group, anomaly = row
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(group, anomaly, col)
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == Column.SOURCE:
                return ("The account's CloudWatch anomaly detector for this series (ANOMALY_DETECTION_BAND)"
                        if anomaly.source == core.CLOUDWATCH_BAND else
                        "No CloudWatch anomaly detector: the console's own seasonal detector (median of the same "
                        "hour on other days, robust spread)")
            if col == Column.SEVERITY:
                return f"Severity {anomaly.score:.0f} of 100; peak {anomaly.peak_score:+.1f} standard deviations"
            return self._text(group, anomaly, col)
        if role == Qt.ItemDataRole.ForegroundRole and col == Column.SEVERITY:
            look = theme.current()
            colour = {"critical": look.danger, "high": look.danger, "medium": look.warning}.get(anomaly.severity)
            return theme.qcolor(colour) if colour else None
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (Column.EXPECTED, Column.ACTUAL, Column.CHANGE):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    @staticmethod
    def _text(group: AnomalyGroup, anomaly: Anomaly, col: int) -> str:
        if col == Column.SEVERITY:
            return f"{anomaly.severity} ({anomaly.score:.0f})"
        if col == Column.GROUP:
            return group.title if group.dimension is not None else "—"
        if col == Column.SERIES:
            return anomaly.key.label
        if col == Column.SOURCE:
            return anomaly.source
        if col == Column.EXPECTED:
            return _number(anomaly.expected)
        if col == Column.ACTUAL:
            return _number(anomaly.actual)
        if col == Column.CHANGE:
            return core.describe_change(anomaly)
        if col == Column.START:
            return format_timestamp(anomaly.start)
        if col == Column.DURATION:
            return format_duration(anomaly.duration) + (" (ongoing)" if anomaly.ongoing else "")
        return ""


class SeriesChart(pg.PlotWidget):
    """One series: the expected range shaded, the expected value dashed, the actual line, anomalies marked."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, axisItems={"bottom": pg.DateAxisItem(orientation="bottom")})
        self.setMinimumHeight(180)
        self.setMenuEnabled(False)
        self.showGrid(x=True, y=True, alpha=0.15)
        self.view: core.SeriesView | None = None
        theme.follow(self, lambda _t: self.show_series(self.view))

    def show_series(self, view: core.SeriesView | None) -> None:
        self.view = view
        self.clear()
        look = theme.current()
        self.setBackground(theme.qcolor(look.base))
        for axis in ("left", "bottom"):
            self.getAxis(axis).setTextPen(theme.qcolor(look.text))
            self.getAxis(axis).setPen(theme.qcolor(look.muted))
        if view is None or view.frame.empty:
            self.setTitle("")
            self.hide()  # no empty axes before there is a series to draw
            return
        self.show()
        frame = view.frame
        x = ((frame.index - pd.Timestamp(0, tz="UTC")) / pd.Timedelta(seconds=1)).to_numpy(dtype=float)
        self.setTitle(view.key.label, color=look.text, size="9pt")
        band_colour = theme.qcolor(look.muted)
        band_colour.setAlpha(60)
        lower = self.plot(x, frame["lower"].to_numpy(), pen=pg.mkPen(band_colour))
        upper = self.plot(x, frame["upper"].to_numpy(), pen=pg.mkPen(band_colour))
        self.addItem(pg.FillBetweenItem(lower, upper, brush=pg.mkBrush(band_colour)))
        self.plot(x, frame["expected"].to_numpy(), pen=pg.mkPen(theme.qcolor(look.muted), width=1,
                                                                style=Qt.PenStyle.DashLine), name="expected")
        self.plot(x, frame["actual"].to_numpy(), pen=pg.mkPen(theme.qcolor(look.link), width=2), name="actual")
        bad = frame["flagged"].to_numpy()
        if bad.any():
            self.plot(x[bad], frame["actual"].to_numpy()[bad], pen=None, symbol="o", symbolSize=7,
                      symbolBrush=pg.mkBrush(theme.qcolor(look.danger)), symbolPen=None)


class AnomaliesView(QWidget):
    """KPI anomalies; ``load()`` scans in the background (cancelled on close or a new connection)."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.report: AnomalyReport | None = None
        self._job: Job | None = None
        self.intro = QLabel(
            "Business KPIs outside their expected range, worst first. Series that broke at the same time and "
            "share a dimension (all of one marketplace) are grouped. <b>Judged by</b> says whether the account's "
            "CloudWatch anomaly detector gave the range or, where there is none, the console's own seasonal detector.")
        self.intro.setWordWrap(True)
        self.status = QLabel("Not loaded yet.")
        self.status.setObjectName("anomalies-status")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setToolTip("Scan the KPIs again (F5)")
        self.refresh_button.clicked.connect(self.load)
        QShortcut(QKeySequence(Qt.Key.Key_F5), self, self.load, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.message_bar = MessageBar(self)
        self.message_bar.retry_requested.connect(self.load)
        self.model = AnomaliesModel(self)
        self.table = rows_table(self.model, "anomalies-table")
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # keep the dimensions' ends readable
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(Column.SERIES, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().currentRowChanged.connect(lambda current, _prev: self._show(current.row()))
        self.empty = QLabel()
        self.empty.setObjectName("anomalies-empty")
        self.empty.setWordWrap(True)
        self.empty.setTextFormat(Qt.TextFormat.PlainText)
        self.empty.hide()
        self.chart = SeriesChart()
        self.chart.hide()

        top = QHBoxLayout()
        top.addWidget(self.status, 1)
        top.addWidget(self.refresh_button)
        upper = QWidget()
        upper_layout = QVBoxLayout(upper)
        upper_layout.setContentsMargins(0, 0, 0, 0)
        upper_layout.addWidget(self.table, 1)
        upper_layout.addWidget(self.empty)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(upper)
        split.addWidget(self.chart)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(top)
        layout.addWidget(self.message_bar)
        layout.addWidget(split, 1)
        #: Scans again every few minutes while the page is shown (KPIs move on).
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(lambda: None if self.loading else self.load())
        ctx.connection_changed.connect(self._on_connection_changed)

    # -- loading -----------------------------------------------------------
    @property
    def loading(self) -> bool:
        return self._job is not None and self._job.active

    def load(self) -> None:
        """Scan the KPIs again (a scan still running stops first)."""
        self.cancel()
        self.message_bar.hide()
        if self.ctx.clients is None:
            self.status.setText("Not connected.")
            return
        self.status.setText("Reading the KPIs…")
        job = self.ctx.runner.submit(core.scan, self.ctx.clients, owner=self, name="Scan KPI anomalies")
        job.progress.connect(self._on_progress)
        job.done.connect(lambda report: self._on_done(job, report))
        job.failed.connect(lambda err: self._on_failed(job, err))
        self._job = job

    def cancel(self) -> None:
        if self._job is not None:
            self._job.cancel()
            self._job = None

    def _on_progress(self, progress: Progress) -> None:
        step = f" ({progress.done + 1} of {progress.total})" if progress.total and progress.done < progress.total else ""
        self.status.setText(f"{progress.text}{step}…")

    def _on_done(self, job: Job, report: AnomalyReport) -> None:
        if job is not self._job:
            return
        self._job = None
        self.report = report
        self.model.set_groups(report.groups)
        rows = self.model.rowCount()
        banded = sum(1 for v in report.series.values() if v.source == core.CLOUDWATCH_BAND)
        self.status.setText(
            f"{rows} anomalous series in {len(report.groups)} groups; {len(report.series)} series checked, "
            f"{banded} with a CloudWatch anomaly detector, {len(report.series) - banded} by the console's detector.")
        self.table.setVisible(rows > 0)
        self.empty.setVisible(rows == 0)
        self.empty.setText(
            "No KPI series is outside its expected range. Anomalous series (orders per marketplace and platform, "
            "items classified per country, ...) would be listed here, worst first."
            if report.series else
            "No KPI series found: the KPI namespaces (Retail/Orders, Retail/Classification, Retail/Checkout and "
            "every namespace with an anomaly detector) have no metrics in this account and region.")
        if rows:
            self.table.selectRow(0)
        else:
            self.chart.show_series(None)

    def _on_failed(self, job: Job, err: UserError) -> None:
        if job is not self._job:
            return
        self._job = None
        self.status.setText("Could not read the KPIs.")
        self.message_bar.show_error(err)

    def _show(self, row: int) -> None:
        picked = self.model.row_at(row)
        if picked is None or self.report is None:
            self.chart.show_series(None)
            return
        self.chart.show_series(self.report.series.get(picked[1].key))

    def selected(self) -> Anomaly | None:
        picked = self.model.row_at(self.table.currentIndex().row())
        return picked[1] if picked else None

    # -- lifetime ----------------------------------------------------------
    def _on_connection_changed(self, _connection: object) -> None:
        self.cancel()
        self.report = None
        self.model.set_rows([])
        self.chart.show_series(None)
        self.load()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self.timer.start()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 - Qt's name
        self.timer.stop()
        super().hideEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        self.timer.stop()
        self.cancel()
        super().closeEvent(event)


__all__ = ["AnomaliesModel", "AnomaliesView", "Column", "SeriesChart"]
