"""The controller behind every "fix this run" action of the executions list and detail view.

:class:`ExecutionActions` opens the dialogs (window-modal, never blocking the
event loop), runs reads on the job runner and every write to AWS through the one write
path (:mod:`opsconsole.jobs.writes`: ordered, audited before it is sent),
described as a :class:`~opsconsole.core.writes.Write`, then says how it went
(``message``) and which execution changed (``changed``).
"""

from __future__ import annotations

import html

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog, QWidget

from opsconsole.core.executions import actions as core
from opsconsole.core.executions.actions import ApprovalRequest, RerunPlan, WaitingTask
from opsconsole.core.aws import Clients
from opsconsole.core.errors import UserError
from opsconsole.core.executions.listing import Execution, StateMachine, list_state_machines
from opsconsole.core.writes import ApiCall, Write
from opsconsole.ui.confirm import ConfirmDialog, CopyCliButton
from opsconsole.ui.context import AppContext
from opsconsole.ui.executions.dialogs.execution import RerunFromStateDialog, StartExecutionDialog, StopExecutionDialog
from opsconsole.ui.executions.dialogs.approval import ApprovalDialog
from opsconsole.ui.executions.dialogs.redrive import RedriveDialog
from opsconsole.jobs.runner import Job

#: AWS's own redrive verdict (DescribeExecution) is asked for at most this many rows per dialog.
MAX_REDRIVE_CHECKS = 50
_DETAIL_LIMIT = 2000


def _short(arn: str) -> str:
    return arn.rsplit(":", 1)[-1]


def _approval_context(clients: Clients, execution_arn: str) -> tuple[WaitingTask | None, ApprovalRequest | None]:
    """The waiting task and, when it asked through SQS, its request message (peeked)."""
    task = core.find_waiting_task(clients, execution_arn)
    if task is None or not task.queue_url:
        return task, None
    requests = core.approval_requests(clients, task.queue_url)
    match = [r for r in requests if task.token and r.token == task.token]
    match = match or [r for r in requests if r.execution_arn == execution_arn]
    return task, match[0] if match else None


def _export(clients: Clients, execution_arn: str, path: str) -> int:
    events = core.execution_history(clients, execution_arn)
    core.export_history_json(events, path)
    return len(events)


def _sfn(operation: str, **params: Any) -> ApiCall:
    """A Step Functions request; empty optional strings are left out, as the console always did."""
    return ApiCall("stepfunctions", operation, {k: v for k, v in params.items() if v != ""})


# -- the writes, described (the audit record and the CLI line come from these) -------------------
def start_write(sm_arn: str, input_text: str, name: str) -> Write:
    return Write.api("Start execution", sm_arn, _sfn("StartExecution", stateMachineArn=sm_arn, name=name,
                                                     input=input_text),
                     result=lambda out: str(out["executionArn"]),
                     details={"name": name, "input_bytes": len(input_text.encode("utf-8"))})


def stop_write(arn: str, error: str, cause: str) -> Write:
    return Write.api("Stop execution", arn, _sfn("StopExecution", executionArn=arn, error=error[:core.MAX_ERROR_LENGTH],
                                                 cause=cause[:core.MAX_CAUSE_LENGTH]),
                     result=lambda out: out["stopDate"], destructive=True,
                     details={"error": error, "cause": cause[:_DETAIL_LIMIT]})


def redrive_write(execution: Execution) -> Write:
    # botocore fills in the idempotency clientToken and keeps it across its retries.
    return Write.api("Redrive execution", execution.arn, _sfn("RedriveExecution", executionArn=execution.arn),
                     result=lambda out: out["redriveDate"], destructive=True,
                     details={"status": execution.status, "redrive_count_before": execution.redrive_count})


def approve_write(task: WaitingTask, output: str) -> Write:
    return Write.api("Approve manual step", task.execution_arn,
                     _sfn("SendTaskSuccess", taskToken=task.token, output=output),
                     details={"state": task.state_name, "output": output[:_DETAIL_LIMIT]})


def reject_write(task: WaitingTask, error: str, cause: str) -> Write:
    return Write.api("Reject manual step", task.execution_arn,
                     _sfn("SendTaskFailure", taskToken=task.token, error=error[:core.MAX_ERROR_LENGTH],
                          cause=cause[:core.MAX_CAUSE_LENGTH]),
                     destructive=True, details={"state": task.state_name, "error": error,
                                                "cause": cause[:_DETAIL_LIMIT]})


def rerun_write(plan: RerunPlan, input_text: str) -> Write:
    return Write("Re-run from state", plan.execution_arn, "stepfunctions", "StartExecution",
                 run=lambda clients: core.start_rerun(clients, plan, input_text),
                 details={"state": plan.chosen_state, "start_state": plan.start_state, "helper": plan.helper_name,
                          "input_bytes": len(input_text.encode("utf-8"))},
                 no_cli="A re-run creates or updates its helper state machine first, then starts it: "
                        "several calls.")


def delete_request_write(task: WaitingTask) -> Write:
    return Write("Delete approval request", task.queue_url, "sqs", "DeleteMessage",
                 run=lambda clients: core.delete_approval_message(clients, task.queue_url, task.token),
                 details={"execution": task.execution_arn},
                 no_cli="The message's receipt handle is found by reading the queue first.")


class ExecutionActions(QObject):
    """Start, stop, redrive, re-run from a state, answer a manual step, export history.

    ``machines`` returns the state machines already listed (the Start dialog's
    choices); when it returns none they are listed first. ``dialog`` is the
    dialog currently open, if any.
    """

    #: A status line for the user: (text, ok).
    message = Signal(str, bool)
    #: An execution changed (stopped, redriven, answered) or was created: its ARN.
    changed = Signal(str)
    #: A new execution was started (Start or re-run): its ARN.
    started = Signal(str)
    #: An execution was redriven (AWS accepted the redrive): its ARN.
    redriven = Signal(str)

    def __init__(self, ctx: AppContext, parent: QWidget,
                 machines: Callable[[], Sequence[StateMachine]] | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.parent_widget = parent
        self._machines = machines or (lambda: [])
        self.dialog: QDialog | None = None

    # -- plumbing ------------------------------------------------------------------------------
    def _clients(self) -> Clients | None:
        if self.ctx.clients is None:
            self.message.emit("Not connected: choose a connection first.", False)
        return self.ctx.clients

    def _alive(self, callback: Callable[..., None]) -> Callable[..., None]:
        """``callback``, skipped once this controller is gone (a write outlives the panel that sent it)."""
        return lambda *args: callback(*args) if shiboken6.isValid(self) else None

    def _read(self, fn: Callable[..., Any], *args: Any, name: str, done: Callable[[Any], None]) -> Job | None:
        clients = self._clients()
        if clients is None:
            return None
        job = self.ctx.runner.submit(fn, clients, *args, name=name, owner=self)
        job.done.connect(done)
        job.failed.connect(lambda err: self._fail(name, err))
        return job

    def _write(self, write: Write, done: Callable[[Any], None], failed: Callable[[UserError], None] | None = None,
               confirmed: bool = False) -> Job | None:
        if self._clients() is None:
            return None
        # No owner: a confirmed write is never cancelled because its panel closed.
        job = self.ctx.writes.submit(write, confirmed=confirmed)
        job.done.connect(self._alive(done))
        job.failed.connect(self._alive(failed or (lambda err: self._fail(write.action, err))))
        return job

    def _fail(self, what: str, err: UserError) -> None:
        self.message.emit(f"{what} failed: {err.title}: {err.message}", False)

    def _open(self, dialog: QDialog, on_accept: Callable[[], None]) -> QDialog:
        """Show ``dialog`` window-modal without blocking; ``on_accept`` runs if it is accepted."""
        self.dialog = dialog
        dialog.accepted.connect(on_accept)
        dialog.finished.connect(lambda _code, d=dialog: self._closed(d))
        dialog.open()
        return dialog

    def _closed(self, dialog: QDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    # -- start -----------------------------------------------------------------------------------
    def start(self, sm_arn: str | None = None, input_text: str = "{}") -> None:
        """Open the Start dialog, the machine ``sm_arn`` preselected."""
        machines = list(self._machines())
        if machines:
            self._open_start(machines, sm_arn, input_text)
        else:
            self._read(list_state_machines, name="ListStateMachines",
                       done=lambda found: self._open_start(found, sm_arn, input_text))

    def _open_start(self, machines: Sequence[StateMachine], sm_arn: str | None, input_text: str) -> None:
        if not machines:
            self.message.emit("There is no state machine to start.", False)
            return
        dialog = StartExecutionDialog(machines, sm_arn, input_text, self.parent_widget)
        # Made once: the name the copied command shows is the one sent when the field stays empty.
        default_name = str(uuid.uuid4())
        dialog.copy_cli = CopyCliButton.add_to(dialog.buttons, lambda: [self._start_write(dialog, default_name)],
                                               self.ctx.connection, follow=dialog.start_button)
        self._open(dialog, lambda: self._send_start(dialog, default_name))

    @staticmethod
    def _start_write(dialog: StartExecutionDialog, default_name: str) -> Write:
        """The Start as the dialog stands (what its Copy as AWS CLI shows and what is sent)."""
        return start_write(dialog.state_machine_arn() or "", dialog.input_text(),
                           dialog.execution_name() or default_name)

    def _send_start(self, dialog: StartExecutionDialog, default_name: str) -> None:
        write = self._start_write(dialog, default_name)
        sm_arn, text, name = write.target, dialog.input_text(), write.details["name"]

        def done(arn: str) -> None:
            self.message.emit(f"Started {name} on {_short(sm_arn.replace(':stateMachine:', ':'))}.", True)
            self.changed.emit(arn)
            self.started.emit(arn)

        check = core.validate_input(text)
        problem = core.validate_execution_name(name) or (None if check.ok else check.message)
        if problem:
            self.message.emit(f"Start execution failed: {problem}", False)
            return
        self._write(write, done=done)

    # -- stop --------------------------------------------------------------------------------
    def stop(self, executions: Sequence[Execution]) -> None:
        """Ask (error, cause; Cancel is the default), then stop the running ones."""
        if not any(e.status == "RUNNING" for e in executions):
            self.message.emit("Nothing to stop: none of the selected executions is running.", False)
            return
        dialog = StopExecutionDialog(executions, self.parent_widget)

        def writes() -> list[tuple[Execution, Write]]:  # as typed now: what Copy as AWS CLI shows and what is sent
            return [(e, stop_write(e.arn, dialog.error(), dialog.cause())) for e in dialog.executions]

        dialog.copy_cli = CopyCliButton.add_to(dialog.buttons, lambda: [w for _e, w in writes()],
                                               self.ctx.connection, follow=dialog.stop_button)
        self._open(dialog, lambda: self._send_batch("Stopped", writes()))

    def _send_batch(self, verb: str, writes: Sequence[tuple[Execution, Write]],
                    each: Callable[[str], None] | None = None) -> None:
        batch = _Batch(self, verb, len(writes), each)
        for e, write in writes:
            self._write(write, confirmed=True,
                        done=lambda _d, arn=e.arn: batch.ok(arn), failed=lambda err, n=e.name: batch.fail(n, err))

    # -- redrive -----------------------------------------------------------------------------
    def redrive(self, executions: Sequence[Execution]) -> None:
        """List the executions with a per-row verdict; redrive those that can be, once confirmed."""
        if not executions or self._clients() is None:
            return
        now = datetime.now(timezone.utc)
        rows = [(e, core.redrive_check(e, None, now)) for e in executions]
        dialog = RedriveDialog(rows, self.parent_widget)
        candidates = [e.arn for e, reason in rows if reason is None][:MAX_REDRIVE_CHECKS]
        if candidates:
            # AWS also knows what the console cannot see from a list row (history length, deletion).
            dialog.model.set_checking(candidates)
            job = self.ctx.runner.submit(core.redrive_verdicts, self.ctx.clients, candidates,
                                         name="DescribeExecution", owner=dialog)
            job.page.connect(lambda verdict: dialog.set_reason(*verdict))
            job.finished.connect(dialog.model.done_checking)
            # A run that ended in a Fail state fails there again when redriven: say so before it is sent.
            failed = [e.arn for e, reason in rows if reason is None and e.status == "FAILED"][:MAX_REDRIVE_CHECKS]
            if failed:
                warn = self.ctx.runner.submit(core.redrive_warnings, self.ctx.clients, failed,
                                              name="GetExecutionHistory", owner=dialog)
                warn.page.connect(lambda warning: dialog.set_warning(*warning))

        def writes() -> list[tuple[Execution, Write]]:  # those AWS has not ruled out by now
            return [(e, redrive_write(e)) for e in dialog.redrivable()]

        dialog.copy_cli = CopyCliButton.add_to(dialog.buttons, lambda: [w for _e, w in writes()],
                                               self.ctx.connection, follow=dialog.redrive_button)
        self._open(dialog, lambda: self._send_batch("Redrove", writes(), each=self.redriven.emit))

    # -- re-run from a state -----------------------------------------------------------------
    def rerun_from_state(self, execution: Execution, state_name: str) -> None:
        """Work out the re-run (helper, start state, recorded input), show it, start it once confirmed."""
        if not execution.finished:
            self.message.emit(f"{execution.name} is still running: re-run a state once it has finished.", False)
            return
        self._read(core.prepare_rerun, execution.arn, state_name, name="Prepare re-run", done=self._open_rerun)

    def _open_rerun(self, plan: RerunPlan) -> None:
        dialog = RerunFromStateDialog(plan, self.parent_widget)
        self._open(dialog, lambda: self._send_rerun(plan, dialog.input_text()))

    def _send_rerun(self, plan: RerunPlan, input_text: str) -> None:
        def done(arn: str) -> None:
            self.message.emit(f"Started {_short(arn)} on {plan.helper_name}, from {plan.start_state}.", True)
            self.changed.emit(arn)
            self.started.emit(arn)

        self._write(rerun_write(plan, input_text), done=done)

    # -- manual steps ------------------------------------------------------------------------
    def approve(self, execution: Execution) -> None:
        """Find the task the execution waits on and its request; open the decision dialog."""
        def found(result: tuple[WaitingTask | None, ApprovalRequest | None]) -> None:
            task, request = result
            if task is None:
                self.message.emit(f"{execution.name} is not waiting for a manual step.", False)
                return
            dialog = ApprovalDialog(task, request, self.ctx.who.name, self.parent_widget)
            self._open(dialog, lambda: self._decided(dialog))

        self._read(_approval_context, execution.arn, name="Find waiting task", done=found)

    def _decided(self, dialog: ApprovalDialog) -> None:
        task = dialog.task
        if dialog.decision == "approve":
            output = dialog.output_text()
            check = core.validate_input(output)
            if not check.ok:
                self.message.emit(f"Approve manual step failed: {check.message}", False)
                return
            self._write(approve_write(task, output), done=lambda _r: self._answered(task, "Approved"))
        elif dialog.decision == "reject":
            error, cause = dialog.error(), dialog.cause()
            caught = error in task.catch_errors
            write = reject_write(task, error, cause)
            confirm = ConfirmDialog(
                "Reject", f"{task.state_name} of {_short(task.execution_arn)}",
                f"The task fails with <b>{html.escape(error)}</b>. " + (
                    "The state catches it and carries on with its rejection path." if caught else
                    "The state has no Catch for it: the execution will probably fail."),
                self.parent_widget, details=cause, write=write, connection=self.ctx.connection)
            self._open(confirm, lambda: self._write(write, confirmed=True,
                                                    done=lambda _r: self._answered(task, "Rejected")))

    def _answered(self, task: WaitingTask, verb: str) -> None:
        self.message.emit(f"{verb} {task.state_name} of {_short(task.execution_arn)}.", True)
        self.changed.emit(task.execution_arn)
        if task.queue_url and task.token:
            # The request is spent: take it off the queue so nobody answers it again.
            self._write(delete_request_write(task), done=lambda _deleted: None)

    # -- export ------------------------------------------------------------------------------
    def export_history(self, execution_arn: str, path: str | Path) -> None:
        """Write the execution's whole history to ``path`` as JSON (a local file: nothing is sent)."""
        self._read(_export, execution_arn, str(path), name="Export history",
                   done=lambda count: self.message.emit(f"Exported {count} events of {_short(execution_arn)} "
                                                        f"to {path}.", True))


class _Batch:
    """Counts the answers to a batch of writes and reports once, when all are in."""

    def __init__(self, owner: ExecutionActions, verb: str, total: int,
                 each: Callable[[str], None] | None = None) -> None:
        self.owner, self.verb, self.total, self.each = owner, verb, total, each
        self.succeeded = 0
        self.failures: list[str] = []

    def ok(self, arn: str) -> None:
        self.succeeded += 1
        if self.each is not None:
            self.each(arn)
        self.owner.changed.emit(arn)
        self._maybe_report()

    def fail(self, name: str, err: UserError) -> None:
        self.failures.append(f"{name}: {err.message}")
        self._maybe_report()

    def _maybe_report(self) -> None:
        if self.succeeded + len(self.failures) < self.total:
            return
        noun = "execution" if self.total == 1 else "executions"
        if not self.failures:
            self.owner.message.emit(f"{self.verb} {self.succeeded} {noun}.", True)
        else:
            self.owner.message.emit(f"{self.verb} {self.succeeded} of {self.total} {noun}; "
                                    f"{len(self.failures)} failed: " + "; ".join(self.failures[:3]), False)

