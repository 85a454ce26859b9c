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
import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

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
        try:
            document = json.loads(body) if body.strip() else {}
        except ValueError:
            raise LexError("SerializationException", "The request body is not valid JSON") from None
        if not isinstance(document, dict):
            raise LexError("SerializationException", "The request body must be a JSON object")
        queries = parse_qs(query, keep_blank_values=True)
        params: dict[str, Any] = {}
        members = self.shapes[op.input_shape]["members"] if op.input_shape else {}
        for member, (where, wire) in op.locations.items():
            shape = self.shapes[members[member]["shape"]]
            if where == "uri" and wire in labels:
                params[member] = labels[wire]
            elif where == "querystring" and wire in queries:
                values = queries[wire]
                params[member] = values if shape["type"] == "list" else _scalar(shape["type"], values[0])
            elif where == "body" and member in document:
                params[member] = document[member]
        return params

    # -- validation -----------------------------------------------------------------------
    def validate(self, op: Operation, params: dict[str, Any]) -> None:
        """Raise Lex's ValidationException listing every constraint ``params`` breaks."""
        if not op.input_shape:
            return
        problems: list[str] = []
        self._check(op.input_shape, params, "", problems)
        if problems:
            count = len(problems)
            head = f"{count} validation error{'s' if count > 1 else ''} detected: "
            raise invalid(head + "; ".join(problems))

    def _check(self, shape_name: str, value: Any, path: str, problems: list[str]) -> None:
        shape = self.shapes[shape_name]
        kind = shape["type"]
        shown = _shown(value)
        if kind == "structure":
            if not isinstance(value, dict):
                problems.append(f"Value {shown} at '{path}' failed to satisfy constraint: Member must be a structure")
                return
            for member in shape.get("required", []):
                if value.get(member) is None:
                    where = f"{path}.{member}" if path else member
                    problems.append(f"Value null at '{where}' failed to satisfy constraint: Member must not be null")
            for member, ref in shape.get("members", {}).items():
                if value.get(member) is not None:
                    self._check(ref["shape"], value[member], f"{path}.{member}" if path else member, problems)
            return
        fail = f"Value {shown} at '{path}' failed to satisfy constraint: Member must "
        if kind == "list":
            if not isinstance(value, list):
                problems.append(fail + "be a list")
                return
            _length(shape, len(value), fail, problems)
            for index, item in enumerate(value):
                self._check(shape["member"]["shape"], item, f"{path}.{index + 1}.member", problems)
        elif kind == "map":
            if not isinstance(value, dict):
                problems.append(fail + "be a map")
                return
            _length(shape, len(value), fail, problems)
            for key, item in value.items():
                self._check(shape["value"]["shape"], item, f"{path}.{key}", problems)
        elif kind == "string":
            if not isinstance(value, str):
                problems.append(fail + "be a string")
                return
            _length(shape, len(value), fail, problems)
            if "enum" in shape and value not in shape["enum"]:
                problems.append(fail + f"satisfy enum value set: [{', '.join(shape['enum'])}]")
            if "pattern" in shape and not re.search(shape["pattern"], value):
                problems.append(fail + f"satisfy regular expression pattern: {shape['pattern']}")
        elif kind in ("integer", "long", "double", "float"):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                problems.append(fail + "be a number")
                return
            if "min" in shape and value < shape["min"]:
                problems.append(fail + f"have value greater than or equal to {shape['min']}")
            if "max" in shape and value > shape["max"]:
                problems.append(fail + f"have value less than or equal to {shape['max']}")
        elif kind == "boolean" and not isinstance(value, bool):
            problems.append(fail + "be a boolean")


def _length(shape: dict[str, Any], size: int, fail: str, problems: list[str]) -> None:
    if "min" in shape and size < shape["min"]:
        problems.append(fail + f"have length greater than or equal to {shape['min']}")
    if "max" in shape and size > shape["max"]:
        problems.append(fail + f"have length less than or equal to {shape['max']}")


def _shown(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, str):
        return f"'{value}'"
    return f"'{json.dumps(value, ensure_ascii=False)}'"


def _scalar(kind: str, raw: str) -> Any:
    if kind == "boolean":
        return raw.lower() == "true"
    if kind in ("integer", "long"):
        try:
            return int(raw)
        except ValueError:
            return raw
    return raw


@functools.lru_cache(maxsize=None)
def service_model() -> ServiceModel:
    """botocore's lexv2-models model, loaded once per process (about 50 ms)."""
    return ServiceModel(shared_wire.model_document("lexv2-models"))


# -- pagination -------------------------------------------------------------------------------
def page(items: list[Any], params: dict[str, Any], scope: str, default_size: int = 10) -> tuple[list[Any], str | None]:
    """One page of ``items`` for ``maxResults``/``nextToken``; the token is only valid for ``scope``."""
    size = int(params.get("maxResults") or default_size)
    start = 0
    token = params.get("nextToken")
    if token:
        found = shared_wire.token_start(token, scope)
        if found is None:
            raise invalid("The nextToken is not valid for this request.")
        start = found
    following = shared_wire.page_token(scope, start + size) if start + size < len(items) else None
    return items[start:start + size], following


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
