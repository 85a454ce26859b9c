"""Alarms listed, tagged, charted and traced against the sandbox over HTTP."""

from datetime import datetime, timedelta, timezone

import pytest

from opsconsole.core.alerts import alarms as core
from opsconsole.core.alerts import charts, history
from opsconsole.core.alerts.cause import executions_filter
from opsconsole.core.aws import Clients


class CountingClients:
    """The sandbox's clients, counting CloudWatch calls by operation."""

    def __init__(self, clients: Clients):
        self._clients = clients
        self.calls: list[str] = []
        self.connection = clients.connection

    def client(self, service):
        client = self._clients.client(service)
        if service == "cloudwatch" and not getattr(client, "_counted", False):
            client.meta.events.register("before-call.cloudwatch",
                                        lambda model, **_k: self.calls.append(model.name))
            client._counted = True
        return client


def test_every_alarm_of_both_kinds_streams_a_page_per_call(sandbox_clients):
    pages = list(core.iter_alarms(sandbox_clients))
    alarms = [a for page in pages for a in page]
    assert len(alarms) >= 300
    assert all(len(p) <= core.PAGE_SIZE for p in pages)
    assert len(pages) >= 4  # 100 a page at most
    kinds = {a.type for a in alarms}
    assert kinds == {core.METRIC, core.ANOMALY_BAND, core.COMPOSITE}
    composite = next(a for a in alarms if a.name == "mlops-pipelines-health")
    assert composite.children and all(c.endswith(("-failed", "-timed-out")) for c in composite.children)
    band = next(a for a in alarms if a.name == "orders-anomaly-DE-mobile_app")
    assert band.type == core.ANOMALY_BAND and band.state == "ALARM" and band.namespace == "Retail/Orders"
    assert band.since is not None and band.tags is None  # tags come separately


def test_tags_are_fetched_once_per_alarm_and_cached(sandbox_clients):
    alarms = [a for page in core.iter_alarms(sandbox_clients) for a in page][:12]
    cache = core.TagCache()
    got = {}
    for batch in core.fetch_tags(sandbox_clients, [a.arn for a in alarms], cache, per_second=1000, batch=5):
        got.update(batch)
    assert set(got) == {a.arn for a in alarms}
    assert all(tags.get("tenant") for tags in got.values())
    assert list(core.fetch_tags(sandbox_clients, [a.arn for a in alarms], cache)) == []  # nothing asked again


def test_tag_calls_are_spread_to_the_rate(sandbox_clients):
    alarms = [a for page in core.iter_alarms(sandbox_clients) for a in page][:4]
    now = [0.0]
    slept: list[float] = []
    list(core.fetch_tags(sandbox_clients, [a.arn for a in alarms], core.TagCache(), per_second=2,
                         clock=lambda: now[0], sleep=lambda s: (slept.append(s), now.__setitem__(0, now[0] + s))))
    assert slept == [0.5, 0.5, 0.5]


def test_band_chart_has_upper_above_lower_and_the_breaching_points(sandbox_clients):
    alarm = core.describe_alarm(sandbox_clients, "orders-anomaly-DE-mobile_app")
    counting = CountingClients(sandbox_clients)
    now = datetime.now(timezone.utc)
    data = charts.fetch(counting, alarm, now - timedelta(days=3), now, now)
    assert counting.calls == ["GetMetricData"] and data.calls == 1
    assert data.values.size > 24 and data.has_band
    assert (data.upper >= data.lower).all()
    assert data.breaching.any()  # the DE x mobile_app collapse is below the band


def test_threshold_chart_marks_points_over_the_threshold(sandbox_clients):
    alarm = core.describe_alarm(sandbox_clients, "mlops-training-executions-failed")
    now = datetime.now(timezone.utc)
    data = charts.fetch(sandbox_clients, alarm, now - timedelta(days=7), now, now)
    assert data.threshold == 1.0 and not data.has_band
    assert (data.values[data.breaching] >= 1.0).all() and (data.values[~data.breaching] < 1.0).all()


def test_history_gives_a_state_timeline(sandbox_clients):
    items = history.load_history(sandbox_clients, "orders-anomaly-DE-mobile_app")
    kinds = {i.kind for i in items}
    assert "StateUpdate" in kinds and "ConfigurationUpdate" in kinds
    spans = history.state_spans(items, datetime.now(timezone.utc))
    assert spans[-1].state == "ALARM"


def test_a_step_functions_alarm_leads_to_its_failed_executions(sandbox_clients):
    alarm = core.describe_alarm(sandbox_clients, "mlops-training-executions-failed")
    found = executions_filter(alarm)
    assert found is not None and found.state_machine_arn.endswith(":stateMachine:mlops-training")
    assert found.status == "FAILED" and found.since is not None and found.since < alarm.since
    hit = alarm.since.timestamp() - 86400
    assert executions_filter(alarm, breaching_times=[hit]).since.timestamp() == hit  # the datapoint that fired it
    assert executions_filter(alarm, breaching_times=[alarm.since.timestamp() + 60]).since == found.since  # later
    band = core.describe_alarm(sandbox_clients, "orders-anomaly-DE-mobile_app")
    assert executions_filter(band) is None


def test_a_missing_alarm_is_none(sandbox_clients):
    assert core.describe_alarm(sandbox_clients, "no-such-alarm") is None


@pytest.mark.parametrize("name", ["mlops-training-executions-failed"])
def test_console_url_names_region_and_alarm(sandbox_clients, name):
    alarm = core.describe_alarm(sandbox_clients, name)
    assert core.console_url(alarm) == ("https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1"
                                       f"#alarmsV2:alarm/{name}")
