"""The controller behind every write of the review queues.

:class:`ReviewActions` describes each write (a :class:`~opsconsole.core.writes.Write`,
done as the one identity of :mod:`opsconsole.core.identity`), sends it through the
one write path (:mod:`opsconsole.jobs.writes`: audited before it is sent) and
says how it went with signals the views react to. Someone else's change getting
in first is an outcome like any other (``conflicted``), not a failure.

One item write at a time for the whole area (``busy``); deployments run on
their own and are followed by the deployment dialog.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QObject, Signal

from opsconsole.core.errors import UserError
from opsconsole.core.identity import Identity
from opsconsole.core.lexreview import bot
from opsconsole.core.lexreview import deploy as lexdeploy
from opsconsole.core.lexreview import items as items_core
from opsconsole.core.lexreview import triage as core
from opsconsole.core.lexreview.bot import AnalyticsPull, BotLocale, LocaleModel
from opsconsole.core.lexreview.deploy import DeploySettings
from opsconsole.core.lexreview.deploy.record import FAILED, SUCCEEDED, Deployment
from opsconsole.core.lexreview.items import BatchResult, ItemChange
from opsconsole.core.lexreview.conversations import Conversation
from opsconsole.core.lexreview.triage import APPROVED, PENDING, REJECTED, Phrase, ReviewItem
from opsconsole.core.writes import ERROR, OK, Write
from opsconsole.jobs.runner import Job, JobState
from opsconsole.jobs.writes import Conflicted
from opsconsole.ui.lexreview.session import ReviewSession

_DEPLOY_NO_CLI = ("A deployment is many calls decided on the way (merge each intent, build, publish, "
                  "move the alias, mark the items).")


def deployment_outcome(result: Any) -> tuple[str, str]:
    """A deployment that returned without deploying what it set out to is an error in the audit log."""
    if not isinstance(result, Deployment):
        return OK, ""
    if result.status == FAILED:
        return ERROR, "build failed: " + "; ".join(result.failure_reasons)
    if result.status != SUCCEEDED:
        return ERROR, result.last_error or "; ".join(result.notes) or result.status
    return OK, ""


class ReviewActions(QObject):
    """Submit phrases, close conversations, review items, pull analytics, deploy and resume."""

    #: The agent view's writes (the operations view has the others).
    AGENT_WRITES = frozenset({"Submit phrase", "Mark conversation triaged"})

    #: An item write started or ended: whether one is on its way now.
    busy_changed = Signal(bool)
    #: (conversation, phrase, finish, items created): the phrase is in the review queue.
    phrase_submitted = Signal(object, object, bool, list)
    #: (conversation as it was, conversation as closed now).
    conversation_closed = Signal(object, object)
    #: (conversation, Conflict): someone else closed it first; nothing was written.
    conversation_conflict = Signal(object, object)
    #: A change of review items ended (BatchResult), or an analytics pull (AnalyticsPull).
    items_changed = Signal(object)
    #: (action, UserError): the write failed (AWS said no, offline, the audit log could not be written).
    write_failed = Signal(str, object)
    #: (action, items done, items in the batch): a batch of item writes moved on.
    batch_progress = Signal(str, int, int)

    def __init__(self, session: ReviewSession, parent: QObject | None = None) -> None:
        super().__init__(parent or session)
        self.session = session
        self.ctx = session.ctx
        self._job: Job | None = None
        self._batch: list[Job] = []  # the item writes of a batch still on their way

    # -- plumbing ------------------------------------------------------------
    @property
    def who(self) -> Identity:
        return self.ctx.who

    @property
    def busy(self) -> bool:
        """An item write (or a batch of them) is on its way (one at a time)."""
        return (self._job is not None and self._job.active) or bool(self._batch)

    def _send(self, write: Write, done: Callable[[Any], None], *, confirmed: bool = False,
              exclusive: bool = True) -> Job | None:
        if exclusive and self.busy:
            return None
        if not self.session.connected:
            self.write_failed.emit(write.action, self.session.not_connected())
            return None
        job = self.ctx.writes.submit(write, confirmed=confirmed, owner=self.session.owner)
        job.failed.connect(lambda err: self._failed(job, write.action, err))
        job.done.connect(lambda result: self._done(job, done, result))
        job.cancelled.connect(lambda: self._release(job))
        if exclusive:
            self._job = job
            self.busy_changed.emit(True)
        return job

    def _release(self, job: Job) -> None:
        if self._job is job:
            self._job = None
            self.busy_changed.emit(False)

    def _done(self, job: Job, done: Callable[[Any], None], result: Any) -> None:
        self._release(job)
        done(result)

    def _failed(self, job: Job, action: str, err: UserError) -> None:
        self._release(job)
        self.write_failed.emit(action, err)

    # -- the agent's writes -------------------------------------------------
    def submit_phrase(self, conv: Conversation, phrase: Phrase, finish: bool, *, exclusive: bool = True) -> Job | None:
        """Forward ``phrase`` as a review item; with ``finish`` the conversation is closed with it.

        ``exclusive=False``: queued behind the writes already on their way (the
        write queue keeps their order) instead of refused while one is.
        """
        who = self.who
        submission = core.submit_request(conv, [phrase], who.name, finish=finish)
        write = Write(
            "Submit phrase", f"{conv.bot_name} {conv.locale_id} {phrase.intent_name}", "dynamodb",
            "TransactWriteItems",
            run=lambda clients: core.send_submission(clients, submission),
            who=who, calls=(submission.call,), targets=(conv.contact_id, *(i.item_id for i in submission.items)),
            details={"contact_id": conv.contact_id, "turn": phrase.turn_index, "text": phrase.text,
                     "intent": phrase.intent_name},
        )

        def done(result: Any) -> None:
            if isinstance(result, Conflicted):
                self.conversation_conflict.emit(conv, result.conflict)
            else:
                self.phrase_submitted.emit(conv, phrase, finish, list(result or []))
                if finish:
                    self.conversation_closed.emit(conv, replace(conv, triage_status=core.TRIAGE_FORWARDED,
                                                                triaged_by=who.name))

        return self._send(write, done, exclusive=exclusive)

    def mark_triaged(self, conv: Conversation, status: str, *, exclusive: bool = True) -> Job | None:
        """Close ``conv`` (nothing to learn, or done after forwarding phrases)."""
        who = self.who
        change = core.triage_request(conv, who.name, status)
        write = Write(
            "Mark conversation triaged", f"conversation {conv.contact_id}", "dynamodb", "UpdateItem",
            run=lambda clients: core.send_triage(clients, change),
            who=who, calls=(change.call,), targets=(conv.contact_id,), details={"status": status},
        )

        def done(result: Any) -> None:
            if isinstance(result, Conflicted):
                self.conversation_conflict.emit(conv, result.conflict)
            else:
                closed = result if isinstance(result, Conversation) else replace(conv, triage_status=status)
                self.conversation_closed.emit(conv, closed)

        return self._send(write, done, exclusive=exclusive)

    # -- the reviewer's writes ----------------------------------------------
    def item_writes(self, action: str, items: Sequence[ReviewItem],
                    describe: Callable[[ReviewItem, str], ItemChange | None],
                    **details: Any) -> tuple[list[Write], BatchResult]:
        """One write per item (its exact conditional UpdateItem), and what needs no write.

        ``describe(item, by)`` builds the item's change; an item the change does
        not apply to is in the result's ``invalid``, one it leaves as it is in
        ``updated``.
        """
        who, writes, skipped = self.who, [], BatchResult()
        for item in items:
            try:
                change = describe(item, who.name)
            except items_core.InvalidChange as exc:
                skipped.invalid.append(str(exc))
                continue
            if change is None:
                skipped.updated.append(item)
                continue
            writes.append(Write(
                action, f"review item {item.item_id}", "dynamodb", "UpdateItem",
                # Sends exactly change.request; a refused condition becomes the Conflict saying who was first.
                run=lambda clients, c=change: items_core.send_change(clients, c),
                who=who, calls=(change.call,), targets=(item.item_id,),
                details={"item_id": item.item_id, "text": item.text, **details},
            ))
        return writes, skipped

    def _items(self, action: str, items: Sequence[ReviewItem],
               describe: Callable[[ReviewItem, str], ItemChange | None], **details: Any) -> list[Job] | None:
        """Send one audited write per item, in order; ``items_changed`` once with every item's result."""
        if not items or self.busy:
            return None
        if not self.session.connected:
            self.write_failed.emit(action, self.session.not_connected())
            return None
        writes, result = self.item_writes(action, items, describe, **details)
        if not writes:
            self.items_changed.emit(result)
            return []
        errors: list[UserError] = []
        jobs = [self.ctx.writes.submit(w, owner=self.session.owner) for w in writes]
        pending = set(jobs)
        by_id = {i.item_id: i for i in items}
        targets = {job: by_id[w.targets[0]] for job, w in zip(jobs, writes, strict=True)}

        def ended(job: Job) -> None:
            pending.discard(job)
            if job.state is JobState.CANCELLED:
                result.cancelled.append(targets[job])
            self.batch_progress.emit(action, len(jobs) - len(pending), len(jobs))
            if pending:
                return
            # What reviewers decide is what the agents' ranking learns from: read it again.
            for key in {(i.bot_id, i.locale_id) for i in items}:
                self.session.forget_model(*key)
            self._batch = []
            self.busy_changed.emit(False)
            self.items_changed.emit(result)
            if errors:
                self.write_failed.emit(action, errors[0])

        def done(job: Job, out: Any) -> None:
            if isinstance(out, Conflicted):
                result.conflicts.append(out.conflict)
            else:
                result.updated.append(out)

        for job in jobs:
            job.done.connect(lambda out, job=job: done(job, out))
            job.failed.connect(lambda err: errors.append(err))
            job.finished.connect(lambda job=job: ended(job))
        self._batch = jobs
        self.busy_changed.emit(True)
        self.batch_progress.emit(action, 0, len(jobs))
        return jobs

    def cancel_batch(self) -> int:
        """Leave out the item writes of the running batch not started yet; how many were left out.

        A write already on its way finishes and is audited; one still queued was
        never sent (nor audited), so cancelling it changes nothing anywhere. The
        first unfinished write is always let through: the one write thread may
        have started it before the window heard so, and a write cancelled while
        it is being sent would land unseen.
        """
        unfinished = [job for job in self._batch if job.active]
        queued = [job for job in unfinished[1:] if job.state is JobState.QUEUED]
        for job in queued:
            job.cancel()
        return len(queued)

    def approve(self, items: Sequence[ReviewItem]) -> list[Job] | None:
        """Approve the pending ones among ``items`` (one audited write each)."""
        chosen = [i for i in items if i.status == PENDING]
        return self._items("Approve review item", chosen,
                           lambda i, by: items_core.transition_request(i, APPROVED, by))

    def reopen(self, items: Sequence[ReviewItem]) -> list[Job] | None:
        """Send approved or rejected items back to pending."""
        chosen = [i for i in items if i.status in (APPROVED, REJECTED)]
        return self._items("Reopen review item", chosen,
                           lambda i, by: items_core.transition_request(i, PENDING, by))

    def reject(self, items: Sequence[ReviewItem], reason: str) -> list[Job] | None:
        """Reject the open ones among ``items``, with ``reason``."""
        chosen = [i for i in items if i.status in (PENDING, APPROVED)]
        return self._items("Reject review item", chosen,
                           lambda i, by: items_core.transition_request(i, REJECTED, by, reason), reason=reason)

    def edit_text(self, items: ReviewItem | Sequence[ReviewItem], text: str) -> list[Job] | None:
        """Change one item's text (or that of each item of one phrase forwarded several times)."""
        chosen = [items] if isinstance(items, ReviewItem) else list(items)
        return self._items("Edit review item", chosen,
                           lambda i, by: items_core.edit_request(i, by, text=text), new_text=text)

    def move(self, items: Sequence[ReviewItem], intent: str) -> list[Job] | None:
        """Move ``items`` to ``intent``."""
        return self._items("Move review item", list(items),
                           lambda i, by: items_core.edit_request(i, by, intent_name=intent), intent=intent)

    def pull_analytics(self, locale: BotLocale, model: LocaleModel | None) -> Job | None:
        """Queue Lex's most-missed utterances of ``locale`` as pending items."""
        who = self.who
        write = Write(
            "Pull Lex analytics", locale.label, "dynamodb", "PutItem",
            run=lambda clients: bot.pull_lex_analytics(clients, locale, who.name, model=model), who=who,
            details={"bot_id": locale.bot_id, "locale_id": locale.locale_id},
            no_cli="Reads Lex's analytics first, then puts one item per new utterance: several calls.",
        )

        def done(result: Any) -> None:
            self.items_changed.emit(result if isinstance(result, AnalyticsPull) else BatchResult())

        return self._send(write, done)

    # -- deployments -----------------------------------------------------------
    def deploy_write(self, locale: BotLocale, item_ids: Sequence[str], settings: DeploySettings) -> Write:
        """The deployment of ``item_ids`` into ``locale``, described (for its confirmation and the audit)."""
        who, ids = self.who, list(item_ids)
        return Write(
            "Deploy bot locale", locale.label, "lexv2-models", "BuildBotLocale",
            run=lambda clients: lexdeploy.deploy(clients, locale, ids, who.name, settings), who=who,
            targets=tuple(ids), details={"bot_id": locale.bot_id, "locale_id": locale.locale_id, "items": len(ids)},
            destructive=True, steps=True, outcome=deployment_outcome, no_cli=_DEPLOY_NO_CLI,
        )

    def resume_write(self, d: Deployment, settings: DeploySettings) -> Write:
        """Finishing the interrupted deployment ``d``, described."""
        who = self.who
        return Write(
            "Resume deployment", f"{d.bot_name} · {d.locale_id}", "lexv2-models", "BuildBotLocale",
            run=lambda clients: lexdeploy.resume(clients, d.deployment_id, who.name, settings), who=who,
            targets=(d.deployment_id,), details={"deployment_id": d.deployment_id},
            destructive=True, steps=True, outcome=deployment_outcome, no_cli=_DEPLOY_NO_CLI,
        )

    def run_deployment(self, write: Write) -> Job | None:
        """Send a confirmed deployment (or resume); follow the returned job for its progress.

        Failures come as the job's ``failed`` (the deployment dialog says them).
        """
        if not self.session.connected:
            return None
        return self.ctx.writes.submit(write, confirmed=True, owner=self.session.owner)
