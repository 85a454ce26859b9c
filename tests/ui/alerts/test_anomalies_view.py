"""The KPI anomalies page against the sandbox: the DE collapse ranked first, which detector judged
each row, the chart of the selected series, jobs cancelled on close and on a new connection."""

from __future__ import annotations

import pytest

from opsconsole.core.alerts import anomalies as core
from opsconsole.ui.alerts.anomalies import AnomaliesView, Column

TIMEOUT = 30_000


@pytest.fixture
def view(qtbot, ctx, clients):
    v = AnomaliesView(ctx)
    qtbot.addWidget(v)
    v.resize(1100, 700)
    return v


def text(view: AnomaliesView, row: int, col: Column) -> str:
    return view.model.index(row, col).data()


def test_the_worst_anomaly_is_first_grouped_with_what_broke_with_it_and_says_its_detector(qtbot, view):
    view.load()
    assert view.loading
    qtbot.waitUntil(lambda: view.report is not None, timeout=TIMEOUT)
    assert view.model.rowCount() > 0 and not view.table.isHidden() and view.empty.isHidden()
    assert text(view, 0, Column.SERIES) == "Retail/Orders Orders · Marketplace=DE, Platform=mobile_app"
    assert text(view, 0, Column.GROUP).startswith("Marketplace=DE: ")
    assert text(view, 0, Column.SOURCE) == core.CLOUDWATCH_BAND
    assert text(view, 0, Column.SEVERITY).startswith("critical")
    assert text(view, 0, Column.CHANGE).startswith("-")
    assert "with a CloudWatch anomaly detector" in view.status.text()
    # the chart shows the selected series with its band
    assert view.chart.view is not None and view.chart.view.key == view.selected().key
    assert len(view.chart.listDataItems()) >= 4  # lower, upper, expected, actual (+ anomalous points)


def test_another_row_charts_its_own_series(qtbot, view):
    view.load()
    qtbot.waitUntil(lambda: view.report is not None, timeout=TIMEOUT)
    assert view.model.rowCount() > 1
    view.table.selectRow(1)
    assert view.chart.view.key == view.model.row_at(1)[1].key


def test_closing_the_page_cancels_its_scan(qtbot, view):
    view.show()
    view.load()
    job = view._job
    assert job is not None and job.active
    view.close()
    assert not job.active and view.report is None


def test_a_new_connection_cancels_the_scan_and_starts_again(qtbot, view, ctx, sandbox_connection):
    view.load()
    first = view._job
    ctx.set_connection(sandbox_connection)
    assert not first.active and view._job is not first and view._job is not None
    qtbot.waitUntil(lambda: view.report is not None, timeout=TIMEOUT)


def test_an_error_is_shown_in_place_with_retry(qtbot, ctx, closed_port):
    from opsconsole.core.aws import Connection

    ctx.set_connection(Connection(region="eu-west-1", endpoint_url=f"http://127.0.0.1:{closed_port}",
                                  access_key="x", secret_key="y"))
    v = AnomaliesView(ctx)
    qtbot.addWidget(v)
    v.show()
    v.load()
    qtbot.waitUntil(lambda: not v.loading, timeout=TIMEOUT)
    assert v.message_bar.isVisible() and v.message_bar.retry_button.isVisible()
    assert v.status.text() == "Could not read the KPIs."
