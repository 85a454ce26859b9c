"""What a user does to an alarm from the console: acknowledge, assign, snooze, and switch its actions.

A controller apart from the widgets: each method builds the write in core and
sends it through the one audited write path; outcomes come back as signals.
A lost conditional write (someone else first) is shown as what it is, and
the view takes the record as it now is. Disabling actions is confirmed first
(the dialog shows the AWS CLI command); the dialog is opened with ``open()``
so nothing blocks, and ``dialog`` is kept for tests and late callbacks.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from opsconsole.core.alerts import actions as core_actions
from opsconsole.core.alerts import handling as core
from opsconsole.core.alerts.alarms import Alarm
from opsconsole.core.alerts.handling import Handling
from opsconsole.core.errors import DomainError, UserError
from opsconsole.core.writes import Write
from opsconsole.jobs.writes import Conflicted
from opsconsole.ui.confirm import ConfirmDialog
from opsconsole.ui.context import AppContext


class AlarmActions(QObject):
    """Sends handling and alarm-action writes; says how they went."""

    #: A handling record as it now is (after a write, or a lost one).
    handling_changed = Signal(object)
    #: An alarm whose definition changed (actions enabled or not): its name.
    alarm_changed = Signal(str)
    #: (sentence, ok): what to tell the user.
    message = Signal(str, bool)

    def __init__(self, ctx: AppContext, parent: QWidget, table: str = core.TABLE) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.parent_widget = parent
        self.table = table
        #: None until the handling records were read; False when the table is missing (created on first write).
        self.table_exists: bool | None = None
        self.dialog: ConfirmDialog | None = None

    # -- handling --------------------------------------------------------------------
    def acknowledge(self, alarm: Alarm, seen: Handling) -> None:
        self._handling(lambda who: core.acknowledge(alarm, seen, who, table=self.table), f"Acknowledged {alarm.name}")

    def assign(self, alarm: Alarm, seen: Handling, assignee: str) -> None:
        self._handling(lambda who: core.assign(alarm, seen, assignee, who, table=self.table),
                       f"Assigned {alarm.name} to {assignee.strip()}")

    def snooze(self, alarm: Alarm, seen: Handling, until: datetime) -> None:
        self._handling(lambda who: core.snooze(alarm, seen, until, who, table=self.table), f"Snoozed {alarm.name}")

    def unsnooze(self, alarm: Alarm, seen: Handling) -> None:
        self._handling(lambda who: core.unsnooze(alarm, seen, who, table=self.table), f"Unsnoozed {alarm.name}")

    def _handling(self, build, done_text: str) -> None:
        try:
            write: Write = build(self.ctx.who)
        except DomainError as exc:
            self.message.emit(f"{exc.title}: {exc}", False)
            return
        if self.ctx.clients is None:
            self.message.emit("Not connected: choose a connection first.", False)
            return
        if self.table_exists is False:
            # The write queue is ordered: the table exists before the record is put.
            self.ctx.writes.submit(core.create_table_write(self.ctx.who, self.table), owner=self)
            self.table_exists = True
        job = self.ctx.writes.submit(write, owner=self)
        job.done.connect(lambda result: self._handled(result, done_text))
        job.failed.connect(lambda err: self._failed(err))

    def _handled(self, result: object, done_text: str) -> None:
        if isinstance(result, Conflicted):
            self.message.emit(result.message, False)
            if result.conflict.current is not None:
                self.handling_changed.emit(result.conflict.current)
            return
        self.handling_changed.emit(result)
        self.message.emit(done_text, True)

    def _failed(self, err: UserError) -> None:
        self.message.emit(f"{err.title}: {err.message}", False)

    # -- the alarm's own actions -------------------------------------------------------------
    def disable_actions(self, alarm: Alarm) -> ConfirmDialog:
        """Ask first (the dialog shows the CLI command); on yes, DisableAlarmActions through the write path."""
        write = core_actions.disable_actions(alarm, self.ctx.who)
        dialog = ConfirmDialog(
            "Disable alarm actions", alarm.name,
            "The alarm keeps evaluating, but sends no notifications and runs no actions until they are enabled "
            "again. Everyone relying on its notifications stops hearing about it.",
            self.parent_widget, write=write, connection=self.ctx.connection)
        dialog.accepted.connect(lambda: self._send_alarm_write(write, alarm, confirmed=True))
        dialog.finished.connect(lambda _r: setattr(self, "dialog", None))
        self.dialog = dialog
        dialog.open()
        return dialog

    def enable_actions(self, alarm: Alarm) -> None:
        self._send_alarm_write(core_actions.enable_actions(alarm, self.ctx.who), alarm)

    def _send_alarm_write(self, write: Write, alarm: Alarm, confirmed: bool = False) -> None:
        if self.ctx.clients is None:
            self.message.emit("Not connected: choose a connection first.", False)
            return
        job = self.ctx.writes.submit(write, confirmed=confirmed, owner=self)
        job.done.connect(lambda _r: (self.message.emit(f"{write.action}: {alarm.name}", True),
                                     self.alarm_changed.emit(alarm.name)))
        job.failed.connect(self._failed)
