"""Paging through AWS listings: one call per page asked for, through botocore's paginators.

Every listing in core is a generator that yields a page at a time, so the job
layer can show rows as they arrive and a cancelled job makes no further call.
botocore's paginators already call the API lazily (the next page is fetched
when it is asked for); this module is the one place that says how core uses
them: the page size, the member that holds the page's items, and where a
listing resumes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def responses(client: Any, operation: str, *, page_size: int | None = None, **params: Any) -> Iterator[dict[str, Any]]:
    """The raw responses of ``operation`` (snake_case, e.g. ``"list_executions"``), one call per ``next()``."""
    config = {"PageSize": page_size} if page_size else {}
    return iter(client.get_paginator(operation).paginate(**params, PaginationConfig=config))


def pages(
    client: Any, operation: str, member: str, *, page_size: int | None = None, skip_empty: bool = True, **params: Any
) -> Iterator[list[Any]]:
    """The items under ``member`` of each response (e.g. ``"executions"``), one call per ``next()``.

    Empty pages are skipped unless ``skip_empty`` is false (a DynamoDB page
    whose items a filter dropped still costs a call; a caller counting calls
    may want to see it).
    """
    for response in responses(client, operation, page_size=page_size, **params):
        items = response.get(member) or []
        if items or not skip_empty:
            yield list(items)


def items(client: Any, operation: str, member: str, *, page_size: int | None = None, **params: Any) -> Iterator[Any]:
    """Every item under ``member``, fetched page by page as the caller iterates."""
    for page in pages(client, operation, member, page_size=page_size, **params):
        yield from page
