"""What every sandbox service needs on the wire: botocore's service models and page tokens.

Each service package (``lexv2/``, ``cloudwatch/``, ``stepfunctions/``...) shapes
its own requests, answers and errors (each wraps the model in what it needs);
the model loading and the paging token format are the same for all of them,
so they live here once.
"""

from __future__ import annotations

import base64
import functools
import json
from typing import Any

import botocore.loaders


@functools.lru_cache(maxsize=None)
def model_document(service: str) -> dict[str, Any]:
    """botocore's service model of ``service`` (e.g. ``"cloudwatch"``, ``"lexv2-models"``) as loaded, once per process."""
    return botocore.loaders.Loader().load_service_model(service, "service-2")


def page_token(scope: Any, start: int) -> str:
    """An opaque next-page token: where the next page starts, for the request (``scope``) that made it."""
    return base64.urlsafe_b64encode(json.dumps([scope, start]).encode()).decode()


def token_start(token: str, scope: Any) -> int | None:
    """Where ``token`` says the next page starts, or None when it is not a token of this request."""
    try:
        token_scope, start = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (ValueError, TypeError):
        return None
    if token_scope != scope or not isinstance(start, int) or start < 0:
        return None
    return start

