"""The redrive dialog: every selected execution with whether it can be redriven, and why not.

It also warns of redrives that cannot help: a run that failed in a Fail state
runs that state again and fails the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from opsconsole.core.executions.listing import Execution
from opsconsole.ui.executions.dialogs.execution import ERROR, HINT, OK, dialog_buttons, set_message, text_color
from opsconsole.core.format import format_timestamp
from opsconsole.ui.theme import EXECUTION_LABELS

_DISPLAY = Qt.ItemDataRole.DisplayRole
HEADERS = ("Execution", "Status", "Stopped", "Redrive?")
#: The row's reason it cannot be redriven (None: it can), for tests and tools.
REASON_ROLE = Qt.ItemDataRole.UserRole + 1


class RedriveRowsModel(QAbstractTableModel):
    """One row per selected execution: name, status, stop time and the verdict."""

    def __init__(self, rows: Sequence[tuple[Execution, str | None]], parent: Any = None) -> None:
        super().__init__(parent)
        self._rows = [list(row) for row in rows]
        self._index = {execution.arn: i for i, (execution, _reason) in enumerate(rows)}
        self._checking: set[str] = set()
        #: arn -> why a redrive would fail again (it can still be sent).
        self.warnings: dict[str, str] = {}

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == _DISPLAY and 0 <= section < len(HEADERS):
            return HEADERS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = _DISPLAY) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        execution, reason = self._rows[index.row()]
        column = index.column()
        if role == _DISPLAY:
            if column == 0:
                return execution.name
            if column == 1:
                return EXECUTION_LABELS.get(execution.status, execution.status)
            if column == 2:
                return format_timestamp(execution.stop)
            if reason:
                return f"Can't: {reason}"
            if execution.arn in self._checking:
                return "Can redrive (checking with AWS…)"
            return "Can redrive, but will fail again" if execution.arn in self.warnings else "Can redrive"
        if role == Qt.ItemDataRole.ForegroundRole and column == 3:
            return QColor(text_color(ERROR if reason else HINT if execution.arn in self.warnings else OK))
        if role == Qt.ItemDataRole.ToolTipRole:
            return reason or self.warnings.get(execution.arn) or execution.arn
        if role == REASON_ROLE:
            return reason
        return None

    def set_checking(self, arns: Sequence[str]) -> None:
        self._checking = set(arns)
        self._changed_all()

    def set_reason(self, arn: str, reason: str | None) -> None:
        """AWS's verdict for one row (None: redrivable)."""
        self._checking.discard(arn)
        row = self._index.get(arn)
        if row is None:
            return
        self._rows[row][1] = reason
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(HEADERS) - 1))

    def set_warning(self, arn: str, warning: str) -> None:
        """A redrive of ``arn`` would fail again, for this reason."""
        row = self._index.get(arn)
        if row is None:
            return
        self.warnings[arn] = warning
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(HEADERS) - 1))

    def execution_named(self, arn: str) -> str:
        row = self._index.get(arn)
        return self._rows[row][0].name if row is not None else arn

    def done_checking(self) -> None:
        self._checking.clear()
        self._changed_all()

    def redrivable(self) -> list[Execution]:
        return [execution for execution, reason in self._rows if not reason]

    def reasons(self) -> dict[str, str | None]:
        """Execution name -> reason it cannot be redriven (None when it can)."""
        return {execution.name: reason for execution, reason in self._rows}

    def _changed_all(self) -> None:
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, len(HEADERS) - 1))


class RedriveDialog(QDialog):
    """Lists the selected executions, says per row whether it can be redriven, redrives those that can.

    Cancel is the default. The verdicts start from the console's own check
    and are refined by AWS's (``set_reason``) while the dialog is open.
    """

    def __init__(self, rows: Sequence[tuple[Execution, str | None]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("redrive-dialog")
        self.setWindowTitle("Redrive executions?" if len(rows) > 1 else "Redrive execution?")
        intro = QLabel(
            "Redrive restarts an execution from the state where it failed, under the <b>same ARN</b>, with the "
            "input that state received. Steps that succeeded are not run again; their side effects stay.")
        intro.setWordWrap(True)
        self.model = RedriveRowsModel(rows, self)
        self.table = QTableView()
        self.table.setObjectName("redrive-rows")
        self.table.setModel(self.model)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # nothing to pick: the buttons keep the focus
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        char = self.fontMetrics().averageCharWidth()
        for column, chars in enumerate((34, 11, 20)):
            self.table.setColumnWidth(column, chars * char + 16)
        self.summary = QLabel()
        self.summary.setObjectName("redrive-summary")
        self.warning = QLabel()
        self.warning.setObjectName("redrive-warning")
        self.warning.setWordWrap(True)
        self.warning.setTextFormat(Qt.TextFormat.PlainText)  # quotes a state name
        self.warning.hide()
        self.buttons, self.redrive_button = dialog_buttons("Redrive", destructive=True)
        self.redrive_button.clicked.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        #: "Copy as AWS CLI", added by whoever sends the redrives (it knows the requests).
        self.copy_cli: QPushButton | None = None
        self.model.dataChanged.connect(lambda *_: self._update())
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.warning)
        layout.addWidget(self.buttons)
        self.resize(860, min(520, 200 + 28 * len(rows)))
        self._update()

    def set_reason(self, arn: str, reason: str | None) -> None:
        self.model.set_reason(arn, reason)

    def set_warning(self, arn: str, warning: str) -> None:
        """Warn that redriving ``arn`` fails again (a Fail state); the redrive stays possible."""
        self.model.set_warning(arn, warning)

    def redrivable(self) -> list[Execution]:
        return self.model.redrivable()

    def _update(self) -> None:
        can, total = len(self.model.redrivable()), self.model.rowCount()
        self.summary.setText(f"{can} of {total} can be redriven." if total > 1 else
                             ("It can be redriven." if can else "It cannot be redriven."))
        self.redrive_button.setText("Redrive" if can <= 1 else f"Redrive {can} executions")
        self.redrive_button.setEnabled(can > 0)
        warned = [(arn, text) for arn, text in self.model.warnings.items()
                  if arn in {e.arn for e in self.model.redrivable()}]
        if warned:
            lines = [text if self.model.rowCount() == 1 else f"{self.model.execution_named(arn)}: {text}"
                     for arn, text in warned]
            set_message(self.warning, "⚠ " + "\n⚠ ".join(lines), HINT)
        self.warning.setVisible(bool(warned))
