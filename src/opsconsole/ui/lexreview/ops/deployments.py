"""Deploying approved phrases: confirmation, progress, the history, resuming an interrupted one."""

from __future__ import annotations

import html

import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from opsconsole.core.lexreview import items as items_core
from opsconsole.core.lexreview.deploy import DeploySettings
from opsconsole.core.lexreview.deploy.record import FAILED, Deployment, iter_deployments
from opsconsole.core.lexreview.triage import ReviewItem
from opsconsole.core.lexreview.bot import BotLocale
from opsconsole.core.writes import Write
from opsconsole.ui.confirm import ConfirmDialog
from opsconsole.ui.lexreview.actions import ReviewActions
from opsconsole.ui.lexreview.ops.deploy_dialog import DeployDialog
from opsconsole.ui.lexreview.ops.deployments_model import DeploymentsModel, HistoryColumn, describe
from opsconsole.ui.lexreview.session import ReviewSession
from opsconsole.ui.theme import DEPLOYMENT_LABELS
from opsconsole.ui.widgets.empty_hint import EmptyHint
from opsconsole.ui.widgets.status_badge import StatusBadgeDelegate
from opsconsole.ui.widgets.rows_table import rows_table
from opsconsole.jobs.runner import Job


EMPTY_TEXT = ("No deployments yet. Deploy… puts a locale's approved phrases into the bot and makes them live; "
              "each deployment is listed here with who started it and how it ended, and an interrupted one "
              "can be resumed.")


class DeploymentsPane(QWidget):
    """The history table with Resume / Retry, and the deploy and resume flows."""

    history_loaded = Signal(int)
    #: A deployment job ended: its record, or None when it stopped on an error or was stopped.
    deployment_finished = Signal(object)
    #: A deploy wants the approved items of a locale (the operations view answers with ``deploy``).
    retry_requested = Signal(object)  # BotLocale

    def __init__(self, session: ReviewSession, actions: ReviewActions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.review_actions = actions
        self.settings = DeploySettings()
        self.confirm_dialog: ConfirmDialog | None = None
        self.progress_dialog: DeployDialog | None = None
        self._job: Job | None = None
        self._history_job: Job | None = None  # the listing on its way
        self._fresh = False
        self.model = DeploymentsModel(self)
        self.table = rows_table(self.model, "deployment-history")
        header = self.table.horizontalHeader()
        for col in HistoryColumn:
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(HistoryColumn.STEP, QHeaderView.ResizeMode.Stretch)
        self.table.setItemDelegateForColumn(
            HistoryColumn.STATUS, StatusBadgeDelegate("deployment", DEPLOYMENT_LABELS, self.table)
        )
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self._update())
        self.empty_hint = EmptyHint(self.table, EMPTY_TEXT)
        self.empty_hint.setObjectName("deployments-empty")
        self.title = QLabel("<b>Deployments</b>")
        self.resume_button = QPushButton("Resume")
        self.resume_button.setObjectName("resume-deployment")
        self.resume_button.clicked.connect(self.resume_or_retry)
        self.details = QLabel()
        self.details.setObjectName("deployment-details")
        self.details.setTextFormat(Qt.TextFormat.PlainText)  # names, notes and errors from the record
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row = QHBoxLayout()
        row.addWidget(self.title)
        row.addStretch(1)
        row.addWidget(self.resume_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.details)
        self._update()

    # -- history -----------------------------------------------------------
    def reload(self) -> None:
        """List the deployment history again, newest first, page by page (a listing still running stops)."""
        if self._history_job is not None:
            self._history_job.cancel()
            self._history_job = None
        if not self.session.connected:
            return
        self._fresh = True  # the first page replaces the rows shown
        job = self.session.read(iter_deployments, time.time(), name="List deployments")
        job.page.connect(lambda page: self._on_page(job, page))
        job.done.connect(lambda _r: self._on_done(job))
        job.failed.connect(lambda err: self._on_failed(job, err))
        self._history_job = job

    def _on_page(self, job: Job, deployments: list[Deployment]) -> None:
        if job is not self._history_job or not deployments:
            return
        selected = self.selected()
        if self._fresh:
            self._fresh = False
            self.model.set_deployments(deployments)
        else:
            self.model.add_deployments(deployments)
        if selected is not None and not self.table.currentIndex().isValid():
            row = self.model.row_of(selected.deployment_id)
            if row >= 0:
                self.table.selectRow(row)
        self._update()

    def _on_done(self, job: Job) -> None:
        if job is not self._history_job:
            return
        self._history_job = None
        if self._fresh:  # no deployment at all
            self._fresh = False
            self.model.set_deployments([])
            self._update()
        self.history_loaded.emit(self.model.rowCount())

    def _on_failed(self, job: Job, err) -> None:
        if job is self._history_job:
            self._history_job = None
            self.details.setText(f"Could not read the history: {err.message}")

    def selected(self) -> Deployment | None:
        """The deployment selected in the history."""
        return self.model.deployment(self.table.currentIndex().row())

    def _update(self) -> None:
        d = self.selected()
        busy = self._job is not None and self._job.active
        if d is not None and d.interrupted:
            self.resume_button.setText("Resume…")
            self.resume_button.setEnabled(not busy)
            self.resume_button.setToolTip("Finish this interrupted deployment: merge again (no duplicates), "
                                          "build, publish, move the alias, mark the items")
        elif d is not None and d.status == FAILED:
            self.resume_button.setText("Retry…")
            self.resume_button.setEnabled(not busy)
            self.resume_button.setToolTip("Deploy this locale's approved phrases again")
        else:
            self.resume_button.setText("Resume…")
            self.resume_button.setEnabled(False)
            self.resume_button.setToolTip("Select an interrupted deployment to resume it")
        self.details.setText(describe(d, phrases=False).replace("\n", " · ") if d else "")

    # -- deploying -----------------------------------------------------------
    def confirm_deploy(self, locale: BotLocale, items: list[ReviewItem]) -> ConfirmDialog:
        """Ask before changing the live bot; the deployment starts when the dialog is accepted."""
        intents = sorted({i.intent_name for i in items})
        phrases = items_core.distinct_phrases(items)
        forwarded = f" (forwarded {len(items)} times)" if len(items) != len(phrases) else ""
        write = self.review_actions.deploy_write(locale, [i.item_id for i in items], self.settings)
        dialog = ConfirmDialog(
            "Deploy",
            f"{len(phrases)} approved phrase{'s' if len(phrases) != 1 else ''}{forwarded} into {locale.label}",
            f"Adds them to {len(intents)} intent{'s' if len(intents) != 1 else ''} ({html.escape(', '.join(intents))}), "
            "rebuilds the locale, publishes a new bot version and points the <b>live</b> alias at it: "
            "customers talk to the new version right away.",
            self,
            details="\n".join(f"{same[0].text}  →  {same[0].intent_name}"
                              + (f"  (×{len(same)})" if len(same) > 1 else "") for same in phrases.values()),
            write=write,
            connection=self.session.ctx.connection,
        )
        dialog.accepted.connect(lambda: self._send(write, f"Deploying into {locale.label}", locale.key))
        self.confirm_dialog = dialog
        dialog.open()
        return dialog

    def start_deploy(self, locale: BotLocale, item_ids: list[str]) -> Job | None:
        """Deploy now (no confirmation dialog): an audited job on the write queue, followed in a dialog."""
        write = self.review_actions.deploy_write(locale, item_ids, self.settings)
        return self._send(write, f"Deploying into {locale.label}", locale.key)

    def resume_or_retry(self) -> None:
        """Resume the selected interrupted deployment, or deploy a failed one's locale again."""
        d = self.selected()
        if d is None:
            return
        if d.status == FAILED:
            self.retry_requested.emit(BotLocale(d.bot_id, d.bot_name, d.locale_id))
            return
        if not d.interrupted:
            return
        write = self.review_actions.resume_write(d, self.settings)
        dialog = ConfirmDialog(
            "Resume",
            f"the deployment into {d.bot_name} · {d.locale_id} started by {d.started_by}",
            "Merges its phrases again (none is added twice), rebuilds, publishes a new version and points "
            "the <b>live</b> alias at it.",
            self,
            details="\n".join(f"{p.text}  →  {p.intent_name}" for p in d.phrases),
            write=write,
            connection=self.session.ctx.connection,
        )
        dialog.accepted.connect(lambda: self._send(write, *self._resume_title(d)))
        self.confirm_dialog = dialog
        dialog.open()

    def start_resume(self, d: Deployment) -> Job | None:
        """Resume ``d`` now (no confirmation dialog), followed in a dialog."""
        return self._send(self.review_actions.resume_write(d, self.settings), *self._resume_title(d))

    @staticmethod
    def _resume_title(d: Deployment) -> tuple[str, tuple[str, str]]:
        return f"Resuming the deployment into {d.bot_name} · {d.locale_id}", (d.bot_id, d.locale_id)

    def _send(self, write: Write, title: str, key: tuple[str, str]) -> Job | None:
        job = self.review_actions.run_deployment(write)
        if job is not None:
            self._follow(job, title, key)
        return job

    def _follow(self, job: Job, title: str, key: tuple[str, str]) -> None:
        self._job = job
        dialog = DeployDialog(title, self)
        dialog.follow(job)
        dialog.deployment_finished.connect(lambda result: self._finished(result, key))
        self.progress_dialog = dialog
        dialog.open()
        self._update()

    def _finished(self, result: Deployment | None, key: tuple[str, str]) -> None:
        self._job = None
        # The intents changed (or may have): read their utterances again for flags and ranking.
        self.session.forget_model(*key)
        self.reload()
        self._update()
        self.deployment_finished.emit(result)
