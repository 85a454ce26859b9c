"""Lex V2 model-building API for the sandbox (moto lacks most of it)."""

from __future__ import annotations

from .server import ExtensionRegistry


def register(registry: ExtensionRegistry) -> None:
    """Add the Lex V2 model-building operations to the sandbox's endpoint."""
