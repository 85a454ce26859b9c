"""SQS refuses a tenant's calls on another tenant's queues.

AWS (SQS speaks JSON with its query-protocol error codes, ``awsQueryCompatible``): HTTP 403,
code ``AccessDenied`` (from the ``x-amzn-query-error`` header), message "User: <arn> is not
authorized to perform: sqs:<Action> on resource: <queue ARN> because no identity-based policy allows
the sqs:<Action> action".
"""

from __future__ import annotations

from access_support import CONTACT, RETAIL, assert_denied

QUEUE = "arn:aws:sqs:eu-west-1:123456789012:{}"


def test_own_queue_is_read(as_identity, sqs):
    url = sqs.get_queue_url(QueueName="lex-missed-utterances")["QueueUrl"]
    attrs = as_identity(f"tenant-{CONTACT}", "sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["All"])
    assert attrs["Attributes"]["QueueArn"] == QUEUE.format("lex-missed-utterances")


def test_another_tenants_queue_is_refused(as_identity, sqs):
    url = sqs.get_queue_url(QueueName="training-requests-dlq")["QueueUrl"]
    tenant = as_identity(f"tenant-{CONTACT}", "sqs")
    assert_denied(lambda: tenant.receive_message(QueueUrl=url), 403, "AccessDenied", f"tenant-{CONTACT}",
                  "sqs:ReceiveMessage", QUEUE.format("training-requests-dlq"))
    assert_denied(lambda: tenant.send_message(QueueUrl=url, MessageBody="x"), 403, "AccessDenied",
                  f"tenant-{CONTACT}", "sqs:SendMessage", QUEUE.format("training-requests-dlq"))
    retail = as_identity(f"tenant-{RETAIL}", "sqs")
    assert retail.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
