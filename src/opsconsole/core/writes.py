"""What a write to AWS is, described once: the audit record and the CLI line both come from it.

A :class:`Write` names the action as people say it ("Stop execution"), what
it acts on, the AWS service and operation, the parameters worth auditing,
whether it needs a confirmation, who does it, and the function that does it.
When the exact requests are known before sending (most single calls), they
are in ``calls`` and the write sends exactly those: the audit record, the
"Copy as AWS CLI" line and what AWS receives cannot drift apart. Writes
that are several calls decided on the way (a deployment, a re-run through a
helper state machine) keep ``calls`` empty and say so in
:attr:`Write.cli_note`; a batch (approve five review items) is five writes,
each with its own request and its own audit record.

Sending a write (confirmation, audit "attempted" on disk, the call, the
result) is the job layer's: :mod:`opsconsole.jobs.writes`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore import xform_name

from opsconsole.core.identity import Identity

#: How a write ended, as the audit log says it.
ATTEMPTED, OK, ERROR, CONFLICT, CANCELLED = "attempted", "ok", "error", "conflict", "cancelled"



class Conflict(Exception):
    """Someone else changed the thing first; ``str()`` is the sentence to show.

    Raised by a conditional write that lost (review items, locks, triage). Not an
    error: the write path delivers it as an outcome and audits it as "conflict".
    """

    def __init__(self, message: str, current: Any = None) -> None:
        super().__init__(message)
        self.message = message
        #: The record as it is now (a ReviewItem or Conversation), when it still exists.
        self.current = current

@dataclass(frozen=True)
class ApiCall:
    """One AWS request: service (boto3's client name), operation (API name) and its parameters."""

    service: str
    operation: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def send(self, clients: Any) -> dict[str, Any]:
        """Make exactly this request with ``clients`` and return AWS's answer."""
        method = getattr(clients.client(self.service), xform_name(self.operation))
        return method(**dict(self.params))

    def as_dict(self) -> dict[str, Any]:
        return {"service": self.service, "operation": self.operation, "params": dict(self.params)}


def _ok(_result: Any) -> tuple[str, str]:
    return OK, ""


@dataclass(frozen=True)
class Write:
    """One write the user asked for, described before it is sent."""

    #: As people say it: "Stop execution", "Approve review items".
    action: str
    #: What it acts on, for the audit log ("arn:...", "review item 7f3c...").
    target: str
    #: The AWS service and the operation (the main one, when there are several).
    service: str
    operation: str
    #: Does the write; takes the connection's clients. A generator function for a long
    #: write that yields :class:`~opsconsole.core.progress.Progress` (set ``steps``).
    run: Callable[[Any], Any] = field(repr=False, compare=False)
    #: Who does it (the same identity goes into the items it writes and the audit record);
    #: None: whoever the console's identity is when it is sent.
    who: Identity | None = None
    #: The exact requests, when known before sending (then the CLI line is exact).
    calls: tuple[ApiCall, ...] = ()
    #: Every resource it acts on, when several.
    targets: tuple[str, ...] = ()
    #: What the audit log keeps besides the requests (short: reasons, counts, names).
    details: Mapping[str, Any] = field(default_factory=dict)
    #: Needs the user's confirmation before it is sent.
    destructive: bool = False
    #: ``run`` is a generator function yielding progress.
    steps: bool = False
    #: How a returned result ended: (OK | ERROR | CONFLICT, sentence). A deployment can
    #: return normally and still have failed (its build did).
    outcome: Callable[[Any], tuple[str, str]] = field(default=_ok, repr=False, compare=False)
    #: Why there is no single CLI line (when ``calls`` is empty).
    no_cli: str = ""

    @classmethod
    def api(
        cls,
        action: str,
        target: str,
        call: ApiCall,
        *,
        result: Callable[[dict[str, Any]], Any] = lambda out: out,
        **kwargs: Any,
    ) -> Write:
        """A write that is exactly one request: ``run`` sends ``call`` and returns ``result(answer)``."""
        return cls(
            action=action,
            target=target,
            service=call.service,
            operation=call.operation,
            run=lambda clients: result(call.send(clients)),
            calls=(call,),
            **kwargs,
        )

    @property
    def cli_note(self) -> str:
        """Why "Copy as AWS CLI" is not offered, or "" when it is."""
        if self.calls:
            return ""
        return self.no_cli or f"{self.action} is several AWS calls decided on the way; there is no single CLI command."
