"""The bar above the executions table: filters, load progress, last refresh, Refresh."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from opsconsole.core.executions.listing import LISTABLE_STATUSES
from opsconsole.core.format import format_clock
from opsconsole.ui.theme import EXECUTION_LABELS
from opsconsole.ui.widgets.filter_line_edit import FilterLineEdit

#: (settings key, label, how far back); None = no limit.
TIME_RANGES: tuple[tuple[str, str, timedelta | None], ...] = (
    ("24h", "Last 24 hours", timedelta(hours=24)),
    ("7d", "Last 7 days", timedelta(days=7)),
    ("30d", "Last 30 days", timedelta(days=30)),
    ("90d", "Last 90 days", timedelta(days=90)),
    ("all", "All time", None),
)
DEFAULT_TIME_RANGE = "all"


class ExecutionsFilterBar(QWidget):
    """Status (server side), name and time range (client side) and Refresh.

    ``status_row`` (progress, counts, last refresh) is a separate widget for the
    panel to place.

    ``status_changed`` means a new query; ``name_changed``/``time_range_changed``
    only re-filter what is loaded.
    """

    status_changed = Signal(object)  # str | None
    name_changed = Signal(str)
    time_range_changed = Signal(object)  # datetime | None (the cutoff)
    refresh_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.status_combo = QComboBox()
        self.status_combo.setObjectName("status-filter")
        self.status_combo.setToolTip("Asks AWS for executions in this status only")
        self.status_combo.addItem("All statuses", None)
        for status in LISTABLE_STATUSES:  # PENDING_REDRIVE is for Map Run children only
            self.status_combo.addItem(EXECUTION_LABELS[status], status)
        self.status_combo.currentIndexChanged.connect(lambda _i: self.status_changed.emit(self.status()))

        self.name_edit = FilterLineEdit("Filter by name…")
        self.name_edit.setObjectName("name-filter")
        self.name_edit.setMinimumWidth(140)
        self.name_edit.filter_changed.connect(self.name_changed)

        self.time_combo = QComboBox()
        self.time_combo.setObjectName("time-range")
        self.time_combo.setToolTip("Show executions started in this period")
        for key, label, _delta in TIME_RANGES:
            self.time_combo.addItem(label, key)
        self.set_time_range(DEFAULT_TIME_RANGE)
        self.time_combo.currentIndexChanged.connect(lambda _i: self.time_range_changed.emit(self.cutoff()))

        self.progress = QProgressBar()
        self.progress.setObjectName("load-progress")
        self.progress.setRange(0, 0)  # busy: a listing's end is unknown until the last page
        self.progress.setTextVisible(False)
        self.progress.setFixedWidth(70)
        self.progress.setMaximumHeight(10)
        self.progress.hide()
        self.count_label = QLabel()
        self.count_label.setObjectName("count-label")
        self.refreshed_label = QLabel()
        self.refreshed_label.setObjectName("refreshed-label")
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setObjectName("refresh-button")
        self.refresh_button.setToolTip("Reload state machines and executions (F5)")
        self.refresh_button.clicked.connect(self.refresh_requested)

        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Status"))
        row.addWidget(self.status_combo)
        row.addSpacing(8)
        row.addWidget(self.name_edit, 1)
        row.addSpacing(8)
        row.addWidget(QLabel("Started"))
        row.addWidget(self.time_combo)
        row.addSpacing(8)
        row.addWidget(self.refresh_button)

        # Feedback goes under the table (the panel places it): the filter row stays
        # narrow enough for a laptop screen beside the navigation and machine list.
        self.status_row = QWidget()
        self.status_row.setObjectName("executions-status-row")
        status = QHBoxLayout(self.status_row)
        status.setContentsMargins(2, 0, 2, 0)
        status.addWidget(self.progress)
        status.addWidget(self.count_label)
        status.addStretch(1)
        status.addWidget(self.refreshed_label)

    # -- values ------------------------------------------------------------
    def status(self) -> str | None:
        return self.status_combo.currentData()

    def set_status(self, status: str | None) -> None:
        index = self.status_combo.findData(status)
        self.status_combo.setCurrentIndex(max(index, 0))

    def time_range(self) -> str:
        return self.time_combo.currentData()

    def set_time_range(self, key: str) -> None:
        index = self.time_combo.findData(key)
        self.time_combo.setCurrentIndex(index if index >= 0 else self.time_combo.findData(DEFAULT_TIME_RANGE))

    def cutoff(self, now: datetime | None = None) -> datetime | None:
        """The earliest start time the chosen range shows, relative to ``now``."""
        delta = next((d for k, _label, d in TIME_RANGES if k == self.time_range()), None)
        if delta is None:
            return None
        return (now or datetime.now(timezone.utc)) - delta

    # -- feedback ----------------------------------------------------------
    def show_loading(self, loaded: int) -> None:
        self.progress.show()
        self.count_label.setText(f"Loading… {loaded:,} executions")

    def show_loaded(self, loaded: int, shown: int) -> None:
        self.progress.hide()
        text = f"{loaded:,} execution{'s' if loaded != 1 else ''}"
        if shown != loaded:
            text += f" · {shown:,} shown"
        self.count_label.setText(text)

    def show_idle(self, text: str = "") -> None:
        self.progress.hide()
        self.count_label.setText(text)

    def show_refreshed(self, when: datetime, note: str = "") -> None:
        text = f"Last refreshed {format_clock(when)}"
        self.refreshed_label.setText(f"{text} · {note}" if note else text)
