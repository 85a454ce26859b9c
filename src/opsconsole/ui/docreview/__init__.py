"""The document-review area's screens."""
