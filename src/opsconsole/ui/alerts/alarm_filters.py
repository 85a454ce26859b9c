"""The bar above the alarms list: name, state, tenant, namespace and tag filters, and Refresh."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLineEdit, QPushButton, QVBoxLayout, QWidget

from opsconsole.core.alerts import alarms as core
from opsconsole.ui.theme import ALARM_LABELS
from opsconsole.ui.widgets.filter_line_edit import FilterLineEdit


class AlarmsFilterBar(QWidget):
    """State, tenant, namespace, tag and name; counts and Refresh."""

    changed = Signal()
    refresh_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = QComboBox()
        self.state.setObjectName("state-filter")
        self.state.addItem("Any state", "")
        for s in core.STATES:
            self.state.addItem(ALARM_LABELS.get(s, s), s)
        self.tenant = QComboBox()
        self.tenant.setObjectName("tenant-filter")
        self.tenant.addItem("Any tenant", "")
        self.tenant.setToolTip("From the alarms' tenant tag; tags arrive in the background (5 alarms a second)")
        self.namespace = QComboBox()
        self.namespace.setObjectName("namespace-filter")
        self.namespace.addItem("Any namespace", "")
        self.tag = QLineEdit()
        self.tag.setObjectName("tag-filter")
        self.tag.setPlaceholderText("tag key=value")
        self.tag.setClearButtonEnabled(True)
        self.tag.setToolTip("key or key=value; only alarms whose tags have arrived can match")
        self.name = FilterLineEdit("Filter by name… (Ctrl+F)")
        self.name.setObjectName("name-filter")
        self.name.setMinimumWidth(160)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setToolTip("List the alarms again (F5); the list also refreshes itself every minute")
        for combo in (self.state, self.tenant, self.namespace):
            combo.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.tag.textChanged.connect(lambda _t: self.changed.emit())
        self.name.filter_changed.connect(lambda _t: self.changed.emit())
        self.refresh_button.clicked.connect(self.refresh_requested)
        rows = QVBoxLayout(self)
        rows.setContentsMargins(0, 0, 0, 0)
        rows.setSpacing(4)
        top = QHBoxLayout()
        top.addWidget(self.name, 1)
        top.addWidget(self.refresh_button)
        second = QHBoxLayout()
        for w in (self.state, self.tenant, self.namespace):
            second.addWidget(w, 1)
        second.addWidget(self.tag, 1)
        rows.addLayout(top)
        rows.addLayout(second)

    def set_choices(self, combo: QComboBox, values: list[str]) -> None:
        """Offer ``values`` (keeping the current pick) without announcing a change."""
        have = [combo.itemData(i) for i in range(1, combo.count())]
        if have == values:
            return
        current = combo.currentData()
        combo.blockSignals(True)
        while combo.count() > 1:
            combo.removeItem(1)
        for v in values:
            combo.addItem(v, v)
        index = combo.findData(current)
        combo.setCurrentIndex(max(index, 0))
        combo.blockSignals(False)
