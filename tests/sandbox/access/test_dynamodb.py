"""DynamoDB refuses a tenant's reads and writes on another tenant's tables.

AWS: ``AccessDeniedException``, HTTP 400 (DynamoDB API reference, Common Errors), message
"User: <arn> is not authorized to perform: dynamodb:<Action> on resource: <table ARN> because no
identity-based policy allows the dynamodb:<Action> action".
"""

from __future__ import annotations

from access_support import FINANCE, RETAIL, assert_denied

TABLE = "arn:aws:dynamodb:eu-west-1:123456789012:table/{}"


def test_own_table_is_read(as_identity):
    ddb = as_identity(f"tenant-{RETAIL}", "dynamodb")
    assert ddb.scan(TableName="mlops-winner-models", Limit=2)["Items"]


def test_another_tenants_table_is_refused(as_identity):
    ddb = as_identity(f"tenant-{FINANCE}", "dynamodb")
    assert_denied(lambda: ddb.scan(TableName="mlops-winner-models", Limit=2), 400, "AccessDeniedException",
                  f"tenant-{FINANCE}", "dynamodb:Scan", TABLE.format("mlops-winner-models"))
    assert_denied(lambda: ddb.put_item(TableName="mlops-winner-models", Item={"country": {"S": "XX"}}),
                  400, "AccessDeniedException", f"tenant-{FINANCE}", "dynamodb:PutItem",
                  TABLE.format("mlops-winner-models"))


def test_a_batch_naming_another_tenants_table_is_refused_whole(as_identity):
    ddb = as_identity(f"tenant-{FINANCE}", "dynamodb")
    request = {"order-records": {"Keys": [{"document_id": {"S": "x"}}]},
               "mlops-winner-models": {"Keys": [{"country": {"S": "US"}}]}}
    assert_denied(lambda: ddb.batch_get_item(RequestItems=request), 400, "AccessDeniedException",
                  f"tenant-{FINANCE}", "dynamodb:BatchGetItem", TABLE.format("mlops-winner-models"))


def test_a_missing_table_is_refused_not_reported_missing(as_identity):
    # IAM decides before the service looks: a table without the tenant's tag is not theirs to ask about.
    ddb = as_identity(f"tenant-{RETAIL}", "dynamodb")
    assert_denied(lambda: ddb.describe_table(TableName="no-such-table"), 400, "AccessDeniedException",
                  f"tenant-{RETAIL}", "dynamodb:DescribeTable", TABLE.format("no-such-table"))
