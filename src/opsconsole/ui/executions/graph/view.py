"""The state machine graph of one execution: zoom, pan, fit, outcome colours, pick a state by click or key.

Coordinates come from :func:`opsconsole.core.executions.asl.build_graph`; the items and
the export code are in :mod:`.graph_export` (also used by ``opsconsole graph``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QResizeEvent, QWheelEvent
from PySide6.QtWidgets import QApplication, QGraphicsScene, QGraphicsView, QWidget

from opsconsole.core.executions.asl import Graph
from opsconsole.ui import theme
from opsconsole.ui.executions.graph.fonts import fonts
from opsconsole.ui.executions.graph.export import (
    EdgeItem,
    StateItem,
    apply_outcomes,
    legend_size,
    paint_legend,
    populate,
    render_graph,
    write_image,
)

__all__ = ["GraphView", "render_graph"]

ZOOM_STEP = 1.25
MIN_ZOOM, MAX_ZOOM = 0.05, 4.0
#: fit() never blows a small graph up beyond this: boxes would look oddly huge.
MAX_FIT_ZOOM = 1.5
FIT_MARGIN = 16.0
#: The smallest text the graph opens with, in points: below this a state's type line is hard to read.
READABLE_POINTS = 9.0


_PICK_KEYS = (Qt.Key.Key_Down, Qt.Key.Key_Up, Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Home, Qt.Key.Key_End)


def _beside(current: StateItem, order: list[StateItem], left: bool) -> StateItem | None:
    """The nearest state left (or right) of ``current`` on the same row: boxes whose heights overlap."""
    c = current.node
    row = [item for item in order if item is not current
           and item.node.y < c.y + c.h and c.y < item.node.y + item.node.h
           and ((item.node.x + item.node.w <= c.x) if left else (item.node.x >= c.x + c.w))]
    if not row:
        return None
    return min(row, key=lambda item: abs((item.node.x + item.node.w / 2) - (c.x + c.w / 2)))


class _Legend(QWidget):
    """Outcome colours, pinned to the viewport's top-left corner."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.resize(legend_size())

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        paint_legend(painter, QPointF(0, 0), theme.current())
        painter.end()


class GraphView(QGraphicsView):
    """Draws a :class:`Graph`; emits ``state_clicked(name)`` when a state is clicked or picked by key.

    Keys: Down / Up pick the next / previous state (top to bottom, left to right), Left / Right the
    nearest state beside the picked one, Home / End the first / last; F fits the whole graph,
    Ctrl+= / Ctrl+- zoom (also Ctrl+wheel); drag to pan.

    It opens at a readable zoom (:meth:`fit_readable`): the whole graph when its smallest text is then
    at least :data:`READABLE_POINTS`, otherwise that size around the picked state.
    """

    state_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("graphView")
        self.setScene(QGraphicsScene(self))
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._graph: Graph | None = None
        self._items: dict[str, StateItem] = {}
        self._outcomes: dict[str, str] = {}
        self._selected: str | None = None
        self._press: QPoint | None = None
        # Until the user zooms, every resize re-fits: the first size arrives after set_graph.
        self._auto_fit = True
        #: What an automatic fit shows: "readable" (opening) or "whole" (after F).
        self._fit_mode = "readable"
        self._legend = _Legend(self.viewport())
        self._legend.move(8, 8)

    # -- public -------------------------------------------------------------------------
    @property
    def graph(self) -> Graph | None:
        return self._graph

    def set_graph(self, graph: Graph) -> None:
        """Show ``graph``; outcomes and selection of the previous graph are dropped."""
        self._graph = graph
        self._outcomes = {}
        self._selected = None
        self._items = populate(self.scene(), graph, theme.current())
        self.setSceneRect(self.scene().sceneRect().adjusted(-FIT_MARGIN, -FIT_MARGIN, FIT_MARGIN, FIT_MARGIN))
        self._auto_fit, self._fit_mode = True, "readable"
        self.fit_readable()

    def set_outcomes(self, outcomes: Mapping[str, str]) -> None:
        """Colour states by what happened to them in this run.

        Values: "not_reached", "running", "succeeded", "failed", "caught",
        "retried", "aborted". States left out count as not reached; ``{}``
        clears the colours; unknown names and outcomes are ignored.
        """
        self._outcomes = dict(outcomes)
        apply_outcomes(self._items, self._outcomes)

    def outcome_of(self, name: str) -> str | None:
        item = self._items.get(name)
        return item.outcome if item else None

    def item_for_state(self, name: str) -> StateItem | None:
        """The box drawn for a state (None for unknown names or pseudo-nodes)."""
        item = self._items.get(name)
        return item if item is not None and item.node.is_state else None

    def select_state(self, name: str | None) -> None:
        """Outline one state (None clears) and bring it into view."""
        if self._selected in self._items:
            self._items[self._selected].set_selected_state(False)
        item = self.item_for_state(name) if name else None
        self._selected = name if item else None
        if item is not None:
            item.set_selected_state(True)
            if self._auto_fit and self._fit_mode == "readable":
                self.fit_readable()  # centred on the new pick when the whole graph does not fit
            else:
                self.ensureVisible(item, 40, 40)

    def selected_state(self) -> str | None:
        return self._selected

    def zoom(self) -> float:
        return self.transform().m11()

    def fit(self) -> None:
        """Show the whole graph (never zoomed in beyond MAX_FIT_ZOOM)."""
        rect = self.sceneRect()
        if rect.isEmpty():
            return
        self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        if self.zoom() > MAX_FIT_ZOOM:
            self._set_zoom(MAX_FIT_ZOOM)
        self.centerOn(rect.center())

    def readable_zoom(self) -> float:
        """The zoom at which the graph's smallest text is :data:`READABLE_POINTS` on this screen."""
        smallest_px = min(font.pixelSize() for font in fonts())
        return READABLE_POINTS * self.logicalDpiY() / 72.0 / smallest_px

    def fit_readable(self) -> None:
        """The whole graph if it fits at a readable zoom; else the readable zoom around the picked state.

        With no state picked, the view starts at the graph's top (where a run starts).
        """
        rect = self.sceneRect()
        if rect.isEmpty():
            return
        readable = self.readable_zoom()
        viewport = self.viewport().rect()
        whole = min(viewport.width() / rect.width(), viewport.height() / rect.height())
        if whole >= readable:
            self.fit()
            return
        self._set_zoom(readable)
        item = self.item_for_state(self._selected) if self._selected else None
        if item is not None:
            self.centerOn(item)
        else:
            shown = self.scene_rect_in_view()
            self.centerOn(QPointF(rect.center().x(), rect.top() + shown.height() / 2))

    def zoom_in(self) -> None:
        self._auto_fit = False
        self._set_zoom(self.zoom() * ZOOM_STEP)

    def zoom_out(self) -> None:
        self._auto_fit = False
        self._set_zoom(self.zoom() / ZOOM_STEP)

    def export_png(self, path: str | Path, width: int | None = None) -> None:
        """The whole graph (not just what is on screen) as a PNG, with the legend when coloured."""
        self._export(self._checked(path, ".png"), width)

    def export_svg(self, path: str | Path) -> None:
        self._export(self._checked(path, ".svg"))

    def _export(self, path: Path, width: int | None = None) -> None:
        # Pictures keep the light look (they go into documents), so they are drawn afresh, not from this scene.
        if self._graph is None:
            write_image(self.scene(), path, width, legend=bool(self._outcomes))
        else:
            render_graph(self._graph, path, self._outcomes, width)

    # -- events ---------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        ctrl = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
        key = event.key()
        if key == Qt.Key.Key_F and not ctrl:
            self._auto_fit, self._fit_mode = True, "whole"
            self.fit()
        elif not ctrl and key in _PICK_KEYS:
            self._pick_by_key(key)
        elif ctrl and key in (Qt.Key.Key_Equal, Qt.Key.Key_Plus):
            self.zoom_in()
        elif ctrl and key in (Qt.Key.Key_Minus, Qt.Key.Key_Underscore):
            self.zoom_out()
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt's name
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            delta = event.angleDelta().y()
            if delta:
                self._auto_fit = False
                self._set_zoom(self.zoom() * (ZOOM_STEP ** (delta / 120)))
            event.accept()
            return
        super().wheelEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        if event.button() == Qt.MouseButton.LeftButton:
            self._press = event.position().toPoint()
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        super().mouseReleaseEvent(event)
        event.accept()  # the view owns clicks and drags; nothing beneath it should get them
        press, self._press = self._press, None
        if event.button() != Qt.MouseButton.LeftButton or press is None:
            return
        pos = event.position().toPoint()
        # A drag pans; only a click (a press that stayed put) picks a state.
        if (pos - press).manhattanLength() >= QApplication.startDragDistance():
            return
        name = self.state_at(pos)
        if name is not None:
            self.select_state(name)
            self.state_clicked.emit(name)

    def state_at(self, pos: QPoint) -> str | None:
        """The state under a viewport position: the innermost box, skipping branch frames."""
        for item in self.items(pos):
            if isinstance(item, StateItem) and item.node.is_state:
                return item.node.id
        return None

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.PaletteChange:
            look = theme.current()
            for item in self.scene().items():
                if isinstance(item, (StateItem, EdgeItem)):
                    item.set_look(look)
            self._legend.update()
        super().changeEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        if self._auto_fit:
            self.fit_readable() if self._fit_mode == "readable" else self.fit()

    # -- picking by key -------------------------------------------------------------------
    def _reading_order(self) -> list[StateItem]:
        """States top to bottom, then left to right (a container before what it holds)."""
        states = [item for item in self._items.values() if item.node.is_state]
        return sorted(states, key=lambda item: (item.node.y, item.node.x))

    def _pick_by_key(self, key: int) -> None:
        order = self._reading_order()
        if not order:
            return
        current = self._items.get(self._selected) if self._selected else None
        if current is None or key in (Qt.Key.Key_Home, Qt.Key.Key_End):
            target = order[-1] if key == Qt.Key.Key_End else order[0]
        elif key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
            at = order.index(current) + (1 if key == Qt.Key.Key_Down else -1)
            target = order[at] if 0 <= at < len(order) else current
        else:
            target = _beside(current, order, left=key == Qt.Key.Key_Left) or current
        if target is not current:
            self.select_state(target.node.id)
            self.state_clicked.emit(target.node.id)

    # -- helpers --------------------------------------------------------------------------
    def _set_zoom(self, factor: float) -> None:
        factor = max(MIN_ZOOM, min(MAX_ZOOM, factor))
        current = self.zoom()
        if current > 0:
            self.scale(factor / current, factor / current)

    @staticmethod
    def _checked(path: str | Path, suffix: str) -> Path:
        path = Path(path)
        return path if path.suffix.lower() == suffix else path.with_suffix(suffix)

    def scene_rect_in_view(self) -> QRectF:
        """The part of the scene the viewport shows right now."""
        return self.mapToScene(self.viewport().rect()).boundingRect()
