"""AWS sessions and clients: profiles, regions, endpoint override, timeouts, retries.

Everything that talks to AWS gets its client here, so timeouts, retry mode and
the endpoint override (sandbox, LocalStack, a user's own moto) are set once.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlparse

import boto3
import botocore.session
from botocore.client import BaseClient
from botocore.config import Config
from botocore.utils import parse_timestamp

from opsconsole import __version__

#: Seconds to open a connection / wait for a response, per attempt.
CONNECT_TIMEOUT_S = 5
READ_TIMEOUT_S = 15
#: botocore "standard" retry mode: exponential backoff with jitter on
#: throttling and transient errors, up to this many attempts in all.
MAX_ATTEMPTS = 4
#: No new attempt of a call starts after this many seconds: with READ_TIMEOUT_S, a
#: call that gets no answer ends within CALL_DEADLINE_S + READ_TIMEOUT_S.
CALL_DEADLINE_S = 30
#: An attempt without an answer for this long is worth telling the user about.
SLOW_AFTER_S = 4

DEFAULT_REGION = "eu-west-1"

#: Error codes botocore treats as throttling; we tell the user about them.
THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "PriorDateThrottlingException",
    }
)


@dataclass(frozen=True)
class Connection:
    """Where and as whom the console talks to AWS.

    ``access_key``/``secret_key`` are only ever filled at run time, from the OS
    keyring or from the sandbox's fixed dummy keys; they are never persisted by
    this object and are kept out of ``repr``.
    """

    profile: str | None = None
    region: str = DEFAULT_REGION
    endpoint_url: str | None = None
    sandbox: bool = False
    access_key: str | None = field(default=None, repr=False)
    secret_key: str | None = field(default=None, repr=False)
    session_token: str | None = field(default=None, repr=False)
    #: Name shown for keys held in the keyring (instead of a config profile).
    keyring_name: str | None = None
    #: The tenant the console is scoped to ("" = all tenants).
    tenant: str = ""
    #: Which of the embedded sandbox's identities (admin, agent, operations, tenant-…) this is, if named.
    sandbox_identity: str = ""

    def with_region(self, region: str) -> "Connection":
        return replace(self, region=region)

    @property
    def label(self) -> str:
        """A short human description: profile or key name, or 'default'."""
        if self.sandbox:
            return f"sandbox ({self.sandbox_identity})" if self.sandbox_identity else "sandbox"
        if self.keyring_name:
            return f"{self.keyring_name} (keyring)"
        return self.profile or "default"


class RetryNotices:
    """Fan-out of 'a call is being retried because of throttling' notices.

    botocore retries by itself; listeners only learn that it happened so the
    UI can say "throttled, retrying" instead of looking stuck.
    """

    def __init__(self) -> None:
        self._listeners: list[Callable[[str, str, int], None]] = []
        self._lock = threading.Lock()

    def add(self, listener: Callable[[str, str, int], None]) -> None:
        with self._lock:
            self._listeners.append(listener)

    def remove(self, listener: Callable[[str, str, int], None]) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def notify(self, operation: str, code: str, attempt: int) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener(operation, code, attempt)


retry_notices = RetryNotices()


def _on_needs_retry(response=None, attempts: int = 0, operation=None, **_: object) -> None:
    """botocore 'needs-retry' hook: report throttling, never change the decision.

    botocore asks after every attempt, the last one too: after that one nothing is retried, and the
    user hears the error instead of "retrying".
    """
    if not response or response[1] is None:
        return None
    code = response[1].get("Error", {}).get("Code", "")
    if code in THROTTLING_CODES and attempts < MAX_ATTEMPTS:
        name = getattr(operation, "name", "call")
        retry_notices.notify(name, code, attempts)
    return None


class DeadlinePassed(Exception):
    """A call got no answer within :data:`CALL_DEADLINE_S`: no further attempt was sent."""

    def __init__(self, operation: str, endpoint: str, waited: float, attempts: int) -> None:
        super().__init__(f"{endpoint} did not answer {operation} within {waited:.0f} s ({attempts} attempt(s))")
        self.operation = operation
        self.endpoint = endpoint
        self.waited = waited
        self.attempts = attempts


class ResponseShapeError(Exception):
    """AWS (or whatever answers at the endpoint) sent a response that is not the operation's documented shape."""

    def __init__(self, operation: str, detail: str) -> None:
        super().__init__(f"{operation}: {detail}")
        self.operation = operation
        self.detail = detail


_SCALARS: dict[str, tuple[type, ...]] = {
    "string": (str,), "blob": (bytes, bytearray, str), "boolean": (bool,),
    "integer": (int,), "long": (int,), "float": (int, float), "double": (int, float),
}


def _shape_problem(shape: Any, value: Any, path: str, budget: list[int]) -> str:
    """Where ``value`` departs from ``shape`` (botocore model), "" when it does not (checks a bounded number of values)."""
    budget[0] -= 1
    if budget[0] < 0 or value is None:
        return ""
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            return f"{path or 'the response'} is {type(value).__name__}, not an object"
        # A required list or object missing would read as "nothing there"; a missing required scalar is
        # left to the code using it (some AWS-compatible servers leave out e.g. an update date).
        for name in getattr(shape, "required_members", ()):
            member = shape.members.get(name)
            if name not in value and member is not None and member.type_name in ("list", "structure", "map"):
                return f"{path + '.' if path else ''}{name} is missing"
        for name, member in shape.members.items():
            if name in value:
                problem = _shape_problem(member, value[name], f"{path + '.' if path else ''}{name}", budget)
                if problem:
                    return problem
        return ""
    if kind == "list":
        if not isinstance(value, list):
            return f"{path} is {type(value).__name__}, not a list"
        for i, item in enumerate(value):
            problem = _shape_problem(shape.member, item, f"{path}[{i}]", budget)
            if problem:
                return problem
        return ""
    if kind == "map":
        return "" if isinstance(value, dict) else f"{path} is {type(value).__name__}, not a map"
    if kind == "timestamp":
        import datetime as _dt

        return "" if isinstance(value, _dt.datetime) else f"{path} is not a time"
    if kind == "blob" and callable(getattr(value, "read", None)):
        return ""  # a streaming body (S3 GetObject's Body): read by the caller
    expected = _SCALARS.get(kind)
    if expected and (not isinstance(value, expected) or (kind != "boolean" and isinstance(value, bool))):
        return f"{path} is {type(value).__name__}, not {kind}"
    return ""


#: Members AWS always returns although the model does not mark them required: without them a
#: listing would read as empty ("0 conversations") instead of as the wrong answer it is.
ALWAYS_PRESENT: dict[tuple[str, str], tuple[str, ...]] = {
    ("DynamoDB", "Query"): ("Items", "Count"),
    ("DynamoDB", "Scan"): ("Items", "Count"),
}


def check_response(model: Any, parsed: Any) -> None:
    """Raise :class:`ResponseShapeError` when ``parsed`` is not ``model``'s output shape."""
    shape = getattr(model, "output_shape", None)
    if shape is None:
        return
    if isinstance(parsed, dict):
        parsed = {k: v for k, v in parsed.items() if k != "ResponseMetadata"}
        service = getattr(getattr(model, "service_model", None), "service_id", "")
        for name in ALWAYS_PRESENT.get((str(service), getattr(model, "name", "")), ()):
            if name not in parsed:
                raise ResponseShapeError(model.name, f"{name} is missing")
    problem = _shape_problem(shape, parsed, "", [20_000])
    if problem:
        raise ResponseShapeError(getattr(model, "name", "call"), problem)


@dataclass
class Call:
    """One API call on one worker thread, while it runs."""

    operation: str
    endpoint: str
    started: float
    #: Attempts sent so far (1 for the first).
    attempts: int = 0
    #: When the attempt now on its way was sent; None while none is (between attempts, after the answer).
    attempt_started: float | None = None
    #: Unique per call, so a notice is given once per call and attempt.
    key: int = 0


class InFlight:
    """The API calls running now, one per worker thread: what a "slow endpoint" notice is made of.

    Filled by botocore hooks on every client (see :meth:`Clients.client`);
    read from the GUI thread by a timer.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: dict[int, Call] = {}
        self._keys = 0

    def start(self, operation: str, endpoint: str) -> None:
        with self._lock:
            self._keys += 1
            self._calls[threading.get_ident()] = Call(operation, endpoint, time.monotonic(), key=self._keys)

    def attempt(self) -> None:
        """An attempt is about to be sent; raises :class:`DeadlinePassed` past the call's deadline."""
        now = time.monotonic()
        with self._lock:
            call = self._calls.get(threading.get_ident())
            if call is None:
                return
            if call.attempts and now - call.started > CALL_DEADLINE_S:
                call.attempt_started = None
                raise DeadlinePassed(call.operation, call.endpoint, now - call.started, call.attempts)
            call.attempts += 1
            call.attempt_started = now

    def answered(self) -> None:
        """The attempt ended (an answer or an error); a retry may follow."""
        with self._lock:
            call = self._calls.get(threading.get_ident())
            if call is not None:
                call.attempt_started = None

    def end(self) -> None:
        with self._lock:
            self._calls.pop(threading.get_ident(), None)

    def current_operation(self) -> str:
        """The operation of this thread's call still open (one that raised before it ended), else ""."""
        with self._lock:
            call = self._calls.get(threading.get_ident())
        return call.operation if call is not None else ""

    def slow(self, after_s: float | None = None) -> list[Call]:
        """Calls whose current attempt has waited longer than ``after_s`` (default :data:`SLOW_AFTER_S`)."""
        limit = SLOW_AFTER_S if after_s is None else after_s
        now = time.monotonic()
        with self._lock:
            return [replace(c) for c in self._calls.values()
                    if c.attempt_started is not None and now - c.attempt_started >= limit]


in_flight = InFlight()


def _register_in_flight(client: BaseClient) -> None:
    endpoint = urlparse(client.meta.endpoint_url).netloc or client.meta.endpoint_url
    events = client.meta.events

    def before_call(model=None, **_: object) -> None:
        in_flight.start(getattr(model, "name", "call"), endpoint)

    def before_send(**_: object) -> None:
        in_flight.attempt()

    def answered(**_: object) -> None:
        in_flight.answered()

    def ended(exception: BaseException | None = None, **_: object) -> None:
        operation = in_flight.current_operation()
        in_flight.end()
        if exception is not None and operation and not hasattr(exception, "aws_operation"):
            try:  # which operation failed (an unreadable answer does not say it itself)
                exception.aws_operation = operation  # type: ignore[attr-defined]
            except AttributeError:
                pass

    def after_call(http_response=None, parsed=None, model=None, **_: object) -> None:
        in_flight.end()
        if model is not None and http_response is not None and http_response.status_code < 300:
            check_response(model, parsed)

    events.register("before-call.*", before_call)
    events.register("before-send.*", before_send)
    events.register("needs-retry.*", answered)
    events.register("after-call.*", after_call)
    events.register("after-call-error.*", ended)


def utc_timestamp(value: Any) -> datetime:
    """A timestamp of an AWS answer as an aware UTC datetime (every client's timestamp parser).

    botocore's own parser gives each datetime a ``tzlocal()`` instance of its
    own, whose offset lookups run in Python: parsing 1,000 executions took
    17 ms with it and 5 ms this way, and every timestamp kept two objects
    more for the garbage collector. The instants are the same; display code
    converts to local time (``core.format``).
    """
    if isinstance(value, (int, float)):  # epoch seconds (the JSON protocols)
        try:
            return datetime.fromtimestamp(value, timezone.utc)
        except (OverflowError, OSError, ValueError):
            pass  # out of the platform's range: botocore's parser has a fallback
    return parse_timestamp(value).astimezone(timezone.utc)


class Clients:
    """Thread-safe cache of boto3 clients for one :class:`Connection`.

    boto3 sessions are not thread-safe but clients are, so clients are created
    under a lock and then shared by the worker threads.
    """

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._lock = threading.Lock()
        self._session: boto3.Session | None = None
        self._clients: dict[str, BaseClient] = {}

    def session(self) -> boto3.Session:
        with self._lock:
            return self._session_locked()

    def _session_locked(self) -> boto3.Session:
        if self._session is None:
            c = self.connection
            if c.access_key:
                self._session = boto3.Session(
                    aws_access_key_id=c.access_key,
                    aws_secret_access_key=c.secret_key,
                    aws_session_token=c.session_token,
                    region_name=c.region,
                )
            else:
                self._session = boto3.Session(profile_name=c.profile, region_name=c.region)
            self._session._session.get_component("response_parser_factory").set_parser_defaults(
                timestamp_parser=utc_timestamp)
        return self._session

    def client(self, service: str) -> BaseClient:
        with self._lock:
            client = self._clients.get(service)
            if client is None:
                client = self._session_locked().client(
                    service,
                    region_name=self.connection.region,
                    endpoint_url=self.connection.endpoint_url,
                    config=client_config(),
                )
                client.meta.events.register("needs-retry.*", _on_needs_retry)
                _register_in_flight(client)
                self._clients[service] = client
            return client


def client_config() -> Config:
    return Config(
        connect_timeout=CONNECT_TIMEOUT_S,
        read_timeout=READ_TIMEOUT_S,
        retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS},  # botocore's max_attempts counts retries only
        user_agent_extra=f"opsconsole/{__version__}",
        max_pool_connections=20,
    )


def probe_endpoint(connection: Connection, timeout: float = 3.0) -> bool:
    """True when the connection's endpoint answers an HTTP request (any status).

    Used to clear the offline banner by itself: it needs no credentials and
    costs no API call. An open port is not enough: a server still starting, or
    a proxy that accepts and never answers, must not count as "back".
    """
    import http.client

    url = connection.endpoint_url or f"https://states.{connection.region}.amazonaws.com"
    parsed = urlparse(url)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    cls = http.client.HTTPSConnection if parsed.scheme == "https" else http.client.HTTPConnection
    conn = cls(parsed.hostname, port, timeout=timeout)
    try:
        conn.request("GET", "/", headers={"User-Agent": f"opsconsole/{__version__} probe"})
        conn.getresponse().read(0)
        return True
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()


def available_regions(service: str = "stepfunctions") -> list[str]:
    """Regions where ``service`` exists, from botocore's own endpoint data."""
    regions = botocore.session.get_session().get_available_regions(service)
    return sorted(regions) or [DEFAULT_REGION]


def validate_endpoint(text: str) -> str | None:
    """None when ``text`` is empty or a usable http(s) URL, else what is wrong."""
    text = text.strip()
    if not text:
        return None
    parsed = urlparse(text)
    if parsed.scheme not in ("http", "https"):
        return "The endpoint must start with http:// or https://"
    if not parsed.hostname:
        return "The endpoint needs a host, e.g. http://localhost:4566"
    try:
        parsed.port  # noqa: B018 - raises on a bad port
    except ValueError:
        return "The port must be a number from 1 to 65535"
    return None


def validate_region(text: str) -> str | None:
    """None when ``text`` looks like a region name, else what is wrong."""
    text = text.strip()
    if not text:
        return "Pick a region"
    if not re.fullmatch(r"[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d", text):
        return f"'{text}' is not a region name (e.g. eu-west-1)"
    return None


def caller_identity(clients: Clients) -> dict[str, str]:
    """Who we are: account, ARN. Also the cheapest call that proves credentials work."""
    out = clients.client("sts").get_caller_identity()
    return {"Account": out.get("Account", ""), "Arn": out.get("Arn", "")}
