"""One state of an execution, in detail: input, output, error, retries, resource, links out.

A state that ran several times (a loop, a Map's iterations) has a run picker
that lists the failed runs first, and the run shown first is the one that
failed, if any, since that is what the operator came to look at. A long cause
(a stack trace, a JSON blob without spaces) wraps inside the pane.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QResizeEvent, QTextOption
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QTabWidget,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)
from superqt.utils import signals_blocked

from opsconsole.core.executions.history.links import console_url, logs_link
from opsconsole.core.executions.history.runs import StateRun
from opsconsole.core.format import format_duration, format_timestamp, format_timestamp_tooltip
from opsconsole.ui.executions.json_view import JsonView
from opsconsole.ui import theme
from opsconsole.ui.executions.timeline.view import RUN_STATUS_LABELS

_PROBLEMS = ("failed", "timed_out", "caught", "aborted", "retried")


#: The cause box grows with its text up to this many lines, then scrolls.
CAUSE_MAX_LINES = 12


def _problems_first(runs: Sequence[StateRun]) -> list[StateRun]:
    """Failed runs first (worst first), then the rest; each group in the order they ran."""
    rank = {status: n for n, status in enumerate(_PROBLEMS)}
    return sorted(runs, key=lambda r: rank.get(r.status, len(_PROBLEMS)))  # stable: keeps run order


class CauseView(QTextEdit):
    """A failure's cause as plain text, wrapped anywhere a line must break; as tall as its text, up to a limit."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setAcceptRichText(False)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setLineWrapMode(QTextEdit.LineWrapMode.WidgetWidth)
        # Words where it can, anywhere where it must: a 2,000-character token never widens the pane.
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.viewport().setAutoFillBackground(False)
        self.setMinimumWidth(0)

    def text(self) -> str:
        return self.toPlainText()

    def setText(self, text: str) -> None:  # noqa: N802 - the label's name, kept for readers of both
        self.setPlainText(text)
        self._fit_height()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._fit_height()

    def _fit_height(self) -> None:
        doc = self.document()
        doc.setTextWidth(self.viewport().width())
        limit = CAUSE_MAX_LINES * self.fontMetrics().lineSpacing() + doc.documentMargin() * 2
        height = int(min(doc.size().height(), limit)) + 2 * self.frameWidth()
        if height != self.height():
            self.setFixedHeight(max(height, self.fontMetrics().lineSpacing()))


def _same_run(a: StateRun, b: StateRun) -> bool:
    """One run of a state seen in two readings of the history (its status may have moved on)."""
    return (a.state, a.iteration, a.branch, a.entered) == (b.state, b.iteration, b.branch, b.entered)


def _run_label(run: StateRun) -> str:
    where = f"iteration {run.iteration}" if run.iteration is not None else (
        f"branch {run.branch}" if run.branch is not None else "run")
    return f"{where} · {RUN_STATUS_LABELS.get(run.status, run.status)} · {format_timestamp(run.entered)}"


class StepDetails(QWidget):
    """Everything about one state of one execution; ``show_state(...)`` fills it."""

    #: A link was opened (URL); the desktop browser is asked to show it.
    link_opened = Signal(str)

    def __init__(self, parent: QWidget | None = None, *, open_links: bool = True) -> None:
        super().__init__(parent)
        self._open_links = open_links
        self.runs: list[StateRun] = []
        self.run: StateRun | None = None
        self._execution_arn = ""
        self._region = ""
        self._logging: dict | None = None
        self.links: dict[str, str] = {}

        self.title = QLabel()
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.title.setFont(font)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.badge = QLabel()
        self.badge.setContentsMargins(8, 2, 8, 2)
        self.run_picker = QComboBox()
        self.run_picker.setMaxVisibleItems(20)
        self.run_picker.currentIndexChanged.connect(self._on_pick)
        header = QHBoxLayout()
        header.addWidget(self.title)
        header.addWidget(self.badge)
        header.addStretch(1)
        header.addWidget(self.run_picker)

        self.facts = QFormLayout()
        self.facts.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.type_label, self.time_label, self.attempts_label, self.resource_label = (
            QLabel(), QLabel(), QLabel(), QLabel())
        for label in (self.title, self.type_label, self.time_label, self.attempts_label, self.resource_label):
            label.setTextFormat(Qt.TextFormat.PlainText)  # state names, branches and resources: any text
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setWordWrap(True)
        self.facts.addRow("Type", self.type_label)
        self.facts.addRow("When", self.time_label)
        self.facts.addRow("Attempts", self.attempts_label)
        self.facts.addRow("Resource", self.resource_label)

        self.error_box = QFrame()
        self.error_box.setFrameShape(QFrame.Shape.StyledPanel)
        self.error_box.setObjectName("errorBox")
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # The cause is whatever the failing task said (often an exception's text): plain text, never markup.
        self.cause_view = CauseView()
        box = QVBoxLayout(self.error_box)
        box.addWidget(self.error_label)
        box.addWidget(self.cause_view)

        self.link_label = QLabel()
        self.link_label.setTextFormat(Qt.TextFormat.RichText)
        self.link_label.setOpenExternalLinks(False)  # routed through _open so tests and the audit see it
        self.link_label.linkActivated.connect(self._open)

        self.input_view = JsonView()
        self.output_view = JsonView()
        self.parameters_view = JsonView()
        self.retries_list = QListWidget()
        self.tabs = QTabWidget()
        self.tabs.addTab(self.input_view, "Input")
        self.tabs.addTab(self.output_view, "Output")
        self.tabs.addTab(self.retries_list, "Retries")
        self.tabs.addTab(self.parameters_view, "Parameters")

        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addLayout(self.facts)
        layout.addWidget(self.error_box)
        layout.addWidget(self.link_label)
        layout.addWidget(self.tabs, 1)
        self.clear()

    # -- filling ---------------------------------------------------------------
    def clear(self) -> None:
        """Show nothing (no state picked)."""
        self.runs, self.run, self.links = [], None, {}
        self.title.setText("Pick a state in the timeline or the history")
        self.badge.hide()
        self.run_picker.hide()
        self.error_box.hide()
        self.link_label.setText("")
        for view in (self.input_view, self.output_view, self.parameters_view):
            view.set_text(None, "")
        self.retries_list.clear()
        for label in (self.type_label, self.time_label, self.attempts_label, self.resource_label):
            label.setText("")

    def show_state(self, state_name: str, runs: Sequence[StateRun], execution_arn: str, region: str,
                   logging_config: dict | None) -> None:
        """Show ``state_name`` from the execution's ``runs`` (all of them, or only this state's)."""
        self._execution_arn, self._region, self._logging = execution_arn, region, logging_config
        before = self.run if self.run is not None and self.run.state == state_name else None
        mine = _problems_first([r for r in runs if r.state == state_name])
        self.runs = mine
        self.title.setText(state_name)
        with signals_blocked(self.run_picker):
            self.run_picker.clear()
            self.run_picker.addItems([_run_label(r) for r in mine])
            self.run_picker.setVisible(len(mine) > 1)
        if not mine:
            self.clear()
            self.title.setText(f"{state_name}: not reached in this execution")
            return
        # The same state shown again (the window refreshed itself): the run the user picked stays picked;
        # another state opens on its worst run, problems first.
        same = next((r for r in mine if before is not None and _same_run(r, before)), None)
        self.show_run(same or mine[0])

    def show_run(self, run: StateRun) -> None:
        """Show one run of the current state (e.g. the bar clicked in the timeline)."""
        if run not in self.runs:
            self.runs = [run]
            self.run_picker.hide()
        self.run = run
        index = next(i for i, r in enumerate(self.runs) if r is run)
        if self.run_picker.currentIndex() != index:
            with signals_blocked(self.run_picker):
                self.run_picker.setCurrentIndex(index)
        self._fill(run)

    def _on_pick(self, index: int) -> None:
        if 0 <= index < len(self.runs):
            self.show_run(self.runs[index])

    def _fill(self, run: StateRun) -> None:
        swatch = theme.current().badge("outcome", run.status)
        self.badge.setText(RUN_STATUS_LABELS.get(run.status, run.status))
        self.badge.setStyleSheet(f"background:{swatch.fill};color:{swatch.text};"
                                 "border-radius:8px;")
        self.badge.show()
        where = []
        if run.parent:
            where.append(f"in {run.parent}")
        if run.iteration is not None:
            where.append(f"iteration {run.iteration}")
        elif run.branch is not None:
            where.append(f"branch {run.branch}")
        self.type_label.setText(run.type + (f" ({', '.join(where)})" if where else ""))
        took = run.duration_seconds()
        self.time_label.setText(f"entered {format_timestamp(run.entered)}"
                                + (f", took {format_duration(took)}" if took is not None else ", still running")
                                + (f", waiting since {format_timestamp(run.waiting_since)}"
                                   if run.waiting_since else "")
                                + (f" (waited {format_duration(waited)})" if (waited := sum(
                                    (b - a).total_seconds() for a, b in run.waits)) >= 1 else ""))
        self.time_label.setToolTip(format_timestamp_tooltip(run.entered))
        self.attempts_label.setText(str(run.attempts) + (f" ({len(run.retries)} failed)" if run.retries else ""))
        self.resource_label.setText(run.resource or "—")

        self.error_box.setVisible(bool(run.error or run.cause))
        self.error_label.setText(f"<b>{html.escape(run.error or 'Error')}</b>"
                                 + (" (caught by the state's Catch)" if run.status == "caught" else ""))
        self.cause_view.setText(run.cause or "")
        self.error_box.setStyleSheet(f"#errorBox {{ border: 2px solid {theme.current().outcome['failed'].fill};"
                                     " border-radius: 4px; }")

        self.input_view.set_text(run.input, "The history has no input (fetched without execution data)")
        self.output_view.set_text(run.output, "No output: the state did not finish"
                                  if run.exited is None or run.status in ("failed", "aborted", "timed_out")
                                  else "The history has no output")
        self.parameters_view.set_text(run.parameters, "This state called no service")
        self.retries_list.clear()
        for number, (start, end, error) in enumerate(run.retries, start=1):
            self.retries_list.addItem(f"Attempt {number}: {error or 'failed'} after "
                                      f"{format_duration((end - start).total_seconds())} "
                                      f"({format_timestamp(start)})")
        self.tabs.setTabText(2, f"Retries ({len(run.retries)})" if run.retries else "Retries")

        self.links = {"console": console_url(self._execution_arn)} if self._execution_arn else {}
        logs = logs_link(run, self._region, self._logging) if self._region else None
        if logs:
            self.links["logs"] = logs
        parts = []
        if "logs" in self.links:
            parts.append(f'<a href="{html.escape(self.links["logs"])}">CloudWatch Logs</a>')
        if "console" in self.links:
            parts.append(f'<a href="{html.escape(self.links["console"])}">Open execution in the AWS console</a>')
        self.link_label.setText(" · ".join(parts))

    def _open(self, url: str) -> None:
        self.link_opened.emit(url)
        if self._open_links:
            QDesktopServices.openUrl(QUrl(url))
