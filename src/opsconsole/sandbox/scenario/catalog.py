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
    "documents": "document-processing",
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

# Document review (invoices and customs forms; see docs/sandbox-docreview.md)
DOCUMENT_BUCKET = "ml-platform-documents"
DOCUMENT_REVIEW_QUEUE = "document-review-requests"
DOCUMENT_REVIEW_TABLE = "document-review-tasks"
DOCUMENT_REVIEW_INDEX = "status-queued_at"
ORDER_RECORDS_TABLE = "order-records"
#: role -> SageMaker flow definition name (A2I human loops)
FLOW_DEFINITIONS = {"invoices": "doc-review-invoices", "customs": "doc-review-customs"}
A2I_OUTPUT_PREFIX = "a2i-output"
#: the flow-definition-name under which the console's own reviews write their outputs
CONSOLE_REVIEW_FLOW = "console-review"
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
