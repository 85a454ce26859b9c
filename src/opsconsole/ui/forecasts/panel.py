"""The Forecasts area: tenant picker, catalogue, one item's chart, accuracy, winner models."""

from __future__ import annotations

import html

from PySide6.QtCore import QCoreApplication, QStringListModel, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from opsconsole.core import forecasts
from opsconsole.core.errors import ErrorKind, UserError
from opsconsole.core.format import format_size
from opsconsole.core.progress import Progress
from opsconsole.core.settings import FORECASTS_TENANT
from opsconsole.ui import theme
from opsconsole.ui.context import AppContext
from opsconsole.ui.forecasts.accuracy_view import AccuracyView
from opsconsole.ui.forecasts.catalogue_view import CatalogueView
from opsconsole.ui.forecasts.chart import ForecastChart
from opsconsole.ui.forecasts.winners_view import WinnersView
from opsconsole.ui.panel import Panel
from opsconsole.ui.widgets.message_bar import MessageBar


class ForecastsPanel(Panel):
    """Forecasts against actuals for one tenant at a time; a scoped connection shows only its tenant."""

    key = "forecasts"
    title = "Forecasts"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.cache = forecasts.ExportCache()
        self.load_result: forecasts.TenantLoad | None = None
        self._item_ids: set[str] = set()
        self._reported = False
        #: The application is quitting: start nothing more.
        self.closing = False
        self._tenant_job = None
        self._accuracy_job = None
        self._wanted_item = ""
        self._after_first_item = ""

        self.tenant_combo = QComboBox()
        self.tenant_combo.setObjectName("forecast-tenant")
        self.tenant_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.tenant_combo.setToolTip("Tenant whose forecasts are shown (Ctrl+T)")
        self.tenant_label = QLabel("No tenant shown")
        self.tenant_label.setObjectName("forecast-tenant-shown")
        self.tenant_label.setTextFormat(Qt.TextFormat.PlainText)
        self.item_edit = QLineEdit()
        self.item_edit.setObjectName("forecast-item")
        self.item_edit.setPlaceholderText("Item id (type to search, Enter to chart)")
        self.item_edit.setClearButtonEnabled(True)
        self.item_edit.setMinimumWidth(260)
        self.items_model = QStringListModel(self)
        self.completer = QCompleter(self.items_model, self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.completer.setModelSorting(QCompleter.ModelSorting.CaseSensitivelySortedModel)
        self.completer.setMaxVisibleItems(15)
        self.item_edit.setCompleter(self.completer)
        self.completer.activated.connect(self.open_item)
        self.item_edit.returnPressed.connect(lambda: self.open_item(self.item_edit.text()))
        self.item_error = QLabel("")
        self.item_error.setObjectName("forecast-item-error")
        self.item_error.setTextFormat(Qt.TextFormat.PlainText)
        self.item_error.setStyleSheet(f"color: {theme.current().danger}")
        self.progress = QProgressBar()
        self.progress.setObjectName("forecast-progress")
        self.progress.setMaximumWidth(260)
        self.progress.setTextVisible(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("forecast-cancel")
        self.cancel_button.setToolTip("Stop loading (Esc)")
        self.cancel_button.clicked.connect(self.cancel_load)
        self._show_loading(False)

        header = QHBoxLayout()
        header.addWidget(QLabel("<b>Forecasts</b>"))
        header.addSpacing(12)
        header.addWidget(QLabel("Tenant"))
        header.addWidget(self.tenant_combo)
        header.addWidget(self.tenant_label)
        header.addSpacing(12)
        header.addWidget(self.item_edit)
        header.addWidget(self.item_error)
        header.addStretch(1)
        header.addWidget(self.progress)
        header.addWidget(self.cancel_button)

        self.message = MessageBar()
        self.message.hide()
        self.chart = ForecastChart()
        self.catalogue_view = CatalogueView()
        self.accuracy_view = AccuracyView(ctx.runner)
        self.accuracy_view.open_item.connect(self._open_from_table)
        self.winners_view = WinnersView(ctx)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("forecast-tabs")
        self.tabs.addTab(self._item_tab(), "&Item")
        self.tabs.addTab(self.catalogue_view, "&Catalogue")
        self.tabs.addTab(self.accuracy_view, "&Accuracy")
        self.tabs.addTab(self.winners_view, "&Winner models")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(header)
        layout.addWidget(self.message)
        layout.addWidget(self.tabs, 1)

        self.tenant_combo.currentIndexChanged.connect(lambda _i: self.load_tenant(self.tenant_combo.currentData()))
        # Long jobs (a tenant's exports, accuracy) may still run at exit: stop them while the runner exists.
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self._on_quit)
        self._shortcut("Refresh", QKeySequence(Qt.Key.Key_F5), self.refresh)
        self._shortcut("Find item", QKeySequence("Ctrl+L"), self._focus_item)
        self._shortcut("Pick tenant", QKeySequence("Ctrl+T"), self._focus_tenant)
        self._shortcut("Cancel loading", QKeySequence(Qt.Key.Key_Escape), self.cancel_load)
        self._shortcut("Export chart", QKeySequence("Ctrl+E"), self.export_chart)
        self._shortcut("Export CSV", QKeySequence("Ctrl+Shift+E"), self.export_csv)
        self._shortcut("Query live forecast", QKeySequence("Ctrl+R"), self.query_live)

    def _item_tab(self) -> QWidget:
        tab = QWidget()
        buttons = QHBoxLayout()
        self.export_button = QPushButton("Export image…")
        self.export_button.setToolTip("Save the chart as PNG or SVG (Ctrl+E)")
        self.export_button.clicked.connect(self.export_chart)
        self.csv_button = QPushButton("Export CSV…")
        self.csv_button.setToolTip("Save the values charted as CSV (Ctrl+Shift+E)")
        self.csv_button.clicked.connect(self.export_csv)
        self.live_button = QPushButton("Query live forecast")
        self.live_button.setObjectName("forecast-live")
        self.live_button.setToolTip("Ask Forecast's QueryForecast for this item instead of reading the export (Ctrl+R)")
        self.live_button.clicked.connect(self.query_live)
        for b in (self.export_button, self.csv_button, self.live_button):
            b.setEnabled(False)
        buttons.addWidget(self.live_button)
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.csv_button)
        layout = QVBoxLayout(tab)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.chart, 1)
        layout.addLayout(buttons)
        return tab

    def _shortcut(self, text: str, keys: QKeySequence, slot) -> QAction:
        action = QAction(text, self)
        action.setShortcut(keys)
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _focus_item(self) -> None:
        self.tabs.setCurrentIndex(0)
        self.item_edit.setFocus()
        self.item_edit.selectAll()

    def _focus_tenant(self) -> None:
        self.tenant_combo.setFocus()
        self.tenant_combo.showPopup()

    # -- loading ------------------------------------------------------------------
    def load(self) -> None:
        if self.closing:
            return
        self._reported = False
        self.cancel_jobs()
        self.load_result = None
        self.chart.clear()
        self.winners_view.clear()
        if self.ctx.clients is None:
            self._fail(UserError(ErrorKind.CONFIG, "Not connected", "Choose a connection to see forecasts."))
            return
        job = self.ctx.runner.submit(forecasts.tenants, self.ctx.clients, name="List forecast tenants", owner=self)
        job.done.connect(self._on_tenants)
        job.failed.connect(self._fail)
        self.winners_view.load()

    def refresh(self) -> None:
        self.cache.clear()
        self.load()

    def _on_tenants(self, tenants: list[str]) -> None:
        scope = self.ctx.connection.tenant if self.ctx.connection else ""
        with_blocked = self.tenant_combo.blockSignals(True)
        self.tenant_combo.clear()
        for t in tenants:
            self.tenant_combo.addItem(t, t)
        self.tenant_combo.blockSignals(with_blocked)
        self.tenant_combo.setEnabled(len(tenants) > 1 and not scope)
        if not tenants:
            self.tenant_label.setText("No tenant has forecasts here")
            self.chart.clear("No dataset group tagged tenant=<id> was found for this connection.")
            self._report("0 items")
            return
        saved = self.ctx.settings.get(FORECASTS_TENANT)
        tenant = saved if saved in tenants else tenants[0]
        with_blocked = self.tenant_combo.blockSignals(True)
        self.tenant_combo.setCurrentIndex(tenants.index(tenant))
        self.tenant_combo.blockSignals(with_blocked)
        self.load_tenant(tenant)

    def load_tenant(self, tenant: str | None) -> None:
        if not tenant or self.ctx.clients is None or self.closing:
            return
        for job in (self._tenant_job, self._accuracy_job):
            if job is not None and job.active:
                job.cancel()
        scope = self.ctx.connection.tenant if self.ctx.connection else ""
        if not scope:
            self.ctx.settings.set(FORECASTS_TENANT, tenant)
        self.tenant_label.setText(f"Showing tenant {tenant}" + (" (this connection's only tenant)" if scope else ""))
        self.load_result = None
        self._after_first_item = ""
        self._item_ids = set()
        self.items_model.setStringList([])
        self.chart.clear(f"Loading tenant {tenant}'s forecasts…")
        self.catalogue_view.clear()
        self.accuracy_view.clear()
        self.message.hide()
        self._show_loading(True)
        job = self.ctx.runner.submit(forecasts.load_tenant, self.ctx.clients, tenant, self.cache,
                                     name=f"Load forecasts of {tenant}", owner=self)
        self._tenant_job = job
        job.progress.connect(self._on_progress)
        job.done.connect(self._on_tenant_loaded)
        job.failed.connect(self._fail)
        job.cancelled.connect(lambda: (self._show_loading(False),
                                       self.chart.clear("Loading was cancelled. Press F5 to load again.")))

    def cancel_load(self) -> None:
        if self._tenant_job is not None and self._tenant_job.active:
            self._tenant_job.cancel()

    def _show_loading(self, on: bool) -> None:
        self.progress.setVisible(on)
        self.cancel_button.setVisible(on)
        if on:
            self.progress.setRange(0, 0)
            self.progress.setFormat("Loading…")

    def _on_progress(self, p: Progress) -> None:
        if p.total:
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(1000 * p.done / p.total))
            self.progress.setFormat(f"{p.text} · {format_size(p.done)} of {format_size(p.total)}")
        else:
            self.progress.setRange(0, 0)
            self.progress.setFormat(p.text or "Loading…")

    def _on_tenant_loaded(self, result: forecasts.TenantLoad) -> None:
        if self.closing:
            return
        self._show_loading(False)
        self.load_result = result
        ids = result.data.item_ids()
        self._item_ids = set(ids)
        self.items_model.setStringList(ids)
        self.catalogue_view.show_catalogue(result.catalogue)
        self.item_edit.setPlaceholderText(f"Item id: {len(ids):,} items (type to search, Enter to chart)")
        if not ids:
            self.chart.clear(f"Tenant {result.catalogue.tenant} has no export with items yet.")
            self._report("0 items")
            return
        # Reported once the first item is drawn (what --screenshot shows), then accuracy is scored.
        self._after_first_item = f"{len(ids)} items"
        self.open_item(self._first_item(result.data, ids))

    def _start_accuracy(self) -> None:
        if self.closing or self.load_result is None:
            return
        result = self.load_result
        job = self.ctx.runner.submit(forecasts.accuracy, result.data, name="Forecast accuracy", owner=self)
        self._accuracy_job = job
        job.done.connect(lambda accs, data=result.data: self._on_accuracy(data, accs))
        job.failed.connect(self._fail)

    def _on_accuracy(self, data: forecasts.TenantData, results: list) -> None:
        if self.load_result is None or self.load_result.data is not data:
            return  # another tenant was picked while this one was being scored
        self.accuracy_view.show_accuracy(results)

    @staticmethod
    def _first_item(data: forecasts.TenantData, ids: list[str]) -> str:
        """An item with actuals and as many models as possible: what the chart is for."""
        if data.actuals is not None:
            for item_id in data.actuals.item_ids()[:200]:
                if all(m.forecast is None or len(m.forecast.rows(item_id)) for m in data.models):
                    return item_id
        return ids[0]

    # -- one item -----------------------------------------------------------------
    def open_item(self, item_id: str) -> None:
        item_id = item_id.strip()
        if not item_id or self.closing:
            return
        if self.load_result is None:
            self.item_error.setText("Wait for the tenant to load")
            return
        if item_id not in self._item_ids:
            self.item_error.setText(f"No item {item_id!r} in tenant {self.load_result.catalogue.tenant}")
            return
        self.item_error.setText("")
        if self.item_edit.text() != item_id:
            self.item_edit.setText(item_id)
        self._wanted_item = item_id
        job = self.ctx.runner.submit(forecasts.item, self.load_result.data, item_id, name=f"Chart {item_id}", owner=self)
        job.done.connect(self._on_item)
        job.failed.connect(self._fail)

    def _on_item(self, view: forecasts.ItemView) -> None:
        if view.item_id != self._wanted_item:
            return  # an item asked for earlier, answered after the one the user wants now
        self.chart.show_item(view)
        for b in (self.export_button, self.csv_button):
            b.setEnabled(True)
        has_arn = self.load_result is not None and any(m.forecast_arn for m in self.load_result.data.models)
        self.live_button.setEnabled(has_arn)
        if self._after_first_item:
            summary, self._after_first_item = self._after_first_item, ""
            self._report(summary)  # may end a smoke run, which quits the application there and then
            self._start_accuracy()

    def query_live(self) -> None:
        """The charted item's forecasts from QueryForecast (where a forecast ARN exists)."""
        if self.chart.view is None or self.load_result is None or self.ctx.clients is None or self.closing:
            return
        item_id = self.chart.view.item_id
        self.live_button.setEnabled(False)
        job = self.ctx.runner.submit(forecasts.live_item, self.ctx.clients, self.load_result.data, item_id,
                                     name=f"QueryForecast {item_id}", owner=self)
        job.done.connect(self._on_item)
        job.failed.connect(self._fail_quietly)

    def _fail_quietly(self, err: UserError) -> None:
        self.message.show_error(err, retry=False)
        self.message.show()

    def _open_from_table(self, item_id: str) -> None:
        self.tabs.setCurrentIndex(0)
        self.open_item(item_id)

    def export_chart(self) -> None:
        if self.chart.view is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export chart", f"{self.chart.view.item_id}.png",
                                              "PNG image (*.png);;SVG image (*.svg)")
        if path:
            self.chart.export_image(path)

    def export_csv(self) -> None:
        if self.chart.view is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export values", f"{self.chart.view.item_id}.csv", "CSV (*.csv)")
        if path:
            self.chart.export_csv(path)

    # -- outcome --------------------------------------------------------------------
    def _report(self, summary: str) -> None:
        if not self._reported:
            self._reported = True
            self.loaded.emit(summary)

    def _fail(self, err: UserError) -> None:
        self._show_loading(False)
        self.message.show_error(err, retry=False)
        self.message.show()
        if not self._reported:
            self._reported = True
            self.load_failed.emit(err)

    def _on_quit(self) -> None:
        """No new job from here on: pickers emptied as the window goes would otherwise start loads."""
        for widget in (self, self.accuracy_view, self.winners_view):
            widget.closing = True
        self.cancel_jobs()

    def cancel_jobs(self) -> None:
        super().cancel_jobs()
        self.ctx.runner.cancel_owned(self.winners_view)
        self.ctx.runner.cancel_owned(self.accuracy_view)

    def _on_connection_changed(self, connection: object) -> None:
        self.cache.clear()
        super()._on_connection_changed(connection)
