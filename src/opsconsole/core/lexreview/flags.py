"""What a reviewer should know about a review item before approving it: duplicates, conflicts, near-duplicates.

Worked out from the items and the bot's sample utterances only (no AWS call),
so the operations view computes them in the background as pages arrive.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from opsconsole.core.lexreview.similarity import near_duplicate_groups, normalise
from opsconsole.core.lexreview.triage import APPROVED, PENDING, ReviewItem

#: Pending texts at least this similar are flagged as near-duplicates of each other.
NEAR_DUPLICATE_THRESHOLD = 0.8


@dataclass(frozen=True)
class ItemFlags:
    """What a reviewer should know about an item before approving it."""

    #: Already a sample utterance of its own intent: approving it adds nothing.
    duplicate: bool = False
    #: Intents (other than its own) that already have it as a sample utterance.
    conflicts: tuple[str, ...] = ()
    #: Other open items with (nearly) the same text.
    near_duplicates: tuple[str, ...] = ()

    @property
    def any(self) -> bool:
        """Anything worth showing."""
        return self.duplicate or bool(self.conflicts) or bool(self.near_duplicates)


def compute_flags(
    items: Sequence[ReviewItem],
    utterances: Mapping[tuple[str, str], Mapping[str, Sequence[str]]],
    threshold: float = NEAR_DUPLICATE_THRESHOLD,
) -> dict[str, ItemFlags]:
    """Flags for each item, by item id.

    ``utterances`` maps ``(bot_id, locale_id)`` to ``{intent name: sample
    utterances}``; locales not in it get no utterance flags. Near-duplicates
    are looked for among the open (PENDING and APPROVED) items of one locale.
    """
    by_locale: dict[tuple[str, str], dict[str, set[str]]] = {}
    for key, intents in utterances.items():
        index: dict[str, set[str]] = {}
        for intent, samples in intents.items():
            for sample in samples:
                index.setdefault(normalise(sample), set()).add(intent)
        by_locale[key] = index

    open_items: dict[tuple[str, str], dict[str, str]] = {}
    for item in items:
        if item.status in (PENDING, APPROVED):
            open_items.setdefault((item.bot_id, item.locale_id), {})[item.item_id] = item.text
    near: dict[str, list[str]] = {}
    for texts in open_items.values():
        near.update(near_duplicate_groups(texts, threshold))

    flags: dict[str, ItemFlags] = {}
    for item in items:
        owners = by_locale.get((item.bot_id, item.locale_id), {}).get(normalise(item.text), set())
        flags[item.item_id] = ItemFlags(
            duplicate=item.intent_name in owners,
            conflicts=tuple(sorted(owners - {item.intent_name})),
            near_duplicates=tuple(near.get(item.item_id, ())),
        )
    return flags

