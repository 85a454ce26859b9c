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


def restored_locale(clients, locale):  # noqa: ANN001, ANN201
    """A generator for a fixture: yields the locale's model as it is, then puts its sample utterances and the
    live alias back and waits for the locale to build again (deploy tests change both)."""
    from opsconsole.core.lexreview import bot as lb
    from opsconsole.core.lexreview import deploy as ld
    from opsconsole.core.lexreview.deploy.steps import set_utterances

    lex_client = clients.client("lexv2-models")
    before = lb.load_locale_model(clients, locale)
    alias = lb.find_alias(clients, locale.bot_id)
    yield before
    after = lb.load_locale_model(clients, locale)
    for name, intent in before.intents.items():
        if after.intents[name].utterances != intent.utterances:
            set_utterances(lex_client, locale, intent.intent_id, intent.utterances)
    ld.move_alias(lex_client, alias, alias["botVersion"])

    def built_again() -> bool:
        status = lex_client.describe_bot_locale(botId=locale.bot_id, botVersion="DRAFT", localeId=locale.locale_id)
        if status["botLocaleStatus"] == "Built":
            return True
        if status["botLocaleStatus"] not in ("Building", "ReadyExpressTesting"):
            lex_client.build_bot_locale(botId=locale.bot_id, botVersion="DRAFT", localeId=locale.locale_id)
        return False

    wait_until(built_again, timeout=60.0, interval=0.2, what="the locale to build again")


def drive(generator):  # noqa: ANN001, ANN201
    """Run a progress-yielding generator (a deployment or one of its steps) to its end: (reports, result)."""
    reports = []
    try:
        while True:
            reports.append(next(generator))
    except StopIteration as stop:
        return reports, stop.value
