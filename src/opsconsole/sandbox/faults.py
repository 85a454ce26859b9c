"""Injected faults: the sandbox misbehaving on purpose (``--faults SPEC``), to watch the console cope.

SPEC is a comma-separated list of rules ``KIND[:SERVICE[:RATE[:SECONDS]]]``:

``throttle``
    400 with the service's throttling error (``ThrottlingException``; ``Throttling`` for query APIs).
``5xx``
    503 ``ServiceUnavailable``.
``latency``
    wait SECONDS (default 2) before answering normally.
``reset``
    close the connection without an answer (a TCP reset).
``blackhole``
    accept the request and never answer (until the sandbox stops).

SERVICE is the signing name of the request (``states``, ``dynamodb``, ``sqs``, ``lex``, ``monitoring``,
``sts``...; ``stepfunctions``, ``cloudwatch`` and ``lexv2`` are accepted too) or ``*`` (default) for all;
RATE the share of matching requests that get the fault, 0 to 1 (default 1). The first matching rule that
fires wins. Example: ``throttle:states:0.3,latency:dynamodb:1:1.5,blackhole:sqs:0.05``.

Faults start once the sandbox is ready (seeding is never disturbed). The draw is seeded: the same SPEC and
seed give the same sequence of faults for the same sequence of requests.
"""

from __future__ import annotations

import logging
import random
import re
import socket
import struct
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

KINDS = ("throttle", "5xx", "latency", "reset", "blackhole")
_ALIASES = {"stepfunctions": "states", "sfn": "states", "cloudwatch": "monitoring", "lexv2": "lex",
            "lexv2-models": "lex", "lexv2-runtime": "lex", "*": "*", "all": "*"}
_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/(?P<service>[^/]+)/aws4_request")


class FaultSpecError(ValueError):
    """The SPEC cannot be read; ``str()`` says which rule and why."""


@dataclass(frozen=True)
class Rule:
    kind: str
    service: str = "*"
    rate: float = 1.0
    seconds: float = 2.0

    def matches(self, service: str | None) -> bool:
        return self.service == "*" or self.service == (service or "")


def parse_spec(spec: str) -> list[Rule]:
    """The rules of ``spec``; raises :class:`FaultSpecError` with a sentence naming the bad rule."""
    rules: list[Rule] = []
    for text in (part.strip() for part in spec.split(",")):
        if not text:
            continue
        parts = text.split(":")
        if len(parts) > 4:
            raise FaultSpecError(f"{text!r}: at most KIND:SERVICE:RATE:SECONDS")
        kind = parts[0].lower()
        if kind not in KINDS:
            raise FaultSpecError(f"{text!r}: unknown fault {parts[0]!r} (one of {', '.join(KINDS)})")
        service = parts[1].lower() if len(parts) > 1 and parts[1] else "*"
        service = _ALIASES.get(service, service)
        try:
            rate = float(parts[2]) if len(parts) > 2 and parts[2] else 1.0
            seconds = float(parts[3]) if len(parts) > 3 and parts[3] else 2.0
        except ValueError:
            raise FaultSpecError(f"{text!r}: RATE and SECONDS must be numbers") from None
        if not 0 <= rate <= 1:
            raise FaultSpecError(f"{text!r}: RATE must be between 0 and 1")
        if not 0 <= seconds <= 600:
            raise FaultSpecError(f"{text!r}: SECONDS must be between 0 and 600")
        rules.append(Rule(kind, service, rate, seconds))
    if not rules:
        raise FaultSpecError("no fault given (e.g. throttle:states:0.3)")
    return rules


class FaultMiddleware:
    """WSGI middleware applying :class:`Rule` s to requests once :meth:`activate` is called."""

    def __init__(self, app: Callable[..., Iterable[bytes]], rules: list[Rule], seed: int = 7) -> None:
        self.app = app
        self.rules = rules
        self.active = False
        self.injected: dict[str, int] = {kind: 0 for kind in KINDS}
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._stopping = threading.Event()

    def activate(self) -> None:
        self.active = True
        log.warning("sandbox: injecting faults: %s", ", ".join(
            f"{r.kind} on {r.service} at {r.rate:.0%}" + (f" ({r.seconds:g} s)" if r.kind == "latency" else "")
            for r in self.rules))

    def stop(self) -> None:
        """Release black-holed requests (the sandbox is stopping)."""
        self._stopping.set()

    def _draw(self, service: str | None) -> Rule | None:
        with self._lock:
            for rule in self.rules:
                if rule.matches(service) and self._random.random() < rule.rate:
                    self.injected[rule.kind] += 1
                    return rule
        return None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not self.active:
            return self.app(environ, start_response)
        scope = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
        service = scope.group("service") if scope else None
        rule = self._draw(service)
        if rule is None:
            return self.app(environ, start_response)
        json_api = "json" in environ.get("CONTENT_TYPE", "") or "HTTP_X_AMZ_TARGET" in environ
        if rule.kind == "latency":
            self._stopping.wait(rule.seconds)
            return self.app(environ, start_response)
        if rule.kind == "throttle":
            return _error(start_response, 400, "ThrottlingException" if json_api else "Throttling",
                          "Rate exceeded (injected by --faults)", json_api)
        if rule.kind == "5xx":
            return _error(start_response, 503, "ServiceUnavailable",
                          "Service unavailable (injected by --faults)", json_api)
        if rule.kind == "blackhole":
            self._stopping.wait()
        _reset(environ)
        # The connection is gone: what werkzeug writes now fails quietly as a dropped connection.
        start_response("500 Internal Server Error", [("Content-Length", "0")])
        return []


def _error(start_response: Callable[..., Any], status: int, code: str, message: str, json_api: bool) -> list[bytes]:
    if json_api:
        import json

        body = json.dumps({"__type": code, "message": message}).encode()
        content_type = "application/x-amz-json-1.0"
    else:
        body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message>"
                f"</Error><RequestId>faults</RequestId></ErrorResponse>").encode()
        content_type = "text/xml"
    reason = {400: "Bad Request", 503: "Service Unavailable"}[status]
    start_response(f"{status} {reason}", [("Content-Type", content_type), ("Content-Length", str(len(body))),
                                          ("x-amzn-ErrorType", code)])
    return [body]


def _reset(environ: dict[str, Any]) -> None:
    """Close the request's connection with a TCP reset (SO_LINGER 0)."""
    sock = environ.get("werkzeug.socket")
    if isinstance(sock, socket.socket):
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
