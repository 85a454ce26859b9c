"""--smoke-test and --screenshot: load every area once, report, optionally grab PNGs."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

from opsconsole.ui.shell.main_window import MainWindow


class SmokeRun(QObject):
    """Waits for every area's first load (through the worker layer), prints a line each.

    Each area's smoke probe says when its panel's first data is in and what to
    print (``executions: 1084 items``); the areas come from the window, in
    navigation order. ``finished(exit_code)``: 0 when every area loaded, 1 when
    any failed or the time ran out.
    """

    finished = Signal(int)

    def __init__(self, window: MainWindow, screenshot_dir: Path | None, timeout_s: float = 120.0) -> None:
        super().__init__(window)
        self.window = window
        self.screenshot_dir = screenshot_dir
        self.results: dict[str, tuple[bool, str]] = {}
        self._done = False
        self.keys = ["connection"] + [area.key for area in window.areas]
        window.connection_checked.connect(lambda ok, text: self._record("connection", ok, text))
        for area, panel in zip(window.areas, window.panels):
            area.probe(
                panel,
                lambda summary, key=area.key: self._record(key, True, summary),
                lambda err, key=area.key: self._record(key, False, str(err)),
            )
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._timed_out)
        self._timer.start(int(timeout_s * 1000))

    def _record(self, key: str, ok: bool, text: str) -> None:
        if self._done or key in self.results:
            return
        self.results[key] = (ok, text)
        if len(self.results) == len(self.keys):
            self._finish()

    def fail_all(self, reason: str) -> None:
        for key in self.keys:
            self._record(key, False, reason)

    def _timed_out(self) -> None:
        for key in self.keys:
            if key not in self.results:
                self.results[key] = (False, "timed out before its first data arrived")
        self._finish()

    def _finish(self) -> None:
        if self._done:
            return
        self._done = True
        self._timer.stop()
        failed = False
        for key in self.keys:
            ok, text = self.results[key]
            line = f"{key}: {text}" if ok else f"{key}: FAILED: {text}"
            print(line, file=sys.stdout if ok else sys.stderr, flush=True)
            failed |= not ok
        if self.screenshot_dir is not None:
            self._grab_all()
        self.finished.emit(1 if failed else 0)

    def _grab_all(self) -> None:
        out = self.screenshot_dir
        assert out is not None
        out.mkdir(parents=True, exist_ok=True)
        # The same size every time, whatever the saved layout says.
        self.window.resize(1400, 860)
        for area in self.window.areas:
            self.window.show_area(area.key)
            QApplication.processEvents()
            path = out / f"{area.key}.png"
            self.window.grab().save(str(path))
            print(f"screenshot: {path}", flush=True)
