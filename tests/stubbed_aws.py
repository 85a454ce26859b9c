"""The console's own AWS clients answered by botocore's Stubber: the fast tests of core code that calls AWS.

The clients are ``core.aws.Clients`` with dummy keys (so the console's retry
hook, in-flight count and answer check run as in the app), and they never
reach an endpoint. The Stubber checks every request against the service's
model (a parameter the API does not take, a missing required one, a wrong type
fail the call) and against the parameters the test expects, and every stubbed
answer against the model's output shape, so answers written in tests have the
shapes AWS sends. A call the test did not expect fails; an expected call never
made fails ``all_made()`` (and leaving ``with clients:`` or ``clients.active()``).

One mechanism for every area: the Step Functions helpers (``actions_support``,
``history_shapes``) build on it.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
from botocore.loaders import create_loader
from botocore.response import StreamingBody
from botocore.stub import Stubber

from opsconsole.core.aws import Clients, Connection

__all__ = ["REGION", "StubbedClients", "body", "offline_clients"]

REGION = "eu-west-1"


# One loader of botocore's service models for every test's clients: a new botocore session would read
# and parse the same JSON models again (about 0.1 s a client). The clients themselves are made as in the app.
_MODELS = create_loader()


@functools.cache
def _session(region: str) -> boto3.Session:
    """One session per region, made by the console's own ``Clients``, shared by every test's clients.

    A new botocore session registers a few hundred event handlers, each one's signature inspected: about
    25 ms, more than most tests take. The console registers its hooks on each client (its own copy of the
    session's events), never on the session, so tests sharing it do not see each other's stubs or hooks.
    """
    session = Clients(Connection(region=region, access_key="testing", secret_key="testing")).session()
    session._session.register_component("data_loader", _MODELS)
    return session


def offline_clients(region: str = REGION) -> Clients:
    """The console's clients with dummy keys and no endpoint of their own to reach."""
    clients = Clients(Connection(region=region, access_key="testing", secret_key="testing"))
    clients._session = _session(region)
    return clients


class StubbedClients:
    """What core functions take as ``clients``: the console's client per service, each behind an active Stubber.

    ``client(name)`` of a service not named here raises ``KeyError``: a call nobody stubbed never goes out.
    """

    def __init__(self, *services: str, region: str = REGION) -> None:
        self.clients = offline_clients(region)
        self.stubs = {s: Stubber(self.clients.client(s)) for s in services}
        for stub in self.stubs.values():
            stub.activate()

    def client(self, service: str) -> Any:
        return self.stubs[service].client

    def stub(self, service: str) -> Stubber:
        return self.stubs[service]

    def expect(self, service: str, operation: str, params: dict[str, Any] | None, answer: dict[str, Any]) -> None:
        """The next ``operation`` call to ``service`` must send ``params`` (None: anything) and gets ``answer``."""
        self.stubs[service].add_response(operation, answer, params)

    def refuse(self, service: str, operation: str, code: str, params: dict[str, Any] | None = None,
               status: int = 400) -> None:
        """The next ``operation`` call gets AWS's error ``code`` (HTTP ``status``)."""
        self.stubs[service].add_client_error(operation, service_error_code=code, service_message=f"{code} (stubbed)",
                                             http_status_code=status, expected_params=params)

    def all_made(self) -> None:
        for stub in self.stubs.values():
            stub.assert_no_pending_responses()

    def deactivate(self) -> None:
        for stub in self.stubs.values():
            stub.deactivate()

    @contextmanager
    def active(self) -> Iterator[StubbedClients]:
        """On leaving without an error, every queued answer must have been asked for; the stubs come off."""
        with self:
            yield self

    def __enter__(self) -> StubbedClients:
        for stub in self.stubs.values():
            stub.activate()
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        try:
            if exc_type is None:
                self.all_made()
        finally:
            self.deactivate()


def body(data: bytes) -> StreamingBody:
    """GetObject's ``Body``."""
    return StreamingBody(io.BytesIO(data), len(data))
