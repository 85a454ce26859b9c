"""Colours of the review views, derived from the palette so light and dark themes both read well."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QWidget

#: Accents: missed turns (amber), the turn being worked on (blue), forwarded ones (green).
MISSED = QColor("#c77700")
CURRENT = QColor("#0b63c4")
FORWARDED = QColor("#1d7d35")
CONFLICT = QColor("#c62828")

#: Review item status badges (mid-tone fills, readable with white or black text).
ITEM_STATUS_COLORS: dict[str, str] = {
    "PENDING": "#5f6b7a",
    "APPROVED": "#0b63c4",
    "REJECTED": "#c62828",
    "DEPLOYED": "#1d7d35",
}
ITEM_STATUS_LABELS: dict[str, str] = {s: s.capitalize() for s in ITEM_STATUS_COLORS}

DEPLOYMENT_STATUS_COLORS: dict[str, str] = {
    "IN_PROGRESS": "#0b63c4",
    "SUCCEEDED": "#1d7d35",
    "FAILED": "#c62828",
    "INTERRUPTED": "#a65400",
    "SUPERSEDED": "#5f6b7a",
}
DEPLOYMENT_STATUS_LABELS = {
    "IN_PROGRESS": "In progress",
    "SUCCEEDED": "Succeeded",
    "FAILED": "Failed",
    "INTERRUPTED": "Interrupted",
    "SUPERSEDED": "Superseded",
}


def blend(base: QColor, accent: QColor, amount: float) -> QColor:
    """``accent`` mixed into ``base``: a tint on light palettes, a wash on dark ones."""
    return QColor(
        round(base.red() + (accent.red() - base.red()) * amount),
        round(base.green() + (accent.green() - base.green()) * amount),
        round(base.blue() + (accent.blue() - base.blue()) * amount),
    )


def is_dark(widget: QWidget) -> bool:
    return widget.palette().color(QPalette.ColorRole.Base).lightness() < 128


def bubble_colors(widget: QWidget, speaker: str, missed: bool, current: bool, forwarded: bool) -> tuple[QColor, QColor]:
    """(fill, border) of a transcript turn."""
    base = widget.palette().color(QPalette.ColorRole.Base)
    text = widget.palette().color(QPalette.ColorRole.Text)
    if forwarded:
        accent = FORWARDED
    elif missed:
        accent = MISSED
    else:
        accent = QColor("#5f6b7a") if speaker == "bot" else QColor("#0b63c4")
    amount = 0.28 if missed or forwarded else (0.07 if speaker == "bot" else 0.12)
    fill = blend(base, accent, amount)
    border = CURRENT if current else blend(base, accent if (missed or forwarded) else text, 0.45)
    return fill, border
