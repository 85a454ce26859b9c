"""AWS's access-denied answers: the message form and checks shared by the access tests."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

ACCOUNT = "123456789012"
RETAIL, CONTACT, FINANCE = "retail-compliance", "contact-center", "finance-ops"

# AWS's documented form: "User: arn:aws:iam::123456789012:user/x is not authorized to perform:
# states:StartExecution on resource: arn:... because no identity-based policy allows the
# states:StartExecution action" (IAM User Guide, "Troubleshoot access denied error messages").
IMPLICIT = ("User: {user} is not authorized to perform: {action} on resource: {resource} "
            "because no identity-based policy allows the {action} action")
EXPLICIT = ("User: {user} is not authorized to perform: {action} on resource: {resource} "
            "with an explicit deny in an identity-based policy")


def user(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:user/{name}"


def refusal(call: Callable[[], Any]) -> tuple[int, str, str]:
    """(HTTP status, error code, message) of a call that must be refused."""
    with pytest.raises(ClientError) as caught:
        call()
    response = caught.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"], response["Error"]["Message"]


def assert_denied(call: Callable[[], Any], status: int, code: str, identity: str, action: str,
                  resource: str, explicit: bool = False) -> None:
    got_status, got_code, message = refusal(call)
    form = EXPLICIT if explicit else IMPLICIT
    assert (got_status, got_code) == (status, code)
    assert message == form.format(user=user(identity), action=action, resource=resource)
    assert re.search(r"not authorized to perform: \S+ on resource: \S+", message)
