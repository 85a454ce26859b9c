"""Fixtures of the document-review sandbox tests: the seeded area (waited for) and its clients."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.config import Config


@pytest.fixture(scope="session")
def docreview(sandbox: Any) -> dict[str, Any]:
    """The seeded area's summary, once its executions wait with their tokens in the table."""
    sandbox.scenario.docreview_seed.wait_ready()
    return sandbox.scenario.docreview


@pytest.fixture(scope="session")
def a2i(client: Any) -> Any:
    return client("sagemaker-a2i-runtime")


@pytest.fixture(scope="session")
def sagemaker(client: Any) -> Any:
    return client("sagemaker")


@pytest.fixture(scope="session")
def raw(sandbox: Any) -> Any:
    """``raw("sagemaker")``: a client that sends what it is given (no client-side validation),
    so the sandbox's own validation answers."""
    def make(service: str) -> Any:
        return boto3.session.Session().client(
            service, endpoint_url=sandbox.endpoint_url, region_name=sandbox.region,
            config=Config(retries={"max_attempts": 1}, parameter_validation=False), **sandbox.credentials)
    return make
