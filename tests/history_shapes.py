"""Hand-written execution histories in GetExecutionHistory's shape, answered through botocore's Stubber.

The Stubber checks every answer against Step Functions' service model (event
types, detail members, their types), so a history written here has the shape
AWS sends; it is then read the way the console reads it (``iter_history``).
Used for the shapes the sandbox does not record: events a real account sends
(``TaskStateAborted``, ``ActivityScheduled``...) and branches cut short.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from botocore.stub import Stubber
from stubbed_aws import REGION
from stubbed_aws import offline_clients as _new_clients

from opsconsole.core.aws import Clients
from opsconsole.core.executions.history import HistoryEvent, iter_history

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)
ARN = f"arn:aws:states:{REGION}:123456789012:execution:mlops-training:run-1"


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


_CLIENTS: list[Clients] = []


def offline_clients() -> Clients:
    """Clients that reach no endpoint: every call below is answered by a Stubber (made once: a client takes
    a while to build)."""
    if not _CLIENTS:
        _CLIENTS.append(_new_clients())
    return _CLIENTS[0]


def _details_member(type_: str) -> str:
    if type_.endswith("StateEntered"):
        return "stateEnteredEventDetails"
    if type_.endswith("StateExited"):
        return "stateExitedEventDetails"
    return type_[0].lower() + type_[1:] + "EventDetails"


class History:
    """Builds a history event by event; ``add`` returns the new event's id (for ``after=``)."""

    def __init__(self, execution_input: str = "{}") -> None:
        self.events: list[dict] = []
        self.add("ExecutionStarted", 0, after=0, input=execution_input,
                 roleArn="arn:aws:iam::123456789012:role/mlops-states")

    def add(self, type_: str, t: float, after: int | None = None, **details) -> int:
        event_id = len(self.events) + 1
        event = {"timestamp": at(t), "type": type_, "id": event_id,
                 "previousEventId": event_id - 1 if after is None else after}
        if details:
            event[_details_member(type_)] = details
        self.events.append(event)
        return event_id

    def enter(self, kind: str, name: str, t: float, after: int | None = None, input: str = "{}") -> int:
        return self.add(f"{kind}StateEntered", t, after, name=name, input=input)

    def exit(self, kind: str, name: str, t: float, after: int | None = None, output: str = "{}") -> int:
        return self.add(f"{kind}StateExited", t, after, name=name, output=output)

    def served(self, **kw) -> list[HistoryEvent]:
        """The events as ``iter_history`` reads them from (stubbed) GetExecutionHistory answers."""
        return served_history([self.events], **kw)


def served_history(pages: list[list[dict]], requests: list[dict] | None = None, **kw) -> list[HistoryEvent]:
    """The events of ``pages`` read through ``iter_history(**kw)``; ``requests``: the calls it must make."""
    return [e for page in served_pages(pages, requests, **kw) for e in page]


def served_pages(pages: list[list[dict]], requests: list[dict] | None = None, **kw) -> list[list[HistoryEvent]]:
    """The pages ``iter_history(**kw)`` yields when GetExecutionHistory answers ``pages`` one call each."""
    clients = offline_clients()
    sfn = clients.client("stepfunctions")
    with Stubber(sfn) as stub:
        for number, page in enumerate(pages):
            answer = {"events": page}
            if number < len(pages) - 1:
                answer["nextToken"] = f"page-{number + 1}"
            stub.add_response("get_execution_history", answer, requests[number] if requests else None)
        read = list(iter_history(clients, ARN, **kw))
        stub.assert_no_pending_responses()
    return read
