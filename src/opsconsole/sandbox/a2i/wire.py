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
from typing import Any

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


#: botocore's patterns are Java regexes; \p{L}-style classes have no Python spelling (a pattern
#: Python still cannot read lets every value through)
JAVA_PATTERN = shared_wire.java_pattern(((r"\p{L}", "a-zA-Z\u00c0-\uffff"), (r"\p{Z}", " "), (r"\p{N}", "0-9")),
                                        lenient=True)


class Model:
    """The parts of one botocore service model the sandbox validates and answers from."""

    def __init__(self, service: str):
        document = shared_wire.model_document(service)
        self.service = service
        self.shapes: dict[str, Any] = document["shapes"]
        self.operations: dict[str, Any] = document["operations"]
        self.checker = shared_wire.Checker(self.shapes, validation, matches=JAVA_PATTERN, shown_limit=200,
                                           timestamps=True)

    # -- requests -------------------------------------------------------------------------
    def input_members(self, operation: str) -> dict[str, Any]:
        shape = self.operations[operation].get("input", {}).get("shape")
        return self.shapes[shape]["members"] if shape else {}

    def rest_parameters(self, operation: str, labels: dict[str, str], query: str, body: bytes) -> dict[str, Any]:
        """A REST-JSON request's input members from the URI labels, the query string and the body."""
        return shared_wire.rest_parameters(self.shapes, self.input_members(operation), labels, query,
                                           shared_wire.json_object(body, ServiceError))

    def json_parameters(self, body: bytes) -> dict[str, Any]:
        return shared_wire.json_object(body, ServiceError)

    def validate(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        """``params`` with timestamps as datetimes; raises ValidationException listing every problem."""
        shape = self.operations[operation].get("input", {}).get("shape")
        return self.checker.check(shape, params) if shape else params

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
    return shared_wire.page(items, size, token, scope, validation("The NextToken is not valid for this request."))


# -- helpers -----------------------------------------------------------------------------------
def _iso(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _epoch(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.timestamp()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
