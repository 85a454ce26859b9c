"""The log pane (the app's own log, from the ring buffer) and the audit-log pane (with Copy as AWS CLI)."""

from __future__ import annotations

import html
import logging
from dataclasses import replace

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QAction, QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
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

from opsconsole.core import awscli
from opsconsole.core.audit import AuditLog, AuditRecord, ChainReport, verify_file
from opsconsole.core.aws import Connection
from opsconsole.core.format import format_clock
from opsconsole.core.logbuffer import LogLine, RingBufferHandler
from opsconsole.core.writes import ATTEMPTED
from opsconsole.ui import theme
from opsconsole.ui.widgets.rows_model import RowsModel

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


class AuditModel(RowsModel[AuditRecord]):
    """One row per write, newest first; a write's result replaces its "attempted" row."""

    headers = ("Time", "User", "Connection", "Action", "Target", "Result", "Details")

    def set_records(self, records: list[AuditRecord]) -> None:
        self.set_rows(reversed(records))  # newest first

    def add(self, record: AuditRecord) -> None:
        """A line just written: a new write, or the result of one already shown."""
        if record.id:
            for row, shown in enumerate(self._rows):
                if shown.id == record.id:
                    self._rows[row] = record
                    self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1))
                    return
        self.prepend(record)

    def prepend(self, record: AuditRecord) -> None:
        self.beginInsertRows(QModelIndex(), 0, 0)
        self._rows.insert(0, record)
        self.endInsertRows()

    def record(self, row: int) -> AuditRecord | None:
        return self.row_at(row)

    @property
    def records(self) -> list[AuditRecord]:
        """The records shown, newest first."""
        return self.all_rows()

    @staticmethod
    def _result(r: AuditRecord) -> str:
        if r.result == ATTEMPTED:
            return "attempted, no result yet"
        return r.result if not r.error else f"{r.result}: {r.error}"

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        r = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                r.started or r.time,
                r.user,
                r.connection,
                r.action,
                r.target,
                self._result(r),
                ", ".join(f"{k}={v}" for k, v in r.details.items()),
            )[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = ""
            if index.column() == 1:
                tip = r.principal or "AWS principal not recorded"
            elif index.column() == 3 and r.operation:
                tip = f"{r.service} {r.operation}"
            elif index.column() in (4, 5, 6):
                tip = r.error or "\n".join(r.targets) or r.target
            # AWS's and users' text: escaped, so a '<' in an error is never read as markup.
            return f"<qt>{html.escape(tip).replace(chr(10), '<br>')}</qt>" if tip else None
        return None


def cli_for(record: AuditRecord) -> str:
    """The aws command(s) of a recorded write, "" when it was not one known request.

    What the audit file keeps: secrets and task tokens masked, long values shortened.
    """
    if not record.requests:
        return ""
    where = Connection(profile=record.profile or None, region=record.region,
                       endpoint_url=record.endpoint_url or None)
    try:
        text = awscli.from_requests(record.requests, where)
    except (ValueError, KeyError, TypeError):  # a request the CLI cannot say, or a damaged record
        return ""
    notes = []
    if "***" in text:
        notes.append("# Secrets and task tokens are masked (***) in the audit log: put the real values back.")
    if record.shortened:
        notes.append("# Some values were shortened in the audit log (…[N more characters]).")
    return "\n".join([*notes, text])


class AuditPane(QWidget):
    """Every write this console sent to AWS, newest first; any request one click from the AWS CLI."""

    def __init__(self, audit: AuditLog, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.audit = audit
        self.model = AuditModel()
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.copy_cli = QPushButton("Copy as AWS CLI")
        self.copy_cli.setObjectName("audit-copy-cli")
        self.copy_cli.clicked.connect(self.copy_selected)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.copy_action = QAction("Copy as AWS CLI", self.table)
        self.copy_action.triggered.connect(self.copy_selected)
        self.table.addAction(self.copy_action)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._update())
        self.model.dataChanged.connect(lambda *_a: self._update())
        path = QLabel(f"Stored in {audit.path}")
        path.setTextFormat(Qt.TextFormat.PlainText)
        path.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        #: Whether the hash chain holds (see core.audit.verify_file).
        self.chain = QLabel()
        self.chain.setObjectName("audit-chain")
        self.chain.setTextFormat(Qt.TextFormat.PlainText)
        self.chain.setWordWrap(True)
        self.chain.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.verify_button = QPushButton("Verify chain")
        self.verify_button.setToolTip("Check that no record of the file was changed, removed or inserted")
        self.verify_button.clicked.connect(self.verify)
        self.report: ChainReport | None = None
        top = QHBoxLayout()
        top.addWidget(path, 1)
        top.addWidget(self.verify_button)
        top.addWidget(self.copy_cli)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.chain)
        layout.addWidget(self.table)
        self._bridge = _Bridge(self)
        self._bridge.arrived.connect(self.model.add)
        self._bridge.arrived.connect(self._record_added)
        audit.add_listener(self._bridge.arrived.emit)
        theme.follow(self.chain, lambda _t: self._show_chain())
        # The file is small and local; read it once here (a few ms for thousands of lines).
        self.model.set_records(audit.read(limit=5000))
        self.verify()
        self._update()

    def verify(self) -> ChainReport | None:
        """Check the file's hash chain now and show the answer."""
        try:
            self.report = verify_file(self.audit.path)
        except FileNotFoundError:
            self.report = None
        except OSError as exc:
            self.report = None
            self.chain.setText(f"The audit log cannot be read to verify it: {exc.strerror or exc}")
            self._colour(False)
            return None
        self._show_chain()
        return self.report

    def _record_added(self, record: AuditRecord) -> None:
        """A line this console just chained on: count it (reading the whole file again is for "Verify")."""
        if self.report is None:
            self.verify()
        elif self.report.ok and record.seq:  # a broken chain stays broken until checked again
            self.report = replace(self.report, chained=self.report.chained + 1)
            self._show_chain()

    def _show_chain(self) -> None:
        r = self.report
        if r is None:
            self.chain.setText("No writes recorded yet: each one will be chained to the one before it.")
            self._colour(None)
        elif r.ok:
            older = f", plus {r.unchained} older record(s) from before the chain" if r.unchained else ""
            self.chain.setText(f"Chain intact: {r.chained} records{older}. "
                               "It shows edits on this machine, not a deleted end or a rewritten file; "
                               "see docs/security.md.")
            self._colour(True)
        else:
            self.chain.setText(f"Chain broken at line {r.problem.line}: {r.problem.message}. "
                               "Someone or something changed the file after it was written.")
            self._colour(False)

    def _colour(self, ok: bool | None) -> None:
        colours = theme.current()
        colour = {True: colours.success, False: colours.danger, None: colours.muted}[ok]
        self.chain.setStyleSheet(f"color: {colour}")

    def selected(self) -> AuditRecord | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.record(rows[0].row()) if rows else None

    def _update(self) -> None:
        record = self.selected()
        ok = record is not None and bool(cli_for(record))
        why = ("Select a write first" if record is None else
               "Copy the exact aws command of this request" if ok else
               "This write was not one known request (several calls, or recorded before commands were kept)")
        for widget in (self.copy_cli, self.copy_action):
            widget.setEnabled(ok)
            widget.setToolTip(why)

    def copy_selected(self) -> str:
        """Put the selected write's aws command on the clipboard; returns it ("" when there is none)."""
        record = self.selected()
        text = cli_for(record) if record is not None else ""
        if text:
            QGuiApplication.clipboard().setText(text)
        return text
