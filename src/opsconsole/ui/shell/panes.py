"""The log pane (the app's own log, from the ring buffer) and the audit-log pane."""

from __future__ import annotations

import logging

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from opsconsole.core.audit import AuditLog, AuditRecord
from opsconsole.core.format import format_clock
from opsconsole.core.logbuffer import LogLine, RingBufferHandler

_LEVELS = [("Debug", logging.DEBUG), ("Info", logging.INFO), ("Warning", logging.WARNING), ("Error", logging.ERROR)]


class _Bridge(QObject):
    """Carries callbacks from any thread onto the GUI thread (queued signal)."""

    arrived = Signal(object)


class LogPane(QWidget):
    """Shows the ring buffer and follows new lines; filter by level."""

    MAX_LINES = 5000

    def __init__(self, buffer: RingBufferHandler, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.buffer = buffer
        self.level = QComboBox()
        for name, value in _LEVELS:
            self.level.addItem(name, value)
        self.level.setCurrentIndex(1)
        self.level.currentIndexChanged.connect(self._reload)
        clear = QPushButton("Clear view")
        clear.clicked.connect(lambda: self.text.clear())
        top = QHBoxLayout()
        top.addWidget(QLabel("Level:"))
        top.addWidget(self.level)
        top.addStretch(1)
        top.addWidget(clear)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setMaximumBlockCount(self.MAX_LINES)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.text)
        self._bridge = _Bridge(self)
        self._bridge.arrived.connect(self._append)
        buffer.add_listener(self._bridge.arrived.emit)
        self._reload()

    def detach(self) -> None:
        self.buffer.remove_listener(self._bridge.arrived.emit)

    @staticmethod
    def _format(line: LogLine) -> str:
        stamp = format_clock(line.created)
        return f"{stamp} {logging.getLevelName(line.level):7} {line.logger}: {line.text}"

    def _reload(self) -> None:
        minimum = self.level.currentData()
        self.text.setPlainText("\n".join(self._format(x) for x in self.buffer.snapshot() if x.level >= minimum))
        self.text.verticalScrollBar().setValue(self.text.verticalScrollBar().maximum())

    def _append(self, line: LogLine) -> None:
        if line.level >= self.level.currentData():
            self.text.appendPlainText(self._format(line))


class AuditModel(QAbstractTableModel):
    HEADERS = ("Time", "User", "Connection", "Action", "Target", "Result", "Details")

    def __init__(self) -> None:
        super().__init__()
        self.records: list[AuditRecord] = []

    def set_records(self, records: list[AuditRecord]) -> None:
        self.beginResetModel()
        self.records = list(reversed(records))  # newest first
        self.endResetModel()

    def prepend(self, record: AuditRecord) -> None:
        self.beginInsertRows(QModelIndex(), 0, 0)
        self.records.insert(0, record)
        self.endInsertRows()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.records)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        r = self.records[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                r.time,
                r.user,
                r.connection,
                r.action,
                r.target,
                r.result if not r.error else f"{r.result}: {r.error}",
                ", ".join(f"{k}={v}" for k, v in r.details.items()),
            )[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole and index.column() in (4, 5, 6):
            return r.error or r.target
        return None


class AuditPane(QWidget):
    """Every write this console sent to AWS, newest first."""

    def __init__(self, audit: AuditLog, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.audit = audit
        self.model = AuditModel()
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        self.table.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        path = QLabel(f"Stored in {audit.path}")
        path.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(path)
        layout.addWidget(self.table)
        self._bridge = _Bridge(self)
        self._bridge.arrived.connect(self.model.prepend)
        audit.add_listener(self._bridge.arrived.emit)
        # The file is small and local; read it once here (a few ms for thousands of lines).
        self.model.set_records(audit.read(limit=5000))
