"""SNS refuses a tenant's calls on another tenant's topics.

AWS (query protocol, botocore's ``AuthorizationErrorException``): HTTP 403, code
``AuthorizationError``, message "User: <arn> is not authorized to perform: sns:<Action> on
resource: <topic ARN> because no identity-based policy allows the sns:<Action> action".
"""

from __future__ import annotations

from access_support import FINANCE, RETAIL, assert_denied

TOPIC = "arn:aws:sns:eu-west-1:123456789012:{}"


def test_another_tenants_topic_is_refused(as_identity):
    sns = as_identity(f"tenant-{FINANCE}", "sns")
    arn = TOPIC.format("mlops-alerts")
    assert_denied(lambda: sns.publish(TopicArn=arn, Message="x"), 403, "AuthorizationError",
                  f"tenant-{FINANCE}", "sns:Publish", arn)
    assert_denied(lambda: sns.get_topic_attributes(TopicArn=arn), 403, "AuthorizationError",
                  f"tenant-{FINANCE}", "sns:GetTopicAttributes", arn)


def test_own_topic_is_read(as_identity):
    sns = as_identity(f"tenant-{RETAIL}", "sns")
    assert sns.get_topic_attributes(TopicArn=TOPIC.format("mlops-alerts"))["Attributes"]
