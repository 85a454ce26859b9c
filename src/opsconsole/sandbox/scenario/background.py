"""The scenario's background activity: one daemon thread that runs until stopped."""

from __future__ import annotations

import threading
from typing import TypeVar

B = TypeVar("B", bound="Background")


class Background:
    """A daemon thread running :meth:`_run` until :meth:`stop`; ``_run`` waits on ``self._stopping``."""

    thread_name = "sandbox-background"

    def __init__(self) -> None:
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self: B) -> B:
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        if self._thread is not None and self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:  # pragma: no cover - every subclass says what it does
        raise NotImplementedError
