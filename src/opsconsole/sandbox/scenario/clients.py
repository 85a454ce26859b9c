"""The boto3 clients the scenario seeds the sandbox with, one per AWS service."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class Clients:
    """boto3 clients pointed at the sandbox."""

    stepfunctions: Any
    sqs: Any
    sns: Any
    dynamodb: Any
    cloudwatch: Any
