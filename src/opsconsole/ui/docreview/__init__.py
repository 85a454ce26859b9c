"""The Document review area: low-confidence extractions reviewed in the console, A2I loops watched and run."""

from PySide6.QtWidgets import QStyle

from opsconsole.ui.docreview.panel import DocReviewPanel, smoke_probe
from opsconsole.ui.panel import Area

AREA = Area("docreview", "Document review", QStyle.StandardPixmap.SP_FileIcon, DocReviewPanel, probe=smoke_probe)

__all__ = ["AREA", "DocReviewPanel"]
