"""Loading a long history: every event reaches the table in id order, in slices; a cancel or a failure
half-way leaves whole slices only, and says so."""

from __future__ import annotations

import pytest
from botocore.exceptions import EndpointConnectionError

from opsconsole.core.executions.history import parse_events
from opsconsole.core.executions.history.synthetic import ARN, synthetic_history
from opsconsole.ui.executions.history import loader as loader_module
from opsconsole.ui.executions.history.loader import HistoryLoader
from opsconsole.ui.executions.history.view import HistoryView


class HistoryEndpoint:
    """GetExecutionHistory over a list of raw events, with AWS's paging (one call per page asked for)."""

    def __init__(self, raw, fail_after_pages=None):
        self.raw, self.fail_after_pages = raw, fail_after_pages
        self.calls = 0

    def client(self, _service):
        return self

    def get_paginator(self, operation):
        assert operation == "get_execution_history"
        return self

    def paginate(self, executionArn, PaginationConfig=None, **_params):  # noqa: N803 - boto3's names
        size = (PaginationConfig or {}).get("PageSize") or 100
        for start in range(0, len(self.raw), size):
            if self.fail_after_pages is not None and self.calls >= self.fail_after_pages:
                raise EndpointConnectionError(endpoint_url="http://127.0.0.1:1")
            self.calls += 1
            yield {"events": self.raw[start:start + size]}


@pytest.fixture
def view(qtbot):
    widget = HistoryView()
    qtbot.addWidget(widget)
    widget.resize(1200, 700)
    widget.show()
    return widget


@pytest.fixture
def raw():
    return synthetic_history(3000)


def inserted_slices(view):
    slices = []
    view.model.rowsInserted.connect(lambda _parent, first, last: slices.append((first, last)))
    return slices


def test_every_event_arrives_in_id_order_in_slices(qtbot, runner, view, raw, monkeypatch):
    monkeypatch.setattr(loader_module, "SLICE_ROWS", 300)  # pages of 1000 reach the table 300 rows at a time
    loader = HistoryLoader(runner, view)
    slices = inserted_slices(view)
    with qtbot.waitSignal(loader.runs_ready, timeout=20_000) as ready:
        loader.load(HistoryEndpoint(raw), ARN, page_size=1000)
    expected = parse_events(raw)
    events, runs = ready.args
    assert [e.id for e in view.model.events()] == [e.id for e in events] == [e.id for e in expected]
    assert view.model.events() == expected, "the same events, states resolved across pages"
    assert slices[0][0] == 0 and all(b[0] == a[1] + 1 for a, b in zip(slices, slices[1:], strict=False))
    assert slices[-1][1] == len(expected) - 1
    assert max(last - first + 1 for first, last in slices) <= 300
    assert len(slices) >= len(expected) // 300
    assert view.count_label.text() == f"{len(expected):,} events"
    assert runs


def test_a_cancel_half_way_leaves_whole_slices_and_nothing_more_arrives(qtbot, runner, view, raw, monkeypatch):
    monkeypatch.setattr(loader_module, "SLICE_ROWS", 250)
    loader = HistoryLoader(runner, view)
    slices = inserted_slices(view)
    ready = []
    loader.runs_ready.connect(lambda *args: ready.append(args))
    view.model.rowsInserted.connect(lambda *_: loader.cancel() if len(slices) == 2 else None)
    loader.load(HistoryEndpoint(raw), ARN, page_size=1000)
    qtbot.waitUntil(lambda: len(slices) >= 2, timeout=20_000)
    qtbot.waitUntil(lambda: runner.threads_busy() == 0, timeout=10_000)
    qtbot.wait(0)  # whatever was still queued for the GUI is delivered now
    shown = view.model.events()
    assert len(slices) == 2 and len(shown) == 500, "two whole slices, not part of a third"
    assert shown == parse_events(raw)[:500] == loader.events
    assert ready == [], "no state runs are built from a cancelled history"
    assert view.count_label.text() == "500 events"


def test_a_failure_half_way_keeps_the_events_read_and_says_the_history_is_incomplete(qtbot, runner, view, raw):
    loader = HistoryLoader(runner, view)
    ready = []
    loader.runs_ready.connect(lambda *args: ready.append(args))
    with qtbot.waitSignal(loader.failed, timeout=20_000) as failed:
        loader.load(HistoryEndpoint(raw, fail_after_pages=2), ARN, page_size=1000)
    qtbot.waitUntil(lambda: view.model.loaded_count() == 2000, timeout=10_000)
    assert view.model.events() == parse_events(raw)[:2000]
    err = failed.args[0]
    assert "incomplete" in err.message and "2 page" in err.message
    assert ready == []


def test_a_refresh_keeps_the_rows_shown_and_adds_only_the_new_events(qtbot, runner, view, raw):
    loader = HistoryLoader(runner, view)
    first = raw[:1200]  # the history so far; the run goes on
    with qtbot.waitSignal(loader.runs_ready, timeout=20_000):
        loader.load(HistoryEndpoint(first), ARN, page_size=500)
    view.select_event(1000)
    removed = []
    view.model.rowsRemoved.connect(lambda *_a: removed.append(1))
    view.model.modelReset.connect(lambda: removed.append(1))
    slices = inserted_slices(view)
    with qtbot.waitSignal(loader.runs_ready, timeout=20_000) as ready:
        loader.load(HistoryEndpoint(raw), ARN, page_size=500, refresh=True)
    events, _runs = ready.args
    assert removed == []  # the table never emptied
    assert slices[0][0] == 1200  # only the events after those shown were added
    assert [e.id for e in view.model.events()] == [e.id for e in events] == [e.id for e in parse_events(raw)]
    assert view.model.event_at(view.table.currentIndex().row()).id == 1000  # the user's row stays picked
    # Another execution in the same view starts from an empty table.
    with qtbot.waitSignal(loader.runs_ready, timeout=20_000):
        loader.load(HistoryEndpoint(first), ARN + "-other", page_size=500, refresh=True)
    assert removed and len(view.model.events()) == len(parse_events(first))
