"""The sandbox's identities besides the admin keys: one per tenant, one per console role.

Each identity is an IAM user of the sandbox account with an access key, a
``tenant`` principal tag (tenants only) and identity-based policy documents in
IAM's own JSON form. :mod:`.policy` evaluates them; :mod:`.middleware` enforces
them on every request signed with one of these keys. The keys are not secrets.

* ``tenant-<id>``: ABAC as the platform's IAM policies do it: the tenant's
  principals may act only on resources tagged ``tenant=<id>`` and on objects
  under its own S3 prefix; account-wide list calls (which AWS does not scope
  by tag) are allowed, so the console must filter what they return.
* ``agent``: a call-center agent: reads everything, writes review items, but
  may not deploy a bot, start, stop, redrive or answer executions.
* ``operations``: the analytics/operations team: everything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from opsconsole.sandbox.scenario import catalog as c

ACCOUNT_ID = c.ACCOUNT_ID

#: Account-wide reads that take no taggable resource (AWS cannot scope them by tag).
_ACCOUNT_READS = [
    "states:ListStateMachines", "states:ListActivities", "states:ValidateStateMachineDefinition",
    "dynamodb:ListTables", "sqs:ListQueues", "sns:ListTopics", "sns:ListSubscriptions",
    "cloudwatch:Describe*", "cloudwatch:List*", "cloudwatch:Get*",
    "lex:ListBots", "forecast:List*", "iam:SimulatePrincipalPolicy",
]
#: The services whose resources carry the ``tenant`` tag.
_TAGGED_SERVICES = ["states:*", "dynamodb:*", "sqs:*", "sns:*", "lex:*", "forecast:*"]


def tenant_policy() -> dict[str, Any]:
    """The ABAC policy every tenant identity has (the tenant comes from its principal tag)."""
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "AccountWideReads", "Effect": "Allow", "Action": _ACCOUNT_READS, "Resource": "*"},
        {"Sid": "OwnTenantResources", "Effect": "Allow", "Action": _TAGGED_SERVICES, "Resource": "*",
         "Condition": {"StringEquals": {"aws:ResourceTag/tenant": "${aws:PrincipalTag/tenant}"}}},
        {"Sid": "OwnPrefixObjects", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
         "Resource": "arn:aws:s3:::*/${aws:PrincipalTag/tenant}/*"},
        {"Sid": "OwnPrefixListing", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::*",
         "Condition": {"StringLike": {"s3:prefix": "${aws:PrincipalTag/tenant}/*"}}},
    ]}


#: What only the operations team may do: deploy a bot, run, stop, redrive and answer executions.
AGENT_DENIED = [
    "lex:UpdateIntent", "lex:BuildBotLocale", "lex:CreateBotVersion", "lex:UpdateBotAlias",
    "states:StartExecution", "states:StopExecution", "states:RedriveExecution",
    "states:SendTaskSuccess", "states:SendTaskFailure",
]


def agent_policy() -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "ReadAndTriage", "Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Sid": "NoDeployNoRuns", "Effect": "Deny", "Action": AGENT_DENIED, "Resource": "*"},
    ]}


def operations_policy() -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "Operate", "Effect": "Allow", "Action": "*", "Resource": "*"}]}


@dataclass(frozen=True)
class SandboxIdentity:
    """An IAM user of the sandbox account with one access key and its policies."""

    name: str
    access_key: str
    policies: tuple[dict[str, Any], ...]
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def arn(self) -> str:
        return f"arn:aws:iam::{ACCOUNT_ID}:user/{self.name}"

    @property
    def user_id(self) -> str:
        return "AIDA" + "".join(ch for ch in self.name.upper() if ch.isalnum())[:17]

    @property
    def credentials(self) -> dict[str, str]:
        return {"aws_access_key_id": self.access_key, "aws_secret_access_key": self.access_key}


def _identities() -> dict[str, SandboxIdentity]:
    made = [SandboxIdentity(f"tenant-{tenant}", f"sandbox-tenant-{tenant}", (tenant_policy(),),
                            {"tenant": tenant}) for tenant in c.TENANTS]
    made.append(SandboxIdentity("agent", "sandbox-agent", (agent_policy(),)))
    made.append(SandboxIdentity("operations", "sandbox-operations", (operations_policy(),)))
    return {identity.name: identity for identity in made}


#: name -> identity (``tenant-retail-compliance``, ..., ``agent``, ``operations``)
IDENTITIES: dict[str, SandboxIdentity] = _identities()
#: access key id -> identity
BY_ACCESS_KEY: dict[str, SandboxIdentity] = {i.access_key: i for i in IDENTITIES.values()}
#: The admin keys: every request signed with them is served as before, unchecked.
ADMIN_CREDENTIALS = {"aws_access_key_id": "sandbox", "aws_secret_access_key": "sandbox"}
