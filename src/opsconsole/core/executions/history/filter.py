"""Which history events to show: by event type, by state, by text anywhere in the event."""

from __future__ import annotations

import json
from collections.abc import Iterable

from opsconsole.core.executions.history.events import HistoryEvent


class EventFilter:
    """The history table's filters; ``accepts(event)`` is the one question the table asks.

    Text search looks at the id, type, state and the whole payload (inputs,
    outputs, errors, parameters) as JSON text, made once per event and kept, so
    typing a longer search does not serialise 25,000 payloads again.
    """

    def __init__(self) -> None:
        self.types: frozenset[str] | None = None
        self.state: str | None = None
        self.text = ""
        self._blobs: dict[int, str] = {}

    def set_types(self, types: Iterable[str] | None) -> bool:
        """Only these event types (None: all); True when that changes anything."""
        wanted = frozenset(types) if types is not None else None
        changed, self.types = wanted != self.types, wanted
        return changed

    def set_state(self, state: str | None) -> bool:
        """Only events about ``state`` (None: all); True when that changes anything."""
        changed, self.state = (state or None) != self.state, state or None
        return changed

    def set_text(self, text: str) -> bool:
        """Only events containing ``text`` (any case); True when that changes anything."""
        text = text.strip().casefold()
        changed, self.text = text != self.text, text
        return changed

    def accepts(self, event: HistoryEvent) -> bool:
        """True when ``event`` passes every filter."""
        if self.types is not None and event.type not in self.types:
            return False
        if self.state is not None and event.state != self.state:
            return False
        if self.text:
            blob = self._blobs.get(event.id)
            if blob is None:
                blob = self._blobs[event.id] = (
                    f"{event.id} {event.type} {event.state or ''} {json.dumps(event.details)}".casefold())
            return self.text in blob
        return True

    def forget(self) -> None:
        """Drop the cached search text (another history is being shown)."""
        self._blobs.clear()
