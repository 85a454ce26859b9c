"""The progress of one deployment: each step as it happens, Lex's verdict, and a way to stop."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from opsconsole.core.errors import UserError
from opsconsole.core.lexreview.deploy.record import BLOCKED, FAILED, NOTHING_TO_DEPLOY, SUCCEEDED, Deployment
from opsconsole.core.progress import Progress
from opsconsole.jobs.runner import Job
from opsconsole.ui import theme


class DeployDialog(QDialog):
    """Follows a deployment job; ``deployment_finished(Deployment | None)`` when it is over.

    "Stop after this step" cancels the job between steps; the record stays
    IN_PROGRESS and the history offers to resume it. Closing the dialog only
    hides it.
    """

    deployment_finished = Signal(object)

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumSize(560, 360)
        self.job: Job | None = None
        self.result: Deployment | None = None
        layout = QVBoxLayout(self)
        self.heading = QLabel(f"<b>{html.escape(title)}</b>")
        self.heading.setWordWrap(True)
        self.step_label = QLabel("Starting…")
        self.step_label.setObjectName("deploy-step")
        self.step_label.setTextFormat(Qt.TextFormat.PlainText)
        self.step_label.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.log = QPlainTextEdit()
        self.log.setObjectName("deploy-log")
        self.log.setReadOnly(True)
        self.outcome = QLabel()
        self.outcome.setObjectName("deploy-outcome")
        self.outcome.setWordWrap(True)
        self.buttons = QDialogButtonBox()
        self.stop_button = QPushButton("Stop after this step")
        self.stop_button.setToolTip("The deployment can be resumed later from the history")
        self.stop_button.clicked.connect(self.stop)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.close_button.clicked.connect(self.accept)
        self.close_button.setEnabled(False)
        self.buttons.addButton(self.stop_button, QDialogButtonBox.ButtonRole.ActionRole)
        for widget in (self.heading, self.step_label, self.bar, self.log, self.outcome, self.buttons):
            layout.addWidget(widget)
        self._last = ""

    def follow(self, job: Job) -> None:
        self.job = job
        job.progress.connect(self._on_progress)
        job.done.connect(self._on_done)
        job.failed.connect(self._on_failed)
        job.cancelled.connect(self._on_cancelled)

    @property
    def running(self) -> bool:
        return self.job is not None and self.job.active

    def stop(self) -> None:
        if self.running:
            self.job.cancel()

    def _on_progress(self, p: Progress) -> None:
        if p.total:
            self.bar.setRange(0, p.total)
            self.bar.setValue(p.done)
        self.step_label.setText(p.text)
        # Polls repeat the same step with a new elapsed time: one log line per step.
        head = p.text.split(":")[0]
        if head != self._last:
            self.log.appendPlainText(p.text)
            self._last = head

    def _finish(self, text: str) -> None:
        self.stop_button.setEnabled(False)
        self.close_button.setEnabled(True)
        self.outcome.setText(text)

    def _on_done(self, result: Deployment) -> None:
        self.result = result
        self.bar.setRange(0, 1)
        self.bar.setValue(1 if result.status == SUCCEEDED else 0)
        if result.status == SUCCEEDED:
            text = (f"<b>Deployed.</b> {result.phrase_count} phrase(s) are in version {result.version}; "
                    f"the live alias now serves it.")
            if result.notes:
                text += "<br>" + "<br>".join(html.escape(n) for n in result.notes)
            self.step_label.setText("Done")
        elif result.status == FAILED:
            reasons = "<br>".join(f"• {html.escape(r)}" for r in result.failure_reasons)
            text = (f"<b style='color:{theme.current().danger}'>The build failed.</b> Lex said:<br>{reasons}<br><br>"
                    "Nothing was deployed: the phrases were taken back out of the intents and the items are "
                    "still approved. Fix the cause (reject or move the offending item) and deploy again.")
            self.step_label.setText("Build failed")
        elif result.status in (NOTHING_TO_DEPLOY, BLOCKED):
            text = "<br>".join(html.escape(n) for n in result.notes) or "Nothing was deployed."
            self.step_label.setText("Not started")
        else:  # stopped part way (e.g. it lost its lock): the history offers Resume
            text = (f"<b>Stopped part way</b> ({html.escape(result.step.lower())}): {html.escape(result.last_error)}<br><br>"
                    "Resume it from the deployment history.")
            self.step_label.setText("Stopped")
        self._finish(text)
        self.deployment_finished.emit(result)

    def _on_failed(self, err: UserError) -> None:
        self.step_label.setText("Stopped by an error")
        if err.code == "AuditUnavailable":  # refused before anything was sent: nothing to resume
            self._finish(f"<b>{html.escape(err.title)}.</b> {html.escape(err.message)}")
            self.deployment_finished.emit(None)
            return
        self._finish(f"<b>{html.escape(err.title)}.</b> {html.escape(err.message)}<br><br>The deployment stopped part way; "
                     "resume it from the history once the cause is fixed.")
        self.deployment_finished.emit(None)

    def _on_cancelled(self) -> None:
        self.step_label.setText("Stopped")
        self._finish("Stopped after the step in progress. Resume it from the deployment history.")
        self.deployment_finished.emit(None)

    def reject(self) -> None:
        # Escape / the window's close button hide the dialog; the deployment goes on
        # (it shows in the background jobs, and the history when it ends). Stop is explicit.
        super().reject()
