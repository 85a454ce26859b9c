"""The Review queues area: missed-utterance triage for agents, review and deployment for operations."""

from opsconsole.ui.lexreview.panel import ReviewPanel

__all__ = ["ReviewPanel"]
