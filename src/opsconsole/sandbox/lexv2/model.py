"""The sandbox's Lex V2 bots in memory: bots, locales, intents, slots, slot types, versions, aliases.

One :class:`LexBackend` per account and region holds everything the
model-building API shows (records in :mod:`.lexv2_resources`), with the rules
of Lex that a console runs into:

* only the DRAFT version is edited; an edit marks a built locale ``NotBuilt``;
* ``BuildBotLocale`` is asynchronous: the locale is ``Building`` for a few
  seconds (computed from the submission time, no timer thread), then ``Built``,
  or ``Failed`` with ``failureReasons`` (see :mod:`.lexv2_build`); a locale
  edited while it was building ends ``NotBuilt``;
* ``CreateBotVersion`` snapshots built locales under the next number, never
  reused (not even after a version is deleted); the version is ``Creating``
  for a moment, then ``Available``;
* aliases point at a numbered version (the test alias ``TSTALIASID`` at DRAFT)
  and keep the history of the versions they pointed at.
"""

from __future__ import annotations

import copy
import datetime as dt
import random
import string
import threading
from typing import Any

from opsconsole.sandbox.lexv2.build import build_problems, build_seconds
from opsconsole.sandbox.lexv2.resources import (
    DRAFT,
    FALLBACK_INTENT_ID,
    FALLBACK_INTENT_NAME,
    FALLBACK_SIGNATURE,
    LOCALE_NAMES,
    TEST_ALIAS_ID,
    TEST_ALIAS_NAME,
    VERSION_CREATION,
    Alias,
    Bot,
    Build,
    Intent,
    Item,
    Locale,
    Version,
    utcnow,
)
from opsconsole.sandbox.lexv2.wire import NotFound, conflict, invalid

__all__ = ["LexBackend", "DRAFT", "TEST_ALIAS_ID", "Alias", "Bot", "Intent", "Item", "Locale", "Version", "utcnow"]


class LexBackend:
    """Every Lex V2 bot of one account and region. All methods are thread-safe."""

    def __init__(self, account_id: str, region: str, ids: random.Random | None = None):
        self.account_id, self.region = account_id, region
        self.ids = ids or random.Random()
        self.bots: dict[str, Bot] = {}
        self.lock = threading.RLock()
        #: where ListAggregatedUtterances reads the conversations Lex had
        self.conversation_table = "lex-conversations"

    def new_id(self) -> str:
        alphabet = string.ascii_uppercase + string.digits
        return "".join(self.ids.choice(alphabet) for _ in range(10))

    # -- bots ------------------------------------------------------------------------------
    def create_bot(self, fields: dict[str, Any], tags: dict[str, str] | None = None,
                   test_alias_tags: dict[str, str] | None = None, at: dt.datetime | None = None) -> Bot:
        now = at or utcnow()
        with self.lock:
            if any(b.name == fields["botName"] for b in self.bots.values()):
                raise conflict(f"A bot with the name '{fields['botName']}' already exists.")
            bot = Bot(self.new_id(), dict(fields), now, now, tags=dict(tags or {}))
            test = Alias(TEST_ALIAS_ID, {"botAliasName": TEST_ALIAS_NAME, "botVersion": DRAFT,
                                         "description": "test bot alias"}, now, now,
                         history=[{"botVersion": DRAFT, "startDate": now}], tags=dict(test_alias_tags or {}))
            bot.aliases[TEST_ALIAS_ID] = test
            self.bots[bot.id] = bot
            return bot

    def bot(self, bot_id: str) -> Bot:
        bot = self.bots.get(bot_id)
        if bot is None:
            raise NotFound(f"Could not find the bot with ID {bot_id}.")
        return bot

    def update_bot(self, bot_id: str, fields: dict[str, Any]) -> Bot:
        with self.lock:
            bot = self.bot(bot_id)
            if any(b.name == fields["botName"] and b.id != bot_id for b in self.bots.values()):
                raise conflict(f"A bot with the name '{fields['botName']}' already exists.")
            bot.fields, bot.updated = dict(fields), utcnow()
            return bot

    def delete_bot(self, bot_id: str, skip_in_use_check: bool = False) -> None:
        with self.lock:
            bot = self.bot(bot_id)
            used = [a.name for a in bot.aliases.values() if a.id != TEST_ALIAS_ID and a.version]
            if used and not skip_in_use_check:
                raise conflict(f"The bot {bot_id} is used by the alias {used[0]}. Delete the alias first "
                               "or set skipResourceInUseCheck.")
            del self.bots[bot_id]

    # -- locales ---------------------------------------------------------------------------
    def locales(self, bot_id: str, version: str) -> dict[str, Locale]:
        bot = self.bot(bot_id)
        if version == DRAFT:
            now = utcnow()
            for locale in bot.draft.values():
                locale.settle(now)
            return bot.draft
        found = bot.versions.get(version)
        if found is None:
            raise NotFound(f"Could not find version {version} of the bot {bot_id}.")
        return found.locales

    def locale(self, bot_id: str, version: str, locale_id: str) -> Locale:
        locale = self.locales(bot_id, version).get(locale_id)
        if locale is None:
            raise NotFound(f"Could not find the locale {locale_id} in version {version} of the bot {bot_id}.")
        return locale

    def create_locale(self, bot_id: str, locale_id: str, fields: dict[str, Any],
                      at: dt.datetime | None = None) -> Locale:
        now = at or utcnow()
        with self.lock:
            bot = self.bot(bot_id)
            if locale_id not in LOCALE_NAMES:
                raise invalid(f"The locale {locale_id} isn't supported.")
            if locale_id in bot.draft:
                raise conflict(f"The locale {locale_id} already exists in the bot {bot_id}.")
            locale = Locale(locale_id, dict(fields), now, now)
            fallback = Intent(FALLBACK_INTENT_ID, {
                "intentName": FALLBACK_INTENT_NAME, "parentIntentSignature": FALLBACK_SIGNATURE,
                "description": "Default intent when no other intent matches"}, now, now)
            locale.intents[fallback.id] = fallback
            bot.draft[locale_id] = locale
            bot.updated = now
            return locale

    def update_locale(self, bot_id: str, locale_id: str, fields: dict[str, Any]) -> Locale:
        with self.lock:
            locale = self.locale(bot_id, DRAFT, locale_id)
            locale.fields = dict(fields)
            locale.touch(utcnow())
            return locale

    def delete_locale(self, bot_id: str, locale_id: str) -> None:
        with self.lock:
            bot = self.bot(bot_id)
            self.locale(bot_id, DRAFT, locale_id)
            del bot.draft[locale_id]

    def build_locale(self, bot_id: str, locale_id: str, at: dt.datetime | None = None) -> Locale:
        now = at or utcnow()
        with self.lock:
            locale = self.locale(bot_id, DRAFT, locale_id)
            locale.settle(now)
            if locale.build is not None:
                raise conflict(f"The locale {locale_id} of the bot {bot_id} is already being built. "
                               "Wait for the build to finish, then try again.")
            reasons, actions = build_problems(locale)
            locale.build = Build(now, now + dt.timedelta(seconds=build_seconds(locale)), reasons, actions)
            locale.status, locale.last_build_submitted = "Building", now
            locale.failure_reasons, locale.recommended_actions = [], []
            return locale

    # -- intents, slots, slot types (DRAFT only) ------------------------------------------
    def intent(self, bot_id: str, version: str, locale_id: str, intent_id: str) -> Intent:
        found = self.locale(bot_id, version, locale_id).intents.get(intent_id)
        if found is None:
            raise NotFound(f"Could not find the intent with ID {intent_id} in locale {locale_id} "
                           f"of version {version} of the bot {bot_id}.")
        return found

    def put_intent(self, bot_id: str, locale_id: str, fields: dict[str, Any], intent_id: str | None = None,
                   at: dt.datetime | None = None) -> Intent:
        """Create an intent, or replace every member of one (UpdateIntent has no merge)."""
        now = at or utcnow()
        with self.lock:
            locale = self.locale(bot_id, DRAFT, locale_id)
            named = locale.intent_named(fields["intentName"])
            if named is not None and named.id != intent_id:
                raise conflict(f"An intent named {fields['intentName']} already exists in locale {locale_id}.")
            parent = fields.get("parentIntentSignature")
            if intent_id is None:
                if parent == FALLBACK_SIGNATURE:
                    raise conflict(f"The locale {locale_id} already has the built-in {FALLBACK_SIGNATURE}.")
                intent = Intent(self.new_id(), dict(fields), now, now)
                locale.intents[intent.id] = intent
            else:
                intent = self.intent(bot_id, DRAFT, locale_id, intent_id)
                was_fallback = intent.fields.get("parentIntentSignature") == FALLBACK_SIGNATURE
                if was_fallback and parent != FALLBACK_SIGNATURE:
                    raise invalid(f"The parentIntentSignature of {intent.name} must stay {FALLBACK_SIGNATURE}.")
                intent.fields, intent.updated = dict(fields), now
            if fields.get("parentIntentSignature") == FALLBACK_SIGNATURE and fields.get("sampleUtterances"):
                raise invalid(f"The intent {fields['intentName']} is derived from {FALLBACK_SIGNATURE}, "
                              "which doesn't accept sample utterances.")
            locale.touch(now)
            return intent

    def delete_intent(self, bot_id: str, locale_id: str, intent_id: str) -> None:
        with self.lock:
            locale = self.locale(bot_id, DRAFT, locale_id)
            intent = self.intent(bot_id, DRAFT, locale_id, intent_id)
            if intent.fields.get("parentIntentSignature") == FALLBACK_SIGNATURE:
                raise invalid(f"You can't delete the {FALLBACK_SIGNATURE} intent of a locale.")
            del locale.intents[intent_id]
            locale.touch(utcnow())

    def slot(self, bot_id: str, version: str, locale_id: str, intent_id: str, slot_id: str) -> Item:
        found = self.intent(bot_id, version, locale_id, intent_id).slots.get(slot_id)
        if found is None:
            raise NotFound(f"Could not find the slot with ID {slot_id} in intent {intent_id}.")
        return found

    def put_slot(self, bot_id: str, locale_id: str, intent_id: str, fields: dict[str, Any],
                 slot_id: str | None = None, at: dt.datetime | None = None) -> Item:
        now = at or utcnow()
        with self.lock:
            intent = self.intent(bot_id, DRAFT, locale_id, intent_id)
            if any(s.name == fields["slotName"] and s.id != slot_id for s in intent.slots.values()):
                raise conflict(f"A slot named {fields['slotName']} already exists in intent {intent.name}.")
            if slot_id is None:
                slot = Item(self.new_id(), dict(fields), now, now)
                intent.slots[slot.id] = slot
            else:
                slot = self.slot(bot_id, DRAFT, locale_id, intent_id, slot_id)
                slot.fields, slot.updated = dict(fields), now
            self.locale(bot_id, DRAFT, locale_id).touch(now)
            return slot

    def delete_slot(self, bot_id: str, locale_id: str, intent_id: str, slot_id: str) -> None:
        with self.lock:
            self.slot(bot_id, DRAFT, locale_id, intent_id, slot_id)
            del self.intent(bot_id, DRAFT, locale_id, intent_id).slots[slot_id]
            self.locale(bot_id, DRAFT, locale_id).touch(utcnow())

    def slot_type(self, bot_id: str, version: str, locale_id: str, slot_type_id: str) -> Item:
        found = self.locale(bot_id, version, locale_id).slot_types.get(slot_type_id)
        if found is None:
            raise NotFound(f"Could not find the slot type with ID {slot_type_id} in locale {locale_id}.")
        return found

    def put_slot_type(self, bot_id: str, locale_id: str, fields: dict[str, Any], slot_type_id: str | None = None,
                      at: dt.datetime | None = None) -> Item:
        now = at or utcnow()
        with self.lock:
            locale = self.locale(bot_id, DRAFT, locale_id)
            if any(t.name == fields["slotTypeName"] and t.id != slot_type_id for t in locale.slot_types.values()):
                raise conflict(f"A slot type named {fields['slotTypeName']} already exists in locale {locale_id}.")
            if slot_type_id is None:
                slot_type = Item(self.new_id(), dict(fields), now, now)
                locale.slot_types[slot_type.id] = slot_type
            else:
                slot_type = self.slot_type(bot_id, DRAFT, locale_id, slot_type_id)
                slot_type.fields, slot_type.updated = dict(fields), now
            locale.touch(now)
            return slot_type

    def delete_slot_type(self, bot_id: str, locale_id: str, slot_type_id: str) -> None:
        with self.lock:
            locale = self.locale(bot_id, DRAFT, locale_id)
            self.slot_type(bot_id, DRAFT, locale_id, slot_type_id)
            users = [s.name for i in locale.intents.values() for s in i.slots.values()
                     if s.fields.get("slotTypeId") == slot_type_id]
            if users:
                raise invalid(f"The slot type {slot_type_id} is used by the slot {users[0]}.")
            del locale.slot_types[slot_type_id]
            locale.touch(utcnow())

    # -- versions --------------------------------------------------------------------------
    def version(self, bot_id: str, number: str) -> Version:
        found = self.bot(bot_id).versions.get(number)
        if found is None:
            raise NotFound(f"Could not find version {number} of the bot {bot_id}.")
        return found

    def create_version(self, bot_id: str, spec: dict[str, dict[str, str]], description: str | None = None,
                       at: dt.datetime | None = None) -> Version:
        now = at or utcnow()
        with self.lock:
            bot = self.bot(bot_id)
            if bot.status(now) == "Versioning":
                raise conflict(f"A version of the bot {bot_id} is being created. Try again when it is Available.")
            snapshot: dict[str, Locale] = {}
            for locale_id, source in spec.items():
                source_version = source["sourceBotVersion"]
                locale = self.locale(bot_id, source_version, locale_id)
                if source_version == DRAFT:
                    locale.settle(now)
                    if locale.status != "Built":
                        raise invalid(f"The locale {locale_id} of the bot {bot_id} isn't built "
                                      f"(status {locale.status}). Build the locale, then create the version.")
                copied = copy.deepcopy(locale)
                copied.status, copied.build = "Built", None
                snapshot[locale_id] = copied
            number = str(bot.next_version)
            bot.next_version += 1
            version = Version(number, description, now, now + VERSION_CREATION, copy.deepcopy(bot.fields),
                              snapshot, {k: dict(v) for k, v in spec.items()})
            bot.versions[number] = version
            return version

    def delete_version(self, bot_id: str, number: str, skip_in_use_check: bool = False) -> None:
        with self.lock:
            bot = self.bot(bot_id)
            self.version(bot_id, number)
            users = [a.name for a in bot.aliases.values() if a.version == number]
            if users and not skip_in_use_check:
                raise conflict(f"Version {number} of the bot {bot_id} is used by the alias {users[0]}.")
            del bot.versions[number]

    # -- aliases ---------------------------------------------------------------------------
    def alias(self, bot_id: str, alias_id: str) -> Alias:
        found = self.bot(bot_id).aliases.get(alias_id)
        if found is None:
            raise NotFound(f"Could not find the alias {alias_id} of the bot {bot_id}.")
        return found

    def _check_alias_version(self, bot: Bot, alias_id: str, version: str | None, now: dt.datetime) -> None:
        if alias_id == TEST_ALIAS_ID:
            if version not in (None, DRAFT):
                raise invalid(f"The alias {TEST_ALIAS_NAME} can only use the DRAFT version.")
            return
        if version is None:
            return
        if version == DRAFT:
            raise invalid(f"Only the alias {TEST_ALIAS_NAME} can use the DRAFT version. Choose a numbered version.")
        found = bot.versions.get(version)
        if found is None:
            raise NotFound(f"Could not find version {version} of the bot {bot.id}.")
        if found.status(now) != "Available":
            raise conflict(f"Version {version} of the bot {bot.id} is {found.status(now)}. "
                           "Try again when it is Available.")

    def create_alias(self, bot_id: str, fields: dict[str, Any], tags: dict[str, str] | None = None,
                     at: dt.datetime | None = None) -> Alias:
        now = at or utcnow()
        with self.lock:
            bot = self.bot(bot_id)
            if any(a.name == fields["botAliasName"] for a in bot.aliases.values()):
                raise conflict(f"An alias named {fields['botAliasName']} already exists for the bot {bot_id}.")
            alias = Alias(self.new_id(), dict(fields), now, now, tags=dict(tags or {}))
            self._check_alias_version(bot, alias.id, alias.version, now)
            if alias.version:
                alias.history.append({"botVersion": alias.version, "startDate": now})
            bot.aliases[alias.id] = alias
            return alias

    def update_alias(self, bot_id: str, alias_id: str, fields: dict[str, Any], at: dt.datetime | None = None) -> Alias:
        """Replace an alias's settings; moving it to another version closes its history entry."""
        now = at or utcnow()
        with self.lock:
            bot = self.bot(bot_id)
            alias = self.alias(bot_id, alias_id)
            if any(a.name == fields["botAliasName"] and a.id != alias_id for a in bot.aliases.values()):
                raise conflict(f"An alias named {fields['botAliasName']} already exists for the bot {bot_id}.")
            version = fields.get("botVersion")
            if alias_id == TEST_ALIAS_ID and version is None:
                fields = {**fields, "botVersion": DRAFT}
                version = DRAFT
            self._check_alias_version(bot, alias_id, version, now)
            if version != alias.version:
                if alias.history and "endDate" not in alias.history[-1]:
                    alias.history[-1]["endDate"] = now
                if version:
                    alias.history.append({"botVersion": version, "startDate": now})
            alias.fields, alias.updated = dict(fields), now
            return alias

    def delete_alias(self, bot_id: str, alias_id: str) -> None:
        with self.lock:
            self.alias(bot_id, alias_id)
            if alias_id == TEST_ALIAS_ID:
                raise invalid(f"You can't delete the alias {TEST_ALIAS_NAME}.")
            del self.bot(bot_id).aliases[alias_id]

    # -- tags ------------------------------------------------------------------------------
    def tags_of(self, arn: str) -> dict[str, str]:
        """The tag map of the bot or alias named by ``arn`` (the live dict, to change in place)."""
        prefix = f"arn:aws:lex:{self.region}:{self.account_id}:"
        kind, _, rest = arn.removeprefix(prefix).partition("/") if arn.startswith(prefix) else ("", "", "")
        parts = rest.split("/")
        if kind == "bot" and len(parts) == 1:
            return self.bot(parts[0]).tags
        if kind == "bot-alias" and len(parts) == 2:
            return self.alias(parts[0], parts[1]).tags
        raise NotFound(f"Could not find the resource {arn}.")
