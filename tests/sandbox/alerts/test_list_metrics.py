"""ListMetrics as the CloudWatch API reference describes it: each metric once, up to 500 a call with a
NextToken for the rest, Namespace/MetricName matched exactly, a dimension filter by name alone or by name
and value (a metric that also has other dimensions is returned), RecentlyActive=PT3H only the metrics with
datapoints in the past three hours; a NextToken from another request is InvalidNextToken."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from botocore.exceptions import ClientError


@pytest.fixture
def namespace(cloudwatch):
    """A fresh namespace: 600 shops x one metric with two dimensions, a dimensionless metric written
    three times, and an old metric last written a day ago."""
    name = f"Test/ListMetrics-{uuid.uuid4().hex[:6]}"
    now = dt.datetime.now(dt.timezone.utc)
    data = [{"MetricName": "Orders", "Timestamp": now - dt.timedelta(minutes=5), "Value": 1.0,
             "Dimensions": [{"Name": "Shop", "Value": f"shop-{n:03d}"}, {"Name": "Region", "Value": "eu" if n % 2 else "us"}]}
            for n in range(600)]
    data += [{"MetricName": "Total", "Timestamp": now - dt.timedelta(minutes=m), "Value": 2.0} for m in (1, 2, 3)]
    data += [{"MetricName": "Old", "Timestamp": now - dt.timedelta(days=1), "Value": 3.0,
              "Dimensions": [{"Name": "Shop", "Value": "shop-000"}]}]
    for first in range(0, len(data), 500):
        cloudwatch.put_metric_data(Namespace=name, MetricData=data[first:first + 500])
    return name


def listed(cloudwatch, **params):
    pages = list(cloudwatch.get_paginator("list_metrics").paginate(**params))
    return pages, [m for p in pages for m in p["Metrics"]]


def test_each_metric_once_in_pages_of_500(cloudwatch, namespace):
    pages, metrics = listed(cloudwatch, Namespace=namespace)
    assert [len(p["Metrics"]) for p in pages] == [500, 102]
    assert "NextToken" in pages[0] and "NextToken" not in pages[-1]
    names = [m["MetricName"] for m in metrics]
    assert names.count("Total") == 1 and names.count("Old") == 1 and names.count("Orders") == 600
    total = next(m for m in metrics if m["MetricName"] == "Total")
    assert total == {"Namespace": namespace, "MetricName": "Total", "Dimensions": []}


def test_dimension_filters_by_name_or_by_name_and_value(cloudwatch, namespace):
    _, by_value = listed(cloudwatch, Namespace=namespace, Dimensions=[{"Name": "Shop", "Value": "shop-007"}])
    assert sorted(m["MetricName"] for m in by_value) == ["Orders"]
    assert {d["Name"]: d["Value"] for d in by_value[0]["Dimensions"]} == {"Shop": "shop-007", "Region": "eu"}
    _, by_name = listed(cloudwatch, Namespace=namespace, Dimensions=[{"Name": "Region"}])
    assert len(by_name) == 600
    _, both = listed(cloudwatch, Namespace=namespace, MetricName="Orders",
                     Dimensions=[{"Name": "Region", "Value": "us"}])
    assert len(both) == 300 and {m["MetricName"] for m in both} == {"Orders"}
    _, none = listed(cloudwatch, Namespace=namespace, Dimensions=[{"Name": "Shop", "Value": "nowhere"}])
    assert none == []


def test_recently_active_leaves_out_metrics_quiet_for_three_hours(cloudwatch, namespace):
    _, recent = listed(cloudwatch, Namespace=namespace, RecentlyActive="PT3H")
    assert len(recent) == 601 and "Old" not in {m["MetricName"] for m in recent}


def test_a_token_from_another_request_is_invalid(cloudwatch, namespace):
    first = cloudwatch.list_metrics(Namespace=namespace)
    with pytest.raises(ClientError) as raised:
        cloudwatch.list_metrics(Namespace=namespace, MetricName="Orders", NextToken=first["NextToken"])
    assert raised.value.response["Error"]["Code"] == "InvalidNextToken"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
