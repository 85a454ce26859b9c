"""The Executions panel against the sandbox: load, filter, sort, re-query, cancel, errors."""

from __future__ import annotations

import socket
import threading

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from opsconsole.core import aws
from opsconsole.core.executions import listing as core
from opsconsole.core.aws import Connection
from opsconsole.core.settings import Settings
from opsconsole.ui.executions import ExecutionsPanel
from opsconsole.ui.executions.machines import MACHINE_ROLE
from opsconsole.ui.executions.table_model import Column

LOAD_TIMEOUT = 30_000


@pytest.fixture(scope="module")
def reference(sandbox_clients):
    """What the sandbox holds, read by core directly: the truth the panel must show."""
    machines = core.list_state_machines(sandbox_clients)
    executions = [e for p in core.iter_executions(sandbox_clients, [m.arn for m in machines]) for e in p]
    return machines, executions


def make_panel(qtbot, ctx, **kwargs) -> ExecutionsPanel:
    panel = ExecutionsPanel(ctx, **kwargs)
    qtbot.addWidget(panel)
    panel.resize(1400, 800)
    panel.show()
    return panel


@pytest.fixture
def panel(qtbot, ctx, sandbox_connection):
    ctx.set_connection(sandbox_connection)
    return make_panel(qtbot, ctx)


def load(qtbot, panel: ExecutionsPanel) -> str:
    with qtbot.waitSignal(panel.loaded, timeout=LOAD_TIMEOUT) as blocker:
        panel.load()
    return blocker.args[0]


def rows(panel: ExecutionsPanel):
    return [panel.model.execution(r) for r in range(panel.model.rowCount())]


def click_machine(qtbot, panel: ExecutionsPanel, arn: str) -> None:
    rect = panel.machine_list.visualRect(machine_index(panel, arn))
    qtbot.mouseClick(panel.machine_list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def machine_index(panel: ExecutionsPanel, arn: str):
    proxy = panel.machine_proxy
    for r in range(proxy.rowCount()):
        machine = proxy.index(r, 0).data(MACHINE_ROLE)
        if machine is not None and machine.arn == arn:
            return proxy.index(r, 0)
    raise AssertionError(f"{arn} not listed")


class ListCalls:
    """Records the statusFilter of every ListExecutions call the app's client sends."""

    def __init__(self, clients) -> None:
        self.status: list[str | None] = []
        self._lock = threading.Lock()
        self._events = clients.client("stepfunctions").meta.events
        self._events.register("before-parameter-build.sfn.ListExecutions", self._record)

    def _record(self, params, **_kwargs) -> None:
        with self._lock:
            self.status.append(params.get("statusFilter"))

    def snapshot(self) -> list[str | None]:
        with self._lock:
            return list(self.status)

    def close(self) -> None:
        self._events.unregister("before-parameter-build.sfn.ListExecutions", self._record)


def test_panel_shows_every_execution_of_every_machine(qtbot, panel, reference):
    machines, executions = reference
    assert load(qtbot, panel) == f"{len(executions)} items"
    assert panel.model.rowCount() == len(executions)
    assert {e.arn for e in rows(panel)} == {e.arn for e in executions}
    assert panel.filter_bar.count_label.text() == f"{len(executions):,} executions"
    assert panel.filter_bar.refreshed_label.text().startswith("Last refreshed ")
    assert panel.filter_bar.progress.isHidden()
    listed = [panel.machine_proxy.index(r, 0).data() for r in range(panel.machine_proxy.rowCount())]
    assert listed == ["All state machines", *[m.name for m in machines]]
    # Each machine row counts its loaded executions by status.
    first = machines[0]
    counts = machine_index(panel, first.arn).data(Qt.ItemDataRole.UserRole + 2)
    assert sum(counts.values()) == sum(1 for e in executions if e.state_machine_arn == first.arn)
    assert not panel.message_bar.isVisible()


def test_newest_first_then_header_clicks_toggle_the_order(qtbot, panel, reference):
    load(qtbot, panel)
    starts = [e.start for e in rows(panel)]
    assert starts == sorted(starts, reverse=True), "newest first by default"
    header = panel.table.horizontalHeader()
    x = header.sectionViewportPosition(Column.STARTED) + 10
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))
    starts = [e.start for e in rows(panel)]
    assert starts == sorted(starts), "one click: oldest first"
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))
    assert [e.start for e in rows(panel)] == sorted(starts, reverse=True)


def test_status_filter_asks_aws_for_that_status_only(qtbot, panel, reference):
    _machines, executions = reference
    load(qtbot, panel)
    calls = ListCalls(panel.ctx.clients)
    try:
        with qtbot.waitSignal(panel.query_finished, timeout=LOAD_TIMEOUT) as done:
            panel.filter_bar.set_status("FAILED")
    finally:
        calls.close()
    failed = [e for e in executions if e.status == "FAILED"]
    assert done.args == [len(failed)]
    assert {e.status for e in rows(panel)} == {"FAILED"}
    assert panel.model.rowCount() == len(failed)
    assert set(calls.snapshot()) == {"FAILED"}, "server-side: statusFilter went to ListExecutions"


def test_name_filter_narrows_instantly_without_asking_aws(qtbot, panel, reference):
    _machines, executions = reference
    load(qtbot, panel)
    needle = executions[len(executions) // 2].name[:4]
    expected = {e.arn for e in executions if needle.lower() in e.name.lower()}
    assert 0 < len(expected) < len(executions)
    calls = ListCalls(panel.ctx.clients)
    try:
        qtbot.keyClicks(panel.filter_bar.name_edit, needle.upper())
        qtbot.waitUntil(lambda: panel.model.rowCount() == len(expected), timeout=2000)
    finally:
        calls.close()
    assert {e.arn for e in rows(panel)} == expected
    assert calls.snapshot() == [], "client side: no call"
    assert panel.filter_bar.count_label.text() == f"{len(executions):,} executions · {len(expected):,} shown"
    qtbot.keyClick(panel.filter_bar.name_edit, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: panel.model.rowCount() == len(executions), timeout=2000)


def test_time_range_hides_older_executions(qtbot, panel, reference):
    _machines, executions = reference
    load(qtbot, panel)
    panel.filter_bar.set_time_range("7d")
    cutoff = panel.model.started_after
    assert cutoff is not None
    assert {e.arn for e in rows(panel)} == {e.arn for e in executions if e.start >= cutoff}
    panel.filter_bar.set_time_range("all")
    assert panel.model.rowCount() == len(executions)


def test_choosing_a_state_machine_requeries_for_it(qtbot, panel, reference):
    machines, executions = reference
    load(qtbot, panel)
    target = machines[1]
    with qtbot.waitSignal(panel.query_finished, timeout=LOAD_TIMEOUT):
        click_machine(qtbot, panel, target.arn)
    mine = [e for e in executions if e.state_machine_arn == target.arn]
    assert panel.model.rowCount() == len(mine)
    assert {e.state_machine_arn for e in rows(panel)} == {target.arn}
    assert panel.selected_machine_arns() == [target.arn]
    # Searching the list narrows it by name; "All" stays to get back.
    qtbot.keyClicks(panel.machine_search, target.name)
    names = [panel.machine_proxy.index(r, 0).data() for r in range(panel.machine_proxy.rowCount())]
    assert names[0] == "All state machines" and target.name in names and len(names) < len(machines) + 1


def test_changing_the_query_mid_stream_fetches_no_more_old_pages(qtbot, ctx, sandbox_connection, reference):
    """Against the sandbox: 5-row pages make ~200 calls; the old query must stop after its current one."""
    _machines, executions = reference
    ctx.set_connection(sandbox_connection)
    panel = make_panel(qtbot, ctx, page_size=5)
    calls = ListCalls(ctx.clients)
    try:
        panel.load()
        qtbot.waitUntil(lambda: panel.model.loaded_count() >= 5, timeout=LOAD_TIMEOUT)
        old_job = panel._query_job
        assert old_job is not None and old_job.active, "still streaming"
        unfiltered_before = calls.snapshot().count(None)
        pages_before = old_job.pages
        with qtbot.waitSignal(panel.query_finished, timeout=LOAD_TIMEOUT):
            panel.filter_bar.set_status("TIMED_OUT")
        qtbot.waitUntil(lambda: ctx.runner.threads_busy() == 0, timeout=LOAD_TIMEOUT)
        unfiltered_after = calls.snapshot().count(None)
    finally:
        calls.close()
    assert unfiltered_after - unfiltered_before <= 1, "at most the call already in flight"
    assert unfiltered_after < len(executions) // 5, "the old listing never ran to its end"
    assert old_job.pages == pages_before
    timed_out = [e for e in executions if e.status == "TIMED_OUT"]
    assert {e.status for e in rows(panel)} == {"TIMED_OUT"}, "no page of the old query leaked in"
    assert panel.model.rowCount() == len(timed_out)


def test_a_cancelled_listing_is_never_asked_for_another_page(qtbot, ctx, sandbox_connection, monkeypatch):
    """With an endless generator double: only cancelling can end it, and it must end."""
    ctx.set_connection(sandbox_connection)
    fetched = []
    # One page per page shown: the double never runs ahead of the GUI (no flood of pages).
    shown = threading.Semaphore(1)
    real = core.iter_execution_pages

    def endless(clients, arns, status=None, page_size=1000):
        if status is not None:
            yield from real(clients, arns, status, page_size)
            return
        n = 0
        while True:
            shown.acquire(timeout=10)
            n += 1
            fetched.append(n)
            start = core.datetime.now(core.timezone.utc)
            yield core.ExecutionItems("arn:aws:states:eu-west-1:1:stateMachine:m", [
                {"executionArn": f"arn:aws:states:eu-west-1:1:execution:m:e{n}", "name": f"e{n}",
                 "status": "RUNNING", "startDate": start}])

    monkeypatch.setattr(core, "iter_execution_pages", endless)
    panel = make_panel(qtbot, ctx)
    panel.model.rowsInserted.connect(lambda *_: shown.release())
    panel.load()
    qtbot.waitUntil(lambda: panel.model.loaded_count() >= 3, timeout=LOAD_TIMEOUT)
    with qtbot.waitSignal(panel.query_finished, timeout=LOAD_TIMEOUT):
        panel.filter_bar.set_status("ABORTED")
    shown.release()  # wake the double if it waits: it must now see the cancel and stop
    qtbot.waitUntil(lambda: ctx.runner.threads_busy() == 0, timeout=LOAD_TIMEOUT)
    stopped_at = len(fetched)
    shown.release()
    QApplication.processEvents()  # no thread runs: whatever was queued is delivered now
    assert len(fetched) == stopped_at
    assert {e.status for e in rows(panel)} == {"ABORTED"}


def test_a_listing_that_fails_half_way_shows_what_arrived_and_says_the_list_is_incomplete(
        qtbot, ctx, sandbox_connection, monkeypatch):
    from botocore.exceptions import EndpointConnectionError

    ctx.set_connection(sandbox_connection)
    machine = "arn:aws:states:eu-west-1:1:stateMachine:m"
    start = core.datetime.now(core.timezone.utc)

    def two_pages_then_down(clients, arns, status=None, page_size=1000):
        for page in range(2):
            yield core.ExecutionItems(machine, [
                {"executionArn": f"arn:aws:states:eu-west-1:1:execution:m:e{page}-{n}", "name": f"e{page}-{n}",
                 "status": "SUCCEEDED", "startDate": start, "stopDate": start} for n in range(50)])
        raise EndpointConnectionError(endpoint_url="http://127.0.0.1:1")

    monkeypatch.setattr(core, "iter_execution_pages", two_pages_then_down)
    panel = make_panel(qtbot, ctx)
    with qtbot.waitSignal(panel.load_failed, timeout=LOAD_TIMEOUT):
        panel.load()
    assert panel.model.loaded_count() == 100, "both pages that arrived are shown"
    assert panel.message_bar.isVisible()
    assert "incomplete" in panel.message_bar.text_label.text()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_endpoint_shows_the_error_inline_with_retry(qtbot, ctx, sandbox_connection, monkeypatch, reference):
    _machines, executions = reference
    monkeypatch.setattr(aws, "MAX_ATTEMPTS", 1)  # no backoff retries against a port that is closed anyway
    dead = Connection(endpoint_url=f"http://127.0.0.1:{closed_port()}", access_key="x", secret_key="y", sandbox=True)
    ctx.set_connection(dead)
    panel = make_panel(qtbot, ctx)
    with qtbot.waitSignal(panel.load_failed, timeout=LOAD_TIMEOUT) as failed:
        panel.load()
    err = failed.args[0]
    bar = panel.message_bar
    assert bar.isVisible()
    assert bar.title_label.text() == err.title == "Offline"
    assert bar.text_label.text() == err.message
    assert bar.retry_button.isVisible()
    assert panel.model.rowCount() == 0
    assert panel.filter_bar.progress.isHidden()

    # Retry while still down: the same message again, no crash, no second load_failed.
    seen = []
    panel.load_failed.connect(seen.append)
    qtbot.mouseClick(bar.retry_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.loading, timeout=LOAD_TIMEOUT)
    assert bar.isVisible() and seen == []

    # The connection comes back (user switches to a working one): the panel reloads by itself.
    with qtbot.waitSignal(panel.loaded, timeout=LOAD_TIMEOUT):
        ctx.set_connection(sandbox_connection)
    assert not bar.isVisible()
    assert panel.model.rowCount() == len(executions)


def test_enter_and_double_click_open_ctrl_c_copies_arns(qtbot, panel):
    load(qtbot, panel)
    table = panel.table
    table.setFocus()
    table.selectRow(0)
    table.setCurrentIndex(panel.model.index(0, Column.NAME))
    with qtbot.waitSignal(panel.execution_activated, timeout=1000) as opened:
        qtbot.keyClick(table, Qt.Key.Key_Return)
    assert opened.args == [panel.model.execution(0)]

    rect = table.visualRect(panel.model.index(1, Column.NAME))
    with qtbot.waitSignal(panel.execution_activated, timeout=1000) as opened:
        # A real double-click starts with a press/release; QTest's dclick alone does not send it.
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened.args == [panel.model.execution(1)]

    table.selectRow(0)
    qtbot.keyClick(table, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(table, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    expected = "\n".join(panel.model.execution(r).arn for r in range(3))
    assert QGuiApplication.clipboard().text() == expected


def app_settings():
    from PySide6.QtCore import QSettings

    # Ini format under the per-test path the root conftest sets; never the user's real settings.
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "opsconsole", "opsconsole")


def test_view_state_survives_a_restart(qtbot, ctx, sandbox_connection, reference, tmp_path):
    machines, executions = reference
    ctx.set_connection(sandbox_connection)
    first = make_panel(qtbot, ctx)
    load(qtbot, first)
    target = machines[0]
    with qtbot.waitSignal(first.query_finished, timeout=LOAD_TIMEOUT):
        click_machine(qtbot, first, target.arn)
    with qtbot.waitSignal(first.query_finished, timeout=LOAD_TIMEOUT):
        first.filter_bar.set_status("SUCCEEDED")
    first.filter_bar.set_time_range("90d")
    first.table.sortByColumn(Column.NAME, Qt.SortOrder.AscendingOrder)
    first.table.setColumnWidth(Column.NAME, 333)
    settings = Settings(app_settings())
    first.save_state(settings)
    settings.sync()
    first.close()

    second = make_panel(qtbot, ctx)
    second.restore_state(Settings(app_settings()))
    load(qtbot, second)
    assert second.selected_machine_arns() == [target.arn]
    assert second.filter_bar.status() == "SUCCEEDED"
    assert second.filter_bar.time_range() == "90d"
    assert second.table.columnWidth(Column.NAME) == 333
    assert app_settings().fileName().startswith(str(tmp_path))
    assert (second.model.sort_column, second.model.sort_order) == (Column.NAME, Qt.SortOrder.AscendingOrder)
    names = [e.name.casefold() for e in rows(second)]
    assert names == sorted(names)
    assert {(e.state_machine_arn, e.status) for e in rows(second)} == {(target.arn, "SUCCEEDED")}
    QApplication.processEvents()


def test_f5_reloads_and_keeps_the_chosen_machine(qtbot, panel, reference):
    machines, executions = reference
    load(qtbot, panel)
    target = machines[-1]
    with qtbot.waitSignal(panel.query_finished, timeout=LOAD_TIMEOUT):
        click_machine(qtbot, panel, target.arn)
    panel.activateWindow()
    panel.table.setFocus()
    with qtbot.waitSignal(panel.query_finished, timeout=LOAD_TIMEOUT):
        qtbot.keyClick(panel.table, Qt.Key.Key_F5)
    assert panel.selected_machine_arns() == [target.arn]
    assert panel.model.rowCount() == sum(1 for e in executions if e.state_machine_arn == target.arn)


def test_the_table_never_measures_rows(qtbot, panel):
    """100,000 rows stay smooth only if the view never sizes rows or columns from their contents."""
    from PySide6.QtWidgets import QAbstractItemView, QHeaderView

    table = panel.table
    assert table.verticalHeader().sectionResizeMode(0) == QHeaderView.ResizeMode.Fixed
    modes = {table.horizontalHeader().sectionResizeMode(c) for c in Column}
    assert QHeaderView.ResizeMode.ResizeToContents not in modes
    assert table.selectionMode() == QAbstractItemView.SelectionMode.ExtendedSelection
    assert table.selectionBehavior() == QAbstractItemView.SelectionBehavior.SelectRows
    # Wide enough that a timestamp and the longest status label are not cut off.
    fm = table.fontMetrics()
    assert table.columnWidth(Column.STARTED) > fm.horizontalAdvance("2024-05-01 13:45:12")
    assert table.columnWidth(Column.STATUS) > fm.horizontalAdvance("Pending redrive") + 16
