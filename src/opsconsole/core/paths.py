"""Where the app keeps user data (logs, audit log) and finds its bundled resources."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import platformdirs

APP_NAME = "opsconsole"


def make_private_dir(path: Path) -> None:
    """Create ``path`` (and parents) owner-only (0700); tighten it if it is looser."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if os.name == "posix":
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            os.chmod(path, mode & 0o700)


def make_private_file(fd: int) -> None:
    """Make an open file owner-only (0600) if it is looser (it may predate this rule)."""
    if os.name == "posix":
        mode = os.fstat(fd).st_mode & 0o777
        if mode & 0o077:
            os.fchmod(fd, mode & 0o600)


def data_dir() -> Path:
    """Per-user data folder (OPSCONSOLE_DATA_DIR overrides it, e.g. in tests)."""
    override = os.environ.get("OPSCONSOLE_DATA_DIR")
    path = Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    make_private_dir(path)
    return path


def log_dir() -> Path:
    override = os.environ.get("OPSCONSOLE_DATA_DIR")
    path = Path(override) / "logs" if override else Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))
    make_private_dir(path)
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
