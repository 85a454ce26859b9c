"""One deployment per bot locale at a time: a lock item in DynamoDB with an expiry.

UpdateIntent replaces the whole intent and has no ETag, so two consoles merging
phrases into the same intent at once would lose one side's phrases. The lock is
a conditional PutItem (free, or expired: a crashed console blocks nobody for
longer than the time to live); the holder renews it while it works and
deletes it at the end, both conditional on still owning it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from opsconsole.core.aws import Clients
from opsconsole.core import paging
from opsconsole.core.lexreview.store import TABLES, Tables, from_attrs, is_condition_failure, to_attrs, values

#: Seconds a lock lives without renewal; the holder renews it at every step and poll.
DEFAULT_TTL_S = 120


class LockLost(RuntimeError):
    """The lock expired and someone else took it: stop before touching the bot again."""


@dataclass(frozen=True)
class LockHolder:
    """Who holds a locale's lock now, as stored."""

    owner: str  # the deployment id
    holder: str  # the person
    acquired_at: float
    expires_at: float

    def expires_in(self, now: float) -> float:
        """Seconds until the lock may be taken over (0 once expired)."""
        return max(0.0, self.expires_at - now)


def lock_id(bot_id: str, locale_id: str) -> str:
    """The lock item of one bot locale."""
    return f"{bot_id}#{locale_id}"


class DeployLock:
    """The lock of one bot locale, taken on behalf of one deployment (``owner``)."""

    def __init__(
        self,
        clients: Clients,
        bot_id: str,
        locale_id: str,
        owner: str,
        holder: str,
        *,
        ttl_s: float = DEFAULT_TTL_S,
        clock: Callable[[], float] = time.time,
        tables: Tables = TABLES,
    ) -> None:
        self._ddb = clients.client("dynamodb")
        self.lock_id = lock_id(bot_id, locale_id)
        self.owner = owner
        self.holder = holder
        self.ttl_s = ttl_s
        self._clock = clock
        self._table = tables.locks
        self.held = False

    def _key(self) -> dict[str, Any]:
        return to_attrs({"lock_id": self.lock_id})

    def current(self) -> LockHolder | None:
        """The lock's holder as stored (expired or not), or None when free."""
        out = self._ddb.get_item(TableName=self._table, Key=self._key(), ConsistentRead=True)
        return holder_of(from_attrs(out["Item"])) if out.get("Item") else None

    def try_acquire(self) -> LockHolder | None:
        """Take the lock if it is free, expired or already ours; else return who holds it."""
        now = self._clock()
        try:
            self._ddb.put_item(
                TableName=self._table,
                Item=to_attrs(
                    {
                        "lock_id": self.lock_id,
                        "owner": self.owner,
                        "holder": self.holder,
                        "acquired_at": round(now, 3),
                        "expires_at": round(now + self.ttl_s, 3),
                    }
                ),
                # "owner = :me": the same deployment resuming takes its own lock back.
                ConditionExpression="attribute_not_exists(lock_id) OR expires_at < :v_now OR #o = :v_me",
                ExpressionAttributeNames={"#o": "owner"},
                ExpressionAttributeValues=values(v_now=round(now, 3), v_me=self.owner),
            )
        except ClientError as exc:
            if not is_condition_failure(exc):
                raise
            holder = self.current()
            if holder is None:  # released between our write and our read: try again next time
                return LockHolder("", "someone", now, now)
            return holder
        self.held = True
        return None

    def renew(self) -> None:
        """Push the expiry forward; raises :class:`LockLost` if the lock is no longer ours."""
        now = self._clock()
        try:
            self._ddb.update_item(
                TableName=self._table,
                Key=self._key(),
                UpdateExpression="SET expires_at = :v_exp",
                ConditionExpression="#o = :v_me",
                ExpressionAttributeNames={"#o": "owner"},
                ExpressionAttributeValues=values(v_exp=round(now + self.ttl_s, 3), v_me=self.owner),
            )
        except ClientError as exc:
            if not is_condition_failure(exc):
                raise
            self.held = False
            raise LockLost(
                "The deployment lock expired and another deployment took it; this one stopped "
                "before changing the bot again. Resume it from the deployment history."
            ) from None

    def release(self) -> None:
        """Give the lock up (only if it is still ours)."""
        try:
            self._ddb.delete_item(
                TableName=self._table,
                Key=self._key(),
                ConditionExpression="#o = :v_me",
                ExpressionAttributeNames={"#o": "owner"},
                ExpressionAttributeValues=values(v_me=self.owner),
            )
        except ClientError as exc:
            if not is_condition_failure(exc):
                raise
        self.held = False


def holder_of(record: dict[str, Any]) -> LockHolder:
    """A lock item as a :class:`LockHolder`."""
    return LockHolder(
        owner=str(record.get("owner", "")),
        holder=str(record.get("holder", "")),
        acquired_at=float(record.get("acquired_at", 0)),
        expires_at=float(record.get("expires_at", 0)),
    )


def list_locks(clients: Clients, tables: Tables = TABLES) -> dict[str, LockHolder]:
    """Every lock item by lock id (a handful: one per locale being deployed; released locks are deleted)."""
    found: dict[str, LockHolder] = {}
    for item in paging.items(clients.client("dynamodb"), "scan", "Items", TableName=tables.locks):
        rec = from_attrs(item)
        found[str(rec["lock_id"])] = holder_of(rec)
    return found


def get_locks(clients: Clients, lock_ids: Iterable[str], tables: Tables = TABLES) -> dict[str, LockHolder]:
    """The lock items of these locales that exist, by lock id (strongly consistent BatchGetItem)."""
    ddb = clients.client("dynamodb")
    wanted = sorted(set(lock_ids))
    found: dict[str, LockHolder] = {}
    for start in range(0, len(wanted), 100):  # BatchGetItem takes 100 keys
        request = {tables.locks: {"Keys": [to_attrs({"lock_id": i}) for i in wanted[start:start + 100]],
                                  "ConsistentRead": True}}
        # A loop, not a paginator: botocore has none for BatchGetItem (it returns UnprocessedKeys, not a token).
        for attempt in range(8):
            out = ddb.batch_get_item(RequestItems=request)
            for item in out.get("Responses", {}).get(tables.locks, []):
                rec = from_attrs(item)
                found[str(rec["lock_id"])] = holder_of(rec)
            request = out.get("UnprocessedKeys") or {}
            if not request:
                break
            time.sleep(0.05 * 2**attempt)  # throttled: back off as DynamoDB asks
    return found
