"""The Review queues area: an agent view and an operations view behind a role switch."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QStackedWidget, QVBoxLayout, QWidget

from opsconsole.core.errors import UserError
from opsconsole.core.settings import REVIEW_ROLE
from opsconsole.core.permissions import DEPLOY_ACTIONS, Permissions
from opsconsole.ui.context import AppContext
from opsconsole.ui.panel import Panel
from opsconsole.ui.lexreview.actions import ReviewActions
from opsconsole.ui.lexreview.agent.view import AgentView
from opsconsole.ui.lexreview.ops.view import OperationsView
from opsconsole.ui.lexreview.session import ReviewSession

AGENT, OPERATIONS = "agent", "operations"
ROLES = ((AGENT, "Agent"), (OPERATIONS, "Operations"))


class ReviewPanel(Panel):
    """Missed-utterance triage (agents) and review, approval and deployment (operations).

    Each role sees only its own view and actions; the role is remembered in
    settings (``review/role``).
    """

    key = "review"
    title = "Review queues"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.session = ReviewSession(ctx, self)
        self.review_actions = ReviewActions(self.session, self)
        self.agent_view = AgentView(self.session, self.review_actions)
        self.ops_view = OperationsView(self.session, self.review_actions)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.agent_view)
        self.stack.addWidget(self.ops_view)

        self.role_combo = QComboBox()
        self.role_combo.setObjectName("review-role")
        for key, label in ROLES:
            self.role_combo.addItem(label, key)
        self.role_combo.setToolTip("Agents triage conversations; operations review, approve and deploy")
        self.user_label = QLabel()
        self.user_label.setObjectName("review-user")
        header = QHBoxLayout()
        header.addWidget(QLabel("<b>Review queues</b>"))
        header.addSpacing(16)
        header.addWidget(QLabel("Role"))
        header.addWidget(self.role_combo)
        header.addStretch(1)
        header.addWidget(self.user_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(header)
        layout.addWidget(self.stack, 1)

        self._loaded: set[str] = set()
        self._reported = False
        self.session.locales_loaded.connect(self._on_locales)
        self.session.locales_failed.connect(self._on_locales_failed)
        self.agent_view.queue_loaded.connect(lambda n: self._report(AGENT, f"{n} conversations"))
        self.agent_view.queue_failed.connect(self._fail)
        self.ops_view.items_loaded.connect(lambda n: self._report(OPERATIONS, f"{n} review items"))
        self.ops_view.items_failed.connect(self._fail)
        saved = ctx.settings.get(REVIEW_ROLE)
        self.role_combo.setCurrentIndex(max(self.role_combo.findData(saved), 0))
        self.role_combo.currentIndexChanged.connect(lambda _i: self.set_role(self.role_combo.currentData()))
        ctx.identity_changed.connect(lambda _who: self._show_user())
        ctx.permissions_changed.connect(self._on_permissions)
        self._on_permissions(ctx.permissions)
        self._show_role(self.role())

        self.refresh_action = QAction("Refresh", self)
        self.refresh_action.setShortcut(QKeySequence(Qt.Key.Key_F5))
        self.refresh_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.refresh_action.triggered.connect(self.refresh)
        self.addAction(self.refresh_action)

    # -- role ----------------------------------------------------------------
    def role(self) -> str:
        """"agent" or "operations"."""
        return self.role_combo.currentData()

    def set_role(self, role: str) -> None:
        """Show ``role``'s view (and only its actions); remembered for next time."""
        index = self.role_combo.findData(role)
        if index < 0:
            return
        if self.role_combo.currentIndex() != index:
            self.role_combo.setCurrentIndex(index)  # comes back here through the signal
            return
        self.ctx.settings.set(REVIEW_ROLE, role)
        self._show_role(role)
        if role not in self._loaded and self.ctx.clients is not None:
            self._load_view(role)

    def _on_permissions(self, may: Permissions) -> None:
        """Operations is offered to an identity IAM lets deploy the bot: the role is IAM's, not a setting."""
        item = self.role_combo.model().item(self.role_combo.findData(OPERATIONS))
        refused = [may.why_not(action) for action in DEPLOY_ACTIONS if not may.allows(action)]
        if item.isEnabled() == bool(refused):  # touched only on a change: an edit reaches the combo's view
            item.setEnabled(not refused)
            item.setToolTip("\n".join(refused))
        if refused and self.role() == OPERATIONS:
            self.set_role(AGENT)

    def _show_role(self, role: str) -> None:
        view = self.agent_view if role == AGENT else self.ops_view
        self.stack.setCurrentWidget(view)
        self._show_user()
        self._take_keyboard()

    def _take_keyboard(self) -> None:
        """The current role's view gets the keys (the agent's single-letter keys work at once)."""
        if self.role() == AGENT:
            self.agent_view.take_keyboard()
        else:
            self.ops_view.tree.setFocus()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt name
        # The area opened (or the app started on it): its keys work without a click first. A window
        # restored from the taskbar (a spontaneous show) keeps the focus where the user left it.
        super().showEvent(event)
        if not event.spontaneous():
            self._take_keyboard()

    def current_view(self) -> QWidget:
        """The view of the current role."""
        return self.stack.currentWidget()

    # -- loading -----------------------------------------------------------
    def load(self) -> None:
        """Bots and locales for the filters, and the current role's queue."""
        self._reported = False
        self._loaded.clear()
        self._show_user()
        if self.ctx.clients is None:
            self._fail(self.session.not_connected())
            return
        self.session.load_locales()
        self._load_view(self.role())

    def _load_view(self, role: str) -> None:
        self._loaded.add(role)
        if role == AGENT:
            self.agent_view.reload()
        else:
            self.ops_view.reload()

    def _on_locales(self, locales: list) -> None:
        self.agent_view.set_locales(locales)
        self.ops_view.set_locales(locales)
        # Every locale's intents, side by side, now: a locale that first shows up pages deep in the queue
        # is ready when the agent gets there, not loaded only once its page arrives.
        self.session.preload(locale.key for locale in locales)

    def _on_locales_failed(self, err: UserError) -> None:
        # The queues can still be worked without the filters' bot names; say it quietly.
        self._show_user(f" · bots not listed: {html.escape(err.title.lower())}")

    def _show_user(self, note: str = "") -> None:
        # The name is the user's own text: escaped, never rich text.
        self.user_label.setText(f"Working as <b>{html.escape(self.ctx.who.label)}</b>{note}")
        self.user_label.setToolTip(f"<qt>{html.escape(self.ctx.who.describe())}</qt>")

    def _report(self, role: str, summary: str) -> None:
        if not self._reported and role == self.role():
            self._reported = True
            self.loaded.emit(summary)

    def _fail(self, err: UserError) -> None:
        if not self._reported:
            self._reported = True
            self.load_failed.emit(err)

    def _on_connection_changed(self, connection: object) -> None:
        self.cancel_jobs()
        self.session.reset()
        super()._on_connection_changed(connection)

    def refresh(self) -> None:
        """F5: reload whichever view is showing."""
        if self.ctx.clients is not None:
            self._load_view(self.role())
