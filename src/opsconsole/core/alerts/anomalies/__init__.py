"""KPI anomalies: which business series broke, by how much, since when, and which broke together.

The view that replaces Lookout for Metrics. Each KPI series (a measure and its
dimensions, e.g. Orders for Marketplace=DE x Platform=mobile_app) is judged in
one of two ways:

* **CloudWatch band**: when the account has an anomaly detector for the
  series (``DescribeAnomalyDetectors``), the expected range is the detector's
  ``ANOMALY_DETECTION_BAND(m, k)`` from ``GetMetricData``;
* **console detector**: otherwise a robust seasonal model computed here:
  the expected value of a point is the median of the same hour of day over the
  window (hourly data covering three days or more), else the median of the
  preceding points; the spread is the MAD of the relative residuals. Medians
  keep a few hours of collapse from moving the expectation.

A point is anomalous when it is outside the range *and* at least 10 % off the
expected value (improbable and material).

Both give a z-like score (how many standard deviations from the expected
value), so rows from either source rank together. A series' anomaly is its
latest run of points outside the range; severity is the run's peak score.
Anomalies of several series that share a dimension value and overlap in time
are grouped ("all of DE", not only DE x mobile_app).
"""

from opsconsole.core.alerts.anomalies.cloudwatch import band_pair, detectors, fetch, kpi_series, scan
from opsconsole.core.alerts.anomalies.detect import (
    group_anomalies,
    judge,
    judge_band,
    latest_anomaly,
    seasonal_expectation,
)
from opsconsole.core.alerts.anomalies.model import (
    BAND_WIDTH,
    CLOUDWATCH_BAND,
    CONSOLE_DETECTOR,
    DEFAULT_SOURCES,
    DEFAULT_THRESHOLD,
    MIN_CHANGE,
    Anomaly,
    AnomalyGroup,
    AnomalyReport,
    KpiSource,
    SeriesKey,
    SeriesView,
    describe_change,
    severity_word,
)

__all__ = [
    "BAND_WIDTH", "CLOUDWATCH_BAND", "CONSOLE_DETECTOR", "DEFAULT_SOURCES", "DEFAULT_THRESHOLD", "MIN_CHANGE",
    "Anomaly", "AnomalyGroup", "AnomalyReport", "KpiSource", "SeriesKey", "SeriesView", "band_pair",
    "describe_change", "detectors", "fetch", "group_anomalies", "judge", "judge_band", "kpi_series",
    "latest_anomaly", "scan", "seasonal_expectation", "severity_word",
]
