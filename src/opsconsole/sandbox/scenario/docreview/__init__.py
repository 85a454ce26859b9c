"""Seed data of the document-review area."""
