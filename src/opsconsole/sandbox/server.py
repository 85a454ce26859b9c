"""The sandbox's HTTP server: moto's WSGI app, in-process, behind our extension layer.

moto services the scenario talks to: stepfunctions (with its ASL interpreter),
sqs, sns, dynamodb, cloudwatch. moto loads a service's backend on its first
request; :func:`import_moto_services` loads these up front. Importing moto's
Step Functions interpreter also pulls in moto's batch, ec2, ecs, events, iam,
logs, s3 and sts modules (its service integrations import them), and the server
needs moto_api, moto_server, core, utilities, backends and backend_index (plus
flask, flask_cors, werkzeug, antlr4). A frozen build must bundle those; nothing
else from moto is needed.

Extension point: AWS APIs that moto lacks (or gets wrong) are served by
handlers registered in an :class:`ExtensionRegistry`, behind the same endpoint
and speaking the real wire protocol, so console code cannot tell them apart
from moto's own operations:

* JSON-protocol operations are keyed by their ``X-Amz-Target`` header, e.g.
  ``registry.json_target("AWSStepFunctions.RedriveExecution")``;
* REST-JSON operations are keyed by HTTP method and a path regex (named groups
  become ``request.path_params``), optionally limited to one signing service,
  e.g. ``registry.rest("PUT", r"/bots/(?P<botId>[^/]+)/...", service="lex")``.

A handler takes an :class:`ExtensionRequest` and returns an
:class:`ExtensionResponse` (see :func:`json_response` and :func:`aws_error`),
or None to let moto serve the request after all (a handler that only checks
or records what moto then does). Requests that match no handler go to moto
unchanged.
"""

from __future__ import annotations

import errno
import io
import json
import logging
import re
import socket
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server

log = logging.getLogger(__name__)

#: moto backends the scenario uses; imported eagerly so that the first
#: concurrent requests do not race on module imports.
MOTO_SERVICES: tuple[str, ...] = ("stepfunctions", "sqs", "sns", "dynamodb", "cloudwatch")

DEFAULT_ACCOUNT_ID = "123456789012"
_CREDENTIAL_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/(?P<region>[^/]+)/(?P<service>[^/]+)/")


@dataclass
class ExtensionRequest:
    """One HTTP request routed to an extension handler."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    region: str
    service: str | None
    account_id: str = DEFAULT_ACCOUNT_ID
    path_params: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        """The body parsed as JSON ({} when empty)."""
        return json.loads(self.body) if self.body else {}


@dataclass
class ExtensionResponse:
    """What a handler answers: status, headers and a body."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[ExtensionRequest], "ExtensionResponse | None"]

_REASONS = {200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 400: "Bad Request",
            402: "Payment Required", 403: "Forbidden", 404: "Not Found", 409: "Conflict",
            412: "Precondition Failed", 429: "Too Many Requests", 500: "Internal Server Error",
            501: "Not Implemented"}


def json_response(payload: Any, status: int = 200,
                  content_type: str = "application/x-amz-json-1.0") -> ExtensionResponse:
    """A JSON body; the default content type is the AWS JSON 1.0 protocol's."""
    return ExtensionResponse(status, json.dumps(payload, default=_json_default).encode(),
                             {"Content-Type": content_type})


def aws_error(code: str, message: str, status: int = 400,
              content_type: str = "application/x-amz-json-1.0") -> ExtensionResponse:
    """An error as botocore parses it for both JSON and REST-JSON services."""
    body = {"__type": code, "message": message}
    return ExtensionResponse(status, json.dumps(body).encode(),
                             {"Content-Type": content_type, "X-Amzn-ErrorType": code})


def _json_default(value: Any) -> Any:
    if hasattr(value, "timestamp"):
        return value.timestamp()  # JSON protocols carry timestamps as epoch seconds
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


@dataclass
class _RestRoute:
    method: str
    pattern: re.Pattern[str]
    service: str | None
    handler: Handler


class ExtensionRegistry:
    """Handlers for AWS operations served by the sandbox instead of moto."""

    def __init__(self) -> None:
        self._targets: dict[str, Handler] = {}
        self._routes: list[_RestRoute] = []
        self._lock = threading.Lock()

    def add_json_target(self, target: str, handler: Handler) -> None:
        """Serve the JSON-protocol operation whose ``X-Amz-Target`` is ``target``."""
        with self._lock:
            self._targets[target] = handler

    def json_target(self, target: str) -> Callable[[Handler], Handler]:
        """Decorator form of :meth:`add_json_target`."""
        def register(handler: Handler) -> Handler:
            self.add_json_target(target, handler)
            return handler
        return register

    def add_rest(self, method: str, path_regex: str, handler: Handler,
                 service: str | None = None) -> None:
        """Serve ``method`` on paths fully matching ``path_regex`` (signing ``service`` if given).

        The newest route wins where two match, as for JSON targets, so a
        specific route can override a whole service's catch-all.
        """
        route = _RestRoute(method.upper(), re.compile(path_regex), service, handler)
        with self._lock:
            self._routes.insert(0, route)

    def rest(self, method: str, path_regex: str,
             service: str | None = None) -> Callable[[Handler], Handler]:
        """Decorator form of :meth:`add_rest`."""
        def register(handler: Handler) -> Handler:
            self.add_rest(method, path_regex, handler, service)
            return handler
        return register

    def remove(self, handler: Handler) -> None:
        """Unregister ``handler`` wherever it is registered."""
        with self._lock:
            self._targets = {k: h for k, h in self._targets.items() if h is not handler}
            self._routes = [r for r in self._routes if r.handler is not handler]

    def match(self, method: str, path: str, target: str | None,
              service: str | None) -> tuple[Handler, dict[str, str]] | None:
        """The handler for a request and its path parameters, or None for moto."""
        with self._lock:
            if target:
                handler = self._targets.get(target)
                return (handler, {}) if handler else None
            for route in self._routes:
                if route.method != method or (route.service and route.service != service):
                    continue
                found = route.pattern.fullmatch(path)
                if found:
                    return route.handler, found.groupdict()
        return None


class ExtensionMiddleware:
    """WSGI middleware: registered handlers first, moto for everything else."""

    def __init__(self, app: Callable[..., Iterable[bytes]], registry: ExtensionRegistry):
        self.app = app
        self.registry = registry

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        scope = _CREDENTIAL_SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
        service = scope.group("service") if scope else None
        method = environ.get("REQUEST_METHOD", "GET").upper()
        path = environ.get("PATH_INFO", "")
        matched = self.registry.match(method, path, environ.get("HTTP_X_AMZ_TARGET"), service)
        if matched is None:
            try:
                return self.app(environ, start_response)
            except NotImplementedError as exc:  # moto lacks the operation: say so like AWS would
                log.warning("sandbox: %s", exc)
                return self._answer(start_response, aws_error("NotImplemented", f"opsconsole sandbox: {exc}", 501))
        handler, params = matched
        request = self._request(environ, method, path, service, scope, params)
        try:
            response = handler(request)
        except Exception:  # a broken handler must answer like AWS does, not kill the thread
            log.exception("sandbox extension handler failed for %s %s", method, path)
            response = aws_error("InternalFailure", "sandbox extension handler failed", 500)
        if response is None:  # the handler checked or recorded the request; moto serves it
            return self.app(environ, start_response)
        return self._answer(start_response, response)

    @staticmethod
    def _answer(start_response: Callable[..., Any], response: ExtensionResponse) -> list[bytes]:
        headers = {"Content-Length": str(len(response.body)), **response.headers}
        reason = _REASONS.get(response.status, "Unknown")
        start_response(f"{response.status} {reason}", list(headers.items()))
        return [response.body]

    @staticmethod
    def _request(environ: dict[str, Any], method: str, path: str, service: str | None,
                 scope: re.Match[str] | None, params: dict[str, str]) -> ExtensionRequest:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        headers = {key[5:].replace("_", "-").title(): value
                   for key, value in environ.items() if key.startswith("HTTP_")}
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        return ExtensionRequest(method=method, path=path, query=environ.get("QUERY_STRING", ""),
                                headers=headers, body=body,
                                region=scope.group("region") if scope else "us-east-1",
                                service=service, path_params=params)


def import_moto_services() -> None:
    """Import the moto backends the sandbox uses (once, before threads race on it)."""
    import importlib

    for name in MOTO_SERVICES:
        importlib.import_module(f"moto.{name}.models")
        importlib.import_module(f"moto.{name}.responses")
    importlib.import_module("moto.stepfunctions.parser.models")
    # moto memoises parsed service models without a lock: concurrent first requests
    # would each parse them again. Parse them once here.
    from moto.core.utils import get_service_model

    for name in MOTO_SERVICES:
        get_service_model(name)
    # The interpreter creates boto3 clients from the default session in many
    # threads at once; create one per service first so that lazy set-up of the
    # shared session does not race.
    import boto3

    for service in ("dynamodb", "sqs", "sns", "stepfunctions"):
        boto3.client(service, region_name="us-east-1", aws_access_key_id="ak",
                     aws_secret_access_key="sk", endpoint_url="http://localhost:1")


def make_app(registry: ExtensionRegistry) -> Callable[..., Iterable[bytes]]:
    """moto's WSGI app behind the extension handlers of ``registry`` (one per sandbox: its state)."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    class Dispatcher(DomainDispatcherApplication):
        """moto's dispatcher, remembering which backend serves a host: moto lists its
        package directory for every request, under a lock every request takes."""

        def __init__(self) -> None:
            super().__init__(create_backend_app)
            self._backends: dict[str | None, Any] = {}

        def get_backend_for_host(self, host: str | None) -> Any:
            if host not in self._backends:
                self._backends[host] = super().get_backend_for_host(host)
            return self._backends[host]

    return ExtensionMiddleware(Dispatcher(), registry)


def _quiet_handler() -> type:
    from moto.moto_server.werkzeug_app import MotoRequestHandler

    class QuietHandler(MotoRequestHandler):
        def log_request(self, code: Any = "-", size: Any = "-") -> None:
            log.debug("%s %s", self.requestline, code)

    return QuietHandler


class SandboxServer:
    """moto's WSGI app in a threaded werkzeug server on 127.0.0.1, in a daemon thread."""

    def __init__(self, registry: ExtensionRegistry, host: str = "127.0.0.1", port: int = 0,
                 app: Callable[..., Iterable[bytes]] | None = None):
        """``app``: serve this WSGI app (another server's :attr:`app`, so both share one state)."""
        self.registry = registry
        self.host = host
        self.requested_port = port
        self.app = app
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("server not started")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _make_app(self) -> Callable[..., Iterable[bytes]]:
        return make_app(self.registry)

    def bind(self) -> None:
        """Take the port without listening: connections are refused until :meth:`listen`."""
        if self.app is None:
            self.app = self._make_app()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, self.requested_port))
            self._server = make_server(self.host, self.requested_port, self.app, threaded=True,
                                       request_handler=_quiet_handler(), fd=sock.fileno())
        finally:
            sock.close()  # make_server keeps its own duplicate

    def listen(self) -> None:
        """Start accepting connections on the port :meth:`bind` took, in a daemon thread."""
        if self._server is None:
            raise RuntimeError("bind() first")
        self._server.socket.listen(128)
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        name="sandbox-server-public", daemon=True)
        self._thread.start()

    def start(self) -> None:
        """Bind (port 0 picks a free one) and serve in a daemon thread."""
        if self.app is None:
            self.app = self._make_app()
        app = self.app
        QuietHandler = _quiet_handler()
        if self.requested_port:  # fail with an OSError before werkzeug prints its own advice
            with socket.socket() as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                probe.bind((self.host, self.requested_port))
        try:
            self._server = make_server(self.host, self.requested_port, app, threaded=True,
                                       request_handler=QuietHandler)
        except SystemExit:  # werkzeug prints a hint and exits when the port is taken
            raise OSError(errno.EADDRINUSE, f"port {self.requested_port} is in use") from None
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        name="sandbox-server", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._server is not None:
            if self._thread is not None:  # (shutdown() waits for serve_forever: only when it ran)
                self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None
