"""The OS keyring as one JSON file, for a test that starts the console a second time as its own process.

The test process selects it with ``keyring.set_keyring(FileKeyring())``, the console it starts with
``PYTHON_KEYRING_BACKEND=file_keyring.FileKeyring`` (tests/ on its ``PYTHONPATH``); both find the file
through ``OPSCONSOLE_TEST_KEYRING``. Without that variable the backend is not viable, so keyring never
picks it by itself.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import keyring.backend
from keyring.compat import properties

ENV = "OPSCONSOLE_TEST_KEYRING"


class FileKeyring(keyring.backend.KeyringBackend):
    @properties.classproperty
    def priority(cls) -> float:
        if not os.environ.get(ENV):
            raise RuntimeError(f"{ENV} is not set")
        return 1

    @staticmethod
    def _path() -> Path:
        return Path(os.environ[ENV])

    def _entries(self) -> dict[str, str]:
        path = self._path()
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}

    def _save(self, entries: dict[str, str]) -> None:
        self._path().write_text(json.dumps(entries), encoding="utf-8")

    def get_password(self, service: str, username: str) -> str | None:
        return self._entries().get(f"{service}/{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        self._save({**self._entries(), f"{service}/{username}": password})

    def delete_password(self, service: str, username: str) -> None:
        entries = self._entries()
        entries.pop(f"{service}/{username}", None)
        self._save(entries)
