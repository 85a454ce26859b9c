"""ListAggregatedUtterances for the sandbox: Lex's hit and missed counts, from the stored conversations.

Lex counts, per utterance, how often a user said it and the bot recognised an
intent (``hitCount``) or fell back to ``AMAZON.FallbackIntent``
(``missedCount``). Here the conversations Lex had are the items of the
transcript table (``lex-conversations``, see the scenario): each customer
turn of a conversation of the bot, locale and alias (or version) asked for,
started inside the window, counts once.

As in Lex, the window is one of the durations Lex offers (1, 3, 6, 12 or 24
hours, 3 days, 1 or 2 weeks; nothing reaches further back than Lex keeps
statistics) and ends at the last refresh of the statistics, not at the moment
of the call: every half hour for a 1-hour window, hourly for the other hour
windows, every 6 hours for days, every 12 hours for one week and daily for two.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from opsconsole.sandbox.lexv2.wire import invalid, page

#: (timeDimension, timeValue) -> how often Lex refreshes the statistics for that window
WINDOWS: dict[tuple[str, int], dt.timedelta] = {
    ("Hours", 1): dt.timedelta(minutes=30), ("Hours", 3): dt.timedelta(hours=1),
    ("Hours", 6): dt.timedelta(hours=1), ("Hours", 12): dt.timedelta(hours=1),
    ("Hours", 24): dt.timedelta(hours=1), ("Days", 3): dt.timedelta(hours=6),
    ("Weeks", 1): dt.timedelta(hours=12), ("Weeks", 2): dt.timedelta(days=1),
}
_UNIT = {"Hours": dt.timedelta(hours=1), "Days": dt.timedelta(days=1), "Weeks": dt.timedelta(weeks=1)}
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def window(dimension: str, value: int, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The aggregation window (start, end) Lex uses for this duration at ``now``."""
    refresh = WINDOWS.get((dimension, value))
    if refresh is None:
        raise invalid(f"The aggregation duration of {value} {dimension} isn't supported. Utterance statistics "
                      "are available for 1, 3, 6, 12 or 24 hours, 3 days, or 1 or 2 weeks, and never for "
                      "more than the last 15 days.")
    end = _EPOCH + ((now - _EPOCH) // refresh) * refresh
    return end - value * _UNIT[dimension], end


def aggregate(conversations: list[dict[str, Any]], start: dt.datetime, end: dt.datetime) -> list[dict[str, Any]]:
    """Per-utterance summaries of the customer turns of ``conversations`` started in [start, end)."""
    found: dict[str, dict[str, Any]] = {}
    for conversation in conversations:
        started = parse_time(conversation.get("started_at"))
        if started is None or not start <= started < end:
            continue
        for turn in conversation.get("turns") or []:
            text = str(turn.get("text") or "").strip()
            if turn.get("speaker") != "customer" or not text:
                continue
            summary = found.setdefault(text, {
                "utterance": text, "hitCount": 0, "missedCount": 0,
                "utteranceFirstRecordedInAggregationDuration": started,
                "utteranceLastRecordedInAggregationDuration": started,
                "containsDataFromDeletedResources": False})
            summary["missedCount" if turn.get("missed") else "hitCount"] += 1
            summary["utteranceFirstRecordedInAggregationDuration"] = min(
                started, summary["utteranceFirstRecordedInAggregationDuration"])
            summary["utteranceLastRecordedInAggregationDuration"] = max(
                started, summary["utteranceLastRecordedInAggregationDuration"])
    return list(found.values())


def list_aggregated_utterances(backend: Any, params: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    """The ListAggregatedUtterances operation on ``backend`` (a :class:`~.lexv2_model.LexBackend`)."""
    bot_id, locale_id = params["botId"], params["localeId"]
    alias_id, version = params.get("botAliasId"), params.get("botVersion")
    if alias_id and version:
        raise invalid("Specify either botAliasId or botVersion, not both.")
    if not alias_id and not version:
        raise invalid("Specify the botAliasId or the botVersion to aggregate utterances for.")
    with backend.lock:
        if alias_id:
            backend.alias(bot_id, alias_id)
        else:
            backend.version(bot_id, version) if version != "DRAFT" else backend.bot(bot_id)
        backend.locale(bot_id, "DRAFT", locale_id)
        table = backend.conversation_table
    relative = params["aggregationDuration"]["relativeAggregationDuration"]
    start, end = window(relative["timeDimension"], int(relative["timeValue"]), now)

    def ours(conversation: dict[str, Any]) -> bool:
        if conversation.get("bot_id") != bot_id or conversation.get("locale_id") != locale_id:
            return False
        if alias_id:
            return conversation.get("bot_alias_id") == alias_id
        return str(conversation.get("bot_version")) == version

    summaries = aggregate([c for c in read_table(backend.account_id, backend.region, table) if ours(c)], start, end)
    for spec in params.get("filters") or []:
        wanted = spec["values"][0]
        if spec["operator"] == "CO":
            summaries = [s for s in summaries if wanted.casefold() in s["utterance"].casefold()]
        else:
            summaries = [s for s in summaries if s["utterance"] == wanted]
    sort = params.get("sortBy") or {"attribute": "HitCount", "order": "Descending"}
    key = "missedCount" if sort["attribute"] == "MissedCount" else "hitCount"
    summaries.sort(key=lambda s: s["utterance"])
    summaries.sort(key=lambda s: s[key], reverse=sort.get("order") == "Descending")
    scope = f"{bot_id}/{alias_id or version}/{locale_id}/{relative['timeDimension']}{relative['timeValue']}/{end}"
    chunk, token = page(summaries, params, scope, default_size=1000)
    result: dict[str, Any] = {
        "botId": bot_id, "localeId": locale_id, "aggregationDuration": params["aggregationDuration"],
        "aggregationWindowStartTime": start, "aggregationWindowEndTime": end,
        "aggregationLastRefreshedDateTime": end, "aggregatedUtterancesSummaries": chunk}
    result["botAliasId" if alias_id else "botVersion"] = alias_id or version
    if token:
        result["nextToken"] = token
    return result


# -- the transcript table, read from moto's DynamoDB backend in-process ----------------------
def read_table(account_id: str, region: str, table_name: str) -> list[dict[str, Any]]:
    """Every item of a DynamoDB table as plain values ([] when the table doesn't exist)."""
    from moto.dynamodb.models import dynamodb_backends

    table = dynamodb_backends[account_id][region].tables.get(table_name)
    if table is None:
        return []
    for _ in range(5):  # a concurrent write may resize the dict mid-copy: copy again
        try:
            items = table.all_items()
            break
        except RuntimeError:
            continue
    else:
        items = []
    return [{key: _plain(value) for key, value in item.attrs.items()} for item in items]


def _plain(value: Any) -> Any:
    kind, inner = value.type, value.value
    if kind == "M":
        return {k: _plain(v) for k, v in inner.items()}
    if kind == "L":
        return [_plain(v) for v in inner]
    if kind == "N":
        number = float(inner)
        return int(number) if number.is_integer() and "." not in inner else number
    if kind == "NULL":
        return None
    return inner


def parse_time(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)
