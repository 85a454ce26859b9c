"""UI test fixtures: a job runner and an app context; no thread may outlive a test."""

from __future__ import annotations

import pytest
from pytestqt.exceptions import TimeoutError
from PySide6.QtCore import QThreadPool


@pytest.fixture
def runner(qtbot):
    from opsconsole.jobs.runner import JobRunner

    r = JobRunner()
    yield r
    r.cancel_all()
    # Cancelled jobs finish their current call; wait for that, then demand silence.
    try:
        qtbot.waitUntil(lambda: r.threads_busy() == 0, timeout=15000)
    except TimeoutError:
        left = ", ".join(sorted(j.name for j in r._workers_alive)) or "none known"
        raise AssertionError(f"jobs still running 15 s after they were cancelled: {left}") from None
    assert r.shutdown(5000)
    assert r.threads_busy() == 0


@pytest.fixture
def ctx(runner, tmp_path, qtbot):
    from opsconsole.core.audit import AuditLog
    from opsconsole.ui.context import AppContext

    return AppContext(runner, AuditLog(tmp_path / "audit.jsonl"))


@pytest.fixture(autouse=True)
def _no_threads_left(qtbot):
    yield
    qtbot.waitUntil(lambda: QThreadPool.globalInstance().activeThreadCount() == 0, timeout=15000)


@pytest.fixture
def clients(ctx, sandbox_connection):
    """The app context connected to the sandbox; its clients."""
    ctx.set_connection(sandbox_connection)
    return ctx.clients


@pytest.fixture
def controller(qtbot, ctx, clients):
    """An ExecutionActions controller under a throw-away parent widget."""
    from PySide6.QtWidgets import QWidget

    from opsconsole.ui.executions.actions.controller import ExecutionActions

    parent = QWidget()
    qtbot.addWidget(parent)
    return ExecutionActions(ctx, parent)


@pytest.fixture
def app_palette(qapp):
    """``app_palette(theme.DARK)`` switches the application palette for one test; the original comes back after."""
    from PySide6.QtGui import QPalette

    from opsconsole.ui.theme import make_palette

    original = QPalette(qapp.palette())

    def switch(look) -> None:
        qapp.setPalette(make_palette(look))

    yield switch
    qapp.setPalette(original)
