"""Colour arithmetic the theme is built and checked with: WCAG contrast, readable text on a fill, blends, alpha.

Qt-free in spirit but working on :class:`QColor`, so callers can pass either a
colour or its ``#rrggbb`` name.
"""

from __future__ import annotations

from PySide6.QtGui import QColor

NEAR_BLACK = "#111111"
WHITE = "#ffffff"


def relative_luminance(color: QColor | str) -> float:
    """WCAG 2 relative luminance of an sRGB colour."""
    color = QColor(color)

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(color.redF()) + 0.7152 * channel(color.greenF()) + 0.0722 * channel(color.blueF())


def contrast_ratio(a: QColor | str, b: QColor | str) -> float:
    """WCAG contrast ratio, 1 (none) to 21 (black on white)."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def readable_text_color(fill: QColor | str, dark: str = NEAR_BLACK, light: str = WHITE) -> QColor:
    """``dark`` or ``light`` (near-black or white by default), whichever reads better on ``fill``."""
    return QColor(dark if contrast_ratio(fill, dark) >= contrast_ratio(fill, light) else light)


def blend(base: QColor | str, accent: QColor | str, amount: float) -> QColor:
    """``accent`` mixed into ``base``: a tint on light palettes, a wash on dark ones."""
    base, accent = QColor(base), QColor(accent)
    return QColor(
        round(base.red() + (accent.red() - base.red()) * amount),
        round(base.green() + (accent.green() - base.green()) * amount),
        round(base.blue() + (accent.blue() - base.blue()) * amount),
    )


def qcolor(hex_color: str, alpha: int = 255) -> QColor:
    """A QColor from ``#rrggbb`` with an alpha (0-255)."""
    color = QColor(hex_color)
    color.setAlpha(alpha)
    return color


def rgba(hex_color: str, alpha: int) -> str:
    """``rgba(...)`` for style sheets and rich text, which do not take ``#aarrggbb`` the same way."""
    c = QColor(hex_color)
    return f"rgba({c.red()}, {c.green()}, {c.blue()}, {alpha})"

