"""The Lex V2 model-building operations the sandbox serves, as Lex shapes their answers.

Each operation takes the backend and the request (all input members, and the
body members alone: Create/Update requests *are* the resource) and returns
the response members; :mod:`.lexv2` routes, validates and serialises.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from opsconsole.sandbox.lexv2.model import DRAFT, LexBackend, utcnow
from opsconsole.sandbox.lexv2.utterances import list_aggregated_utterances
from opsconsole.sandbox.lexv2.views import (
    alias_summary,
    alias_view,
    bot_summary,
    bot_view,
    intent_summary,
    item_view,
    locale_summary,
    locale_view,
    version_view,
)
from opsconsole.sandbox.lexv2.wire import filtered, page, sorted_by


@dataclass
class Call:
    """One request: every input member, and the members that travelled in the JSON body."""

    params: dict[str, Any]
    body: dict[str, Any]

    def __getitem__(self, key: str) -> Any:
        return self.params[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.params.get(key, default)


Operation = Callable[[LexBackend, Call], dict[str, Any]]
OPERATIONS: dict[str, Operation] = {}


def operation(name: str) -> Callable[[Operation], Operation]:
    def register(work: Operation) -> Operation:
        OPERATIONS[name] = work
        return work
    return register


def _listing(call: Call, items: list[dict[str, Any]], key: str, scope: str, **extra: Any) -> dict[str, Any]:
    chunk, token = page(items, call.params, scope)
    result = {**extra, key: chunk}
    if token:
        result["nextToken"] = token
    return result


# -- bots ---------------------------------------------------------------------------------------
_BOT_FIELDS = ("botName", "description", "roleArn", "dataPrivacy", "idleSessionTTLInSeconds", "botType",
               "botMembers", "errorLogSettings")


@operation("CreateBot")
def create_bot(backend: LexBackend, call: Call) -> dict[str, Any]:
    fields = {k: v for k, v in call.body.items() if k in _BOT_FIELDS}
    bot = backend.create_bot(fields, call.get("botTags"), call.get("testBotAliasTags"))
    return {**bot_view(bot, utcnow()), "botStatus": "Creating", "botTags": bot.tags,
            "testBotAliasTags": call.get("testBotAliasTags")}


@operation("DescribeBot")
def describe_bot(backend: LexBackend, call: Call) -> dict[str, Any]:
    return bot_view(backend.bot(call["botId"]), utcnow())


@operation("UpdateBot")
def update_bot(backend: LexBackend, call: Call) -> dict[str, Any]:
    fields = {k: v for k, v in call.body.items() if k in _BOT_FIELDS}
    return bot_view(backend.update_bot(call["botId"], fields), utcnow())


@operation("DeleteBot")
def delete_bot(backend: LexBackend, call: Call) -> dict[str, Any]:
    backend.delete_bot(call["botId"], bool(call.get("skipResourceInUseCheck")))
    return {"botId": call["botId"], "botStatus": "Deleting"}


@operation("ListBots")
def list_bots(backend: LexBackend, call: Call) -> dict[str, Any]:
    now = utcnow()
    with backend.lock:
        items = [bot_summary(b, now) for b in backend.bots.values()]
    items = filtered(items, call.get("filters"), {"BotName": "botName", "BotType": "botType"})
    items = sorted_by(items, call.get("sortBy"), {"BotName": "botName"}, "botName")
    return _listing(call, items, "botSummaries", "bots")


# -- locales ------------------------------------------------------------------------------------
_LOCALE_SKIP = ("botId", "botVersion", "localeId")


@operation("CreateBotLocale")
def create_bot_locale(backend: LexBackend, call: Call) -> dict[str, Any]:
    fields = {k: v for k, v in call.body.items() if k not in _LOCALE_SKIP}
    locale = backend.create_locale(call["botId"], call["localeId"], fields)
    return {**locale_view(call["botId"], DRAFT, locale), "botLocaleStatus": "Creating"}


@operation("DescribeBotLocale")
def describe_bot_locale(backend: LexBackend, call: Call) -> dict[str, Any]:
    with backend.lock:
        locale = backend.locale(call["botId"], call["botVersion"], call["localeId"])
        return locale_view(call["botId"], call["botVersion"], locale)


@operation("UpdateBotLocale")
def update_bot_locale(backend: LexBackend, call: Call) -> dict[str, Any]:
    fields = {k: v for k, v in call.body.items() if k not in _LOCALE_SKIP}
    locale = backend.update_locale(call["botId"], call["localeId"], fields)
    return locale_view(call["botId"], DRAFT, locale)


@operation("DeleteBotLocale")
def delete_bot_locale(backend: LexBackend, call: Call) -> dict[str, Any]:
    backend.delete_locale(call["botId"], call["localeId"])
    return {"botId": call["botId"], "botVersion": DRAFT, "localeId": call["localeId"], "botLocaleStatus": "Deleting"}


@operation("ListBotLocales")
def list_bot_locales(backend: LexBackend, call: Call) -> dict[str, Any]:
    with backend.lock:
        items = [locale_summary(l) for l in backend.locales(call["botId"], call["botVersion"]).values()]
    items = filtered(items, call.get("filters"), {"BotLocaleName": "localeName"})
    items = sorted_by(items, call.get("sortBy"), {"BotLocaleName": "localeName"}, "localeName")
    return _listing(call, items, "botLocaleSummaries", f"locales/{call['botId']}/{call['botVersion']}",
                    botId=call["botId"], botVersion=call["botVersion"])


@operation("BuildBotLocale")
def build_bot_locale(backend: LexBackend, call: Call) -> dict[str, Any]:
    locale = backend.build_locale(call["botId"], call["localeId"])
    return {"botId": call["botId"], "botVersion": DRAFT, "localeId": call["localeId"],
            "botLocaleStatus": locale.status, "lastBuildSubmittedDateTime": locale.last_build_submitted}


# -- intents ------------------------------------------------------------------------------------
def _where(call: Call, *keys: str) -> dict[str, str]:
    return {key: call[key] for key in keys}


@operation("CreateIntent")
def create_intent(backend: LexBackend, call: Call) -> dict[str, Any]:
    intent = backend.put_intent(call["botId"], call["localeId"], call.body)
    return item_view(intent, "intentId", **_where(call, "botId", "botVersion", "localeId"))


@operation("DescribeIntent")
def describe_intent(backend: LexBackend, call: Call) -> dict[str, Any]:
    with backend.lock:
        intent = backend.intent(call["botId"], call["botVersion"], call["localeId"], call["intentId"])
        return item_view(intent, "intentId", **_where(call, "botId", "botVersion", "localeId"))


@operation("UpdateIntent")
def update_intent(backend: LexBackend, call: Call) -> dict[str, Any]:
    intent = backend.put_intent(call["botId"], call["localeId"], call.body, intent_id=call["intentId"])
    return item_view(intent, "intentId", **_where(call, "botId", "botVersion", "localeId"))


@operation("DeleteIntent")
def delete_intent(backend: LexBackend, call: Call) -> dict[str, Any]:
    backend.delete_intent(call["botId"], call["localeId"], call["intentId"])
    return {}


@operation("ListIntents")
def list_intents(backend: LexBackend, call: Call) -> dict[str, Any]:
    with backend.lock:
        locale = backend.locale(call["botId"], call["botVersion"], call["localeId"])
        items = [intent_summary(i) for i in locale.intents.values()]
    items = filtered(items, call.get("filters"), {"IntentName": "intentName"})
    items = sorted_by(items, call.get("sortBy"), {"IntentName": "intentName",
                                                  "LastUpdatedDateTime": "lastUpdatedDateTime"}, "intentName")
    return _listing(call, items, "intentSummaries", f"intents/{call['botId']}/{call['botVersion']}/{call['localeId']}",
                    **_where(call, "botId", "botVersion", "localeId"))


# -- slots and slot types -----------------------------------------------------------------------
@operation("CreateSlot")
def create_slot(backend: LexBackend, call: Call) -> dict[str, Any]:
    slot = backend.put_slot(call["botId"], call["localeId"], call["intentId"], call.body)
    return item_view(slot, "slotId", **_where(call, "botId", "botVersion", "localeId", "intentId"))


@operation("DescribeSlot")
def describe_slot(backend: LexBackend, call: Call) -> dict[str, Any]:
    with backend.lock:
        slot = backend.slot(call["botId"], call["botVersion"], call["localeId"], call["intentId"], call["slotId"])
        return item_view(slot, "slotId", **_where(call, "botId", "botVersion", "localeId", "intentId"))


@operation("UpdateSlot")
def update_slot(backend: LexBackend, call: Call) -> dict[str, Any]:
    slot = backend.put_slot(call["botId"], call["localeId"], call["intentId"], call.body, slot_id=call["slotId"])
    return item_view(slot, "slotId", **_where(call, "botId", "botVersion", "localeId", "intentId"))


@operation("DeleteSlot")
def delete_slot(backend: LexBackend, call: Call) -> dict[str, Any]:
    backend.delete_slot(call["botId"], call["localeId"], call["intentId"], call["slotId"])
    return {}


@operation("ListSlots")
def list_slots(backend: LexBackend, call: Call) -> dict[str, Any]:
    with backend.lock:
        intent = backend.intent(call["botId"], call["botVersion"], call["localeId"], call["intentId"])
        items = [{"slotId": s.id, "slotName": s.name, "description": s.fields.get("description"),
                  "slotConstraint": (s.fields.get("valueElicitationSetting") or {}).get("slotConstraint"),
                  "slotTypeId": s.fields.get("slotTypeId"),
                  "valueElicitationPromptSpecification":
                      (s.fields.get("valueElicitationSetting") or {}).get("promptSpecification"),
                  "lastUpdatedDateTime": s.updated} for s in intent.slots.values()]
    items = filtered(items, call.get("filters"), {"SlotName": "slotName"})
    items = sorted_by(items, call.get("sortBy"), {"SlotName": "slotName",
                                                  "LastUpdatedDateTime": "lastUpdatedDateTime"}, "slotName")
    return _listing(call, items, "slotSummaries", f"slots/{call['botId']}/{call['botVersion']}/{call['intentId']}",
                    **_where(call, "botId", "botVersion", "localeId", "intentId"))


@operation("CreateSlotType")
def create_slot_type(backend: LexBackend, call: Call) -> dict[str, Any]:
    slot_type = backend.put_slot_type(call["botId"], call["localeId"], call.body)
    return item_view(slot_type, "slotTypeId", **_where(call, "botId", "botVersion", "localeId"))


@operation("DescribeSlotType")
def describe_slot_type(backend: LexBackend, call: Call) -> dict[str, Any]:
    with backend.lock:
        slot_type = backend.slot_type(call["botId"], call["botVersion"], call["localeId"], call["slotTypeId"])
        return item_view(slot_type, "slotTypeId", **_where(call, "botId", "botVersion", "localeId"))


@operation("UpdateSlotType")
def update_slot_type(backend: LexBackend, call: Call) -> dict[str, Any]:
    slot_type = backend.put_slot_type(call["botId"], call["localeId"], call.body, slot_type_id=call["slotTypeId"])
    return item_view(slot_type, "slotTypeId", **_where(call, "botId", "botVersion", "localeId"))


@operation("DeleteSlotType")
def delete_slot_type(backend: LexBackend, call: Call) -> dict[str, Any]:
    backend.delete_slot_type(call["botId"], call["localeId"], call["slotTypeId"])
    return {}


@operation("ListSlotTypes")
def list_slot_types(backend: LexBackend, call: Call) -> dict[str, Any]:
    with backend.lock:
        locale = backend.locale(call["botId"], call["botVersion"], call["localeId"])
        items = [{"slotTypeId": t.id, "slotTypeName": t.name, "description": t.fields.get("description"),
                  "parentSlotTypeSignature": t.fields.get("parentSlotTypeSignature"),
                  "lastUpdatedDateTime": t.updated, "slotTypeCategory": "Custom"} for t in locale.slot_types.values()]
    items = filtered(items, call.get("filters"), {"SlotTypeName": "slotTypeName"})
    items = sorted_by(items, call.get("sortBy"), {"SlotTypeName": "slotTypeName",
                                                  "LastUpdatedDateTime": "lastUpdatedDateTime"}, "slotTypeName")
    return _listing(call, items, "slotTypeSummaries", f"slottypes/{call['botId']}/{call['botVersion']}/{call['localeId']}",
                    **_where(call, "botId", "botVersion", "localeId"))


# -- versions -----------------------------------------------------------------------------------
@operation("CreateBotVersion")
def create_bot_version(backend: LexBackend, call: Call) -> dict[str, Any]:
    version = backend.create_version(call["botId"], call["botVersionLocaleSpecification"], call.get("description"))
    return {"botId": call["botId"], "description": version.description, "botVersion": version.number,
            "botVersionLocaleSpecification": version.sources, "botStatus": "Creating",
            "creationDateTime": version.created}


@operation("DescribeBotVersion")
def describe_bot_version(backend: LexBackend, call: Call) -> dict[str, Any]:
    with backend.lock:
        return version_view(backend.bot(call["botId"]), backend.version(call["botId"], call["botVersion"]), utcnow())


@operation("DeleteBotVersion")
def delete_bot_version(backend: LexBackend, call: Call) -> dict[str, Any]:
    backend.delete_version(call["botId"], call["botVersion"], bool(call.get("skipResourceInUseCheck")))
    return {"botId": call["botId"], "botVersion": call["botVersion"], "botStatus": "Deleting"}


@operation("ListBotVersions")
def list_bot_versions(backend: LexBackend, call: Call) -> dict[str, Any]:
    now = utcnow()
    with backend.lock:
        bot = backend.bot(call["botId"])
        items = [{"botName": v.bot_fields.get("botName"), "botVersion": v.number, "description": v.description,
                  "botStatus": v.status(now), "creationDateTime": v.created, "_number": int(v.number)}
                 for v in bot.versions.values()]
        # AWS always lists the DRAFT version too; it sorts after every numbered version
        items.append({"botName": bot.name, "botVersion": "DRAFT", "description": bot.fields.get("description"),
                      "botStatus": bot.status(now), "creationDateTime": bot.created, "_number": float("inf")})
    items = sorted_by(items, call.get("sortBy"), {"BotVersion": "_number"}, "_number")
    for item in items:
        del item["_number"]
    return _listing(call, items, "botVersionSummaries", f"versions/{call['botId']}", botId=call["botId"])


# -- aliases ------------------------------------------------------------------------------------
_ALIAS_FIELDS = ("botAliasName", "description", "botVersion", "botAliasLocaleSettings",
                 "conversationLogSettings", "sentimentAnalysisSettings")


@operation("CreateBotAlias")
def create_bot_alias(backend: LexBackend, call: Call) -> dict[str, Any]:
    fields = {k: v for k, v in call.body.items() if k in _ALIAS_FIELDS}
    alias = backend.create_alias(call["botId"], fields, call.get("tags"))
    bot = backend.bot(call["botId"])
    return {**alias_view(bot, alias), "botAliasStatus": "Creating", "tags": alias.tags}


@operation("DescribeBotAlias")
def describe_bot_alias(backend: LexBackend, call: Call) -> dict[str, Any]:
    with backend.lock:
        return alias_view(backend.bot(call["botId"]), backend.alias(call["botId"], call["botAliasId"]))


@operation("UpdateBotAlias")
def update_bot_alias(backend: LexBackend, call: Call) -> dict[str, Any]:
    fields = {k: v for k, v in call.body.items() if k in _ALIAS_FIELDS}
    alias = backend.update_alias(call["botId"], call["botAliasId"], fields)
    return alias_view(backend.bot(call["botId"]), alias)


@operation("DeleteBotAlias")
def delete_bot_alias(backend: LexBackend, call: Call) -> dict[str, Any]:
    backend.delete_alias(call["botId"], call["botAliasId"])
    return {"botAliasId": call["botAliasId"], "botId": call["botId"], "botAliasStatus": "Deleting"}


@operation("ListBotAliases")
def list_bot_aliases(backend: LexBackend, call: Call) -> dict[str, Any]:
    with backend.lock:
        items = [alias_summary(a) for a in backend.bot(call["botId"]).aliases.values()]
    items.sort(key=lambda a: a["botAliasName"])
    return _listing(call, items, "botAliasSummaries", f"aliases/{call['botId']}", botId=call["botId"])


# -- tags and statistics ------------------------------------------------------------------------
@operation("ListTagsForResource")
def list_tags(backend: LexBackend, call: Call) -> dict[str, Any]:
    with backend.lock:
        return {"tags": dict(backend.tags_of(call["resourceARN"]))}


@operation("TagResource")
def tag_resource(backend: LexBackend, call: Call) -> dict[str, Any]:
    with backend.lock:
        backend.tags_of(call["resourceARN"]).update(call["tags"])
    return {}


@operation("UntagResource")
def untag_resource(backend: LexBackend, call: Call) -> dict[str, Any]:
    with backend.lock:
        tags = backend.tags_of(call["resourceARN"])
        for key in call["tagKeys"]:
            tags.pop(key, None)
    return {}


@operation("ListAggregatedUtterances")
def aggregated_utterances(backend: LexBackend, call: Call) -> dict[str, Any]:
    return list_aggregated_utterances(backend, call.params, utcnow())
