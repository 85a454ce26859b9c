"""Acknowledge / assign / snooze records in DynamoDB (the sandbox's), with conditional writes."""

import uuid
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from opsconsole.core.alerts import handling
from opsconsole.core.alerts.alarms import Alarm
from opsconsole.core.identity import Identity
from opsconsole.core.writes import Conflict

ANA = Identity("arn:aws:sts::123456789012:assumed-role/Ops/ana", "123456789012", "Ana")
BO = Identity("arn:aws:sts::123456789012:assumed-role/Ops/bo", "123456789012", "Bo")
T0 = datetime(2026, 6, 1, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def table(sandbox_clients):
    name = f"alarm-handling-{uuid.uuid4().hex[:8]}"
    assert not handling.table_exists(sandbox_clients, name)
    assert list(handling.load(sandbox_clients, name)) == []  # a missing table reads as nothing handled
    write = handling.create_table_write(ANA, name)
    assert write.calls[0].operation == "CreateTable"
    write.run(sandbox_clients)
    assert handling.table_exists(sandbox_clients, name)
    return name


def alarm(state="ALARM", since=T0):
    return Alarm.from_api({"AlarmName": "x", "AlarmArn": f"arn:aws:cloudwatch:eu-west-1:1:alarm:x-{uuid.uuid4().hex}",
                           "StateValue": state, "StateUpdatedTimestamp": since, "StateTransitionedTimestamp": since})


def stored(clients, a, table):
    return handling.current(a, handling.get(clients, a.arn, table))


def test_acknowledge_records_who_and_when(sandbox_clients, table):
    a = alarm()
    done = handling.acknowledge(a, handling.fresh(a), ANA, now=T0 + timedelta(minutes=5), table=table).run(sandbox_clients)
    again = stored(sandbox_clients, a, table)
    assert again == done and again.acked_by == "ana" and again.acked_at == T0 + timedelta(minutes=5)
    assert again.version == 1
    pages = list(handling.load(sandbox_clients, table))
    assert pages[0][a.arn].acked_by == "ana"


def test_the_second_writer_on_the_same_version_gets_a_conflict_naming_the_first(sandbox_clients, table):
    a = alarm()
    seen = handling.fresh(a)
    handling.acknowledge(a, seen, ANA, table=table).run(sandbox_clients)
    with pytest.raises(Conflict) as lost:
        handling.assign(a, seen, "Bo", BO, table=table).run(sandbox_clients)
    # The records name the principal (ana), not the display name anyone could have typed (Ana).
    assert "x was acknowledged by ana at" in lost.value.message
    assert lost.value.current.acked_by == "ana"
    # With what it now knows, Bo's assignment goes through and keeps Ana's acknowledgement.
    after = handling.assign(a, lost.value.current, "Bo", BO, table=table).run(sandbox_clients)
    assert after.acked_by == "ana" and after.assignee == "Bo" and after.version == 2


def test_a_state_change_clears_the_record_and_the_next_write_replaces_it(sandbox_clients, table):
    a = alarm()
    handling.acknowledge(a, handling.fresh(a), ANA, table=table).run(sandbox_clients)
    changed = replace(a, state="OK", since=T0 + timedelta(hours=1),
                      raw={**a.raw, "StateValue": "OK", "StateTransitionedTimestamp": T0 + timedelta(hours=1)})
    now = stored(sandbox_clients, changed, table)
    assert now.acked_by == "" and now.version == 1  # cleared, but the next write is conditional on version 1
    assert handling.acknowledge(changed, now, BO, table=table).run(sandbox_clients).acked_by == "bo"


def test_snooze_until_a_time_and_unsnooze(sandbox_clients, table):
    a = alarm()
    now = datetime.now(timezone.utc)
    snoozed = handling.snooze(a, handling.fresh(a), now + timedelta(hours=1), ANA, table=table).run(sandbox_clients)
    assert snoozed.snoozed() and snoozed.snoozed_by == "ana"
    assert not snoozed.snoozed(now + timedelta(hours=2))  # ends by itself
    back = handling.unsnooze(a, stored(sandbox_clients, a, table), BO, table=table).run(sandbox_clients)
    assert not back.snoozed() and stored(sandbox_clients, a, table).snoozed_until is None


def test_refusals(sandbox_clients, table):
    a = alarm()
    with pytest.raises(handling.HandlingRefused):
        handling.snooze(a, handling.fresh(a), datetime.now(timezone.utc) - timedelta(minutes=1), ANA, table=table)
    with pytest.raises(handling.HandlingRefused):
        handling.assign(a, handling.fresh(a), "  ", ANA, table=table)
    with pytest.raises(handling.HandlingRefused):
        handling.unsnooze(a, handling.fresh(a), ANA, table=table)


def test_creating_the_table_twice_is_harmless(sandbox_clients, table):
    assert "already existed" in handling.create_table(sandbox_clients, table)
