"""The audit log: every write sent to AWS, recorded before it is sent and again when it ends.

One JSON line per event, append-only: an "attempted" line, written and
fsync'd before the request leaves (if it cannot be written, nothing is sent:
:class:`AuditUnavailable`), then a line with the result ("ok", "error" with
AWS's error, "conflict" when someone else changed the thing first,
"cancelled"), paired with its attempt by ``id``. An attempt without a result
means the console stopped during the call: what happened is not known.

Lines written before the write-ahead records (no ``id``, no principal) still
load: each is one finished write.
"""

from __future__ import annotations

import json
import os
import threading
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from opsconsole.core.aws import Connection
from opsconsole.core.errors import DomainError
from opsconsole.core.identity import Identity
from opsconsole.core.logbuffer import redact
from opsconsole.core.writes import ATTEMPTED, Write

#: Longer string parameters are shortened in the audit file (the call itself gets them whole).
MAX_PARAM_CHARS = 8192


class AuditUnavailable(DomainError):
    """The "attempted" record could not be written, so the write was not sent."""

    title = "Audit log unavailable"

    def __init__(self, path: Path, exc: OSError) -> None:
        reason = exc.strerror or type(exc).__name__
        super().__init__(f"The audit log cannot be written ({reason}: {path}): nothing was sent to AWS; "
                         "free some disk space or fix the folder's permissions and try again.")


@dataclass(frozen=True)
class AuditRecord:
    """Who did what to which resource, when, and how it ended."""

    time: str
    #: The display name (see :mod:`opsconsole.core.identity`).
    user: str
    connection: str
    action: str
    target: str
    result: str  # "attempted", "ok", "error", "conflict" or "cancelled"
    details: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    # Since the write-ahead records; absent from older lines.
    #: Pairs an attempt with its result.
    id: str = ""
    #: The AWS principal's ARN.
    principal: str = ""
    service: str = ""
    operation: str = ""
    targets: list[str] = field(default_factory=list)
    #: The exact requests, when known before sending: [{"service", "operation", "params"}].
    requests: list[dict[str, Any]] = field(default_factory=list)
    #: Some parameters were shortened for the file (see MAX_PARAM_CHARS).
    shortened: bool = False
    #: The user confirmed it in a dialog first.
    confirmed: bool = False
    profile: str = ""
    region: str = ""
    endpoint_url: str = ""
    #: On a result line: when the attempt was recorded.
    started: str = ""

    @property
    def finished(self) -> bool:
        return self.result != ATTEMPTED


_FIELDS = {f.name for f in fields(AuditRecord)}


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def _shorten(value: Any) -> tuple[Any, bool]:
    """``value`` with strings over MAX_PARAM_CHARS cut; whether anything was cut."""
    if isinstance(value, str) and len(value) > MAX_PARAM_CHARS:
        return value[:MAX_PARAM_CHARS] + f"…[{len(value) - MAX_PARAM_CHARS} more characters]", True
    if isinstance(value, dict):
        cut = False
        out = {}
        for k, v in value.items():
            out[k], c = _shorten(v)
            cut = cut or c
        return out, cut
    if isinstance(value, (list, tuple)):
        items = [_shorten(v) for v in value]
        return [v for v, _c in items], any(c for _v, c in items)
    return value, False


class AuditLog:
    """Append-only JSON-lines file. Safe to call from worker threads."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError:
            pass  # said when a write is attempted: nothing is sent then
        self._lock = threading.Lock()
        self._listeners: list[Callable[[AuditRecord], None]] = []
        #: Ids attempted by this console whose result is not written yet.
        self._open: set[str] = set()

    def add_listener(self, listener: Callable[[AuditRecord], None]) -> None:
        """``listener(record)`` for each line written (as stored: redacted), on the writing thread."""
        self._listeners.append(listener)

    # -- writing ------------------------------------------------------------
    def append(self, record: AuditRecord, sync: bool = False) -> AuditRecord:
        """Write one line; with ``sync`` it is on the disk when this returns. Raises OSError."""
        line = redact(json.dumps(asdict(record), ensure_ascii=False, default=str))
        with self._lock:
            # O_APPEND: each record lands whole at the end, even with two consoles open.
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                data = (line + "\n").encode("utf-8")
                if os.write(fd, data) != len(data):
                    raise OSError(28, "No space left on device")
                if sync:
                    os.fsync(fd)
            finally:
                os.close(fd)
        stored = _load(line) or record
        for listener in list(self._listeners):
            listener(stored)
        return stored

    def attempted(
        self, write: Write, *, connection: Connection | None, principal: str = "", confirmed: bool = False
    ) -> AuditRecord:
        """Record that ``write`` is about to be sent, on disk; raises :class:`AuditUnavailable` if it cannot."""
        requests, shortened = _shorten([c.as_dict() for c in write.calls])
        c = connection
        record = AuditRecord(
            time=_now(),
            user=(write.who or Identity()).name,
            connection=c.label if c else "",
            action=write.action,
            target=write.target,
            result=ATTEMPTED,
            details=dict(write.details),
            id=uuid.uuid4().hex,
            principal=principal or (write.who.arn if write.who else ""),
            service=write.service,
            operation=write.operation,
            targets=list(write.targets),
            requests=requests,
            shortened=shortened,
            confirmed=confirmed,
            profile=(c.profile or "") if c else "",
            region=c.region if c else "",
            endpoint_url=(c.endpoint_url or "") if c else "",
        )
        try:
            self.append(record, sync=True)
        except OSError as exc:
            raise AuditUnavailable(self.path, exc) from exc
        with self._lock:
            self._open.add(record.id)
        return record

    def finish(self, attempt: AuditRecord, result: str, error: str = "") -> AuditRecord:
        """Record how the attempt ended. Raises OSError if the line cannot be written."""
        record = replace(attempt, time=_now(), result=result, error=error, started=attempt.time)
        try:
            return self.append(record, sync=True)
        finally:
            with self._lock:
                self._open.discard(attempt.id)

    # -- reading ------------------------------------------------------------
    def lines(self) -> list[AuditRecord]:
        """Every line as stored, oldest first; a damaged line is skipped, not fatal."""
        if not self.path.exists():
            return []
        out: list[AuditRecord] = []
        with self.path.open(encoding="utf-8") as fh:
            for raw in fh:
                record = _load(raw)
                if record is not None:
                    out.append(record)
        return out

    def read(self, limit: int | None = None) -> list[AuditRecord]:
        """One record per write, in the order they were attempted, oldest first.

        A result replaces its attempt. Writes still on their way in this
        console are left out; an attempt without a result from an earlier
        run (the console stopped during the call) is kept as "attempted".
        """
        out: list[AuditRecord] = []
        where: dict[str, int] = {}
        for record in self.lines():
            if record.id and record.id in where:
                out[where[record.id]] = record
                continue
            if record.id:
                where[record.id] = len(out)
            out.append(record)
        with self._lock:
            pending = set(self._open)
        out = [r for r in out if r.finished or r.id not in pending]
        return out[-limit:] if limit else out


def _load(raw: str) -> AuditRecord | None:
    try:
        data = json.loads(raw)
        return AuditRecord(**{k: v for k, v in data.items() if k in _FIELDS})
    except (ValueError, TypeError, AttributeError):
        return None
