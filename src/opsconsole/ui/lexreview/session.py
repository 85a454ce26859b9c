"""What both review views share: who is working, the bots' locales and intents.

Locale models (intents with their sample utterances) are loaded once per bot
locale and kept until the connection changes; both the agent's intent ranking
and the reviewer's duplicate/conflict flags read them. Writes are :class:`~opsconsole.ui.lexreview.actions.ReviewActions`'.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from opsconsole.core.lexreview import bot
from opsconsole.core.errors import ErrorKind, UserError
from opsconsole.core.lexreview.bot import BotLocale, LocaleModel
from opsconsole.ui.context import AppContext
from opsconsole.jobs.runner import Job

ROLE_KEY = "review/role"


class ReviewSession(QObject):
    """Bot locales and locale models, loaded through the job runner on behalf of ``owner``."""

    locales_loaded = Signal(list)  # list[BotLocale]
    locales_failed = Signal(object)  # UserError
    model_loaded = Signal(object)  # LocaleModel
    model_failed = Signal(object, object)  # (bot_id, locale_id), UserError

    def __init__(self, ctx: AppContext, owner: QObject) -> None:
        super().__init__(owner)
        self.ctx = ctx
        self.owner = owner
        self.locales: list[BotLocale] = []
        self._models: dict[tuple[str, str], LocaleModel] = {}
        self._loading: set[tuple[str, str]] = set()

    @property
    def user(self) -> str:
        """Who works here: the console's one identity (display name, else the AWS principal's name)."""
        return self.ctx.who.name

    @property
    def connected(self) -> bool:
        return self.ctx.clients is not None

    def not_connected(self) -> UserError:
        return UserError(ErrorKind.CONFIG, "Not connected", "Choose a connection to see the review queues.")

    def reset(self) -> None:
        """Another connection: nothing loaded so far belongs to it."""
        self.locales = []
        self._models.clear()
        self._loading.clear()

    # -- reads -------------------------------------------------------------
    def read(self, func: Callable[..., Any], *args: Any, name: str, **kwargs: Any) -> Job:
        """Run a core read with the current clients on the read pool."""
        return self.ctx.runner.submit(func, self.ctx.clients, *args, name=name, owner=self.owner, **kwargs)

    def load_locales(self) -> Job | None:
        """List every bot locale (for the filters); ``locales_loaded`` when done."""
        if not self.connected:
            self.locales_failed.emit(self.not_connected())
            return None
        job = self.read(bot.list_bot_locales, name="ListBots")
        job.done.connect(self._on_locales)
        job.failed.connect(self.locales_failed)
        return job

    def _on_locales(self, locales: list[BotLocale]) -> None:
        self.locales = list(locales)
        self.locales_loaded.emit(self.locales)

    def locale(self, bot_id: str, locale_id: str, bot_name: str = "") -> BotLocale:
        """The listed locale, or one made from what is known."""
        for loc in self.locales:
            if loc.key == (bot_id, locale_id):
                return loc
        return BotLocale(bot_id, bot_name or bot_id, locale_id)

    def model(self, bot_id: str, locale_id: str) -> LocaleModel | None:
        """The locale's intents if loaded; otherwise starts loading them and returns None."""
        key = (bot_id, locale_id)
        found = self._models.get(key)
        if found is None and key not in self._loading and self.connected and bot_id and locale_id:
            self._loading.add(key)
            job = self.read(bot.load_locale_model, self.locale(bot_id, locale_id), name="DescribeIntent")
            job.done.connect(self._on_model)
            job.failed.connect(lambda err, k=key: self._on_model_failed(k, err))
            job.cancelled.connect(lambda k=key: self._loading.discard(k))
        return found

    def models(self) -> dict[tuple[str, str], LocaleModel]:
        return dict(self._models)

    def forget_model(self, bot_id: str, locale_id: str) -> None:
        """Sample utterances changed (a deployment): read them again next time."""
        self._models.pop((bot_id, locale_id), None)

    def _on_model(self, model: LocaleModel) -> None:
        key = model.locale.key
        self._loading.discard(key)
        self._models[key] = model
        self.model_loaded.emit(model)

    def _on_model_failed(self, key: tuple[str, str], err: UserError) -> None:
        self._loading.discard(key)
        self.model_failed.emit(key, err)
