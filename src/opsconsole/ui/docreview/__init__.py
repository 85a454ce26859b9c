"""The document-review area's screens."""

from PySide6.QtWidgets import QStyle

from opsconsole.ui.panel import not_built

AREA = not_built(
    "docreview",
    "Document review",
    QStyle.StandardPixmap.SP_FileIcon,
    "Low-confidence document extractions and their A2I human review loops.",
)
