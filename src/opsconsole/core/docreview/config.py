"""Where the document-review data lives: bucket, prefixes, table, flow definitions, and the review rules.

The names are the platform's (the document pipeline writes them, the state
machine waits on the table's task tokens); the console reads them from
settings declared here, so an account laid out differently is one setting away.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from opsconsole.core.settings import Settings, declare

BUCKET = declare("docreview/bucket", str, "ml-platform-documents",
                 "S3 bucket holding the documents, their page images and the review outputs")
TABLE = declare("docreview/table", str, "document-review-tasks",
                "DynamoDB table of documents waiting for review in the console")
OUTPUT_PREFIX = declare("docreview/output_prefix", str, "a2i-output",
                        "prefix under which A2I (and the console's own reviews) write output.json")
LEASE_MINUTES = declare("docreview/lease_minutes", int, 10,
                        "how long a claim on a document lasts without being renewed")

#: The flow-definition name under which the console's own reviews write their outputs.
CONSOLE_FLOW = "console-review"
#: Fields under this confidence are reviewed.
THRESHOLD = 0.95


@dataclass(frozen=True)
class ReviewConfig:
    """One account's document-review layout (defaults: the platform's)."""

    bucket: str = "ml-platform-documents"
    table: str = "document-review-tasks"
    documents_prefix: str = "documents"
    output_prefix: str = "a2i-output"
    lease_seconds: int = 600
    threshold: float = THRESHOLD

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> ReviewConfig:
        values: dict[str, Any] = {"bucket": settings.get(BUCKET), "table": settings.get(TABLE),
                                  "output_prefix": settings.get(OUTPUT_PREFIX).strip("/"),
                                  "lease_seconds": max(60, settings.get(LEASE_MINUTES) * 60)}
        values.update(overrides)
        return cls(**values)

    def document_prefix(self, document_id: str) -> str:
        """'documents/<id>/' (the key prefix of a document's files)."""
        return f"{self.documents_prefix}/{document_id}/"


CONFIG = ReviewConfig()
