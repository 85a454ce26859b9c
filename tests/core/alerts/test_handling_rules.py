"""Acknowledge / assign / snooze without the sandbox: which state a record belongs to, the exact conditional
PutItem of each change (checked against DynamoDB's model by botocore's Stubber), the sentence of a lost
race, the refusals, and reading and creating the shared table."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from stubbed_aws import StubbedClients
from botocore.exceptions import ClientError

from opsconsole.core import awscli
from opsconsole.core.alerts import handling
from opsconsole.core.alerts.alarms import Alarm
from opsconsole.core.alerts.handling import Handling, HandlingRefused
from opsconsole.core.format import format_day_time_in_sentence
from opsconsole.core.identity import Identity
from opsconsole.core.writes import Conflict

ANA = Identity("arn:aws:sts::123456789012:assumed-role/Ops/ana", "123456789012", "Ana")
T0 = datetime(2026, 6, 1, 9, 0, tzinfo=timezone.utc)
NOW = datetime(2026, 6, 1, 10, 42, 17, 123456, tzinfo=timezone.utc)
TEAM_TABLE = "team-alarm-handling"
ARN = "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:orders-DE"


def alarm(state="ALARM", transitioned=T0, updated=T0):
    record = {"AlarmName": "orders-DE", "AlarmArn": ARN, "StateValue": state, "StateUpdatedTimestamp": updated}
    if transitioned is not None:
        record["StateTransitionedTimestamp"] = transitioned
    return Alarm.from_api(record)


def test_a_record_belongs_to_the_moment_the_state_began():
    assert handling.state_since(alarm()) == "2026-06-01T09:00:00Z"
    assert handling.state_since(alarm(transitioned="2026-06-01T10:00:00+02:00")) == "2026-06-01T08:00:00Z"
    assert handling.state_since(alarm(transitioned=datetime(2026, 6, 1, 9))) == "2026-06-01T09:00:00Z"
    # a re-evaluation updates StateUpdatedTimestamp, not the transition: the record still applies
    assert handling.state_since(alarm(updated=T0 + timedelta(hours=1))) == "2026-06-01T09:00:00Z"
    assert handling.state_since(alarm(transitioned=None, updated=T0)) == "2026-06-01T09:00:00Z"
    assert handling.state_since(alarm(transitioned=None, updated=None)) == ""


def test_a_state_change_clears_the_record_but_keeps_its_version_for_the_next_write():
    record = Handling(ARN, "orders-DE", "ALARM", "2026-06-01T09:00:00Z", acked_by="Ana", version=3)
    assert record.applies_to(alarm()) and handling.current(alarm(), record) is record
    for changed in (alarm(state="OK"), alarm(transitioned=T0 + timedelta(hours=2))):
        assert not record.applies_to(changed)
        now = handling.current(changed, record)
        assert (now.acked_by, now.version, now.state, now.state_since) == (
            "", 3, changed.state, handling.state_since(changed))
    assert not replace(record, version=0).applies_to(alarm())
    assert handling.current(alarm(), None) == Handling(ARN, "orders-DE", "ALARM", "2026-06-01T09:00:00Z")


def test_a_snooze_ends_by_itself():
    record = Handling(ARN, snoozed_until=NOW)
    assert record.snoozed(NOW - timedelta(seconds=1)) and not record.snoozed(NOW)
    assert not Handling(ARN).snoozed(NOW)
    assert Handling(ARN, snoozed_until=datetime.now(timezone.utc) + timedelta(hours=1)).snoozed()


def test_a_record_reads_back_as_it_was_written():
    record = Handling(ARN, "orders-DE", "ALARM", "2026-06-01T09:00:00Z", acked_by="Ana", acked_at=T0,
                      assignee="Bo", assigned_by="Ana", assigned_at=T0, snoozed_until=NOW.replace(microsecond=0),
                      snoozed_by="Ana", version=2, updated_by="Ana", updated_at=T0)
    stored = record.to_record()
    assert stored["acked_at"] == "2026-06-01T09:00:00Z" and stored["version"] == 2
    assert Handling.from_record({**stored, "version": Decimal(2)}) == record
    bare = Handling(ARN).to_record()
    assert bare == {"alarm_arn": ARN, "version": 0}  # nothing empty is stored
    assert Handling.from_record({"alarm_arn": ARN, "version": "x", "acked_at": "not a time"}) == Handling(ARN)


def item(record: Handling) -> dict:
    return {k: handling._ser.serialize(v) for k, v in record.to_record().items()}


def put(record: Handling, version: int) -> dict:
    params = {"TableName": handling.TABLE, "Item": item(record)}
    if version:
        params |= {"ConditionExpression": "version = :expected", "ExpressionAttributeValues": {":expected": {"N": str(version)}}}
    else:
        params["ConditionExpression"] = "attribute_not_exists(alarm_arn)"
    return params


def test_the_first_acknowledgement_creates_the_record_only_if_nobody_did():
    seen = handling.current(alarm(), None)
    write = handling.acknowledge(alarm(), seen, ANA, NOW)
    after = replace(seen, acked_by="ana", acked_at=NOW.replace(microsecond=0), version=1, updated_by="ana",
                    updated_at=NOW.replace(microsecond=0))
    assert (write.action, write.target, write.operation, write.who) == ("Acknowledge alarm", ARN, "PutItem", ANA)
    assert write.service == "dynamodb" and [c.operation for c in write.calls] == ["PutItem"]
    assert write.details == {"alarm": "orders-DE", "state": "ALARM"}
    ddb = StubbedClients("dynamodb")
    ddb.expect("dynamodb", "put_item", put(after, 0), {})
    assert write.run(ddb) == after
    ddb.all_made()


def test_assign_snooze_and_unsnooze_are_conditional_on_the_version_seen():
    seen = Handling(ARN, "orders-DE", "ALARM", "2026-06-01T09:00:00Z", acked_by="Ana", version=4)
    stamp = NOW.replace(microsecond=0)
    cases = [
        (handling.assign(alarm(), seen, "  Bo ", ANA, NOW), "Assign alarm", {"assignee": "Bo"},
         replace(seen, assignee="Bo", assigned_by="ana", assigned_at=stamp)),
        (handling.snooze(alarm(), seen, NOW + timedelta(hours=2), ANA, NOW), "Snooze alarm",
         {"until": "2026-06-01T12:42:17Z"},
         replace(seen, snoozed_until=(NOW + timedelta(hours=2)).replace(microsecond=0), snoozed_by="ana")),
        (handling.unsnooze(alarm(), replace(seen, snoozed_until=NOW, snoozed_by="Bo"), ANA, NOW), "Unsnooze alarm", {},
         seen),
    ]
    for write, action, details, expected in cases:
        after = replace(expected, version=5, updated_by="ana", updated_at=stamp)
        assert write.action == action and write.details == {"alarm": "orders-DE", "state": "ALARM", **details}
        ddb = StubbedClients("dynamodb")
        ddb.expect("dynamodb", "put_item", put(after, 4), {})
        assert write.run(ddb) == after
        ddb.all_made()


def test_changes_that_make_no_sense_are_refused_saying_what_to_do():
    seen = handling.current(alarm(), None)
    with pytest.raises(HandlingRefused, match="^Type the name of the person who takes the alarm.$") as refused:
        handling.assign(alarm(), seen, "   ", ANA, NOW)
    assert refused.value.title == "No one to assign"
    with pytest.raises(HandlingRefused, match="^Pick a time after now for the snooze to end.$") as refused:
        handling.snooze(alarm(), seen, NOW.replace(microsecond=0), ANA, NOW)
    assert refused.value.title == "Snooze ends in the past"
    with pytest.raises(HandlingRefused, match="^orders-DE is not snoozed.$") as refused:
        handling.unsnooze(alarm(), seen, ANA, NOW)
    assert refused.value.title == "Not snoozed"


def test_without_a_clock_each_change_is_stamped_now_in_utc_and_by_whoever_made_it():
    seen = Handling(ARN, "orders-DE", "ALARM", "2026-06-01T09:00:00Z", snoozed_until=NOW, version=1)
    later = datetime.now(timezone.utc) + timedelta(hours=1)
    for write in (handling.acknowledge(alarm(), seen, ANA), handling.assign(alarm(), seen, "Bo", ANA),
                  handling.snooze(alarm(), seen, later, ANA), handling.unsnooze(alarm(), seen, ANA)):
        assert write.who == ANA
        ddb = StubbedClients("dynamodb")
        ddb.stubs["dynamodb"].add_response("put_item", {})
        after = write.run(ddb)
        assert after.updated_at.utcoffset() == timedelta(0)
        assert abs(after.updated_at - datetime.now(timezone.utc)) < timedelta(minutes=5)


def test_a_time_stored_without_a_zone_reads_as_utc():
    record = Handling.from_record({"alarm_arn": ARN, "acked_at": "2026-06-01T09:00:00", "version": 1})
    assert record.acked_at == T0 and record.acked_at.utcoffset() == timedelta(0)


def lost_race(stored_item, table=handling.TABLE):
    ddb = StubbedClients("dynamodb")
    ddb.refuse("dynamodb", "put_item", "ConditionalCheckFailedException")
    ddb.expect("dynamodb", "get_item", {"TableName": table, "Key": {"alarm_arn": {"S": ARN}},
                                        "ConsistentRead": True}, stored_item)
    return ddb


def test_losing_the_race_says_who_did_what_first_and_shows_their_record():
    bo = Handling(ARN, "orders-DE", "ALARM", "2026-06-01T09:00:00Z", acked_by="Bo", assignee="Cy",
                  snoozed_until=datetime.now(timezone.utc).replace(microsecond=0) + timedelta(hours=1), version=1,
                  updated_by="Bo", updated_at=T0)
    ddb = lost_race({"Item": item(bo)})
    with pytest.raises(Conflict) as lost:
        handling.acknowledge(alarm(), handling.current(alarm(), None), ANA, NOW).run(ddb)
    assert str(lost.value) == ("orders-DE was acknowledged, assigned to Cy, snoozed by Bo at "
                               f"{format_day_time_in_sentence(T0)} first; the view now shows that.")
    assert lost.value.current == bo


def test_a_record_of_an_earlier_state_or_one_removed_meanwhile_says_so():
    earlier = Handling(ARN, "orders-DE", "OK", "2026-05-01T09:00:00Z", acked_by="Bo", version=1, updated_by="")
    ddb = lost_race({"Item": item(earlier)})
    with pytest.raises(Conflict, match="^orders-DE was changed by someone at just now first"):
        handling.acknowledge(alarm(), handling.current(alarm(), None), ANA, NOW).run(ddb)
    ddb = lost_race({}, TEAM_TABLE)  # the record is read back from the table the write went to
    with pytest.raises(Conflict, match="^The handling of orders-DE was removed meanwhile; reload and try again.$"):
        handling.acknowledge(alarm(), handling.current(alarm(), None), ANA, NOW, table=TEAM_TABLE).run(ddb)


def test_other_errors_are_not_conflicts():
    ddb = StubbedClients("dynamodb")
    ddb.refuse("dynamodb", "put_item", "ProvisionedThroughputExceededException")
    with pytest.raises(ClientError):
        handling.acknowledge(alarm(), handling.current(alarm(), None), ANA, NOW).run(ddb)


def test_every_record_is_read_a_page_at_a_time_and_a_missing_table_is_nothing_handled():
    ddb = StubbedClients("dynamodb")
    a, b = Handling(ARN, version=1, acked_by="Ana"), Handling(ARN + "-2", version=2)
    ddb.expect("dynamodb", "scan", {"TableName": TEAM_TABLE},
               {"Items": [item(a)], "Count": 1, "ScannedCount": 1, "LastEvaluatedKey": item(a)})
    ddb.expect("dynamodb", "scan", {"TableName": TEAM_TABLE, "ExclusiveStartKey": item(a)},
               {"Items": [item(b)], "Count": 1, "ScannedCount": 1})
    assert list(handling.load(ddb, TEAM_TABLE)) == [{ARN: a}, {ARN + "-2": b}]
    ddb.refuse("dynamodb", "scan", "ResourceNotFoundException")
    assert list(handling.load(ddb, TEAM_TABLE)) == []
    ddb.refuse("dynamodb", "scan", "AccessDeniedException")
    with pytest.raises(ClientError):
        list(handling.load(ddb, TEAM_TABLE))


def test_the_shared_table_is_created_on_demand_once():
    definition = {"TableName": TEAM_TABLE, "BillingMode": "PAY_PER_REQUEST",
                  "KeySchema": [{"AttributeName": "alarm_arn", "KeyType": "HASH"}],
                  "AttributeDefinitions": [{"AttributeName": "alarm_arn", "AttributeType": "S"}]}
    write = handling.create_table_write(ANA, TEAM_TABLE)
    assert (write.action, write.target, write.who, write.calls[0].params) == (
        "Create alarm handling table", TEAM_TABLE, ANA, definition)
    assert (write.service, write.operation) == ("dynamodb", "CreateTable")
    assert write.details == {"why": "acknowledgements, assignments and snoozes are shared through it"}
    assert awscli.command(write.calls[0]) == (
        "aws dynamodb create-table --table-name team-alarm-handling --billing-mode PAY_PER_REQUEST "
        """--key-schema '[{"AttributeName": "alarm_arn", "KeyType": "HASH"}]' """
        """--attribute-definitions '[{"AttributeName": "alarm_arn", "AttributeType": "S"}]'""")
    active = {"Table": {"TableName": TEAM_TABLE, "TableStatus": "ACTIVE"}}
    ddb = StubbedClients("dynamodb")
    ddb.expect("dynamodb", "create_table", definition, {})
    ddb.expect("dynamodb", "describe_table", {"TableName": TEAM_TABLE}, active)
    assert write.run(ddb) == f"created table {TEAM_TABLE}"
    ddb.refuse("dynamodb", "create_table", "ResourceInUseException")
    ddb.expect("dynamodb", "describe_table", {"TableName": TEAM_TABLE}, active)
    assert handling.create_table(ddb, TEAM_TABLE) == f"table {TEAM_TABLE} already existed"
    ddb.refuse("dynamodb", "create_table", "LimitExceededException")
    with pytest.raises(ClientError):
        handling.create_table(ddb, TEAM_TABLE)
    ddb.all_made()


def test_whether_the_table_exists():
    ddb = StubbedClients("dynamodb")
    ddb.expect("dynamodb", "describe_table", {"TableName": TEAM_TABLE}, {"Table": {"TableName": TEAM_TABLE}})
    ddb.refuse("dynamodb", "describe_table", "ResourceNotFoundException")
    ddb.refuse("dynamodb", "describe_table", "AccessDeniedException")
    assert handling.table_exists(ddb, TEAM_TABLE) and not handling.table_exists(ddb, TEAM_TABLE)
    with pytest.raises(ClientError):
        handling.table_exists(ddb, TEAM_TABLE)


@pytest.fixture
def in_berlin(local_time_zone):
    """The console running on a machine whose local time is not UTC."""
    local_time_zone("Europe/Berlin")


def test_records_written_on_a_machine_in_another_zone_match_the_alarm_all_the_same(in_berlin):
    naive = Alarm.from_api({"AlarmName": "orders-DE", "AlarmArn": ARN, "StateValue": "ALARM",
                            "StateTransitionedTimestamp": datetime(2026, 6, 1, 9)})
    assert handling.state_since(naive) == "2026-06-01T09:00:00Z"
    assert Alarm.from_api({"AlarmName": "x", "StateUpdatedTimestamp": datetime(2026, 6, 1, 9)}).since == T0
    assert Handling(ARN, acked_at=T0, version=1).to_record()["acked_at"] == "2026-06-01T09:00:00Z"
