"""Amazon Forecast on the wire: botocore's models, request validation, answers, errors, paging.

Forecast (``forecast``) and its query endpoint (``forecastquery``) speak AWS
JSON 1.1 (``X-Amz-Target: AmazonForecast.<Op>`` / ``AmazonForecastRuntime.<Op>``).
Requests are checked against the operation's input shape (required members,
types, lengths, patterns, enums, ranges) before any resource is looked at;
answers are cut to the output shape. Forecast's model has no
``ValidationException``: a request that breaks the model is answered with
``InvalidInputException`` (its message follows the usual "N validation
errors detected" wording).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re
from typing import Any

from opsconsole.sandbox import wire as shared_wire
from opsconsole.sandbox.server import ExtensionResponse

CONTENT_TYPE = "application/x-amz-json-1.1"


class ForecastError(Exception):
    """An error Forecast answers with; ``code`` is the model's error shape."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def invalid(message: str) -> ForecastError:
    return ForecastError("InvalidInputException", message)


def not_found(message: str) -> ForecastError:
    return ForecastError("ResourceNotFoundException", message)


def in_use(message: str) -> ForecastError:
    return ForecastError("ResourceInUseException", message)


def exists(message: str) -> ForecastError:
    return ForecastError("ResourceAlreadyExistsException", message)


#: (structure, member) whose pattern the service does not apply: a list Filter's Value is modelled
#: as an ARN, yet the API reference's own examples filter on {"Key": "Status", "Value": "ACTIVE"}
UNCHECKED_PATTERNS = {("Filter", "Value")}


class ServiceModel:
    """The parts of a botocore model (forecast or forecastquery) the sandbox serves from."""

    def __init__(self, model: dict[str, Any]):
        self.shapes: dict[str, Any] = model["shapes"]
        self.operations: dict[str, Any] = model["operations"]

    def error(self, error: ForecastError) -> ExtensionResponse:
        body = {"__type": error.code, "Message": error.message}
        return ExtensionResponse(400, json.dumps(body).encode(),
                                 {"Content-Type": CONTENT_TYPE, "X-Amzn-ErrorType": error.code})

    def answer(self, operation: str, result: dict[str, Any]) -> ExtensionResponse:
        """``result`` cut to the operation's output shape (recursively), None dropped, times as epoch seconds."""
        output = self.operations[operation].get("output", {}).get("shape")
        body = self._cut(output, result) if output else {}
        return ExtensionResponse(200, json.dumps(body).encode(), {"Content-Type": CONTENT_TYPE})

    def _cut(self, shape_name: str, value: Any) -> Any:
        shape = self.shapes[shape_name]
        kind = shape["type"]
        if kind == "structure":
            members = shape.get("members", {})
            return {k: self._cut(members[k]["shape"], v) for k, v in value.items() if k in members and v is not None}
        if kind == "list":
            return [self._cut(shape["member"]["shape"], item) for item in value]
        if kind == "map":
            return {k: self._cut(shape["value"]["shape"], v) for k, v in value.items()}
        if kind == "timestamp" and isinstance(value, dt.datetime):
            return value.timestamp()
        return value

    # -- requests -------------------------------------------------------------------------
    def parameters(self, operation: str, body: bytes) -> dict[str, Any]:
        """The request's members, validated against the operation's input shape."""
        try:
            params = json.loads(body) if body.strip() else {}
        except ValueError:
            raise ForecastError("SerializationException", "The request body is not valid JSON") from None
        if not isinstance(params, dict):
            raise ForecastError("SerializationException", "The request body must be a JSON object")
        shape = self.operations[operation].get("input", {}).get("shape")
        if shape:
            problems: list[str] = []
            self._check(shape, params, "", problems)
            if problems:
                count = len(problems)
                raise invalid(f"{count} validation error{'s' if count > 1 else ''} detected: " + "; ".join(problems))
        return params

    def _check(self, shape_name: str, value: Any, path: str, problems: list[str], pattern: bool = True) -> None:
        shape = self.shapes[shape_name]
        kind = shape["type"]
        shown = "null" if value is None else f"'{value}'" if isinstance(value, str) else f"'{json.dumps(value)}'"
        fail = f"Value {shown} at '{path}' failed to satisfy constraint: Member must "
        if kind == "structure":
            if not isinstance(value, dict):
                problems.append(fail + "be a structure")
                return
            for member in shape.get("required", []):
                if value.get(member) is None:
                    problems.append(f"Value null at '{_join(path, member)}' failed to satisfy constraint: "
                                    "Member must not be null")
            for member, ref in shape.get("members", {}).items():
                if value.get(member) is not None:
                    self._check(ref["shape"], value[member], _join(path, member), problems,
                                (shape_name, member) not in UNCHECKED_PATTERNS)
        elif kind == "list":
            if not isinstance(value, list):
                problems.append(fail + "be a list")
                return
            _length(shape, len(value), fail, problems)
            for i, item in enumerate(value):
                self._check(shape["member"]["shape"], item, f"{path}.{i + 1}.member", problems)
        elif kind == "map":
            if not isinstance(value, dict):
                problems.append(fail + "be a map")
                return
            _length(shape, len(value), fail, problems)
            for key, item in value.items():
                self._check(shape["key"]["shape"], key, f"{path}.key", problems)
                self._check(shape["value"]["shape"], item, f"{path}.{key}", problems)
        elif kind == "string":
            if not isinstance(value, str):
                problems.append(fail + "be a string")
                return
            _length(shape, len(value), fail, problems)
            if "enum" in shape and value not in shape["enum"]:
                problems.append(fail + f"satisfy enum value set: [{', '.join(shape['enum'])}]")
            if pattern and "pattern" in shape and not _matches(shape["pattern"], value):
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


def _join(path: str, member: str) -> str:
    name = member[:1].lower() + member[1:]
    return f"{path}.{name}" if path else name


def _length(shape: dict[str, Any], size: int, fail: str, problems: list[str]) -> None:
    if "min" in shape and size < shape["min"]:
        problems.append(fail + f"have length greater than or equal to {shape['min']}")
    if "max" in shape and size > shape["max"]:
        problems.append(fail + f"have length less than or equal to {shape['max']}")


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    # Java's \p{L}, \p{Z}, \p{N} (tag patterns, always inside [...]) have no `re` spelling
    return re.compile(pattern.replace(r"\p{L}", r"\w").replace(r"\p{Z}", r"\s").replace(r"\p{N}", r"\d"))


def _matches(pattern: str, value: str) -> bool:
    """AWS checks the whole value against the pattern (Java's String.matches)."""
    return _compiled(pattern).fullmatch(value) is not None


@functools.cache
def forecast_model() -> ServiceModel:
    """botocore's forecast model, loaded once per process."""
    return ServiceModel(shared_wire.model_document("forecast"))


@functools.cache
def query_model() -> ServiceModel:
    """botocore's forecastquery model, loaded once per process."""
    return ServiceModel(shared_wire.model_document("forecastquery"))


# -- paging -----------------------------------------------------------------------------------
def page(items: list[Any], params: dict[str, Any], operation: str,
         default_size: int = 100) -> tuple[list[Any], str | None]:
    """One page of ``items`` for MaxResults/NextToken; a token is valid only for the request that made it."""
    scope = operation + ":" + scope_of(params)
    size = int(params.get("MaxResults") or default_size)
    start = 0
    token = params.get("NextToken")
    if token:
        found = shared_wire.token_start(token, scope)
        if found is None:
            raise ForecastError("InvalidNextTokenException", "The token is not valid.")
        start = found
    following = shared_wire.page_token(scope, start + size) if start + size < len(items) else None
    return items[start:start + size], following


def scope_of(params: dict[str, Any]) -> str:
    kept = {k: v for k, v in params.items() if k not in ("NextToken", "MaxResults")}
    return hashlib.sha256(json.dumps(kept, sort_keys=True, default=str).encode()).hexdigest()[:16]
