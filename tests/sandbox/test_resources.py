"""Everything around the executions: tables, queues, topics, metrics, alarms, tags."""

from __future__ import annotations

import datetime as dt
import json


from opsconsole.sandbox.scenario import catalog


def test_summary(sandbox):
    scenario = sandbox.scenario
    assert set(scenario.state_machines) == {"training", "evaluation", "comparison", "inference", "transaction"}
    assert {"approvals", "dlq", "notifications"} <= set(scenario.queues)
    assert {"notifications", "alerts"} <= set(scenario.topics)
    assert scenario.counts["executions"] >= 1000
    assert sandbox.region == "eu-west-1"
    assert sandbox.endpoint_url.startswith("http://127.0.0.1:")
    assert sandbox.credentials == {"aws_access_key_id": "sandbox", "aws_secret_access_key": "sandbox"}


def test_winner_models_has_a_row_per_country(sandbox, ddb):
    items = ddb.scan(TableName=sandbox.scenario.tables["winners"])["Items"]
    assert {item["country"]["S"] for item in items} == set(catalog.COUNTRIES)
    for item in items:
        assert {"model", "metric", "metricValue", "promotedAt"} <= set(item)


def test_dead_letter_queue_holds_failed_training_requests(sandbox, sqs):
    dlq = sandbox.scenario.queues["dlq"]
    depth = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["ApproximateNumberOfMessages"])
    assert int(depth["Attributes"]["ApproximateNumberOfMessages"]) >= 5
    source = sqs.get_queue_attributes(QueueUrl=sandbox.scenario.queues["training"], AttributeNames=["RedrivePolicy"])
    policy = json.loads(source["Attributes"]["RedrivePolicy"])
    assert policy["deadLetterTargetArn"].endswith(":training-requests-dlq")
    message = sqs.receive_message(QueueUrl=dlq, VisibilityTimeout=0, AttributeNames=["All"])["Messages"][0]
    assert int(message["Attributes"]["ApproximateReceiveCount"]) > policy["maxReceiveCount"]
    assert {"requestId", "country", "datasetId"} <= set(json.loads(message["Body"]))


def test_notifications_reach_the_inbox(sandbox, sqs):
    inbox = sandbox.scenario.queues["notifications"]
    attributes = sqs.get_queue_attributes(QueueUrl=inbox, AttributeNames=["ApproximateNumberOfMessages"])
    assert int(attributes["Attributes"]["ApproximateNumberOfMessages"]) >= 5
    body = json.loads(sqs.receive_message(QueueUrl=inbox, VisibilityTimeout=0)["Messages"][0]["Body"])
    assert body["Type"] == "Notification" and body["TopicArn"] in sandbox.scenario.topics.values()


def test_alarms_in_every_state_including_an_anomaly_band(sandbox, cloudwatch):
    pages = cloudwatch.get_paginator("describe_alarms").paginate(AlarmTypes=["MetricAlarm", "CompositeAlarm"])
    listed = [a for page in pages for a in page["MetricAlarms"] + page["CompositeAlarms"]]
    alarms = [a for a in listed if "MetricName" in a or "Metrics" in a]
    assert {a["StateValue"] for a in alarms} == {"OK", "ALARM", "INSUFFICIENT_DATA"}
    assert {a["AlarmName"]: a["StateValue"] for a in listed} == sandbox.scenario.alarms
    band = [a for a in alarms if a.get("ThresholdMetricId")]
    assert band and any("ANOMALY_DETECTION_BAND(m1, 2)" in m.get("Expression", "")
                        for a in band for m in a["Metrics"])


def test_metrics_to_draw(sandbox, cloudwatch):
    now = dt.datetime.now(dt.timezone.utc)
    query = [
        {"Id": "orders", "MetricStat": {"Metric": {"Namespace": "Retail/Orders", "MetricName": "Orders",
                                                   "Dimensions": [{"Name": "Marketplace", "Value": "DE"},
                                                                  {"Name": "Platform", "Value": "mobile_app"}]},
                                        "Period": 3600, "Stat": "Sum"}},
        {"Id": "failed", "MetricStat": {"Metric": {"Namespace": "AWS/States", "MetricName": "ExecutionsFailed",
                                                   "Dimensions": [{"Name": "StateMachineArn",
                                                                   "Value": sandbox.scenario.state_machines["training"]}]},
                                        "Period": 3600, "Stat": "Sum"}},
        {"Id": "dlq", "MetricStat": {"Metric": {"Namespace": "AWS/SQS", "MetricName": "ApproximateNumberOfMessagesVisible",
                                                "Dimensions": [{"Name": "QueueName", "Value": "training-requests-dlq"}]},
                                     "Period": 3600, "Stat": "Maximum"}},
    ]
    results = cloudwatch.get_metric_data(MetricDataQueries=query, StartTime=now - dt.timedelta(days=7),
                                         EndTime=now)["MetricDataResults"]
    counts = {r["Id"]: len(r["Values"]) for r in results}
    assert counts["orders"] >= 100 and counts["failed"] >= 100 and counts["dlq"] >= 48


def test_resources_are_tagged_with_a_tenant(sandbox, sfn, sqs, ddb, cloudwatch, client):
    sns = client("sns")
    tenants = set()
    for arn in sandbox.scenario.state_machines.values():
        tags = {t["key"]: t["value"] for t in sfn.list_tags_for_resource(resourceArn=arn)["tags"]}
        tenants.add(tags["tenant"])
    for url in sqs.list_queues()["QueueUrls"]:
        tenants.add(sqs.list_queue_tags(QueueUrl=url)["Tags"]["tenant"])
    for topic in sns.list_topics()["Topics"]:
        tags = sns.list_tags_for_resource(ResourceArn=topic["TopicArn"])["Tags"]
        tenants.add({t["Key"]: t["Value"] for t in tags}["tenant"])
    table = ddb.describe_table(TableName=sandbox.scenario.tables["winners"])["Table"]["TableArn"]
    assert {"Key": "tenant", "Value": "retail-compliance"} in ddb.list_tags_of_resource(ResourceArn=table)["Tags"]
    for alarm in cloudwatch.describe_alarms()["MetricAlarms"]:
        tags = cloudwatch.list_tags_for_resource(ResourceARN=alarm["AlarmArn"])["Tags"]
        tenants.add({t["Key"]: t["Value"] for t in tags}["tenant"])
    assert tenants == set(catalog.TENANTS)
