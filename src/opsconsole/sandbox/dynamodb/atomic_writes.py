"""Make the sandbox's DynamoDB item writes atomic, as DynamoDB's own are.

moto checks a ConditionExpression and then writes without a lock, so two
requests at the same moment can both pass the same condition. The console
relies on conditional writes (review item state changes, deployment locks);
against the sandbox they must behave as on AWS.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

_WRITES = ("put_item", "update_item", "delete_item", "transact_write_items", "batch_write_item")
# Re-entrant: TransactWriteItems calls put_item and friends.
_lock = threading.RLock()
_originals: dict[str, Callable[..., Any]] = {}


def install() -> None:
    """Serialise moto's DynamoDB item writes (idempotent)."""
    from moto.dynamodb.models import DynamoDBBackend

    if _originals:
        return
    for name in _WRITES:
        original = getattr(DynamoDBBackend, name, None)
        if original is None:
            continue
        _originals[name] = original

        def locked(self: Any, *args: Any, _original: Callable[..., Any] = original, **kwargs: Any) -> Any:
            with _lock:
                return _original(self, *args, **kwargs)

        setattr(DynamoDBBackend, name, locked)


def uninstall() -> None:
    from moto.dynamodb.models import DynamoDBBackend

    for name, original in _originals.items():
        setattr(DynamoDBBackend, name, original)
    _originals.clear()
