"""A ring buffer of recent log records that a log pane can show."""

from __future__ import annotations

import logging
import re
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

#: Keep this many records; older ones fall off.
CAPACITY = 5000

# Anything that looks like a secret is masked before it is stored or shown.
_SECRET_RE = re.compile(
    r"(?i)(aws_secret_access_key|secret[_ ]?key|session[_ ]?token|x-amz-security-token|"
    r"authorization|tasktoken|password)(\"?\s*[:=]\s*\"?)([^\s\",}]+)"
)
_ACCESS_KEY_RE = re.compile(r"\b(AKIA|ASIA)[A-Z0-9]{12,}\b")


def redact(text: str) -> str:
    """Mask credentials and tokens in a log line."""
    text = _SECRET_RE.sub(lambda m: f"{m.group(1)}{m.group(2)}***", text)
    return _ACCESS_KEY_RE.sub(lambda m: m.group(0)[:4] + "…", text)


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


_buffer: RingBufferHandler | None = None


def install(log_file: str | None = None, level: int = logging.INFO) -> RingBufferHandler:
    """Set up the app's logging once: ring buffer, optional rotating file."""
    global _buffer
    root = logging.getLogger()
    if _buffer is None:
        _buffer = RingBufferHandler()
        root.addHandler(_buffer)
        if log_file:
            from logging.handlers import RotatingFileHandler

            fh = RotatingFileHandler(log_file, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
            fh.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
            root.addHandler(fh)
    root.setLevel(level)
    # botocore is chatty at DEBUG and would log request details.
    for noisy in ("botocore", "boto3", "urllib3", "werkzeug", "moto"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return _buffer


def buffer() -> RingBufferHandler:
    return _buffer if _buffer is not None else install()
