"""Where the app keeps user data (logs, audit log) and finds its bundled resources."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import platformdirs

APP_NAME = "opsconsole"


def data_dir() -> Path:
    """Per-user data folder (OPSCONSOLE_DATA_DIR overrides it, e.g. in tests)."""
    override = os.environ.get("OPSCONSOLE_DATA_DIR")
    path = Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def log_dir() -> Path:
    override = os.environ.get("OPSCONSOLE_DATA_DIR")
    path = Path(override) / "logs" if override else Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def audit_log_path(create: bool = True) -> Path:
    if not create:
        override = os.environ.get("OPSCONSOLE_DATA_DIR")
        return (Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))) / "audit.jsonl"
    return data_dir() / "audit.jsonl"


def resource(name: str) -> Path:
    """A file from resources/, the same way from a checkout, a wheel or a frozen build.

    The top-level resources/ folder is installed as the package
    ``opsconsole.resources``; PyInstaller collects it as package data.
    """
    root = resources.files("opsconsole.resources")
    return Path(str(root.joinpath(name)))
