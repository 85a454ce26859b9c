"""The forecasts area's screens."""

from PySide6.QtWidgets import QStyle

from opsconsole.ui.panel import not_built

AREA = not_built(
    "forecasts",
    "Forecasts",
    QStyle.StandardPixmap.SP_FileDialogContentsView,
    "p10/p50/p90 forecasts against actuals and accuracy metrics, per tenant.",
)
