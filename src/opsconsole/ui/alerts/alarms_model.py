"""The alarms list as a table: ALARM first, snoozed at the bottom, composites unfolding into their children.

The model holds every alarm (by name) and every handling record (by ARN) and
shows a filtered, ordered list of rows. Rebuilding that list is one sort over
the alarms (a few milliseconds for 5,000) done once per batch of changes, never
per alarm: pages, tags and handling records are merged first and the rows
rebuilt once (:meth:`AlarmsModel.rebuild`, which the view calls on a short
timer). Cells are worked out only when Qt paints them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from opsconsole.core.alerts import handling as core_handling
from opsconsole.core.alerts.alarms import COMPOSITE, STATE_ORDER, STATES, TENANT_TAG, Alarm
from opsconsole.core.alerts.handling import Handling
from opsconsole.core.format import format_duration, format_timestamp_tooltip
from opsconsole.ui import theme
from opsconsole.ui.widgets.rows_model import RowsModel

STATE, NAME, SINCE, TENANT, NAMESPACE, HANDLING, REASON = range(7)
TYPE_LABELS = {"metric": "metric", "anomaly-band": "anomaly band", "composite": "composite"}
_DISPLAY = Qt.ItemDataRole.DisplayRole


@dataclass(frozen=True, slots=True)
class AlarmRow:
    """One line of the list: an alarm, how deep in a composite's tree, and what applies to it now."""

    alarm: Alarm
    #: What applies to its current state, or None when nobody has handled it.
    handling: Handling | None
    depth: int = 0
    snoozed: bool = False


def relative(since: datetime | None, now: datetime) -> str:
    if since is None:
        return ""
    seconds = max(0.0, (now - since).total_seconds())
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    return f"{format_duration(seconds)} ago"


def handling_text(h: Handling, now: datetime) -> str:
    parts = []
    if h.acked_by:
        parts.append(f"acked by {h.acked_by}")
    if h.assignee:
        parts.append(f"assigned to {h.assignee}")
    if h.snoozed(now):
        parts.append(f"snoozed until {format_timestamp_tooltip(h.snoozed_until).split(' (')[0]}")
    return " · ".join(parts)


@dataclass
class Filters:
    """What the filter bar asks for; empty means any."""

    states: frozenset[str] = frozenset()
    tenant: str = ""
    namespace: str = ""
    #: "key=value" or just "key" (has the tag).
    tag: str = ""
    name: str = ""

    def accepts(self, alarm: Alarm, tags: Mapping[str, str] | None = None) -> bool:
        if self.states and alarm.state not in self.states:
            return False
        if self.tenant and (tags or {}).get(TENANT_TAG, "") != self.tenant:
            return False
        if self.namespace and alarm.namespace != self.namespace:
            return False
        if self.name and self.name.lower() not in alarm.name.lower():
            return False
        if self.tag:
            key, _, value = self.tag.partition("=")
            tags = tags or {}
            if key.strip() not in tags or (value and tags[key.strip()] != value.strip()):
                return False
        return True


class AlarmsModel(RowsModel[AlarmRow]):
    headers = ("State", "Alarm", "Since", "Tenant", "Namespace", "Who is on it", "Reason")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._alarms: dict[str, Alarm] = {}
        self._names_by_arn: dict[str, str] = {}
        self._tags: dict[str, dict[str, str]] = {}
        self.top_count = 0
        self._handling: dict[str, Handling] = {}
        self.filters = Filters()
        self.expanded: set[str] = set()
        self.now = datetime.now(timezone.utc)
        #: Every alarm's top-level row in display order, kept until an alarm or a record changes.
        self._ordered: list[AlarmRow] | None = None
        self._choices: tuple[list[str], list[str]] | None = None
        self._counts: dict[str, int] | None = None
        self._italic = QFont()
        self._italic.setItalic(True)

    # -- what it holds -----------------------------------------------------------
    def alarms(self) -> list[Alarm]:
        return list(self._alarms.values())

    def alarm(self, name: str) -> Alarm | None:
        return self._alarms.get(name)

    def loaded_count(self) -> int:
        return len(self._alarms)

    def add_alarms(self, alarms: Iterable[Alarm]) -> None:
        """Merge a page (tags already known for an alarm are kept). Call :meth:`rebuild` after a batch."""
        for alarm in alarms:
            if alarm.tags is not None:
                self._tags[alarm.arn] = dict(alarm.tags)
            self._alarms[alarm.name] = alarm
            self._names_by_arn[alarm.arn] = alarm.name
        self.changed()

    def replace_alarms(self, alarms: Iterable[Alarm]) -> None:
        """A full listing: alarms not in it are gone."""
        keep = {a.name: a for a in alarms}
        self._alarms = {n: a for n, a in self._alarms.items() if n in keep}
        self._names_by_arn = {a.arn: n for n, a in self._alarms.items()}
        self.add_alarms(keep.values())

    def set_tags(self, tags_by_arn: Mapping[str, Mapping[str, str]]) -> None:
        """Tags arrived: they change no order, only the tenant column (and what tag filters let through)."""
        for arn, tags in tags_by_arn.items():  # O(batch), not O(alarms)
            self._tags[arn] = dict(tags)
        self._choices = None
        if self.rowCount():
            self.dataChanged.emit(self.index(0, TENANT), self.index(self.rowCount() - 1, TENANT))

    def tagged_count(self) -> int:
        """How many of the alarms' tags are known."""
        return sum(1 for a in self._alarms.values() if a.arn in self._tags) if len(self._tags) < len(
            self._alarms) else len(self._alarms)

    def tags_of(self, alarm: Alarm) -> Mapping[str, str] | None:
        """The alarm's tags, or None while they are being fetched."""
        return self._tags.get(alarm.arn)

    def tenant_of(self, alarm: Alarm) -> str:
        return (self._tags.get(alarm.arn) or {}).get(TENANT_TAG, "")

    def set_handling(self, records: Mapping[str, Handling]) -> None:
        self._handling.update(records)
        self.changed()

    def clear(self) -> None:
        """Forget everything (another connection)."""
        self._alarms, self._names_by_arn, self._tags, self._handling = {}, {}, {}, {}
        self.expanded.clear()
        self.changed()
        self.set_rows([])

    def changed(self) -> None:
        """Alarms or records changed: the order is worked out again at the next rebuild."""
        self._ordered = None
        self._choices = None
        self._counts = None

    def handling_of(self, alarm: Alarm) -> Handling:
        return core_handling.current(alarm, self._handling.get(alarm.arn))

    def _applying(self, alarm: Alarm) -> Handling | None:
        """The record that applies to the alarm's current state, or None (most alarms: no work)."""
        stored = self._handling.get(alarm.arn)
        if stored is None or not stored.applies_to(alarm):
            return None
        return stored

    def _choice_lists(self) -> tuple[list[str], list[str]]:
        if self._choices is None:
            alarms = self._alarms.values()
            tenants = {(self._tags.get(a.arn) or {}).get(TENANT_TAG, "") for a in alarms}
            self._choices = (sorted(t for t in tenants if t),
                             sorted({a.namespace for a in alarms if a.namespace}))
        return self._choices

    def tenants(self) -> list[str]:
        return self._choice_lists()[0]

    def namespaces(self) -> list[str]:
        return self._choice_lists()[1]

    def state_counts(self) -> dict[str, int]:
        if self._counts is None:
            counts = dict.fromkeys(STATES, 0)
            for a in self._alarms.values():
                counts[a.state] = counts.get(a.state, 0) + 1
            self._counts = counts
        return self._counts

    # -- the rows ----------------------------------------------------------------
    def rebuild(self, now: datetime | None = None) -> None:
        """Order (only after a change), filter and unfold; one pass per batch of changes, never per alarm."""
        now = now or datetime.now(timezone.utc)
        if self._ordered is None or self._snooze_ends_between(self.now, now):
            self.now = now
            self._ordered = self._order()
        self.now = now
        f = self.filters
        active = f.states or f.tenant or f.namespace or f.tag or f.name
        tags = self._tags
        top = [r for r in self._ordered if f.accepts(r.alarm, tags.get(r.alarm.arn))] if active else self._ordered
        self.top_count = len(top)
        if not self.expanded:
            self.set_rows(top)
            return
        out: list[AlarmRow] = []
        for row in top:
            out.append(row)
            if row.alarm.name in self.expanded and row.alarm.type == COMPOSITE:
                self._unfold(row.alarm, 1, out, {row.alarm.name})
        self.set_rows(out)

    def _order(self) -> list[AlarmRow]:
        keyed = []
        for alarm in self._alarms.values():
            h = self._applying(alarm)
            snoozed = h is not None and h.snoozed(self.now)
            since = alarm.since.timestamp() if alarm.since else 0.0
            keyed.append(((snoozed, STATE_ORDER.get(alarm.state, 9), -since, alarm.name), AlarmRow(alarm, h, 0, snoozed)))
        keyed.sort(key=lambda r: r[0])
        return [row for _key, row in keyed]

    def _snooze_ends_between(self, before: datetime, now: datetime) -> bool:
        return any(h.snoozed_until is not None and before < h.snoozed_until <= now for h in self._handling.values())

    def _unfold(self, composite: Alarm, depth: int, out: list[AlarmRow], seen: set[str]) -> None:
        for name in composite.children:
            child = self._alarms.get(name)
            if child is None or name in seen:
                continue
            h = self._applying(child)
            out.append(AlarmRow(child, h, depth, h is not None and h.snoozed(self.now)))
            if name in self.expanded and child.type == COMPOSITE:
                self._unfold(child, depth + 1, out, seen | {name})

    def toggle(self, name: str) -> None:
        alarm = self._alarms.get(name)
        if alarm is None or alarm.type != COMPOSITE:
            return
        self.expanded.symmetric_difference_update({name})
        self.rebuild()

    def row_of(self, name: str, depth: int | None = 0) -> int | None:
        for i, row in enumerate(self._rows):
            if row.alarm.name == name and (depth is None or row.depth == depth):
                return i
        return None

    # -- Qt's side -----------------------------------------------------------------
    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = _DISPLAY) -> Any:
        row = self.row_at(index.row()) if index.isValid() else None
        if row is None:
            return None
        alarm, col = row.alarm, index.column()
        if role == _DISPLAY:
            if col == STATE:
                return alarm.state
            if col == NAME:
                marker = ("▾ " if alarm.name in self.expanded else "▸ ") if alarm.type == COMPOSITE else ""
                indent = "    " * row.depth + ("└ " if row.depth else "")
                return f"{indent}{marker}{alarm.name}"
            if col == SINCE:
                return relative(alarm.since, self.now)
            if col == TENANT:
                tags = self._tags.get(alarm.arn)
                return tags.get(TENANT_TAG, "") if tags is not None else "…"
            if col == NAMESPACE:
                return alarm.namespace or TYPE_LABELS.get(alarm.type, "")
            if col == HANDLING:
                return handling_text(row.handling, self.now) if row.handling is not None else ""
            if col == REASON:
                return alarm.reason
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == SINCE and alarm.since:
                return f"In {alarm.state} since {format_timestamp_tooltip(alarm.since)}"
            if col == NAME:
                return f"{alarm.name}\n{TYPE_LABELS.get(alarm.type, alarm.type)} alarm" + (
                    "\nsnoozed: shown at the bottom until the snooze ends or the state changes" if row.snoozed else "")
            if col == REASON:
                return alarm.reason
            if col == TENANT and alarm.arn not in self._tags:
                return "Tags are being fetched"
            return None
        if role == Qt.ItemDataRole.ForegroundRole and (row.snoozed or row.depth):
            return theme.qcolor(theme.current().muted)
        if role == Qt.ItemDataRole.FontRole and row.snoozed:
            return self._italic
        if role == Qt.ItemDataRole.UserRole:
            return alarm
        return None
