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

import datetime as dt
import functools
import hashlib
import json
import re
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
        try:
            params = json.loads(body) if body.strip() else {}
        except ValueError:
            raise CloudWatchError("SerializationException", "The request body is not valid JSON") from None
        if not isinstance(params, dict):
            raise CloudWatchError("SerializationException", "The request body must be a JSON object")
        shape = self.operations[operation].get("input", {}).get("shape")
        if shape:
            problems: list[str] = []
            params = self._check(shape, params, "", problems)
            if problems:
                count = len(problems)
                raise validation(f"{count} validation error{'s' if count > 1 else ''} detected: "
                                 + "; ".join(problems))
        return params

    def _check(self, shape_name: str, value: Any, path: str, problems: list[str]) -> Any:
        """Validate ``value``; returns it with timestamps converted. Paths are lowerCamel like AWS's."""
        shape = self.shapes[shape_name]
        kind = shape["type"]
        shown = "null" if value is None else f"'{value}'" if isinstance(value, str) else f"'{json.dumps(value)}'"
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
            if "pattern" in shape and not re.fullmatch(shape["pattern"], value):
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
            problems.append(fail + "be a timestamp")
            return value
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)
    problems.append(fail + "be a timestamp")
    return value


@functools.lru_cache(maxsize=None)
def service_model() -> ServiceModel:
    """botocore's CloudWatch model, loaded once per process."""
    return ServiceModel(shared_wire.model_document("cloudwatch"))


# -- paging -----------------------------------------------------------------------------------
def page(items: list[Any], size: int, token: str | None, scope: str) -> tuple[list[Any], str | None]:
    """One page of ``items``; a NextToken is only valid for the request (``scope``) that made it."""
    start = 0
    if token:
        found = shared_wire.token_start(token, scope)
        if found is None:
            raise CloudWatchError("InvalidNextToken", "The service returned an invalid next token.")
        start = found
    following = shared_wire.page_token(scope, start + size) if start + size < len(items) else None
    return items[start:start + size], following


def scope_of(params: dict[str, Any], *ignored: str) -> str:
    """A stable fingerprint of a request's filters (paging members left out)."""
    kept = {k: v for k, v in params.items() if k not in ("NextToken", "MaxRecords", "MaxResults", *ignored)}
    return hashlib.sha256(json.dumps(kept, sort_keys=True, default=str).encode()).hexdigest()[:16]
