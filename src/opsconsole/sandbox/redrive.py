"""Step Functions RedriveExecution for the sandbox (moto lacks it)."""

from __future__ import annotations

from .server import ExtensionRegistry


def register(registry: ExtensionRegistry) -> None:
    """Add RedriveExecution to the sandbox's endpoint."""
