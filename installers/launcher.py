"""Entry script of the frozen app: the same ``opsconsole.app.main`` the installed
``opsconsole`` command runs, plus what a frozen GUI executable needs first.

* Windows GUI executables start without stdout/stderr: ``--version`` and
  ``--smoke-test`` print, so attach to the console of the shell that started us,
  or write into the void rather than fail. (cmd and PowerShell do not wait for a
  GUI executable, so its output lands after their next prompt: for the command
  line the build ships ``opsconsole-cli.exe``, this same script built as a console
  program, which has its streams from the start.)
* ``multiprocessing.freeze_support()``, so a child process started from the frozen
  app runs the child's work instead of a second copy of the app.
* ``OPSCONSOLE_SELF_CHECK=1`` first checks that the bundled resources are found
  where the app looks for them (``resources: ok <folder>``; exit 1 if not).
* ``OPSCONSOLE_REPORT_STARTUP=1`` prints ``first paint after N ms`` once the main
  window has painted (counted from process start on Linux, from this script's first
  line elsewhere), to compare the frozen and the pip-installed app
  (``python installers/launcher.py`` runs the latter the same way).
"""

from __future__ import annotations

import os
import sys
import time


def _process_start() -> float:
    """Seconds since the epoch when this process started (best effort; now if unknown)."""
    try:
        if sys.platform.startswith("linux"):
            with open("/proc/self/stat", encoding="ascii") as stat:
                ticks = int(stat.read().rsplit(")", 1)[1].split()[19])
            with open("/proc/stat", encoding="ascii") as all_stat:
                boot = next(int(line.split()[1]) for line in all_stat if line.startswith("btime"))
            return boot + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        pass
    return time.time()


def _console_streams() -> None:
    if sys.stdout is not None and sys.stderr is not None:
        return
    if sys.platform == "win32":
        import ctypes

        if ctypes.windll.kernel32.AttachConsole(-1):  # ATTACH_PARENT_PROCESS
            sys.stdout = sys.stdout or open("CONOUT$", "w", encoding="utf-8", errors="replace")  # noqa: SIM115
            sys.stderr = sys.stderr or open("CONOUT$", "w", encoding="utf-8", errors="replace")  # noqa: SIM115
            return
    devnull = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - lives as long as the process
    sys.stdout = sys.stdout or devnull
    sys.stderr = sys.stderr or devnull


def _report_first_paint(started: float) -> None:
    """Print once how long it took from process start to the main window's first paint."""
    from PySide6 import QtWidgets
    from PySide6.QtCore import QEvent, QObject

    base = QtWidgets.QApplication

    class _Probe(QObject):
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint and isinstance(obj, QtWidgets.QMainWindow):
                print(f"first paint after {(time.time() - started) * 1000:.0f} ms", flush=True)
                QtWidgets.QApplication.instance().removeEventFilter(self)
            return False

    class _ReportingApplication(base):  # type: ignore[misc, valid-type]
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._startup_probe = _Probe()
            self.installEventFilter(self._startup_probe)

    QtWidgets.QApplication = _ReportingApplication  # main() imports it by name after this


#: resource files the app and the installers rely on, checked by OPSCONSOLE_SELF_CHECK=1
REQUIRED_RESOURCES = ("opsconsole.svg", "icons/opsconsole-32.png", "icons/opsconsole-256.png")


def _self_check() -> bool:
    from opsconsole.core import paths

    missing = [name for name in REQUIRED_RESOURCES if not paths.resource(name).is_file()]
    where = paths.resource("")
    if missing:
        print(f"resources: missing {', '.join(missing)} (looked in {where})", flush=True)
        return False
    print(f"resources: ok {where}", flush=True)
    return True


def run() -> int:
    started = _process_start()
    _console_streams()
    import multiprocessing

    multiprocessing.freeze_support()
    if os.environ.get("OPSCONSOLE_SELF_CHECK") == "1" and not _self_check():
        return 1
    if os.environ.get("OPSCONSOLE_REPORT_STARTUP") == "1":
        _report_first_paint(started)
    from opsconsole.app import main

    return main()


if __name__ == "__main__":
    sys.exit(run())
