"""Step Functions and SQS answered by botocore's Stubber, for the fixing actions' fast tests.

The clients are the console's own (``core.aws.Clients``) with dummy keys; they
never reach an endpoint. The Stubber checks every request against the
service model (a parameter the API does not take, a missing required one, a
wrong type all fail the test) and every stubbed answer too, so the answers
written in the tests have the shapes AWS sends. A call the test did not
expect, or an expected call that was never made, fails the test.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Any

from botocore.stub import ANY, Stubber

from opsconsole.core.aws import Clients, Connection

__all__ = ["ANY", "ACCOUNT", "REGION", "Matching", "StubbedAws", "at", "execution_arn", "machine_arn", "stubbed_aws"]

REGION = "eu-west-1"
ACCOUNT = "123456789012"
T0 = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def machine_arn(name: str) -> str:
    return f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{name}"


def execution_arn(machine: str, name: str) -> str:
    return f"arn:aws:states:{REGION}:{ACCOUNT}:execution:{machine}:{name}"


class Matching:
    """An expected request parameter: any string matching ``pattern`` (e.g. a generated name)."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern

    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and re.fullmatch(self.pattern, other) is not None

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __repr__(self) -> str:
        return f"<a string matching {self.pattern!r}>"


class StubbedAws:
    """``clients`` for the code under test; ``sfn`` and ``sqs`` are the Stubbers that answer its calls."""

    def __init__(self) -> None:
        self.clients = Clients(Connection(region=REGION, access_key="testing", secret_key="testing"))
        self.sfn = Stubber(self.clients.client("stepfunctions"))
        self.sqs = Stubber(self.clients.client("sqs"))

    def history(self, arn: str, events: list[dict[str, Any]], *, reverse: bool = False,
                include_data: bool = True) -> None:
        """One GetExecutionHistory page of ``events`` (given in the order AWS returns them)."""
        self.sfn.add_response("get_execution_history", {"events": events}, {
            "executionArn": arn, "reverseOrder": reverse, "includeExecutionData": include_data, "maxResults": 1000})

    def error(self, method: str, code: str, status: int = 400, params: dict[str, Any] | None = None) -> None:
        self.sfn.add_client_error(method, service_error_code=code, service_message=f"{code} (stubbed)",
                                  http_status_code=status, expected_params=params)


@contextmanager
def stubbed_aws() -> Iterator[StubbedAws]:
    aws = StubbedAws()
    with aws.sfn, aws.sqs:
        yield aws
        aws.sfn.assert_no_pending_responses()
        aws.sqs.assert_no_pending_responses()
