"""Evaluate identity-based IAM policy documents as IAM does, for the parts the sandbox uses.

Supported: ``Effect`` Allow/Deny, ``Action`` and ``Resource`` (strings or lists,
``*`` and ``?`` wildcards, actions case-insensitive), policy variables
``${aws:PrincipalTag/KEY}`` and ``${aws:username}``, and ``Condition`` with
``StringEquals``, ``StringNotEquals`` and ``StringLike`` on request context keys
(``aws:ResourceTag/KEY``, ``s3:prefix``). A key the request does not have makes
its condition false, as in IAM. An explicit Deny wins over any Allow; nothing
allowed is an implicit deny. AWS's refusal message says which of the two it was.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

_VARIABLE = re.compile(r"\$\{([^}]+)\}")


@dataclass(frozen=True)
class Decision:
    """IAM's verdict on one action on one resource."""

    allowed: bool
    explicit_deny: bool = False

    def message(self, principal_arn: str, action: str, resource: str) -> str:
        """AWS's wording of the refusal (as in its AccessDenied messages)."""
        head = f"User: {principal_arn} is not authorized to perform: {action} on resource: {resource}"
        if self.explicit_deny:
            return f"{head} with an explicit deny in an identity-based policy"
        return f"{head} because no identity-based policy allows the {action} action"


def _listed(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


@lru_cache(maxsize=1024)
def _glob(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    return re.compile(fnmatch.translate(pattern), re.IGNORECASE if ignore_case else 0)


def _substitute(text: str, variables: Mapping[str, str]) -> str | None:
    """``text`` with its policy variables filled in; None when one has no value (the element does not match)."""
    missing = False

    def fill(match: re.Match[str]) -> str:
        nonlocal missing
        value = variables.get(match.group(1))
        if value is None:
            missing = True
            return ""
        return value

    filled = _VARIABLE.sub(fill, text)
    return None if missing else filled


def _matches(patterns: Iterable[str], value: str, variables: Mapping[str, str], ignore_case: bool) -> bool:
    for pattern in patterns:
        filled = _substitute(pattern, variables)
        if filled is not None and _glob(filled, ignore_case).fullmatch(value):
            return True
    return False


def _condition_holds(condition: Mapping[str, Mapping[str, Any]], context: Mapping[str, str],
                     variables: Mapping[str, str]) -> bool:
    for operator, tests in condition.items():
        for key, expected in tests.items():
            actual = context.get(key)
            if actual is None:
                return False
            wanted = [_substitute(v, variables) for v in _listed(expected)]
            wanted = [w for w in wanted if w is not None]
            if operator == "StringEquals":
                ok = actual in wanted
            elif operator == "StringNotEquals":
                ok = actual not in wanted
            elif operator == "StringLike":
                ok = any(_glob(w, False).fullmatch(actual) for w in wanted)
            else:  # an operator this evaluator does not know never grants anything
                ok = False
            if not ok:
                return False
    return True


def evaluate(policies: Iterable[Mapping[str, Any]], action: str, resource: str,
             context: Mapping[str, str], variables: Mapping[str, str]) -> Decision:
    """May the principal whose policies these are do ``action`` on ``resource``?"""
    allowed = False
    for policy in policies:
        for statement in _listed_statements(policy):
            if not _matches(_listed(statement.get("Action")), action, variables, True):
                continue
            if not _matches(_listed(statement.get("Resource")), resource, variables, False):
                continue
            if not _condition_holds(statement.get("Condition", {}), context, variables):
                continue
            if statement.get("Effect") == "Deny":
                return Decision(False, explicit_deny=True)
            allowed = True
    return Decision(allowed)


def missing_context(policies: Iterable[Mapping[str, Any]], action: str, resource: str,
                    context: Mapping[str, str], variables: Mapping[str, str]) -> list[str]:
    """Context keys that statements matching ``action`` and ``resource`` test but ``context`` lacks
    (what iam:SimulatePrincipalPolicy reports as ``MissingContextValues``)."""
    missing: list[str] = []
    for policy in policies:
        for statement in _listed_statements(policy):
            if not (_matches(_listed(statement.get("Action")), action, variables, True)
                    and _matches(_listed(statement.get("Resource")), resource, variables, False)):
                continue
            for tests in statement.get("Condition", {}).values():
                missing += [key for key in tests if key not in context and key not in missing]
    return missing


def _listed_statements(policy: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    statements = policy.get("Statement", [])
    return [statements] if isinstance(statements, Mapping) else list(statements)
