"""The operations view against the sandbox: review items, flags, conflicts, deploying, resuming."""

from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtCore import QModelIndex, QSettings, Qt
from PySide6.QtWidgets import QApplication, QPlainTextEdit

from opsconsole.core.lexreview import deploy as ld
from opsconsole.core.lexreview import conversations as lc
from opsconsole.core.lexreview import triage as lr
from opsconsole.core.lexreview import bot as lb
from opsconsole.core.lexreview import items as li
from opsconsole.core.lexreview.store import to_attrs
from opsconsole.ui.lexreview import ReviewPanel
from opsconsole.ui.lexreview.ops.items_model import GROUP_ITEMS_ROLE, ITEM_ROLE, ItemColumn

TIMEOUT = 60000


def select(qtbot, view, items):
    view.select_items([i.item_id for i in items])
    view.tree.setFocus()
    qtbot.waitUntil(lambda: {i.item_id for i in view.selected_items()} == {i.item_id for i in items})


def cell(view, item, column):
    index = view.model.index_of_key(f"item:{item.item_id}")
    return view.model.index(index.row(), column, index.parent()).data()


def test_approve_and_reject_many_at_once_from_the_keyboard(qtbot, sandbox_clients, put_item, open_ops):
    items = [put_item(f"ops batch phrase {n}", "CheckBalance") for n in range(4)]
    view = open_ops().ops_view
    select(qtbot, view, items[:2])
    with qtbot.waitSignal(view.action_finished, timeout=TIMEOUT):
        qtbot.keyClick(view.tree, Qt.Key.Key_A)
    assert view.status_label.text() == "2 changed"
    select(qtbot, view, items[2:])
    qtbot.keyClick(view.tree, Qt.Key.Key_R)
    dialog = view._dialog
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is dialog or dialog.isVisible())
    assert not dialog.buttons.button(dialog.buttons.StandardButton.Ok).isEnabled()  # a reason is required
    qtbot.keyClicks(dialog.reason.lineEdit(), "Too vague")
    with qtbot.waitSignal(view.action_finished, timeout=TIMEOUT):
        qtbot.keyClick(dialog.reason.lineEdit(), Qt.Key.Key_Return)
    stored = [li.get_review_item(sandbox_clients, i.item_id) for i in items]
    assert [s.status for s in stored] == ["APPROVED", "APPROVED", "REJECTED", "REJECTED"]
    assert {s.updated_by for s in stored} == {"dana.ops"} and stored[3].reason == "Too vague"
    assert cell(view, items[0], ItemColumn.STATUS) == "APPROVED"


def test_someone_elses_change_is_said_plainly(qtbot, sandbox_clients, put_item, open_ops):
    item = put_item("ops conflict phrase", "CheckBalance")
    view = open_ops().ops_view
    li.transition(sandbox_clients, item, "REJECTED", "erin.other", reason="Not ours")  # another console
    select(qtbot, view, [item])
    with qtbot.waitSignal(view.action_finished, timeout=TIMEOUT) as done:
        qtbot.keyClick(view.tree, Qt.Key.Key_A)
    assert len(done.args[0].conflicts) == 1
    assert view.message_bar.isVisible()
    assert view.message_bar.text_label.text().startswith("Already rejected by erin.other at ")
    assert view.message_bar.text_label.text().endswith("your approval was not applied")
    # The view knows what is true now: rejected, so no longer among the open items shown.
    assert view.model.item(item.item_id).status == "REJECTED"
    assert item.item_id not in {i.item_id for i in view.model.visible_items()}
    assert li.get_review_item(sandbox_clients, item.item_id).status == "REJECTED"
    # A normal outcome, audited as such (not as a failure).
    record = view.session.ctx.audit.read()[-1]
    assert (record.action, record.targets, record.result) == ("Approve review item", [item.item_id], "conflict")
    assert "Already rejected by erin.other at " in record.error


def test_a_batch_is_audited_item_by_item_with_the_very_request_sent(qtbot, sandbox_clients, put_item, open_ops):
    import json
    import shlex

    from opsconsole.core import awscli

    items = [put_item(f"ops batch phrase {n}", "CheckBalance") for n in range(3)]
    panel = open_ops()
    view = panel.ops_view
    li.transition(sandbox_clients, items[1], "REJECTED", "erin.other", reason="Not ours")  # another console
    sent: list[dict] = []

    def capture(params, **_kwargs):
        sent.append(json.loads(json.dumps(params)))

    events = view.session.ctx.clients.client("dynamodb").meta.events
    events.register("provide-client-params.dynamodb.UpdateItem", capture, unique_id="test-batch-capture")
    try:
        select(qtbot, view, items)
        with qtbot.waitSignal(view.action_finished, timeout=TIMEOUT) as done:
            qtbot.keyClick(view.tree, Qt.Key.Key_A)
    finally:
        events.unregister("provide-client-params.dynamodb.UpdateItem", unique_id="test-batch-capture")
    assert done.args[0].summary == "2 changed, 1 changed by someone else first"
    records = [r for r in view.session.ctx.audit.read() if r.action == "Approve review item"][-3:]
    # One record per item, its own id and its own result (in the order they were sent).
    assert {r.targets[0]: r.result for r in records} == {
        items[0].item_id: "ok", items[1].item_id: "conflict", items[2].item_id: "ok"}
    assert "Already rejected by erin.other" in next(r.error for r in records if r.result == "conflict")
    # The audit record holds the very request AWS got, and its CLI line says the same.
    assert [r.requests[0]["params"] for r in records] == sent[-3:]
    for record in records:
        params = record.requests[0]["params"]
        args = shlex.split(awscli.from_requests(record.requests, view.session.ctx.connection))
        assert args[:3] == ["aws", "dynamodb", "update-item"]
        opts = dict(zip(args[3::2], args[4::2], strict=False))
        assert opts["--table-name"] == params["TableName"]
        assert json.loads(opts["--key"]) == params["Key"] == {"item_id": {"S": record.targets[0]}}
        assert opts["--condition-expression"] == "#revision = :c_revision AND #status = :c_status"
        assert opts["--update-expression"] == params["UpdateExpression"]
        assert json.loads(opts["--expression-attribute-values"])[":n_status"] == {"S": "APPROVED"}
        assert json.loads(opts["--expression-attribute-names"]) == params["ExpressionAttributeNames"]


def test_flags_show_duplicates_and_conflicts_and_move_fixes_the_intent(qtbot, sandbox_clients, put_item, open_ops):
    dup = put_item("What's my balance", "CheckBalance")  # already a CheckBalance sample
    clash = put_item("I lost my card", "CheckBalance")  # a ReportLostCard sample
    view = open_ops().ops_view
    qtbot.waitUntil(lambda: "conflict" in (cell(view, clash, ItemColumn.FLAGS) or ""), timeout=TIMEOUT)
    assert cell(view, clash, ItemColumn.FLAGS).startswith("⚠ conflict: ReportLostCard")
    assert "already in intent" in cell(view, dup, ItemColumn.FLAGS)
    select(qtbot, view, [clash])
    qtbot.keyClick(view.tree, Qt.Key.Key_M)
    dialog = view._dialog
    assert dialog.picker.model.name(0) == "ReportLostCard"  # ranked by the phrase
    qtbot.keyClicks(dialog.picker.search, "report")
    with qtbot.waitSignal(view.action_finished, timeout=TIMEOUT):
        qtbot.keyClick(dialog.picker.search, Qt.Key.Key_Return)
    moved = li.get_review_item(sandbox_clients, clash.item_id)
    assert moved.intent_name == "ReportLostCard"
    qtbot.waitUntil(lambda: "already in intent" in (cell(view, moved, ItemColumn.FLAGS) or ""))


def test_deploy_from_the_operations_view_and_see_it_in_the_history(
    qtbot, sandbox_clients, lex, put_item, open_ops, restore_es
):
    item = put_item("¿cuánto saldo tengo disponible hoy?", "CheckBalance", "es_US", "APPROVED")
    view = open_ops().ops_view
    view.locale_combo.setCurrentIndex(view.locale_combo.findText("BankingHelpDesk · es_US"))
    qtbot.waitUntil(lambda: view.deploy_button.isEnabled())
    assert view.deploy_button.text().startswith("Deploy es_US (")
    view.deploy_button.click()
    confirm = view.history.confirm_dialog
    assert "¿cuánto saldo tengo disponible hoy?  →  CheckBalance" in confirm.findChild(QPlainTextEdit).toPlainText()
    with qtbot.waitSignal(view.history.deployment_finished, timeout=TIMEOUT) as finished:
        confirm.ok.click()
    result = finished.args[0]
    assert result.status == "SUCCEEDED", result.notes
    progress = view.history.progress_dialog
    assert "Deployed." in progress.outcome.text() and "Pointing alias live" in progress.log.toPlainText()
    assert li.get_review_item(sandbox_clients, item.item_id).status == "DEPLOYED"
    assert lb.find_alias(sandbox_clients, lex["bot_id"])["botVersion"] == result.version
    qtbot.waitUntil(lambda: any(d.deployment_id == result.deployment_id for d in view.history.model.deployments()))
    row = next(r for r, d in enumerate(view.history.model.deployments()) if d.deployment_id == result.deployment_id)
    texts = [view.history.model.index(row, c).data() for c in range(view.history.model.columnCount())]
    assert "SUCCEEDED" in texts and "dana.ops" in texts and result.version in texts
    audit = [r for r in view.session.ctx.audit.read() if r.action == "Deploy bot locale"]
    assert audit and audit[-1].result == "ok"


def test_a_failed_build_shows_lex_reasons(qtbot, sandbox_clients, lex, put_item, open_ops, restore_es):
    clash = restore_es.intents["TransferFunds"].utterances[0]
    put_item(clash, "CheckBalance", "es_US", "APPROVED")
    view = open_ops().ops_view
    locale = lb.BotLocale(lex["bot_id"], lex["bot_name"], "es_US")
    approved = view.approved_for(locale)
    with qtbot.waitSignal(view.history.deployment_finished, timeout=TIMEOUT) as finished:
        view.history.start_deploy(locale, [i.item_id for i in approved])
    assert finished.args[0].status == "FAILED"
    outcome = view.history.progress_dialog.outcome.text()
    assert "The build failed." in outcome and "Duplicate sample utterance" in outcome
    audit = [r for r in view.session.ctx.audit.read() if r.action == "Deploy bot locale"]
    assert audit[-1].result == "error" and "build failed" in audit[-1].error
    for item in approved:  # nothing deployed, nothing left half-approved
        assert li.get_review_item(sandbox_clients, item.item_id).status == "APPROVED"
        li.transition(sandbox_clients, li.get_review_item(sandbox_clients, item.item_id), "REJECTED", "dana.ops",
                      reason="test clean-up")


def test_an_interrupted_deployment_can_be_resumed_from_the_history(
    qtbot, sandbox_clients, lex, put_item, open_ops, restore_es, fast_deploy
):
    item = put_item("quiero revisar mi saldo ahora", "CheckBalance", "es_US", "APPROVED")
    locale = lb.BotLocale(lex["bot_id"], lex["bot_name"], "es_US")
    generator = ld.deploy(sandbox_clients, locale, [item.item_id], "dana.gone", fast_deploy)
    for report in generator:
        if report.text.startswith("Building"):
            break
    generator.close()  # that console died after UpdateIntent
    expired = time.time() + fast_deploy.lock_ttl_s + 0.5
    qtbot.waitUntil(lambda: time.time() > expired, timeout=10000)  # its short lock runs out
    view = open_ops().ops_view
    history = view.history
    row = next(r for r, d in enumerate(history.model.deployments()) if d.interrupted and d.started_by == "dana.gone")
    assert history.model.index(row, 3).data() == "INTERRUPTED"
    history.table.selectRow(row)
    assert history.resume_button.isEnabled() and history.resume_button.text() == "Resume…"
    history.resume_button.click()
    with qtbot.waitSignal(history.deployment_finished, timeout=TIMEOUT) as finished:
        history.confirm_dialog.ok.click()
    assert finished.args[0].status == "SUCCEEDED" and finished.args[0].resumed_by == "dana.ops"
    assert lb.load_locale_model(sandbox_clients, locale).intents["CheckBalance"].utterances.count(
        "quiero revisar mi saldo ahora") == 1


def test_each_role_sees_only_its_own_view_and_actions(qtbot, open_ops):
    panel = open_ops()
    assert panel.role() == "operations" and panel.current_view() is panel.ops_view
    ops_actions = {a.text() for a in panel.ops_view.actions()}
    agent_actions = {a.text() for a in panel.agent_view.actions()}
    assert {"Approve (A)", "Reject… (R)"} <= ops_actions and "Submit" not in ops_actions
    assert {"Submit", "Nothing to learn"} <= agent_actions and not any("Approve" in a for a in agent_actions)
    assert not panel.agent_view.isVisible() and panel.ops_view.deploy_button.isVisible()
    panel.role_combo.setCurrentIndex(panel.role_combo.findData("agent"))
    assert panel.current_view() is panel.agent_view and not panel.ops_view.isVisible()
    assert QSettings().value("review/role") == "agent"


def test_edit_text_and_open_the_source_conversation(qtbot, sandbox_clients, lex, open_ops):
    conv = next(c for page in lc.iter_conversations(sandbox_clients, locale_id="en_US") for c in page)
    [item] = lr.submit_phrases(sandbox_clients, conv, [lr.Phrase(conv.missed_turns[0].text, "CheckBalance",
                                                                 conv.missed_turns[0].index)], "amy.ops")
    view = open_ops().ops_view
    select(qtbot, view, [item])
    qtbot.keyClick(view.tree, Qt.Key.Key_O)
    transcript = view.detail.transcript
    qtbot.waitUntil(lambda: transcript.conversation is not None, timeout=TIMEOUT)
    assert transcript.conversation.contact_id == conv.contact_id
    assert transcript.highlight_turn == item.turn_index and conv.missed_turns[0].text in transcript.toPlainText()

    qtbot.keyClick(view.tree, Qt.Key.Key_F2)
    dialog = view._dialog
    assert dialog.edit.text() == item.text
    dialog.edit.setText("is my paycheck in")
    with qtbot.waitSignal(view.action_finished, timeout=TIMEOUT):
        qtbot.keyClick(dialog.edit, Qt.Key.Key_Return)
    stored = li.get_review_item(sandbox_clients, item.item_id)
    assert (stored.text, stored.original_text, stored.updated_by) == ("is my paycheck in", item.text, "dana.ops")
    assert "First submitted as" in view.detail.summary.text()


def test_pull_lex_analytics_into_the_queue(qtbot, sandbox_clients, lex, open_ops):
    view = open_ops().ops_view
    qtbot.waitUntil(lambda: view.locale_combo.findText("BankingHelpDesk · en_US") >= 0, timeout=TIMEOUT)
    view.locale_combo.setCurrentIndex(view.locale_combo.findText("BankingHelpDesk · en_US"))
    assert view.pull_button.isEnabled()
    with qtbot.waitSignal(view.items_loaded, timeout=TIMEOUT):  # the queue reloads after the pull
        with qtbot.waitSignal(view.action_finished, timeout=TIMEOUT) as pulled:
            view.pull_button.click()
    result = pulled.args[0]
    assert isinstance(result, lb.AnalyticsPull) and result.added
    analytics = [i for i in view.model.visible_items() if i.source == "Lex analytics" and i.locale_id == "en_US"]
    assert len(analytics) >= len(result.added)
    assert all(i.intent_name == "" for i in analytics)
    assert cell(view, analytics[0], ItemColumn.CONVERSATION).startswith("missed ")



def test_only_open_items_show_until_the_filter_says_otherwise(qtbot, sandbox_clients, put_item, open_ops):
    closed = li.transition(sandbox_clients, put_item("ops closed phrase", "CheckBalance"), "REJECTED", "dana.ops",
                           reason="Out of scope for this bot")
    pending = put_item("ops open phrase", "CheckBalance")
    view = open_ops().ops_view
    shown = {i.item_id for i in view.model.visible_items()}
    assert pending.item_id in shown and closed.item_id not in shown
    with qtbot.waitSignal(view.items_loaded, timeout=TIMEOUT):  # another status: listed from its index
        view.status_combo.setCurrentIndex(view.status_combo.findData("rejected"))
    shown = {i.item_id for i in view.model.visible_items()}
    assert closed.item_id in shown and pending.item_id not in shown
    view.search.setText("ops closed")
    view.search.flush()
    assert [i.item_id for i in view.model.visible_items()] == [closed.item_id]


# -- listing page by page -------------------------------------------------------
@pytest.fixture
def many_pending(sandbox_clients, lex):
    """More pending items than the first Query page holds (removed afterwards)."""
    from opsconsole.core.lexreview.store import FIRST_PAGE

    ddb, table = sandbox_clients.client("dynamodb"), lex["tables"]["review_items"]
    items = [lr.new_item(lr.Phrase(f"streamed phrase {n}", "CheckBalance"), bot_id=lex["bot_id"],
                         bot_name=lex["bot_name"], locale_id="en_US", by="amy.ops", item_id=f"streamed-{n:04d}")
             for n in range(FIRST_PAGE * 2 + 50)]
    for start in range(0, len(items), 25):
        ddb.batch_write_item(RequestItems={table: [{"PutRequest": {"Item": to_attrs(i.to_record())}}
                                                   for i in items[start:start + 25]]})
    yield items
    for start in range(0, len(items), 25):
        ddb.batch_write_item(RequestItems={table: [{"DeleteRequest": {"Key": to_attrs({"item_id": i.item_id})}}
                                                   for i in items[start:start + 25]]})


@pytest.fixture
def slow_pages(monkeypatch):
    """The review listing's pages after the first rows wait for ``gate`` (a slow table): what shows meanwhile."""
    gate = threading.Event()
    real = li.iter_review_items
    listings: list[list[str]] = []  # the statuses each listing asked for

    def gated(clients, **kwargs):
        listings.append(sorted(kwargs.get("statuses") or []))
        shown_one = False
        for page in real(clients, **kwargs):
            if shown_one and not gate.wait(30):
                raise TimeoutError("the test never let the next page through")
            shown_one = shown_one or bool(page)
            yield page

    monkeypatch.setattr(li, "iter_review_items", gated)
    yield gate, listings
    gate.set()


def shown_item_ids(view) -> list[str]:
    """Every item of every phrase row in the tree (with repeats, if an item were shown twice)."""
    ids, model = [], view.model

    def walk(parent):
        for row in range(model.rowCount(parent)):
            index = model.index(row, 0, parent)
            if index.data(ITEM_ROLE) is not None:
                ids.extend(i.item_id for i in index.data(GROUP_ITEMS_ROLE))
            walk(index)

    walk(QModelIndex())
    return ids


def test_the_first_rows_show_and_can_be_acted_on_before_the_last_page_arrives(qtbot, many_pending, slow_pages,
                                                                              open_ops, ctx):
    gate, listings = slow_pages
    panel = ReviewPanel(ctx)
    qtbot.addWidget(panel)
    panel.show()
    view = panel.ops_view
    try:
        view.reload_items()
        qtbot.waitUntil(lambda: bool(listings), timeout=TIMEOUT)
        assert listings[-1] == ["APPROVED", "PENDING"]  # the status filter's statuses, from their index
        qtbot.waitUntil(lambda: any(i.startswith("streamed-") for i in shown_item_ids(view)), timeout=TIMEOUT)
        assert view.loading and view.listing.job.active  # the listing is still on its way
        assert view.status_label.text().startswith("Loading…")
        shown = [i for i in shown_item_ids(view) if i.startswith("streamed-")]
        assert 0 < len(shown) < len(many_pending)
        view.select_items(shown[:1])
        assert view.buttons["approve"].isEnabled()  # what is shown can be acted on already
        with qtbot.waitSignal(view.items_loaded, timeout=TIMEOUT) as loaded:
            gate.set()
        ids = shown_item_ids(view)
        assert len(ids) == len(set(ids)) == loaded.args[0]  # nothing listed twice
        assert {i.item_id for i in many_pending} <= set(ids)
        assert view.selected_items()[0].item_id == shown[0]  # the selection survived the later pages
        assert not view.loading and "shown of" in view.status_label.text()
    finally:
        gate.set()
        panel.cancel_jobs()


def test_changing_the_status_filter_cancels_the_running_listing(qtbot, many_pending, slow_pages, open_ops, ctx):
    gate, listings = slow_pages
    panel = ReviewPanel(ctx)
    qtbot.addWidget(panel)
    panel.show()
    view = panel.ops_view
    try:
        view.reload_items()
        qtbot.waitUntil(lambda: any(i.startswith("streamed-") for i in shown_item_ids(view)), timeout=TIMEOUT)
        first = view.listing.job
        with qtbot.waitSignal(view.items_loaded, timeout=TIMEOUT):
            view.status_combo.setCurrentIndex(view.status_combo.findData("rejected"))
        assert not first.active and first.state.name == "CANCELLED"
        assert listings[-1] == ["REJECTED"]
        gate.set()  # the old listing's next page may now arrive: it must not show
        qtbot.waitUntil(lambda: first not in ctx.runner._workers_alive, timeout=TIMEOUT)  # its thread ended
        QApplication.processEvents()  # anything its thread queued for the GUI thread is delivered now
        statuses = {view.model.item(i).status for i in shown_item_ids(view)}
        assert statuses <= {"REJECTED"}
        assert not any(i.startswith("streamed-") for i in shown_item_ids(view))
    finally:
        gate.set()
        panel.cancel_jobs()


def test_deploy_reads_the_approved_items_when_the_filter_does_not_list_them(qtbot, sandbox_clients, put_item,
                                                                           open_ops):
    approved = put_item("ops approved under another filter", "CheckBalance", status="APPROVED")
    view = open_ops().ops_view
    with qtbot.waitSignal(view.items_loaded, timeout=TIMEOUT):
        view.status_combo.setCurrentIndex(view.status_combo.findData("rejected"))
    assert approved.item_id not in {i.item_id for i in view.model.all_items()}  # not listed here
    view.locale_combo.setCurrentIndex(view.locale_combo.findText("BankingHelpDesk · en_US"))
    assert view.deploy_button.isEnabled() and view.deploy_button.text() == "Deploy en_US…"
    view.deploy_button.click()
    qtbot.waitUntil(lambda: view.history.confirm_dialog is not None, timeout=TIMEOUT)
    dialog = view.history.confirm_dialog
    details = dialog.findChild(QPlainTextEdit).toPlainText()
    assert "ops approved under another filter  →  CheckBalance" in details
    dialog.reject()  # nothing deployed
    li.transition(sandbox_clients, approved, "REJECTED", "dana.ops", reason="Only here for this test")
