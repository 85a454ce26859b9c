"""The audit log: one JSON line per write action sent to AWS, append-only."""

from __future__ import annotations

import getpass
import json
import os
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

from opsconsole.core.logbuffer import redact

T = TypeVar("T")


@dataclass(frozen=True)
class AuditRecord:
    """Who did what to which resource, when, and how it ended."""

    time: str
    user: str
    connection: str
    action: str
    target: str
    result: str  # "ok" or "error"
    details: dict[str, Any] = field(default_factory=dict)
    error: str = ""


class AuditLog:
    """Append-only JSON-lines file. Safe to call from worker threads."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._listeners: list[Callable[[AuditRecord], None]] = []

    def add_listener(self, listener: Callable[[AuditRecord], None]) -> None:
        self._listeners.append(listener)

    def append(self, record: AuditRecord) -> None:
        line = redact(json.dumps(asdict(record), ensure_ascii=False, default=str))
        with self._lock:
            # O_APPEND: each record lands whole at the end, even with two consoles open.
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, (line + "\n").encode("utf-8"))
            finally:
                os.close(fd)
        for listener in list(self._listeners):
            listener(record)

    def read(self, limit: int | None = None) -> list[AuditRecord]:
        """Records, oldest first; a damaged line is skipped, not fatal."""
        if not self.path.exists():
            return []
        out: list[AuditRecord] = []
        with self.path.open(encoding="utf-8") as fh:
            for raw in fh:
                try:
                    out.append(AuditRecord(**json.loads(raw)))
                except (ValueError, TypeError):
                    continue
        return out[-limit:] if limit else out

    def record(
        self,
        *,
        connection: str,
        action: str,
        target: str,
        call: Callable[[], T],
        details: dict[str, Any] | None = None,
    ) -> T:
        """Run one write ``call`` and record its outcome, success or failure."""
        try:
            result = call()
        except Exception as exc:
            self.append(_make(connection, action, target, "error", details, f"{type(exc).__name__}: {exc}"))
            raise
        self.append(_make(connection, action, target, "ok", details, ""))
        return result


def _make(connection: str, action: str, target: str, result: str, details: dict | None, error: str) -> AuditRecord:
    return AuditRecord(
        time=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        user=_user(),
        connection=connection,
        action=action,
        target=target,
        result=result,
        details=details or {},
        error=error,
    )


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"
