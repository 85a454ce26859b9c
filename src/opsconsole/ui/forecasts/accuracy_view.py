"""Accuracy per item, window and model (worst first), and one model against another."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSplitter, QVBoxLayout, QWidget

from opsconsole.core.forecasts import ModelAccuracy
from opsconsole.core.forecasts.accuracy import Ranking, rank
from opsconsole.jobs.runner import JobRunner
from opsconsole.ui.forecasts.tables import RecordsModel, make_table

METRICS = ("WAPE", "wQL mean", "RMSE", "MAPE", "MASE")
ITEM_HEADERS = ("Item", "Model", "Window start", "WAPE", "wQL mean", "wQL[0.1]", "wQL[0.5]", "wQL[0.9]", "RMSE",
                "MAPE", "MASE", "Points", "Export rows")
WINDOW_HEADERS = ("Model", "Window start", "WAPE", "wQL[0.1]", "wQL[0.5]", "wQL[0.9]", "RMSE", "MAPE", "MASE", "Items")
COMPARE_HEADERS = ("Item", "A", "B", "B − A", "Better")


class AccuracyView(QWidget):
    """``open_item(item_id)``: the user asked to chart the item of a row (Enter or double-click)."""

    open_item = Signal(str)
    #: The tables show the latest ranking.
    ranked = Signal()

    def __init__(self, runner: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self._job = None
        #: The application is quitting: start nothing more.
        self.closing = False
        self.results: list[ModelAccuracy] = []
        self.metric = QComboBox()
        self.metric.setObjectName("forecast-accuracy-metric")
        self.metric.addItems(METRICS)
        self.items_model = RecordsModel(ITEM_HEADERS, self)
        self.items = make_table(self.items_model, "forecast-accuracy-items")
        self.items.doubleClicked.connect(self._open_row)
        self.items.activated.connect(self._open_row)
        self.trace = QLabel("")
        self.trace.setObjectName("forecast-accuracy-trace")
        self.trace.setTextFormat(Qt.TextFormat.PlainText)
        self.trace.setWordWrap(True)
        self.windows_model = RecordsModel(WINDOW_HEADERS, self)
        self.windows = make_table(self.windows_model, "forecast-accuracy-windows")
        self.model_a, self.model_b = QComboBox(), QComboBox()
        self.model_a.setObjectName("forecast-compare-a")
        self.model_b.setObjectName("forecast-compare-b")
        for combo in (self.model_a, self.model_b):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.compare_summary = QLabel("")
        self.compare_summary.setObjectName("forecast-compare-summary")
        self.compare_summary.setTextFormat(Qt.TextFormat.PlainText)
        self.compare_summary.setWordWrap(True)
        self.compare_model = RecordsModel(COMPARE_HEADERS, self)
        self.compare_table = make_table(self.compare_model, "forecast-compare")
        self.compare_table.doubleClicked.connect(lambda i: self.open_item.emit(str(self.compare_model.row_at(i.row())[0])))
        self.empty = QLabel("Accuracy per item, per backtest window and per model appears here once the tenant's "
                            "backtest exports are loaded: worst items first.")
        self.empty.setObjectName("forecast-accuracy-empty")
        self.empty.setWordWrap(True)

        top = QHBoxLayout()
        top.addWidget(QLabel("Rank by"))
        top.addWidget(self.metric)
        top.addStretch(1)
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addWidget(QLabel("<b>Items, worst first</b> (Enter or double-click charts the item)"))
        lv.addWidget(self.items, 1)
        lv.addWidget(self.trace)
        lv.addWidget(QLabel("<b>Per backtest window</b> (aggregated as Forecast does)"))
        lv.addWidget(self.windows)
        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        pick = QHBoxLayout()
        pick.addWidget(QLabel("<b>Compare</b> A"))
        pick.addWidget(self.model_a)
        pick.addWidget(QLabel("B"))
        pick.addWidget(self.model_b)
        rv.addLayout(pick)
        rv.addWidget(self.compare_summary)
        rv.addWidget(self.compare_table, 1)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.empty)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        self.metric.currentTextChanged.connect(lambda _t: self._refresh())
        self.model_a.currentIndexChanged.connect(lambda _i: self._compare())
        self.model_b.currentIndexChanged.connect(lambda _i: self._compare())
        self.items.selectionModel().currentRowChanged.connect(lambda cur, _prev: self._show_trace(cur.row()))

    def clear(self) -> None:
        self.results = []
        for m in (self.items_model, self.windows_model, self.compare_model):
            m.set_rows([])
        self.compare_summary.clear()
        self.trace.clear()
        self.empty.show()

    def show_accuracy(self, results: list[ModelAccuracy]) -> None:
        self.results = results
        self.empty.setVisible(not results)
        names = [r.model for r in results]
        for combo, index in ((self.model_a, 0), (self.model_b, 1)):
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(names)
            combo.setCurrentIndex(min(index, len(names) - 1))
            combo.blockSignals(False)
        self._refresh()

    def _refresh(self) -> None:
        """Rank and compare on a worker (tens of thousands of rows); show the answer for the latest ask."""
        ask = (self.metric.currentText(), self.model_a.currentText(), self.model_b.currentText())
        if not self.results or not all(ask) or self.closing:
            return  # nothing to rank, or the pickers are being emptied (e.g. as the window closes)
        if self._job is not None and self._job.active:
            self._job.cancel()
        self._job = self.runner.submit(rank, self.results, *ask, name="Rank forecast accuracy", owner=self)
        self._job.done.connect(lambda ranking, results=self.results: self._show(results, ranking))

    def _compare(self) -> None:
        self._refresh()

    def _show(self, results: list[ModelAccuracy], ranking: Ranking) -> None:
        if results is not self.results:
            return
        self.items_model.set_rows(ranking.items)
        self.windows_model.set_rows(ranking.windows)
        self.compare_model.set_rows(ranking.comparison_rows)
        c = ranking.comparison
        a, b = self.model_a.currentText(), self.model_b.currentText()
        if c is None:
            self.compare_summary.setText("Pick two different models to see which items each wins."
                                         if len(results) > 1 else "A comparison needs two models with backtests.")
        else:
            margin = lambda v: "" if math.isnan(v) else f", by {v:.3f} on average"  # noqa: E731
            self.compare_summary.setText(
                f"On {c.metric} (lower is better): {a} wins {c.a_wins} items{margin(c.a_margin)}; "
                f"{b} wins {c.b_wins} items{margin(c.b_margin)}; {c.ties} ties.")
        for table in (self.items, self.windows, self.compare_table):
            table.resizeColumnsToContents()
        self.ranked.emit()

    def _open_row(self, index) -> None:
        row = self.items_model.row_at(index.row())
        if row:
            self.open_item.emit(str(row[0]))

    def _show_trace(self, row: int) -> None:
        rec = self.items_model.row_at(row)
        if not rec:
            return
        acc = next((r for r in self.results if r.model == rec[1]), None)
        where = f" of {acc.source}" if acc and acc.source else ""
        self.trace.setText(f"{rec[1]} · {rec[0]} · window {rec[2]}: computed from rows {rec[-1]} (sorted by item and "
                           f"time) of the backtest export{where}, {rec[-2]} points"
                           + (f", point forecast {acc.point}" if acc else ""))
