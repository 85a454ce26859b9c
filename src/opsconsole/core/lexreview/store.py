"""DynamoDB and time plumbing shared by the review-workflow modules (no domain logic)."""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from botocore.exceptions import ClientError

from opsconsole.core import paging
from opsconsole.core.dynamo import from_attrs, to_attrs, values  # noqa: F401 - the area's modules take them from here
from opsconsole.core.format import format_day_time_in_sentence


@dataclass(frozen=True)
class Tables:
    """The DynamoDB tables of the review workflow (one set per account and region)."""

    conversations: str = "lex-conversations"
    items: str = "lex-review-items"
    locks: str = "lex-deploy-locks"
    deployments: str = "lex-deployments"


TABLES = Tables()

#: Rows in the first page of a listing: enough to fill a view, small enough to arrive at once.
FIRST_PAGE = 100


def query_pages(
    ddb: Any, page_size: int, convert: Callable[[dict[str, Any]], Any], sort_key: str, **request: Any
) -> Iterator[list[tuple[str, Any]]]:
    """One Query page per yield, through botocore's paginator: ``(stored sort key, convert(item))`` pairs.

    The first page holds at most :data:`FIRST_PAGE` items (what a view shows
    first arrives quickly), the rest ``page_size``. The paginator calls Query
    only when the next page is asked for, so a caller that stops iterating (a
    cancelled job) costs no further call. Pages may be empty (a
    FilterExpression dropped every item of one).
    """
    head = next(paging.responses(ddb, "query", page_size=min(page_size, FIRST_PAGE), **request))
    after = head.get("LastEvaluatedKey")
    # The rest from where the first page ended (no call is made before the next page is asked for).
    rest = paging.responses(ddb, "query", page_size=page_size, ExclusiveStartKey=after, **request) if after else []
    for page in itertools.chain([head], rest):
        yield [(str(raw.get(sort_key, {}).get("S", "")), convert(from_attrs(raw))) for raw in page.get("Items", [])]


def merge_newest(streams: Sequence[Iterator[list[tuple[str, Any]]]]) -> Iterator[list[Any]]:
    """Merge page streams, each newest first by its sort key, into one stream newest first.

    Each yield follows exactly one page asked of one stream (one Query), so a
    consumer can stop between any two calls; a yielded page may be empty
    while the streams are being started. An item is given out once no stream
    can still deliver a newer one: every stream not finished has delivered an
    item at least as old.
    """
    if len(streams) == 1:
        for page in streams[0]:
            yield [value for _key, value in page]
        return
    buffers: list[deque[tuple[str, Any]]] = [deque() for _ in streams]
    #: the sort key of the last item each stream delivered (None: none yet)
    floors: list[str | None] = [None] * len(streams)
    live = [True] * len(streams)

    def blocking() -> int | None:
        """The live stream to ask next: one that has delivered nothing, else the one with the newest floor."""
        candidates = [i for i in range(len(streams)) if live[i]]
        if not candidates:
            return None
        fresh = [i for i in candidates if floors[i] is None]
        return fresh[0] if fresh else max(candidates, key=lambda i: floors[i] or "")

    def ready() -> list[Any]:
        out: list[Any] = []
        while True:
            heads = [i for i, b in enumerate(buffers) if b]
            if not heads:
                return out
            best = max(heads, key=lambda i: buffers[i][0][0])
            key = buffers[best][0][0]
            if any(live[i] and (floors[i] is None or floors[i] > key) for i in range(len(streams))):
                return out
            out.append(buffers[best].popleft()[1])

    while True:
        target = blocking()
        if target is None:
            break
        try:
            page = next(streams[target])
        except StopIteration:
            live[target] = False
            page = []
        if page:
            buffers[target].extend(page)
            floors[target] = page[-1][0]
        yield ready()
    rest = ready()
    if rest:
        yield rest


def is_condition_failure(exc: ClientError) -> bool:
    """A conditional write (or transaction) refused because its condition did not hold."""
    code = exc.response.get("Error", {}).get("Code", "")
    return code in ("ConditionalCheckFailedException", "TransactionCanceledException")


def utcnow() -> datetime:
    """Now, to the second: what is stored is what the caller keeps in memory."""
    return datetime.now(timezone.utc).replace(microsecond=0)


def iso(when: datetime) -> str:
    """ISO-8601 in UTC with a 'Z', to the second: how the tables store times."""
    return when.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def parse_time(text: str | None) -> datetime | None:
    """An ISO-8601 timestamp as an aware datetime (naive ones are UTC)."""
    if not text:
        return None
    try:
        when = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def when_text(when: datetime | None, now: datetime | None = None) -> str:
    """'10:42' today, '22:58 yesterday', 'May 03 10:42' otherwise, in local time: to follow "at"."""
    return format_day_time_in_sentence(when, now or utcnow())
