"""Distributed Map runs of an execution: items and child executions per map run."""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from opsconsole.core.aws import Clients
from opsconsole.core.executions.history.maps import MapRun, list_map_runs
from opsconsole.core.format import format_duration, format_timestamp, format_timestamp_tooltip
from opsconsole.ui.theme import EXECUTION_LABELS
from opsconsole.ui.widgets.status_badge import StatusBadgeDelegate
from opsconsole.jobs.runner import Job, JobRunner
from opsconsole.ui.widgets.rows_model import RowsModel

_DISPLAY = Qt.ItemDataRole.DisplayRole
#: The row's :class:`MapRun`.
MAP_RUN_ROLE = Qt.ItemDataRole.UserRole + 1


class Column(IntEnum):
    """Columns of the map runs table."""
    LABEL = 0
    STATUS = 1
    STARTED = 2
    DURATION = 3
    ITEMS = 4
    SUCCEEDED = 5
    FAILED = 6
    RUNNING = 7
    PENDING = 8
    EXECUTIONS = 9


HEADERS = ("Map run", "Status", "Started", "Duration", "Items done", "Succeeded", "Failed",
           "Running", "Pending", "Child executions")


def _counts_text(counts: dict[str, int], done: int) -> str:
    total = counts.get("total", 0)
    return f"{done:,} / {total:,}" if total else "0"


class MapRunsModel(RowsModel[MapRun]):
    """One row per Distributed Map run."""

    headers = HEADERS

    def set_map_runs(self, runs: Sequence[MapRun]) -> None:
        """Show these map runs."""
        self.set_rows(runs)

    def map_runs(self) -> list[MapRun]:
        """The map runs shown."""
        return self.all_rows()

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = _DISPLAY) -> Any:
        if not 0 <= index.row() < len(self._rows):
            return None
        run, col = self._rows[index.row()], index.column()
        if role == MAP_RUN_ROLE:
            return run
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == Column.LABEL:
                return run.map_run_arn
            if col == Column.STARTED:
                return format_timestamp_tooltip(run.start)
            if col == Column.EXECUTIONS:
                c = run.execution_counts
                return ", ".join(f"{k}: {v:,}" for k, v in c.items()) or None
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and col >= Column.DURATION:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role != _DISPLAY:
            return None
        items = run.item_counts
        if col == Column.LABEL:
            return run.label
        if col == Column.STATUS:
            return run.status
        if col == Column.STARTED:
            return format_timestamp(run.start)
        if col == Column.DURATION:
            return format_duration((run.stop - run.start).total_seconds()) if run.stop else ""
        if col == Column.ITEMS:
            return _counts_text(items, run.items_done)
        if col == Column.EXECUTIONS:
            c = run.execution_counts
            done = sum(int(c.get(k, 0)) for k in ("succeeded", "failed", "timedOut", "aborted"))
            return _counts_text(c, done)
        key = {Column.SUCCEEDED: "succeeded", Column.FAILED: "failed", Column.RUNNING: "running",
               Column.PENDING: "pending"}[Column(col)]
        return f"{items.get(key, 0):,}"


class MapRunsView(QWidget):
    """Table of an execution's Distributed Map runs; ``load(...)`` fetches them in the background."""

    loaded = Signal(int)  # number of map runs
    failed = Signal(object)  # UserError

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = MapRunsModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(Column.LABEL, QHeaderView.ResizeMode.Stretch)
        self.table.setItemDelegateForColumn(Column.STATUS, StatusBadgeDelegate("execution", EXECUTION_LABELS,
                                                                               parent=self.table))
        self.empty = QLabel("This execution has no Distributed Map runs.")
        self.empty.setEnabled(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        self._job: Job | None = None
        self.set_map_runs([])

    def set_map_runs(self, runs: Sequence[MapRun]) -> None:
        """Show these map runs (or say there are none)."""
        self.model.set_map_runs(runs)
        self.empty.setVisible(not runs)
        self.table.setVisible(bool(runs))

    def load(self, runner: JobRunner, clients: Clients, execution_arn: str) -> Job:
        """ListMapRuns + DescribeMapRun on the worker pool; the table fills when they answer."""
        if self._job is not None:
            self._job.cancel()
        self._job = runner.submit(list_map_runs, clients, execution_arn, name="ListMapRuns", owner=self)
        self._job.done.connect(self._on_done)
        self._job.failed.connect(self.failed)
        return self._job

    def _on_done(self, runs: list[MapRun]) -> None:
        self.set_map_runs(runs)
        self.loaded.emit(len(runs))
