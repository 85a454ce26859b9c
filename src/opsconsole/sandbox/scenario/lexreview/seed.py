"""Workflow 3 of shared/domain.md: the Lex V2 bot BankingHelpDesk and its stored conversations.

The bot (en_US and es_US, nine intents each plus ``FallbackIntent``, custom
slot types, version 1 built from DRAFT, alias ``live`` -> 1 and Lex's
``TestBotAlias`` -> DRAFT) is put straight into the sandbox's Lex backend with
timestamps in the past, as a bot in service for a month would be. The
conversations Lex had go into DynamoDB (``lex-conversations``), where the
console reads them and where ListAggregatedUtterances counts them; the
console's own tables (review items, deploy locks, deployments) start empty.
The tables are created over HTTP, with their indexes, by the console's own
``create_missing_tables`` (what an operator runs in a real account); the conversations are put into moto's
DynamoDB backend directly (a sixth of the CPU time of BatchWriteItem, and the
sandbox starts while template executions run on the same interpreter).
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from opsconsole.core.lexreview.store import Tables
from opsconsole.core.lexreview.tables import create_missing_tables
from opsconsole.sandbox.lexv2 import service as lexv2
from opsconsole.sandbox.scenario import catalog as c
from opsconsole.sandbox.scenario.lexreview.conversations import conversations
from opsconsole.sandbox.scenario.lexreview.phrases import INTENTS, LOCALES, SLOT_TYPES, VOICES, IntentSpec
from opsconsole.sandbox.scenario.executions import to_item

BOT_NAME = "BankingHelpDesk"
LIVE_ALIAS = "live"
LIVE_VERSION = "1"
ROLE_ARN = f"arn:aws:iam::{c.ACCOUNT_ID}:role/aws-service-role/lexv2.amazonaws.com/AWSServiceRoleForLexV2Bots_BHD"

#: role -> (table, hash key)
TABLES: dict[str, tuple[str, str]] = {
    "conversations": ("lex-conversations", "contact_id"),
    "review_items": ("lex-review-items", "item_id"),
    "locks": ("lex-deploy-locks", "lock_id"),
    "deployments": ("lex-deployments", "deployment_id"),
}
#: the console's role names (opsconsole.core.lexreview.store.Tables) -> ours
_ROLES = {"conversations": "conversations", "items": "review_items", "locks": "locks", "deployments": "deployments"}


def _message(text: str) -> dict[str, Any]:
    return {"messageGroups": [{"message": {"plainTextMessage": {"value": text}}}]}


def intent_fields(spec: IntentSpec, locale: str) -> dict[str, Any]:
    """The intent as a CreateIntent request would carry it."""
    return {"intentName": spec.name, "description": spec.description,
            "sampleUtterances": [{"utterance": u} for u in spec.samples[locale]],
            "intentClosingSetting": {"closingResponse": {**_message(spec.reply[locale]), "allowInterrupt": True},
                                     "active": True}}


def slot_type_fields(name: str, values: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    return {"slotTypeName": name, "description": f"{name} values the bank's customers use",
            "slotTypeValues": [{"sampleValue": {"value": value}, "synonyms": [{"value": s} for s in synonyms]}
                               for value, synonyms in values.items()],
            "valueSelectionSetting": {"resolutionStrategy": "TopResolution"}}


def create_bot(backend: lexv2.LexBackend, now: dt.datetime) -> tuple[str, str]:
    """Create BankingHelpDesk as it stands after a month in service; returns (bot id, live alias id)."""
    created = now - dt.timedelta(days=35)
    bot = backend.create_bot(
        {"botName": BOT_NAME, "description": "Banking help desk: balances, transfers, cards, accounts, "
                                             "passwords, branches, loans and disputes",
         "roleArn": ROLE_ARN, "dataPrivacy": {"childDirected": False}, "idleSessionTTLInSeconds": 300,
         "botType": "Bot"},
        tags={"tenant": c.TENANT_CONTACT}, test_alias_tags={"tenant": c.TENANT_CONTACT}, at=created)
    for offset, locale in enumerate(LOCALES):
        at = created + dt.timedelta(hours=1 + 24 * offset)
        backend.create_locale(bot.id, locale, {
            "description": f"{BOT_NAME} for {'English' if locale.startswith('en') else 'Spanish'} speakers",
            "nluIntentConfidenceThreshold": 0.4, "voiceSettings": {"voiceId": VOICES[locale], "engine": "neural"}},
            at=at)
        type_ids = {name: backend.put_slot_type(bot.id, locale, slot_type_fields(name, values[locale]), at=at).id
                    for name, values in SLOT_TYPES.items()}
        for number, spec in enumerate(INTENTS):
            when = at + dt.timedelta(hours=2 + number)
            fields = intent_fields(spec, locale)
            intent = backend.put_intent(bot.id, locale, fields, at=when)
            priorities = []
            for priority, slot in enumerate(spec.slots, start=1):
                made = backend.put_slot(bot.id, locale, intent.id, {
                    "slotName": slot.name, "slotTypeId": type_ids.get(slot.slot_type, slot.slot_type),
                    "valueElicitationSetting": {"slotConstraint": "Required", "promptSpecification": {
                        **_message(slot.prompt[locale]), "maxRetries": 2, "allowInterrupt": True}}}, at=when)
                priorities.append({"priority": priority, "slotId": made.id})
            if priorities:
                backend.put_intent(bot.id, locale, {**fields, "slotPriorities": priorities}, intent.id, at=when)
    built = now - dt.timedelta(days=31)
    for locale in LOCALES:
        backend.build_locale(bot.id, locale, at=built)
    published = now - dt.timedelta(days=30)
    backend.create_version(bot.id, {locale: {"sourceBotVersion": "DRAFT"} for locale in LOCALES},
                           "First production release", at=published)
    alias = backend.create_alias(bot.id, {
        "botAliasName": LIVE_ALIAS, "description": "Production traffic from Amazon Connect",
        "botVersion": LIVE_VERSION, "botAliasLocaleSettings": {locale: {"enabled": True} for locale in LOCALES}},
        tags={"tenant": c.TENANT_CONTACT}, at=published + dt.timedelta(hours=1))
    return bot.id, alias.id


def create_tables(ddb: Any) -> None:
    """The review workflow's tables with the indexes its listings Query, as an operator creates them."""
    create_missing_tables(ddb, Tables(**{role: TABLES[key][0] for role, key in _ROLES.items()}),
                          tags={"tenant": c.TENANT_CONTACT})


def put_items(table: str, rows: list[dict[str, Any]], region: str = c.REGION) -> None:
    """Put plain rows into a table of moto's DynamoDB backend (in this process)."""
    from moto.dynamodb.models import dynamodb_backends

    backend = dynamodb_backends[c.ACCOUNT_ID][region]
    for row in rows:
        backend.put_item(table, to_item(row))


def seed_lex(ddb: Any, *, seed_value: int, now: dt.datetime, region: str = c.REGION) -> dict[str, Any]:
    """Create the bot, the tables and the conversations; returns the scenario's ``lex`` summary."""
    lexv2.service_model()  # parse the API model now, off the first request's path
    backend = lexv2.backend(region)
    backend.ids = random.Random(f"{seed_value}:lex-ids")
    backend.conversation_table = TABLES["conversations"][0]
    bot_id, alias_id = create_bot(backend, now)
    create_tables(ddb)
    rows = conversations(seed_value, now, bot_id, alias_id, LIVE_VERSION, BOT_NAME)
    put_items(TABLES["conversations"][0], rows, region)
    return {"bot_id": bot_id, "bot_name": BOT_NAME, "locales": list(LOCALES), "alias_id": alias_id,
            "alias_name": LIVE_ALIAS, "live_version": LIVE_VERSION, "test_alias_id": lexv2.TEST_ALIAS_ID,
            "intents": {locale: len(INTENTS) + 1 for locale in LOCALES},
            "tables": {role: table for role, (table, _) in TABLES.items()},
            "conversations": len(rows),
            "missed_turns": sum(row["missed_count"] for row in rows)}
