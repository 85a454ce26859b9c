"""The theme: every colour readable in the light and the dark palette, following a palette switch,
and no colour written anywhere else in the UI."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QTableView

import opsconsole.ui
from opsconsole.core.executions.history.runs import RUN_STATUSES
from opsconsole.core.executions.listing import STATUSES, Execution
from opsconsole.core.lexreview import triage
from opsconsole.core.lexreview.deploy import record
from opsconsole.ui import theme
from opsconsole.ui.executions.graph.export import OUTCOMES
from opsconsole.ui.executions.table_model import Column, ExecutionsTableModel
from opsconsole.ui.theme import DARK, LIGHT, THEMES, contrast_ratio
from opsconsole.ui.widgets.message_bar import MessageBar, Severity
from opsconsole.ui.widgets.status_badge import StatusBadgeDelegate

AA = 4.5  # WCAG AA for text
NON_TEXT = 3.0  # WCAG 1.4.11: a badge's shape against the table it sits on

BADGES = [(t, group, value) for t in THEMES for group in theme.BADGE_GROUPS for value in t.badges(group)]


def _id(case) -> str:
    t, group, value = case
    return f"{t.name}-{group}-{value}"


@pytest.mark.parametrize("case", BADGES, ids=[_id(c) for c in BADGES])
def test_every_status_badge_text_reads_on_its_fill(case):
    t, group, value = case
    swatch = t.badges(group)[value]
    assert contrast_ratio(swatch.text, swatch.fill) >= AA


@pytest.mark.parametrize("t", THEMES, ids=lambda t: t.name)
def test_status_badges_stand_out_from_the_table(t):
    for group in ("execution", "review_item", "deployment", "alarm"):
        for value, swatch in t.badges(group).items():
            assert contrast_ratio(swatch.fill, t.base) >= NON_TEXT, (group, value)


@pytest.mark.parametrize("t", THEMES, ids=lambda t: t.name)
def test_every_status_the_app_knows_has_a_colour_and_a_word(t):
    assert set(t.execution) == set(STATUSES) == set(theme.EXECUTION_LABELS)
    assert set(t.outcome) == set(RUN_STATUSES) | {"not_reached"} >= set(OUTCOMES)
    assert set(t.review_item) == set(triage.STATUSES) == set(theme.REVIEW_ITEM_LABELS)
    assert set(t.deployment) >= {record.IN_PROGRESS, record.SUCCEEDED, record.FAILED, record.SUPERSEDED}
    assert set(t.deployment) == set(theme.DEPLOYMENT_LABELS)
    assert set(t.alarm) == {"OK", "ALARM", "INSUFFICIENT_DATA"} == set(theme.ALARM_LABELS)
    for labels in (theme.EXECUTION_LABELS, theme.REVIEW_ITEM_LABELS, theme.DEPLOYMENT_LABELS):
        assert all(w[0].isupper() and "_" not in w for w in labels.values())


@pytest.mark.parametrize("t", THEMES, ids=lambda t: t.name)
def test_text_on_every_other_fill_reads(t):
    pairs = {
        "failed attempt": (t.failed_attempt.text, t.failed_attempt.fill),
        "offline banner": (t.offline_banner.text, t.offline_banner.fill),
        "sandbox badge": (t.sandbox_badge.text, t.sandbox_badge.fill),
        **{f"{k} strip": (s.text, s.fill) for k, s in t.severity.items()},
        **{f"text in a {k} turn": (t.text, b.fill) for k, b in t.bubbles.items()},
        **{f"'current' label in a {k} turn": (t.current_label, b.fill) for k, b in t.bubbles.items()},
        "customer label": (t.muted, t.bubbles["customer"].fill),
        "bot label": (t.muted, t.bubbles["bot"].fill),
        "missed label": (t.missed_label, t.bubbles["missed"].fill),
        "forwarded label": (t.forwarded_label, t.bubbles["forwarded"].fill),
        **{f"graph {n}": (getattr(t.graph, n).text, getattr(t.graph, n).fill)
           for n in ("neutral", "pseudo", "tag", "label", "legend")},
    }
    for name in ("text", "muted", "danger", "success", "warning", "link"):
        for ground in ("window", "base"):
            pairs[f"{name} on {ground}"] = (getattr(t, name), getattr(t, ground))
    failing = {k: round(contrast_ratio(a, b), 2) for k, (a, b) in pairs.items() if contrast_ratio(a, b) < AA}
    assert not failing


@pytest.mark.parametrize("t", THEMES, ids=lambda t: t.name)
def test_graph_outcomes_are_told_apart(t):
    fills = [QColor(t.graph.neutral.fill)] + [QColor(t.outcome[o].fill) for o in OUTCOMES]
    for i, a in enumerate(fills):
        for b in fills[i + 1:]:
            distance = ((a.red() - b.red()) ** 2 + (a.green() - b.green()) ** 2 + (a.blue() - b.blue()) ** 2) ** 0.5
            assert distance > 50, (a.name(), b.name())


def test_the_dark_theme_is_made_for_dark_windows():
    assert not LIGHT.dark and DARK.dark
    assert QColor(DARK.window).lightness() < 128 <= QColor(LIGHT.window).lightness()
    # Not the light colours again: a dark desktop gets its own statuses.
    assert DARK.execution["FAILED"] != LIGHT.execution["FAILED"]


def test_the_theme_follows_a_palette_switch(qtbot, app_palette):
    assert theme.current() is LIGHT
    bar = MessageBar()
    qtbot.addWidget(bar)
    bar.show_message("Not applied", "Someone else changed it first.", Severity.WARNING)
    assert LIGHT.severity["warning"].fill in bar.styleSheet()

    app_palette(DARK)
    assert theme.current() is DARK
    assert DARK.severity["warning"].fill in bar.styleSheet(), "a widget shown before the switch restyles"

    app_palette(LIGHT)
    assert theme.current() is LIGHT
    assert LIGHT.severity["warning"].fill in bar.styleSheet()


def test_the_theme_is_picked_by_window_lightness(qapp):
    palette = QPalette(qapp.palette())
    palette.setColor(QPalette.ColorRole.Window, QColor(DARK.window))
    assert theme.for_palette(palette) is DARK
    palette.setColor(QPalette.ColorRole.Window, QColor(LIGHT.window))
    assert theme.for_palette(palette) is LIGHT
    assert theme.for_palette(theme.make_palette(DARK)) is DARK


@pytest.mark.parametrize("look", THEMES, ids=lambda t: t.name)
def test_badges_are_painted_in_the_theme_in_use(qtbot, app_palette, look):
    app_palette(look)
    model = ExecutionsTableModel()
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    model.append_page([
        Execution(f"arn:aws:states:r:1:execution:m:e{i}", f"e{i}", "arn:aws:states:r:1:stateMachine:m", "m", s, start)
        for i, s in enumerate(STATUSES)
    ])
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.setItemDelegateForColumn(Column.STATUS, StatusBadgeDelegate("execution", theme.EXECUTION_LABELS, view))
    view.setColumnWidth(Column.STATUS, 150)
    view.resize(600, 400)
    image = view.viewport().grab().toImage()
    for row, status in enumerate(STATUSES):
        rect = view.visualRect(model.index(row, Column.STATUS))
        colours = {image.pixelColor(x, rect.center().y()).name() for x in range(rect.left(), rect.left() + 40)}
        assert look.execution[status].fill in colours, status


@pytest.mark.parametrize("look", THEMES, ids=lambda t: t.name)
def test_transcript_turns_are_filled_in_the_theme_in_use(qtbot, app_palette, look):
    from opsconsole.core.lexreview.conversations import Conversation, Turn
    from opsconsole.ui.lexreview.agent.transcript import TranscriptView

    app_palette(look)
    turns = (Turn(0, "bot", "How can I help?"), Turn(1, "customer", "lost my card", "FallbackIntent", True),
             Turn(2, "customer", "wire money", "FallbackIntent", True))
    view = TranscriptView()
    qtbot.addWidget(view)
    view.resize(500, 400)
    view.set_conversation(Conversation("c1", "b", "Bank", "en_US", "tom", "chat",
                                       datetime(2024, 5, 3, tzinfo=timezone.utc), turns), forwarded={2: "Transfer"})
    image = view.viewport().grab().toImage()
    colours = {image.pixelColor(x, y).name() for x in range(0, image.width(), 4) for y in range(0, image.height(), 4)}
    for kind in ("bot", "missed", "forwarded"):
        assert look.bubbles[kind].fill in colours, kind


def test_an_unknown_badge_group_is_refused():
    with pytest.raises(KeyError):
        StatusBadgeDelegate("executions")


# -- no colour outside the theme ------------------------------------------------------------------
#: A colour written into code: hex (#rgb, #rrggbb, #aarrggbb), rgb()/rgba(), QColor built from a
#: literal, Qt's named colours, or a colour name in a style sheet or rich text.
_COLOUR_NAMES = r"(?:white|black|gray|grey|red|green|blue|yellow|orange|purple|darkred|lightgray|lightgrey)"
COLOUR_LITERAL = re.compile(
    r"""(?<![\w&])#(?:[0-9a-fA-F]{8}|[0-9a-fA-F]{6}|[0-9a-fA-F]{3})(?![\w-])"""
    r"|\brgba?\s*\("
    r"""|\bQColor\(\s*(?:["'\d]|Qt\.)"""
    r"|\bQt\.(?:GlobalColor\b|(?:white|black|red|green|blue|gray|darkGray|lightGray|yellow)\b)"
    rf"""|(?:color|background(?:-color)?|border(?:-[a-z]+)?)\s*:[^;'"{{}}]*\b{_COLOUR_NAMES}\b"""
)


def colour_literals(source: str) -> list[str]:
    """Each line of ``source`` that writes a colour itself (comments and docstrings count: keep them plain)."""
    return [line.strip() for line in source.splitlines() if COLOUR_LITERAL.search(line)]


@pytest.mark.parametrize("line", [
    'label.setStyleSheet("color: #cf222e")',
    "QColor('#0b63c4')",
    "QColor(198, 40, 40, 40)",
    "brush = QColor(Qt.GlobalColor.red)",
    "painter.setPen(Qt.white)",
    "f\"<span style='color:gray'>{arn}</span>\"",
    '"QFrame#offlineBanner { background: #cf222e; } QLabel { color: white; }"',
    'text = "<b style=\'background:rgba(0, 0, 0, 40)\'>x</b>"',
    'FILL = "#fff"',
    'BORDER = "border: 1px solid black;"',
])
def test_the_scan_finds_a_colour_literal(line):
    assert colour_literals(line) == [line]


@pytest.mark.parametrize("line", [
    'self.error_box.setStyleSheet(f"#errorBox {{ border: 2px solid {colors.danger}; }}")',
    '"#message-bar { background: palette(window); }"',
    'label.setStyleSheet("color: palette(placeholder-text);")',
    "QColor(theme.current().link)",
    "dim = QColor(text_color)",
    'self.setObjectName("sandboxBadge")  # the badge',
    'text = "&#123;"',
])
def test_the_scan_lets_theme_use_through(line):
    assert colour_literals(line) == []


def test_no_ui_module_but_the_theme_writes_a_colour():
    root = Path(opsconsole.ui.__file__).parent
    offenders = {}
    for path in sorted(root.rglob("*.py")):
        if path.parent == root / "theme":
            continue
        found = colour_literals(path.read_text(encoding="utf-8"))
        if found:
            offenders[str(path.relative_to(root))] = found
    assert not offenders, "colours belong in ui/theme/"
