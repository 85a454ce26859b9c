"""'Copy as AWS CLI': the ``aws`` command that makes the same request as a write.

Names come from botocore's service model, as the AWS CLI builds them: the
operation ``StopExecution`` is ``stop-execution``, the member ``executionArn``
is ``--execution-arn``; booleans are ``--flag`` / ``--no-flag``; structures,
lists and maps are JSON. The connection adds ``--profile``, ``--region`` and
``--endpoint-url``. Quoting is POSIX shell (bash, zsh; PowerShell takes it
too for most values).
"""

from __future__ import annotations

import base64
import json
import shlex
from collections.abc import Iterable, Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any

import botocore.session
from botocore import xform_name
from botocore.model import OperationModel, ServiceModel, Shape

from opsconsole.core.aws import Connection
from opsconsole.core.writes import ApiCall

#: boto3 client names the CLI spells differently.
_CLI_SERVICE = {"s3": "s3api", "config": "configservice"}

#: The CLI's own options: a member with one of these names is renamed by the CLI
#: (awscli/customizations/argrename.py), never passed under the global name.
GLOBAL_OPTIONS = frozenset({
    "debug", "endpoint-url", "no-verify-ssl", "no-paginate", "output", "query", "profile", "region", "version",
    "color", "no-sign-request", "ca-bundle", "cli-read-timeout", "cli-connect-timeout", "cli-binary-format",
    "no-cli-pager", "cli-auto-prompt", "no-cli-auto-prompt",
})
#: (service, operation, member) -> the CLI's name, from the AWS CLI's ARGUMENT_RENAMES, for what the console sends.
RENAMES = {("stepfunctions", "SendTaskSuccess", "output"): "task-output"}


def option_name(service: str, operation: str, member: str) -> str:
    """The CLI's option (without ``--``) for ``member`` of ``operation``.

    Raises ValueError for a member that clashes with a global option and whose
    CLI name is not known here: better no command than a wrong one.
    """
    renamed = RENAMES.get((service, operation, member))
    if renamed:
        return renamed
    name = xform_name(member, "-")
    if name in GLOBAL_OPTIONS:
        raise ValueError(f"{operation}'s {member} clashes with the CLI's --{name}; its CLI name is not known")
    return name


@lru_cache(maxsize=16)
def service_model(service: str) -> ServiceModel:
    """botocore's model of ``service`` (boto3's client name), loaded once."""
    session = botocore.session.get_session()
    return ServiceModel(session.get_service_data(service), service_name=service)


def operation_model(service: str, operation: str) -> OperationModel:
    return service_model(service).operation_model(operation)


def _value(shape: Shape, value: Any) -> str:
    if shape.type_name in ("structure", "list", "map"):
        return json.dumps(value, ensure_ascii=False, default=str)
    if shape.type_name == "blob":
        data = value.encode("utf-8") if isinstance(value, str) else bytes(value)
        return base64.b64encode(data).decode("ascii")
    if shape.type_name == "timestamp" and isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def arguments(call: ApiCall, connection: Connection | None = None) -> list[str]:
    """The command as an argument list: ``["aws", "stepfunctions", "stop-execution", ...]``.

    Raises ValueError for a parameter the operation does not have.
    """
    op = operation_model(call.service, call.operation)
    members = op.input_shape.members if op.input_shape is not None else {}
    args = ["aws", _CLI_SERVICE.get(call.service, call.service), xform_name(call.operation, "-")]
    for name, value in call.params.items():
        member = members.get(name)
        if member is None:
            raise ValueError(f"{call.operation} has no parameter {name!r}")
        flag = option_name(call.service, call.operation, name)
        if member.type_name == "boolean":
            args.append(f"--{flag}" if value else f"--no-{flag}")
        else:
            args += [f"--{flag}", _value(member, value)]
    if connection is not None:
        if connection.profile and not connection.sandbox:
            args += ["--profile", connection.profile]
        if connection.region:
            args += ["--region", connection.region]
        if connection.endpoint_url:
            args += ["--endpoint-url", connection.endpoint_url]
    return args


def command(call: ApiCall, connection: Connection | None = None) -> str:
    """One request as one shell line."""
    return shlex.join(arguments(call, connection))


def commands(calls: Iterable[ApiCall], connection: Connection | None = None) -> str:
    """Several requests, one line each, in order."""
    return "\n".join(command(c, connection) for c in calls)


def from_requests(requests: Iterable[Mapping[str, Any]], connection: Connection | None) -> str:
    """The commands of requests as the audit log keeps them ({"service", "operation", "params"})."""
    return commands(
        (ApiCall(str(r["service"]), str(r["operation"]), dict(r.get("params") or {})) for r in requests), connection
    )
