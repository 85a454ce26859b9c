"""Drawing a state machine graph: scene items, outcome colours, legend and PNG/SVG export.

Shared by the interactive :class:`~opsconsole.ui.executions.graph.view.GraphView`
and the headless ``opsconsole graph`` command, so both draw the same picture.
Colours come from a :class:`~opsconsole.ui.theme.Theme`: the view passes the
one in use, pictures written to files are always drawn in the light one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QImage, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem, QGraphicsRectItem, QGraphicsScene

from opsconsole.core.executions.asl import DEFAULT_METRICS, Edge, Graph, StateNode, text_lines
from opsconsole.ui import theme
from opsconsole.ui.executions.graph.fonts import fonts
from opsconsole.ui.theme import Swatch, Theme

#: What happened to a state in one run, in the order the legend lists them.
OUTCOMES: tuple[str, ...] = ("not_reached", "running", "succeeded", "retried", "caught", "failed", "aborted")
OUTCOME_LABELS = {"not_reached": "Not reached", "running": "Running", "succeeded": "Succeeded",
                  "retried": "Retried", "caught": "Caught error", "failed": "Failed", "aborted": "Aborted"}
#: Pictures written to files (PNG, SVG, ``opsconsole graph``) keep the light look whatever the desktop's.
EXPORT_LOOK = theme.LIGHT
#: Biggest PNG we write: Qt images must stay below 32k px a side, and memory sane.
MAX_PNG_SIDE, MAX_PNG_PIXELS = 16000, 60_000_000


def outcome_swatch(outcome: str | None, look: Theme = EXPORT_LOOK) -> Swatch:
    """Fill and text of a state with this outcome (None or unknown: drawn from the definition alone)."""
    return look.outcome.get(outcome or "") or look.graph.neutral


def outcome_fill(outcome: str | None, look: Theme = EXPORT_LOOK) -> QColor:
    return QColor(outcome_swatch(outcome, look).fill)


class StateItem(QGraphicsRectItem):
    """One box: a state (leaf or container) or a pseudo-node. ``brush()`` is its outcome fill.

    ``line_heights`` (name, label) are those the graph was laid out with.
    """

    def __init__(self, node: StateNode,
                 line_heights: tuple[float, float] = (DEFAULT_METRICS.name_line_height,
                                                      DEFAULT_METRICS.label_line_height),
                 look: Theme = EXPORT_LOOK) -> None:
        super().__init__(QRectF(node.x, node.y, node.w, node.h))
        self.node = node
        self.outcome: str | None = None
        self.selected = False
        self._name_lines, self._label_lines = text_lines(node)
        self._line_heights = line_heights
        self._fonts = fonts()
        self.set_look(look)
        # Containers under edges, edges under leaf boxes, deeper containers on top of shallower.
        self.setZValue(node.depth if node.is_container else 1000)
        if node.is_state:
            tip = [node.name, node.label]
            if node.resource:
                tip.append(node.resource)
            self.setToolTip("\n".join(tip))

    def set_look(self, look: Theme) -> None:
        """Draw in ``look``'s colours (a light/dark switch)."""
        self._look = look
        self.setBrush(QColor(self._swatch().fill))
        self.setPen(QPen(QColor(look.graph.line), 1.2))
        self.update()

    def _swatch(self) -> Swatch:
        if self.node.type in ("Start", "End"):
            return self._look.graph.pseudo
        return outcome_swatch(self.outcome, self._look)

    def set_outcome(self, outcome: str | None) -> None:
        if not self.node.is_state:
            return
        self.outcome = outcome if outcome in OUTCOMES else None
        self.setBrush(outcome_fill(self.outcome, self._look))
        self.update()

    def set_selected_state(self, selected: bool) -> None:
        self.selected = selected
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        return self.rect().adjusted(-6, -6, 6, 6)  # room for the selection halo

    def paint(self, painter: QPainter, option, widget=None) -> None:  # noqa: ANN001 - Qt's signature
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect, node = self.rect(), self.node
        if self.selected:
            painter.setPen(QPen(QColor(self._look.graph.select), 3.0))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(rect.adjusted(-4, -4, 4, 4), 9, 9)
        if node.type in ("Branch", "Processor"):
            self._paint_scope(painter, rect)
        elif node.is_container:
            self._paint_container(painter, rect)
        else:
            radius = rect.height() / 2 if node.type in ("Start", "End") else 6
            painter.setPen(self._outline())
            painter.setBrush(self.brush())
            painter.drawRoundedRect(rect, radius, radius)
            self._paint_text(painter, rect, QColor(self._swatch().text))

    def _outline(self) -> QPen:
        if self.outcome in ("failed", "caught"):
            return QPen(self.brush().color().darker(140), 2.0)
        return QPen(self.brush().color().darker(170) if self.outcome else QColor(self._look.graph.line), 1.2)

    def _paint_container(self, painter: QPainter, rect: QRectF) -> None:
        fill = self.brush().color()
        body = QColor(fill)
        body.setAlpha(40)  # translucent: reads on a light or a dark window
        painter.setPen(self._outline())
        painter.setBrush(body)
        painter.drawRoundedRect(rect, 8, 8)
        name_h, label_h = self._line_heights
        header_h = (len(self._name_lines) * name_h + len(self._label_lines) * label_h) + 14
        header = QPainterPath()
        header.addRoundedRect(rect, 8, 8)
        band = QPainterPath()
        band.addRect(QRectF(rect.x(), rect.y(), rect.width(), header_h))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        painter.drawPath(header.intersected(band))
        self._paint_text(painter, QRectF(rect.x(), rect.y(), rect.width(), header_h), QColor(self._swatch().text))

    def _paint_scope(self, painter: QPainter, rect: QRectF) -> None:
        colors = self._look.graph
        pen = QPen(QColor(colors.line), 1.0, Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(theme.qcolor(colors.scope_fill, colors.scope_alpha))
        painter.drawRoundedRect(rect, 6, 6)
        text = " · ".join([self.node.name] + ([self.node.label] if self.node.label else []))
        font = self._fonts[1]
        painter.setFont(font)
        width = QFontMetricsF(font).horizontalAdvance(text) + 12
        tag = QRectF(rect.x() + 6, rect.y() + 4, min(width, rect.width() - 12), 17)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(colors.tag.fill))
        painter.drawRoundedRect(tag, 4, 4)
        painter.setPen(QColor(colors.tag.text))
        painter.drawText(tag, Qt.AlignmentFlag.AlignCenter, text)

    def _paint_text(self, painter: QPainter, rect: QRectF, color: QColor) -> None:
        name_font, detail_font = self._fonts
        name_h, label_h = self._line_heights
        lines = [(t, name_font, name_h) for t in self._name_lines] + [(t, detail_font, label_h) for t in self._label_lines]
        y = rect.y() + (rect.height() - sum(h for _, _, h in lines)) / 2
        painter.setPen(color)
        for text, font, h in lines:
            painter.setFont(font)
            # Fonts differ by platform; never let a line spill out of its box.
            shown = QFontMetricsF(font).elidedText(text, Qt.TextElideMode.ElideRight, rect.width() - 10)
            painter.drawText(QRectF(rect.x() + 5, y, rect.width() - 10, h), Qt.AlignmentFlag.AlignCenter, shown)
            y += h


class EdgeItem(QGraphicsPathItem):
    """A transition: polyline with rounded bends, an arrowhead and an optional label pill."""

    def __init__(self, edge: Edge, look: Theme = EXPORT_LOOK) -> None:
        super().__init__()
        self.edge = edge
        pts = [QPointF(x, y) for x, y in edge.points]
        self.setPath(_rounded_path(pts))
        self.set_look(look)
        self.setZValue(500)
        self._arrow = _arrowhead(pts[-2], pts[-1]) if len(pts) >= 2 else QPolygonF()
        self._label_rect = QRectF()
        self._font = fonts()[1]
        if edge.label and edge.label_pos:
            fm = QFontMetricsF(self._font)
            w = fm.horizontalAdvance(edge.label) + 10
            self._label_rect = QRectF(edge.label_pos[0] - w / 2, edge.label_pos[1] - 8.5, w, 17)
        if edge.label:
            self.setToolTip(edge.label)

    def set_look(self, look: Theme) -> None:
        """Draw in ``look``'s colours (a light/dark switch)."""
        self._look = look
        pen = QPen(QColor(look.graph.catch if self.edge.kind == "catch" else look.graph.line), 1.4)
        if self.edge.kind == "catch":
            pen.setStyle(Qt.PenStyle.DashLine)
        self.setPen(pen)
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        return super().boundingRect().united(self._arrow.boundingRect()).united(self._label_rect).adjusted(-2, -2, 2, 2)

    def shape(self) -> QPainterPath:
        path = super().shape()
        path.addRect(self._label_rect)
        return path

    def paint(self, painter: QPainter, option, widget=None) -> None:  # noqa: ANN001 - Qt's signature
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(self.pen())
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self.path())
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self.pen().color())
        painter.drawPolygon(self._arrow)
        if not self._label_rect.isNull():
            painter.setPen(QPen(self.pen().color(), 1.0))
            painter.setBrush(QColor(self._look.graph.label.fill))
            painter.drawRoundedRect(self._label_rect, 8.5, 8.5)
            painter.setFont(self._font)
            painter.setPen(QColor(self._look.graph.label.text))
            painter.drawText(self._label_rect, Qt.AlignmentFlag.AlignCenter, self.edge.label)


def _rounded_path(pts: list[QPointF], radius: float = 10.0) -> QPainterPath:
    path = QPainterPath(pts[0]) if pts else QPainterPath()
    for i in range(1, len(pts) - 1):
        prev, cur, nxt = pts[i - 1], pts[i], pts[i + 1]
        a, b = _toward(cur, prev, radius), _toward(cur, nxt, radius)
        path.lineTo(a)
        path.quadTo(cur, b)
    if len(pts) > 1:
        path.lineTo(pts[-1])
    return path


def _toward(origin: QPointF, target: QPointF, dist: float) -> QPointF:
    dx, dy = target.x() - origin.x(), target.y() - origin.y()
    length = math.hypot(dx, dy)
    if length == 0:
        return QPointF(origin)
    d = min(dist, length / 2)
    return QPointF(origin.x() + dx / length * d, origin.y() + dy / length * d)


def _arrowhead(tail: QPointF, tip: QPointF, size: float = 8.0) -> QPolygonF:
    angle = math.atan2(tip.y() - tail.y(), tip.x() - tail.x())
    left = QPointF(tip.x() - size * math.cos(angle - 0.4), tip.y() - size * math.sin(angle - 0.4))
    right = QPointF(tip.x() - size * math.cos(angle + 0.4), tip.y() - size * math.sin(angle + 0.4))
    return QPolygonF([tip, left, right])


def populate(scene: QGraphicsScene, graph: Graph, look: Theme = EXPORT_LOOK) -> dict[str, StateItem]:
    """Fill ``scene`` with the graph drawn in ``look``; returns node id -> item."""
    scene.clear()
    items: dict[str, StateItem] = {}
    for node in graph.nodes:
        item = StateItem(node, (graph.name_line_height, graph.label_line_height), look)
        item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, False)
        scene.addItem(item)
        items[node.id] = item
    for edge in graph.edges:
        scene.addItem(EdgeItem(edge, look))
    scene.setSceneRect(QRectF(0, 0, graph.width, graph.height))
    return items


def apply_outcomes(items: Mapping[str, StateItem], outcomes: Mapping[str, str]) -> None:
    """Colour every state by its outcome.

    A run's outcomes leave out the states it never entered: with any outcomes
    given, those are "not_reached"; an empty mapping clears all colours. An
    outcome this view does not know leaves its state neutral.
    """
    for node_id, item in items.items():
        item.set_outcome(outcomes.get(node_id, "not_reached") if outcomes else None)


LEGEND_ROW_H = 18.0


def legend_size() -> QSize:
    fm = QFontMetricsF(fonts()[1])
    width = sum(fm.horizontalAdvance(OUTCOME_LABELS[o]) + 26 for o in OUTCOMES) + 8
    return QSize(math.ceil(width), int(LEGEND_ROW_H + 8))


def paint_legend(painter: QPainter, origin: QPointF, look: Theme = EXPORT_LOOK) -> None:
    """One row of swatches, on its own background so it reads over the graph's lines."""
    size = legend_size()
    colors = look.graph
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(QColor(colors.line), 1.0))
    painter.setBrush(theme.qcolor(colors.legend.fill, colors.legend_alpha))
    painter.drawRoundedRect(QRectF(origin, size.toSizeF()), 5, 5)
    font = fonts()[1]
    painter.setFont(font)
    fm = QFontMetricsF(font)
    x = origin.x() + 8
    for outcome in OUTCOMES:
        fill = outcome_fill(outcome, look)
        painter.setPen(QPen(fill.darker(150), 1.0))
        painter.setBrush(fill)
        painter.drawRoundedRect(QRectF(x, origin.y() + 8, 12, 12), 3, 3)
        painter.setPen(QColor(colors.legend.text))
        text_w = fm.horizontalAdvance(OUTCOME_LABELS[outcome])
        painter.drawText(QRectF(x + 16, origin.y() + 4, text_w + 2, LEGEND_ROW_H + 2),
                         Qt.AlignmentFlag.AlignVCenter, OUTCOME_LABELS[outcome])
        x += text_w + 26


def _render(scene: QGraphicsScene, painter: QPainter, scale: float, legend: bool) -> None:
    """The whole scene at ``scale``, below a legend band when asked (sized like the graph's text)."""
    source = scene.sceneRect()
    painter.scale(scale, scale)
    band = _legend_band(legend)
    if legend:
        paint_legend(painter, QPointF(8, 4))
    scene.render(painter, QRectF(0, band, source.width(), source.height()), source)


def _legend_band(legend: bool) -> float:
    return legend_size().height() + 8.0 if legend else 0.0


def png_bytes(scene: QGraphicsScene, width: int | None = None, legend: bool = False) -> bytes:
    """The whole scene as PNG: 2x by default, capped so huge graphs still fit in memory."""
    src = scene.sceneRect()
    w, h = src.width(), src.height() + _legend_band(legend)
    scale = (width / w) if width else 2.0
    scale = min(scale, MAX_PNG_SIDE / max(w, h), math.sqrt(MAX_PNG_PIXELS / max(1.0, w * h)))
    image = QImage(max(1, round(w * scale)), max(1, round(h * scale)), QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QColor(EXPORT_LOOK.graph.canvas))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    _render(scene, painter, scale, legend)
    painter.end()
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, "PNG")
    buf.close()
    return bytes(data.data())


def svg_bytes(scene: QGraphicsScene, title: str = "State machine", legend: bool = False) -> bytes:
    """The whole scene as SVG (text stays text, so names are searchable)."""
    src = scene.sceneRect()
    size = QSize(math.ceil(src.width()), math.ceil(src.height() + _legend_band(legend)))
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    gen = QSvgGenerator()
    gen.setOutputDevice(buf)
    gen.setTitle(title)
    gen.setSize(size)
    gen.setViewBox(QRectF(0, 0, size.width(), size.height()))
    painter = QPainter(gen)
    painter.fillRect(QRectF(0, 0, size.width(), size.height()), QColor(EXPORT_LOOK.graph.canvas))
    _render(scene, painter, 1.0, legend)
    painter.end()
    buf.close()
    return bytes(data.data())


def write_image(scene: QGraphicsScene, path: str | Path, width: int | None = None, legend: bool = False) -> None:
    """PNG or SVG by suffix; raises OSError when the file cannot be written, ValueError on a bad suffix."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".png":
        data = png_bytes(scene, width, legend)
    elif suffix == ".svg":
        data = svg_bytes(scene, path.stem, legend)
    else:
        raise ValueError(f"{path.name}: the output must end in .png or .svg")
    path.write_bytes(data)


def render_graph(graph: Graph, path: str | Path, outcomes: Mapping[str, str] | None = None,
                 width: int | None = None) -> None:
    """Draw ``graph`` to a PNG or SVG file without showing a window (needs a QApplication)."""
    scene = QGraphicsScene()
    items = populate(scene, graph)
    if outcomes:
        apply_outcomes(items, outcomes)
    try:
        write_image(scene, path, width, legend=bool(outcomes))
    finally:
        scene.clear()
