"""The alerts area's screens."""

from PySide6.QtWidgets import QStyle

from opsconsole.ui.panel import not_built

AREA = not_built(
    "alerts",
    "Alerts",
    QStyle.StandardPixmap.SP_MessageBoxWarning,
    "CloudWatch alarms and anomaly bands, SNS alert feeds and dead-letter queues.",
)
