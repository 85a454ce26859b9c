"""Names shared by every part of the seeded scenario (workflow 1 of shared/domain.md).

One place for the countries, tenants and resource names, so that state machine
definitions, seed data, alarms and the summary handed to the app agree.
"""

from __future__ import annotations

ACCOUNT_ID = "123456789012"
REGION = "eu-west-1"

#: Tenants, tagged ``tenant=<id>`` on every resource whose API takes tags.
TENANT_RETAIL = "retail-compliance"
TENANT_CONTACT = "contact-center"
TENANT_FINANCE = "finance-ops"
TENANTS = (TENANT_RETAIL, TENANT_CONTACT, TENANT_FINANCE)

#: Countries with a production model (a row in the winner-models table).
COUNTRIES = ("US", "UK", "DE", "FR", "ES", "IT", "JP", "NL", "SE", "PL", "CA", "AU")
#: Countries being onboarded: data arrives but no model has won yet.
ONBOARDING_COUNTRIES = ("MX", "BR")
MARKETPLACES = ("US", "UK", "DE", "FR", "ES", "IT", "JP")
PLATFORMS = ("pc_web", "mobile_web", "mobile_app")

#: Role of a state machine in the scenario -> its name.
STATE_MACHINES = {
    "training": "mlops-training",
    "evaluation": "mlops-evaluation",
    "comparison": "mlops-model-comparison",
    "inference": "mlops-inference",
    "transaction": "item-classification-transaction",
}
ROLE_ARN = f"arn:aws:iam::{ACCOUNT_ID}:role/mlops-stepfunctions-execution"

# DynamoDB tables
WINNER_TABLE = "mlops-winner-models"
MANIFEST_TABLE = "mlops-dataset-manifests"
CAPACITY_TABLE = "mlops-training-capacity"
REGISTRY_TABLE = "mlops-model-registry"
EVALUATION_TABLE = "mlops-evaluations"
CLASSIFICATION_TABLE = "item-classifications"
#: A table that no longer exists: evaluations pointing at it fail for real.
ARCHIVED_TESTSET_TABLE = "mlops-testsets-2025-archive"

# SQS queues
APPROVAL_QUEUE = "mlops-model-approvals"
REVIEW_QUEUE = "item-classification-review"
TRAINING_QUEUE = "training-requests"
DLQ = "training-requests-dlq"
NOTIFICATION_INBOX = "mlops-notifications-inbox"
#: Approval requests of template runs go here, never into the real approval queue.
RECORDING_QUEUE = "sandbox-recording-approvals"

# SNS topics
NOTIFICATION_TOPIC = "mlops-notifications"
ALERT_TOPIC = "mlops-alerts"

DATA_BUCKET = "mlops-retail-data"
MODEL_FAMILIES = ("xgb", "bert", "fasttext")
INSTANCE_TYPES = ("ml.p3.8xlarge", "ml.g5.4xlarge", "ml.g5.2xlarge", "ml.m5.4xlarge")
#: Instance types without free quota: reserving them fails (DynamoDB condition).
EXHAUSTED_INSTANCE_TYPES = ("ml.p3.8xlarge", "ml.p3.16xlarge")


def queue_url(endpoint_url: str, name: str) -> str:
    """The URL moto gives a queue created through ``endpoint_url``."""
    return f"{endpoint_url}/{ACCOUNT_ID}/{name}"


def topic_arn(name: str) -> str:
    return f"arn:aws:sns:{REGION}:{ACCOUNT_ID}:{name}"


def state_machine_arn(name: str) -> str:
    return f"arn:aws:states:{REGION}:{ACCOUNT_ID}:stateMachine:{name}"


def execution_arn(state_machine: str, name: str) -> str:
    return f"arn:aws:states:{REGION}:{ACCOUNT_ID}:execution:{state_machine}:{name}"


# Forecasts (Amazon Forecast resources and their export files; see docs/sandbox-forecasts.md)
#: One bucket for every tenant's forecast data, one prefix per tenant: s3://<bucket>/<tenant>/...
FORECAST_BUCKET = "mlops-forecasts"
FORECAST_ITEMS_PER_TENANT = 5000
FORECAST_HISTORY_DAYS = 365
FORECAST_HORIZON_DAYS = 30
#: CloudWatch namespace of the forecast-accuracy metric stream (WAPE per Tenant and Predictor)
FORECAST_METRIC_NAMESPACE = "Forecasts/Accuracy"
#: Winner models per country x category (key: country, category) and their history
#: (key: country#category, changedAt). WINNER_TABLE (per country) stays as it is.
WINNER_CATEGORY_TABLE = "mlops-winner-models-by-category"
WINNER_HISTORY_TABLE = "mlops-winner-models-history"
#: Every country of the item-classification platform (the 12 of COUNTRIES first).
ALL_COUNTRIES = COUNTRIES + ("MX", "BR", "AR", "CL", "CO", "PE", "PT", "BE", "AT", "CH", "IE", "DK", "NO", "FI",
                             "CZ", "HU", "RO", "GR", "TR", "IN", "SG", "KR", "NZ", "ZA", "AE", "SA")
PRODUCT_CATEGORIES = ("apparel", "electronics", "grocery", "home", "toys", "beauty")


def tenant_kms_key(tenant: str) -> str:
    """The tenant's KMS key (every tenant encrypts its data with its own key)."""
    import uuid

    return f"arn:aws:kms:{REGION}:{ACCOUNT_ID}:key/{uuid.uuid5(uuid.NAMESPACE_URL, 'kms:' + tenant)}"


def tenant_forecast_role(tenant: str) -> str:
    return f"arn:aws:iam::{ACCOUNT_ID}:role/forecast-{tenant}"
