"""The live story: the checkout KPI of one market collapses for 4 minutes of every 12 and its
anomaly-band alarm goes OK -> ALARM -> OK, with history and the notification action.

CloudWatch user guide, "Using CloudWatch anomaly detection" and "Evaluating an alarm";
API reference, DescribeAlarmHistory.
"""

from __future__ import annotations

import datetime as dt

DE_ALARM = "checkout-orders-anomaly-DE"


def test_kpi_anomaly_starts_and_ends(sandbox, cloudwatch):
    from opsconsole.sandbox.cloudwatch import service
    from opsconsole.sandbox.scenario.seeding import LiveAlerts
    from opsconsole.sandbox.scenario.alerts import seed

    seeded = cloudwatch.describe_alarms(AlarmNames=[DE_ALARM])["MetricAlarms"][0]
    live = LiveAlerts(sandbox.client("cloudwatch"), sandbox.seed)  # not started: the test drives it
    start = dt.datetime.now(dt.timezone.utc).replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    while (int(start.timestamp() // 60) % seed.ANOMALY_CYCLE_MINUTES) != 0:
        start += dt.timedelta(minutes=1)
    states = []
    try:
        for minute in range(seed.ANOMALY_CYCLE_MINUTES):
            at = start + dt.timedelta(minutes=minute)
            live._put_minute(at)
            service.evaluate(sandbox.region, at + dt.timedelta(minutes=1, seconds=5), [DE_ALARM])
            states.append(cloudwatch.describe_alarms(AlarmNames=[DE_ALARM])["MetricAlarms"][0]["StateValue"])
        assert states[0] == "OK" and states[-1] == "OK"
        alarm_minutes = [m for m, state in enumerate(states) if state == "ALARM"]
        assert alarm_minutes and set(alarm_minutes) <= set(range(5, 11))  # during the collapse, 2 of 3 breaching
        items = cloudwatch.describe_alarm_history(AlarmName=DE_ALARM, StartDate=start,
                                                  ScanBy="TimestampAscending")["AlarmHistoryItems"]
        summaries = [i["HistorySummary"] for i in items]
        assert summaries[:3] == ["Alarm updated from OK to ALARM",
                                 f"Successfully executed action {seeded['AlarmActions'][0]}",
                                 "Alarm updated from ALARM to OK"]
    finally:
        cloudwatch.set_alarm_state(AlarmName=DE_ALARM, StateValue=seeded["StateValue"],
                                   StateReason=seeded["StateReason"])
