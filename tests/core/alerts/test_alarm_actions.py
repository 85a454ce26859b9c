"""Writes on the alarm itself (disable / enable its actions) and the ways to reach it elsewhere (the
AWS CLI line), checked against CloudWatch's own request shapes by botocore's Stubber."""

from __future__ import annotations

from stubbed_aws import StubbedClients

from opsconsole.core import awscli
from opsconsole.core.alerts import actions
from opsconsole.core.alerts.alarms import Alarm
from opsconsole.core.aws import Connection
from opsconsole.core.identity import Identity

ARN = "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:orders DE 'mobile'"
ALARM = Alarm.from_api({"AlarmName": "orders DE 'mobile'", "AlarmArn": ARN, "StateValue": "ALARM"})
ANA = Identity("arn:aws:sts::123456789012:assumed-role/Ops/ana", "123456789012", "Ana")


def test_disabling_actions_is_a_confirmed_audited_write_of_exactly_that_alarm():
    write = actions.disable_actions(ALARM, ANA)
    assert (write.action, write.target, write.destructive, write.who) == ("Disable alarm actions", ARN, True, ANA)
    assert (write.service, write.operation) == ("cloudwatch", "DisableAlarmActions")
    assert write.details == {"alarm": "orders DE 'mobile'"}
    assert awscli.command(write.calls[0]) == \
        """aws cloudwatch disable-alarm-actions --alarm-names '["orders DE '"'"'mobile'"'"'"]'"""
    cw = StubbedClients("cloudwatch")
    cw.expect("cloudwatch", "disable_alarm_actions", {"AlarmNames": ["orders DE 'mobile'"]}, {})
    write.run(cw)
    cw.all_made()


def test_enabling_actions_again_needs_no_confirmation():
    write = actions.enable_actions(ALARM, ANA)
    assert (write.action, write.target, write.destructive, write.who) == ("Enable alarm actions", ARN, False, ANA)
    assert (write.service, write.operation) == ("cloudwatch", "EnableAlarmActions")
    assert write.details == {"alarm": "orders DE 'mobile'"}
    cw = StubbedClients("cloudwatch")
    cw.expect("cloudwatch", "enable_alarm_actions", {"AlarmNames": ["orders DE 'mobile'"]}, {})
    write.run(cw)
    cw.all_made()


def test_the_cli_line_describes_this_alarm_of_either_kind_on_this_connection():
    line = actions.cli_command(ALARM, Connection(profile="ops", region="eu-west-1"))
    assert line == ("""aws cloudwatch describe-alarms --alarm-names '["orders DE '"'"'mobile'"'"'"]' """
                    """--alarm-types '["MetricAlarm", "CompositeAlarm"]' --profile ops --region eu-west-1""")
    cw = StubbedClients("cloudwatch")  # and it is a request CloudWatch takes
    cw.expect("cloudwatch", "describe_alarms", {"AlarmNames": ["orders DE 'mobile'"],
                                                "AlarmTypes": ["MetricAlarm", "CompositeAlarm"]}, {})
    actions.describe_call(ALARM).send(cw)
    cw.all_made()
