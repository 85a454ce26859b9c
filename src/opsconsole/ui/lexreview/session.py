"""What both review views share: who is working, the bots' locales and intents.

Locale models (intents with their sample utterances and the phrases approved
for them) are loaded once per bot locale, side by side on the read pool, as
soon as a view knows which locales it will need (:meth:`ReviewSession.preload`),
and kept until the connection changes; a refresh keeps the loaded model in use
until the new one is in. Both the agent's intent ranking and the reviewer's
duplicate/conflict flags read them. Writes are :class:`~opsconsole.ui.lexreview.actions.ReviewActions`'.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QObject, Signal

from opsconsole.core.lexreview import bot
from opsconsole.core.lexreview.ranking import load_ranking_model
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
        if found is None:
            self._load(key)
        return found

    def preload(self, keys: Iterable[tuple[str, str]]) -> None:
        """Start loading every locale in ``keys`` not loaded or loading yet (each its own job, side by side)."""
        for key in dict.fromkeys(keys):
            if key not in self._models:
                self._load(key)

    def loading(self, bot_id: str, locale_id: str) -> bool:
        """The locale's intents are on their way (a first load or a refresh)."""
        return (bot_id, locale_id) in self._loading

    def _load(self, key: tuple[str, str], previous: LocaleModel | None = None) -> None:
        bot_id, locale_id = key
        if key in self._loading or not self.connected or not bot_id or not locale_id:
            return
        self._loading.add(key)
        job = self.read(load_ranking_model, self.locale(bot_id, locale_id), previous, name="DescribeIntent")
        job.done.connect(self._on_model)
        job.failed.connect(lambda err, k=key: self._on_model_failed(k, err))
        job.cancelled.connect(lambda k=key: self._loading.discard(k))

    def models(self) -> dict[tuple[str, str], LocaleModel]:
        return dict(self._models)

    def refresh_models(self) -> None:
        """Read every loaded locale again (only changed intents are described again); the old ones serve meanwhile."""
        for key, model in list(self._models.items()):
            self._load(key, model)

    def forget_model(self, bot_id: str, locale_id: str) -> None:
        """Sample utterances (or approvals) changed: read them again; the old model serves until then."""
        model = self._models.get((bot_id, locale_id))
        if model is not None:
            self._load((bot_id, locale_id), model)

    def _on_model(self, model: LocaleModel) -> None:
        key = model.locale.key
        self._loading.discard(key)
        self._models[key] = model
        self.model_loaded.emit(model)

    def _on_model_failed(self, key: tuple[str, str], err: UserError) -> None:
        self._loading.discard(key)
        self.model_failed.emit(key, err)
