"""The execution graph view: outcome colours, clicking states, zoom/fit, export, headless rendering."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QImage, QWheelEvent
from PySide6.QtWidgets import QApplication

from opsconsole.core.executions.asl import build_graph
from opsconsole.ui import theme
from opsconsole.ui.executions.graph.export import OUTCOMES
from opsconsole.ui.executions.graph.view import GraphView, render_graph

DATA = Path(__file__).resolve().parents[2] / "data" / "asl"


def training_graph():
    from opsconsole.sandbox.scenario.executions.definitions import build_definitions

    return build_graph(build_definitions("http://127.0.0.1:4599")["training"])


@pytest.fixture
def view(qtbot):
    v = GraphView()
    qtbot.addWidget(v)
    v.resize(900, 700)
    v.set_graph(training_graph())
    v.show()
    qtbot.waitExposed(v)
    return v


def click_state(qtbot, view: GraphView, name: str, where: str = "centre") -> None:
    item = view.item_for_state(name) or view.scene().items()[0]
    rect = item.rect()
    point = rect.center() if where == "centre" else QPointF(rect.right() - 6, rect.bottom() - 6)
    view.ensureVisible(item, 10, 10) if where == "centre" else view.centerOn(point)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.mapFromScene(point))


def test_every_state_gets_an_item_in_neutral_colour(view):
    for node in view.graph.nodes:
        if node.is_state:
            assert view.item_for_state(node.id).brush().color() == QColor(theme.LIGHT.graph.neutral.fill)
    assert view.item_for_state("Prepare training#branch0") is None
    assert view.item_for_state("nope") is None


def test_outcomes_colour_their_states(view):
    outcomes = dict(zip(["Load dataset manifest", "Data quality gate", "Prepare training", "Start processing job",
                         "Reserve training capacity", "Hyperparameter tuning"], OUTCOMES))
    view.set_outcomes({**outcomes, "Not in this machine": "failed", "Select best model": "weird"})
    for name, outcome in outcomes.items():
        assert view.item_for_state(name).brush().color() == QColor(theme.LIGHT.outcome[outcome].fill), name
        assert view.outcome_of(name) == outcome
    assert view.outcome_of("Select best model") is None  # an unknown outcome is ignored
    # A run's outcomes leave out what it never entered: that is "not reached".
    view.set_outcomes({"Load dataset manifest": "succeeded"})
    assert view.outcome_of("Data quality gate") == "not_reached"
    assert view.item_for_state("Wait for training job").brush().color() == QColor(theme.LIGHT.outcome["not_reached"].fill)
    view.set_outcomes({})
    assert view.item_for_state("Load dataset manifest").brush().color() == QColor(theme.LIGHT.graph.neutral.fill)


def test_clicking_a_state_emits_its_name(qtbot, view):
    with qtbot.waitSignal(view.state_clicked, timeout=2000) as blocker:
        click_state(qtbot, view, "Select best model")
    assert blocker.args == ["Select best model"]
    assert view.selected_state() == "Select best model"


def test_clicking_a_nested_state_or_its_container(qtbot, view):
    with qtbot.waitSignal(view.state_clicked, timeout=2000) as blocker:
        click_state(qtbot, view, "Wait for training job")
    assert blocker.args == ["Wait for training job"]
    # Inside the Map, below its processor frame: the Map itself.
    with qtbot.waitSignal(view.state_clicked, timeout=2000) as blocker:
        click_state(qtbot, view, "Hyperparameter tuning", where="corner")
    assert blocker.args == ["Hyperparameter tuning"]


def test_clicking_the_background_or_dragging_emits_nothing(qtbot, view):
    with qtbot.assertNotEmitted(view.state_clicked):
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(3, view.viewport().height() - 3))
    item = view.item_for_state("Select best model")
    start = view.mapFromScene(item.rect().center())
    with qtbot.assertNotEmitted(view.state_clicked):
        qtbot.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=start)
        qtbot.mouseMove(view.viewport(), start + QPoint(40, 40))
        qtbot.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=start + QPoint(40, 40))


def test_select_state_outlines_one_state(view):
    view.select_state("Training complete")
    assert view.item_for_state("Training complete").selected
    view.select_state("Select best model")
    assert not view.item_for_state("Training complete").selected
    view.select_state(None)
    assert view.selected_state() is None and not view.item_for_state("Select best model").selected
    view.select_state("no such state")
    assert view.selected_state() is None


def test_fit_shows_the_whole_graph(qtbot, view):
    view.resize(400, 300)
    view.zoom_in()
    view.zoom_in()
    view.fit()
    shown = view.scene_rect_in_view()
    assert shown.contains(view.scene().itemsBoundingRect())


def test_zoom_keys_wheel_and_f(qtbot, view):
    view.setFocus()
    fitted = view.zoom()
    qtbot.keyClick(view, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert view.zoom() == pytest.approx(fitted * 1.25)
    qtbot.keyClick(view, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(view, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert view.zoom() == pytest.approx(fitted / 1.25)
    centre = QPointF(view.viewport().rect().center())
    wheel = QWheelEvent(centre, view.viewport().mapToGlobal(centre), QPoint(0, 0), QPoint(0, 120),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.ControlModifier, Qt.ScrollPhase.NoScrollPhase,
                        False)
    QApplication.sendEvent(view.viewport(), wheel)
    assert view.zoom() == pytest.approx(fitted)
    qtbot.keyClick(view, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(view, Qt.Key.Key_F)  # F: the whole graph, smaller than the readable zoom it opened at
    assert view.zoom() < fitted
    assert view.scene_rect_in_view().contains(view.scene().itemsBoundingRect())


def test_zoom_is_bounded(view):
    for _ in range(40):
        view.zoom_out()
    assert view.zoom() == pytest.approx(0.05)
    for _ in range(60):
        view.zoom_in()
    assert view.zoom() == pytest.approx(4.0)


def test_export_png_and_svg_hold_the_whole_graph(tmp_path, view):
    view.set_outcomes({"Load dataset manifest": "succeeded", "Data quality gate": "failed"})
    view.zoom_in()  # exports ignore the viewport
    view.export_png(tmp_path / "g.png")
    image = QImage(str(tmp_path / "g.png"))
    assert not image.isNull() and image.width() > 0 and image.height() > 0
    assert image.width() == pytest.approx(view.graph.width * 2, abs=2)
    view.export_svg(tmp_path / "g.svg")
    root = ET.parse(tmp_path / "g.svg").getroot()
    text = " ".join(t for t in root.itertext())
    for node in view.graph.nodes:
        if node.is_state:
            assert node.name in text, node.name
    assert "Succeeded" in text and "Not reached" in text  # the legend comes with outcome colours


def test_render_graph_without_a_window(qtbot, tmp_path):
    graph = build_graph((DATA / "deep_nesting.json").read_text())
    render_graph(graph, tmp_path / "deep.png")
    render_graph(graph, tmp_path / "deep.svg", outcomes={"Tokenise": "retried", "Embed": "caught"})
    assert not QImage(str(tmp_path / "deep.png")).isNull()
    assert "Detect language" in (tmp_path / "deep.svg").read_text(encoding="utf-8")
    assert not [w for w in QApplication.topLevelWidgets() if w.isVisible()]
    with pytest.raises(ValueError, match=r"\.png or \.svg"):
        render_graph(graph, tmp_path / "deep.gif")
    with pytest.raises(OSError):
        render_graph(graph, tmp_path / "missing-folder" / "deep.png")


def test_names_with_markup_characters_survive_svg(qtbot, tmp_path):
    graph = build_graph({"StartAt": "Tom & <Jerry>", "States": {"Tom & <Jerry>": {"Type": "Succeed"}}})
    render_graph(graph, tmp_path / "m.svg")
    assert "Tom & <Jerry>" in "".join(ET.parse(tmp_path / "m.svg").getroot().itertext())


def test_huge_graphs_export_within_image_limits(qtbot, tmp_path):
    graph = build_graph((DATA / "generated_300_states.json").read_text())
    render_graph(graph, tmp_path / "big.png")
    image = QImage(str(tmp_path / "big.png"))
    assert 0 < max(image.width(), image.height()) <= 16000


def test_the_graph_follows_the_palette_and_pictures_stay_light(qtbot, view, app_palette, tmp_path):
    view.set_outcomes({"Load dataset manifest": "failed"})
    app_palette(theme.DARK)
    qtbot.waitUntil(lambda: view.item_for_state("Load dataset manifest").brush().color()
                    == QColor(theme.DARK.outcome["failed"].fill), timeout=2000)
    assert view.item_for_state("Data quality gate").brush().color() == QColor(theme.DARK.outcome["not_reached"].fill)
    # A saved picture goes into documents: the light look, on white, whatever the desktop.
    view.export_png(tmp_path / "dark-desktop.png")
    image = QImage(str(tmp_path / "dark-desktop.png"))
    assert image.pixelColor(image.width() - 2, image.height() - 2) == QColor(theme.LIGHT.graph.canvas)
    colours = {image.pixelColor(x, y).name() for x in range(0, image.width(), 3) for y in range(0, image.height(), 3)}
    assert theme.LIGHT.outcome["failed"].fill in colours and theme.DARK.outcome["failed"].fill not in colours
    app_palette(theme.LIGHT)
    qtbot.waitUntil(lambda: view.item_for_state("Load dataset manifest").brush().color()
                    == QColor(theme.LIGHT.outcome["failed"].fill), timeout=2000)


def test_a_new_graph_replaces_the_old_one(qtbot, view):
    view.set_outcomes({"Load dataset manifest": "failed"})
    view.select_state("Load dataset manifest")
    view.set_graph(build_graph((DATA / "distributed_map.json").read_text()))
    assert view.item_for_state("Load dataset manifest") is None
    assert view.item_for_state("Classify batch") is not None
    assert view.selected_state() is None
    # Too tall to read whole in 900 x 700: it opens readable, at its top, where a run starts.
    assert view.zoom() == pytest.approx(view.readable_zoom())
    start = min((view.item_for_state(n.id) for n in view.graph.nodes if n.is_state), key=lambda i: i.rect().top())
    assert view.scene_rect_in_view().contains(start.sceneBoundingRect())


def test_boxes_fit_the_text_as_the_view_draws_it(qapp):
    """Sized with the fonts' own widths: no name is cut short, however wide its letters are."""
    from PySide6.QtGui import QFontMetricsF

    from opsconsole.ui.executions.graph.fonts import fonts, text_metrics

    wide, narrow = "WWWWWWWWWWWWWWWWWWWW", "iiiiiiiiiiiiiiiiiiii"
    definition = {"StartAt": wide, "States": {wide: {"Type": "Pass", "Next": narrow}, narrow: {"Type": "Succeed"}}}
    graph = build_graph(definition, text_metrics())
    name_font = QFontMetricsF(fonts()[0])
    for node in graph.nodes:
        if node.is_state:
            # The items draw each line in the box less 5 px a side, eliding what does not fit.
            assert all(name_font.horizontalAdvance(line) <= node.w - 10 for line in node.name_lines)
    assert graph.node_for_state(wide).w > graph.node_for_state(narrow).w
    assert "".join(graph.node_for_state(wide).name_lines) == wide  # wrapped, not cut
