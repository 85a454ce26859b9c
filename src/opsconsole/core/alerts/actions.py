"""Writes on the alarm itself, and how to reach it elsewhere (AWS console, ARN, AWS CLI).

Disabling an alarm's actions (DisableAlarmActions) keeps the alarm evaluating
but stops its notifications and automatic actions until EnableAlarmActions:
both are audited writes, disabling confirmed first.
"""

from __future__ import annotations

from opsconsole.core import awscli
from opsconsole.core.alerts.alarms import Alarm
from opsconsole.core.aws import Connection
from opsconsole.core.identity import Identity
from opsconsole.core.writes import ApiCall, Write


def disable_actions(alarm: Alarm, who: Identity | None = None) -> Write:
    return Write.api(
        "Disable alarm actions", alarm.arn, ApiCall("cloudwatch", "DisableAlarmActions", {"AlarmNames": [alarm.name]}),
        who=who, destructive=True, details={"alarm": alarm.name})


def enable_actions(alarm: Alarm, who: Identity | None = None) -> Write:
    return Write.api(
        "Enable alarm actions", alarm.arn, ApiCall("cloudwatch", "EnableAlarmActions", {"AlarmNames": [alarm.name]}),
        who=who, details={"alarm": alarm.name})


def describe_call(alarm: Alarm) -> ApiCall:
    """DescribeAlarms for just this alarm (either kind)."""
    return ApiCall("cloudwatch", "DescribeAlarms",
                   {"AlarmNames": [alarm.name], "AlarmTypes": ["MetricAlarm", "CompositeAlarm"]})


def cli_command(alarm: Alarm, connection: Connection | None = None) -> str:
    """The equivalent ``aws cloudwatch describe-alarms ...`` line for this connection."""
    return awscli.command(describe_call(alarm), connection)
