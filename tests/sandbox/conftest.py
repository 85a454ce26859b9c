"""Fixtures for the sandbox tests: boto3 clients for the session's sandbox and small helpers.

The ``sandbox`` fixture itself (one seeded sandbox per test session, no live
activity) comes from tests/conftest.py: moto's state is per process, so every
test directory must share that one instance.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import boto3
import pytest
from botocore.config import Config
from support import wait_until

T = TypeVar("T")


def make_client(sandbox: Any, service: str) -> Any:
    """A boto3 client for the sandbox, without retries (errors show at once)."""
    return boto3.session.Session().client(
        service, endpoint_url=sandbox.endpoint_url, region_name=sandbox.region,
        config=Config(retries={"max_attempts": 1}), **sandbox.credentials)


def list_all_executions(sfn: Any, arn: str, **filters: Any) -> list[dict[str, Any]]:
    pages = sfn.get_paginator("list_executions").paginate(
        stateMachineArn=arn, PaginationConfig={"PageSize": 1000}, **filters)
    return [e for page in pages for e in page["executions"]]


def full_history(sfn: Any, arn: str) -> list[dict[str, Any]]:
    pages = sfn.get_paginator("get_execution_history").paginate(executionArn=arn)
    return [e for page in pages for e in page["events"]]


@pytest.fixture(scope="session")
def client(sandbox: Any) -> Callable[[str], Any]:
    """``client("sns")``: a boto3 client for any service, pointed at the sandbox."""
    return lambda service: make_client(sandbox, service)


@pytest.fixture(scope="session")
def sfn(sandbox: Any) -> Any:
    return make_client(sandbox, "stepfunctions")


@pytest.fixture(scope="session")
def sqs(sandbox: Any) -> Any:
    return make_client(sandbox, "sqs")


@pytest.fixture(scope="session")
def ddb(sandbox: Any) -> Any:
    return make_client(sandbox, "dynamodb")


@pytest.fixture(scope="session")
def cloudwatch(sandbox: Any) -> Any:
    return make_client(sandbox, "cloudwatch")


@pytest.fixture(scope="session")
def wait_for() -> Callable[..., Any]:
    """The bounded polling helper (tests never sleep)."""
    return wait_until


@pytest.fixture(scope="session")
def all_executions() -> Callable[..., list[dict[str, Any]]]:
    """``all_executions(sfn, state_machine_arn, statusFilter=...)``: every page of ListExecutions."""
    return list_all_executions


@pytest.fixture(scope="session")
def history() -> Callable[[Any, str], list[dict[str, Any]]]:
    """``history(sfn, execution_arn)``: every page of GetExecutionHistory."""
    return full_history
