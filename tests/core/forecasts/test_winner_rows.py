"""A winners row and a history record read the same whichever of the table's namings wrote them, read as empty
(never "None") where a field is absent, and a promotion writes the time and who under the row's own names."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from stubbed_aws import StubbedClients

from opsconsole.core.forecasts.winners import HISTORY_TABLE, Change, Winner, attribute, history, promote_call

NOW = dt.datetime(2026, 11, 30, 10, 15, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))
AT = "2026-11-30T09:15:30.000Z"  # NOW in UTC

#: A row with its key only: what the console shows for every field the row does not carry.
EMPTY = Winner(country="DE", category="toys", model="", metric="", value=None, runner_up="", runner_up_value=None,
               since="", changed_by="")

#: Every name a winners row may carry a field under, and the field it is shown as.
ROW_NAMINGS = [
    ("model", "model", "arima"), ("winner", "model", "arima"), ("winnerModel", "model", "arima"),
    ("metric", "metric", "WAPE"),
    ("metricValue", "value", 0.2), ("value", "value", 0.2),
    ("runnerUp", "runner_up", "ets"), ("runnerUpModel", "runner_up", "ets"), ("challenger", "runner_up", "ets"),
    ("runnerUpValue", "runner_up_value", 0.3), ("runnerUpMetricValue", "runner_up_value", 0.3),
    ("challengerValue", "runner_up_value", 0.3),
    ("since", "since", "2026-10-01"), ("promotedAt", "since", "2026-10-01"), ("changedAt", "since", "2026-10-01"),
    ("updatedAt", "since", "2026-10-01"),
    ("promotedBy", "changed_by", "pipeline"), ("changedBy", "changed_by", "pipeline"),
    ("updatedBy", "changed_by", "pipeline"),
]


def key_row(**fields) -> dict:
    return {"country": {"S": "DE"}, "category": {"S": "toys"}, **{k: attribute(v) for k, v in fields.items()}}


@pytest.mark.parametrize(("name", "field", "value"), ROW_NAMINGS)
def test_a_winners_row_shows_the_same_field_whichever_name_it_was_written_under(name, field, value):
    assert Winner.from_item(key_row(**{name: value})) == dataclasses.replace(EMPTY, **{field: value})


def test_a_row_without_any_field_shows_empty_text_and_no_values():
    assert Winner.from_item({}) == Winner(country="", category="", model="", metric="", value=None, runner_up="",
                                          runner_up_value=None, since="", changed_by="")
    assert Winner.from_item({"country": {"S": "DE"}}).category == ""


TIME_NAMES = ["since", "promotedAt", "changedAt", "updatedAt"]
BY_NAMES = ["promotedBy", "changedBy", "updatedBy"]


def update_of(row: dict) -> dict:
    return promote_call(Winner.from_item(row), "Ana", NOW).params["TransactItems"][0]["Update"]


@pytest.mark.parametrize("name", ["model", "winner", "winnerModel"])
def test_the_promotion_checks_and_writes_the_winner_under_the_rows_own_name(name):
    u = update_of(key_row(runnerUp="ets", **{name: "arima"}))
    assert (u["ExpressionAttributeNames"]["#m"], u["ExpressionAttributeValues"][":old"]) == (name, {"S": "arima"})
    assert u["ConditionExpression"].startswith("#m = :old AND ")


@pytest.mark.parametrize("name", ["runnerUp", "runnerUpModel", "challenger"])
def test_the_promotion_writes_the_runner_up_under_the_rows_own_name(name):
    u = update_of(key_row(model="arima", **{name: "ets"}))
    assert (u["ExpressionAttributeNames"]["#r"], u["ExpressionAttributeValues"][":new"]) == (name, {"S": "ets"})


@pytest.mark.parametrize("later", ["winner", "winnerModel"])
def test_a_row_with_an_empty_model_is_checked_and_written_under_the_name_its_winner_is_shown_by(later):
    row = key_row(model="", runnerUp="ets", **{later: "arima"})
    assert Winner.from_item(row).model == "arima"
    assert update_of(row)["ExpressionAttributeNames"]["#m"] == later


@pytest.mark.parametrize("name", TIME_NAMES)
def test_the_promotion_writes_the_time_and_checks_the_time_seen_under_the_rows_own_name(name):
    u = update_of(key_row(model="arima", runnerUp="ets", **{name: "2026-10-01"}))
    assert u["ExpressionAttributeNames"]["#t"] == name
    assert (u["ExpressionAttributeValues"][":at"], u["ExpressionAttributeValues"][":seen"]) == (
        {"S": AT}, {"S": "2026-10-01"})


@pytest.mark.parametrize("name", BY_NAMES)
def test_the_promotion_writes_who_under_the_rows_own_name(name):
    u = update_of(key_row(model="arima", runnerUp="ets", **{name: "pipeline"}))
    assert u["ExpressionAttributeNames"]["#b"] == name
    assert u["ExpressionAttributeValues"][":by"] == {"S": "Ana"}


def test_a_row_without_a_time_or_a_writer_gets_them_as_since_and_promoted_by():
    u = update_of(key_row(model="arima", runnerUp="ets"))
    assert (u["ExpressionAttributeNames"]["#t"], u["ExpressionAttributeNames"]["#b"]) == ("since", "promotedBy")
    # Held to have no time, as it has none (a missing attribute equals no value, not even "").
    assert u["ConditionExpression"] == "#m = :old AND attribute_not_exists(#t)"
    assert ":seen" not in u["ExpressionAttributeValues"]


@pytest.mark.parametrize("blank", ["", None])
@pytest.mark.parametrize("later", TIME_NAMES[1:])
def test_a_row_with_a_blank_time_before_the_one_it_shows_is_checked_and_written_under_the_shown_one(later, blank):
    row = key_row(model="arima", runnerUp="ets", since=blank, **{later: "2026-10-01"})
    assert Winner.from_item(row).since == "2026-10-01"
    u = update_of(row)
    assert u["ExpressionAttributeNames"]["#t"] == later
    assert u["ExpressionAttributeValues"][":seen"] == {"S": "2026-10-01"}


@pytest.mark.parametrize("blank", ["", None])
@pytest.mark.parametrize("later", BY_NAMES[1:])
def test_a_row_with_a_blank_writer_before_the_one_it_shows_is_written_under_the_shown_one(later, blank):
    row = key_row(model="arima", runnerUp="ets", promotedBy=blank, **{later: "pipeline"})
    assert Winner.from_item(row).changed_by == "pipeline"
    assert update_of(row)["ExpressionAttributeNames"]["#b"] == later


@pytest.mark.parametrize("later", TIME_NAMES[1:])
def test_a_row_with_several_times_is_checked_and_written_under_the_one_it_is_shown_by(later):
    row = key_row(model="arima", runnerUp="ets", since="2026-10-01", **{later: "2026-09-01"})
    assert Winner.from_item(row).since == "2026-10-01"
    u = update_of(row)
    assert u["ExpressionAttributeNames"]["#t"] == "since"
    assert u["ExpressionAttributeValues"][":seen"] == {"S": "2026-10-01"}


@pytest.mark.parametrize("later", BY_NAMES[1:])
def test_a_row_with_several_writers_is_written_under_the_one_it_is_shown_by(later):
    row = key_row(model="arima", runnerUp="ets", promotedBy="Ben", **{later: "pipeline"})
    assert Winner.from_item(row).changed_by == "Ben"
    assert update_of(row)["ExpressionAttributeNames"]["#b"] == "promotedBy"


@pytest.fixture
def in_tokyo(local_time_zone):
    """The console running on a machine whose local time is not UTC."""
    local_time_zone("Asia/Tokyo")


def test_the_time_of_a_promotion_is_written_in_utc_on_a_machine_in_another_zone(in_tokyo):
    call = promote_call(Winner.from_item(key_row(model="arima", runnerUp="ets")), "Ana", NOW)
    update, put = (item for item in call.params["TransactItems"])
    assert update["Update"]["ExpressionAttributeValues"][":at"] == {"S": AT}
    assert put["Put"]["Item"]["changedAt"] == {"S": AT}


def read_records(*records: dict) -> list[Change]:
    clients = StubbedClients("dynamodb")
    stub = clients.stub("dynamodb")
    stub.add_response("describe_table", {"Table": {"KeySchema": [{"AttributeName": "pairKey", "KeyType": "HASH"}]}},
                      {"TableName": HISTORY_TABLE})
    items = [{"pairKey": {"S": "DE#toys"}, **{k: attribute(v) for k, v in r.items()}} for r in records]
    stub.add_response("query", {"Items": items, "Count": len(items), "ScannedCount": len(items)})
    with clients.active():
        return history(clients.client("dynamodb"), Winner.from_item(key_row()))


#: A history record with its key only, as the history list shows it.
NO_CHANGE = Change(at="", model="", previous="", value=None, by="", reason="")

#: Every name a history record may carry a field under, and the field it is shown as.
RECORD_NAMINGS = [
    ("changedAt", "at", "2026-10-01"), ("at", "at", "2026-10-01"), ("since", "at", "2026-10-01"),
    ("model", "model", "arima"), ("winner", "model", "arima"),
    ("previousModel", "previous", "ets"), ("previous", "previous", "ets"),
    ("metricValue", "value", 0.2), ("value", "value", 0.2),
    ("changedBy", "by", "pipeline"), ("by", "by", "pipeline"),
    ("reason", "reason", "better WAPE"),
]


@pytest.mark.parametrize(("name", "field", "value"), RECORD_NAMINGS)
def test_a_history_record_shows_the_same_field_whichever_name_it_was_written_under(name, field, value):
    assert read_records({name: value}) == [dataclasses.replace(NO_CHANGE, **{field: value})]


def test_a_history_record_with_its_key_only_shows_empty_text_and_no_value():
    assert read_records({}) == [NO_CHANGE]
