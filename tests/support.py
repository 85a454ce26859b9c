"""Helpers shared by test modules (importable because pyproject puts tests/ on pytest's path)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

import pytest

T = TypeVar("T")


def wait_until(condition: Callable[[], T], timeout: float = 20.0, interval: float = 0.05,
               what: str = "condition") -> T:
    """Poll ``condition`` until it returns something truthy; fail after ``timeout`` seconds.

    For waiting on the sandbox (another thread or process); Qt waits use qtbot.
    """
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        pause.wait(interval)


def dialog_of(qtbot, controller, kind: type, timeout: int = 20_000):  # noqa: ANN001, ANN201
    """The dialog of ``kind`` an ExecutionActions controller opened (it opens them without blocking)."""
    qtbot.waitUntil(lambda: isinstance(controller.dialog, kind), timeout=timeout)
    return controller.dialog


def status_of(clients, arn: str) -> str:  # noqa: ANN001
    from opsconsole.core.executions.listing import describe_execution

    return describe_execution(clients, arn).status


def audit(ctx) -> list[tuple[str, str, str]]:  # noqa: ANN001
    """The audit log as (action, target, result) rows."""
    return [(r.action, r.target, r.result) for r in ctx.audit.read()]


def first_execution(clients, sandbox, machine: str, status: str):  # noqa: ANN001, ANN201
    """The newest seeded execution of the scenario's ``machine`` ("training", ...) in ``status``."""
    from opsconsole.core.executions.listing import iter_executions

    arn = sandbox.scenario.state_machines[machine]
    return next(e for page in iter_executions(clients, [arn], status) for e in page)
