"""A status shown as a coloured pill, readable on light and dark palettes alike.

Text colour is picked per badge by WCAG contrast against the fill, so a palette
switch never leaves white text on yellow or black text on navy.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

_BLACK = QColor("#111111")
_WHITE = QColor("#ffffff")


def relative_luminance(color: QColor) -> float:
    """WCAG 2 relative luminance of an sRGB colour."""

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(color.redF()) + 0.7152 * channel(color.greenF()) + 0.0722 * channel(color.blueF())


def contrast_ratio(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio, 1 (none) to 21 (black on white)."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def readable_text_color(fill: QColor) -> QColor:
    """Near-black or white, whichever reads better on ``fill``."""
    return _BLACK if contrast_ratio(fill, _BLACK) >= contrast_ratio(fill, _WHITE) else _WHITE


class StatusBadgeDelegate(QStyledItemDelegate):
    """Paints the cell's display text as a pill coloured by ``colors[text]``.

    Unknown values are drawn as plain text. ``labels`` turns API values into
    words (``TIMED_OUT`` -> ``Timed out``) without changing what the model holds.
    """

    H_PADDING = 8
    MARGIN = 4

    def __init__(
        self,
        colors: Mapping[str, QColor | str],
        labels: Mapping[str, str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._colors = {k: QColor(v) for k, v in colors.items()}
        self._text_colors = {k: readable_text_color(c) for k, c in self._colors.items()}
        self._labels = dict(labels or {})

    def label(self, value: str) -> str:
        return self._labels.get(value, value)

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        value = index.data(Qt.ItemDataRole.DisplayRole)
        fill = self._colors.get(value) if isinstance(value, str) else None
        if fill is None:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""  # the style draws background, selection and focus; we draw the pill
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)

        fm = opt.fontMetrics
        label = self.label(value)
        height = min(fm.height() + 4, opt.rect.height() - 2)
        width = min(fm.horizontalAdvance(label) + 2 * self.H_PADDING, opt.rect.width() - 2 * self.MARGIN)
        if width <= 0 or height <= 0:
            return
        pill = QRect(opt.rect.left() + self.MARGIN, opt.rect.center().y() - height // 2 + 1, width, height)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        painter.drawRoundedRect(pill, height / 2, height / 2)
        painter.setPen(self._text_colors[value])
        text = fm.elidedText(label, Qt.TextElideMode.ElideRight, pill.width() - 2 * (self.H_PADDING // 2))
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:  # noqa: N802
        size = super().sizeHint(option, index)
        value = index.data(Qt.ItemDataRole.DisplayRole)
        if isinstance(value, str) and value in self._colors:
            width = option.fontMetrics.horizontalAdvance(self.label(value)) + 2 * (self.H_PADDING + self.MARGIN)
            size.setWidth(max(size.width(), width))
        return size
