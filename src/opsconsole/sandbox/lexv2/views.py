"""How Lex V2 shapes its answers about bots, locales, intents, versions and aliases.

Descriptions (Describe*, and Create*/Update* answers) and list summaries of
the sandbox's resources (:mod:`.lexv2_resources`), with Lex's member names.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from opsconsole.sandbox.lexv2.resources import Alias, Bot, Intent, Item, Locale, Version


def bot_view(bot: Bot, now: dt.datetime) -> dict[str, Any]:
    return {"botType": "Bot", **bot.fields, "botId": bot.id, "botStatus": bot.status(now),
            "creationDateTime": bot.created, "lastUpdatedDateTime": bot.updated, "failureReasons": []}


def bot_summary(bot: Bot, now: dt.datetime) -> dict[str, Any]:
    return {"botId": bot.id, "botName": bot.name, "description": bot.fields.get("description"),
            "botStatus": bot.status(now), "latestBotVersion": bot.latest_version(),
            "lastUpdatedDateTime": bot.updated, "botType": bot.fields.get("botType", "Bot")}


def locale_view(bot_id: str, version: str, locale: Locale) -> dict[str, Any]:
    view = {**locale.fields, "botId": bot_id, "botVersion": version, "localeId": locale.locale_id,
            "localeName": locale.name, "intentsCount": len(locale.intents),
            "slotTypesCount": len(locale.slot_types), "botLocaleStatus": locale.status,
            "creationDateTime": locale.created, "lastUpdatedDateTime": locale.updated,
            "lastBuildSubmittedDateTime": locale.last_build_submitted, "botLocaleHistoryEvents": []}
    if locale.status == "Failed":
        view.update(failureReasons=list(locale.failure_reasons), recommendedActions=list(locale.recommended_actions))
    return view


def locale_summary(locale: Locale) -> dict[str, Any]:
    return {"localeId": locale.locale_id, "localeName": locale.name,
            "description": locale.fields.get("description"), "botLocaleStatus": locale.status,
            "lastUpdatedDateTime": locale.updated, "lastBuildSubmittedDateTime": locale.last_build_submitted}


def item_view(item: Item, id_key: str, **where: str) -> dict[str, Any]:
    return {**item.fields, id_key: item.id, **where,
            "creationDateTime": item.created, "lastUpdatedDateTime": item.updated}


def intent_summary(intent: Intent) -> dict[str, Any]:
    fields = intent.fields
    return {"intentId": intent.id, "intentName": intent.name, "intentDisplayName": fields.get("intentDisplayName"),
            "description": fields.get("description"), "parentIntentSignature": fields.get("parentIntentSignature"),
            "inputContexts": fields.get("inputContexts"), "outputContexts": fields.get("outputContexts"),
            "lastUpdatedDateTime": intent.updated}


def version_view(bot: Bot, version: Version, now: dt.datetime) -> dict[str, Any]:
    fields = version.bot_fields
    return {"botId": bot.id, "botName": fields.get("botName"), "botVersion": version.number,
            "description": version.description, "roleArn": fields.get("roleArn"),
            "dataPrivacy": fields.get("dataPrivacy"), "idleSessionTTLInSeconds": fields.get("idleSessionTTLInSeconds"),
            "botStatus": version.status(now), "failureReasons": [], "creationDateTime": version.created,
            "parentBotNetworks": [], "botType": fields.get("botType", "Bot")}


def alias_view(bot: Bot, alias: Alias) -> dict[str, Any]:
    history = [dict(event) for event in reversed(alias.history)]
    return {**alias.fields, "botAliasId": alias.id, "botId": bot.id, "botAliasStatus": "Available",
            "botAliasHistoryEvents": history, "creationDateTime": alias.created,
            "lastUpdatedDateTime": alias.updated, "parentBotNetworks": []}


def alias_summary(alias: Alias) -> dict[str, Any]:
    return {"botAliasId": alias.id, "botAliasName": alias.name, "description": alias.fields.get("description"),
            "botVersion": alias.version, "botAliasStatus": "Available", "creationDateTime": alias.created,
            "lastUpdatedDateTime": alias.updated}
