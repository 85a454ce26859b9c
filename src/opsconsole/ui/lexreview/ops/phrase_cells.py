"""What a phrase row says when the same phrase was forwarded several times: count, people, conversations."""

from __future__ import annotations

from collections.abc import Callable

from opsconsole.core.format import format_day_time
from opsconsole.core.lexreview.triage import SOURCE_ANALYTICS, ReviewItem
from opsconsole.ui.lexreview.ops.columns import ItemColumn
from opsconsole.ui.widgets.plain_tooltip import plain_tooltip


def _others(names: list[str]) -> str:
    """"amy.ops" or "amy.ops +2": the newest name, and how many other people."""
    distinct = list(dict.fromkeys(n for n in names if n))
    return distinct[0] + (f" +{len(distinct) - 1}" if len(distinct) > 1 else "") if distinct else ""


def _conversations(members: list[ReviewItem]) -> str:
    contacts = {i.contact_id for i in members if i.contact_id}
    missed = sum(i.missed_count or 0 for i in members if i.source == SOURCE_ANALYTICS)
    parts = [f"{len(contacts)} conversation{'s' if len(contacts) != 1 else ''}"] if contacts else []
    if missed:
        parts.append(f"missed {missed}×")
    return " · ".join(parts)


#: A merged row's cells that say something about all of its items.
MERGED_CELLS: dict[int, Callable[[list[ReviewItem]], str]] = {
    ItemColumn.COUNT: lambda members: f"×{len(members)}",
    ItemColumn.SOURCE: lambda members: " + ".join(sorted({"Lex" if i.source == SOURCE_ANALYTICS else "Agent"
                                                          for i in members})),
    ItemColumn.BY: lambda members: _others([i.agent for i in members]),
    ItemColumn.CONVERSATION: _conversations,
}


def phrase_tooltip(members: list[ReviewItem]) -> str:
    """The whole phrase (a narrow column cuts it), and for a merged row who forwarded it and how it was written."""
    item = members[0]
    lines = [item.text]
    if item.original_text:
        lines.append(f"Edited; first submitted as: {item.original_text}")
    if len(members) > 1:
        lines.append(f"\nForwarded {len(members)} times; approving, rejecting or reopening this row "
                     f"changes all {len(members)}:")
        lines += [f"  • {i.text}  — {i.agent or 'Lex analytics'}, {format_day_time(i.created_at)}"
                  for i in members[:12]]
        if len(members) > 12:
            lines.append(f"  … and {len(members) - 12} more")
    return plain_tooltip("\n".join(lines))
