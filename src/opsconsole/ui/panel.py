"""The base of every area in the main window, how an area is declared, and the 'not built yet' page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QLabel, QStyle, QVBoxLayout, QWidget

from opsconsole.core.errors import UserError
from opsconsole.core.settings import Settings
from opsconsole.ui import theme
from opsconsole.ui.context import AppContext


class Panel(QWidget):
    """One area of the console (executions, review queues, alerts, forecasts).

    A panel loads its first data through the job runner when :meth:`load` is
    called, and says how that went with ``loaded`` (a short summary such as
    ``"1000 items"``) or ``load_failed`` (a :class:`UserError`). It cancels its
    own jobs when the connection changes or when it is closed.
    """

    key = "panel"
    title = "Panel"

    loaded = Signal(str)
    load_failed = Signal(object)
    #: How many new things wait for the user's eye (0: none); the navigation entry shows the count.
    badge_changed = Signal(int)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName(f"panel-{self.key}")
        ctx.connection_changed.connect(self._on_connection_changed)

    def load(self) -> None:
        """Start loading the first data (override)."""
        self.loaded.emit("ready")

    def cancel_jobs(self) -> None:
        self.ctx.runner.cancel_owned(self)

    def save_state(self, settings: Settings) -> None:  # noqa: B027 - optional hook
        """Persist view state (column widths, filters): settings declared under ``panels/<key>/``."""

    def restore_state(self, settings: Settings) -> None:  # noqa: B027 - optional hook
        """Restore what :meth:`save_state` wrote."""

    def _on_connection_changed(self, _connection: object) -> None:
        self.cancel_jobs()
        self.load()

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt name
        self.cancel_jobs()
        super().closeEvent(event)


class NotBuiltPanel(Panel):
    """A plain page for an area whose work has not landed yet. Never fake data."""

    def __init__(self, ctx: AppContext, key: str, title: str, blurb: str, parent: QWidget | None = None) -> None:
        self.key = key
        self.title = title
        super().__init__(ctx, parent)
        layout = QVBoxLayout(self)
        label = QLabel(f"<h2>{title}</h2><p>Not built yet.</p><p style='color:{theme.current().muted}'>{blurb}</p>")
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(label)

    def load(self) -> None:
        self.loaded.emit("not built yet")


P = TypeVar("P", bound=Panel)


class Links(QObject):
    """The typed ways an area reaches the shell or another area; the main window carries them out.

    An area's ``link`` hook connects its panel's signals to these, so nothing
    looks for a signal by name and a new kind of link is declared here once.
    """

    #: Open one execution (an ``Execution``) in its own window.
    open_execution = Signal(object)
    #: Show another area, by its key (e.g. an alarm opening the executions list).
    show_area = Signal(str)
    #: Show the executions list filtered (an ``ExecutionsFilter``: machine, status, start window).
    show_executions = Signal(object)


#: Called with a panel, then ``ok(summary)`` or ``failed(error)`` once its first data is in (or not).
SmokeProbe = Callable[[P, Callable[[str], None], Callable[[UserError], None]], None]


def first_load(panel: Panel, ok: Callable[[str], None], failed: Callable[[UserError], None]) -> None:
    """The usual smoke probe: the panel's own ``loaded(summary)``/``load_failed(error)``."""
    panel.loaded.connect(ok)
    panel.load_failed.connect(failed)


@dataclass(frozen=True)
class Area(Generic[P]):
    """One area of the console, declared once, in its ui package's ``__init__``.

    ``key`` names it everywhere (settings, ``--smoke-test`` lines, screenshot
    files), ``factory`` builds its panel, ``probe`` reports the panel's first
    load for ``--smoke-test`` (``executions: 1084 items``), and ``link`` wires
    the panel's requests to other areas through :class:`Links`.
    """

    key: str
    title: str
    icon: QStyle.StandardPixmap | None
    factory: Callable[[AppContext], P]
    probe: SmokeProbe = first_load
    link: Callable[[P, Links], None] | None = None


def not_built(key: str, title: str, icon: QStyle.StandardPixmap | None, blurb: str) -> Area[NotBuiltPanel]:
    """An area whose work has not landed yet: the plain 'not built yet' page."""
    return Area(key, title, icon, lambda ctx: NotBuiltPanel(ctx, key, title, blurb))
