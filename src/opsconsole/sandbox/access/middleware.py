"""WSGI middleware: requests signed with a sandbox identity's key are checked against its policies.

Requests signed with any other key (the admin keys, the interpreter's own
calls) go straight through: the only cost for them is reading the access key
id out of the ``Authorization`` header. For an identity's request the
middleware works out the action and resources (:mod:`.requests`), reads the
resources' tags through ``tags_of`` (the admin's view of the account), asks
:func:`.policy.evaluate` and either passes the request on or answers with the
service's own access-denied error, in AWS's wire shape and wording.

It also answers, for these identities, what moto cannot answer for them:
``sts:GetCallerIdentity`` (no permission needed, as in AWS) and
``iam:SimulatePrincipalPolicy`` (for any caller allowed to call it, the admin
included) evaluated with the same policies.
"""

from __future__ import annotations

import io
import json
import logging
import re
import uuid
from collections.abc import Callable, Iterable
from typing import Any
from xml.sax.saxutils import escape

from opsconsole.sandbox.access.identities import ACCOUNT_ID, BY_ACCESS_KEY, IDENTITIES, SandboxIdentity
from opsconsole.sandbox.access.policy import Decision, evaluate, missing_context
from opsconsole.sandbox.access.requests import AskedFor, analyse

log = logging.getLogger(__name__)

_SCOPE = re.compile(r"Credential=(?P<key>[^/]+)/\d{8}/(?P<region>[^/]+)/(?P<service>[^/]+)/")
#: signing service -> (HTTP status, error code, wire form), from botocore's service models and AWS's docs
_DENIED = {
    "sqs": (403, "AccessDenied", "json-query-compatible"),
    "sns": (403, "AuthorizationError", "query"),
    "sts": (403, "AccessDenied", "query"),
    "iam": (403, "AccessDenied", "query"),
    "s3": (403, "AccessDenied", "s3"),
    "lex": (403, "AccessDeniedException", "rest-json"),
    "sagemaker": (403, "AccessDeniedException", "rest-json"),
    "monitoring": (400, "AccessDenied", "cbor"),
}
_JSON_DENIED = (400, "AccessDeniedException", "json")

TagReader = Callable[[str, str], dict[str, str]]


class AccessMiddleware:
    """Enforce the sandbox identities' IAM policies in front of ``app``."""

    def __init__(self, app: Callable[..., Iterable[bytes]], tags_of: TagReader) -> None:
        self.app = app
        self.tags_of = tags_of

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        scope = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
        if scope is None:
            return self.app(environ, start_response)
        identity = BY_ACCESS_KEY.get(scope.group("key"))
        service = scope.group("service")
        if identity is None and service != "iam":
            return self.app(environ, start_response)  # the admin: unchecked, as before
        body = _body(environ)
        asked = analyse(environ.get("REQUEST_METHOD", "GET").upper(), environ.get("PATH_INFO", ""),
                        environ.get("QUERY_STRING", ""), environ, body, service, scope.group("region"), ACCOUNT_ID)
        if service == "iam" and asked.operation == "SimulatePrincipalPolicy":
            if identity is not None:
                refusal = self._refusal(identity, asked, service)
                if refusal is not None:
                    return _answer(start_response, *refusal)
            return _answer(start_response, 200, *_simulate(asked.form))
        if identity is None:
            return self.app(environ, start_response)
        if service == "sts" and asked.operation == "GetCallerIdentity":
            return _answer(start_response, 200, *_caller_identity(identity))
        refusal = self._refusal(identity, asked, service)
        if refusal is not None:
            return _answer(start_response, *refusal)
        return self.app(environ, start_response)

    def _refusal(self, identity: SandboxIdentity, asked: AskedFor,
                 service: str) -> tuple[int, dict[str, str], bytes] | None:
        variables = principal_variables(identity)
        for resource, tagged in asked.resources or [("*", "")]:
            context = dict(asked.context)
            if tagged:
                for key, value in self._tags(asked.service, tagged).items():
                    context[f"aws:ResourceTag/{key}"] = value
            decision = evaluate(identity.policies, asked.action, resource, context, variables)
            if not decision.allowed:
                log.info("sandbox: %s refused %s on %s", identity.name, asked.action, resource)
                return denied(service, decision.message(identity.arn, asked.action, resource))
        return None

    def _tags(self, service: str, key: str) -> dict[str, str]:
        try:
            return self.tags_of(service, key)
        except Exception:  # noqa: BLE001 - an unknown resource has no tags: IAM denies what needs one
            log.debug("sandbox: no tags for %s", key, exc_info=True)
            return {}


def principal_variables(identity: SandboxIdentity) -> dict[str, str]:
    """The policy variables of a principal (``${aws:PrincipalTag/tenant}``, ``${aws:username}``)."""
    variables = {f"aws:PrincipalTag/{k}": v for k, v in identity.tags.items()}
    variables["aws:username"] = identity.name
    return variables


def _body(environ: dict[str, Any]) -> bytes:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def _answer(start_response: Callable[..., Any], status: int, headers: dict[str, str], body: bytes) -> list[bytes]:
    reason = {200: "OK", 400: "Bad Request", 403: "Forbidden"}.get(status, "Error")
    start_response(f"{status} {reason}", list({**headers, "Content-Length": str(len(body))}.items()))
    return [body]


def denied(service: str, message: str) -> tuple[int, dict[str, str], bytes]:
    """The access-denied answer of ``service`` (its signing name), in its own protocol."""
    status, code, form = _DENIED.get(service, _JSON_DENIED)
    request_id = str(uuid.uuid4())
    if form in ("query", "s3"):
        if form == "s3":
            xml = (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code>"
                   f"<Message>{escape(message)}</Message><RequestId>{request_id}</RequestId></Error>")
        else:
            xml = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>"
                   f"<Message>{escape(message)}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>")
        return status, {"Content-Type": "text/xml", "x-amzn-RequestId": request_id}, xml.encode()
    if form == "cbor":
        return status, {"Content-Type": "application/cbor", "smithy-protocol": "rpc-v2-cbor",
                        "x-amzn-RequestId": request_id}, _cbor_map({"__type": code, "message": message})
    headers = {"x-amzn-RequestId": request_id}
    if form == "json-query-compatible":
        # SQS speaks JSON but keeps its query-protocol error code in this header (botocore reads it)
        headers.update({"Content-Type": "application/x-amz-json-1.0", "x-amzn-query-error": f"{code};Sender"})
        payload = {"__type": "com.amazon.coral.service#AccessDeniedException", "message": message}
    else:
        headers.update({"Content-Type": "application/json" if form == "rest-json" else "application/x-amz-json-1.0",
                        "X-Amzn-ErrorType": code})
        payload = {"__type": code, "message": message}
    return status, headers, json.dumps(payload).encode()


def _cbor_text(text: str) -> bytes:
    raw = text.encode()
    n = len(raw)
    if n < 24:
        head = bytes([0x60 + n])
    elif n < 256:
        head = bytes([0x78, n])
    else:
        head = bytes([0x79]) + n.to_bytes(2, "big")
    return head + raw


def _cbor_map(values: dict[str, str]) -> bytes:
    out = bytes([0xA0 + len(values)])
    for key, value in values.items():
        out += _cbor_text(key) + _cbor_text(value)
    return out


def _caller_identity(identity: SandboxIdentity) -> tuple[dict[str, str], bytes]:
    xml = ("<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
           f"<GetCallerIdentityResult><Arn>{identity.arn}</Arn><UserId>{identity.user_id}</UserId>"
           f"<Account>{ACCOUNT_ID}</Account></GetCallerIdentityResult>"
           f"<ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata></GetCallerIdentityResponse>")
    return {"Content-Type": "text/xml"}, xml.encode()


def _members(form: dict[str, str], name: str) -> list[str]:
    found = []
    n = 1
    while f"{name}.member.{n}" in form:
        found.append(form[f"{name}.member.{n}"])
        n += 1
    return found


def _simulate(form: dict[str, str]) -> tuple[dict[str, str], bytes]:
    """iam:SimulatePrincipalPolicy for a sandbox identity; any other principal is the admin, allowed everything."""
    source = form.get("PolicySourceArn", "")
    identity = next((i for i in IDENTITIES.values() if i.arn == source), None)
    context: dict[str, str] = {}
    n = 1
    while f"ContextEntries.member.{n}.ContextKeyName" in form:
        values = _members(form, f"ContextEntries.member.{n}.ContextKeyValues")
        if values:
            context[form[f"ContextEntries.member.{n}.ContextKeyName"]] = values[0]
        n += 1
    results = []
    for action in _members(form, "ActionNames"):
        for resource in _members(form, "ResourceArns") or ["*"]:
            variables = principal_variables(identity) if identity is not None else {}
            decision = (evaluate(identity.policies, action, resource, context, variables)
                        if identity is not None else Decision(True))  # any other principal is the admin
            verdict = "allowed" if decision.allowed else "explicitDeny" if decision.explicit_deny else "implicitDeny"
            missing = (missing_context(identity.policies, action, resource, context, variables)
                       if identity is not None and not decision.allowed else [])
            missing_xml = "".join(f"<member>{escape(key)}</member>" for key in missing)
            results.append(f"<member><EvalActionName>{escape(action)}</EvalActionName>"
                           f"<EvalResourceName>{escape(resource)}</EvalResourceName>"
                           f"<EvalDecision>{verdict}</EvalDecision><MatchedStatements/>"
                           f"<MissingContextValues>{missing_xml}</MissingContextValues>"
                           "</member>")
    xml = ("<SimulatePrincipalPolicyResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">"
           "<SimulatePrincipalPolicyResult><IsTruncated>false</IsTruncated>"
           f"<EvaluationResults>{''.join(results)}</EvaluationResults></SimulatePrincipalPolicyResult>"
           f"<ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata>"
           "</SimulatePrincipalPolicyResponse>")
    return {"Content-Type": "text/xml"}, xml.encode()
