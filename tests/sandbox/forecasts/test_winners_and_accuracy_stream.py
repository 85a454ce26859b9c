"""Winner models per country x category (and their history) and the forecast-accuracy metric stream."""

from __future__ import annotations

import datetime as dt
import itertools

from opsconsole.sandbox.scenario import catalog


def scan(ddb, table: str) -> list[dict]:
    pages = ddb.get_paginator("scan").paginate(TableName=table)
    return [item for page in pages for item in page["Items"]]


def test_winner_models_cover_38_countries_and_60_pairs(ddb, seeded):
    tables = seeded["tables"]
    rows = scan(ddb, tables["winners_by_category"])
    assert len(rows) == 60 and len({r["country"]["S"] for r in rows}) == 38
    for row in rows:
        assert {"model", "metric", "metricValue", "runnerUp", "runnerUpMetricValue", "since", "version"} <= set(row)
        assert float(row["runnerUpMetricValue"]["N"]) < float(row["metricValue"]["N"])
    key = ddb.describe_table(TableName=tables["winners_by_category"])["Table"]["KeySchema"]
    assert key == [{"AttributeName": "country", "KeyType": "HASH"}, {"AttributeName": "category", "KeyType": "RANGE"}]
    # the per-country table the state machines read is unchanged
    assert len(scan(ddb, catalog.WINNER_TABLE)) == len(catalog.COUNTRIES)


def test_winner_history_ends_with_the_current_winner(ddb, seeded):
    tables = seeded["tables"]
    current = {f"{r['country']['S']}#{r['category']['S']}": r for r in scan(ddb, tables["winners_by_category"])}
    for pair in ("US#" + current_key.split("#")[1] for current_key in current if current_key.startswith("US#")):
        changes = ddb.query(TableName=tables["winner_history"], KeyConditionExpression="pairKey = :k",
                            ExpressionAttributeValues={":k": {"S": pair}})["Items"]
        row = current[pair]
        assert len(changes) == int(row["version"]["N"])
        assert changes[-1]["model"]["S"] == row["model"]["S"] and changes[-1]["changedAt"] == row["since"]
        stamps = [c["changedAt"]["S"] for c in changes]
        assert stamps == sorted(stamps)
        assert all(c["previousModel"]["S"] == p["model"]["S"] for p, c in itertools.pairwise(changes))


def test_accuracy_stream_has_wape_per_tenant_and_predictor(cloudwatch, seeded, sandbox):
    metrics = cloudwatch.list_metrics(Namespace=seeded["namespace"], MetricName="WAPE")["Metrics"]
    series = {tuple(sorted((d["Name"], d["Value"]) for d in m["Dimensions"])) for m in metrics}
    for tenant, mine in seeded["tenants"].items():
        for predictor in mine["forecast_arns"]:
            assert (("Predictor", predictor), ("Tenant", tenant)) in series
    now = sandbox.scenario.now
    data = cloudwatch.get_metric_data(MetricDataQueries=[{"Id": "w", "MetricStat": {"Metric": {
        "Namespace": seeded["namespace"], "MetricName": "WAPE",
        "Dimensions": [{"Name": "Tenant", "Value": catalog.TENANT_RETAIL},
                       {"Name": "Predictor", "Value": "retail_demand_deepar"}]}, "Period": 86400, "Stat": "Average"}}],
        StartTime=now - dt.timedelta(days=14), EndTime=now)["MetricDataResults"][0]
    assert len(data["Values"]) >= 13


def test_accuracy_alarms_are_tagged_with_their_tenant(cloudwatch, seeded):
    alarms = cloudwatch.describe_alarms(AlarmNames=seeded["alarms"])["MetricAlarms"]
    assert len(alarms) == 3
    states = {}
    for alarm in alarms:
        assert alarm["Namespace"] == catalog.FORECAST_METRIC_NAMESPACE
        tags = {t["Key"]: t["Value"] for t in cloudwatch.list_tags_for_resource(ResourceARN=alarm["AlarmArn"])["Tags"]}
        tenant = {d["Name"]: d["Value"] for d in alarm["Dimensions"]}["Tenant"]
        assert tags["tenant"] == tenant
        states[alarm["AlarmName"]] = alarm["StateValue"]
    assert states["forecast-wape-retail-demand-deepar"] == "ALARM"
