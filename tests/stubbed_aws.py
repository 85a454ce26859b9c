"""Real botocore clients answered by botocore's Stubber: requests and responses are checked against the
service's own model, so a test that passes here sends what AWS accepts and reads what AWS answers.

For the fast tests of core code that calls AWS (no sandbox, no network).
"""

from __future__ import annotations

import io
from contextlib import contextmanager

import botocore.session
from botocore.response import StreamingBody
from botocore.stub import Stubber

REGION = "eu-west-1"


class StubbedClients:
    """What core's ``Clients`` gives (``client(name)``), each client a real one behind a Stubber."""

    def __init__(self, *services: str) -> None:
        session = botocore.session.get_session()
        self._clients = {s: session.create_client(s, region_name=REGION, aws_access_key_id="AKIDEXAMPLE",
                                                  aws_secret_access_key="secret") for s in services}
        self.stubs = {s: Stubber(c) for s, c in self._clients.items()}

    def client(self, service: str):  # noqa: ANN201
        return self._clients[service]

    def stub(self, service: str) -> Stubber:
        return self.stubs[service]

    @contextmanager
    def active(self):  # noqa: ANN201
        """Stubs on; on leaving, every queued answer must have been asked for."""
        for s in self.stubs.values():
            s.activate()
        try:
            yield self
            for s in self.stubs.values():
                s.assert_no_pending_responses()
        finally:
            for s in self.stubs.values():
                s.deactivate()


def body(data: bytes) -> StreamingBody:
    """GetObject's ``Body``."""
    return StreamingBody(io.BytesIO(data), len(data))
