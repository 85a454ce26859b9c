"""The Review queues area: missed-utterance triage for agents, review and deployment for operations."""

from PySide6.QtWidgets import QStyle

from opsconsole.ui.lexreview.panel import ReviewPanel
from opsconsole.ui.panel import Area

AREA = Area("review", "Review queues", QStyle.StandardPixmap.SP_FileDialogDetailedView, ReviewPanel)

__all__ = ["AREA", "ReviewPanel"]
