"""Tenant isolation (tags and S3 paths) and QueryForecast for one item, against Forecast's own API model (Stubber)."""

from __future__ import annotations

import pandas as pd
import pytest
from botocore.exceptions import ClientError
from stubbed_aws import StubbedClients

from opsconsole.core.forecasts.query import MAX_FILTERS, QueryRefused, query_forecast, query_item
from opsconsole.core.forecasts.tenancy import (
    TenantRefused,
    allowed,
    require_path,
    require_tenant,
    resource_tenant,
    tag_value,
)

ARN = "arn:aws:forecast:eu-west-1:123456789012:forecast/fc_finance"


def test_the_tenant_tag_is_read_from_forecasts_tag_list_or_a_plain_mapping():
    tags = [{"Key": "team", "Value": "ops"}, {"Key": "tenant", "Value": "finance-ops"}]
    assert tag_value(tags) == "finance-ops"
    assert tag_value(tags, "team") == "ops"
    assert tag_value({"tenant": "retail"}) == "retail"
    assert tag_value({"team": "ops"}) == ""
    assert tag_value([{"Key": "team", "Value": "ops"}]) == ""
    assert tag_value([{"Key": "tenant"}]) == ""
    assert tag_value(None) == "" and tag_value([]) == ""


def test_an_unscoped_connection_sees_every_tenant_and_a_scoped_one_only_its_own():
    assert allowed("", "retail") and allowed("", "")
    assert allowed("finance-ops", "finance-ops")
    assert not allowed("finance-ops", "retail")
    assert not allowed("finance-ops", "")  # an untagged resource belongs to no tenant


def tags_answer(clients: StubbedClients, tags: list[dict[str, str]], arn: str = ARN) -> None:
    clients.stub("forecast").add_response("list_tags_for_resource", {"Tags": tags}, {"ResourceArn": arn})


def test_a_resource_is_read_only_when_it_carries_the_tenants_tag():
    clients = StubbedClients("forecast")
    tags_answer(clients, [{"Key": "tenant", "Value": "finance-ops"}])
    tags_answer(clients, [{"Key": "tenant", "Value": "retail"}])
    tags_answer(clients, [])
    tags_answer(clients, [{"Key": "tenant", "Value": "finance-ops"}])
    with clients.active():
        forecast = clients.client("forecast")
        require_tenant(forecast, ARN, "finance-ops")
        with pytest.raises(TenantRefused, match=r"fc_finance is not tagged tenant=finance-ops"):
            require_tenant(forecast, ARN, "finance-ops")
        with pytest.raises(TenantRefused, match="tenant=finance-ops"):
            require_tenant(forecast, ARN, "finance-ops")
        # No tenant picked: refused whatever the tag says.
        with pytest.raises(TenantRefused, match=r"tenant=\?"):
            require_tenant(forecast, ARN, "")


def test_the_tenant_of_an_untagged_resource_is_empty():
    clients = StubbedClients("forecast")
    tags_answer(clients, [{"Key": "team", "Value": "ops"}])
    with clients.active():
        assert resource_tenant(clients.client("forecast"), ARN) == ""


@pytest.mark.parametrize(("path", "why"), [
    ("s3://forecast-data/finance-ops/exports/fc/", None),
    ("s3://forecast-data/finance-ops", None),
    ("s3://forecast-data/retail/exports/fc/", "outside tenant finance-ops's prefix"),
    ("s3://forecast-data/finance-ops-archive/exports/", "outside tenant finance-ops's prefix"),
    ("s3://forecast-data/", "outside tenant"),
    ("https://forecast-data.s3.amazonaws.com/finance-ops/x.csv", "is not an S3 path"),
    ("/finance-ops/x.csv", "is not an S3 path"),
])
def test_files_are_read_only_under_the_tenants_prefix(path, why):
    if why is None:
        require_path(path, "finance-ops")
    else:
        with pytest.raises(TenantRefused, match=why):
            require_path(path, "finance-ops")


def test_no_path_is_read_without_a_tenant():
    with pytest.raises(TenantRefused, match="outside tenant"):
        require_path("s3://forecast-data/finance-ops/x.csv", "")
    with pytest.raises(TenantRefused, match="s3://<bucket>/finance-ops/"):
        require_path("s3://forecast-data/retail/x.csv", "finance-ops")


def predictions(**columns: list[tuple[str, float]]) -> dict:
    return {"Forecast": {"Predictions": {t: [{"Timestamp": ts, "Value": v} for ts, v in points]
                                         for t, points in columns.items()}}}


def test_one_items_forecast_comes_back_as_a_frame_of_dates_and_forecast_types():
    # QueryForecast's answer has no NextToken in Forecast's API model: one call, one answer.
    clients = StubbedClients("forecastquery")
    expected = {"ForecastArn": ARN, "Filters": {"item_id": "item-7"}, "StartDate": "2026-12-01T00:00:00",
                "EndDate": "2026-12-03T00:00:00"}
    answer = predictions(p50=[("2026-12-02T00:00:00", 2.0), ("2026-12-01T00:00:00", 1.0), ("2026-12-03T00:00:00", 3.0)],
                         p10=[("2026-12-01T00:00:00", 0.5), ("2026-12-02T00:00:00", 1.5), ("2026-12-03T00:00:00", 2.5)])
    clients.stub("forecastquery").add_response("query_forecast", answer, expected)
    with clients.active():
        frame = query_forecast(clients.client("forecastquery"), ARN, {"item_id": "item-7"},
                               start="2026-12-01T00:00:00", end="2026-12-03T00:00:00")
    assert list(frame.columns) == ["date", "p50", "p10"]
    assert list(frame["date"]) == [pd.Timestamp("2026-12-01"), pd.Timestamp("2026-12-02"), pd.Timestamp("2026-12-03")]
    assert list(frame["p50"]) == [1.0, 2.0, 3.0] and list(frame["p10"]) == [0.5, 1.5, 2.5]
    assert frame["date"].dt.tz is None


def test_times_with_an_offset_are_shown_in_utc():
    clients = StubbedClients("forecastquery")
    clients.stub("forecastquery").add_response(
        "query_forecast", predictions(p50=[("2026-12-01T02:00:00+02:00", 4.0)]),
        {"ForecastArn": ARN, "Filters": {"item_id": "a"}})
    with clients.active():
        frame = query_forecast(clients.client("forecastquery"), ARN, {"item_id": "a"})
    assert list(frame["date"]) == [pd.Timestamp("2026-12-01 00:00:00")]


def test_an_item_without_predictions_is_an_empty_frame():
    clients = StubbedClients("forecastquery")
    clients.stub("forecastquery").add_response("query_forecast", {"Forecast": {}},
                                               {"ForecastArn": ARN, "Filters": {"item_id": "a"}})
    with clients.active():
        frame = query_forecast(clients.client("forecastquery"), ARN, {"item_id": "a"})
    assert len(frame) == 0 and list(frame.columns) == ["date"]


def test_an_answer_without_a_forecast_is_an_empty_frame():
    clients = StubbedClients("forecastquery")
    clients.stub("forecastquery").add_response("query_forecast", {}, {"ForecastArn": ARN, "Filters": {"item_id": "a"}})
    with clients.active():
        frame = query_forecast(clients.client("forecastquery"), ARN, {"item_id": "a"})
    assert len(frame) == 0 and list(frame.columns) == ["date"]


def test_times_written_in_different_forms_in_one_answer_are_all_read():
    clients = StubbedClients("forecastquery")
    clients.stub("forecastquery").add_response(
        "query_forecast", predictions(p50=[("2026-12-01T00:00:00", 1.0), ("2026-12-02T00:00:00.000Z", 2.0),
                                           ("2026-12-03", 3.0)]),
        {"ForecastArn": ARN, "Filters": {"item_id": "a"}})
    with clients.active():
        frame = query_forecast(clients.client("forecastquery"), ARN, {"item_id": "a"})
    assert list(frame["date"]) == [pd.Timestamp("2026-12-01"), pd.Timestamp("2026-12-02"), pd.Timestamp("2026-12-03")]
    assert list(frame["p50"]) == [1.0, 2.0, 3.0]


def test_a_query_without_an_item_or_with_too_many_filters_is_refused_before_asking():
    with pytest.raises(QueryRefused, match=r"^QueryForecast needs an item_id filter\.$"):
        query_forecast(None, ARN, {})
    with pytest.raises(QueryRefused, match=r"^QueryForecast needs an item_id filter\.$"):
        query_forecast(None, ARN, {"location": "dublin"})
    many = {"item_id": "a", **{f"d{i}": "x" for i in range(MAX_FILTERS - 1)}}
    clients = StubbedClients("forecastquery")
    clients.stub("forecastquery").add_response("query_forecast", predictions(p50=[("2026-12-01T00:00:00", 1.0)]),
                                               {"ForecastArn": ARN, "Filters": many})
    with clients.active():
        assert len(query_forecast(clients.client("forecastquery"), ARN, many)) == 1  # 50 is allowed
    with pytest.raises(QueryRefused, match="at most 50 filters; 51 were given"):
        query_forecast(None, ARN, {**many, "one-more": "x"})


def throttled(stub, times: int) -> None:
    for _ in range(times):
        stub.add_client_error("query_forecast", "LimitExceededException", "slow down", 400)


def test_throttling_is_waited_out_doubling_the_wait_each_time():
    clients = StubbedClients("forecastquery")
    stub = clients.stub("forecastquery")
    throttled(stub, 4)
    stub.add_response("query_forecast", predictions(p50=[("2026-12-01T00:00:00", 1.0)]))
    waits: list[float] = []
    with clients.active():
        frame = query_forecast(clients.client("forecastquery"), ARN, {"item_id": "a"}, sleep=waits.append)
    assert waits == [0.5, 1.0, 2.0, 4.0]
    assert list(frame["p50"]) == [1.0]


def test_throttling_that_does_not_end_is_reported_after_four_waits():
    clients = StubbedClients("forecastquery")
    throttled(clients.stub("forecastquery"), 5)
    waits: list[float] = []
    with clients.active(), pytest.raises(ClientError, match="LimitExceededException"):
        query_forecast(clients.client("forecastquery"), ARN, {"item_id": "a"}, sleep=waits.append)
    assert waits == [0.5, 1.0, 2.0, 4.0]


def test_other_errors_are_reported_at_once():
    clients = StubbedClients("forecastquery")
    clients.stub("forecastquery").add_client_error("query_forecast", "ResourceNotFoundException", "no forecast", 400)
    waits: list[float] = []
    with clients.active(), pytest.raises(ClientError, match="ResourceNotFoundException"):
        query_forecast(clients.client("forecastquery"), ARN, {"item_id": "a"}, sleep=waits.append)
    assert waits == []


def test_an_item_is_queried_only_once_the_forecast_is_the_tenants():
    clients = StubbedClients("forecast", "forecastquery")
    tags_answer(clients, [{"Key": "tenant", "Value": "finance-ops"}])
    clients.stub("forecastquery").add_response(
        "query_forecast", predictions(p50=[("2026-12-01T00:00:00", 7.0)]),
        {"ForecastArn": ARN, "Filters": {"item_id": "queue_1", "location": "dublin"}})
    tags_answer(clients, [{"Key": "tenant", "Value": "retail"}])
    with clients.active():
        frame = query_item(clients.client("forecast"), clients.client("forecastquery"), ARN,
                           {"item_id": "queue_1", "location": "dublin"}, "finance-ops")
        assert list(frame["p50"]) == [7.0]
        with pytest.raises(TenantRefused):
            query_item(clients.client("forecast"), clients.client("forecastquery"), ARN, "queue_1", "finance-ops")


def test_an_item_id_alone_is_its_only_filter_and_throttling_waits_with_the_callers_clock():
    clients = StubbedClients("forecast", "forecastquery")
    tags_answer(clients, [{"Key": "tenant", "Value": "finance-ops"}])
    stub = clients.stub("forecastquery")
    throttled(stub, 1)
    stub.add_response("query_forecast", predictions(p50=[("2026-12-01T00:00:00", 1.0)]),
                      {"ForecastArn": ARN, "Filters": {"item_id": "item-7"}})
    waits: list[float] = []
    with clients.active():
        frame = query_item(clients.client("forecast"), clients.client("forecastquery"), ARN, "item-7", "finance-ops",
                           sleep=waits.append)
    assert waits == [0.5] and list(frame["p50"]) == [1.0]
