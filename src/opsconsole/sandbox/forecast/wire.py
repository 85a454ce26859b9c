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
import json
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
UNCHECKED_PATTERNS = frozenset({("Filter", "Value")})
#: Java's \p{L}, \p{Z}, \p{N} (tag patterns, always inside [...]) have no `re` spelling; AWS checks the
#: whole value against the pattern (Java's String.matches)
JAVA_PATTERN = shared_wire.java_pattern(((r"\p{L}", r"\w"), (r"\p{Z}", r"\s"), (r"\p{N}", r"\d")))


class ServiceModel:
    """The parts of a botocore model (forecast or forecastquery) the sandbox serves from."""

    def __init__(self, model: dict[str, Any]):
        self.shapes: dict[str, Any] = model["shapes"]
        self.operations: dict[str, Any] = model["operations"]
        self.checker = shared_wire.Checker(self.shapes, invalid, matches=JAVA_PATTERN, map_values=True, map_keys=True,
                                           unchecked_patterns=UNCHECKED_PATTERNS)

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
        params = shared_wire.json_object(body, ForecastError)
        shape = self.operations[operation].get("input", {}).get("shape")
        if shape:
            self.checker.check(shape, params)
        return params


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
    return shared_wire.page(items, size, params.get("NextToken"), scope,
                            ForecastError("InvalidNextTokenException", "The token is not valid."))


def scope_of(params: dict[str, Any]) -> str:
    return shared_wire.fingerprint(params, ("NextToken", "MaxResults"))
