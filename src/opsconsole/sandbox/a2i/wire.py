"""A2I and SageMaker on the wire: botocore's service models, validation, answers, errors.

Two services share the ``sagemaker`` signing name:

* ``sagemaker-a2i-runtime`` is REST-JSON (``POST /human-loops``,
  ``GET /human-loops/{HumanLoopName}``...); an error's code travels in the
  ``X-Amzn-ErrorType`` header, timestamps as ISO 8601 strings (the model's
  ``Timestamp`` shape says ``timestampFormat: iso8601``);
* ``sagemaker`` is AWS JSON 1.1 with ``X-Amz-Target: SageMaker.<Operation>``;
  an error's code is the ``__type`` of the body, timestamps epoch seconds.

Requests are checked against the operation's input shape before any resource
is looked at: required members, lengths, patterns, enums and ranges, answered
with ``ValidationException`` ("N validation errors detected: Value ... at
'member' failed to satisfy constraint: ...", the wording AWS's JSON services use).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from typing import Any
from urllib.parse import parse_qs

from opsconsole.sandbox import wire as shared_wire
from opsconsole.sandbox.server import ExtensionResponse

A2I_CONTENT_TYPE = "application/json"
SAGEMAKER_CONTENT_TYPE = "application/x-amz-json-1.1"
SAGEMAKER_TARGET = "SageMaker"


class ServiceError(Exception):
    """An error the service answers with; ``code`` is the model's error shape name."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def validation(message: str) -> ServiceError:
    return ServiceError("ValidationException", message)


class Model:
    """The parts of one botocore service model the sandbox validates and answers from."""

    def __init__(self, service: str):
        document = shared_wire.model_document(service)
        self.service = service
        self.shapes: dict[str, Any] = document["shapes"]
        self.operations: dict[str, Any] = document["operations"]

    # -- requests -------------------------------------------------------------------------
    def input_members(self, operation: str) -> dict[str, Any]:
        shape = self.operations[operation].get("input", {}).get("shape")
        return self.shapes[shape]["members"] if shape else {}

    def rest_parameters(self, operation: str, labels: dict[str, str], query: str, body: bytes) -> dict[str, Any]:
        """A REST-JSON request's input members from the URI labels, the query string and the body."""
        document = _json_body(body)
        queries = parse_qs(query, keep_blank_values=True)
        params: dict[str, Any] = {}
        for member, ref in self.input_members(operation).items():
            where, wire = ref.get("location", "body"), ref.get("locationName", member)
            kind = self.shapes[ref["shape"]]["type"]
            if where == "uri" and wire in labels:
                params[member] = labels[wire]
            elif where == "querystring" and wire in queries:
                params[member] = _scalar(kind, queries[wire][0])
            elif where == "body" and member in document:
                params[member] = document[member]
        return params

    def json_parameters(self, body: bytes) -> dict[str, Any]:
        return _json_body(body)

    def validate(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        """``params`` with timestamps as datetimes; raises ValidationException listing every problem."""
        shape = self.operations[operation].get("input", {}).get("shape")
        if not shape:
            return params
        problems: list[str] = []
        checked = self._check(shape, params, "", problems)
        if problems:
            count = len(problems)
            raise validation(f"{count} validation error{'s' if count > 1 else ''} detected: " + "; ".join(problems))
        return checked

    def _check(self, shape_name: str, value: Any, path: str, problems: list[str]) -> Any:
        shape = self.shapes[shape_name]
        kind = shape["type"]
        shown = "null" if value is None else f"'{value}'" if isinstance(value, str) else f"'{json.dumps(value)}'"
        if isinstance(value, str) and len(value) > 200:
            shown = f"'{value[:200]}...'"
        fail = f"Value {shown} at '{path}' failed to satisfy constraint: Member must "
        if kind == "structure":
            if not isinstance(value, dict):
                problems.append(fail + "be a structure")
                return value
            for member in shape.get("required", []):
                if value.get(member) is None:
                    problems.append(f"Value null at '{_join(path, member)}' failed to satisfy constraint: "
                                    "Member must not be null")
            checked = dict(value)
            for member, ref in shape.get("members", {}).items():
                if value.get(member) is not None:
                    checked[member] = self._check(ref["shape"], value[member], _join(path, member), problems)
            return checked
        if kind == "list":
            if not isinstance(value, list):
                problems.append(fail + "be a list")
                return value
            _length(shape, len(value), fail, problems)
            return [self._check(shape["member"]["shape"], item, f"{path}.{i + 1}.member", problems)
                    for i, item in enumerate(value)]
        if kind == "map":
            if not isinstance(value, dict):
                problems.append(fail + "be a map")
            return value
        if kind == "string":
            if not isinstance(value, str):
                problems.append(fail + "be a string")
                return value
            _length(shape, len(value), fail, problems)
            if "enum" in shape and value not in shape["enum"]:
                problems.append(fail + f"satisfy enum value set: [{', '.join(shape['enum'])}]")
            if "pattern" in shape and not _matches(shape["pattern"], value):
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
        if kind == "timestamp":
            return _timestamp(value, fail, problems)
        return value

    # -- answers --------------------------------------------------------------------------
    def output(self, operation: str, result: dict[str, Any]) -> dict[str, Any]:
        """``result`` cut to the operation's output shape, recursively; None dropped."""
        shape = self.operations[operation].get("output", {}).get("shape")
        return self._cut(shape, result) if shape else {}

    def _cut(self, shape_name: str, value: Any) -> Any:
        shape = self.shapes[shape_name]
        if shape["type"] == "structure" and isinstance(value, dict):
            members = shape.get("members", {})
            return {k: self._cut(members[k]["shape"], v) for k, v in value.items()
                    if k in members and v is not None}
        if shape["type"] == "list" and isinstance(value, list):
            return [self._cut(shape["member"]["shape"], item) for item in value]
        return value

    def error_status(self, code: str) -> int:
        return int(self.shapes.get(code, {}).get("error", {}).get("httpStatusCode", 400))

    def operation_errors(self, operation: str) -> frozenset[str]:
        return frozenset(e["shape"] for e in self.operations[operation].get("errors", []))


def a2i_error(error: ServiceError) -> ExtensionResponse:
    """A2I's REST-JSON error: the code in ``X-Amzn-ErrorType``, ``{"Message": ...}`` in the body."""
    status = a2i_model().error_status(error.code)
    return ExtensionResponse(status, json.dumps({"Message": error.message}).encode(),
                             {"Content-Type": A2I_CONTENT_TYPE, "X-Amzn-ErrorType": f"{error.code}:"})


def a2i_answer(operation: str, result: dict[str, Any]) -> ExtensionResponse:
    """The operation's output members, timestamps ISO 8601 (A2I's ``Timestamp`` shape)."""
    payload = a2i_model().output(operation, result)
    return ExtensionResponse(200, json.dumps(payload, default=_iso).encode(), {"Content-Type": A2I_CONTENT_TYPE})


def sagemaker_error(error: ServiceError) -> ExtensionResponse:
    """SageMaker's JSON 1.1 error: ``{"__type": code, "Message": ...}`` with status 400."""
    body = {"__type": error.code, "Message": error.message}
    return ExtensionResponse(400, json.dumps(body).encode(), {"Content-Type": SAGEMAKER_CONTENT_TYPE})


def sagemaker_answer(operation: str, result: dict[str, Any]) -> ExtensionResponse:
    """The operation's output members, timestamps as epoch seconds (JSON 1.1)."""
    payload = sagemaker_model().output(operation, result)
    return ExtensionResponse(200, json.dumps(payload, default=_epoch).encode(),
                             {"Content-Type": SAGEMAKER_CONTENT_TYPE})


@functools.lru_cache(maxsize=None)
def a2i_model() -> Model:
    return Model("sagemaker-a2i-runtime")


@functools.lru_cache(maxsize=None)
def sagemaker_model() -> Model:
    """botocore's SageMaker model (large: loaded on the first SageMaker request, not at start)."""
    return Model("sagemaker")


# -- paging ------------------------------------------------------------------------------------
def page(items: list[Any], size: int, token: str | None, scope: Any) -> tuple[list[Any], str | None]:
    """One page of ``items``; a NextToken is only valid for the request (``scope``) that made it."""
    start = 0
    if token:
        found = shared_wire.token_start(token, scope)
        if found is None:
            raise validation("The NextToken is not valid for this request.")
        start = found
    following = shared_wire.page_token(scope, start + size) if start + size < len(items) else None
    return items[start:start + size], following


# -- helpers -----------------------------------------------------------------------------------
def _json_body(body: bytes) -> dict[str, Any]:
    try:
        document = json.loads(body) if body.strip() else {}
    except ValueError:
        raise ServiceError("SerializationException", "The request body is not valid JSON") from None
    if not isinstance(document, dict):
        raise ServiceError("SerializationException", "The request body must be a JSON object")
    return document


def _scalar(kind: str, raw: str) -> Any:
    if kind in ("integer", "long"):
        try:
            return int(raw)
        except ValueError:
            return raw
    return raw


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str] | None:
    # botocore's patterns are Java regexes; \p{L}-style classes have no Python spelling
    translated = (pattern.replace(r"\p{L}", "a-zA-Z\u00c0-\uffff").replace(r"\p{Z}", " ")
                  .replace(r"\p{N}", "0-9"))
    try:
        return re.compile(translated)
    except re.error:
        return None


def _matches(pattern: str, value: str) -> bool:
    compiled = _compiled(pattern)
    return compiled is None or compiled.fullmatch(value) is not None


def _join(path: str, member: str) -> str:
    name = member[:1].lower() + member[1:]
    return f"{path}.{name}" if path else name


def _length(shape: dict[str, Any], size: int, fail: str, problems: list[str]) -> None:
    if "min" in shape and size < shape["min"]:
        problems.append(fail + f"have length greater than or equal to {shape['min']}")
    if "max" in shape and size > shape["max"]:
        problems.append(fail + f"have length less than or equal to {shape['max']}")


def _timestamp(value: Any, fail: str, problems: list[str]) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return dt.datetime.fromtimestamp(value, dt.timezone.utc)
    if isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            try:
                return dt.datetime.fromtimestamp(float(value), dt.timezone.utc)
            except ValueError:
                problems.append(fail + "be a timestamp")
                return value
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)
    problems.append(fail + "be a timestamp")
    return value


def _iso(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _epoch(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.timestamp()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
