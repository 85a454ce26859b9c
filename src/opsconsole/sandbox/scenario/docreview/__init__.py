"""Seed data and live activity of the document-review area (see docs/sandbox-docreview.md)."""

from opsconsole.sandbox.scenario.docreview.live import DocReviewActivity
from opsconsole.sandbox.scenario.docreview.seed import (
    DocReviewSeed,
    intake,
    seed_docreview,
)

__all__ = ["DocReviewActivity", "DocReviewSeed", "intake", "seed_docreview"]
