"""JSON as AWS reads it, with limits: what the console parses from a user or a file before sending it.

Python's ``json`` accepts things AWS refuses (NaN, Infinity, duplicate keys,
lone UTF-16 surrogates) and fails badly on others (a RecursionError at a few
thousand levels of nesting, a ValueError deep inside ``int()`` for a
100,000-digit number). :func:`loads` refuses all of them first, with one
sentence a person can act on, as :class:`JsonRefused` (a ``ValueError``).
"""

from __future__ import annotations

import json
import re
from typing import Any

#: Deeper JSON is refused before parsing (Python's own parser would overflow its stack).
MAX_DEPTH = 512
#: Longer numbers are refused (AWS's own JSON parsers stop long before).
MAX_NUMBER_CHARS = 400

_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.S)
_HIGH = r"\\u[dD][89abAB][0-9a-fA-F]{2}"
_LOW = r"\\u[dD][c-fC-F][0-9a-fA-F]{2}"
_LONE_ESCAPE = re.compile(rf"(?<!\\)(?:\\\\)*(?:{_HIGH}(?!{_LOW})|(?<!{_HIGH}){_LOW})")


class JsonRefused(ValueError):
    """The text is not JSON AWS would take; ``str()`` says why, ``lineno``/``colno`` where (when known)."""

    def __init__(self, message: str, lineno: int | None = None, colno: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.lineno = lineno
        self.colno = colno


def _position(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def check_depth(text: str, max_depth: int = MAX_DEPTH) -> None:
    """Raise :class:`JsonRefused` when objects and arrays nest deeper than ``max_depth``."""
    depth = 0
    for m in _TOKENS.finditer(text):
        token = m.group(0)
        if token in "[{":
            depth += 1
            if depth > max_depth:
                line, col = _position(text, m.start())
                raise JsonRefused(f"nested deeper than {max_depth} levels (line {line}, column {col})", line, col)
        elif token in "]}":
            depth -= 1


def _constant(name: str) -> Any:
    raise JsonRefused(f"{name} is not valid JSON")


def _number(kind: type) -> Any:
    def parse(text: str) -> Any:
        if len(text) > MAX_NUMBER_CHARS:
            raise JsonRefused(f"a number with {len(text):,} digits (at most {MAX_NUMBER_CHARS})")
        return kind(text)

    return parse


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise JsonRefused(f'key "{key[:80]}" appears twice in one object')
        out[key] = value
    return out


def loads(text: str | bytes) -> Any:
    """Parse ``text`` as JSON AWS would take; raises :class:`JsonRefused` (or ``json.JSONDecodeError``)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        line, col = _position(text, exc.start)
        raise JsonRefused(f"a lone UTF-16 surrogate character at line {line}, column {col} "
                          "(text pasted from a broken source?)", line, col) from None
    m = _LONE_ESCAPE.search(text)
    if m:
        line, col = _position(text, m.start())
        raise JsonRefused(f"a lone surrogate escape {m.group(0)[-6:]} at line {line}, column {col}: "
                          "not a character", line, col)
    check_depth(text)
    return json.loads(text, parse_constant=_constant, parse_int=_number(int), parse_float=_number(float),
                      object_pairs_hook=_no_duplicates)
