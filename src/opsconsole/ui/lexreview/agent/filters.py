"""Filters above the agent's queue: bot, locale, date range, and whether triaged conversations show."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget
from superqt.utils import signals_blocked

from opsconsole.core.lexreview.bot import BotLocale

#: (key, label, how far back); None = no limit.
DATE_RANGES: tuple[tuple[str, str, timedelta | None], ...] = (
    ("24h", "Last 24 hours", timedelta(hours=24)),
    ("7d", "Last 7 days", timedelta(days=7)),
    ("30d", "Last 30 days", timedelta(days=30)),
    ("all", "All dates", None),
)


class AgentFilterBar(QWidget):
    """Emits ``changed`` whenever the query the queue shows should change."""

    changed = Signal()
    refresh_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bot_combo = QComboBox()
        self.bot_combo.setObjectName("agent-bot-filter")
        self.bot_combo.addItem("All bots", None)
        self.locale_combo = QComboBox()
        self.locale_combo.setObjectName("agent-locale-filter")
        self.locale_combo.addItem("All locales", None)
        self.date_combo = QComboBox()
        self.date_combo.setObjectName("agent-date-filter")
        for key, label, _delta in DATE_RANGES:
            self.date_combo.addItem(label, key)
        self.date_combo.setCurrentIndex(self.date_combo.findData("all"))
        self.triaged_check = QCheckBox("Show triaged")
        self.triaged_check.setObjectName("show-triaged")
        self.triaged_check.setToolTip("Also list conversations already forwarded or marked 'nothing to learn'")
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setToolTip("Reload the queue (F5)")
        self.refresh_button.clicked.connect(self.refresh_requested)
        self.count_label = QLabel()
        self.count_label.setObjectName("queue-count")
        self._locales: list[BotLocale] = []

        for combo in (self.bot_combo, self.locale_combo, self.date_combo):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.bot_combo.currentIndexChanged.connect(self._on_bot)
        self.locale_combo.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.date_combo.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.triaged_check.toggled.connect(lambda _on: self.changed.emit())

        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.bot_combo)
        top.addWidget(self.locale_combo)
        top.addWidget(self.date_combo)
        top.addStretch(1)
        bottom = QHBoxLayout()
        bottom.setContentsMargins(0, 0, 0, 0)
        bottom.addWidget(self.triaged_check)
        bottom.addStretch(1)
        bottom.addWidget(self.count_label)
        bottom.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addLayout(bottom)

    def set_locales(self, locales: list[BotLocale]) -> None:
        """Offer the bots and locales that exist, keeping the current choice when it still does."""
        self._locales = list(locales)
        current = self.bot_id()
        with signals_blocked(self.bot_combo):
            self.bot_combo.clear()
            self.bot_combo.addItem("All bots", None)
            seen: dict[str, str] = {}
            for loc in locales:
                seen.setdefault(loc.bot_id, loc.bot_name)
            for bot_id, name in seen.items():
                self.bot_combo.addItem(name, bot_id)
            self.bot_combo.setCurrentIndex(max(self.bot_combo.findData(current), 0))
        self._fill_locales()

    def _on_bot(self, _index: int) -> None:
        self._fill_locales()
        self.changed.emit()

    def _fill_locales(self) -> None:
        current = self.locale_id()
        bot = self.bot_id()
        ids = sorted({loc.locale_id for loc in self._locales if bot is None or loc.bot_id == bot})
        with signals_blocked(self.locale_combo):
            self.locale_combo.clear()
            self.locale_combo.addItem("All locales", None)
            for locale_id in ids:
                self.locale_combo.addItem(locale_id, locale_id)
            self.locale_combo.setCurrentIndex(max(self.locale_combo.findData(current), 0))

    def bot_id(self) -> str | None:
        return self.bot_combo.currentData()

    def locale_id(self) -> str | None:
        return self.locale_combo.currentData()

    def include_triaged(self) -> bool:
        return self.triaged_check.isChecked()

    def since(self, now: datetime | None = None) -> datetime | None:
        key = self.date_combo.currentData()
        delta = next((d for k, _l, d in DATE_RANGES if k == key), None)
        return None if delta is None else (now or datetime.now(timezone.utc)) - delta
