"""From an alarm to what caused it: the executions an alarm on a Step Functions metric is about.

Step Functions publishes per-machine metrics in ``AWS/States`` with the
dimension ``StateMachineArn``; an alarm on ExecutionsFailed, ExecutionsTimedOut,
ExecutionsAborted or ExecutionThrottled... names the machine, and the metric
names the status worth listing. The window starts where the alarm's evaluation
window before its state change starts (EvaluationPeriods x Period before
StateUpdatedTimestamp), or earlier at the most recent breaching datapoint the
chart found before that change (the period that made it fire: a state set or
evaluated late still leads to the runs that caused it), and runs to now.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone

from opsconsole.core.alerts.alarms import Alarm
from opsconsole.core.alerts.charts import alarm_period
from opsconsole.core.executions import ExecutionsFilter

NAMESPACE = "AWS/States"
#: The ListExecutions status each metric counts (None: all statuses).
METRIC_STATUS: dict[str, str | None] = {
    "ExecutionsFailed": "FAILED",
    "ExecutionsTimedOut": "TIMED_OUT",
    "ExecutionsAborted": "ABORTED",
    "ExecutionsSucceeded": "SUCCEEDED",
    "ExecutionsStarted": None,
    "ExecutionThrottled": None,
    "ExecutionTime": None,
}


def executions_filter(alarm: Alarm, now: datetime | None = None,
                      breaching_times: Sequence[float] = ()) -> ExecutionsFilter | None:
    """The executions list filter for ``alarm``, or None when it is not about one state machine.

    ``breaching_times``: epoch seconds of the datapoints that breached (each the start of its period).
    """
    if alarm.namespace != NAMESPACE:
        return None
    arn = alarm.dimension.get("StateMachineArn")
    if not arn:
        return None
    status = METRIC_STATUS.get(alarm.metric, "FAILED")
    periods = int(alarm.raw.get("EvaluationPeriods") or 1)
    window = timedelta(seconds=alarm_period(alarm) * max(periods, 1))
    anchor = alarm.since or (now or datetime.now(timezone.utc))
    since = anchor - window
    before = [t for t in breaching_times if t <= anchor.timestamp()]
    if before:
        since = min(since, datetime.fromtimestamp(max(before), timezone.utc))
    return ExecutionsFilter(arn, status, since=since, until=None, reason=f"alarm {alarm.name}")
