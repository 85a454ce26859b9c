"""Composite alarm rules: ``ALARM("a") AND (OK(b) OR NOT INSUFFICIENT_DATA("c"))``, parsed and evaluated.

The grammar of PutCompositeAlarm's AlarmRule (CloudWatch API reference,
PutCompositeAlarm, "AlarmRule"): the state functions ``ALARM()``, ``OK()`` and
``INSUFFICIENT_DATA()`` take an alarm name or ARN (in double quotes when it
has spaces or operators in it); ``AND``, ``OR`` and ``NOT`` combine them,
parentheses group, and ``TRUE`` / ``FALSE`` are constants. Keywords are upper
case. Precedence here is NOT over AND over OR (AWS's reference does not state
one; parenthesise to be sure, as AWS's own examples do).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Union

#: AlarmRule may reference at most this many alarms and have this many elements (child alarms,
#: TRUE/FALSE, parentheses); one alarm may be in the rules of at most MAX_PARENTS composite alarms
#: (PutCompositeAlarm, "AlarmRule" and the operation's description).
MAX_REFERENCES = 100
MAX_ELEMENTS = 500
MAX_PARENTS = 150

_TOKEN = re.compile(r'\s*(?:(?P<lp>\()|(?P<rp>\))|(?P<quoted>"(?:[^"\\]|\\.)*")|(?P<word>[^\s()"]+))')
_STATES = {"ALARM": "ALARM", "OK": "OK", "INSUFFICIENT_DATA": "INSUFFICIENT_DATA"}


class RuleError(ValueError):
    """The rule does not parse; the message says where."""


@dataclass(frozen=True)
class State:
    state: str
    alarm: str  # name or ARN as written


@dataclass(frozen=True)
class Const:
    value: bool


@dataclass(frozen=True)
class Not:
    operand: Node


@dataclass(frozen=True)
class Op:
    operator: str  # AND | OR
    operands: tuple[Node, ...]


Node = Union[State, Const, Not, Op]


def parse(rule: str) -> Node:
    """The rule's syntax tree; raises :class:`RuleError`."""
    tokens = _tokens(rule)
    parser = _Parser(tokens)
    node = parser.expression()
    if parser.position < len(tokens):
        raise RuleError(f"Unexpected '{tokens[parser.position][1]}' after a complete expression")
    return node


def references(node: Node) -> list[str]:
    """Alarm names or ARNs the rule refers to, in order, without repeats."""
    found: list[str] = []

    def walk(n: Node) -> None:
        if isinstance(n, State):
            if n.alarm not in found:
                found.append(n.alarm)
        elif isinstance(n, Not):
            walk(n.operand)
        elif isinstance(n, Op):
            for operand in n.operands:
                walk(operand)
    walk(node)
    return found


def elements(node: Node) -> int:
    """Child alarms and TRUE/FALSE in the rule (parentheses are not kept by the parser, so this
    counts a little low: AWS counts them too)."""
    if isinstance(node, (State, Const)):
        return 1
    if isinstance(node, Not):
        return elements(node.operand)
    return sum(elements(operand) for operand in node.operands)


def evaluate(node: Node, state_of: Callable[[str], str | None]) -> bool:
    """Whether the rule holds, given each referenced alarm's state (None: no such alarm, never matches)."""
    if isinstance(node, Const):
        return node.value
    if isinstance(node, State):
        return state_of(node.alarm) == node.state
    if isinstance(node, Not):
        return not evaluate(node.operand, state_of)
    results = (evaluate(operand, state_of) for operand in node.operands)
    return all(results) if node.operator == "AND" else any(results)


def _tokens(rule: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    while position < len(rule):
        if rule[position:].strip() == "":
            break
        found = _TOKEN.match(rule, position)
        if not found or found.end() == position:
            raise RuleError(f"Unexpected character at position {position + 1}")
        kind = found.lastgroup or ""
        tokens.append((kind, found.group(kind)))
        position = found.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]):
        self.tokens = tokens
        self.position = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise RuleError("The alarm rule ends too early")
        self.position += 1
        return token

    def expression(self) -> Node:
        operands = [self.conjunction()]
        while self.peek() == ("word", "OR"):
            self.take()
            operands.append(self.conjunction())
        return operands[0] if len(operands) == 1 else Op("OR", tuple(operands))

    def conjunction(self) -> Node:
        operands = [self.negation()]
        while self.peek() == ("word", "AND"):
            self.take()
            operands.append(self.negation())
        return operands[0] if len(operands) == 1 else Op("AND", tuple(operands))

    def negation(self) -> Node:
        if self.peek() == ("word", "NOT"):
            self.take()
            return Not(self.negation())
        return self.primary()

    def primary(self) -> Node:
        kind, text = self.take()
        if kind == "lp":
            node = self.expression()
            if self.take()[0] != "rp":
                raise RuleError("Missing ')'")
            return node
        if kind == "word" and text in ("TRUE", "FALSE"):
            return Const(text == "TRUE")
        if kind == "word" and text in _STATES:
            if self.take()[0] != "lp":
                raise RuleError(f"{text} must be followed by '(' and an alarm name")
            name_kind, name = self.take()
            if name_kind == "quoted":
                name = name[1:-1].replace('\\"', '"').replace("\\\\", "\\")
            elif name_kind != "word":
                raise RuleError(f"{text}() needs an alarm name or ARN")
            if not name:
                raise RuleError(f"{text}() needs an alarm name or ARN")
            if self.take()[0] != "rp":
                raise RuleError(f"Missing ')' after the alarm name in {text}()")
            return State(_STATES[text], name)
        if kind == "word" and text.upper() in (*_STATES, "AND", "OR", "NOT", "TRUE", "FALSE"):
            raise RuleError(f"'{text}' must be written in upper case")
        raise RuleError(f"Unexpected '{text}': expected ALARM(), OK(), INSUFFICIENT_DATA(), NOT, TRUE, "
                        "FALSE or '('")
