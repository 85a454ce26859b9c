"""The winner model per country and category: read from DynamoDB, its history, and promoting the runner-up with
one conditional transaction (DynamoDB's own API model, through Stubber)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from stubbed_aws import StubbedClients

from opsconsole.core.errors import DomainError
from opsconsole.core.forecasts.winners import (
    HISTORY_TABLE,
    WINNER_TABLE,
    Winner,
    all_winners,
    attribute,
    history,
    plain,
    promote,
    promote_call,
    read_history,
    read_winners,
)
from opsconsole.core.identity import Identity
from opsconsole.core.writes import Conflict

ANA = Identity(display_name="Ana")
NOW = dt.datetime(2026, 11, 30, 10, 15, 30, 999_000, tzinfo=dt.timezone(dt.timedelta(hours=1)))
AT = "2026-11-30T09:15:30.000Z"  # NOW in UTC, to the second

ROW = {"country": {"S": "DE"}, "category": {"S": "groceries"}, "model": {"S": "deepar"}, "metric": {"S": "WAPE"},
       "metricValue": {"N": "0.12"}, "runnerUp": {"S": "prophet"}, "runnerUpValue": {"N": "0.15"},
       "since": {"S": "2026-11-01T00:00:00.000Z"}, "promotedBy": {"S": "Ben"}}
#: Reading the row as it is now: by its key, and consistently (the change that won is seen).
ROW_NOW = {"TableName": WINNER_TABLE, "ConsistentRead": True,
           "Key": {"country": {"S": "DE"}, "category": {"S": "groceries"}}}


def test_dynamodb_values_read_as_plain_values():
    assert plain({"N": "3"}) == 3 and isinstance(plain({"N": "3"}), int)
    assert plain({"N": "3.0"}) == 3.0 and isinstance(plain({"N": "3.0"}), float)
    assert plain({"N": "0.125"}) == 0.125
    assert plain({"S": "x"}) == "x" and plain({"BOOL": True}) is True and plain({"NULL": True}) is None
    assert plain({"M": {"a": {"N": "1"}, "b": {"L": [{"S": "y"}, {"N": "2.5"}]}}}) == {"a": 1, "b": ["y", 2.5]}


def test_plain_values_written_as_dynamodb_values():
    assert attribute(True) == {"BOOL": True} and attribute(False) == {"BOOL": False}
    assert attribute(7) == {"N": "7"} and attribute(0.125) == {"N": "0.125"}
    assert attribute(None) == {"NULL": True}
    assert attribute("deepar") == {"S": "deepar"}


def test_a_winner_row_says_who_wins_by_what_who_is_next_and_since_when():
    w = Winner.from_item(ROW)
    assert (w.country, w.category, w.model, w.metric, w.value) == ("DE", "groceries", "deepar", "WAPE", 0.12)
    assert (w.runner_up, w.runner_up_value, w.since, w.changed_by) == ("prophet", 0.15, "2026-11-01T00:00:00.000Z", "Ben")
    assert w.key == "DE#groceries"


def test_a_winner_row_written_by_another_tool_is_read_by_its_other_names():
    w = Winner.from_item({"country": {"S": "FR"}, "category": {"S": "toys"}, "model": {"S": ""},
                          "winnerModel": {"S": "arima"}, "value": {"N": "0.2"}, "challenger": {"S": "ets"},
                          "challengerValue": {"N": "0.3"}, "updatedAt": {"S": "2026-10-01"},
                          "updatedBy": {"S": "pipeline"}})
    assert (w.model, w.value, w.runner_up, w.runner_up_value) == ("arima", 0.2, "ets", 0.3)
    assert (w.since, w.changed_by) == ("2026-10-01", "pipeline")
    bare = Winner.from_item({})
    assert (bare.country, bare.model, bare.metric, bare.value, bare.runner_up, bare.since, bare.changed_by) == (
        "", "", "", None, "", "", "")


def scan_pages(clients: StubbedClients, *pages: list[dict]) -> None:
    stub = clients.stub("dynamodb")
    for i, items in enumerate(pages):
        answer = {"Items": items, "Count": len(items)}
        params = {"TableName": WINNER_TABLE}
        if i:
            params["ExclusiveStartKey"] = {"country": {"S": f"page{i}"}}
        if i < len(pages) - 1:
            answer["LastEvaluatedKey"] = {"country": {"S": f"page{i + 1}"}}
        stub.add_response("scan", answer, params)


def row(country: str, category: str, **extra) -> dict:
    return {**ROW, "country": {"S": country}, "category": {"S": category}, **extra}


def test_every_winner_row_is_read_across_pages_sorted_by_country_and_category():
    clients = StubbedClients("dynamodb")
    scan_pages(clients, [row("FR", "toys"), row("DE", "toys")], [row("DE", "groceries")])
    with clients.active():
        winners = read_winners(clients)
    assert [(w.country, w.category) for w in winners] == [("DE", "groceries"), ("DE", "toys"), ("FR", "toys")]


def test_the_history_of_one_pair_is_newest_first_under_the_tables_own_key():
    clients = StubbedClients("dynamodb")
    stub = clients.stub("dynamodb")
    stub.add_response("describe_table", {"Table": {"KeySchema": [
        {"AttributeName": "changedAt", "KeyType": "RANGE"}, {"AttributeName": "pairKey", "KeyType": "HASH"}]}},
        {"TableName": HISTORY_TABLE})
    stub.add_response("query", {"Items": [
        {"pairKey": {"S": "DE#groceries"}, "changedAt": {"S": "2026-11-01"}, "model": {"S": "deepar"},
         "previousModel": {"S": "prophet"}, "metricValue": {"N": "0.12"}, "changedBy": {"S": "Ben"},
         "reason": {"S": "better WAPE"}},
        {"pairKey": {"S": "DE#groceries"}, "at": {"S": "2026-10-01"}, "winner": {"S": "prophet"},
         "previous": {"S": "arima"}, "value": {"N": "0.2"}, "by": {"S": "pipeline"}},
    ], "Count": 2, "ScannedCount": 2}, {"TableName": HISTORY_TABLE, "KeyConditionExpression": "#k = :k", "ExpressionAttributeNames": {"#k": "pairKey"},
         "ExpressionAttributeValues": {":k": {"S": "DE#groceries"}}, "ScanIndexForward": False})
    with clients.active():
        changes = read_history(clients, Winner.from_item(ROW))
    assert [(c.at, c.model, c.previous, c.value, c.by, c.reason) for c in changes] == [
        ("2026-11-01", "deepar", "prophet", 0.12, "Ben", "better WAPE"),
        ("2026-10-01", "prophet", "arima", 0.2, "pipeline", "")]


def test_promoting_swaps_winner_and_runner_up_only_if_the_row_is_still_what_the_user_saw():
    w = Winner.from_item(ROW)
    call = promote_call(w, "Ana", NOW, reason="prophet wins since the promotion")
    assert (call.service, call.operation) == ("dynamodb", "TransactWriteItems")
    update, put = (item for item in call.params["TransactItems"])
    u = update["Update"]
    assert u["TableName"] == WINNER_TABLE
    assert u["Key"] == {"country": {"S": "DE"}, "category": {"S": "groceries"}}
    assert u["UpdateExpression"] == "SET #m = :new, #r = :old, #t = :at, #b = :by, #mv = :newv, #rv = :oldv"
    assert u["ConditionExpression"] == "#m = :old AND #t = :seen"
    assert u["ExpressionAttributeNames"] == {"#m": "model", "#r": "runnerUp", "#t": "since", "#b": "promotedBy",
                                             "#mv": "metricValue", "#rv": "runnerUpValue"}
    assert u["ExpressionAttributeValues"] == {
        ":new": {"S": "prophet"}, ":old": {"S": "deepar"}, ":at": {"S": AT}, ":by": {"S": "Ana"},
        ":seen": {"S": "2026-11-01T00:00:00.000Z"}, ":newv": {"N": "0.15"}, ":oldv": {"N": "0.12"}}
    p = put["Put"]
    assert p["TableName"] == HISTORY_TABLE
    assert p["Item"] == {
        "pairKey": {"S": "DE#groceries"}, "changedAt": {"S": AT}, "country": {"S": "DE"},
        "category": {"S": "groceries"}, "model": {"S": "prophet"}, "previousModel": {"S": "deepar"},
        "changedBy": {"S": "Ana"}, "reason": {"S": "prophet wins since the promotion"},
        "metricValue": {"N": "0.15"}, "runnerUpMetricValue": {"N": "0.12"}, "runnerUp": {"S": "deepar"},
        "metric": {"S": "WAPE"}}


def test_a_versioned_row_is_held_to_the_version_seen_and_its_own_field_names_are_kept():
    item = {k: v for k, v in ROW.items() if k not in ("since", "promotedBy", "runnerUpValue", "metric")}
    item.update({"changedAt": {"S": "2026-11-02"}, "changedBy": {"S": "Ben"}, "version": {"N": "4"}})
    w = Winner.from_item(item)
    call = promote_call(w, "Ana", NOW, history_key="pair")
    u = call.params["TransactItems"][0]["Update"]
    # (no runner-up value: the winner's 0.12 goes to the runner-up and the new winner has none)
    assert u["UpdateExpression"] == "SET #m = :new, #r = :old, #t = :at, #b = :by, #rv = :oldv, #v = :nextv REMOVE #mv"
    assert u["ConditionExpression"] == "#m = :old AND #t = :seen AND #v = :seenv"
    assert u["ExpressionAttributeNames"] == {"#m": "model", "#r": "runnerUp", "#t": "changedAt", "#b": "changedBy",
                                             "#mv": "metricValue", "#rv": "runnerUpMetricValue", "#v": "version"}
    assert u["ExpressionAttributeValues"][":nextv"] == {"N": "5"}
    assert u["ExpressionAttributeValues"][":seenv"] == {"N": "4"}
    assert u["ExpressionAttributeValues"][":seen"] == {"S": "2026-11-02"}
    assert ":newv" not in u["ExpressionAttributeValues"]
    h = call.params["TransactItems"][1]["Put"]["Item"]
    assert h["pair"] == {"S": "DE#groceries"} and h["version"] == {"N": "5"}
    assert h["reason"] == {"S": "promoted the runner-up from the console"}
    assert "metric" not in h and "metricValue" not in h and "pairKey" not in h
    assert h["runnerUpMetricValue"] == {"N": "0.12"}


@pytest.mark.parametrize(("field", "name"), [("promotedAt", "promotedAt"), ("updatedAt", "updatedAt")])
def test_the_time_of_change_is_written_under_the_rows_own_name(field, name):
    item = {k: v for k, v in ROW.items() if k != "since"}
    item[field] = {"S": "2026-11-02"}
    item["updatedBy"] = {"S": "Ben"}
    del item["promotedBy"]
    u = promote_call(Winner.from_item(item), "Ana", NOW).params["TransactItems"][0]["Update"]
    assert u["ExpressionAttributeNames"]["#t"] == name
    assert u["ExpressionAttributeNames"]["#b"] == "updatedBy"


def test_a_promotion_is_sent_as_described_and_the_row_is_read_back():
    w = Winner.from_item(ROW)
    write = promote(w, ANA, NOW)
    assert write.destructive and write.operation == "TransactWriteItems"
    assert write.target == "DE / groceries: prophet"
    assert write.details == {"from": "deepar", "to": "prophet", "seen_since": "2026-11-01T00:00:00.000Z"}
    clients = StubbedClients("dynamodb")
    stub = clients.stub("dynamodb")
    stub.add_response("transact_write_items", {}, dict(write.calls[0].params))
    after = {**ROW, "model": {"S": "prophet"}, "runnerUp": {"S": "deepar"}, "since": {"S": AT},
             "promotedBy": {"S": "Ana"}}
    stub.add_response("get_item", {"Item": after}, ROW_NOW)
    with clients.active():
        now = write.run(clients)
    assert (now.model, now.runner_up, now.changed_by, now.since) == ("prophet", "deepar", "Ana", AT)


def cancelled(stub, reason: str | None) -> None:
    reasons = [{"Code": reason}, {"Code": "None"}] if reason else []
    stub.add_client_error("transact_write_items", "TransactionCanceledException", "Transaction cancelled", 400,
                          response_meta={}, modeled_fields={"CancellationReasons": reasons} if reasons else None)


def same(held: dict, given: dict) -> bool:
    """DynamoDB's ``=``: the same type, numbers by their value."""
    if list(held) != list(given):
        return False
    if "N" in held:
        return float(held["N"]) == float(given["N"])
    return held == given


def stored_after(item: dict, update: dict) -> dict:
    """The row as DynamoDB holds it after the transaction's ``update``.

    As DynamoDB takes the request: every name and value given is used, no attribute is changed twice, and the
    ConditionExpression holds on ``item`` (else the transaction is cancelled); then SET and REMOVE apply. Only
    the forms a promotion writes are understood: any other fails the test.
    """
    names, values = update["ExpressionAttributeNames"], update["ExpressionAttributeValues"]
    condition, expression = update["ConditionExpression"], update["UpdateExpression"]
    used = set(re.findall(r"[#:]\w+", f"{condition} {expression}"))
    assert used == set(names) | set(values), f"unused or missing: {used ^ (set(names) | set(values))}"
    for term in condition.split(" AND "):
        if m := re.fullmatch(r"(#\w+) = (:\w+)", term):
            assert names[m[1]] in item and same(item[names[m[1]]], values[m[2]]), f"{term} does not hold"
        elif m := re.fullmatch(r"attribute_not_exists\((#\w+)\)", term):
            assert names[m[1]] not in item, f"{term} does not hold"
        elif m := re.fullmatch(r"attribute_type\((#\w+), (:\w+)\)", term):
            assert list(item.get(names[m[1]], {})) == [values[m[2]]["S"]], f"{term} does not hold"
        else:
            raise AssertionError(f"not a condition a promotion writes: {term}")
    m = re.fullmatch(r"SET (.+?)(?: REMOVE (.+))?", expression)
    assert m, f"not an update a promotion writes: {expression}"
    sets = [assignment.split(" = ") for assignment in m[1].split(", ")]
    removes = m[2].split(", ") if m[2] else []
    paths = [names[ref] for ref, _ in sets] + [names[ref] for ref in removes]
    assert len(paths) == len(set(paths)), f"an attribute changed twice: {paths}"
    after = dict(item)
    for ref, value in sets:
        after[names[ref]] = values[value]
    for ref in removes:
        after.pop(names[ref], None)
    return after


def history_item(model: str, previous: str, **extra: dict) -> dict:
    """The history record of promoting ``model`` over ``previous`` in DE / groceries, as Ana, at NOW."""
    return {"pairKey": {"S": "DE#groceries"}, "changedAt": {"S": AT}, "country": {"S": "DE"},
            "category": {"S": "groceries"}, "model": {"S": model}, "previousModel": {"S": previous},
            "changedBy": {"S": "Ana"}, "reason": {"S": "promoted the runner-up from the console"}, **extra,
            "runnerUp": {"S": previous}}


def promoted(item: dict, update: dict, history: dict) -> Winner:
    """Promote the runner-up of ``item`` as Ana: the request must be ``update`` (and the ``history`` record);
    what the console shows afterwards is the row as DynamoDB then holds it, read back."""
    clients = StubbedClients("dynamodb")
    stub = clients.stub("dynamodb")
    stub.add_response("transact_write_items", {}, {"TransactItems": [
        {"Update": {"TableName": WINNER_TABLE, "Key": {"country": {"S": "DE"}, "category": {"S": "groceries"}},
                    **update}},
        {"Put": {"TableName": HISTORY_TABLE, "Item": history}}]})
    stub.add_response("get_item", {"Item": stored_after(item, update)}, ROW_NOW)
    with clients.active():
        return promote(Winner.from_item(item), ANA, NOW).run(clients)


def test_after_a_promotion_the_former_winner_is_the_runner_up_with_its_own_value():
    # ROW keeps the runner-up's value as "runnerUpValue": the former winner's value goes there.
    shown = promoted(ROW, {
        "UpdateExpression": "SET #m = :new, #r = :old, #t = :at, #b = :by, #mv = :newv, #rv = :oldv",
        "ConditionExpression": "#m = :old AND #t = :seen",
        "ExpressionAttributeNames": {"#m": "model", "#r": "runnerUp", "#t": "since", "#b": "promotedBy",
                                     "#mv": "metricValue", "#rv": "runnerUpValue"},
        "ExpressionAttributeValues": {":new": {"S": "prophet"}, ":old": {"S": "deepar"}, ":at": {"S": AT},
                                      ":by": {"S": "Ana"}, ":seen": {"S": "2026-11-01T00:00:00.000Z"},
                                      ":newv": {"N": "0.15"}, ":oldv": {"N": "0.12"}}},
        history_item("prophet", "deepar", metricValue={"N": "0.15"}, runnerUpMetricValue={"N": "0.12"},
                     metric={"S": "WAPE"}))
    assert (shown.model, shown.value, shown.runner_up, shown.runner_up_value) == ("prophet", 0.15, "deepar", 0.12)
    assert (shown.since, shown.changed_by) == (AT, "Ana")


@pytest.mark.parametrize(("name", "runner_up_name"), [("value", "runnerUpMetricValue"),
                                                      ("metricValue", "challengerValue")])
def test_after_a_promotion_both_values_are_shown_under_any_naming_of_the_row(name, runner_up_name):
    item = {k: v for k, v in ROW.items() if k not in ("metricValue", "runnerUpValue")}
    item.update({name: {"N": "0.12"}, runner_up_name: {"N": "0.15"}})
    shown = promoted(item, {
        "UpdateExpression": "SET #m = :new, #r = :old, #t = :at, #b = :by, #mv = :newv, #rv = :oldv",
        "ConditionExpression": "#m = :old AND #t = :seen",
        "ExpressionAttributeNames": {"#m": "model", "#r": "runnerUp", "#t": "since", "#b": "promotedBy",
                                     "#mv": name, "#rv": runner_up_name},
        "ExpressionAttributeValues": {":new": {"S": "prophet"}, ":old": {"S": "deepar"}, ":at": {"S": AT},
                                      ":by": {"S": "Ana"}, ":seen": {"S": "2026-11-01T00:00:00.000Z"},
                                      ":newv": {"N": "0.15"}, ":oldv": {"N": "0.12"}}},
        history_item("prophet", "deepar", metricValue={"N": "0.15"}, runnerUpMetricValue={"N": "0.12"},
                     metric={"S": "WAPE"}))
    assert (shown.model, shown.value, shown.runner_up, shown.runner_up_value) == ("prophet", 0.15, "deepar", 0.12)


#: Rows another tool wrote: the model as "winner" or "winnerModel" (no "model", or an empty one), the runner-up
#: under another name too.
OTHER_NAMINGS = [({"winner": {"S": "deepar"}, "runnerUpModel": {"S": "prophet"}}, "winner", "runnerUpModel"),
                 ({"model": {"S": ""}, "winnerModel": {"S": "deepar"}, "challenger": {"S": "prophet"}},
                  "winnerModel", "challenger")]


@pytest.mark.parametrize(("names", "model", "runner_up"), OTHER_NAMINGS)
def test_a_row_that_names_its_winner_otherwise_is_promoted_under_its_own_names(names, model, runner_up):
    item = {k: v for k, v in ROW.items() if k not in ("model", "runnerUp", "metricValue", "runnerUpValue")}
    item.update(names)
    shown = promoted(item, {
        "UpdateExpression": "SET #m = :new, #r = :old, #t = :at, #b = :by",
        "ConditionExpression": "#m = :old AND #t = :seen",
        "ExpressionAttributeNames": {"#m": model, "#r": runner_up, "#t": "since", "#b": "promotedBy"},
        "ExpressionAttributeValues": {":new": {"S": "prophet"}, ":old": {"S": "deepar"}, ":at": {"S": AT},
                                      ":by": {"S": "Ana"}, ":seen": {"S": "2026-11-01T00:00:00.000Z"}}},
        history_item("prophet", "deepar", metric={"S": "WAPE"}))
    assert (shown.model, shown.runner_up, shown.since, shown.changed_by) == ("prophet", "deepar", AT, "Ana")


#: The time of change as the row holds it, the condition that holds it to what the user saw, and the value that
#: condition compares with (or None).
BLANK_TIMES = [
    # a blank "since" before the time that is shown: held and written under the shown one
    ({"since": {"S": ""}, "updatedAt": {"S": "2026-10-01"}}, "updatedAt", "#t = :seen", {":seen": {"S": "2026-10-01"}}),
    ({"since": {"NULL": True}, "changedAt": {"S": "2026-10-01"}}, "changedAt", "#t = :seen",
     {":seen": {"S": "2026-10-01"}}),
    # no time shown: the row is held to have none, as it has
    ({}, "since", "attribute_not_exists(#t)", {}),
    ({"since": {"S": ""}}, "since", "#t = :seen", {":seen": {"S": ""}}),
    ({"promotedAt": {"NULL": True}}, "promotedAt", "attribute_type(#t, :null)", {":null": {"S": "NULL"}}),
]


@pytest.mark.parametrize(("times", "name", "held", "seen"), BLANK_TIMES)
def test_a_row_with_a_blank_time_is_promoted_held_to_the_time_it_shows(times, name, held, seen):
    item = {k: v for k, v in ROW.items() if k not in ("since", "metricValue", "runnerUpValue")}
    item.update(times)
    shown = promoted(item, {
        "UpdateExpression": "SET #m = :new, #r = :old, #t = :at, #b = :by",
        "ConditionExpression": f"#m = :old AND {held}",
        "ExpressionAttributeNames": {"#m": "model", "#r": "runnerUp", "#t": name, "#b": "promotedBy"},
        "ExpressionAttributeValues": {":new": {"S": "prophet"}, ":old": {"S": "deepar"}, ":at": {"S": AT},
                                      ":by": {"S": "Ana"}, **seen}},
        history_item("prophet", "deepar", metric={"S": "WAPE"}))
    assert (shown.model, shown.runner_up, shown.since, shown.changed_by) == ("prophet", "deepar", AT, "Ana")


def test_a_row_without_a_winner_is_held_to_have_none():
    item = {k: v for k, v in ROW.items() if k not in ("model", "metricValue", "runnerUpValue")}
    shown = promoted(item, {
        "UpdateExpression": "SET #m = :new, #r = :old, #t = :at, #b = :by",
        "ConditionExpression": "attribute_not_exists(#m) AND #t = :seen",
        "ExpressionAttributeNames": {"#m": "model", "#r": "runnerUp", "#t": "since", "#b": "promotedBy"},
        "ExpressionAttributeValues": {":new": {"S": "prophet"}, ":old": {"S": ""}, ":at": {"S": AT},
                                      ":by": {"S": "Ana"}, ":seen": {"S": "2026-11-01T00:00:00.000Z"}}},
        history_item("prophet", "", metric={"S": "WAPE"}))
    assert (shown.model, shown.runner_up, shown.since) == ("prophet", "", AT)


def test_a_runner_up_without_a_value_becomes_a_winner_without_one():
    # The former winner keeps its 0.12 as the runner-up; prophet, which has no value, is not shown with it.
    item = {k: v for k, v in ROW.items() if k != "runnerUpValue"}
    shown = promoted(item, {
        "UpdateExpression": "SET #m = :new, #r = :old, #t = :at, #b = :by, #rv = :oldv REMOVE #mv",
        "ConditionExpression": "#m = :old AND #t = :seen",
        "ExpressionAttributeNames": {"#m": "model", "#r": "runnerUp", "#t": "since", "#b": "promotedBy",
                                     "#mv": "metricValue", "#rv": "runnerUpMetricValue"},
        "ExpressionAttributeValues": {":new": {"S": "prophet"}, ":old": {"S": "deepar"}, ":at": {"S": AT},
                                      ":by": {"S": "Ana"}, ":seen": {"S": "2026-11-01T00:00:00.000Z"},
                                      ":oldv": {"N": "0.12"}}},
        history_item("prophet", "deepar", runnerUpMetricValue={"N": "0.12"}, metric={"S": "WAPE"}))
    assert (shown.model, shown.value, shown.runner_up, shown.runner_up_value) == ("prophet", None, "deepar", 0.12)


def test_a_value_kept_under_two_names_is_gone_from_both():
    item = {k: v for k, v in ROW.items() if k != "runnerUpValue"}
    item["value"] = {"N": "0.2"}
    shown = promoted(item, {
        "UpdateExpression": "SET #m = :new, #r = :old, #t = :at, #b = :by, #rv = :oldv REMOVE #mv, #mv2",
        "ConditionExpression": "#m = :old AND #t = :seen",
        "ExpressionAttributeNames": {"#m": "model", "#r": "runnerUp", "#t": "since", "#b": "promotedBy",
                                     "#mv": "metricValue", "#mv2": "value", "#rv": "runnerUpMetricValue"},
        "ExpressionAttributeValues": {":new": {"S": "prophet"}, ":old": {"S": "deepar"}, ":at": {"S": AT},
                                      ":by": {"S": "Ana"}, ":seen": {"S": "2026-11-01T00:00:00.000Z"},
                                      ":oldv": {"N": "0.12"}}},
        history_item("prophet", "deepar", runnerUpMetricValue={"N": "0.12"}, metric={"S": "WAPE"}))
    assert (shown.value, shown.runner_up_value) == (None, 0.12)


def test_a_winner_without_a_value_becomes_a_runner_up_without_one():
    item = {k: v for k, v in ROW.items() if k != "metricValue"}
    shown = promoted(item, {
        "UpdateExpression": "SET #m = :new, #r = :old, #t = :at, #b = :by, #mv = :newv REMOVE #rv",
        "ConditionExpression": "#m = :old AND #t = :seen",
        "ExpressionAttributeNames": {"#m": "model", "#r": "runnerUp", "#t": "since", "#b": "promotedBy",
                                     "#mv": "metricValue", "#rv": "runnerUpValue"},
        "ExpressionAttributeValues": {":new": {"S": "prophet"}, ":old": {"S": "deepar"}, ":at": {"S": AT},
                                      ":by": {"S": "Ana"}, ":seen": {"S": "2026-11-01T00:00:00.000Z"},
                                      ":newv": {"N": "0.15"}}},
        history_item("prophet", "deepar", metricValue={"N": "0.15"}, metric={"S": "WAPE"}))
    assert (shown.model, shown.value, shown.runner_up, shown.runner_up_value) == ("prophet", 0.15, "deepar", None)


def test_someone_elses_change_first_is_a_conflict_that_says_who_when_and_what_wins_now():
    w = Winner.from_item(ROW)
    clients = StubbedClients("dynamodb")
    stub = clients.stub("dynamodb")
    cancelled(stub, "ConditionalCheckFailed")
    now = {**ROW, "model": {"S": "arima"}, "since": {"S": "2026-11-29T08:00:00.000Z"}, "promotedBy": {"S": "Ben"}}
    stub.add_response("get_item", {"Item": now}, ROW_NOW)
    with clients.active(), pytest.raises(Conflict) as caught:
        promote(w, ANA, NOW).run(clients)
    assert str(caught.value) == ("DE / groceries was changed by Ben at 2026-11-29T08:00:00.000Z: the winner is now "
                                 "arima (you saw deepar). Nothing was promoted.")
    assert caught.value.current.model == "arima"


def test_a_row_removed_meanwhile_is_a_conflict_too():
    clients = StubbedClients("dynamodb")
    stub = clients.stub("dynamodb")
    cancelled(stub, None)
    stub.add_response("get_item", {}, ROW_NOW)
    with clients.active(), pytest.raises(Conflict, match="DE / groceries was removed by someone else"):
        promote(Winner.from_item(ROW), ANA, NOW).run(clients)


def test_a_change_by_an_unnamed_writer_says_someone_else():
    clients = StubbedClients("dynamodb")
    stub = clients.stub("dynamodb")
    cancelled(stub, "ConditionalCheckFailed")
    stub.add_response("get_item", {"Item": {k: v for k, v in ROW.items() if k != "promotedBy"}}, ROW_NOW)
    with clients.active(), pytest.raises(Conflict, match="changed by someone else at"):
        promote(Winner.from_item(ROW), ANA, NOW).run(clients)


def test_other_failures_are_not_taken_for_a_conflict():
    from botocore.exceptions import ClientError

    clients = StubbedClients("dynamodb")
    stub = clients.stub("dynamodb")
    cancelled(stub, "ThrottlingError")
    stub.add_client_error("transact_write_items", "AccessDeniedException", "no", 400)
    with clients.active():
        with pytest.raises(ClientError, match="TransactionCanceledException"):
            promote(Winner.from_item(ROW), ANA, NOW).run(clients)
        with pytest.raises(ClientError, match="AccessDeniedException"):
            promote(Winner.from_item(ROW), ANA, NOW).run(clients)


def test_a_promotion_is_audited_as_who_promoted_what_and_sends_the_request_it_describes():
    ana = Identity(arn="arn:aws:sts::123456789012:assumed-role/Ops/ana", display_name="Ana from planning")
    w = Winner.from_item(ROW)
    write = promote(w, ana, NOW)
    assert (write.action, write.service, write.operation) == ("Promote challenger", "dynamodb", "TransactWriteItems")
    assert write.who is ana
    assert write.calls == (promote_call(w, "ana", NOW),)
    h = write.calls[0].params["TransactItems"][1]["Put"]["Item"]
    assert h["pairKey"] == {"S": "DE#groceries"} and h["changedBy"] == {"S": "ana"}
    assert h["reason"] == {"S": "promoted the runner-up from the console"}


def test_a_promotion_with_a_reason_keeps_it_under_the_history_tables_own_key():
    w = Winner.from_item(ROW)
    write = promote(w, ANA, NOW, history_key="pair", reason="prophet won the backtest")
    assert write.calls == (promote_call(w, "Ana", NOW, history_key="pair", reason="prophet won the backtest"),)
    h = write.calls[0].params["TransactItems"][1]["Put"]["Item"]
    assert h["pair"] == {"S": "DE#groceries"} and h["reason"] == {"S": "prophet won the backtest"}


def test_a_pair_without_a_runner_up_cannot_be_promoted():
    w = Winner.from_item({k: v for k, v in ROW.items() if k != "runnerUp"})
    with pytest.raises(DomainError, match="DE / groceries has no runner-up to promote"):
        promote(w, ANA, NOW)


def test_all_winners_and_history_read_the_tables_asked_for():
    clients = StubbedClients("dynamodb")
    stub = clients.stub("dynamodb")
    stub.add_response("scan", {"Items": [row("DE", "toys")], "Count": 1, "ScannedCount": 1}, {"TableName": "other-winners"})
    stub.add_response("describe_table", {"Table": {"KeySchema": [{"AttributeName": "k", "KeyType": "HASH"}]}},
                      {"TableName": "other-history"})
    stub.add_response("query", {"Items": [], "Count": 0, "ScannedCount": 0}, {"TableName": "other-history", "KeyConditionExpression": "#k = :k",
                                               "ExpressionAttributeNames": {"#k": "k"},
                                               "ExpressionAttributeValues": {":k": {"S": "DE#groceries"}},
                                               "ScanIndexForward": False})
    with clients.active():
        assert [w.category for w in all_winners(clients.client("dynamodb"), "other-winners")] == ["toys"]
        assert history(clients.client("dynamodb"), Winner.from_item(ROW), "other-history") == []
