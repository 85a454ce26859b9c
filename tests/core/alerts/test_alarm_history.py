"""One alarm's history without the sandbox: DescribeAlarmHistory items as the history tab lists them, and
the state timeline drawn under the chart (requests checked against CloudWatch's model by botocore's Stubber)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from stubbed_aws import StubbedClients

from opsconsole.core.alerts import history
from opsconsole.core.alerts.history import HistoryItem, StateSpan

T0 = datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)
NOW = T0 + timedelta(hours=4)


def item(minutes, kind="StateUpdate", old="OK", new="ALARM", summary=None, data=None):
    body = data if data is not None else json.dumps({"oldState": {"stateValue": old}, "newState": {"stateValue": new}})
    return {"AlarmName": "a", "AlarmType": "MetricAlarm", "Timestamp": T0 + timedelta(minutes=minutes),
            "HistoryItemType": kind, "HistorySummary": summary or f"Alarm updated from {old} to {new}",
            "HistoryData": body}


def test_a_history_item_gives_its_time_kind_summary_and_states():
    entry = HistoryItem.from_api(item(30))
    assert (entry.when, entry.kind, entry.summary) == (T0 + timedelta(minutes=30), "StateUpdate",
                                                       "Alarm updated from OK to ALARM")
    assert (entry.old_state, entry.new_state) == ("OK", "ALARM")
    broken = HistoryItem.from_api(item(30, data="{not json"))
    assert broken.data == {} and broken.new_state == "" and broken.old_state == ""
    assert HistoryItem.from_api(item(30, data="[1, 2]")).data == {}
    naive = HistoryItem.from_api({**item(30), "Timestamp": datetime(2026, 11, 30, 8, 30)})
    assert naive.when == T0 + timedelta(minutes=30)


def test_the_timeline_runs_oldest_first_each_state_until_the_next_and_the_last_until_now():
    items = [HistoryItem.from_api(i) for i in (
        item(120, old="ALARM", new="OK"), item(10, kind="ConfigurationUpdate", data="{}"),
        item(60, old="OK", new="ALARM"), item(90, kind="Action", data="{}"))]
    assert history.state_spans(items, NOW) == [
        StateSpan("OK", T0 + timedelta(minutes=10), T0 + timedelta(minutes=60)),  # before the first change on record
        StateSpan("ALARM", T0 + timedelta(minutes=60), T0 + timedelta(minutes=120)),
        StateSpan("OK", T0 + timedelta(minutes=120), NOW)]


def test_without_an_older_item_the_timeline_starts_at_the_first_change():
    items = [HistoryItem.from_api(item(60, old="OK", new="ALARM"))]
    assert history.state_spans(items, NOW) == [StateSpan("ALARM", T0 + timedelta(minutes=60), NOW)]
    no_old = [HistoryItem.from_api(item(10, kind="Action", data="{}")),
              HistoryItem.from_api(item(60, data=json.dumps({"newState": {"stateValue": "ALARM"}})))]
    assert history.state_spans(no_old, NOW) == [StateSpan("ALARM", T0 + timedelta(minutes=60), NOW)]


def test_an_alarm_without_state_changes_on_record_shows_its_current_state_since_it_began():
    config = [HistoryItem.from_api(item(10, kind="ConfigurationUpdate", data="{}"))]
    assert history.state_spans(config, NOW, "INSUFFICIENT_DATA", T0) == [StateSpan("INSUFFICIENT_DATA", T0, NOW)]
    assert history.state_spans(config, NOW, "OK", None) == []
    assert history.state_spans(config, NOW) == []


def expected(token=None, **extra):
    params = {"AlarmName": "a", "AlarmTypes": ["MetricAlarm", "CompositeAlarm"], "MaxRecords": 100, **extra}
    if token:
        params["NextToken"] = token
    return params


def test_history_is_read_a_page_per_call_within_the_asked_window_and_kind():
    cw = StubbedClients("cloudwatch")
    cw.expect("cloudwatch", "describe_alarm_history",
              expected(StartDate=T0, EndDate=NOW, HistoryItemType="StateUpdate"),
              {"AlarmHistoryItems": [item(60)], "NextToken": "2"})
    cw.expect("cloudwatch", "describe_alarm_history",
              expected("2", StartDate=T0, EndDate=NOW, HistoryItemType="StateUpdate"),
              {"AlarmHistoryItems": [item(30)]})
    pages = list(history.iter_history(cw, "a", T0, NOW, "StateUpdate"))
    cw.all_made()
    assert [[i.when for i in page] for page in pages] == [[T0 + timedelta(minutes=60)], [T0 + timedelta(minutes=30)]]


def test_loading_stops_at_the_limit_without_asking_for_more_pages():
    cw = StubbedClients("cloudwatch")
    cw.expect("cloudwatch", "describe_alarm_history", expected(),
              {"AlarmHistoryItems": [item(3), item(2)], "NextToken": "2"})
    loaded = history.load_history(cw, "a", limit=2)
    cw.all_made()
    assert [i.when for i in loaded] == [T0 + timedelta(minutes=3), T0 + timedelta(minutes=2)]
    cw.expect("cloudwatch", "describe_alarm_history", expected(StartDate=T0),
              {"AlarmHistoryItems": [item(3)], "NextToken": "2"})
    cw.expect("cloudwatch", "describe_alarm_history", expected("2", StartDate=T0), {"AlarmHistoryItems": [item(1)]})
    assert len(history.load_history(cw, "a", T0)) == 2
    cw.all_made()


def test_the_history_tab_loads_a_thousand_items_at_most():
    cw = StubbedClients("cloudwatch")
    for page in range(10):
        cw.expect("cloudwatch", "describe_alarm_history", expected(str(page) if page else None),
                  {"AlarmHistoryItems": [item(i) for i in range(100)], "NextToken": str(page + 1)})
    assert len(history.load_history(cw, "a")) == 1000
    cw.all_made()  # ten pages of 100, and no eleventh call


def test_a_state_update_that_names_no_new_state_is_left_off_the_timeline():
    items = [HistoryItem.from_api(item(60, old="OK", new="ALARM")),
             HistoryItem.from_api(item(90, data=json.dumps({"oldState": {"stateValue": "ALARM"}})))]
    assert history.state_spans(items, NOW) == [StateSpan("ALARM", T0 + timedelta(minutes=60), NOW)]
