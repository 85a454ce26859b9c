"""The item chart in light and dark: colours from the theme, every part drawn, exports."""

from __future__ import annotations

import pandas as pd
import pytest
from PySide6.QtGui import QColor

from opsconsole.core.forecasts.items import ForecastSeries, ItemView
from opsconsole.ui import theme
from opsconsole.ui.forecasts.chart import ForecastChart


def item_view() -> ItemView:
    days = pd.date_range("2026-09-01", periods=90, freq="D")
    actuals = pd.DataFrame({"timestamp": days, "target_value": [10 + (i % 7) for i in range(90)]})
    horizon = pd.date_range("2026-11-30", periods=30, freq="D")
    series = []
    for k, (name, bias) in enumerate((("deepar", 1.0), ("cnnqr", 1.3))):
        fc = pd.DataFrame({"date": horizon, "p10": 8.0 * bias, "p50": 12.0 * bias, "p90": 16.0 * bias,
                           "p99": 20.0 * bias})
        window = actuals[actuals.timestamp >= "2026-11-01"].copy()
        window["backtestwindow_start_time"] = pd.Timestamp("2026-11-01")
        window["backtestwindow_end_time"] = pd.Timestamp("2026-11-30")
        window["p50"] = window["target_value"] * bias
        window["p10"], window["p90"] = window["p50"] * 0.8, window["p50"] * 1.2
        series.append(ForecastSeries(name, fc, window, ("p10", "p50", "p90", "p99")))
    return ItemView("sku_00042", "retail-compliance", actuals, tuple(series))


@pytest.mark.parametrize("look", ["LIGHT", "DARK"])
def test_chart_draws_every_part_in_both_palettes(qtbot, app_palette, look, tmp_path):
    palette = getattr(theme, look)
    app_palette(palette)
    chart = ForecastChart()
    qtbot.addWidget(chart)
    chart.resize(900, 500)
    assert chart.empty.isVisibleTo(chart)  # says what goes there
    chart.show_item(item_view())
    for key in ("actuals", "deepar p50", "cnnqr p50", "deepar forecast p10–p90", "cnnqr forecast p10–p90",
                "deepar p99", "window 2026-11-01"):
        assert key in chart.curves, key
    # Two models, two distinct theme colours; the background is the palette's base.
    pens = [chart.curves[f"{m} p50"].opts["pen"].color().name() for m in ("deepar", "cnnqr")]
    assert pens == list(palette.forecast_models[:2])
    image = chart.grab().toImage()
    corner = QColor(image.pixel(chart.plot.geometry().x() + 60, chart.plot.geometry().bottom() - 60))
    assert abs(corner.lightness() - QColor(palette.base).lightness()) < 40
    chart.grab().save(f"/tmp/fc-console-chart-{look.lower()}.png")
    # Hover: the values of the nearest day, every series.
    text = chart.value_text_at(pd.Timestamp("2026-12-05").timestamp())
    assert text.startswith("2026-12-05") and "deepar p50: 12.0" in text and "cnnqr p50: 15.6" in text
    chart.export_image(tmp_path / "c.svg")
    assert "<svg" in (tmp_path / "c.svg").read_text()[:2000]
    assert chart.export_csv(tmp_path / "c.csv") == 90 + 2 * (30 + 29)
