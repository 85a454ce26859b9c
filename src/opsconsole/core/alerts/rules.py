"""Composite alarms' rules: which alarms an ``AlarmRule`` names, and the tree they make.

An AlarmRule is a boolean expression over ``ALARM("name")``, ``OK("name")``,
``INSUFFICIENT_DATA("name")`` (the argument is an alarm name or ARN), ``TRUE``,
``FALSE``, ``AND``, ``OR``, ``NOT`` and parentheses (PutCompositeAlarm's API
reference). The console needs the children a rule names, in the order written,
each with the state it tests, and whether it is negated, to show the composite
as a tree; it never evaluates the rule (CloudWatch does).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

#: ``ALARM("name")``, ``OK(name)``, ``INSUFFICIENT_DATA('name')``: the state functions of a rule.
_FUNCTION = re.compile(
    r"\b(ALARM|OK|INSUFFICIENT_DATA)\s*\(\s*(?:\"((?:[^\"\\]|\\.)*)\"|'((?:[^'\\]|\\.)*)'|([^)\s]+))\s*\)"
)
_NOT_BEFORE = re.compile(r"\bNOT\s*\(?\s*$")


@dataclass(frozen=True, slots=True)
class RuleChild:
    """One alarm a composite's rule names."""

    #: The alarm's name (an ARN in the rule is reduced to the name it ends with).
    name: str
    #: The state the rule tests it for: ALARM, OK or INSUFFICIENT_DATA.
    state: str
    #: The test is directly under a NOT.
    negated: bool = False


def alarm_name(reference: str) -> str:
    """The alarm name a rule's argument stands for (``arn:aws:cloudwatch:...:alarm:NAME`` -> NAME)."""
    if reference.startswith("arn:") and ":alarm:" in reference:
        return reference.split(":alarm:", 1)[1]
    return reference


def children(rule: str) -> list[RuleChild]:
    """The alarms ``rule`` names, in the order written, each once (its first mention)."""
    seen: set[str] = set()
    out: list[RuleChild] = []
    for match in _FUNCTION.finditer(rule or ""):
        raw = next(g for g in match.groups()[1:] if g is not None)
        name = alarm_name(raw.replace('\\"', '"').replace("\\'", "'"))
        if name in seen:
            continue
        seen.add(name)
        negated = bool(_NOT_BEFORE.search(rule[: match.start()]))
        out.append(RuleChild(name, match.group(1), negated))
    return out


def child_names(rule: str) -> list[str]:
    return [c.name for c in children(rule)]


def parents_of(rules: Mapping[str, str]) -> dict[str, list[str]]:
    """For each alarm named in any rule, the composites (keys of ``rules``) naming it, in name order."""
    parents: dict[str, list[str]] = {}
    for composite in sorted(rules):
        for name in child_names(rules[composite]):
            parents.setdefault(name, []).append(composite)
    return parents


def roots(rules: Mapping[str, str]) -> list[str]:
    """Composites no other composite names: the tops of the trees."""
    named = {n for rule in rules.values() for n in child_names(rule)}
    return sorted(name for name in rules if name not in named)


def descendants(name: str, rules: Mapping[str, str], limit: int = 10_000) -> list[str]:
    """Every alarm under composite ``name``, depth first; a cycle (which CloudWatch refuses) stops there."""
    out: list[str] = []
    seen = {name}
    stack: list[str] = list(reversed(child_names(rules.get(name, ""))))
    while stack and len(out) < limit:
        child = stack.pop()
        if child in seen:
            continue
        seen.add(child)
        out.append(child)
        stack.extend(reversed(child_names(rules.get(child, ""))))
    return out
