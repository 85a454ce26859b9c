"""The base of every area in the main window, and the 'not built yet' page."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

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

    def save_state(self, settings: QSettings) -> None:  # noqa: B027 - optional hook
        """Persist view state (column widths, filters) under ``self.key``."""

    def restore_state(self, settings: QSettings) -> None:  # noqa: B027 - optional hook
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
