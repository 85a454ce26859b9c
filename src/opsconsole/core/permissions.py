"""What the connection's AWS identity may do, asked of IAM before an action is offered.

IAM decides; the console only asks first so that an action the identity cannot
perform is shown as unavailable, with the missing permission named, instead of
failing after the user filled in its dialog. :func:`probe` asks
``iam:SimulatePrincipalPolicy`` for the principal (an assumed role's session is
simulated as its role). Where the principal may not simulate its own policies
the answer is "not known" and every action stays offered: AWS's AccessDenied
then names the permission when the call is made (:func:`denied_permission`).

A verdict that depends on the resource (an ABAC condition on its ``tenant``
tag: ``MissingContextValues``) is "allowed on some resources": the action stays
offered and the call on a resource of another tenant is refused by AWS.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

log = logging.getLogger(__name__)

#: The writes the console offers, by the IAM action each needs.
CONSOLE_ACTIONS: tuple[str, ...] = (
    "states:StartExecution", "states:StopExecution", "states:RedriveExecution", "states:SendTaskSuccess",
    "lex:UpdateIntent", "lex:BuildBotLocale", "lex:CreateBotVersion", "lex:UpdateBotAlias",
)
#: The steps of a bot deploy: the operations team's work.
DEPLOY_ACTIONS: tuple[str, ...] = ("lex:UpdateIntent", "lex:BuildBotLocale", "lex:CreateBotVersion",
                                   "lex:UpdateBotAlias")
_DENIED_CODES = {"AccessDenied", "AccessDeniedException", "AuthorizationError", "UnauthorizedOperation"}
_DENIED_RE = re.compile(
    r"not authorized to perform:?\s*(?P<action>[\w:*-]+)(?:\s+on resource:?\s*\"?(?P<resource>[^\s\"]+))?",
    re.IGNORECASE)


@dataclass(frozen=True)
class Denied:
    """A permission AWS refused: the action and the resource it was asked on."""

    action: str
    resource: str = ""
    #: AWS's message named the action (else ``action`` is the operation that was called)
    named: bool = True

    def sentence(self) -> str:
        on = f" on {self.resource}" if self.resource and self.resource != "*" else ""
        return f"Missing permission: {self.action}{on}."


def denied_permission(exc: BaseException) -> Denied | None:
    """The permission an AccessDenied error names (None for any other error)."""
    if not isinstance(exc, ClientError):
        return None
    error = exc.response.get("Error", {})
    message = str(error.get("Message", ""))
    if str(error.get("Code", "")) not in _DENIED_CODES and "not authorized" not in message.lower():
        return None
    found = _DENIED_RE.search(message)
    if found is None:
        return Denied(getattr(exc, "operation_name", "") or "this action", named=False)
    return Denied(found.group("action"), found.group("resource") or "")


def policy_source(principal_arn: str) -> str:
    """The ARN to simulate: an assumed role's session is its role (``arn:aws:iam::1:role/Ops``)."""
    parts = principal_arn.split(":", 5)
    if len(parts) == 6 and parts[2] == "sts" and parts[5].startswith("assumed-role/"):
        role = parts[5].split("/")[1]
        return f"arn:{parts[1]}:iam::{parts[4]}:role/{role}"
    return principal_arn


@dataclass(frozen=True)
class Permissions:
    """IAM's verdict per action for one principal ("not known" allows everything: IAM decides at call time)."""

    principal: str = ""
    #: action -> "allowed" | "explicitDeny" | "implicitDeny" | "conditional"
    decisions: Mapping[str, str] = field(default_factory=dict)
    known: bool = False

    def allows(self, action: str) -> bool:
        """False only when IAM denies ``action`` on every resource."""
        return not self.known or self.decisions.get(action, "allowed") in ("allowed", "conditional")

    def why_not(self, action: str) -> str:
        """The sentence shown on an unavailable action ("" when it is available)."""
        if self.allows(action):
            return ""
        how = "an explicit deny" if self.decisions.get(action) == "explicitDeny" else "no policy allows it"
        return f"Not allowed for {self.principal or 'this identity'}: needs {action} ({how} in IAM)."


def probe(clients: Any, principal_arn: str, actions: Iterable[str] = CONSOLE_ACTIONS) -> Permissions:
    """Ask IAM what ``principal_arn`` may do (worker threads only); "not known" if IAM will not say."""
    if not principal_arn:
        return Permissions()
    wanted = list(actions)
    try:
        results = clients.client("iam").simulate_principal_policy(
            PolicySourceArn=policy_source(principal_arn), ActionNames=wanted)["EvaluationResults"]
    except ClientError as exc:
        log.info("permissions not known (IAM would not simulate them): %s", exc)
        return Permissions(principal_arn)
    decisions: dict[str, str] = {}
    for result in results:
        decision = str(result.get("EvalDecision", ""))
        if decision == "implicitDeny" and result.get("MissingContextValues"):
            decision = "conditional"  # allowed or not per resource (a tag condition)
        decisions[str(result.get("EvalActionName", ""))] = decision
    return Permissions(principal_arn, decisions, known=True)
