"""The tenant's Forecast resources in one table: dataset groups, predictors, forecasts, exports."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from opsconsole.core.forecasts import Catalogue
from opsconsole.ui.forecasts.tables import RecordsModel, make_table

HEADERS = ("Kind", "Name", "Status", "Horizon", "Forecast types", "Created", "Avg wQL", "WAPE", "Where")


class CatalogueView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = RecordsModel(HEADERS, self)
        self.table = make_table(self.model, "forecast-catalogue")
        self.note = QLabel("The tenant's dataset groups, predictors (with their accuracy), forecasts and export jobs "
                           "appear here once a tenant is loaded.")
        self.note.setObjectName("forecast-catalogue-note")
        self.note.setWordWrap(True)
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.note)
        layout.addWidget(self.table, 1)

    def clear(self) -> None:
        self.model.set_rows([])

    def show_catalogue(self, cat: Catalogue) -> None:
        rows: list[tuple] = []
        for g in cat.dataset_groups:
            rows.append(("Dataset group", g.name, "", None, "", g.created, None, None, ", ".join(g.actuals_paths)))
        for p in cat.predictors:
            acc = p.accuracy
            rows.append(("Predictor", p.name, p.status, p.horizon, p.forecast_types, p.created,
                         acc.average_wql if acc else None, acc.wape if acc else None, p.arn))
        for f in cat.forecasts:
            rows.append(("Forecast", f.name, f.status, cat.predictor(f.predictor_arn).horizon
                         if cat.predictor(f.predictor_arn) else None, f.forecast_types, f.created, None, None, f.arn))
        for e in cat.exports:
            kind = "Forecast export" if e.kind == "forecast" else "Backtest export"
            rows.append((kind, e.name, e.status, None, e.fmt, e.created, None, None, e.path))
        self.model.set_rows(rows)
        self.note.setText(f"Tenant {cat.tenant}: {len(cat.dataset_groups)} dataset groups, {len(cat.predictors)} "
                          f"predictors, {len(cat.forecasts)} forecasts, {len(cat.exports)} export jobs "
                          "(only resources tagged with this tenant).")
        self.table.resizeColumnsToContents()
