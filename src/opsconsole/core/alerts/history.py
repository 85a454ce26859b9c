"""One alarm's history (DescribeAlarmHistory) and the state timeline drawn from it.

DescribeAlarmHistory returns StateUpdate, ConfigurationUpdate and Action items,
newest first by default (``ScanBy``), 100 a page at most, each with a
HistoryData JSON document; history outlives a deleted alarm. The timeline is
the StateUpdate items' ``newState`` values, oldest first, each lasting until
the next one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from opsconsole.core import paging
from opsconsole.core.alerts.alarms import ALARM_TYPES, _aware
from opsconsole.core.aws import Clients

PAGE_SIZE = 100


@dataclass(frozen=True, slots=True)
class HistoryItem:
    """One DescribeAlarmHistory item."""

    when: datetime
    kind: str  # StateUpdate, ConfigurationUpdate, Action, ...
    summary: str
    data: dict[str, Any]

    @property
    def new_state(self) -> str:
        return str((self.data.get("newState") or {}).get("stateValue") or "")

    @property
    def old_state(self) -> str:
        return str((self.data.get("oldState") or {}).get("stateValue") or "")

    @classmethod
    def from_api(cls, item: dict[str, Any]) -> HistoryItem:
        try:
            data = json.loads(item.get("HistoryData") or "{}")
        except ValueError:
            data = {}
        return cls(_aware(item["Timestamp"]) or datetime.now(timezone.utc), item.get("HistoryItemType", ""),
                   str(item.get("HistorySummary") or ""), data if isinstance(data, dict) else {})


@dataclass(frozen=True, slots=True)
class StateSpan:
    state: str
    start: datetime
    end: datetime


def iter_history(clients: Clients, name: str, start: datetime | None = None, end: datetime | None = None,
                 kind: str | None = None) -> Iterator[list[HistoryItem]]:
    """The alarm's history items, newest first, one call per yield."""
    params: dict[str, Any] = {"AlarmName": name, "AlarmTypes": ALARM_TYPES}
    if start:
        params["StartDate"] = start
    if end:
        params["EndDate"] = end
    if kind:
        params["HistoryItemType"] = kind
    cw = clients.client("cloudwatch")
    for page in paging.pages(cw, "describe_alarm_history", "AlarmHistoryItems", page_size=PAGE_SIZE, **params):
        yield [HistoryItem.from_api(i) for i in page]


def load_history(clients: Clients, name: str, start: datetime | None = None, limit: int = 1000) -> list[HistoryItem]:
    """Up to ``limit`` items since ``start``, newest first."""
    out: list[HistoryItem] = []
    for page in iter_history(clients, name, start):
        out.extend(page)
        if len(out) >= limit:
            break
    return out[:limit]


def state_spans(items: Sequence[HistoryItem], now: datetime, current: str | None = None,
                since: datetime | None = None) -> list[StateSpan]:
    """The alarm's states over time, oldest first, from its StateUpdate items (in any order)."""
    updates = sorted((i for i in items if i.kind == "StateUpdate" and i.new_state), key=lambda i: i.when)
    spans: list[StateSpan] = []
    if updates and updates[0].old_state:
        # Before the first change on record: the state it changed from, since the oldest item we have.
        first = min(i.when for i in items)
        if first < updates[0].when:
            spans.append(StateSpan(updates[0].old_state, first, updates[0].when))
    for item, nxt in zip(updates, [*updates[1:], None]):
        spans.append(StateSpan(item.new_state, item.when, nxt.when if nxt else now))
    if not spans and current and since:
        spans.append(StateSpan(current, since, now))
    return spans
