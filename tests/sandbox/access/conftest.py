"""Clients signed with the sandbox's tenant and role identities."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.config import Config


@pytest.fixture(scope="session")
def as_identity(sandbox: Any) -> Callable[[str, str], Any]:
    """``as_identity("tenant-retail-compliance", "sqs")``: a client signed with that identity's key."""
    def make(identity: str, service: str) -> Any:
        return boto3.session.Session().client(
            service, endpoint_url=sandbox.endpoint_url, region_name=sandbox.region,
            config=Config(retries={"max_attempts": 1}), **sandbox.credentials_for(identity))
    return make
