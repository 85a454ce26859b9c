"""A status shown as a coloured pill, readable on light and dark palettes alike.

Fill and text come from :mod:`opsconsole.ui.theme` at paint time, so a switch
between a light and a dark palette restyles the badges on the next repaint.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from opsconsole.ui import theme
from opsconsole.ui.theme import Swatch


class StatusBadgeDelegate(QStyledItemDelegate):
    """Paints the cell's display text as a pill in the theme's swatch for it.

    ``group`` names the theme's set of status swatches ("execution",
    "review_item", "deployment", "alarm", "outcome"). Unknown values are drawn
    as plain text. ``labels`` turns API values into words (``TIMED_OUT`` ->
    ``Timed out``) without changing what the model holds.
    """

    H_PADDING = 8
    MARGIN = 4

    def __init__(
        self,
        group: str,
        labels: Mapping[str, str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        theme.LIGHT.badges(group)  # an unknown group fails here, not at the first paint
        self._group = group
        self._labels = dict(labels or {})

    def swatch(self, value: object) -> Swatch | None:
        """The swatch ``value`` is drawn in now, or None when it is drawn as plain text."""
        return theme.current().badges(self._group).get(value) if isinstance(value, str) else None

    def label(self, value: str) -> str:
        return self._labels.get(value, value)

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        value = index.data(Qt.ItemDataRole.DisplayRole)
        swatch = self.swatch(value)
        if swatch is None:
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
        painter.setBrush(QColor(swatch.fill))
        painter.drawRoundedRect(pill, height / 2, height / 2)
        painter.setPen(QColor(swatch.text))
        text = fm.elidedText(label, Qt.TextElideMode.ElideRight, pill.width() - 2 * (self.H_PADDING // 2))
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:  # noqa: N802
        size = super().sizeHint(option, index)
        value = index.data(Qt.ItemDataRole.DisplayRole)
        if self.swatch(value) is not None:
            width = option.fontMetrics.horizontalAdvance(self.label(value)) + 2 * (self.H_PADDING + self.MARGIN)
            size.setWidth(max(size.width(), width))
        return size
