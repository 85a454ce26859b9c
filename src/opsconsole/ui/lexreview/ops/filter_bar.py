"""The bar above the review items: which locale, which statuses, a text filter, and the view's commands."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QPushButton, QWidget
from superqt.utils import signals_blocked

from opsconsole.core.lexreview import items as items_core
from opsconsole.core.lexreview.bot import BotLocale
from opsconsole.core.lexreview.triage import APPROVED, DEPLOYED, PENDING, REJECTED, ReviewItem
from opsconsole.ui.widgets.filter_line_edit import FilterLineEdit

#: (key, label, statuses listed); None = every status.
STATUS_FILTERS: tuple[tuple[str, str, frozenset[str] | None], ...] = (
    ("open", "Open (pending and approved)", frozenset({PENDING, APPROVED})),
    ("pending", "Pending", frozenset({PENDING})),
    ("approved", "Approved", frozenset({APPROVED})),
    ("rejected", "Rejected", frozenset({REJECTED})),
    ("deployed", "Deployed", frozenset({DEPLOYED})),
    ("all", "All", None),
)


class OpsFilterBar(QWidget):
    """Locale and status filters, the text filter, Refresh, Pull Lex analytics and Deploy…; the view wires them."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.locale_combo = QComboBox()
        self.locale_combo.setObjectName("ops-locale-filter")
        self.locale_combo.addItem("All bots and locales", None)
        self.locale_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.status_combo = QComboBox()
        self.status_combo.setObjectName("ops-status-filter")
        for key, label, _s in STATUS_FILTERS:
            self.status_combo.addItem(label, key)
        self.search = FilterLineEdit("Filter phrases or intents…")
        self.refresh_button = QPushButton("Refresh")
        self.pull_button = QPushButton("Pull Lex analytics")
        self.pull_button.setObjectName("pull-analytics")
        self.deploy_button = QPushButton("Deploy…")
        self.deploy_button.setObjectName("deploy")
        bar = QHBoxLayout(self)
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.locale_combo)
        bar.addWidget(self.status_combo)
        bar.addWidget(self.search, 1)
        bar.addWidget(self.refresh_button)
        bar.addSpacing(12)
        bar.addWidget(self.pull_button)
        bar.addWidget(self.deploy_button)

    def statuses(self) -> frozenset[str] | None:
        """The statuses the status filter shows (None: every status): what is listed."""
        key = self.status_combo.currentData()
        return next((s for k, _l, s in STATUS_FILTERS if k == key), None)

    def status_label(self) -> str:
        """The status filter as people read it ("Open (pending and approved)")."""
        return next((lbl for k, lbl, _s in STATUS_FILTERS if k == self.status_combo.currentData()), "All")

    def set_locales(self, locales: list[BotLocale]) -> None:
        """Offer these bot locales in the locale filter, keeping the one chosen."""
        current = self.locale_combo.currentData()
        with signals_blocked(self.locale_combo):
            self.locale_combo.clear()
            self.locale_combo.addItem("All bots and locales", None)
            for loc in locales:
                self.locale_combo.addItem(loc.label, loc.key)
            self.locale_combo.setCurrentIndex(max(self.locale_combo.findData(current), 0))

    def show_target(self, locale: BotLocale | None, approved: list[ReviewItem] | None, busy: bool) -> None:
        """Pull and Deploy for ``locale`` (None: no single locale chosen or selected).

        ``approved``: the locale's approved items, or None when the status filter
        does not list them (they are read when Deploy is pressed). Deploy counts
        distinct phrases: the same phrase forwarded twice goes into the bot once.
        """
        self.pull_button.setEnabled(locale is not None and not busy)
        self.pull_button.setToolTip(
            f"Queue Lex's most-missed utterances of {locale.label} (ListAggregatedUtterances)"
            if locale else "Pick a locale (the filter, or select an item) first"
        )
        if locale is None:
            self.deploy_button.setEnabled(False)
            self.deploy_button.setText("Deploy…")
            self.deploy_button.setToolTip("Pick a locale (the filter, or select an item) first")
            return
        if approved is None:
            self.deploy_button.setEnabled(not busy)
            self.deploy_button.setText(f"Deploy {locale.locale_id}…")
            self.deploy_button.setToolTip(f"Put the approved phrases of {locale.label} into it and make it live")
            return
        phrases = len(items_core.distinct_phrases(approved))
        forwarded = f" (from {len(approved)} approved items)" if len(approved) != phrases else ""
        self.deploy_button.setEnabled(bool(approved) and not busy)
        self.deploy_button.setText(f"Deploy {locale.locale_id} ({phrases})…")
        self.deploy_button.setToolTip(f"Put the {phrases} approved phrase(s){forwarded} into {locale.label} "
                                      "and make it live")
