"""How far along a deployment is, by the time its steps usually take rather than by their number.

A deployment of two intents is six steps, but the locale build is most of the
wait: counted by steps, a bar races to a third, then sits there for a minute.
Each step here weighs what it usually takes in Lex V2 (DescribeIntent plus
UpdateIntent about a second per intent, BuildBotLocale tens of seconds to
minutes, CreateBotVersion several seconds), and a waiting step creeps on with
the time it has waited, never reaching its end before Lex says it is done.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from opsconsole.core.progress import Progress

#: Usual seconds per step.
MERGE_S = 1.0  # per intent
BUILD_S = 60.0
VERSION_S = 8.0
ALIAS_S = 1.0
MARK_S = 0.2  # per item
#: Progress reports count in these units (per mille of the whole deployment).
SCALE = 1000
#: How far a waiting step may creep before Lex says it is done.
_CREEP_MAX = 0.95

MERGE, BUILD, VERSION, ALIAS, MARK = "merge", "build", "version", "alias", "mark"


def waited(elapsed_s: float, usual_s: float) -> float:
    """The share of a waiting step to show after ``elapsed_s``: fast at first, never the end."""
    if elapsed_s <= 0 or usual_s <= 0:
        return 0.0
    return min(1.0 - math.exp(-elapsed_s / usual_s), _CREEP_MAX)


@dataclass(frozen=True)
class DeployPace:
    """The weight of each step of one deployment (``intents`` to merge, ``items`` to mark)."""

    intents: int
    items: int
    build_s: float = BUILD_S

    def weights(self) -> tuple[tuple[str, float], ...]:
        return ((MERGE, MERGE_S * self.intents), (BUILD, self.build_s), (VERSION, VERSION_S), (ALIAS, ALIAS_S),
                (MARK, MARK_S * max(self.items, 1)))

    def usual_s(self, stage: str) -> float:
        return dict(self.weights())[stage]

    def at(self, stage: str, within: float = 0.0) -> int:
        """Units done when ``within`` (0 to 1) of ``stage`` is done."""
        weights = self.weights()
        total = sum(w for _s, w in weights)
        before = 0.0
        for name, weight in weights:
            if name == stage:
                return round(SCALE * (before + weight * min(max(within, 0.0), 1.0)) / total)
            before += weight
        raise ValueError(f"no deployment step {stage!r}")

    def report(self, stage: str, text: str, within: float = 0.0) -> Progress:
        return Progress(self.at(stage, within), SCALE, text)
