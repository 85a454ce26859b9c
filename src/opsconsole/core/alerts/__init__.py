"""The alerts area's rules: alarms listed and tagged, their charts, history, handling and causes."""

from opsconsole.core.alerts.alarms import ANOMALY_BAND, COMPOSITE, METRIC, STATES, Alarm

__all__ = ["ANOMALY_BAND", "COMPOSITE", "METRIC", "STATES", "Alarm"]
