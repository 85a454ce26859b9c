"""The operations view: open review items grouped by bot, locale and intent; review, pull, deploy.

Keys: A approve, R reject, F2/E edit text, M move to intent, U reopen,
O open the source conversation; one item or many (select several rows, or a
group row for everything under it). A phrase forwarded several times is one
row with a count, and an action on it applies to each of its items (each
audited). A batch shows its progress; Esc leaves out what is not sent yet.
While the view is shown, items changed elsewhere come in by themselves.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSplitter, QVBoxLayout, QWidget

from opsconsole.core.lexreview import items as items_core
from opsconsole.core.errors import UserError
from opsconsole.core.lexreview.triage import APPROVED, PENDING, ReviewItem
from opsconsole.core.lexreview.bot import AnalyticsPull, BotLocale
from opsconsole.core.lexreview.items import BatchResult
from opsconsole.core.permissions import DEPLOY_ACTIONS
from opsconsole.ui.permissions import gate, remember_tooltip
from opsconsole.ui.lexreview.actions import ReviewActions
from opsconsole.ui.lexreview.ops.dialogs import EditTextDialog, MoveIntentDialog, RejectDialog
from opsconsole.ui.lexreview.ops.batch_progress import BatchProgress
from opsconsole.ui.lexreview.ops.deployments import DeploymentsPane
from opsconsole.ui.lexreview.ops.filter_bar import OpsFilterBar
from opsconsole.ui.lexreview.ops.item_detail import ItemDetail
from opsconsole.ui.lexreview.ops.items_model import ITEM_ROLE, ItemColumn, ReviewTreeModel
from opsconsole.ui.lexreview.ops.items_view import EMPTY_TEXT, ReviewTree
from opsconsole.ui.lexreview.ops.loading import ChangesPoll, FlagWork, ItemsListing
from opsconsole.ui.lexreview.session import ReviewSession
from opsconsole.ui.widgets.message_bar import MessageBar, Severity

class OperationsView(QWidget):
    """Review what agents and Lex analytics forwarded, then deploy it into the bot."""

    items_loaded = Signal(int)
    items_failed = Signal(object)  # UserError
    #: An action on items finished: a BatchResult (conflicts included) or an AnalyticsPull.
    action_finished = Signal(object)
    #: The flags of the items shown were worked out again.
    flags_updated = Signal()

    def __init__(self, session: ReviewSession, actions: ReviewActions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("operations-view")
        self.session = session
        self.review_actions = actions
        #: The statuses the shown rows were listed for (None: every status).
        self._listed: frozenset[str] | None = frozenset()
        self.listing = ItemsListing(session, self)
        self.listing.replaced.connect(self._on_rows_replaced)
        self.listing.added.connect(self._on_rows_added)
        self.listing.progress.connect(lambda n: self.status_label.setText(f"Loading… {n:,} so far"))
        self.listing.done.connect(self._on_listed)
        self.listing.failed.connect(self._fail)
        self._dialog = None  # the open reject/edit/move dialog, for tests and to keep it alive

        self.filters = OpsFilterBar()
        self.locale_combo, self.status_combo, self.search = (self.filters.locale_combo, self.filters.status_combo,
                                                             self.filters.search)
        self.pull_button, self.deploy_button = self.filters.pull_button, self.filters.deploy_button
        self.locale_combo.currentIndexChanged.connect(lambda _i: self._apply_filter())
        self.status_combo.currentIndexChanged.connect(lambda _i: self._on_status_filter())
        self.search.filter_changed.connect(lambda _t: self._apply_filter())
        self.filters.refresh_button.clicked.connect(self.reload)
        self.pull_button.clicked.connect(self.pull_analytics)
        self.deploy_button.clicked.connect(self.deploy)

        self.buttons: dict[str, QPushButton] = {}
        actions = QHBoxLayout()
        for key, text, keys, slot in (
            ("approve", "Approve (A)", ["A"], self.approve),
            ("reject", "Reject… (R)", ["R"], self.reject),
            ("edit", "Edit text… (F2)", ["F2", "E"], self.edit_text),
            ("move", "Move to intent… (M)", ["M"], self.move_to_intent),
            ("reopen", "Reopen (U)", ["U"], self.reopen),
            ("open", "Open conversation (O)", ["O"], self.open_conversation),
        ):
            button = QPushButton(text)
            button.setObjectName(f"item-{key}")
            button.clicked.connect(slot)
            self.buttons[key] = button
            actions.addWidget(button)
            action = QAction(text, self)
            action.setShortcuts([QKeySequence(k) for k in keys])
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(slot)
            self.addAction(action)
        actions.addStretch(1)
        self.batch = BatchProgress(self)
        self.batch.cancel_requested.connect(self.cancel_batch)
        actions.addWidget(self.batch)
        self.status_label = QLabel()
        self.status_label.setObjectName("ops-status")
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)
        actions.addWidget(self.status_label)

        self.model = ReviewTreeModel(self)
        self.tree = ReviewTree(self.model)
        self.tree.selectionModel().selectionChanged.connect(lambda *_a: self._on_selection())
        self.tree.clicked.connect(self._on_clicked)

        self.detail = ItemDetail(session)
        self.history = DeploymentsPane(session, self.review_actions)
        self.history.retry_requested.connect(self.deploy_locale)
        self.history.deployment_finished.connect(lambda _r: self.reload_items())
        self.message_bar = MessageBar()
        self.message_bar.retry_requested.connect(self.reload)

        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.tree)
        top.addWidget(self.detail)
        top.setStretchFactor(0, 1)
        top.setSizes([1060, 330])  # the list (and its phrases) gets the room
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(top)
        self.splitter.addWidget(self.history)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setSizes([560, 200])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.filters)
        layout.addWidget(self.message_bar)
        layout.addLayout(actions)
        layout.addWidget(self.splitter, 1)

        self.flag_work = FlagWork(session, self.model.all_items, self)
        self.flag_work.updated.connect(self._on_flags)
        session.model_loaded.connect(lambda _m: self.flag_work.recompute())
        self.review_actions.busy_changed.connect(lambda _busy: self._on_selection())
        self.session.ctx.permissions_changed.connect(lambda _may: self._on_selection())
        self.review_actions.items_changed.connect(self._on_written)
        self.review_actions.write_failed.connect(self._on_write_failed)
        self.review_actions.batch_progress.connect(self._on_batch_progress)
        # What this console forwards shows at once; what others change comes with the next look.
        self.review_actions.phrase_submitted.connect(lambda _c, _p, _f, created: self._on_changed(created))
        self.changes = ChangesPoll(session, lambda: self.isVisible() and not self.loading, self)
        self.changes.changed.connect(self._on_changed)
        self._apply_filter()  # "Open" from the start, before any item arrives

    # -- loading -----------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt name
        """Shown again (the role switched back): look for changes now rather than at the next tick."""
        super().showEvent(event)
        if self.changes.timer.isActive():
            self.changes.poll()

    def reload(self) -> None:
        """Read the review items and the deployment history again."""
        self.reload_items()
        self.history.reload()

    def statuses(self) -> frozenset[str] | None:
        """The statuses the status filter shows (None: every status): what is listed."""
        return self.filters.statuses()

    @property
    def loading(self) -> bool:
        """The review items are being listed (rows show as their pages arrive)."""
        return self.listing.active

    def reload_items(self) -> None:
        """List the review items of the status filter again, newest change first, page by page.

        One Query per status on the status index (:func:`items.iter_review_items`);
        each page's rows show as it arrives, so the first rows can be acted on
        while the rest follow. A listing still running is cancelled first.
        """
        self.listing.cancel()
        self.message_bar.hide()
        if not self.session.connected:
            self._fail(self.session.not_connected())
            return
        statuses = self.statuses()
        if statuses != self._listed:
            self.model.set_items([])  # other statuses: what is shown is not what will be listed
        self._listed = statuses
        self.status_label.setText("Loading…")
        self.changes.restart()
        self.listing.start(sorted(statuses) if statuses is not None else None, self.filters.status_label())

    def _on_rows_replaced(self, rows: list[ReviewItem]) -> None:
        self.model.set_items(rows)
        self._after_rows(rows)

    def _on_rows_added(self, rows: list[ReviewItem]) -> None:
        self.model.add_items(rows)
        self._after_rows(rows)

    def _after_rows(self, rows: list[ReviewItem]) -> None:
        for key in {(i.bot_id, i.locale_id) for i in rows if i.status in (PENDING, APPROVED)}:
            self.session.model(*key)  # loads in the background; flags follow
        self.flag_work.recompute()
        self._on_selection()

    def _on_changed(self, rows: list[ReviewItem]) -> None:
        """Items changed since the last look: new ones of the statuses listed, newer revisions of those shown."""
        listed = self._listed
        wanted = [i for i in rows if (listed is None or i.status in listed) or self.model.item(i.item_id)]
        if wanted and self.model.add_items(wanted):
            self._after_rows(wanted)
            if not self.loading:
                self._say_shown()

    def _say_shown(self) -> None:
        shown, total = self.model.visible_items(), self.model.all_items()
        rows = self.model.phrase_rows()
        merged = f" ({rows} distinct phrases)" if rows != len(shown) else ""
        self.status_label.setText(f"{len(shown)} shown of {len(total)}{merged}")
        self.tree.set_empty_text(EMPTY_TEXT if not total else
                                 "Nothing here matches the filters: another status or locale, or a shorter "
                                 "filter text, shows more.")

    def _on_listed(self) -> None:
        total = len(self.model.all_items())
        self._say_shown()
        self._on_selection()
        self.items_loaded.emit(total)

    def _fail(self, err: UserError) -> None:
        self.listing.cancel()
        self.status_label.setText("")
        self.message_bar.show_error(err)
        self.items_failed.emit(err)

    def set_locales(self, locales: list[BotLocale]) -> None:
        """Offer these bot locales in the locale filter."""
        self.filters.set_locales(locales)
        self._on_selection()

    def _on_flags(self, flags: dict) -> None:
        self.model.set_flags(flags)
        self.detail.refresh()
        self.flags_updated.emit()

    def _on_status_filter(self) -> None:
        """Other statuses: list them (cancelling a listing still running), then filter what is shown."""
        self._apply_filter()
        if self.session.connected and self.statuses() != self._listed:
            self.reload_items()

    def _apply_filter(self) -> None:
        statuses = self.statuses()
        locale = self.locale_combo.currentData()
        text = self.search.text().strip().casefold()

        def accept(item: ReviewItem) -> bool:
            if statuses is not None and item.status not in statuses:
                return False
            if locale is not None and (item.bot_id, item.locale_id) != tuple(locale):
                return False
            return not text or text in item.text.casefold() or text in item.intent_name.casefold()

        self.model.set_filter(accept)
        if not self.loading:
            self._say_shown()
        self._on_selection()  # the deploy target may have changed with the locale filter

    # -- selection ---------------------------------------------------------
    def selected_items(self) -> list[ReviewItem]:
        """The items the next action applies to."""
        return self.tree.selected_items()

    def select_items(self, item_ids: list[str]) -> None:
        """Select these items (those shown) in the tree."""
        self.tree.select_items(item_ids)

    def _on_clicked(self, index) -> None:
        if index.column() == ItemColumn.CONVERSATION and index.data(ITEM_ROLE) is not None:
            self.open_conversation()

    def one_phrase(self) -> list[ReviewItem]:
        """The items of the one phrase row selected (one item, or the same phrase forwarded again); else []."""
        chosen = self.selected_items()
        if not chosen:
            return []
        row = self.model.row_items(chosen[0].item_id)
        return row if {i.item_id for i in row} == {i.item_id for i in chosen} else []

    def _on_selection(self) -> None:
        chosen = self.selected_items()
        busy = self.review_actions.busy
        allowed = set(items_core.allowed_actions(chosen))
        row = self.one_phrase()
        if row and items_core.items_for("edit", row):
            allowed.add("edit")  # one phrase: its text is edited in each of its items
        for action in ("approve", "reject", "edit", "move", "reopen"):
            self.buttons[action].setEnabled(not busy and action in allowed)
        single = row[0] if row else None
        self.buttons["open"].setEnabled(single is not None and bool(single.contact_id))
        self.detail.show_item(single, self.model, row)
        locale = self.target_locale()
        # Approved items not listed under this filter are read when Deploy is pressed (None: not known yet).
        approved = (self.approved_for(locale) if self.lists_approved() else None) if locale else []
        self.filters.show_target(locale, approved, busy)
        self._gate_deploy()

    def _gate_deploy(self) -> None:
        """A deploy IAM does not allow this identity stays off, the missing permission named."""
        remember_tooltip(self.filters.deploy_button)
        gate(self.filters.deploy_button, self.session.ctx.permissions, *DEPLOY_ACTIONS)

    def target_locale(self) -> BotLocale | None:
        """The locale chosen in the filter, else the one locale of the selected items."""
        key = self.locale_combo.currentData()
        if key is None:
            keys = {(i.bot_id, i.locale_id) for i in self.selected_items()}
            if len(keys) != 1:
                return None
            key = next(iter(keys))
        bot_id, locale_id = key
        name = next((i.bot_name for i in self.model.all_items() if i.bot_id == bot_id), "")
        return self.session.locale(bot_id, locale_id, name)

    def approved_for(self, locale: BotLocale) -> list[ReviewItem]:
        """The locale's approved items: what a deployment would put into the bot."""
        return [i for i in self.model.all_items() if i.status == APPROVED and (i.bot_id, i.locale_id) == locale.key]

    # -- item actions ------------------------------------------------------
    def approve(self) -> None:
        """A: approve the selected pending items."""
        self.review_actions.approve(self.selected_items())

    def reopen(self) -> None:
        """U: send approved or rejected items back to pending."""
        self.review_actions.reopen(self.selected_items())

    def reject(self) -> None:
        """R: reject the selected open items, with a reason."""
        chosen = [i for i in self.selected_items() if i.status in (PENDING, APPROVED)]
        if not chosen:
            return
        dialog = RejectDialog(len(chosen), self)
        dialog.accepted.connect(lambda: self.review_actions.reject(chosen, dialog.text()))
        self._open(dialog)

    def edit_text(self) -> None:
        """F2: edit one phrase's text (in each item of its row)."""
        chosen = items_core.items_for("edit", self.one_phrase())
        if not chosen:
            return
        dialog = EditTextDialog(chosen[0].text, self)
        dialog.accepted.connect(lambda: self.review_actions.edit_text(chosen, dialog.text()))
        self._open(dialog)

    def move_to_intent(self) -> None:
        """M: move the selected items (one locale) to another intent."""
        chosen = [i for i in self.selected_items() if i.status in (PENDING, APPROVED)]
        if not chosen or len({(i.bot_id, i.locale_id) for i in chosen}) != 1:
            return
        model = self.session.model(chosen[0].bot_id, chosen[0].locale_id)
        if model is None:
            self.status_label.setText("Loading the intents of this locale; try again in a moment")
            return
        dialog = MoveIntentDialog(chosen[0].text, model.rank(chosen[0].text), len(chosen), self)
        dialog.accepted.connect(lambda: self.review_actions.move(chosen, dialog.intent()))
        self._open(dialog)

    def _open(self, dialog) -> None:
        self._dialog = dialog
        dialog.open()

    def cancel_batch(self) -> None:
        """Esc: leave out the items of the running batch not sent yet."""
        if self.review_actions.cancel_batch():
            self.status_label.setText("Cancelling…")

    def _on_batch_progress(self, action: str, done: int, total: int) -> None:
        if action in ReviewActions.AGENT_WRITES:
            return
        self.batch.show_progress(done, total)
        if done < total:
            self.status_label.setText(f"{action.split()[0]}: {done} of {total} done")

    def _on_written(self, result: object) -> None:
        if isinstance(result, BatchResult):
            current = [c.current for c in result.conflicts if isinstance(c.current, ReviewItem)]
            self.model.update_items([*result.updated, *current])
            self.flag_work.recompute()
            if result.conflicts or result.invalid:
                lines = [c.message for c in result.conflicts] + result.invalid
                self.message_bar.show_message(result.summary, "\n".join(lines), Severity.WARNING)
            else:
                self.message_bar.hide()
            self.status_label.setText(result.summary)
            if result.cancelled:
                self.changes.poll()  # a write cancelled just as it was sent still lands: look again
        elif isinstance(result, AnalyticsPull):
            self.status_label.setText(result.summary)
            self.reload_items()
        self._on_selection()
        self.action_finished.emit(result)

    def _on_write_failed(self, action: str, err: UserError) -> None:
        if action in ReviewActions.AGENT_WRITES:
            return
        self.message_bar.show_error(err, retry=False)
        self._on_selection()

    def open_conversation(self) -> None:
        """O: show the conversation the selected item came from."""
        row = self.one_phrase()
        if row and row[0].contact_id:
            self.detail.open_conversation(row[0])

    # -- Lex analytics and deploying ----------------------------------------
    def pull_analytics(self) -> None:
        """Queue Lex's most-missed utterances of the target locale."""
        locale = self.target_locale()
        if locale is not None:
            self.review_actions.pull_analytics(locale, self.session.model(*locale.key))

    def deploy(self) -> None:
        """Deploy the target locale's approved items (after confirmation)."""
        locale = self.target_locale()
        if locale is not None:
            self.deploy_locale(locale)

    def lists_approved(self) -> bool:
        """The items shown were listed with the approved ones (so :meth:`approved_for` knows them all)."""
        return self._listed is None or APPROVED in self._listed

    def deploy_locale(self, locale: BotLocale) -> None:
        """Confirm, then deploy ``locale``'s approved items (read first when the filter does not list them)."""
        if not self.lists_approved():
            if not self.session.connected:
                self._fail(self.session.not_connected())
                return
            job = self.session.read(items_core.list_review_items, statuses=[APPROVED], bot_id=locale.bot_id,
                                    locale_id=locale.locale_id, name=f"List approved review items: {locale.label}")
            job.done.connect(lambda approved: self._confirm_deploy(locale, approved))
            job.failed.connect(lambda err: self.message_bar.show_error(err, retry=False))
            return
        self._confirm_deploy(locale, self.approved_for(locale))

    def _confirm_deploy(self, locale: BotLocale, approved: list[ReviewItem]) -> None:
        if not approved:
            self.message_bar.show_message("Nothing to deploy", f"No approved items in {locale.label}.", Severity.INFO)
            return
        self.history.confirm_deploy(locale, approved)

