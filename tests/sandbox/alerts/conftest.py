"""Fixtures for the alerting sandbox tests: alarms and queues made for one test, removed afterwards."""

from __future__ import annotations

import json
import uuid

import pytest


@pytest.fixture
def made_alarms(cloudwatch):
    """Names appended here are deleted after the test (composites first: their rules name the others)."""
    names: list[str] = []
    yield names
    composites = cloudwatch.describe_alarms(AlarmNames=names[:100], AlarmTypes=["CompositeAlarm"])["CompositeAlarms"]
    left = [a["AlarmName"] for a in composites]
    while left:  # one composite per call, parents before the composites their rules name
        for name in list(left):
            if not cloudwatch.describe_alarms(ParentsOfAlarmName=name)["CompositeAlarms"]:
                cloudwatch.delete_alarms(AlarmNames=[name])
                left.remove(name)
    rest = [n for n in names if n not in {a["AlarmName"] for a in composites}]
    existing = cloudwatch.describe_alarms(AlarmNames=rest[:100])["MetricAlarms"] if rest else []
    if existing:
        cloudwatch.delete_alarms(AlarmNames=[a["AlarmName"] for a in existing])


@pytest.fixture
def topic_inbox(client):
    """A fresh SNS topic with an SQS queue subscribed: (topic ARN, queue URL)."""
    sns, sqs = client("sns"), client("sqs")
    suffix = uuid.uuid4().hex[:8]
    topic = sns.create_topic(Name=f"test-alarms-{suffix}")["TopicArn"]
    queue = sqs.create_queue(QueueName=f"test-alarm-inbox-{suffix}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    yield topic, queue
    sns.delete_topic(TopicArn=topic)
    sqs.delete_queue(QueueUrl=queue)


@pytest.fixture
def dlq_pair(sqs):
    """make(fifo=False) -> (source URL, DLQ URL, DLQ ARN); the queues are deleted afterwards."""
    made: list[str] = []

    def make(fifo: bool = False, max_receives: int = 1):
        suffix = uuid.uuid4().hex[:8] + (".fifo" if fifo else "")
        extra = {"FifoQueue": "true"} if fifo else {}
        dlq = sqs.create_queue(QueueName=f"test-dlq-{suffix}", Attributes=extra)["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        source = sqs.create_queue(QueueName=f"test-src-{suffix}", Attributes={**extra, "RedrivePolicy": json.dumps(
            {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receives})})["QueueUrl"]
        made.extend([source, dlq])
        return source, dlq, dlq_arn

    yield make
    for url in made:
        sqs.delete_queue(QueueUrl=url)
