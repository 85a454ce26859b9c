"""The resources of the sandbox's Lex V2 bots: bots, locales, intents, slots, versions, aliases.

Plain records the backend (:mod:`.lexv2_model`) keeps and the operations
describe. An intent, slot or slot type keeps the members of the request that
created or last updated it, as Lex does: an update replaces them all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

DRAFT = "DRAFT"
TEST_ALIAS_ID, TEST_ALIAS_NAME = "TSTALIASID", "TestBotAlias"
FALLBACK_INTENT_ID, FALLBACK_INTENT_NAME = "FALLBCKINT", "FallbackIntent"
FALLBACK_SIGNATURE = "AMAZON.FallbackIntent"
#: A new version is ``Creating`` this long before it is ``Available``.
VERSION_CREATION = dt.timedelta(seconds=1)

#: Locales Lex V2 supports (a selection) and the names DescribeBotLocale gives them.
LOCALE_NAMES = {
    "ar_AE": "Arabic (Gulf)", "ca_ES": "Catalan (ES)", "de_AT": "German (AT)", "de_DE": "German (DE)",
    "en_AU": "English (AU)", "en_GB": "English (GB)", "en_IN": "English (IN)", "en_US": "English (US)",
    "en_ZA": "English (ZA)", "es_419": "Spanish (LATAM)", "es_ES": "Spanish (ES)", "es_US": "Spanish (US)",
    "fr_CA": "French (CA)", "fr_FR": "French (FR)", "it_IT": "Italian (IT)", "ja_JP": "Japanese (JP)",
    "ko_KR": "Korean (KR)", "nl_NL": "Dutch (NL)", "pt_BR": "Portuguese (BR)", "pt_PT": "Portuguese (PT)",
    "sv_SE": "Swedish (SE)", "zh_CN": "Mandarin (PRC)",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@dataclass
class Item:
    """An intent, slot or slot type: the members its last Create/Update request sent."""

    id: str
    fields: dict[str, Any]
    created: dt.datetime
    updated: dt.datetime

    @property
    def name(self) -> str:
        return str(self.fields.get("intentName") or self.fields.get("slotName")
                   or self.fields.get("slotTypeName") or "")


@dataclass
class Intent(Item):
    slots: dict[str, Item] = field(default_factory=dict)


@dataclass
class Build:
    """A build in progress: what it will say when it ends (decided at submission)."""

    submitted: dt.datetime
    ends: dt.datetime
    reasons: list[str]
    actions: list[str]
    changed: bool = False  # the locale was edited while it built


@dataclass
class Locale:
    locale_id: str
    fields: dict[str, Any]
    created: dt.datetime
    updated: dt.datetime
    intents: dict[str, Intent] = field(default_factory=dict)
    slot_types: dict[str, Item] = field(default_factory=dict)
    status: str = "NotBuilt"
    failure_reasons: list[str] = field(default_factory=list)
    recommended_actions: list[str] = field(default_factory=list)
    last_build_submitted: dt.datetime | None = None
    build: Build | None = None

    @property
    def name(self) -> str:
        return LOCALE_NAMES.get(self.locale_id, self.locale_id)

    def settle(self, now: dt.datetime) -> None:
        """Finish a build whose time is up."""
        build = self.build
        if build is None or now < build.ends:
            return
        self.build = None
        if build.reasons:
            self.status, self.failure_reasons, self.recommended_actions = "Failed", build.reasons, build.actions
        else:
            self.status, self.failure_reasons, self.recommended_actions = (
                "NotBuilt" if build.changed else "Built"), [], []

    def touch(self, now: dt.datetime) -> None:
        """The locale's content changed: what was built no longer matches it."""
        self.settle(now)
        self.updated = now
        if self.build is not None:
            self.build.changed = True
        elif self.status in ("Built", "Failed", "ReadyExpressTesting"):
            self.status, self.failure_reasons, self.recommended_actions = "NotBuilt", [], []

    def intent_named(self, name: str) -> Intent | None:
        return next((i for i in self.intents.values() if i.name == name), None)


@dataclass
class Version:
    number: str
    description: str | None
    created: dt.datetime
    available: dt.datetime
    bot_fields: dict[str, Any]
    locales: dict[str, Locale]
    sources: dict[str, dict[str, str]]

    def status(self, now: dt.datetime) -> str:
        return "Available" if now >= self.available else "Creating"


@dataclass
class Alias:
    id: str
    fields: dict[str, Any]
    created: dt.datetime
    updated: dt.datetime
    history: list[dict[str, Any]] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return str(self.fields.get("botAliasName") or "")

    @property
    def version(self) -> str | None:
        return self.fields.get("botVersion")


@dataclass
class Bot:
    id: str
    fields: dict[str, Any]
    created: dt.datetime
    updated: dt.datetime
    tags: dict[str, str] = field(default_factory=dict)
    draft: dict[str, Locale] = field(default_factory=dict)
    versions: dict[str, Version] = field(default_factory=dict)
    aliases: dict[str, Alias] = field(default_factory=dict)
    next_version: int = 1

    @property
    def name(self) -> str:
        return str(self.fields.get("botName") or "")

    def status(self, now: dt.datetime) -> str:
        creating = any(v.status(now) == "Creating" for v in self.versions.values())
        return "Versioning" if creating else "Available"

    def latest_version(self) -> str | None:
        return max(self.versions, key=int) if self.versions else None
