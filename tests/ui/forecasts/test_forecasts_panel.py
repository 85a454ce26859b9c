"""The Forecasts panel against the sandbox: tenant, type-ahead, chart, accuracy, winner promotion."""

from __future__ import annotations

import dataclasses

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from opsconsole.core.forecasts import winners
from opsconsole.ui.forecasts import ForecastsPanel
from opsconsole.ui.forecasts.winners_view import WinnersView

LOAD_MS = 120_000


def open_panel(qtbot, ctx):
    panel = ForecastsPanel(ctx)
    qtbot.addWidget(panel)
    panel.resize(1300, 820)
    with qtbot.waitSignal(panel.loaded, timeout=LOAD_MS) as got:
        panel.load()
    return panel, got.args[0]


def test_pick_tenant_type_an_item_and_see_actuals_band_and_two_models(qtbot, ctx, clients, tmp_path):
    panel, summary = open_panel(qtbot, ctx)
    assert summary == "5000 items"
    tenants = [panel.tenant_combo.itemText(i) for i in range(panel.tenant_combo.count())]
    assert tenants == ["contact-center", "finance-ops", "retail-compliance"]
    assert panel.tenant_label.text().startswith("Showing tenant contact-center")
    # Pick another tenant: the view says which one it shows.
    with qtbot.waitSignal(panel.catalogue_view.model.modelReset, timeout=LOAD_MS):
        panel.tenant_combo.setCurrentIndex(2)
    qtbot.waitUntil(lambda: panel.load_result is not None and panel.load_result.catalogue.tenant == "retail-compliance",
                    timeout=LOAD_MS)
    assert panel.tenant_label.text().startswith("Showing tenant retail-compliance")
    # Type-ahead over thousands of ids.
    ids = panel.items_model.stringList()
    assert len(ids) == 5000
    target = ids[1234]
    panel.item_edit.setText(target[:-1])
    panel.completer.setCompletionPrefix(target[:-1])
    assert panel.completer.completionCount() >= 1
    assert panel.completer.currentCompletion().startswith(target[:-1])
    panel.item_edit.setText(target)  # (typing shows the popup, which the offscreen platform cannot grab for)
    qtbot.keyClick(panel.item_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.chart.view is not None and panel.chart.view.item_id == target, timeout=10_000)
    curves = panel.chart.curves
    assert "actuals" in curves
    models = [s.model for s in panel.chart.view.series]
    assert len(models) >= 2
    for m in models[:2]:
        assert f"{m} p50" in curves
        assert f"{m} forecast p10–p90" in curves
    assert any(k.startswith("window ") for k in curves)  # backtest windows shaded
    # Hover values and CSV export of what is charted.
    x = panel.chart._hover_x[len(panel.chart._hover_x) // 2]
    assert "actual" in panel.chart.value_text_at(x) or models[0] in panel.chart.value_text_at(x)
    out = tmp_path / "item.csv"
    rows = panel.chart.export_csv(out)
    text = out.read_text()
    assert rows > 30 and target in text and "retail-compliance" not in text.splitlines()[0]
    panel.chart.export_image(tmp_path / "item.png")
    assert (tmp_path / "item.png").stat().st_size > 1000
    # The same item from QueryForecast (the forecasts have ARNs).
    assert panel.live_button.isEnabled()
    live = next(a for a in panel.actions() if a.text() == "Query live forecast")
    assert live.shortcut().toString() == "Ctrl+R"
    live.trigger()
    qtbot.waitUntil(lambda: any("(QueryForecast)" in s.model for s in panel.chart.view.series), timeout=20_000)
    assert panel.chart.view.item_id == target
    # An unknown id is refused at the input, in words.
    panel.open_item("no-such-item")
    assert "No item 'no-such-item' in tenant retail-compliance" == panel.item_error.text()
    # Accuracy: worst first, and a comparison of two models.
    qtbot.waitUntil(lambda: panel.accuracy_view.items_model.rowCount() > 0, timeout=LOAD_MS)
    rows = panel.accuracy_view.items_model.all_rows()
    wapes = [r[3] for r in rows[:50]]
    assert wapes == sorted(wapes, reverse=True)
    assert "wins" in panel.accuracy_view.compare_summary.text()
    # Every figure says where its rows are.
    panel.accuracy_view.items.selectRow(0)
    trace = panel.accuracy_view.trace.text()
    assert rows[0][0] in trace and "s3://mlops-forecasts/retail-compliance/backtests/" in trace
    panel.grab().save("/tmp/fc-console-panel.png")


def test_a_tenant_scoped_connection_sees_only_its_tenant(qtbot, ctx, sandbox_connection):
    ctx.set_connection(dataclasses.replace(sandbox_connection, tenant="finance-ops"))
    panel, _summary = open_panel(qtbot, ctx)
    assert [panel.tenant_combo.itemText(i) for i in range(panel.tenant_combo.count())] == ["finance-ops"]
    assert not panel.tenant_combo.isEnabled()
    qtbot.waitUntil(lambda: panel.load_result is not None, timeout=LOAD_MS)
    cat = panel.load_result.catalogue
    shown = [r[-1] for r in panel.catalogue_view.model.all_rows()]
    assert shown and all("finance" in s or "finance-ops" in s or s.startswith("arn:") for s in shown)
    for export in cat.exports:
        assert export.path.startswith("s3://mlops-forecasts/finance-ops/")
    for other in ("retail", "contact"):
        assert not any(other in str(r) for r in panel.catalogue_view.model.all_rows())
    # The item chart only has this tenant's ids, and refuses another tenant's.
    panel.load_tenant("retail-compliance")  # not offered; refused in core too
    qtbot.waitUntil(lambda: not panel.message.isHidden(), timeout=10_000)
    assert panel.load_result is None and panel.items_model.rowCount() == 0


def test_a_long_load_can_be_cancelled(qtbot, ctx, clients):
    panel = ForecastsPanel(ctx)
    qtbot.addWidget(panel)
    panel.load()
    qtbot.waitUntil(lambda: panel._tenant_job is not None and panel._tenant_job.active, timeout=20_000)
    assert not panel.cancel_button.isHidden() and not panel.progress.isHidden()
    panel.cancel_load()
    assert "cancelled" in panel.chart.empty.text()
    assert panel.cancel_button.isHidden() and panel.load_result is None


@pytest.fixture
def winners_view(qtbot, ctx, clients):
    view = WinnersView(ctx)
    qtbot.addWidget(view)
    view.resize(1100, 600)
    view.load()
    qtbot.waitUntil(lambda: view.model.rowCount() > 0, timeout=20_000)
    return view


def test_promote_goes_through_confirmation_and_audit(qtbot, ctx, winners_view):
    view = winners_view
    row = next(i for i, w in enumerate(view.rows) if w.runner_up)
    view.table.selectRow(row)
    before = view.rows[row]
    qtbot.waitUntil(lambda: view.history_model.rowCount() > 0, timeout=10_000)
    view.ask_promote()
    assert view.dialog is not None and view.dialog.isVisible()
    assert "TransactWriteItems" in view.dialog.cli_command() or "transact-write-items" in view.dialog.cli_command()
    view.dialog.done(QDialog.DialogCode.Accepted)
    qtbot.waitUntil(lambda: "is now the winner" in view.status.text(), timeout=20_000)
    qtbot.waitUntil(lambda: any(w.country == before.country and w.category == before.category
                                and w.model == before.runner_up for w in view.rows), timeout=20_000)
    assert "is now the winner" in view.status.text()  # still saying so once the reloaded rows are in
    records = ctx.audit.path.read_text()
    assert "Promote challenger" in records and '"ok"' in records


def test_a_conflicting_promote_says_who_won(qtbot, ctx, clients, winners_view):
    view = winners_view
    row = next(i for i, w in enumerate(view.rows) if w.runner_up)
    view.table.selectRow(row)
    seen = view.rows[row]
    # Someone else promotes first (another console, as "Ana").
    from opsconsole.core.identity import Identity

    other = winners.promote(seen, Identity(display_name="Ana"))
    other.run(clients)
    view.ask_promote()  # with the stale row
    view.dialog.done(QDialog.DialogCode.Accepted)
    qtbot.waitUntil(lambda: "changed by Ana" in view.status.text(), timeout=20_000)
    assert "Nothing was promoted" in view.status.text()
    assert '"conflict"' in ctx.audit.path.read_text()
