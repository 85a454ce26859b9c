"""The forecasts core against the sandbox: tenant isolation, accuracy as GetAccuracyMetrics says, QueryForecast."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from opsconsole.core import forecasts
from opsconsole.core.aws import Clients
from opsconsole.core.forecasts import catalogue as cat_mod
from opsconsole.core.forecasts.exports import write_csv
from opsconsole.core.forecasts.query import QueryRefused, query_forecast, query_item
from opsconsole.core.forecasts.tenancy import TenantRefused, require_path

TENANTS = ("contact-center", "finance-ops", "retail-compliance")


def drain(gen):
    while True:
        try:
            next(gen)
        except StopIteration as stop:
            return stop.value


@pytest.fixture(scope="module")
def cache():
    return forecasts.ExportCache(capacity=12)


@pytest.fixture(scope="module")
def finance(sandbox_connection, cache):
    """What a connection scoped to finance-ops loads."""
    clients = Clients(dataclasses.replace(sandbox_connection, tenant="finance-ops"))
    return clients, drain(forecasts.load_tenant(clients, "finance-ops", cache))


def test_an_unscoped_connection_may_pick_every_tenant(sandbox_clients):
    assert forecasts.tenants(sandbox_clients) == list(TENANTS)


def test_a_scoped_connection_sees_only_its_tenant_everywhere(finance, sandbox_clients, tmp_path):
    clients, load = finance
    assert forecasts.tenants(clients) == ["finance-ops"]
    cat = load.catalogue
    forecast = sandbox_clients.client("forecast")
    arns = [g.arn for g in cat.dataset_groups] + [p.arn for p in cat.predictors] + [f.arn for f in cat.forecasts] \
        + [e.arn for e in cat.exports]
    assert cat.dataset_groups and cat.predictors and cat.forecasts and cat.exports
    for arn in arns:  # every resource shown carries the tenant's tag
        tags = forecast.list_tags_for_resource(ResourceArn=arn)["Tags"]
        assert {"Key": "tenant", "Value": "finance-ops"} in tags
    # ... and none of the other tenants' resources is in it.
    others = [g["DatasetGroupArn"] for g in forecast.list_dataset_groups()["DatasetGroups"]
              if g["DatasetGroupArn"] not in arns]
    assert others
    for path in [e.path for e in cat.exports] + [p for g in cat.dataset_groups for p in g.actuals_paths]:
        assert path.startswith("s3://mlops-forecasts/finance-ops/")
    # The item chart and its CSV export: only finance-ops' items.
    data = load.data
    ids = data.item_ids()
    assert len(ids) > 1000
    view = data.item(ids[0])
    assert len(view.actuals) and len(view.series) >= 2
    out = tmp_path / "item.csv"
    write_csv(view.as_csv_frame(), out)
    frame = pd.read_csv(out)
    assert set(frame["item_id"]) == {ids[0]}
    # Accuracy covers its own items only.
    for acc in drain(forecasts.accuracy(data)):
        assert set(acc.per_item.index.get_level_values("item_id")) <= set(ids)


def test_a_scoped_connection_is_refused_another_tenant(finance, cache, sandbox_clients):
    clients, _load = finance
    with pytest.raises(TenantRefused):
        drain(forecasts.load_tenant(clients, "retail-compliance", cache))
    retail = drain(cat_mod.load_catalogue(sandbox_clients.client("forecast"), "retail-compliance", "finance-ops"))
    assert not retail.dataset_groups and not retail.exports
    with pytest.raises(TenantRefused):
        require_path("s3://mlops-forecasts/retail-compliance/forecasts/x/", "finance-ops")
    retail_fc = drain(cat_mod.load_catalogue(sandbox_clients.client("forecast"), "retail-compliance")).forecasts[0]
    with pytest.raises(TenantRefused):
        query_item(sandbox_clients.client("forecast"), sandbox_clients.client("forecastquery"), retail_fc.arn,
                   "sku_00001", "finance-ops")


def test_accuracy_from_the_backtest_export_matches_get_accuracy_metrics(finance, sandbox_clients):
    _clients, load = finance
    forecast = sandbox_clients.client("forecast")
    for acc in drain(forecasts.accuracy(load.data)):
        predictor = next(p for p in load.catalogue.predictors if p.name == acc.model)
        windows = [w for r in forecast.get_accuracy_metrics(PredictorArn=predictor.arn)["PredictorEvaluationResults"]
                   for w in r["TestWindows"] if w["EvaluationType"] == "COMPUTED"]
        assert len(windows) == len(acc.per_window)
        for w in windows:
            mine = acc.per_window.loc[pd.Timestamp(w["TestWindowStart"]).tz_convert(None)]
            metrics = w["Metrics"]
            for loss in metrics["WeightedQuantileLosses"]:
                assert mine[f"wQL[{loss['Quantile']:g}]"] == pytest.approx(loss["LossValue"], rel=1e-6)
            point = {e["ForecastType"]: e for e in metrics["ErrorMetrics"]}["mean" if acc.point == "mean" else "0.5"]
            assert mine["WAPE"] == pytest.approx(point["WAPE"], rel=1e-6)
            assert mine["RMSE"] == pytest.approx(point["RMSE"], rel=1e-6)
            assert mine["MAPE"] == pytest.approx(point["MAPE"], rel=1e-6)
            assert mine["MASE"] == pytest.approx(point["MASE"], rel=1e-4)


def test_query_forecast_for_one_item_matches_the_export(finance, sandbox_clients):
    _clients, load = finance
    model = next(m for m in load.data.models if m.forecast_arn)
    item_id = model.forecast.item_ids()[3]
    got = query_item(sandbox_clients.client("forecast"), sandbox_clients.client("forecastquery"), model.forecast_arn,
                     item_id, "finance-ops")
    rows = model.forecast.rows(item_id)
    assert list(got["date"]) == list(rows["date"])
    assert got["p50"].to_numpy() == pytest.approx(rows["p50"].to_numpy(), rel=1e-4)


def test_query_forecast_refuses_more_than_50_filters_and_no_item():
    with pytest.raises(QueryRefused, match="at most 50"):
        query_forecast(None, "arn", {"item_id": "a", **{f"d{i}": "x" for i in range(50)}})
    with pytest.raises(QueryRefused, match="item_id"):
        query_forecast(None, "arn", {"store": "1"})


class BotocoreWaits:
    """botocore's endpoint module as far as its retries go: the waits it asks for are recorded, not slept.

    ``Endpoint._needs_retry`` sleeps ``time.sleep(delay)`` between the attempts of one call; everything
    else it takes from ``time`` is the real thing."""

    def __init__(self):
        import time as real_time

        self._time = real_time
        self.asked: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.asked.append(seconds)

    def __getattr__(self, name):
        return getattr(self._time, name)


@pytest.fixture
def botocore_waits(monkeypatch):
    import botocore.endpoint

    waits = BotocoreWaits()
    monkeypatch.setattr(botocore.endpoint, "time", waits)
    return waits


def assert_standard_backoff(asked: list[float], retries_per_call: list[int]) -> None:
    """botocore's standard mode on throttling: before retry i (1, 2, 3) of a call it waits
    rand(0, 1) x 2^(i-1) seconds; here, call by call, how many retries it made."""
    ceilings = [2.0 ** i for n in retries_per_call for i in range(n)]
    assert len(asked) == len(ceilings), asked
    assert all(0 <= wait <= ceiling for wait, ceiling in zip(asked, ceilings)), (asked, ceilings)


def test_query_forecast_backs_off_on_limit_exceeded(scripted_endpoint, botocore_waits):
    throttled = (400, {"__type": "LimitExceededException", "Message": "slow down"})
    answer = (200, {"Forecast": {"Predictions": {
        "p50": [{"Timestamp": "2026-12-01T00:00:00", "Value": 1.0}, {"Timestamp": "2026-12-02T00:00:00", "Value": 2.0}],
        "p10": [{"Timestamp": "2026-12-01T00:00:00", "Value": 0.5}, {"Timestamp": "2026-12-02T00:00:00", "Value": 1.0}]}}})
    # botocore's own 4 attempts give up; ours waits and asks again.
    scripted_endpoint.script = [throttled] * 5 + [answer]
    waits = []
    client = Clients(scripted_endpoint.connection()).client("forecastquery")
    frame = query_forecast(client, "arn:aws:forecast:eu-west-1:1:forecast/f", {"item_id": "a"}, sleep=waits.append)
    assert list(frame["p50"]) == [1.0, 2.0] and list(frame["p10"]) == [0.5, 1.0]
    assert waits == [0.5]  # botocore retried the 5th request itself
    assert scripted_endpoint.requests.count("AmazonForecastRuntime.QueryForecast") == 6
    # the first call: 4 attempts, 3 waits of botocore's; the second: throttled once, then answered
    assert_standard_backoff(botocore_waits.asked, [3, 1])


def test_query_forecast_gives_up_after_its_backoff(scripted_endpoint, botocore_waits):
    from botocore.exceptions import ClientError

    scripted_endpoint.script = [(400, {"__type": "LimitExceededException", "Message": "slow down"})]
    client = Clients(scripted_endpoint.connection()).client("forecastquery")
    waits = []
    with pytest.raises(ClientError, match="LimitExceededException"):
        query_forecast(client, "arn:aws:forecast:eu-west-1:1:forecast/f", {"item_id": "a"}, sleep=waits.append)
    # botocore's 4 attempts, then ours: 4 more calls after waits doubling from half a second, then the error
    assert waits == [0.5, 1.0, 2.0, 4.0]
    assert scripted_endpoint.requests.count("AmazonForecastRuntime.QueryForecast") == 5 * 4
    assert_standard_backoff(botocore_waits.asked, [3] * 5)


def test_a_tenant_with_a_forecast_dimension_charts_and_queries_each_series(sandbox_clients, cache):
    load = drain(forecasts.load_tenant(sandbox_clients, "contact-center", cache))
    ids = load.data.item_ids()
    assert len(ids) == 5000 and all(" / " in i for i in ids[:10])
    series_id = ids[7]
    view = load.data.item(series_id)
    assert len(view.actuals) > 300 and all(len(s.forecast) == 30 for s in view.series)
    live = forecasts.live_item(sandbox_clients, load.data, series_id)
    exported = {s.model: s.forecast for s in view.series}
    for s in live.series:
        model = s.model.removesuffix(" (QueryForecast)")
        assert s.model.endswith("(QueryForecast)")
        assert s.forecast["p50"].to_numpy() == pytest.approx(exported[model]["p50"].to_numpy(), rel=1e-4)
