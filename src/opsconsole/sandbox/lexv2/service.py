"""Lex V2 model-building API for the sandbox (moto lacks most of it).

Every request signed for ``lex`` whose path belongs to the model-building API
(``/bots/...``, ``/tags/...``, ...) is served here, from one in-memory model
of bots, locales, intents, slots, slot types, versions and aliases
(:mod:`.lexv2_model`); moto's partial ``lexv2models`` backend is never asked,
so every operation sees the same bots. Operations come from botocore's service
model (:mod:`.lexv2_wire`): the request is validated as Lex validates it, and
the answer has the operation's status code and members. Served operations
(:mod:`.lexv2_operations`):

* bots: CreateBot, DescribeBot, UpdateBot, DeleteBot, ListBots;
* locales: CreateBotLocale, DescribeBotLocale, UpdateBotLocale, DeleteBotLocale,
  ListBotLocales, BuildBotLocale (asynchronous, can fail: :mod:`.lexv2_build`);
* intents, slots, slot types: Create/Describe/Update/Delete/List of each;
* versions: CreateBotVersion, DescribeBotVersion, DeleteBotVersion, ListBotVersions;
* aliases: CreateBotAlias, DescribeBotAlias, UpdateBotAlias, DeleteBotAlias, ListBotAliases;
* TagResource, UntagResource, ListTagsForResource (bots and aliases);
* ListAggregatedUtterances, counted from the stored conversations
  (:mod:`.lexv2_utterances`).

Any other model-building operation answers 501 ``NotImplemented``, as the
sandbox does for what moto lacks. Lex V2 runtime paths (``/bot/...``) are
left alone.
"""

from __future__ import annotations

import json
import logging
import random
import threading

from opsconsole.sandbox.lexv2.model import TEST_ALIAS_ID, LexBackend
from opsconsole.sandbox.lexv2.operations import OPERATIONS, Call
from opsconsole.sandbox.lexv2.wire import CONTENT_TYPE, PATH_ROOTS, LexError, NotFound, service_model
from opsconsole.sandbox.server import DEFAULT_ACCOUNT_ID, ExtensionRegistry, ExtensionRequest, ExtensionResponse, aws_error, json_response

__all__ = ["register", "backend", "reset", "LexBackend", "TEST_ALIAS_ID", "service_model"]

log = logging.getLogger(__name__)

_backends: dict[tuple[str, str], LexBackend] = {}
_backends_lock = threading.Lock()


def backend(region: str, account_id: str = DEFAULT_ACCOUNT_ID, ids: random.Random | None = None) -> LexBackend:
    """The Lex bots of an account and region in this process (created on first use;
    ``ids`` seeds the identifiers a new backend hands out)."""
    with _backends_lock:
        key = (account_id, region)
        if key not in _backends:
            _backends[key] = LexBackend(account_id, region, ids)
        return _backends[key]


def reset() -> None:
    """Forget every bot (the sandbox's state is per process, like moto's)."""
    with _backends_lock:
        _backends.clear()


def handle(request: ExtensionRequest) -> ExtensionResponse:
    """Serve one model-building request."""
    model = service_model()
    matched = model.match(request.method, request.path)
    if matched is None:
        return _error(LexError("UnknownOperationException",
                               f"No Lex V2 model-building operation is {request.method} {request.path}"), 404)
    op, labels = matched
    work = OPERATIONS.get(op.name)
    if work is None:
        log.warning("sandbox: Lex V2 %s is not implemented", op.name)
        return aws_error("NotImplemented", f"opsconsole sandbox: Lex V2 {op.name} is not implemented", 501,
                         content_type=CONTENT_TYPE)
    try:
        params = model.parameters(op, labels, request.query, request.body)
        model.validate(op, params)
        body = {k: v for k, v in params.items() if op.locations.get(k, ("body",))[0] == "body"}
        result = work(backend(request.region, request.account_id), Call(params, body))
    except NotFound as exc:  # Lex's writes say a missing resource is a failed precondition
        code = ("ResourceNotFoundException" if "ResourceNotFoundException" in op.errors or
                "PreconditionFailedException" not in op.errors else "PreconditionFailedException")
        return _error(LexError(code, exc.message))
    except LexError as exc:
        return _error(exc)
    if op.status == 204:
        return ExtensionResponse(204, b"", {"Content-Type": CONTENT_TYPE})
    payload = {k: v for k, v in result.items() if k in op.output_members and v is not None}
    return json_response(payload, op.status, content_type=CONTENT_TYPE)


def _error(error: LexError, status: int | None = None) -> ExtensionResponse:
    """Lex's error: the code in ``X-Amzn-ErrorType``, ``{"message": ...}`` in the body."""
    response = aws_error(error.code, error.message, status or service_model().error_status(error.code),
                         content_type=CONTENT_TYPE)
    response.body = json.dumps({"message": error.message}).encode()
    return response


def register(registry: ExtensionRegistry) -> None:
    """Add the Lex V2 model-building operations to the sandbox's endpoint (and start with no bots)."""
    reset()
    path = rf"/(?:{'|'.join(PATH_ROOTS)})(?:/.*)?"
    for method in ("GET", "POST", "PUT", "DELETE", "PATCH"):
        registry.add_rest(method, path, handle, service="lex")
