"""Every colour of the app, for a light and a dark palette: statuses, outcomes, banners, highlights.

One place decides how things look, so a status has the same colour in the
table, the badge, the graph and the timeline, and a dark desktop gets colours
made for it rather than light ones that happen to be visible. Which set is in
use follows the application palette: a window colour darker than mid-grey
means :data:`DARK`, anything else :data:`LIGHT`.

Colours that carry text come as a :class:`Swatch` (fill and text); the tests
hold every one of them to WCAG AA (4.5:1). Colours drawn as text straight on
the window or the view's base (``danger``, ``success``...) are held to the
same ratio against the reference ``window`` and ``base`` of their set.

The headless graph export (``opsconsole graph``) and saved pictures always
use :data:`LIGHT`: they end up in documents and tickets, not on a screen.

UI modules take colours from here only; ``tests/ui/test_theme.py`` scans them
for colour literals.

The colours themselves are in :mod:`.palettes`, the contrast arithmetic in
:mod:`.contrast`, and following the desktop's palette in :mod:`.desktop`;
callers use this package (``from opsconsole.ui import theme``).
"""

from opsconsole.ui.theme.contrast import (
    blend,
    contrast_ratio,
    qcolor,
    readable_text_color,
    relative_luminance,
    rgba,
)
from opsconsole.ui.theme.desktop import (
    current,
    follow,
    for_palette,
    is_dark_palette,
    make_palette,
)
from opsconsole.ui.theme.palettes import (
    ALARM_LABELS,
    BADGE_GROUPS,
    DARK,
    DEPLOYMENT_LABELS,
    EXECUTION_LABELS,
    LIGHT,
    REVIEW_ITEM_LABELS,
    THEMES,
    Bubble,
    GraphColors,
    Strip,
    Swatch,
    Theme,
)

__all__ = [
    "ALARM_LABELS", "BADGE_GROUPS", "DARK", "DEPLOYMENT_LABELS", "EXECUTION_LABELS", "LIGHT", "REVIEW_ITEM_LABELS",
    "THEMES", "Bubble", "GraphColors", "Strip", "Swatch", "Theme", "blend", "contrast_ratio", "current", "follow",
    "for_palette", "is_dark_palette", "make_palette", "qcolor", "readable_text_color", "relative_luminance", "rgba",
]
