"""The theme on the desktop: which palette is in use, widgets that follow a light/dark switch,
and a whole application palette made from a theme.

This is the Qt glue around :mod:`opsconsole.ui.theme.palettes`: the palettes
are data, this module reads the application palette to pick one and restyles
widgets when the desktop switches.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QWidget

from opsconsole.ui.theme.contrast import NEAR_BLACK, WHITE, blend, readable_text_color
from opsconsole.ui.theme.palettes import DARK, LIGHT, Theme


def is_dark_palette(palette: QPalette) -> bool:
    """A window colour darker than mid-grey: a dark desktop."""
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def for_palette(palette: QPalette) -> Theme:
    return DARK if is_dark_palette(palette) else LIGHT


def current() -> Theme:
    """The theme for the application palette now (:data:`LIGHT` before there is an application)."""
    if QGuiApplication.instance() is None:
        return LIGHT
    return for_palette(QGuiApplication.palette())


class _Follower(QObject):
    """Calls ``apply(theme)`` now and whenever a palette switch changes the theme; dies with its widget."""

    def __init__(self, widget: QObject, apply: Callable[[Theme], None]) -> None:
        super().__init__(widget)
        self._apply = apply
        self._theme: Theme | None = None
        app = QGuiApplication.instance()
        if app is not None:
            app.paletteChanged.connect(self._refresh)
        self._refresh()

    def _refresh(self, *_args: object) -> None:
        theme = current()
        if theme is not self._theme:
            self._theme = theme
            self._apply(theme)


def follow(widget: QWidget, apply: Callable[[Theme], None]) -> None:
    """Style ``widget`` with ``apply(current())`` now and again after every light/dark switch."""
    _Follower(widget, apply)


def make_palette(look: Theme) -> QPalette:
    """A whole application palette in ``look``'s reference colours.

    For a dark look where the platform offers none (and for screenshots and
    tests); everything not in the theme is derived from its window, base and text.
    """
    window, base, text = QColor(look.window), QColor(look.base), QColor(look.text)
    button = blend(window, text, 0.08)
    highlight = blend(base, look.link, 0.55 if look.dark else 0.85)
    p = QPalette(button, window)
    roles = {
        QPalette.ColorRole.Window: window,
        QPalette.ColorRole.WindowText: text,
        QPalette.ColorRole.Base: base,
        QPalette.ColorRole.AlternateBase: blend(base, text, 0.04),
        QPalette.ColorRole.Text: text,
        QPalette.ColorRole.Button: button,
        QPalette.ColorRole.ButtonText: text,
        QPalette.ColorRole.BrightText: QColor(look.danger),
        QPalette.ColorRole.ToolTipBase: base,
        QPalette.ColorRole.ToolTipText: text,
        QPalette.ColorRole.PlaceholderText: QColor(look.muted),
        QPalette.ColorRole.Highlight: highlight,
        QPalette.ColorRole.HighlightedText: readable_text_color(highlight),
        QPalette.ColorRole.Link: QColor(look.link),
        QPalette.ColorRole.LinkVisited: QColor(look.link),
        QPalette.ColorRole.Light: blend(button, WHITE, 0.3),
        QPalette.ColorRole.Midlight: blend(button, WHITE, 0.15),
        QPalette.ColorRole.Mid: blend(button, text, 0.3),
        QPalette.ColorRole.Dark: blend(button, NEAR_BLACK, 0.4),
        QPalette.ColorRole.Shadow: QColor(NEAR_BLACK),
    }
    for role, color in roles.items():
        p.setColor(role, color)
    muted = blend(window, text, 0.45)
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, muted)
    return p
