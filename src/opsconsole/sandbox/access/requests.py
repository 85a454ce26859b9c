"""What a signed request asks for, in IAM's terms: the action and the resources it acts on.

The action is ``<service prefix>:<Operation>``: from ``X-Amz-Target`` (JSON
protocols), the ``Action`` form field (query protocols), the operation path of
RPC v2 CBOR (CloudWatch), the operation whose request URI the path matches in
botocore's service model (REST protocols) or S3's own verbs. The resources are
the ARNs named in the request, in the form IAM's resource types use, each with
the tags IAM would read (``aws:ResourceTag/...``); calls that name none act on
``*``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs, unquote

#: signing name -> IAM service prefix, where they differ
_PREFIX = {"monitoring": "cloudwatch"}
#: signing name -> botocore services served over REST under it (tried in order)
_REST_MODELS = {"lex": ("lexv2-models", "lexv2-runtime"), "sagemaker": ("sagemaker-a2i-runtime",)}
_CBOR_OPERATION = re.compile(r"/service/[^/]+/operation/(?P<op>\w+)")


@dataclass
class AskedFor:
    """One request in IAM's terms."""

    service: str
    operation: str
    #: (resource ARN, the ARN whose tags apply) for each resource the call acts on
    resources: list[tuple[str, str]] = field(default_factory=list)
    #: request context keys besides the resource's tags (``s3:prefix``)
    context: dict[str, str] = field(default_factory=dict)
    form: dict[str, str] = field(default_factory=dict)

    @property
    def action(self) -> str:
        return f"{self.service}:{self.operation}"


def analyse(method: str, path: str, query: str, headers: Mapping[str, str], body: bytes,
            signing: str, region: str, account: str) -> AskedFor:
    """The action and resources of one request (``signing``: the service of its credential scope)."""
    service = _PREFIX.get(signing, signing)
    target = headers.get("HTTP_X_AMZ_TARGET", "")
    form: dict[str, str] = {}
    payload: Any = {}
    if target:
        operation = target.rsplit(".", 1)[-1]
        try:
            payload = json.loads(body) if body else {}
        except ValueError:
            payload = {}
    elif "x-www-form-urlencoded" in headers.get("CONTENT_TYPE", ""):
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        operation = form.get("Action", "")
    elif (cbor := _CBOR_OPERATION.fullmatch(path)) is not None:
        operation = cbor.group("op")
    elif signing == "s3":
        return _s3(method, path, query)
    else:
        operation, params = _rest_operation(signing, method, path)
        payload = params
    asked = AskedFor(service, operation or "Unknown", form=form)
    finder = _FINDERS.get(service)
    if finder is not None and isinstance(payload, dict):
        asked.resources = finder({**payload, **form}, region, account)
    return asked


def _s3(method: str, path: str, query: str) -> AskedFor:
    parts = unquote(path).lstrip("/").split("/", 1)
    bucket, key = parts[0], (parts[1] if len(parts) > 1 else "")
    params = {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}
    if not key:
        if method in ("GET", "HEAD") and bucket:
            asked = AskedFor("s3", "ListBucket", [(f"arn:aws:s3:::{bucket}", "")])
            asked.context["s3:prefix"] = params.get("prefix", "")
            return asked
        return AskedFor("s3", {"GET": "ListAllMyBuckets", "PUT": "CreateBucket",
                               "DELETE": "DeleteBucket"}.get(method, method.title()),
                        [(f"arn:aws:s3:::{bucket}" if bucket else "*", "")])
    operation = {"GET": "GetObject", "HEAD": "GetObject", "PUT": "PutObject", "POST": "PutObject",
                 "DELETE": "DeleteObject"}.get(method, method.title())
    return AskedFor("s3", operation, [(f"arn:aws:s3:::{bucket}/{key}", "")])


@lru_cache(maxsize=4)
def _routes(signing: str) -> list[tuple[str, re.Pattern[str], str]]:
    import botocore.session

    loader = botocore.session.get_session()
    routes = []
    for name in _REST_MODELS.get(signing, ()):
        model = loader.get_service_model(name)
        for op_name in model.operation_names:
            http = model.operation_model(op_name).http
            uri = http["requestUri"].split("?", 1)[0]
            regex = re.sub(r"\\\{(\w+)(?:\\\+)?\\\}", lambda m: f"(?P<{m.group(1)}>[^/]+)", re.escape(uri))
            routes.append((http["method"], re.compile(regex.rstrip("/") + "/?"), op_name))
    # the most specific path first: literal segments beat parameters
    routes.sort(key=lambda r: -len(re.sub(r"\(\?P<\w+>\[\^/\]\+\)", "", r[1].pattern)))
    return routes


def _rest_operation(signing: str, method: str, path: str) -> tuple[str, dict[str, str]]:
    for http_method, pattern, name in _routes(signing):
        found = pattern.fullmatch(path) if http_method == method else None
        if found:
            return name, {k: unquote(v) for k, v in found.groupdict().items()}
    return "", {}


def _states(payload: Mapping[str, Any], region: str, account: str) -> list[tuple[str, str]]:
    found = []
    for key in ("stateMachineArn", "executionArn", "mapRunArn", "resourceArn"):
        arn = payload.get(key)
        if isinstance(arn, str) and arn:
            found.append((arn, _state_machine_of(arn)))
    return found


def _state_machine_of(arn: str) -> str:
    """The state machine whose tags an execution or Map Run ARN answers to."""
    parts = arn.split(":")
    if len(parts) >= 7 and parts[5] in ("execution", "express", "mapRun"):
        machine = parts[6].split("/", 1)[0]
        return ":".join(parts[:5] + ["stateMachine", machine])
    return arn.split("#", 1)[0]


def _dynamodb(payload: Mapping[str, Any], region: str, account: str) -> list[tuple[str, str]]:
    tables = [payload.get("TableName")]
    tables += list(payload.get("RequestItems") or {})
    for item in payload.get("TransactItems") or []:
        for part in (item or {}).values():
            if isinstance(part, dict):
                tables.append(part.get("TableName"))
    found = []
    for table in tables:
        if isinstance(table, str) and table:
            arn = table if table.startswith("arn:") else f"arn:aws:dynamodb:{region}:{account}:table/{table}"
            found.append((arn, arn.split("/index/", 1)[0]))
    arn = payload.get("ResourceArn")
    if isinstance(arn, str) and arn:
        found.append((arn, arn))
    return found


def _sqs(payload: Mapping[str, Any], region: str, account: str) -> list[tuple[str, str]]:
    url = payload.get("QueueUrl")
    if not isinstance(url, str) or not url:
        return []
    name = url.rstrip("/").rsplit("/", 1)[-1]
    return [(f"arn:aws:sqs:{region}:{account}:{name}", url)]


def _sns(payload: Mapping[str, Any], region: str, account: str) -> list[tuple[str, str]]:
    found = []
    for key in ("TopicArn", "TargetArn", "ResourceArn"):
        arn = payload.get(key)
        if isinstance(arn, str) and arn:
            found.append((arn, arn))
    sub = payload.get("SubscriptionArn")
    if isinstance(sub, str) and sub.count(":") >= 6:
        topic = sub.rsplit(":", 1)[0]
        found.append((topic, topic))
    return found


def _lex(payload: Mapping[str, Any], region: str, account: str) -> list[tuple[str, str]]:
    bot = payload.get("botId")
    if isinstance(bot, str) and bot:
        arn = f"arn:aws:lex:{region}:{account}:bot/{bot}"
        return [(arn, arn)]
    arn = payload.get("resourceARN")
    return [(arn, arn)] if isinstance(arn, str) and arn else []


def _forecast(payload: Mapping[str, Any], region: str, account: str) -> list[tuple[str, str]]:
    return [(v, v) for k, v in payload.items() if k.endswith("Arn") and isinstance(v, str) and v.startswith("arn:")]


_FINDERS: dict[str, Callable[[Mapping[str, Any], str, str], list[tuple[str, str]]]] = {
    "states": _states, "dynamodb": _dynamodb, "sqs": _sqs, "sns": _sns, "lex": _lex, "forecast": _forecast,
}
