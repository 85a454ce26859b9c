"""Live alerting: metrics keep flowing and alarms are evaluated while the sandbox runs.

Every tick (10 s) a background thread puts, for each minute that completed
since the last tick: the checkout orders per marketplace (DE collapses for 4
minutes of every 12, so its band alarm goes OK -> ALARM -> OK), AWS/States
counts of the executions that really ended in that minute (live runs fail
now and then: the ``-failures-1m`` alarms follow) and AWS/SQS depth and age
of every queue read from the queues themselves (a redrive empties the DLQ and
its alarms clear). At each new hour it adds the hourly KPIs (the seeded DE
mobile_app collapse is over by then). Then every alarm
is evaluated at the current time (history, SNS notifications to the
subscribed inbox queue, composite roll-ups). Stopped by :meth:`LiveAlerts.stop`.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
from collections import Counter
from typing import Any

from opsconsole.sandbox.scenario import catalog as c
from opsconsole.sandbox.scenario.alerts import catalog, seed
from opsconsole.sandbox.cloudwatch import service as cloudwatch
from opsconsole.sandbox.scenario.background import Background

log = logging.getLogger(__name__)
_STATUS_METRICS = {"FAILED": "ExecutionsFailed", "SUCCEEDED": "ExecutionsSucceeded", "TIMED_OUT": "ExecutionsTimedOut",
                   "ABORTED": "ExecutionsAborted"}


class LiveAlerts(Background):
    """Puts live metrics and evaluates alarms in the background until stopped."""

    thread_name = "sandbox-live-alerts"

    def __init__(self, cloudwatch: Any, seed_value: int, interval: float = 10.0):
        self.cloudwatch = cloudwatch
        self.interval = interval
        self._rng = random.Random(f"{seed_value}:live-alerts")
        super().__init__()
        now = dt.datetime.now(dt.timezone.utc)
        self._last_minute = now.replace(second=0, microsecond=0)
        self._last_hour = now.replace(minute=0, second=0, microsecond=0)

    def _run(self) -> None:
        while not self._stopping.wait(self.interval):
            try:
                self.tick(dt.datetime.now(dt.timezone.utc))
            except Exception:  # keep the sandbox alive; the next tick tries again
                if not self._stopping.is_set():
                    log.exception("sandbox: live alerts tick failed")

    def tick(self, now: dt.datetime) -> dict[str, str]:
        """Put the metrics of the minutes (and hours) completed since the last tick; evaluate every alarm."""
    
        began = time.perf_counter()
        minute = now.replace(second=0, microsecond=0)
        while self._last_minute < minute:
            self._put_minute(self._last_minute)
            self._last_minute += dt.timedelta(minutes=1)
        hour = now.replace(minute=0, second=0, microsecond=0)
        while self._last_hour < hour:
            self._put_hour(self._last_hour)
            self._last_hour += dt.timedelta(hours=1)
        changed = cloudwatch.evaluate(c.REGION, now)
        log.debug("sandbox: live alerts tick in %.0f ms, %d alarms changed", (time.perf_counter() - began) * 1000,
                  len(changed))
        return changed

    def _put_minute(self, at: dt.datetime) -> None:
        orders = [{"MetricName": "Orders", "Timestamp": at, "Unit": "Count",
                   "Value": seed.checkout_orders(market, at, self._rng),
                   "Dimensions": [{"Name": "Marketplace", "Value": market}]} for market in c.MARKETPLACES]
        seed.put_metrics(self.cloudwatch, catalog.LIVE_NAMESPACE, orders)
        states = _execution_counts(at, at + dt.timedelta(minutes=1))
        if states:
            seed.put_metrics(self.cloudwatch, "AWS/States", states)
        seed.put_metrics(self.cloudwatch, "AWS/SQS", _queue_depths(at))

    def _put_hour(self, hour: dt.datetime) -> None:
        rng = random.Random(f"{hour:%Y%m%d%H}")
        # generated as of 5 hours later: past the seeded 4-hour collapse, so the hourly anomaly ends too
        kpis = [d for d in seed.kpi_metrics(hour + dt.timedelta(hours=5), rng, days=1) if d["Timestamp"] == hour]
        classified = [d for d in seed.classification_metrics(hour + dt.timedelta(hours=1), rng, days=1)
                      if d["Timestamp"] == hour]
        seed.put_metrics(self.cloudwatch, "Retail/Orders", kpis)
        seed.put_metrics(self.cloudwatch, catalog.CLASSIFICATION_NAMESPACE, classified)


def _execution_counts(start: dt.datetime, end: dt.datetime) -> list[dict[str, Any]]:
    """AWS/States datapoints for the executions that ended in [start, end), per state machine."""
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    counts: Counter[tuple[str, str]] = Counter()
    backend = stepfunctions_parser_backends[c.ACCOUNT_ID][c.REGION]
    for machine in list(backend.state_machines):
        for execution in list(machine.executions):
            stop = getattr(execution, "stop_date", None)
            if stop is None or execution.status not in _STATUS_METRICS:
                continue
            stop = stop if stop.tzinfo else stop.replace(tzinfo=dt.timezone.utc)
            if start <= stop < end:
                counts[(machine.arn, _STATUS_METRICS[execution.status])] += 1
    data = []
    for machine in list(backend.state_machines):
        for metric in ("ExecutionsFailed", *(m for m in _STATUS_METRICS.values() if m != "ExecutionsFailed")):
            value = counts[(machine.arn, metric)]
            if value or metric == "ExecutionsFailed":
                data.append({"MetricName": metric, "Timestamp": start, "Value": value, "Unit": "Count",
                             "Dimensions": [{"Name": "StateMachineArn", "Value": machine.arn}]})
    return data


def _queue_depths(at: dt.datetime) -> list[dict[str, Any]]:
    """AWS/SQS visible messages and oldest-message age of every queue, read from the queues."""
    from moto.sqs.models import sqs_backends

    data = []
    for queue in list(sqs_backends[c.ACCOUNT_ID][c.REGION].queues.values()):
        visible = queue.messages
        oldest = min((m.sent_timestamp or 0 for m in visible), default=None)
        age = max(0, at.timestamp() - oldest / 1000) if oldest else 0
        dims = [{"Name": "QueueName", "Value": queue.name}]
        data.append({"MetricName": "ApproximateNumberOfMessagesVisible", "Dimensions": dims, "Timestamp": at,
                     "Value": len(visible), "Unit": "Count"})
        data.append({"MetricName": "ApproximateAgeOfOldestMessage", "Dimensions": dims, "Timestamp": at,
                     "Value": round(age), "Unit": "Seconds"})
    return data
