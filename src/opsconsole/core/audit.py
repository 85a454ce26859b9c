"""The audit log: every write sent to AWS, recorded before it is sent and again when it ends.

One JSON line per event, append-only: an "attempted" line, written and
fsync'd before the request leaves (if it cannot be written, nothing is sent:
:class:`AuditUnavailable`), then a line with the result ("ok", "error" with
AWS's error, "conflict" when someone else changed the thing first,
"cancelled"), paired with its attempt by ``id``. An attempt without a result
means the console stopped during the call: what happened is not known.

Lines written before the write-ahead records (no ``id``, no principal) still
load: each is one finished write.

The lines are hash-chained: each carries a sequence number (``seq``) and the
SHA-256 of the line before it as stored (``prev``; sixty-four zeros for the
first line of a file). :func:`verify_file` (``opsconsole audit verify``) finds
the first changed, missing or inserted line. Lines from before the chain
existed (no ``seq``) are reported as such; the first chained line names the
last of them, so they cannot be changed unnoticed either. What a chain kept on
the same machine cannot prove is in docs/security.md.
"""

from __future__ import annotations

import hashlib
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
from opsconsole.core.paths import make_private_dir, make_private_file
from opsconsole.core.writes import ATTEMPTED, Write

#: The result recorded for a write still on its way when the console quit.
ABANDONED = "abandoned"

#: Longer string parameters are shortened in the audit file (the call itself gets them whole).
MAX_PARAM_CHARS = 8192


class AuditUnavailable(DomainError):
    """The "attempted" record could not be written, so the write was not sent."""

    title = "Audit log unavailable"

    def __init__(self, path: Path, exc: OSError) -> None:
        reason = exc.strerror or type(exc).__name__
        super().__init__(f"The audit log cannot be written ({reason}: {path}): nothing was sent to AWS; "
                         "free some disk space or fix the folder's permissions and try again.")


def _display(who: Identity) -> str:
    # The audit record names both: ``principal`` is who AWS says acted, ``user`` the name the user goes by.
    return who.display_name.strip() or who.name


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
    # The hash chain (absent from lines written before it existed).
    #: 1 for the first chained line of the file, then one more per line.
    seq: int = 0
    #: SHA-256 (hex) of the previous line as stored; GENESIS for the first line of the file.
    prev: str = ""

    @property
    def finished(self) -> bool:
        return self.result != ATTEMPTED


_FIELDS = {f.name for f in fields(AuditRecord)}

#: ``prev`` of the first line of a file.
GENESIS = "0" * 64

try:  # several consoles may append to one file: the chain needs one writer at a time
    import fcntl
except ImportError:  # pragma: no cover - Windows: one console per user in practice
    fcntl = None  # type: ignore[assignment]


def line_hash(raw: bytes) -> str:
    """The hash a line is chained by: SHA-256 of its stored bytes, without the newline."""
    return hashlib.sha256(raw).hexdigest()


def _last_line(fd: int, size: int) -> bytes:
    """The last line of the open file (without its newline), read backwards in chunks."""
    end = size
    chunk = b""
    pos = size
    while pos > 0:
        step = min(65536, pos)
        pos -= step
        os.lseek(fd, pos, os.SEEK_SET)
        chunk = os.read(fd, step) + chunk
        body = chunk[:-1] if chunk.endswith(b"\n") and pos + len(chunk) == end else chunk
        cut = body.rfind(b"\n")
        if cut >= 0:
            return body[cut + 1:]
    return chunk[:-1] if chunk.endswith(b"\n") else chunk


def _last_seq(fd: int) -> int:
    """The highest sequence number in the file (a slow path, for a damaged last line)."""
    os.lseek(fd, 0, os.SEEK_SET)
    data = b""
    while True:
        part = os.read(fd, 1 << 20)
        if not part:
            break
        data += part
    best = 0
    for raw in data.split(b"\n"):
        try:
            seq = json.loads(raw).get("seq")
        except (ValueError, AttributeError):
            continue
        if isinstance(seq, int):
            best = max(best, seq)
    return best


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
            make_private_dir(self.path.parent)
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
        with self._lock:
            # O_APPEND: each record lands whole at the end, even with two consoles open;
            # the lock keeps the chain whole (read the last line, then append after it).
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                make_private_file(fd)
                if fcntl is not None:
                    fcntl.flock(fd, fcntl.LOCK_EX)
                size = os.fstat(fd).st_size
                prefix = b""
                if size == 0:
                    prev, seq = GENESIS, 1
                else:
                    last = _last_line(fd, size)
                    os.lseek(fd, size - 1, os.SEEK_SET)
                    if os.read(fd, 1) != b"\n":
                        prefix = b"\n"  # a line cut short (a crash while writing): it stays, chained
                    prev = line_hash(last)
                    try:
                        last_seq = json.loads(last).get("seq", 0)
                    except (ValueError, AttributeError):
                        last_seq = None
                    if not isinstance(last_seq, int):
                        last_seq = _last_seq(fd)
                    seq = last_seq + 1
                line = redact(json.dumps(asdict(replace(record, seq=seq, prev=prev)), ensure_ascii=False, default=str))
                data = prefix + (line + "\n").encode("utf-8")
                if os.write(fd, data) != len(data):
                    raise OSError(28, "No space left on device")
                if sync:
                    os.fsync(fd)
            finally:
                os.close(fd)  # (releases the lock)
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
            user=_display(write.who or Identity()),
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

    def abandon_open(self, why: str = "the console quit before AWS answered") -> list[AuditRecord]:
        """Record every write of this console still without a result as "abandoned" (at exit)."""
        with self._lock:
            pending = set(self._open)
        done = []
        for record in reversed(self.lines()):
            if record.id in pending and record.result == ATTEMPTED:
                pending.discard(record.id)
                try:
                    done.append(self.finish(record, ABANDONED, why))
                except OSError:
                    pass
        return done

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


@dataclass(frozen=True)
class ChainProblem:
    """The first place the chain does not hold."""

    #: 1-based line number in the file.
    line: int
    message: str


@dataclass(frozen=True)
class ChainReport:
    """What :func:`verify_file` found."""

    path: Path
    #: Lines carrying a sequence number.
    chained: int = 0
    #: Lines from before the chain existed (at the start of the file).
    unchained: int = 0
    problem: ChainProblem | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None

    def summary(self) -> str:
        if self.problem is not None:
            return f"{self.path}: line {self.problem.line}: {self.problem.message}"
        older = (f"; {self.unchained} older record{'s' if self.unchained != 1 else ''} from before the chain "
                 "(not chained to each other, only to the first chained record)") if self.unchained else ""
        return f"{self.path}: {self.chained} records, chain intact{older}"


def verify_file(path: Path | str) -> ChainReport:
    """Check the chain of an audit file. Raises OSError if it cannot be read."""
    path = Path(path)
    raws = path.read_bytes().split(b"\n")
    if raws and raws[-1] == b"":
        raws.pop()
    chained = unchained = 0
    last_seq = 0

    def report(line: int, message: str) -> ChainReport:
        return ChainReport(path, chained, unchained, ChainProblem(line, message))

    for i, raw in enumerate(raws):
        n = i + 1
        try:
            data = json.loads(raw)
        except ValueError:
            data = None
        if not isinstance(data, dict) or _load(raw.decode("utf-8", "replace")) is None:
            return report(n, "not a record (damaged, cut short or not JSON)")
        seq = data.get("seq")
        if seq is None:
            if chained:
                return report(n, f"inserted: a record without a sequence number after the chain began "
                                 f"(record {last_seq} is on line {n - 1})")
            unchained += 1
            continue
        if not isinstance(seq, int) or isinstance(seq, bool):
            return report(n, f"not a record: sequence number {seq!r}")
        expected = last_seq + 1
        if seq > expected:
            missing = f"record {expected}" if seq == expected + 1 else f"records {expected} to {seq - 1}"
            return report(n, f"{missing} missing before this line (it is record {seq})")
        if seq < expected:
            return report(n, f"inserted: sequence number {seq} again after record {last_seq}")
        want = line_hash(raws[i - 1]) if i else GENESIS
        if data.get("prev") != want:
            after = raws[i + 1] if i + 1 < len(raws) else None
            try:
                next_prev = json.loads(after).get("prev") if after is not None else None
            except (ValueError, AttributeError):
                next_prev = None
            if i == 0:
                return report(n, "the lines before this one are missing (it names a previous line)")
            if next_prev == want:
                return report(n, "inserted: this record does not follow the line before it, the line after it does")
            return report(n - 1, f"changed after it was written (record {seq} on line {n} "
                                 "recorded a different hash for it)")
        chained += 1
        last_seq = seq
    return ChainReport(path, chained, unchained)


def _load(raw: str) -> AuditRecord | None:
    try:
        data = json.loads(raw)
        return AuditRecord(**{k: v for k, v in data.items() if k in _FIELDS})
    except (ValueError, TypeError, AttributeError):
        return None
