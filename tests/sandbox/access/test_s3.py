"""S3 keeps a tenant to its own prefix of the shared forecast bucket.

AWS (REST-XML; botocore's ``AccessDenied``, HTTP 403), message "User: <arn> is not authorized to
perform: s3:<Action> on resource: "<object ARN>" because no identity-based policy allows the
s3:<Action> action" (the sandbox leaves out S3's quotes around the ARN).
"""

from __future__ import annotations

from access_support import FINANCE, RETAIL, assert_denied

BUCKET = "mlops-forecasts"


def test_a_tenant_lists_and_reads_its_prefix_only(as_identity, client):
    own = client("s3").list_objects_v2(Bucket=BUCKET, Prefix=f"{RETAIL}/", MaxKeys=1)["Contents"][0]["Key"]
    s3 = as_identity(f"tenant-{RETAIL}", "s3")
    assert s3.list_objects_v2(Bucket=BUCKET, Prefix=f"{RETAIL}/", MaxKeys=1)["Contents"]
    assert s3.get_object(Bucket=BUCKET, Key=own)["Body"].read(1)
    other = as_identity(f"tenant-{FINANCE}", "s3")
    assert_denied(lambda: other.get_object(Bucket=BUCKET, Key=own), 403, "AccessDenied", f"tenant-{FINANCE}",
                  "s3:GetObject", f"arn:aws:s3:::{BUCKET}/{own}")
    assert_denied(lambda: other.list_objects_v2(Bucket=BUCKET, Prefix=f"{RETAIL}/"), 403, "AccessDenied",
                  f"tenant-{FINANCE}", "s3:ListBucket", f"arn:aws:s3:::{BUCKET}")
