"""What both review views share: who is working, the bots' locales and intents, audited writes.

Locale models (intents with their sample utterances) are loaded once per bot
locale and kept until the connection changes; both the agent's intent ranking
and the reviewer's duplicate/conflict flags read them.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from collections.abc import Callable, Generator
from typing import Any

from PySide6.QtCore import QObject, QSettings, Signal

from opsconsole.core.lexreview import bot
from opsconsole.core.errors import ErrorKind, UserError
from opsconsole.core.lexreview.triage import Conflict
from opsconsole.core.lexreview.bot import BotLocale, LocaleModel
from opsconsole.ui.context import AppContext
from opsconsole.jobs.runner import Job

USER_KEY = "review/user"
ROLE_KEY = "review/role"


@dataclass(frozen=True)
class Refused:
    """A write someone else's change got in the way of (see :meth:`ReviewSession.write`)."""

    conflict: Conflict

    @property
    def message(self) -> str:
        return self.conflict.message


def review_user() -> str:
    """The name written into items and deployments: ``review/user`` if set, else the OS user."""
    name = str(QSettings().value(USER_KEY, "") or "").strip()
    if name:
        return name
    try:
        return getpass.getuser()
    except Exception:  # no login name (some containers): still say something
        return "unknown"


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
        return review_user()

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

    # -- writes ------------------------------------------------------------
    def write(
        self, action: str, target: str, call: Callable[..., Any], *args: Any, details: dict[str, Any] | None = None
    ) -> Job:
        """One audited write on the ordered write queue: ``call(clients, *args)``.

        As :func:`opsconsole.ui.confirm.submit_write`, except that a
        :class:`Conflict` (someone else changed the record first) is an
        expected outcome: audited as an error, delivered by ``done`` as a
        :class:`Refused` rather than as a failure, so the view can say plainly
        what happened.
        """

        def run(clients: Any) -> Generator[Any, None, Any]:
            try:
                return call(clients, *args)
            except Conflict as exc:
                # Wrapped: the worker layer treats a returned exception as a failure.
                return Refused(exc)
            yield  # pragma: no cover - a generator, for write_steps

        return self.write_steps(action, target, run, details=details,
                                outcome=lambda r: r.conflict.message if isinstance(r, Refused) else "")

    def write_steps(
        self,
        action: str,
        target: str,
        run: Callable[..., Generator[Any, None, Any]],
        *args: Any,
        details: dict[str, Any] | None = None,
        outcome: Callable[[Any], str] = lambda _r: "",
    ) -> Job:
        """A write that may report progress (a core generator), audited when it ends.

        ``outcome(result)`` returns an error sentence when the run ended without
        doing its job (a conflict, a failed build), so the audit log says "error".
        """
        clients = self.ctx.clients
        if clients is None:
            raise RuntimeError("not connected")
        audit, label = self.ctx.audit, clients.connection.label

        def record(call: Callable[[], Any]) -> Any:
            return audit.record(connection=label, action=action, target=target, details=details, call=call)

        def audited() -> Generator[Any, None, Any]:
            try:
                result = yield from run(clients, *args)
            except GeneratorExit:
                # Cancelled: no result will come; say so in the audit log (a file, no network).
                _quietly(record, RuntimeError("cancelled before the end"))
                raise
            except Exception as exc:
                _quietly(record, exc)
                raise
            problem = outcome(result)
            if problem:
                _quietly(record, RuntimeError(problem))
            else:
                record(lambda: result)
            return result

        return self.ctx.runner.submit(audited, name=action, owner=self.owner, write=True)


def _quietly(record: Callable[[Callable[[], Any]], Any], exc: BaseException) -> None:
    """Write an 'error' audit line for ``exc`` without raising it again."""

    def fail() -> Any:
        raise exc

    try:
        record(fail)
    except Exception:  # noqa: BLE001 - the raise above is the point
        pass
