"""The executions area's rules: state machines and executions, their histories, ASL, the fixing actions."""

from dataclasses import dataclass as _dataclass
from datetime import datetime as _datetime


@_dataclass(frozen=True)
class ExecutionsFilter:
    """What another area asks the executions list to show (an alarm opening its failed runs).

    ``state_machine_arn``: the one machine; ``status``: a ListExecutions status
    (FAILED, TIMED_OUT...) or None for all; ``since``/``until``: the window of
    start times (None: open).
    """

    state_machine_arn: str
    status: str | None = None
    since: _datetime | None = None
    until: _datetime | None = None
    #: Why the list is filtered, shown above it ("alarm mlops-training-executions-failed").
    reason: str = ""


# The public face other areas use where the product links them (a dead letter naming an execution opens it).
from opsconsole.core.executions.listing import Execution, describe_execution  # noqa: E402

__all__ = ["Execution", "ExecutionsFilter", "describe_execution"]
