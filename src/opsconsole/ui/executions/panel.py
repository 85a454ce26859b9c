"""The Executions area: state machines on the left, their executions streaming in on the right.

Running executions parked at a task token say in "Waiting for" which state
waits (one short history read per running row, after each load and refresh).

Above the table, the fixing actions (Start execution…, Stop…, Redrive…; also in
the table's context menu) run through :class:`ExecutionActions`; the rows they
touch are described again and updated in place.
"""

from __future__ import annotations

from datetime import datetime, timezone

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QHideEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import QSplitter, QVBoxLayout, QWidget
from superqt.utils import signals_blocked

from opsconsole.core import settings as keys
from opsconsole.core.executions import ExecutionsFilter
from opsconsole.core.executions import actions as core_actions
from opsconsole.core.executions import listing as core
from opsconsole.core.errors import ErrorKind, UserError
from opsconsole.core.executions.listing import Execution, StateMachine
from opsconsole.core.format import format_timestamp
from opsconsole.core.settings import Settings
from opsconsole.ui.context import AppContext
from opsconsole.ui.executions.actions.controller import ExecutionActions
from opsconsole.ui.executions.actions.menu import ExecutionActionSet
from opsconsole.ui.executions.filter_bar import ExecutionsFilterBar
from opsconsole.ui.executions.picker import StateMachinePicker
from opsconsole.ui.executions.refresher import DEFAULT_INTERVAL_MS, RefreshTarget, RunningRefresher
from opsconsole.ui.executions.table_model import ExecutionsTableModel
from opsconsole.ui.executions.table_view import ExecutionsTable
from opsconsole.ui.panel import Panel
from opsconsole.ui.theme import EXECUTION_LABELS
from opsconsole.ui.widgets.message_bar import MessageBar, Severity
from opsconsole.jobs.runner import Job

#: Running executions asked what they wait for, per load or refresh pass (GetExecutionHistory refills 20/s).
MAX_WAITING_CHECKS = 50


class ExecutionsPanel(Panel):
    """List, filter and watch Step Functions executions.

    ``page_size`` is the ListExecutions page (max 1000); ``refresh_interval_ms``
    how often RUNNING executions are re-listed while the panel is visible.
    """

    key = "executions"
    title = "Executions"

    execution_activated = Signal(object)  # Execution
    #: A query (machines × status) finished streaming: number of executions loaded.
    query_finished = Signal(int)

    def __init__(
        self,
        ctx: AppContext,
        parent: QWidget | None = None,
        *,
        page_size: int = core.MAX_PAGE_SIZE,
        refresh_interval_ms: int = DEFAULT_INTERVAL_MS,
    ) -> None:
        super().__init__(ctx, parent)
        self.page_size = page_size
        self._machines_job: Job | None = None
        self._query_job: Job | None = None
        self._query: tuple[list[str], str | None] | None = None
        self._express_job: Job | None = None
        self._waiting_job: Job | None = None
        self._express_shown: list[str] = []
        self._machines_loaded = False
        self._load_reported = False
        self._pending_machines: list[str] | None = None
        self._last_refreshed: datetime | None = None
        #: Set by :meth:`apply_filter` (another area's request): the start-time window, until the user picks a range.
        self._window: ExecutionsFilter | None = None

        # Left: state machines. The aliases are what tests and the main window reach for.
        self.picker = StateMachinePicker()
        self.picker.selection_changed.connect(self._on_machine_selection)
        self.machine_model, self.machine_proxy = self.picker.model, self.picker.proxy
        self.machine_list, self.machine_search = self.picker.list_view, self.picker.search

        # Right: message bar, filters, table.
        self.message_bar = MessageBar()
        self.message_bar.text_label.setTextFormat(Qt.TextFormat.PlainText)  # names and ARNs from AWS
        self.message_bar.retry_requested.connect(self.retry)
        self.filter_bar = ExecutionsFilterBar()
        self.filter_bar.status_changed.connect(lambda _s: self._start_query())
        self.filter_bar.name_changed.connect(self._on_name_filter)
        self.filter_bar.time_range_changed.connect(self._on_time_range)
        self.filter_bar.refresh_requested.connect(self.refresh)
        self.model = ExecutionsTableModel(self)
        self.table = ExecutionsTable(self.model)
        self.table.execution_activated.connect(self.execution_activated)
        # Coming to the area (Ctrl+1) puts the keys in the list: type F for the first failed run, Enter opens it.
        self.setFocusProxy(self.table)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.message_bar)
        right_layout.addWidget(self.filter_bar)
        right_layout.addWidget(self.table, 1)
        right_layout.addWidget(self.filter_bar.status_row)
        self._right_layout = right_layout

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.picker)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setCollapsible(0, False)
        self.picker.setMinimumWidth(180)
        self.splitter.setSizes([260, 1100])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.splitter)

        self.refresh_action = QAction("Refresh", self)
        # F5 everywhere, plus the platform's own refresh key where it differs (macOS).
        keys = [QKeySequence(Qt.Key.Key_F5)]
        keys += [k for k in QKeySequence.keyBindings(QKeySequence.StandardKey.Refresh) if k not in keys]
        self.refresh_action.setShortcuts(keys)
        self.refresh_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.refresh_action.triggered.connect(self.refresh)
        self.addAction(self.refresh_action)
        self.find_action = QAction("Filter by name", self)
        self.find_action.setShortcut(QKeySequence.StandardKey.Find)
        self.find_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.find_action.triggered.connect(lambda: self.filter_bar.name_edit.setFocus())
        self.addAction(self.find_action)

        self.run_actions = ExecutionActions(ctx, self, machines=self.machine_model.machines)
        self.run_actions.message.connect(self._on_action_message)
        self.run_actions.changed.connect(self._on_execution_changed)
        self.action_set = ExecutionActionSet(self.run_actions, self, self.table, self._preselected_machine,
                                             taken=self.refresh_action.shortcuts())
        self._right_layout.insertWidget(1, self.action_set.toolbar)  # between the message bar and the filters

        self.refresher = RunningRefresher(
            ctx, self, self._refresh_target, self._on_refresh_page, interval_ms=refresh_interval_ms
        )
        self.refresher.refreshed.connect(self._on_refreshed)
        self.refresher.failed.connect(self._on_refresh_failed)
        self.refresher.interval_changed.connect(lambda _ms: self._show_refreshed())

    # -- loading -------------------------------------------------------------
    def load(self) -> None:
        """List state machines, then stream the executions of the selected ones."""
        self._load_reported = False
        self._reload()

    def refresh(self) -> None:
        """F5: re-list machines (new ones appear) and re-run the query, keeping the selection."""
        self._reload()

    def retry(self) -> None:
        if self._machines_loaded:
            self._start_query()
        else:
            self._reload()

    def _reload(self) -> None:
        self.cancel_jobs()
        self.refresher.cancel()
        self.message_bar.hide()
        if self.ctx.clients is None:
            self._fail(UserError(ErrorKind.CONFIG, "Not connected", "Choose a connection to list executions."))
            return
        if self._machines_loaded and self._pending_machines is None:
            self._pending_machines = self.selected_machine_arns(explicit=True)
        self.filter_bar.show_loading(0)
        self.filter_bar.count_label.setText("Loading state machines…")
        job = self.ctx.runner.submit(core.list_state_machines, self.ctx.clients, owner=self, name="ListStateMachines")
        job.done.connect(self._on_machines)
        job.failed.connect(self._fail)
        self._machines_job = job

    def _on_machines(self, machines: list[StateMachine]) -> None:
        self._machines_loaded = True
        wanted, self._pending_machines = self._pending_machines or [], None
        self.picker.set_machines(machines, wanted)
        self._start_query()

    def selected_machine_arns(self, explicit: bool = False) -> list[str]:
        """ARNs the query covers; with ``explicit``, [] stands for "All state machines"."""
        return self.picker.selected_arns(explicit)

    def _on_machine_selection(self, *_args: object) -> None:
        if self._machines_loaded and self._query is not None:
            if (self.selected_machine_arns(), self.filter_bar.status()) != self._query:
                self._start_query()
            elif [m.arn for m in self.picker.selected_express()] != self._express_shown:
                self.message_bar.hide()  # the same query (EXPRESS machines add nothing to it)
                self._explain_express(self.picker.selected_express())

    def _start_query(self) -> None:
        """A new (machines, status) query: cancel the old one, clear, stream afresh."""
        if not self._machines_loaded or self.ctx.clients is None:
            return
        if self._query_job is not None:
            self._query_job.cancel()  # its worker fetches no further page
        self.refresher.cancel()
        self.message_bar.hide()
        arns, status = self.selected_machine_arns(), self.filter_bar.status()
        self._query = (arns, status)
        self._explain_express(self.picker.selected_express())
        self.model.clear()
        self._update_counts()
        self.filter_bar.show_loading(0)
        # Each page becomes Execution rows on a thread of its own while the next page is asked for.
        job = self.ctx.runner.submit(core.iter_execution_pages, self.ctx.clients, arns, status, self.page_size,
                                     owner=self, name="ListExecutions", convert=core.executions_of)
        job.page.connect(self._on_page)
        job.done.connect(self._on_query_done)
        job.failed.connect(self._fail)
        self._query_job = job

    def _explain_express(self, machines: list[StateMachine]) -> None:
        """Picked EXPRESS machines have no execution list: say so, and where their runs are logged."""
        if self._express_job is not None:
            self._express_job.cancel()
            self._express_job = None
        self._express_shown = [m.arn for m in machines]
        if not machines or self.ctx.clients is None:
            return
        names = {m.arn: m.name for m in machines}
        self.message_bar.show_message("Express workflows", self._express_text(names, None), Severity.INFO)
        job = self.ctx.runner.submit(core.express_log_groups, self.ctx.clients, list(names), owner=self,
                                     name="DescribeStateMachine")
        job.done.connect(lambda groups: self.message_bar.show_message(
            "Express workflows", self._express_text(names, groups), Severity.INFO))
        self._express_job = job

    @staticmethod
    def _express_text(names: dict[str, str], groups: dict[str, str | None] | None) -> str:
        lines = []
        for arn, name in names.items():
            if groups is None:
                where = "looking up its logging…"
            elif groups.get(arn):
                where = f"its runs are logged to CloudWatch Logs: {groups[arn]}"
            else:
                where = "logging is off, so its runs are recorded nowhere (turn on CloudWatch Logs logging)"
            lines.append(f"{name} is an Express state machine: Step Functions keeps no execution history "
                         f"for it; {where}.")
        return "\n".join(lines)

    def _on_page(self, page: list[Execution]) -> None:
        self.model.append_page(page)
        self._update_counts()
        self.filter_bar.show_loading(self.model.loaded_count())

    def _on_query_done(self, _result: object) -> None:
        self._query_job = None
        # "Last 24 hours" means from now, not from when the range was picked.
        self.model.set_started_after(self._cutoff())
        loaded = self.model.loaded_count()
        self._last_refreshed = datetime.now(timezone.utc)
        self._show_counts()
        self._show_refreshed()
        if self.isVisible():
            self.refresher.start()
        self._check_waiting()
        self.query_finished.emit(loaded)
        if not self._load_reported:
            self._load_reported = True
            self.loaded.emit(f"{loaded} items")

    def _fail(self, err: UserError) -> None:
        self.filter_bar.show_idle("")
        self.message_bar.show_error(err)
        if not self._load_reported:
            self._load_reported = True
            self.load_failed.emit(err)

    @property
    def loading(self) -> bool:
        jobs = (self._machines_job, self._query_job)
        return any(job is not None and job.active for job in jobs)

    # -- filters -------------------------------------------------------
    def _on_name_filter(self, text: str) -> None:
        self.model.set_name_filter(text)
        self._show_counts()

    def _on_time_range(self, cutoff: datetime | None) -> None:
        self._window = None  # the user's own range replaces the one another area asked for
        self.model.set_started_after(cutoff)
        self._show_counts()

    def _cutoff(self) -> datetime | None:
        return self._window.since if self._window is not None else self.filter_bar.cutoff()

    def apply_filter(self, wanted: ExecutionsFilter) -> None:
        """Show what another area asked for (an alarm's failed runs): one machine, a status, a start window."""
        self._window = wanted
        with signals_blocked(self.filter_bar.status_combo):
            self.filter_bar.set_status(wanted.status if wanted.status in core.STATUSES else None)
        self.model.set_started_after(wanted.since)
        since = f" started since {format_timestamp(wanted.since)}" if wanted.since else ""
        status = EXECUTION_LABELS.get(wanted.status or "", "all").lower()
        why = f" for {wanted.reason}" if wanted.reason else ""
        self.message_bar.show_message(
            "Filtered", f"{core.state_machine_name_from_arn(wanted.state_machine_arn)}: {status} executions{since}{why}."
            " Pick a time range to see others.", Severity.INFO)
        if self._machines_loaded:
            with signals_blocked(self.picker):
                self.picker.set_machines(self.machine_model.machines(), [wanted.state_machine_arn])
            self._start_query()
            self.message_bar.show()  # _start_query hides it
        else:
            self._pending_machines = [wanted.state_machine_arn]
            if not self.loading:
                self._reload()

    def filter_window(self) -> ExecutionsFilter | None:
        """The filter another area asked for, while it applies."""
        return self._window

    def _show_counts(self) -> None:
        if self._query_job is not None and self._query_job.active:
            self.filter_bar.show_loading(self.model.loaded_count())
        else:
            self.filter_bar.show_loaded(self.model.loaded_count(), self.model.rowCount())

    def _update_counts(self) -> None:
        self.picker.set_counts(self.model.status_counts())

    # -- fixing actions ----------------------------------------------------
    def _preselected_machine(self) -> str | None:
        """The machine the Start dialog offers first: the one picked on the left, if just one."""
        picked = self.selected_machine_arns(explicit=True)
        return picked[0] if len(picked) == 1 else None

    def _on_action_message(self, text: str, ok: bool) -> None:
        if ok:
            self.message_bar.show_message("Done", text, Severity.INFO)
        else:
            self.message_bar.show_message("Not done", text, Severity.ERROR)

    def _on_execution_changed(self, arn: str) -> None:
        """Describe the execution an action touched and update (or add) its row."""
        if self.ctx.clients is None or self._query is None:
            return
        job = self.ctx.runner.submit(core.describe_execution, self.ctx.clients, arn, owner=self,
                                     name="DescribeExecution")
        job.done.connect(self._on_execution_described)

    def _on_execution_described(self, execution: Execution) -> None:
        if self._query is None or execution.state_machine_arn not in self._query[0]:
            return  # not in what this list shows (e.g. a re-run's helper machine)
        self.model.upsert([execution])
        self._update_counts()
        self._show_counts()
        self.action_set.update_state()

    # -- running refresh ---------------------------------------------------
    def _refresh_target(self) -> RefreshTarget | None:
        if self.loading or self._query is None:
            return None
        arns, status = self._query
        if status not in (None, "RUNNING"):
            return None  # this query cannot show running executions
        return RefreshTarget(arns, self.model.running_arns())

    def _on_refresh_page(self, page: list[Execution]) -> None:
        self.model.upsert(page)
        self._update_counts()

    def _check_waiting(self) -> None:
        """Ask which running executions wait for a task token (the "Waiting for" column)."""
        if self._waiting_job is not None and self._waiting_job.active:
            return  # the pass in flight answers soon enough
        # The rows on top of the list first: those are the ones the user reads.
        running = [e.arn for e in self.model.visible_executions() if e.status == "RUNNING"][:MAX_WAITING_CHECKS]
        if not running or self.ctx.clients is None:
            return
        job = self.ctx.runner.submit(core_actions.waiting_states, self.ctx.clients, running, owner=self,
                                     name="GetExecutionHistory")
        job.page.connect(self.model.set_waiting)
        job.failed.connect(lambda _err: None)  # the column stays as it was: not worth a red bar over the list
        self._waiting_job = job

    def _on_refreshed(self, _summary: object) -> None:
        self._last_refreshed = datetime.now(timezone.utc)
        self._check_waiting()
        self.model.refresh_durations()
        self._show_counts()
        self._show_refreshed()

    def _on_refresh_failed(self, err: UserError) -> None:
        # A failed background refresh is not worth a red bar over good data: say it quietly.
        self._show_refreshed(f"refresh failed: {err.title.lower()}")

    def _show_refreshed(self, note: str = "") -> None:
        if self._last_refreshed is None:
            return
        interval_s = self.refresher.interval_ms // 1000
        if not note and interval_s * 1000 > self.refresher.base_interval_ms:
            note = f"throttled, refreshing every {interval_s} s"
        self.filter_bar.show_refreshed(self._last_refreshed, note)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt name
        super().showEvent(event)
        if self._last_refreshed is not None:
            self.refresher.start()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 - Qt name
        self.refresher.stop()  # nobody is looking: spend no API calls
        super().hideEvent(event)

    def cancel_jobs(self) -> None:
        super().cancel_jobs()
        self.refresher.cancel()

    def _on_connection_changed(self, connection: object) -> None:
        # Another account or region: its machines and executions are not these.
        self.cancel_jobs()
        self.model.clear()
        self.picker.clear()
        self._machines_loaded = False
        self._query = None
        self._pending_machines = None
        super()._on_connection_changed(connection)

    # -- state -------------------------------------------------------------
    def save_state(self, settings: Settings) -> None:
        arns = self.selected_machine_arns(explicit=True) if self._machines_loaded else self._pending_machines or []
        settings.set(keys.EXECUTIONS_MACHINES, list(arns))
        settings.set(keys.EXECUTIONS_STATUS, self.filter_bar.status() or "")
        settings.set(keys.EXECUTIONS_TIME_RANGE, self.filter_bar.time_range())
        settings.set(keys.EXECUTIONS_HEADER, self.table.horizontalHeader().saveState().data())
        settings.set(keys.EXECUTIONS_SORT_COLUMN, self.model.sort_column)
        settings.set(keys.EXECUTIONS_SORT_ORDER, int(self.model.sort_order.value))
        settings.set(keys.EXECUTIONS_SPLITTER, self.splitter.saveState().data())

    def restore_state(self, settings: Settings) -> None:
        # A value hand-edited or from another version reads as its default ("All", no sort).
        arns = settings.get(keys.EXECUTIONS_MACHINES)
        status = settings.get(keys.EXECUTIONS_STATUS) or None
        time_range = settings.get(keys.EXECUTIONS_TIME_RANGE)
        header = settings.get(keys.EXECUTIONS_HEADER)
        sort_column = settings.get(keys.EXECUTIONS_SORT_COLUMN)
        sort_order = settings.get(keys.EXECUTIONS_SORT_ORDER)
        splitter = settings.get(keys.EXECUTIONS_SPLITTER)

        # Signals blocked: restoring must not start a query per widget.
        with signals_blocked(self.filter_bar.status_combo, self.filter_bar.time_combo):
            self.filter_bar.set_status(status if status in core.STATUSES else None)
            if time_range:
                self.filter_bar.set_time_range(str(time_range))
        self.model.set_started_after(self._cutoff())
        if header and self.table.horizontalHeader().restoreState(header):
            self.table.keep_restored_widths()
        if splitter:
            self.splitter.restoreState(splitter)
        if sort_column >= 0 and sort_order in (0, 1):
            self.table.horizontalHeader().setSortIndicator(sort_column, Qt.SortOrder(sort_order))
        if self._machines_loaded:
            self.picker.set_machines(self.machine_model.machines(), list(arns))
            self._start_query()
        else:
            self._pending_machines = list(arns)
