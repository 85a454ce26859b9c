"""Step Functions and SQS answered by botocore's Stubber (``stubbed_aws``), for the fixing actions' fast tests.

ARNs and times of one account, and the Step Functions answers these tests give
most: a history page, an error.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Any

from botocore.stub import ANY
from stubbed_aws import REGION, StubbedClients

__all__ = ["ANY", "ACCOUNT", "REGION", "Matching", "StubbedAws", "at", "execution_arn", "machine_arn", "stubbed_aws"]

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


class StubbedAws(StubbedClients):
    """``clients`` for the code under test; ``sfn`` and ``sqs`` are the Stubbers that answer its calls."""

    def __init__(self) -> None:
        super().__init__("stepfunctions", "sqs")
        self.sfn = self.stub("stepfunctions")
        self.sqs = self.stub("sqs")

    def history(self, arn: str, events: list[dict[str, Any]], *, reverse: bool = False,
                include_data: bool = True) -> None:
        """One GetExecutionHistory page of ``events`` (given in the order AWS returns them)."""
        self.sfn.add_response("get_execution_history", {"events": events}, {
            "executionArn": arn, "reverseOrder": reverse, "includeExecutionData": include_data, "maxResults": 1000})

    def error(self, method: str, code: str, status: int = 400, params: dict[str, Any] | None = None) -> None:
        self.refuse("stepfunctions", method, code, params, status)


@contextmanager
def stubbed_aws() -> Iterator[StubbedAws]:
    with StubbedAws() as aws:
        yield aws
