"""The document-review area's rules: low-confidence extractions and A2I human loops."""
