"""Winner models by country x category, the history of a pair, and promoting its runner-up."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QSplitter, QVBoxLayout, QWidget

from opsconsole.core.errors import DomainError, UserError
from opsconsole.core.forecasts import winners
from opsconsole.jobs.writes import Conflicted
from opsconsole.ui.confirm import ConfirmDialog
from opsconsole.ui.context import AppContext
from opsconsole.ui.forecasts.tables import RecordsModel, make_table

HEADERS = ("Country", "Category", "Winner", "Metric", "Value", "Runner-up", "Runner-up value", "Since", "By")
HISTORY_HEADERS = ("When", "Model", "Previous", "Value", "By", "Why")


class WinnersView(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        #: The application is quitting: start nothing more.
        self.closing = False
        self.rows: list[winners.Winner] = []
        self.model = RecordsModel(HEADERS, self)
        self.table = make_table(self.model, "forecast-winners")
        self.table.setSortingEnabled(False)
        self.history_model = RecordsModel(HISTORY_HEADERS, self)
        self.history_table = make_table(self.history_model, "forecast-winner-history")
        self.status = QLabel("The winning model of every country and product category appears here, with its "
                             "runner-up; select a row to see its history.")
        self.status.setObjectName("forecast-winners-status")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.promote_button = QPushButton("Promote runner-up…")
        self.promote_button.setObjectName("forecast-promote")
        self.promote_button.setToolTip("Make the runner-up the winner of the selected pair (Ctrl+P); confirmed and audited")
        self.promote_button.setEnabled(False)
        self.promote_button.clicked.connect(self.ask_promote)
        action = QAction("Promote runner-up", self)
        action.setShortcut(QKeySequence("Ctrl+P"))
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(self.ask_promote)
        self.addAction(action)
        self.dialog: ConfirmDialog | None = None

        bar = QHBoxLayout()
        bar.addWidget(self.status, 1)
        bar.addWidget(self.promote_button)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        holder = QWidget()
        hv = QVBoxLayout(holder)
        hv.setContentsMargins(0, 0, 0, 0)
        hv.addWidget(QLabel("<b>History of the selected pair</b>, newest first"))
        hv.addWidget(self.history_table)
        split.addWidget(holder)
        split.setStretchFactor(0, 3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(split, 1)
        self.table.selectionModel().currentRowChanged.connect(lambda cur, _p: self._on_select(cur.row()))

    def clear(self) -> None:
        self.rows = []
        self.model.set_rows([])
        self.history_model.set_rows([])
        self.promote_button.setEnabled(False)

    def load(self) -> None:
        if self.ctx.clients is None or self.closing:
            return
        job = self.ctx.runner.submit(winners.read_winners, self.ctx.clients,
                                     name="Read winner models", owner=self)
        job.done.connect(self.show_rows)
        job.failed.connect(self._failed)

    def show_rows(self, rows: list[winners.Winner], keep: tuple[str, str] | None = None) -> None:
        self.rows = rows
        self.model.set_rows([(w.country, w.category, w.model, w.metric, w.value, w.runner_up, w.runner_up_value,
                              w.since, w.changed_by) for w in rows])
        self.table.resizeColumnsToContents()
        if not keep:  # (after a promotion the status keeps saying how it went)
            self.status.setText(f"{len(rows)} country x category pairs. Select one to see its history; "
                                "Promote makes its runner-up the winner.")
        if keep:
            for i, w in enumerate(rows):
                if (w.country, w.category) == keep:
                    self.table.selectRow(i)

    def selected(self) -> winners.Winner | None:
        row = self.table.currentIndex().row()
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def _on_select(self, row: int) -> None:
        w = self.rows[row] if 0 <= row < len(self.rows) else None
        self.promote_button.setEnabled(bool(w and w.runner_up))
        self.history_model.set_rows([])
        if w is None or self.ctx.clients is None or self.closing:
            return
        job = self.ctx.runner.submit(winners.read_history, self.ctx.clients, w,
                                     name="Read winner history", owner=self)
        job.done.connect(lambda changes, w=w: self._on_history(w, changes))
        job.failed.connect(self._failed)

    def _on_history(self, w: winners.Winner, changes: list[winners.Change]) -> None:
        if self.selected() is not w:
            return  # another row was picked meanwhile
        self.history_model.set_rows([(c.at, c.model, c.previous, c.value, c.by, c.reason) for c in changes])

    # -- promote -----------------------------------------------------------------
    def ask_promote(self) -> None:
        w = self.selected()
        if w is None or not w.runner_up or self.ctx.clients is None:
            return
        try:
            write = winners.promote(w, self.ctx.who)
        except DomainError as exc:
            self.status.setText(exc.message)
            return
        consequence = (f"<b>{html.escape(w.runner_up)}</b> becomes the winner of {html.escape(w.country)} / "
                       f"{html.escape(w.category)} instead of <b>{html.escape(w.model)}</b>; the inference "
                       "workflow uses it from its next run. Recorded in the history and the audit log. "
                       "If someone changed this pair since you loaded it, nothing is changed.")
        self.dialog = ConfirmDialog(write.action, write.target, consequence, self, write=write,
                                    connection=self.ctx.connection)
        self.dialog.setObjectName("forecast-promote-confirm")
        self.dialog.finished.connect(lambda result, write=write, w=w: self._confirmed(result, write, w))
        self.dialog.open()

    def _confirmed(self, result: int, write, w: winners.Winner) -> None:
        self.dialog = None
        if result != QDialog.DialogCode.Accepted:
            return
        self.promote_button.setEnabled(False)
        self.status.setText(f"Promoting {w.runner_up} for {w.country} / {w.category}…")
        job = self.ctx.writes.submit(write, confirmed=True, owner=self)
        job.done.connect(lambda out, w=w: self._promoted(out, w))
        job.failed.connect(self._failed)

    def _promoted(self, out, w: winners.Winner) -> None:
        if isinstance(out, Conflicted):
            self.status.setText(out.message)
        else:
            self.status.setText(f"{w.runner_up} is now the winner of {w.country} / {w.category}.")
        self.load_keep((w.country, w.category))

    def load_keep(self, keep: tuple[str, str]) -> None:
        if self.ctx.clients is None or self.closing:
            return
        job = self.ctx.runner.submit(winners.read_winners, self.ctx.clients,
                                     name="Read winner models", owner=self)
        job.done.connect(lambda rows: (self.show_rows(rows, keep), self._on_select(self.table.currentIndex().row())))
        job.failed.connect(self._failed)

    def _failed(self, err: UserError) -> None:
        self.status.setText(f"{err.title}: {err.message}")
