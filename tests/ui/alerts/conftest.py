"""The Alarms page against the sandbox, with its own handling table per test."""

from __future__ import annotations

import uuid

import pytest

TIMEOUT = 30_000


@pytest.fixture
def handling_table():
    return f"alarm-handling-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def view(qtbot, ctx, sandbox_connection, handling_table):
    from opsconsole.ui.alerts.alarms_view import AlarmsView

    ctx.set_connection(sandbox_connection)
    made = AlarmsView(ctx, table=handling_table, tag_rate=1000.0)
    qtbot.addWidget(made)
    made.resize(1500, 900)
    made.show()
    with qtbot.waitSignal(made.loaded, timeout=TIMEOUT):
        made.load()
    return made


def top_rows(view):
    return [r for r in view.model.all_rows() if r.depth == 0]


def select(qtbot, view, name):
    qtbot.waitUntil(lambda: view.model.row_of(name, None) is not None, timeout=TIMEOUT)  # rows rebuilt
    assert view.select(name)
    qtbot.waitUntil(lambda: view.detail.alarm is not None and view.detail.alarm.name == name)
