"""What every sandbox service needs on the wire: botocore's service models, page tokens, validation.

Each service package (``lexv2/``, ``cloudwatch/``, ``stepfunctions/``...) shapes
its own answers and errors (each wraps the model in what it needs); the model
loading, the paging token format, reading a JSON or REST-JSON request and
checking it against the operation's input shape are the same for all of them,
so they live here once (:class:`Checker` takes the few details in which the
services' validation differs).
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import botocore.loaders


@functools.lru_cache(maxsize=None)
def model_document(service: str) -> dict[str, Any]:
    """botocore's service model of ``service`` (e.g. ``"cloudwatch"``, ``"lexv2-models"``) as loaded, once per process."""
    return botocore.loaders.Loader().load_service_model(service, "service-2")


def page_token(scope: Any, start: int) -> str:
    """An opaque next-page token: where the next page starts, for the request (``scope``) that made it."""
    return base64.urlsafe_b64encode(json.dumps([scope, start]).encode()).decode()


def token_start(token: str, scope: Any) -> int | None:
    """Where ``token`` says the next page starts, or None when it is not a token of this request."""
    try:
        token_scope, start = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (ValueError, TypeError):
        return None
    if token_scope != scope or not isinstance(start, int) or start < 0:
        return None
    return start



def page(items: list[Any], size: int, token: str | None, scope: Any,
         invalid: Exception) -> tuple[list[Any], str | None]:
    """One page of ``items`` from ``token``'s start; ``invalid`` is raised for a token of another request."""
    start = 0
    if token:
        found = token_start(token, scope)
        if found is None:
            raise invalid
        start = found
    following = page_token(scope, start + size) if start + size < len(items) else None
    return items[start:start + size], following


def fingerprint(params: dict[str, Any], ignored: tuple[str, ...]) -> str:
    """A stable fingerprint of a request's members, ``ignored`` (its paging members) left out."""
    kept = {k: v for k, v in params.items() if k not in ignored}
    return hashlib.sha256(json.dumps(kept, sort_keys=True, default=str).encode()).hexdigest()[:16]


# -- requests ----------------------------------------------------------------------------------
def json_object(body: bytes, error: Callable[[str, str], Exception]) -> dict[str, Any]:
    """A JSON request body as a dict (empty body: {}); anything else is a SerializationException ``error``."""
    try:
        document = json.loads(body) if body.strip() else {}
    except ValueError:
        raise error("SerializationException", "The request body is not valid JSON") from None
    if not isinstance(document, dict):
        raise error("SerializationException", "The request body must be a JSON object")
    return document


def rest_parameters(shapes: dict[str, Any], members: dict[str, Any], labels: dict[str, str], query: str,
                    document: dict[str, Any]) -> dict[str, Any]:
    """A REST-JSON request's input ``members`` from the URI labels, the query string and the body."""
    queries = parse_qs(query, keep_blank_values=True)
    params: dict[str, Any] = {}
    for member, ref in members.items():
        where, wire = ref.get("location", "body"), ref.get("locationName", member)
        kind = shapes[ref["shape"]]["type"]
        if where == "uri" and wire in labels:
            params[member] = labels[wire]
        elif where == "querystring" and wire in queries:
            values = queries[wire]
            params[member] = values if kind == "list" else _scalar(kind, values[0])
        elif where == "body" and member in document:
            params[member] = document[member]
    return params


def _scalar(kind: str, raw: str) -> Any:
    if kind == "boolean":
        return raw.lower() == "true"
    if kind in ("integer", "long"):
        try:
            return int(raw)
        except ValueError:
            return raw
    return raw


# -- validation --------------------------------------------------------------------------------
@functools.lru_cache(maxsize=512)
def _compiled(pattern: str, spellings: tuple[tuple[str, str], ...], lenient: bool) -> re.Pattern[str] | None:
    for java, python in spellings:
        pattern = pattern.replace(java, python)
    try:
        return re.compile(pattern)
    except re.error:
        if lenient:
            return None
        raise


def java_pattern(spellings: tuple[tuple[str, str], ...] = (), lenient: bool = False,
                 search: bool = False) -> Callable[[str, str], bool]:
    """How a service applies a model's (Java) regular expressions to a value.

    ``spellings`` replace Java classes (``\\p{L}``...) that ``re`` cannot read; ``lenient``: a pattern
    that still does not compile lets every value through (otherwise re.error is raised); ``search``: a
    match anywhere in the value is enough (otherwise the whole value must match, like Java's
    String.matches).
    """
    def matches(pattern: str, value: str) -> bool:
        compiled = _compiled(pattern, spellings, lenient)
        if compiled is None:
            return True
        return (compiled.search(value) if search else compiled.fullmatch(value)) is not None
    return matches


#: a model's pattern as written, the whole value matching
WHOLE_VALUE = java_pattern()


def timestamp(value: Any, fail: str, problems: list[str], epoch_text: bool = False) -> Any:
    """A request timestamp (epoch seconds or ISO 8601; ``epoch_text``: also epoch seconds as text) as an
    aware datetime; anything else is a problem, and the value is kept."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return dt.datetime.fromtimestamp(value, dt.timezone.utc)
    if isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            if epoch_text:
                try:
                    return dt.datetime.fromtimestamp(float(value), dt.timezone.utc)
                except ValueError:
                    pass
            problems.append(fail + "be a timestamp")
            return value
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)
    problems.append(fail + "be a timestamp")
    return value


@dataclass(frozen=True)
class Checker:
    """Checks a request against a botocore model's input shape, as AWS's JSON services do.

    Every broken constraint is one "Value ... at 'path' failed to satisfy constraint: Member
    must ..." problem; :meth:`check` raises ``error`` ("N validation errors detected: ...") when
    there is any. Services differ in the details, which are the fields below.
    """

    shapes: dict[str, Any]
    #: the service's validation error for a message
    error: Callable[[str], Exception]
    #: how a pattern is applied (see :func:`java_pattern`)
    matches: Callable[[str, str], bool] = WHOLE_VALUE
    #: member paths in lowerCamel (``tags.1.member.key``) rather than as the model names them
    camel_paths: bool = True
    #: a string value longer than this is shown cut, with "..."
    shown_limit: int | None = None
    #: non-ASCII in shown (non-string) values escaped
    ensure_ascii: bool = True
    #: a map's length and values are checked (not only that it is a map); ``map_keys``: its keys too
    map_values: bool = False
    map_keys: bool = False
    #: timestamps checked and converted to datetimes (None: not checked); True: also epoch seconds as text
    timestamps: bool | None = None
    #: (structure, member) whose string pattern the service does not apply
    unchecked_patterns: frozenset[tuple[str, str]] = frozenset()

    def check(self, shape_name: str, value: Any) -> Any:
        """``value`` with timestamps converted (when checked); raises ``error`` listing every problem."""
        problems: list[str] = []
        checked = self._check(shape_name, value, "", problems)
        if problems:
            count = len(problems)
            raise self.error(f"{count} validation error{'s' if count > 1 else ''} detected: " + "; ".join(problems))
        return checked

    def _join(self, path: str, member: str) -> str:
        name = member[:1].lower() + member[1:] if self.camel_paths else member
        return f"{path}.{name}" if path else name

    def _shown(self, value: Any) -> str:
        if value is None:
            return "null"
        if isinstance(value, str):
            if self.shown_limit is not None and len(value) > self.shown_limit:
                return f"'{value[:self.shown_limit]}...'"
            return f"'{value}'"
        return f"'{json.dumps(value, ensure_ascii=self.ensure_ascii)}'"

    def _check(self, shape_name: str, value: Any, path: str, problems: list[str], pattern: bool = True) -> Any:
        shape = self.shapes[shape_name]
        kind = shape["type"]
        fail = f"Value {self._shown(value)} at '{path}' failed to satisfy constraint: Member must "
        if kind in _TYPES and not isinstance(value, _TYPES[kind]):
            problems.append(fail + f"be a {kind}")
            return value
        if kind == "structure":
            for member in shape.get("required", []):
                if value.get(member) is None:
                    problems.append(f"Value null at '{self._join(path, member)}' failed to satisfy constraint: "
                                    "Member must not be null")
            checked = dict(value)
            for member, ref in shape.get("members", {}).items():
                if value.get(member) is not None:
                    checked[member] = self._check(ref["shape"], value[member], self._join(path, member), problems,
                                                  (shape_name, member) not in self.unchecked_patterns)
            return checked
        if kind == "list":
            _length(shape, len(value), fail, problems)
            return [self._check(shape["member"]["shape"], item, f"{path}.{i + 1}.member", problems)
                    for i, item in enumerate(value)]
        if kind == "map":
            if self.map_values:
                _length(shape, len(value), fail, problems)
                for key, item in value.items():
                    if self.map_keys:
                        self._check(shape["key"]["shape"], key, f"{path}.key", problems)
                    self._check(shape["value"]["shape"], item, f"{path}.{key}", problems)
            return value
        if kind == "string":
            _length(shape, len(value), fail, problems)
            if "enum" in shape and value not in shape["enum"]:
                problems.append(fail + f"satisfy enum value set: [{', '.join(shape['enum'])}]")
            if pattern and "pattern" in shape and not self.matches(shape["pattern"], value):
                problems.append(fail + f"satisfy regular expression pattern: {shape['pattern']}")
            return value
        if kind in ("integer", "long", "double", "float"):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                problems.append(fail + "be a number")
                return value
            if "min" in shape and value < shape["min"]:
                problems.append(fail + f"have value greater than or equal to {shape['min']}")
            if "max" in shape and value > shape["max"]:
                problems.append(fail + f"have value less than or equal to {shape['max']}")
            return value
        if kind == "boolean" and not isinstance(value, bool):
            problems.append(fail + "be a boolean")
        if kind == "timestamp" and self.timestamps is not None:
            return timestamp(value, fail, problems, epoch_text=self.timestamps)
        return value


#: what a value of these kinds must be ("Member must be a structure"...)
_TYPES: dict[str, type] = {"structure": dict, "list": list, "map": dict, "string": str}


def _length(shape: dict[str, Any], size: int, fail: str, problems: list[str]) -> None:
    if "min" in shape and size < shape["min"]:
        problems.append(fail + f"have length greater than or equal to {shape['min']}")
    if "max" in shape and size > shape["max"]:
        problems.append(fail + f"have length less than or equal to {shape['max']}")
