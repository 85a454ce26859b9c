"""Seed data and live activity of the document-review area (see docs/sandbox-docreview.md)."""

from opsconsole.sandbox.scenario.docreview.live import DocReviewActivity
from opsconsole.sandbox.scenario.docreview.seed import (
    DocReviewSeed,
    SeedStopped,
    execution_input,
    intake,
    put_object,
    seed_docreview,
)
from opsconsole.sandbox.scenario.docreview.workforce import Workforce

__all__ = ["DocReviewActivity", "DocReviewSeed", "SeedStopped", "Workforce", "execution_input", "intake",
           "put_object", "seed_docreview"]
