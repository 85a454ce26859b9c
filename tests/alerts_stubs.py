"""A real botocore client with a Stubber, for the alerts rules that talk to AWS, without the sandbox.

The Stubber checks each request against the service model (a misspelt or
misplaced parameter fails the call) and against the exact parameters the test
expects, and each answer against the model's output shape; nothing is sent.
"""

from __future__ import annotations

from typing import Any

import boto3
from botocore.stub import Stubber


class StubbedClients:
    """What core functions take as ``clients``: one stubbed client per service."""

    def __init__(self, *services: str, region: str = "eu-west-1") -> None:
        self._clients = {s: boto3.client(s, region_name=region, aws_access_key_id="testing",
                                         aws_secret_access_key="testing") for s in services}
        self.stubs = {s: Stubber(c) for s, c in self._clients.items()}
        for stub in self.stubs.values():
            stub.activate()

    def client(self, service: str) -> Any:
        return self._clients[service]

    def expect(self, service: str, operation: str, params: dict[str, Any], answer: dict[str, Any]) -> None:
        self.stubs[service].add_response(operation, answer, params)

    def refuse(self, service: str, operation: str, code: str, params: dict[str, Any] | None = None) -> None:
        self.stubs[service].add_client_error(operation, code, f"{code} (stubbed)", expected_params=params)

    def all_made(self) -> None:
        for stub in self.stubs.values():
            stub.assert_no_pending_responses()
