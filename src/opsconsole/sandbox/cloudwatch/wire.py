"""CloudWatch on the wire: botocore's service model, request parsing and validation, answers, errors.

botocore 1.44 lists CloudWatch's protocols as ``smithy-rpc-v2-cbor``, ``json``
and ``query`` and picks the first it ranks highest (its
``PRIORITY_ORDERED_SUPPORTED_PROTOCOLS`` puts ``json`` before CBOR), so boto3
sends the AWS JSON 1.0 protocol: ``POST /`` with
``X-Amz-Target: GraniteServiceVersion20100801.<Operation>``. That is what the
sandbox serves here; the query protocol (older SDKs and CLIs) still reaches
moto for the operations moto has.

CloudWatch is "AWS query compatible": an error's code travels in the
``x-amzn-query-error`` header (``Code;Sender``) and botocore reports that code
(``ResourceNotFound``, ``InvalidParameterValue``, ``ValidationError``...), not
the shape name in ``__type``.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from opsconsole.sandbox import wire as shared_wire
from opsconsole.sandbox.server import ExtensionResponse, json_response

TARGET_PREFIX = "GraniteServiceVersion20100801"
CONTENT_TYPE = "application/x-amz-json-1.0"


class CloudWatchError(Exception):
    """An error CloudWatch answers with; ``shape`` is the model's error shape (or a bare code)."""

    def __init__(self, shape: str, message: str):
        super().__init__(message)
        self.shape, self.message = shape, message


def invalid_value(message: str) -> CloudWatchError:
    return CloudWatchError("InvalidParameterValueException", message)


def validation(message: str) -> CloudWatchError:
    return CloudWatchError("ValidationException", message)


def combination(message: str) -> CloudWatchError:
    return CloudWatchError("InvalidParameterCombinationException", message)


class ServiceModel:
    """The parts of botocore's CloudWatch model the sandbox validates and answers from."""

    def __init__(self, model: dict[str, Any]):
        self.shapes: dict[str, Any] = model["shapes"]
        self.operations: dict[str, Any] = model["operations"]
        self.checker = shared_wire.Checker(self.shapes, validation, timestamps=False)

    def error(self, error: CloudWatchError) -> ExtensionResponse:
        spec = self.shapes.get(error.shape, {}).get("error") or {}
        code = spec.get("code", error.shape)
        status = int(spec.get("httpStatusCode", 400))
        body = {"__type": f"com.amazonaws.cloudwatch#{error.shape}", "message": error.message}
        return ExtensionResponse(status, json.dumps(body).encode(), {
            "Content-Type": CONTENT_TYPE, "x-amzn-query-error": f"{code};Sender"})

    def answer(self, operation: str, result: dict[str, Any]) -> ExtensionResponse:
        """The operation's output members of ``result`` (None dropped), timestamps as epoch seconds."""
        output = self.operations[operation].get("output", {}).get("shape")
        members = self.shapes[output]["members"] if output else {}
        return json_response({k: v for k, v in result.items() if k in members and v is not None},
                             content_type=CONTENT_TYPE)

    # -- requests -------------------------------------------------------------------------
    def parameters(self, operation: str, body: bytes) -> dict[str, Any]:
        """The request's members, validated against the operation's input shape; timestamps as datetimes."""
        params = shared_wire.json_object(body, CloudWatchError)
        shape = self.operations[operation].get("input", {}).get("shape")
        return self.checker.check(shape, params) if shape else params


@functools.lru_cache(maxsize=None)
def service_model() -> ServiceModel:
    """botocore's CloudWatch model, loaded once per process."""
    return ServiceModel(shared_wire.model_document("cloudwatch"))


# -- paging -----------------------------------------------------------------------------------
def page(items: list[Any], size: int, token: str | None, scope: str) -> tuple[list[Any], str | None]:
    """One page of ``items``; a NextToken is only valid for the request (``scope``) that made it."""
    return shared_wire.page(items, size, token, scope,
                            CloudWatchError("InvalidNextToken", "The service returned an invalid next token."))


def scope_of(params: dict[str, Any], *ignored: str) -> str:
    """A stable fingerprint of a request's filters (paging members left out)."""
    return shared_wire.fingerprint(params, ("NextToken", "MaxRecords", "MaxResults", *ignored))
