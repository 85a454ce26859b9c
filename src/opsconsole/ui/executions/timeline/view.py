"""The execution timeline widget: a Gantt chart of state runs, one lane per state, with its summary and legend.

Map iterations overlay in their states' lanes, or get a lane each when the Map
is expanded (click its ▸ label or double-click its bar). Lanes keep a fixed
height; the lanes scroll rather than squeeze. The chart's pieces are in
:mod:`.gantt`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt, Signal
from PySide6.QtGui import QFontMetrics, QPalette, QPen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from opsconsole.core.executions.history.runs import StateRun
from opsconsole.core.executions.history.timeline import (
    Lane,
    lane_rows,
    run_arrays,
    timeline_lanes,
)
from opsconsole.core.format import format_duration, format_timestamp
from opsconsole.ui import theme
from opsconsole.ui.executions.timeline.gantt import (
    ElapsedAxis,
    GanttItem,
    GanttViewBox,
    LaneAxis,
)

RUN_STATUS_LABELS: dict[str, str] = {
    "succeeded": "Succeeded", "retried": "Retried", "caught": "Caught error", "failed": "Failed",
    "timed_out": "Timed out", "aborted": "Aborted", "running": "Running",
}
LANE_PX = 22


class TimelineView(QWidget):
    """Gantt chart of an execution's state runs: ``set_runs(runs)``, click a bar for its state."""

    state_clicked = Signal(str)
    #: The exact run clicked (a state that ran many times has many bars).
    run_clicked = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runs: list[StateRun] = []
        self.lanes: list[Lane] = []
        self.selected_state: str | None = None
        self._expanded: set[str] = set()
        self._arrays = run_arrays([])
        self._origin, self._end = 0.0, 1.0  # POSIX seconds of the chart's two ends
        self._now: datetime | None = None

        self.viewbox = GanttViewBox()
        self.viewbox.invertY(True)
        self.viewbox.setMenuEnabled(False)
        self.lane_axis = LaneAxis(self)
        self.time_axis = ElapsedAxis("bottom")
        self.plot = pg.PlotWidget(viewBox=self.viewbox, axisItems={"left": self.lane_axis, "bottom": self.time_axis})
        self.plot.hideButtons()
        self.lane_axis.setStyle(tickLength=0)
        self.plot.getPlotItem().showGrid(x=True, y=False, alpha=0.15)
        self.item = GanttItem(self)
        self.plot.addItem(self.item)
        self.viewbox.sigResized.connect(self._fit_lanes_to_height)

        self.fit_button = QPushButton("Fit")
        self.fit_button.setToolTip("Show the whole execution")
        self.fit_button.clicked.connect(self.fit)
        self.summary = QLabel()
        self.summary.setMinimumWidth(220)
        self.legend = QLabel()  # its colours: _apply_palette
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 2, 2, 2)
        bar.addWidget(self.summary, 1)
        bar.addWidget(self.legend)
        bar.addWidget(self.fit_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.plot, 1)
        self._apply_palette()

    # -- data ---------------------------------------------------------------
    def set_runs(self, runs: Sequence[StateRun], now: datetime | None = None) -> None:
        """Show ``runs``; running runs extend to ``now`` (default: the latest time in the runs)."""
        self.runs = list(runs)
        self._now = now
        self._arrays = run_arrays(self.runs, now.timestamp() if now else None)
        self._origin, self._end = self._arrays.origin, self._arrays.origin + self._arrays.span
        self._rebuild()
        self.fit()
        running = sum(1 for r in self.runs if r.status == "running")
        self.summary.setText(
            (f"Started {format_timestamp(self.runs[0].entered)} · " if self.runs else "")
            + f"{len({r.state for r in self.runs})} states · {len(self.runs):,} state runs"
            + (f" · {running:,} running" if running else ""))

    def set_expanded(self, map_state: str | None, expanded: bool = True) -> None:
        """Show (or fold) one lane per iteration of a Map state."""
        if map_state is None:
            return
        (self._expanded.add if expanded else self._expanded.discard)(map_state)
        top = self.viewbox.viewRange()[1][0]
        self._rebuild()
        self._fit_lanes_to_height(top=top)

    def select_state(self, state: str | None) -> None:
        """Highlight a state's lane (e.g. the one chosen in the history table or the graph)."""
        self.selected_state = state
        self.item.update()

    def lane_labels(self) -> list[str]:
        """The lanes as shown, top to bottom (iterations as '#i')."""
        return [lane.label for lane in self.lanes]

    def fit(self) -> None:
        """Show the whole execution and the first lanes."""
        self._fit_lanes_to_height(top=-0.5)
        self.viewbox.setXRange(0, self._end - self._origin, padding=0.02)

    def _rebuild(self) -> None:
        self.lanes = timeline_lanes(self.runs, self._expanded)
        self.item.set_rows(lane_rows(self._arrays, self.lanes), self._arrays.span)
        self._update_lane_axis()
        # Apply the new label width now, not on the next event-loop pass, so the first paint is right.
        self.plot.getPlotItem().layout.activate()

    def _update_lane_axis(self) -> None:
        metrics = QFontMetrics(self.lane_axis.font())
        texts = []
        for lane in self.lanes:
            mark = ("▾ " if lane.expanded else "▸ ") if lane.expandable else ""
            texts.append((lane.depth, mark + lane.label))
        width = min(320, max((metrics.horizontalAdvance(t) + 12 * d for d, t in texts), default=60) + 24)
        elided = [" " * d + metrics.elidedText(t, Qt.TextElideMode.ElideRight, width - 16 - 12 * d)
                  for d, t in texts]
        self.lane_axis.setTicks([[(i, t) for i, t in enumerate(elided)], []])
        self.lane_axis.setWidth(width)

    def _fit_lanes_to_height(self, *_args, top: float | None = None) -> None:
        """Keep lanes LANE_PX tall whatever the widget's height; the y-range scrolls instead of zooming."""
        height = max(self.viewbox.height(), LANE_PX)
        visible = max(height / LANE_PX, 1.0)
        if top is None:
            top = self.viewbox.viewRange()[1][0]
        bottom_limit = max(len(self.lanes) - 0.5, visible - 0.5)
        top = min(max(top, -0.5), bottom_limit - visible)
        span = self._end - self._origin
        self.viewbox.setLimits(yMin=-0.5, yMax=bottom_limit, minYRange=visible, maxYRange=visible,
                               xMin=-0.05 * span - 1, xMax=1.05 * span + 1, minXRange=0.001)
        self.viewbox.setYRange(top, top + visible, padding=0)

    # -- pointer ------------------------------------------------------------
    def on_bar_clicked(self, index: int) -> None:
        """A click on run ``index``'s bar: select its state, say which run."""
        run = self.runs[index]
        self.select_state(run.state)
        self.run_clicked.emit(run)
        self.state_clicked.emit(run.state)

    def on_lane_label_clicked(self, lane_index: int) -> None:
        """A click on a lane's label: a Map's expands or folds, a state's selects it."""
        if not 0 <= lane_index < len(self.lanes):
            return
        lane = self.lanes[lane_index]
        if lane.expandable:
            self.set_expanded(lane.state, not lane.expanded)
        elif lane.state:
            self.select_state(lane.state)
            self.state_clicked.emit(lane.state)

    def bar_position(self, run: StateRun) -> QPoint:
        """Where ``run``'s bar is, in the plot's viewport coordinates (for tests and tours)."""
        index = next(i for i, r in enumerate(self.runs) if r is run)
        lane = next(i for i, lane in enumerate(self.lanes) if index in lane.runs)
        start = run.entered.timestamp() - self._origin
        end = (run.exited.timestamp() if run.exited else self._end) - self._origin
        scene = self.viewbox.mapViewToScene(QPointF((start + end) / 2, lane))
        return self.plot.mapFromScene(scene)

    def describe_run(self, run: StateRun) -> str:
        """The hover text of a bar."""
        lines = [run.state + (f"  (iteration {run.iteration})" if run.iteration is not None else ""),
                 f"{RUN_STATUS_LABELS.get(run.status, run.status)} · {run.type}"
                 + (f" · {run.attempts} attempts" if run.attempts > 1 else ""),
                 f"entered {format_timestamp(run.entered)}"]
        seconds = run.duration_seconds(self._now or datetime.fromtimestamp(self._end, timezone.utc))
        if seconds is not None:
            lines.append(f"took {format_duration(seconds)}" if run.exited else f"running for {format_duration(seconds)}")
        if run.error:
            lines.append(f"{run.error}: {(run.cause or '')[:200]}")
        return "\n".join(lines)

    # -- looks ----------------------------------------------------------------
    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_palette()
        super().changeEvent(event)

    def _apply_palette(self) -> None:
        self.legend.setText(_legend_html(theme.current()))
        palette = self.palette()
        self.plot.setBackground(palette.color(QPalette.ColorRole.Base))
        text = palette.color(QPalette.ColorRole.Text)
        for axis in (self.lane_axis, self.time_axis):
            axis.setPen(QPen(text))
            axis.setTextPen(QPen(text))


def _legend_html(colors: theme.Theme) -> str:
    """The outcome swatches and the failed-attempt one, as the theme draws them."""
    swatches = [(colors.outcome[s], label) for s, label in RUN_STATUS_LABELS.items()]
    swatches.append((colors.failed_attempt, "Failed attempt"))
    return " ".join(f'<span style="{swatch.style()}">&nbsp;{label}&nbsp;</span>'
                    for swatch, label in swatches) + " ▨ waiting"
