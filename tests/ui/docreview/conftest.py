"""Fixtures of the document-review UI tests (defined in docreview_support)."""

from docreview_support import put_document, review_config, waiting_execution  # noqa: F401
