"""A ring buffer of recent log records that a log pane can show."""

from __future__ import annotations

import logging
import os
import re
import threading
from logging.handlers import RotatingFileHandler
from pathlib import Path
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from opsconsole.core.paths import make_private_dir, make_private_file

#: Keep this many records; older ones fall off.
CAPACITY = 5000

# Anything that looks like a secret is masked before it is stored or shown: in the
# log file, the log pane, banners, the crash dialog and the audit log. Masking too
# much is harmless; one token too few is not. Order matters: whole blocks first.
_MASK = "***"
_PEM_RE = re.compile(r"-----BEGIN ([A-Z ]*)PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)", re.S)
# Authorization / Proxy-Authorization / Cookie headers: the whole value (it may hold spaces).
_HEADER_RE = re.compile(
    r"(?i)((?:proxy-)?authorization|set-cookie|cookie)(['\"]?\s*[:=]\s*b?)(['\"])(?:(?!\3).)*\3"
    r"|((?:proxy-)?authorization|set-cookie|cookie)(['\"]?\s*[:=]\s*)[^\r\n'\"]+"
)
# key = value, "key": "value", 'key': b'value', key=value in a query string.
_KEYS = (
    r"aws_secret_access_key|secret_?access_?key|secret[_ -]?key|aws_session_token|session_?token|session[ -]token|"
    r"security[_-]?token|x-amz-security-token|x-amz-signature|x-amz-credential|task_?token|task token|"
    r"password|passwd|pwd|client_?secret|api_?key|access_?token|refresh_?token|id_?token|private_?key|"
    r"credentials?|signature"
)
_SECRET_RE = re.compile(
    r"(?i)(?<![A-Za-z0-9])(" + _KEYS + r")(['\"]?\s*[:=]\s*b?['\"]?)([^\s'\",}&;)\]]+)"
)
_URL_PASSWORD_RE = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]+:)[^@\s/]+@")
_BEARER_RE = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}")
_JWT_RE = re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
_ACCESS_KEY_RE = re.compile(r"\b(AKIA|ASIA|AROA|AIDA)[A-Z0-9]{12,}\b")
# A secret access key on its own (40 characters of base64 with upper and lower case).
_SECRET_KEY_RE = re.compile(r"(?<![A-Za-z0-9+/=_-])(?=[A-Za-z0-9+/]*[A-Z])(?=[A-Za-z0-9+/]*[a-z])"
                            r"[A-Za-z0-9+/]{40}(?![A-Za-z0-9+/=_-])")
# Long opaque tokens in free text: Step Functions task tokens, session tokens, signatures.
_LONG_TOKEN_RE = re.compile(r"(?<![A-Za-z0-9+/=_-])(?=[A-Za-z0-9+/=_-]*[A-Za-z])[A-Za-z0-9+/_-]{80,}={0,2}")


def _long_token(m: re.Match[str]) -> str:
    """Mask an opaque token (many capitals and digits), keep a path or a long name."""
    token = m.group(0)
    upper = sum(c.isupper() for c in token)
    digits = sum(c.isdigit() for c in token)
    return token[:4] + "…" + _MASK if upper >= 8 and digits >= 2 else token


def redact(text: str) -> str:
    """Mask credentials and tokens in a line of text (log lines, messages, tracebacks)."""
    if not text:
        return text
    text = _PEM_RE.sub(lambda m: f"-----BEGIN {m.group(1)}PRIVATE KEY-----{_MASK}", text)
    text = _HEADER_RE.sub(
        lambda m: f"{m.group(1)}{m.group(2)}{m.group(3)}{_MASK}{m.group(3)}" if m.group(1)
        else f"{m.group(4)}{m.group(5)}{_MASK}", text)
    text = _SECRET_RE.sub(lambda m: f"{m.group(1)}{m.group(2)}{_MASK}", text)
    text = _URL_PASSWORD_RE.sub(lambda m: f"{m.group(1)}{_MASK}@", text)
    text = _BEARER_RE.sub(lambda m: f"{m.group(1)} {_MASK}", text)
    text = _JWT_RE.sub("eyJ" + _MASK, text)
    text = _ACCESS_KEY_RE.sub(lambda m: m.group(0)[:4] + "…", text)
    text = _LONG_TOKEN_RE.sub(_long_token, text)
    return _SECRET_KEY_RE.sub(_MASK, text)


@dataclass(frozen=True)
class LogLine:
    created: float
    level: int
    logger: str
    text: str


class RingBufferHandler(logging.Handler):
    """Keeps the last :data:`CAPACITY` records and tells listeners about new ones.

    Listeners are called on whatever thread logged; the UI hops to its own
    thread before touching widgets.
    """

    def __init__(self, capacity: int = CAPACITY) -> None:
        super().__init__(logging.DEBUG)
        self.records: deque[LogLine] = deque(maxlen=capacity)
        self._listeners: list[Callable[[LogLine], None]] = []
        self._lock2 = threading.Lock()
        self.setFormatter(logging.Formatter("%(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = redact(self.format(record))
        except Exception:  # never let logging break the app
            self.handleError(record)
            return
        line = LogLine(record.created, record.levelno, record.name, text)
        with self._lock2:
            self.records.append(line)
            listeners = list(self._listeners)
        for listener in listeners:
            listener(line)

    def add_listener(self, listener: Callable[[LogLine], None]) -> None:
        with self._lock2:
            self._listeners.append(listener)

    def remove_listener(self, listener: Callable[[LogLine], None]) -> None:
        with self._lock2:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def snapshot(self) -> list[LogLine]:
        with self._lock2:
            return list(self.records)


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class _PrivateRotatingFileHandler(RotatingFileHandler):
    """A rotating log file created owner-only (0600), in an owner-only folder (0700)."""

    def _open(self):  # noqa: ANN202 - logging's signature
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        make_private_file(fd)
        return os.fdopen(fd, self.mode, encoding=self.encoding, errors=self.errors)


def file_handler(path: Path) -> logging.Handler:
    """The log file handler: redacted, rotating, owner-only (folder made 0700, file 0600, fixed if looser)."""
    make_private_dir(path.parent)
    fh = _PrivateRotatingFileHandler(str(path), maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    fh.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    return fh


_buffer: RingBufferHandler | None = None


def install(log_file: str | None = None, level: int = logging.INFO) -> RingBufferHandler:
    """Set up the app's logging once: ring buffer, optional rotating file."""
    global _buffer
    root = logging.getLogger()
    if _buffer is None:
        _buffer = RingBufferHandler()
        root.addHandler(_buffer)
        if log_file:
            try:
                root.addHandler(file_handler(Path(log_file)))
            except OSError as exc:  # a read-only data folder: the console still runs, without a log file
                logging.getLogger(__name__).warning("no log file (%s: %s)", log_file, exc.strerror or exc)
    root.setLevel(level)
    # botocore is chatty at DEBUG and would log request details.
    for noisy in ("botocore", "boto3", "urllib3", "werkzeug", "moto"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return _buffer


def buffer() -> RingBufferHandler:
    return _buffer if _buffer is not None else install()
