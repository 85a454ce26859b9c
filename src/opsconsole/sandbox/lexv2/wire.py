"""Lex V2 model building on the wire: botocore's service model, routing, validation, errors.

Everything here comes from botocore's ``lexv2-models`` service model (loaded
once, on first use): which operation a method and path are, where each input
member travels (URI label, query string, JSON body), what the service
validates before it looks at any resource (required members, lengths,
patterns, enums, ranges: answered with Lex's ``ValidationException`` wording),
each operation's success status code and each error's HTTP status.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

from opsconsole.sandbox import wire as shared_wire

#: Top-level path segments of the model-building API (Lex V2 runtime paths start with /bot/).
PATH_ROOTS = ("bots", "builtins", "createuploadurl", "exports", "imports", "policy", "tags",
              "testexecutions", "testsetdiscrepancy", "testsetgenerations", "testsets")
#: Lex V2 model building answers with this content type.
CONTENT_TYPE = "application/x-amz-json-1.1"


class LexError(Exception):
    """An error Lex answers with; ``code`` is the error shape's name."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


class NotFound(LexError):
    """A resource that does not exist. Operations that model no ResourceNotFoundException
    (Lex's writes) answer PreconditionFailedException instead."""

    def __init__(self, message: str):
        super().__init__("ResourceNotFoundException", message)


def invalid(message: str) -> LexError:
    return LexError("ValidationException", message)


def conflict(message: str) -> LexError:
    return LexError("ConflictException", message)


@dataclass
class Operation:
    """One operation of the service model, as the router and the validator need it."""

    name: str
    method: str
    uri: str
    status: int
    pattern: re.Pattern[str]
    input_shape: str | None
    output_members: frozenset[str]
    errors: frozenset[str]
    literals: int = 0
    locations: dict[str, tuple[str, str]] = field(default_factory=dict)  # member -> (where, wire name)


class ServiceModel:
    """The parts of botocore's lexv2-models model the sandbox serves from."""

    def __init__(self, model: dict[str, Any]):
        self.shapes: dict[str, Any] = model["shapes"]
        # Lex names members as the model does, and applies a pattern anywhere in the value
        self.checker = shared_wire.Checker(self.shapes, invalid, matches=shared_wire.java_pattern(search=True),
                                           camel_paths=False, ensure_ascii=False, map_values=True)
        self.operations: list[Operation] = []
        for name, spec in model["operations"].items():
            self.operations.append(self._operation(name, spec))
        # most literal path segments first: /bots/{botId}/botversions/ before /bots/{botId}/
        self.operations.sort(key=lambda op: -op.literals)
        self.by_name = {op.name: op for op in self.operations}

    def _operation(self, name: str, spec: dict[str, Any]) -> Operation:
        http = spec["http"]
        uri = http["requestUri"].split("?")[0]
        regex, literals = "", 0
        for part in re.split(r"(\{[^}]+\})", uri):
            if part.startswith("{"):
                label = part[1:-1].rstrip("+")
                # ARNs carry '/', decoded by the time the path reaches us
                regex += f"(?P<{label}>.+)" if "arn" in label.lower() else f"(?P<{label}>[^/]+)"
            elif part:
                regex += re.escape(part)
                literals += part.count("/") + len(part.strip("/"))
        input_shape = spec.get("input", {}).get("shape")
        locations = {}
        if input_shape:
            for member, ref in self.shapes[input_shape].get("members", {}).items():
                where = ref.get("location", "body")
                locations[member] = (where, ref.get("locationName", member))
        output_shape = spec.get("output", {}).get("shape")
        outputs = frozenset(self.shapes[output_shape].get("members", {})) if output_shape else frozenset()
        return Operation(name=name, method=http["method"], uri=uri, status=int(http.get("responseCode", 200)),
                         pattern=re.compile(regex), input_shape=input_shape, output_members=outputs,
                         errors=frozenset(e["shape"] for e in spec.get("errors", [])),
                         literals=literals, locations=locations)

    def match(self, method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
        for op in self.operations:
            if op.method == method:
                found = op.pattern.fullmatch(path)
                if found:
                    return op, found.groupdict()
        return None

    def error_status(self, code: str) -> int:
        return int(self.shapes.get(code, {}).get("error", {}).get("httpStatusCode", 400))

    # -- request parameters ---------------------------------------------------------------
    def parameters(self, op: Operation, labels: dict[str, str], query: str, body: bytes) -> dict[str, Any]:
        """The operation's input as member name -> value, from URI labels, query string and body."""
        members = self.shapes[op.input_shape]["members"] if op.input_shape else {}
        return shared_wire.rest_parameters(self.shapes, members, labels, query,
                                           shared_wire.json_object(body, LexError))

    # -- validation -----------------------------------------------------------------------
    def validate(self, op: Operation, params: dict[str, Any]) -> None:
        """Raise Lex's ValidationException listing every constraint ``params`` breaks."""
        if op.input_shape:
            self.checker.check(op.input_shape, params)


@functools.lru_cache(maxsize=None)
def service_model() -> ServiceModel:
    """botocore's lexv2-models model, loaded once per process (about 50 ms)."""
    return ServiceModel(shared_wire.model_document("lexv2-models"))


# -- pagination -------------------------------------------------------------------------------
def page(items: list[Any], params: dict[str, Any], scope: str, default_size: int = 10) -> tuple[list[Any], str | None]:
    """One page of ``items`` for ``maxResults``/``nextToken``; the token is only valid for ``scope``."""
    size = int(params.get("maxResults") or default_size)
    return shared_wire.page(items, size, params.get("nextToken"), scope,
                            invalid("The nextToken is not valid for this request."))


def filtered(items: list[dict[str, Any]], filters: list[dict[str, Any]] | None, fields: dict[str, str]) -> list[dict[str, Any]]:
    """Apply Lex list filters (``name``, ``values``, ``operator`` CO/EQ/NE) to summaries."""
    for spec in filters or []:
        key = fields.get(spec["name"])
        if key is None:
            raise invalid(f"Filter name {spec['name']} isn't supported for this operation.")
        wanted = spec["values"][0]
        operator = spec["operator"]

        def keep(item: dict[str, Any], key: str = key, wanted: str = wanted, operator: str = operator) -> bool:
            value = str(item.get(key) or "")
            if operator == "CO":
                return wanted.lower() in value.lower()
            if operator == "NE":
                return value != wanted
            return value == wanted
        items = [item for item in items if keep(item)]
    return items


def sorted_by(items: list[dict[str, Any]], sort: dict[str, Any] | None, fields: dict[str, str],
              default: str) -> list[dict[str, Any]]:
    """Order summaries by Lex's ``sortBy`` (``attribute``, ``order``), or by ``default`` ascending."""
    key = fields.get(sort["attribute"], default) if sort else default
    descending = bool(sort) and sort.get("order") == "Descending"
    return sorted(items, key=lambda item: _sort_key(item.get(key)), reverse=descending)


def _sort_key(value: Any) -> Any:
    if isinstance(value, str):
        return (0, value.lower(), value)
    if value is None:
        return (1, "", "")
    return (0, value, "")
