"""The forecasts area's screens: one tenant's forecasts against actuals, accuracy and winner models."""

from PySide6.QtWidgets import QStyle

from opsconsole.ui.forecasts.panel import ForecastsPanel
from opsconsole.ui.panel import Area

AREA = Area("forecasts", "Forecasts", QStyle.StandardPixmap.SP_FileDialogContentsView, ForecastsPanel)

__all__ = ["AREA", "ForecastsPanel"]
