"""The two palettes, light and dark, as data: the swatches of every status, outcome, banner and bubble.

What each colour is for is in :class:`Theme`'s fields; the values are chosen
for their set's reference window and base (``tests/ui/test_theme.py`` holds
them to WCAG AA). The words shown beside status colours live here too, keyed
like the swatches.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from opsconsole.ui.theme.contrast import NEAR_BLACK, WHITE, blend, readable_text_color


# -- the parts of a theme ------------------------------------------------------------------------
@dataclass(frozen=True)
class Swatch:
    """A fill and the text drawn on it."""

    fill: str
    text: str

    @classmethod
    def on(cls, fill: str, dark: str = NEAR_BLACK, light: str = WHITE) -> Swatch:
        """``fill`` with black or white text, whichever reads better."""
        return cls(fill, readable_text_color(fill, dark, light).name())

    def style(self) -> str:
        """Style-sheet declarations for a label showing this swatch."""
        return f"background: {self.fill}; color: {self.text};"


@dataclass(frozen=True)
class Strip:
    """An inline message strip: tinted fill, border, a bold accent edge, and its text."""

    fill: str
    border: str
    accent: str
    text: str


@dataclass(frozen=True)
class Bubble:
    """A transcript turn: fill and border."""

    fill: str
    border: str


@dataclass(frozen=True)
class GraphColors:
    """The state machine graph's own colours (boxes, lines, labels, legend)."""

    neutral: Swatch  # a state drawn from the definition alone
    pseudo: Swatch  # Start / End
    tag: Swatch  # title tag of a branch or item processor
    label: Swatch  # the pill on a transition
    legend: Swatch  # the legend's background and text
    legend_alpha: int
    scope_fill: str  # a branch's or processor's translucent body
    scope_alpha: int
    line: str
    catch: str
    select: str  # the selection halo: a hue no outcome uses
    canvas: str  # behind the graph in a saved picture
    text_dark: str
    text_light: str


def _mapping(**kwargs: Swatch) -> Mapping[str, Swatch]:
    return MappingProxyType(dict(kwargs))


@dataclass(frozen=True, eq=False)
class Theme:
    """All colours of one palette (light or dark)."""

    name: str
    dark: bool
    # Reference palette the colours are checked against (close to Fusion's own).
    window: str
    base: str
    text: str
    #: Secondary text (ARNs, hints) on the window or the base.
    muted: str
    #: Text colours straight on the window or base.
    danger: str
    success: str
    warning: str
    link: str
    #: Execution statuses (Step Functions), keyed by the API's value.
    execution: Mapping[str, Swatch]
    #: What happened to a state in one run: graph boxes and timeline bars.
    outcome: Mapping[str, Swatch]
    #: The failed attempts of a retried state on the timeline, and the hatch over waits.
    failed_attempt: Swatch
    wait_hatch: str
    wait_hatch_alpha: int
    #: Review item statuses and deployment statuses (Lex review).
    review_item: Mapping[str, Swatch]
    deployment: Mapping[str, Swatch]
    #: CloudWatch alarm states.
    alarm: Mapping[str, Swatch]
    #: A2I human loop statuses, and document review task statuses.
    human_loop: Mapping[str, Swatch]
    review_task: Mapping[str, Swatch]
    #: Message strip severities: "error", "warning", "info".
    severity: Mapping[str, Strip]
    offline_banner: Swatch
    sandbox_badge: Swatch
    #: Transcript turns and their labels.
    bubbles: Mapping[str, Bubble]  # customer, bot, missed, forwarded
    current_border: str
    missed_label: str
    forwarded_label: str
    current_label: str
    #: A JSON error: the whole line, and the character itself (alpha over the editor's base).
    error_line_alpha: int
    error_char_alpha: int
    graph: GraphColors
    #: Forecast charts: the actuals line, then one colour per model overlaid (distinct, readable on ``base``).
    forecast_actuals: str = "#202020"
    forecast_models: tuple[str, ...] = ()

    def badges(self, group: str) -> Mapping[str, Swatch]:
        """The status swatches of ``group``: "execution", "outcome", "review_item", "deployment", "alarm"."""
        if group not in BADGE_GROUPS:
            raise KeyError(f"no badge group {group!r}; one of {', '.join(BADGE_GROUPS)}")
        return getattr(self, group)

    def badge(self, group: str, value: str) -> Swatch:
        """One status's swatch; unknown values get the neutral grey of an aborted run."""
        return self.badges(group).get(value) or self.execution["ABORTED"]

    def bubble(self, speaker: str, missed: bool, forwarded: bool) -> Bubble:
        if forwarded:
            return self.bubbles["forwarded"]
        if missed:
            return self.bubbles["missed"]
        return self.bubbles["bot" if speaker == "bot" else "customer"]


BADGE_GROUPS = ("execution", "outcome", "review_item", "deployment", "alarm", "human_loop", "review_task")


def _strip(window: str, accent: str, text: str) -> Strip:
    return Strip(blend(window, accent, 0.16).name(), blend(window, accent, 0.45).name(), accent, text)


def _bubbles(base: str, text: str, customer: str, bot: str, missed: str, forwarded: str) -> dict[str, Bubble]:
    return {
        "customer": Bubble(blend(base, customer, 0.12).name(), blend(base, text, 0.45).name()),
        "bot": Bubble(blend(base, bot, 0.07).name(), blend(base, text, 0.45).name()),
        "missed": Bubble(blend(base, missed, 0.28).name(), blend(base, missed, 0.45).name()),
        "forwarded": Bubble(blend(base, forwarded, 0.28).name(), blend(base, forwarded, 0.45).name()),
    }


# -- light ---------------------------------------------------------------------------------------
_L_WINDOW, _L_BASE, _L_TEXT = "#efefef", "#ffffff", "#1f2328"
_L_BLUE, _L_GREEN, _L_RED, _L_ORANGE, _L_GREY, _L_VIOLET = (
    "#0b63c4", "#1d7d35", "#c62828", "#a65400", "#5f6b7a", "#7b3fbf")
_L_AMBER = "#c77700"

LIGHT = Theme(
    name="light",
    dark=False,
    window=_L_WINDOW,
    base=_L_BASE,
    text=_L_TEXT,
    muted="#59636e",
    danger=_L_RED,
    success=_L_GREEN,
    warning=_L_ORANGE,
    link=_L_BLUE,
    execution=_mapping(
        RUNNING=Swatch.on(_L_BLUE), SUCCEEDED=Swatch.on(_L_GREEN), FAILED=Swatch.on(_L_RED),
        TIMED_OUT=Swatch.on(_L_ORANGE), ABORTED=Swatch.on(_L_GREY), PENDING_REDRIVE=Swatch.on(_L_VIOLET),
    ),
    outcome=_mapping(
        not_reached=Swatch.on("#c3c9d1"), running=Swatch.on(_L_BLUE), succeeded=Swatch.on(_L_GREEN),
        retried=Swatch.on("#4d7a14"), caught=Swatch.on("#a85a00"), failed=Swatch.on(_L_RED),
        timed_out=Swatch.on("#a11d5a"), aborted=Swatch.on(_L_GREY),
    ),
    failed_attempt=Swatch.on("#ef9a9a"),
    wait_hatch=WHITE,
    wait_hatch_alpha=150,
    review_item=_mapping(
        PENDING=Swatch.on(_L_GREY), APPROVED=Swatch.on(_L_BLUE), REJECTED=Swatch.on(_L_RED),
        DEPLOYED=Swatch.on(_L_GREEN),
    ),
    deployment=_mapping(
        IN_PROGRESS=Swatch.on(_L_BLUE), SUCCEEDED=Swatch.on(_L_GREEN), FAILED=Swatch.on(_L_RED),
        INTERRUPTED=Swatch.on(_L_ORANGE), SUPERSEDED=Swatch.on(_L_GREY),
    ),
    alarm=_mapping(OK=Swatch.on(_L_GREEN), ALARM=Swatch.on(_L_RED), INSUFFICIENT_DATA=Swatch.on(_L_GREY)),
    human_loop=_mapping(
        InProgress=Swatch.on(_L_BLUE), Completed=Swatch.on(_L_GREEN), Failed=Swatch.on(_L_RED),
        Stopping=Swatch.on(_L_ORANGE), Stopped=Swatch.on(_L_GREY),
    ),
    review_task=_mapping(
        WAITING=Swatch.on(_L_GREY), CLAIMED=Swatch.on(_L_BLUE), REVIEWED=Swatch.on(_L_GREEN),
        REJECTED=Swatch.on(_L_RED),
    ),
    severity=MappingProxyType({
        "error": _strip(_L_WINDOW, _L_RED, _L_TEXT),
        "warning": _strip(_L_WINDOW, _L_AMBER, _L_TEXT),
        "info": _strip(_L_WINDOW, _L_BLUE, _L_TEXT),
    }),
    offline_banner=Swatch.on(_L_RED),
    sandbox_badge=Swatch.on("#b35900"),
    bubbles=MappingProxyType(_bubbles(_L_BASE, _L_TEXT, _L_BLUE, _L_GREY, _L_AMBER, _L_GREEN)),
    current_border=_L_BLUE,
    missed_label="#8a4b00",
    forwarded_label="#165f28",
    current_label="#0a4f9c",
    error_line_alpha=40,
    error_char_alpha=90,
    graph=GraphColors(
        neutral=Swatch.on("#f4f6f9", dark="#050608"),
        pseudo=Swatch.on("#3d4651", dark="#050608"),
        tag=Swatch.on("#e3e7ed", dark="#050608"),
        label=Swatch.on("#fbfcfd", dark="#050608"),
        legend=Swatch.on(WHITE, dark="#050608"),
        legend_alpha=235,
        scope_fill="#808080",
        scope_alpha=18,
        line="#7b8794",
        catch="#c8553d",
        select="#7c4dff",
        canvas=WHITE,
        text_dark="#050608",
        text_light=WHITE,
    ),
    forecast_actuals="#1b1f24",
    forecast_models=("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#8c6d00", "#56b4e9"),
)


# -- dark ----------------------------------------------------------------------------------------
_D_WINDOW, _D_BASE, _D_TEXT = "#2b2d30", "#1e1f22", "#e6e6e6"
_D_BLUE, _D_GREEN, _D_RED, _D_ORANGE, _D_GREY, _D_VIOLET = (
    "#539bf5", "#57ab5a", "#f47067", "#d9822b", "#8b949e", "#b083f0")
_D_AMBER = "#daaa3f"

DARK = Theme(
    name="dark",
    dark=True,
    window=_D_WINDOW,
    base=_D_BASE,
    text=_D_TEXT,
    muted="#a2a9b3",
    danger="#ff8a80",
    success="#6bc46d",
    warning="#e0a25a",
    link="#6cb6ff",
    execution=_mapping(
        RUNNING=Swatch.on(_D_BLUE), SUCCEEDED=Swatch.on(_D_GREEN), FAILED=Swatch.on(_D_RED),
        TIMED_OUT=Swatch.on(_D_ORANGE), ABORTED=Swatch.on(_D_GREY), PENDING_REDRIVE=Swatch.on(_D_VIOLET),
    ),
    outcome=_mapping(
        not_reached=Swatch.on("#5c646e", light=_D_TEXT), running=Swatch.on(_D_BLUE),
        succeeded=Swatch.on(_D_GREEN), retried=Swatch.on("#8fb83a"), caught=Swatch.on(_D_ORANGE),
        failed=Swatch.on(_D_RED), timed_out=Swatch.on("#e26d9f"), aborted=Swatch.on(_D_GREY),
    ),
    failed_attempt=Swatch.on("#f2a7a7"),
    wait_hatch=WHITE,
    wait_hatch_alpha=150,
    review_item=_mapping(
        PENDING=Swatch.on(_D_GREY), APPROVED=Swatch.on(_D_BLUE), REJECTED=Swatch.on(_D_RED),
        DEPLOYED=Swatch.on(_D_GREEN),
    ),
    deployment=_mapping(
        IN_PROGRESS=Swatch.on(_D_BLUE), SUCCEEDED=Swatch.on(_D_GREEN), FAILED=Swatch.on(_D_RED),
        INTERRUPTED=Swatch.on(_D_ORANGE), SUPERSEDED=Swatch.on(_D_GREY),
    ),
    alarm=_mapping(OK=Swatch.on(_D_GREEN), ALARM=Swatch.on(_D_RED), INSUFFICIENT_DATA=Swatch.on(_D_GREY)),
    human_loop=_mapping(
        InProgress=Swatch.on(_D_BLUE), Completed=Swatch.on(_D_GREEN), Failed=Swatch.on(_D_RED),
        Stopping=Swatch.on(_D_ORANGE), Stopped=Swatch.on(_D_GREY),
    ),
    review_task=_mapping(
        WAITING=Swatch.on(_D_GREY), CLAIMED=Swatch.on(_D_BLUE), REVIEWED=Swatch.on(_D_GREEN),
        REJECTED=Swatch.on(_D_RED),
    ),
    severity=MappingProxyType({
        "error": _strip(_D_WINDOW, _D_RED, _D_TEXT),
        "warning": _strip(_D_WINDOW, _D_AMBER, _D_TEXT),
        "info": _strip(_D_WINDOW, _D_BLUE, _D_TEXT),
    }),
    offline_banner=Swatch.on("#9e1c23", light=_D_TEXT),
    sandbox_badge=Swatch.on(_D_ORANGE),
    bubbles=MappingProxyType(_bubbles(_D_BASE, _D_TEXT, _D_BLUE, _D_GREY, _D_AMBER, _D_GREEN)),
    current_border=_D_BLUE,
    missed_label="#f0c060",
    forwarded_label="#8fd88f",
    current_label="#8cc4ff",
    error_line_alpha=60,
    error_char_alpha=120,
    graph=GraphColors(
        neutral=Swatch.on("#33373d", dark="#050608", light=_D_TEXT),
        pseudo=Swatch.on("#c5ccd6", dark="#050608"),
        tag=Swatch.on("#454c55", dark="#050608", light=_D_TEXT),
        label=Swatch.on("#2a2e34", dark="#050608", light=_D_TEXT),
        legend=Swatch.on("#26292e", dark="#050608", light=_D_TEXT),
        legend_alpha=235,
        scope_fill="#808080",
        scope_alpha=30,
        line="#8b949e",
        catch="#e07a5f",
        select="#b39dff",
        canvas=_D_BASE,
        text_dark="#050608",
        text_light=_D_TEXT,
    ),
    forecast_actuals="#e8eaed",
    forecast_models=("#56b4e9", "#f0a04b", "#4fd1a5", "#e597c8", "#f0e442", "#a8b8ff"),
)

THEMES = (LIGHT, DARK)


# -- the words shown for statuses (beside their colours) -------------------------------------------
EXECUTION_LABELS: Mapping[str, str] = MappingProxyType(
    {s: s.replace("_", " ").capitalize() for s in LIGHT.execution})
REVIEW_ITEM_LABELS: Mapping[str, str] = MappingProxyType({s: s.capitalize() for s in LIGHT.review_item})
DEPLOYMENT_LABELS: Mapping[str, str] = MappingProxyType({
    "IN_PROGRESS": "In progress",
    "SUCCEEDED": "Succeeded",
    "FAILED": "Failed",
    "INTERRUPTED": "Interrupted",
    "SUPERSEDED": "Superseded",
})
ALARM_LABELS: Mapping[str, str] = MappingProxyType(
    {"OK": "OK", "ALARM": "In alarm", "INSUFFICIENT_DATA": "Insufficient data"})

