"""A document page with the extracted fields' boxes drawn on it; zooms and scrolls to the field in focus."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QGraphicsPixmapItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QWidget,
)

from opsconsole.core.docreview import Document, Field
from opsconsole.ui import theme


class PageView(QGraphicsView):
    """One page image and one rectangle per field of that page; :meth:`focus_field` zooms to a field."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("docreview-page")
        self.setScene(QGraphicsScene(self))
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keyboard stays with the field list
        self.doc: Document | None = None
        self.page = 0
        self.boxes: dict[str, QGraphicsRectItem] = {}
        self.focused: str = ""
        self.decided: set[str] = set()
        self._pixmap: QGraphicsPixmapItem | None = None
        self._empty = QGraphicsSimpleTextItem()
        theme.follow(self, lambda _t: self._restyle())

    def show_document(self, doc: Document | None, page: int = 1) -> None:
        """Show ``doc``'s page ``page`` (None: nothing)."""
        self.doc = doc
        self.page = 0
        self.focused = ""
        self.decided = set()
        self._show_page(page if doc else 0)

    def _show_page(self, page: int) -> None:
        scene = self.scene()
        scene.clear()
        self.boxes = {}
        self._pixmap = None
        self.page = page
        if self.doc is None or not page:
            return
        image = QImage.fromData(self.doc.images.get(page, b""))
        if image.isNull():
            why = self.doc.missing_images.get(page, "not a readable image")
            text = scene.addSimpleText(f"Page {page}: the image could not be read ({why})")
            text.setBrush(QBrush(QColor(theme.current().danger)))
            return
        self._pixmap = scene.addPixmap(QPixmap.fromImage(image))
        w, h = image.width(), image.height()
        scene.setSceneRect(QRectF(0, 0, w, h))
        for f in self.doc.fields:
            if f.page != page or f.box is None:
                continue
            rect = QRectF(f.box.left * w, f.box.top * h, f.box.width * w, f.box.height * h)
            item = scene.addRect(rect)
            item.setToolTip(f"{f.key}: {f.value or '—'} ({f.confidence:.2f})")
            self.boxes[f.id] = item
        self._restyle()
        self.fitInView(scene.sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)

    def _restyle(self) -> None:
        if self.doc is None:
            return
        look = theme.current()
        for field_id, item in self.boxes.items():
            f = self.doc.field(field_id)
            low = f is not None and f.low(self.doc.threshold)
            colour = QColor(look.link if field_id == self.focused else
                            look.success if field_id in self.decided else look.danger if low else look.muted)
            pen = QPen(colour, 4 if field_id == self.focused else 2)
            pen.setCosmetic(True)
            item.setPen(pen)
            fill = QColor(colour)
            fill.setAlpha(50 if field_id == self.focused else 18)
            item.setBrush(QBrush(fill))
            item.setZValue(2 if field_id == self.focused else 1)

    def set_decided(self, field_ids: set[str]) -> None:
        self.decided = set(field_ids)
        self._restyle()

    def focus_field(self, f: Field | None) -> None:
        """Highlight ``f`` and zoom so that its box and some of what surrounds it fill the view."""
        if f is None or self.doc is None:
            return
        if f.page != self.page:
            self._show_page(f.page)
        self.focused = f.id
        self._restyle()
        item = self.boxes.get(f.id)
        if item is None:
            return
        r = item.rect()
        # Some context around the field: a third of the page's width, centred on it.
        scene = self.scene().sceneRect()
        width = max(r.width() * 2.2, scene.width() / 3)
        height = max(r.height() * 4, width * self.viewport().height() / max(self.viewport().width(), 1))
        area = QRectF(r.center().x() - width / 2, r.center().y() - height / 2, width, height)
        self.fitInView(area, Qt.AspectRatioMode.KeepAspectRatio)
        self.centerOn(r.center())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.doc is not None and self.focused:
            self.focus_field(self.doc.field(self.focused))
        elif self._pixmap is not None:
            self.fitInView(self.scene().sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)
