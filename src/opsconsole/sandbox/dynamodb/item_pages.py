"""Send the items of a DynamoDB read as they are, not through moto's generic response serializer.

moto's serializer walks every attribute of every item against botocore's
output shape (about 3 ms per item of a review table), so a 500-item page
took seconds to leave the sandbox. The items moto returns already have
DynamoDB's wire shape; here they are written to the response as JSON and
moto serializes only the rest (counts, ``LastEvaluatedKey``, consumed
capacity). Items with binary attributes (which moto's serializer
base64-encodes) still go through moto's serializer.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

#: operation -> the member holding its items
_ITEMS = {"Query": "Items", "Scan": "Items", "GetItem": "Item"}
_originals: dict[str, Callable[..., Any]] = {}


def install() -> None:
    """Patch moto's ActionResult (idempotent)."""
    try:
        from moto.core.responses import ActionResult
    except ImportError:  # a moto without result objects: its serializer answers, only slower
        return
    if _originals:
        return
    original = ActionResult.execute_result
    _originals["execute_result"] = original

    def execute_result(self: Any, context: Any) -> Any:
        result = self.result
        member = _ITEMS.get(str(context.operation_model.name))
        if (member is None or context.service_model.service_name != "dynamodb" or not isinstance(result, dict)
                or member not in result):
            return original(self, context)
        try:
            items = json.dumps(result[member])
        except TypeError:  # bytes: a binary attribute, which moto's serializer base64-encodes
            return original(self, context)
        if '"B": ' in items or '"BS": ' in items:  # binary ones given as text: the same
            return original(self, context)
        status, headers, body = original(ActionResult({k: v for k, v in result.items() if k != member}), context)
        return status, headers, _joined(json.loads(body) if body else {}, member, items)

    ActionResult.execute_result = execute_result


def _joined(rest: dict[str, Any], member: str, items: str) -> str:
    """``rest`` as JSON with ``member`` (already JSON text) added, without parsing the items again."""
    head = json.dumps(rest)
    return head[:-1] + (", " if rest else "") + f'"{member}": {items}' + "}"


def uninstall() -> None:
    from moto.core.responses import ActionResult

    if "execute_result" in _originals:
        ActionResult.execute_result = _originals.pop("execute_result")
