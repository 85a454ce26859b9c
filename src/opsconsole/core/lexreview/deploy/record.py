"""The deployment record: what a deployment set out to do and how far it got, in ``lex-deployments``.

Written when a deployment starts and after every step, so a deployment that
was interrupted (the console closed or crashed half way) is visible in the
history and can be resumed from where the record says it was.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from typing import Any

from opsconsole.core.aws import Clients
from opsconsole.core.lexreview.deploy.lock import LockHolder, get_locks, lock_id
from opsconsole.core.lexreview.similarity import normalise
from opsconsole.core.lexreview.store import TABLES, Tables, from_attrs, iso, parse_time, query_pages, to_attrs, values
from opsconsole.core.lexreview.tables import DEPLOYMENTS_BY_LOCALE, DEPLOYMENTS_BY_TIME, HISTORY, bot_locale

IN_PROGRESS, SUCCEEDED, FAILED = "IN_PROGRESS", "SUCCEEDED", "FAILED"
#: A resumed deployment found its items already deployed by a later one.
SUPERSEDED = "SUPERSEDED"
#: Not written to the table: nothing was approved, or another deployment held the lock too long.
NOTHING_TO_DEPLOY, BLOCKED = "NOTHING_TO_DEPLOY", "BLOCKED"


@dataclass(frozen=True)
class DeployedPhrase:
    """One approved item going into the bot."""

    item_id: str
    text: str
    intent_name: str


@dataclass
class Deployment:
    """One deployment of approved phrases into a bot locale, step by step."""

    deployment_id: str
    bot_id: str
    bot_name: str
    locale_id: str
    started_by: str
    started_at: datetime
    status: str = IN_PROGRESS
    phrases: list[DeployedPhrase] = field(default_factory=list)
    intents: list[str] = field(default_factory=list)
    #: Intents whose DRAFT now holds the phrases (merged, UpdateIntent done).
    intents_updated: list[str] = field(default_factory=list)
    #: Utterances this deployment actually added, per intent (what a rollback removes).
    added: dict[str, list[str]] = field(default_factory=dict)
    build_status: str = ""
    failure_reasons: list[str] = field(default_factory=list)
    rolled_back: bool = False
    version: str = ""
    previous_version: str = ""
    alias_moved: bool = False
    items_marked: int = 0
    notes: list[str] = field(default_factory=list)
    last_error: str = ""
    updated_at: datetime | None = None
    finished_at: datetime | None = None
    resumed_by: str = ""
    resumed_at: datetime | None = None
    #: Set when the history is read: IN_PROGRESS, and nobody holds its lock any more.
    interrupted: bool = False

    @property
    def phrase_count(self) -> int:
        """Distinct phrases (per intent, as Lex compares them): items forwarded twice add one utterance."""
        return len({(p.intent_name, normalise(p.text)) for p in self.phrases})

    @property
    def step(self) -> str:
        """Where it got to, in words."""
        if self.status == SUCCEEDED:
            return f"Live on version {self.version}"
        if self.status == SUPERSEDED:
            return "Nothing left to do"
        if self.status == FAILED:
            return "Build failed" if self.build_status == "Failed" else "Failed"
        if self.alias_moved:
            return f"Alias moved to version {self.version}; marking the items"
        if self.version:
            return f"Version {self.version} created; alias not moved yet"
        if self.build_status == "Built":
            return "Built; no version yet"
        if self.build_status:
            return f"Intents updated; build {'started' if self.build_status == 'Building' else self.build_status}"
        if self.intents_updated:
            return f"{len(self.intents_updated)} of {len(self.intents)} intents updated"
        return "Started"

    def to_record(self) -> dict[str, Any]:
        """Plain values for the ``lex-deployments`` table."""
        rec = asdict(self)
        rec.pop("interrupted")
        # The keys of the history's indexes (see opsconsole.core.lexreview.tables).
        rec["history"] = HISTORY
        rec["bot_locale"] = bot_locale(self.bot_id, self.locale_id)
        for key in ("started_at", "updated_at", "finished_at", "resumed_at"):
            value = getattr(self, key)
            rec[key] = iso(value) if value else None
        return rec

    @classmethod
    def from_record(cls, rec: Mapping[str, Any]) -> Deployment:
        """From a ``lex-deployments`` item."""
        known = {f.name for f in fields(cls)} - {"interrupted"}
        data = {k: v for k, v in rec.items() if k in known}
        data["phrases"] = [DeployedPhrase(**p) for p in data.get("phrases") or []]
        for key in ("started_at", "updated_at", "finished_at", "resumed_at"):
            data[key] = parse_time(data.get(key))
        for key in ("version", "previous_version"):
            if data.get(key) is not None:
                data[key] = str(data[key])
        data["added"] = {k: list(v) for k, v in (data.get("added") or {}).items()}
        return cls(**data)


def save(clients: Clients, deployment: Deployment, tables: Tables = TABLES) -> None:
    """Write the whole record (only the deployment holding the locale's lock writes it)."""
    clients.client("dynamodb").put_item(TableName=tables.deployments, Item=to_attrs(deployment.to_record()))


def load(clients: Clients, deployment_id: str, tables: Tables = TABLES) -> Deployment | None:
    """One deployment record (strongly consistent read), or None."""
    out = clients.client("dynamodb").get_item(
        TableName=tables.deployments, Key=to_attrs({"deployment_id": deployment_id}), ConsistentRead=True
    )
    return Deployment.from_record(from_attrs(out["Item"])) if out.get("Item") else None


def is_interrupted(deployment: Deployment, locks: Mapping[str, LockHolder], now: float) -> bool:
    """IN_PROGRESS while its locale's lock is free, expired or someone else's: nobody is running it."""
    if deployment.status != IN_PROGRESS:
        return False
    holder = locks.get(lock_id(deployment.bot_id, deployment.locale_id))
    return holder is None or holder.owner != deployment.deployment_id or holder.expires_at < now


def iter_deployments(
    clients: Clients,
    now: float,
    *,
    bot_id: str | None = None,
    locale_id: str | None = None,
    page_size: int = 100,
    tables: Tables = TABLES,
) -> Iterator[list[Deployment]]:
    """The deployment history newest first, one Query page per yield, interrupted ones marked.

    Every deployment, or one bot locale's (both ``bot_id`` and ``locale_id``).
    A page with deployments IN_PROGRESS costs one BatchGetItem more, for the
    locks of their locales.
    """
    ddb = clients.client("dynamodb")
    if bot_id and locale_id:
        index, names, partition = DEPLOYMENTS_BY_LOCALE, {"#pk": "bot_locale"}, bot_locale(bot_id, locale_id)
    else:
        index, names, partition = DEPLOYMENTS_BY_TIME, {"#pk": "history"}, HISTORY
    pages = query_pages(ddb, page_size, Deployment.from_record, "started_at", TableName=tables.deployments,
                        IndexName=index, ScanIndexForward=False, KeyConditionExpression="#pk = :v_pk",
                        ExpressionAttributeNames=names, ExpressionAttributeValues=values(v_pk=partition))
    for page in pages:
        found = [d for _key, d in page]
        running = {lock_id(d.bot_id, d.locale_id) for d in found if d.status == IN_PROGRESS}
        locks = get_locks(clients, running, tables) if running else {}
        for d in found:
            d.interrupted = is_interrupted(d, locks, now)
        yield found


def list_deployments(clients: Clients, now: float, tables: Tables = TABLES) -> list[Deployment]:
    """The whole deployment history, newest first, with interrupted ones marked."""
    return [d for page in iter_deployments(clients, now, tables=tables) for d in page]
