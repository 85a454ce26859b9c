"""The operations view, driven from the keyboard: reading phrases, empty panes, changes from elsewhere,
phrases forwarded several times, batches with progress, and what a deployment counts and shows."""

from __future__ import annotations

import threading
from datetime import timedelta

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QApplication, QLabel, QPlainTextEdit

from opsconsole.core.lexreview import conversations as lc
from opsconsole.core.lexreview import items as li
from opsconsole.core.lexreview import triage as lr
from opsconsole.core.lexreview.deploy.pace import SCALE
from opsconsole.jobs.runner import JobState
from opsconsole.ui.lexreview.ops.items_model import GROUP_ITEMS_ROLE, KIND_ROLE, ItemColumn

TIMEOUT = 60000


def key_to(qtbot, view, match) -> None:
    """Move the current row with the arrow keys (Home, then Down) until ``match(index)``; select it."""
    tree = view.tree
    tree.setFocus()
    qtbot.keyClick(tree, Qt.Key.Key_Home)
    for _ in range(5000):
        if tree.currentIndex().isValid() and match(tree.currentIndex()):
            return
        before = tree.currentIndex()
        qtbot.keyClick(tree, Qt.Key.Key_Down)
        assert tree.currentIndex() != before, "the row is not in the tree"
    raise AssertionError("the row is not in the tree")


def to_item(qtbot, view, item) -> None:
    key_to(qtbot, view, lambda index: item.item_id in {i.item_id for i in index.data(GROUP_ITEMS_ROLE) or []}
           and index.data(KIND_ROLE) == "item")


def row_cell(view, item, column):
    index = view.model.index_of_item(item.item_id)
    return view.model.index(index.row(), column, index.parent())


def choose_locale(qtbot, view, text) -> None:
    combo = view.locale_combo
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Home)
    for _ in range(combo.count()):
        if combo.currentText() == text:
            return
        qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert combo.currentText() == text


def test_a_long_phrase_takes_the_width_and_reads_whole(qtbot, put_item, open_ops):
    text = ("I was charged twice for the same transfer to my savings account last Tuesday evening and the second "
            "charge is still pending, can you tell me when it will be reversed")
    item = put_item(text, "CheckBalance")
    view = open_ops().ops_view
    to_item(qtbot, view, item)
    header = view.tree.header()
    others = [header.sectionSize(c) for c in ItemColumn if c != ItemColumn.PHRASE]
    # The phrase column is the widest and takes whatever the other columns leave.
    assert header.sectionSize(ItemColumn.PHRASE) > max(others)
    assert header.sectionSize(ItemColumn.PHRASE) + sum(others) >= view.tree.viewport().width() - 2
    # Cut in the cell, whole in the tooltip and beside the list.
    assert shown_as(row_cell(view, item, ItemColumn.PHRASE).data(Qt.ItemDataRole.ToolTipRole)).startswith(text)
    assert text in view.detail.summary.text()


def shown_as(tooltip: str) -> str:
    """What a tooltip displays (Qt renders one that looks like markup as rich text)."""
    if not Qt.mightBeRichText(tooltip):
        return tooltip
    doc = QTextDocument()
    doc.setHtml(tooltip)
    return doc.toPlainText()


def test_a_phrase_that_looks_like_markup_reads_as_typed(qtbot, put_item, open_ops):
    text = '<img src="file:///etc/passwd"><b>Security review passed</b>'
    item = put_item(text, "CheckBalance")
    view = open_ops().ops_view
    to_item(qtbot, view, item)
    assert shown_as(row_cell(view, item, ItemColumn.PHRASE).data(Qt.ItemDataRole.ToolTipRole)).startswith(text)


def test_empty_panes_say_what_goes_there(qtbot, open_ops):
    view = open_ops().ops_view
    assert not view.selected_items() and "Select one phrase to see" in view.detail.summary.text()
    view.search.setFocus()
    qtbot.keyClicks(view.search, "zz no phrase reads like this zz")
    view.search.flush()
    hint = view.tree.empty_hint
    qtbot.waitUntil(hint.isVisible)
    assert "Nothing here matches the filters" in hint.text()
    qtbot.keyClick(view.search, Qt.Key.Key_Escape)  # cleared: the rows, and no hint
    view.search.flush()
    qtbot.waitUntil(lambda: not hint.isVisible())
    history = view.history
    assert history.empty_hint.isVisible() == (history.model.rowCount() == 0)
    history.model.set_deployments([])
    assert history.empty_hint.isVisible() and "No deployments yet" in history.empty_hint.text()


def test_a_phrase_forwarded_elsewhere_appears_without_refresh_and_edits_survive(
    qtbot, sandbox_clients, put_item, open_ops
):
    mine = put_item("ops phrase being edited", "CheckBalance")
    view = open_ops().ops_view
    to_item(qtbot, view, mine)
    qtbot.keyClick(view.tree, Qt.Key.Key_F2)
    dialog = view._dialog
    qtbot.keyClicks(dialog.edit, "ops phrase edited while others work")
    view.changes.timer.setInterval(200)  # look often, so the test does not wait long
    elsewhere = put_item("ops phrase forwarded by another console", "CheckBalance")
    qtbot.waitUntil(lambda: view.model.index_of_item(elsewhere.item_id).isValid(), timeout=TIMEOUT)
    # The edit under way, the selection and the current row are as they were.
    assert dialog.isVisible() and dialog.edit.text() == "ops phrase edited while others work"
    assert [i.item_id for i in view.selected_items()] == [mine.item_id]
    assert view.tree.currentIndex().data(GROUP_ITEMS_ROLE)[0].item_id == mine.item_id
    with qtbot.waitSignal(view.action_finished, timeout=TIMEOUT):
        qtbot.keyClick(dialog.edit, Qt.Key.Key_Return)
    assert li.get_review_item(sandbox_clients, mine.item_id).text == "ops phrase edited while others work"
    # Reviewed elsewhere: the row follows (rejected, so no longer among the open items shown).
    li.transition(sandbox_clients, elsewhere, "REJECTED", "erin.other", reason="Not ours")
    qtbot.waitUntil(lambda: view.model.item(elsewhere.item_id).status == "REJECTED", timeout=TIMEOUT)
    assert elsewhere.item_id not in {i.item_id for i in view.model.visible_items()}


def test_a_phrase_this_console_forwards_shows_at_once(qtbot, sandbox_clients, open_ops):
    panel = open_ops()
    view = panel.ops_view
    view.changes.timer.stop()  # no look at the table: what shows comes from the submit itself
    conv = next(c for page in lc.iter_conversations(sandbox_clients, locale_id="en_US") for c in page)
    phrase = lr.Phrase("ops phrase forwarded from this console", "CheckBalance", conv.missed_turns[0].index)
    with qtbot.waitSignal(panel.review_actions.phrase_submitted, timeout=TIMEOUT) as sent:
        panel.review_actions.submit_phrase(conv, phrase, False)
    [created] = sent.args[3]
    assert view.model.index_of_item(created.item_id).isValid()


def test_the_same_phrase_forwarded_three_times_is_one_row_and_each_item_is_approved(
    qtbot, sandbox_clients, put_item, open_ops
):
    same = [put_item(t, "CheckBalance") for t in ("ops can I see my balance", "Ops can I see my  balance?",
                                                  "ops CAN i see my balance")]
    other = put_item("ops can I see my balance please", "CheckBalance")
    view = open_ops().ops_view
    rows = {view.model.index_of_item(i.item_id).internalPointer() for i in same}
    assert len(rows) == 1  # one row for the three
    assert view.model.index_of_item(other.item_id).internalPointer() not in rows
    assert row_cell(view, same[0], ItemColumn.COUNT).data() == "×3"
    assert row_cell(view, other, ItemColumn.COUNT).data() == ""
    to_item(qtbot, view, same[1])
    assert "Forwarded 3 times" in view.detail.summary.text()
    with qtbot.waitSignal(view.action_finished, timeout=TIMEOUT) as done:
        qtbot.keyClick(view.tree, Qt.Key.Key_A)
    assert done.args[0].summary == "3 changed"
    assert [li.get_review_item(sandbox_clients, i.item_id).status for i in same] == ["APPROVED"] * 3
    assert li.get_review_item(sandbox_clients, other.item_id).status == "PENDING"
    records = [r for r in view.session.ctx.audit.read() if r.action == "Approve review item"]
    assert sorted(r.targets[0] for r in records[-3:]) == sorted(i.item_id for i in same)  # one record each
    assert {r.result for r in records[-3:]} == {"ok"}
    assert [i.item_id for i in view.selected_items()].count(same[0].item_id) == 1  # still selected, approved
    assert row_cell(view, same[0], ItemColumn.STATUS).data() == "APPROVED"

    # Rejecting the row rejects each of its items, with the one reason, each audited.
    qtbot.keyClick(view.tree, Qt.Key.Key_R)
    dialog = view._dialog
    qtbot.waitUntil(dialog.isVisible)
    qtbot.keyClicks(dialog.reason.lineEdit(), "Said three times, still too vague")
    with qtbot.waitSignal(view.action_finished, timeout=TIMEOUT) as done:
        qtbot.keyClick(dialog.reason.lineEdit(), Qt.Key.Key_Return)
    assert done.args[0].summary == "3 changed"
    stored = [li.get_review_item(sandbox_clients, i.item_id) for i in same]
    assert {(s.status, s.reason) for s in stored} == {("REJECTED", "Said three times, still too vague")}
    records = [r for r in view.session.ctx.audit.read() if r.action == "Reject review item"]
    assert sorted(r.targets[0] for r in records[-3:]) == sorted(i.item_id for i in same)


def test_a_batch_shows_its_progress_and_esc_leaves_out_what_is_not_sent(
    qtbot, sandbox_clients, put_item, open_ops, monkeypatch
):
    items = [put_item(f"ops bulk phrase number {n}", "OpsBulkTest") for n in range(6)]
    view = open_ops().ops_view
    entered, gate = threading.Event(), threading.Event()
    real = li.send_change

    def held(clients, change, *args, **kwargs):  # the first write waits, so the batch can be seen on its way
        entered.set()
        if not gate.wait(30):
            raise TimeoutError("the test never let the write through")
        return real(clients, change, *args, **kwargs)

    monkeypatch.setattr(li, "send_change", held)
    key_to(qtbot, view, lambda index: index.data(KIND_ROLE) == "intent"
           and index.data().startswith("OpsBulkTest"))
    seen: list[tuple[int, int]] = []
    view.review_actions.batch_progress.connect(lambda _a, done, total: seen.append((done, total)))
    try:
        qtbot.keyClick(view.tree, Qt.Key.Key_A)
        batch = view.review_actions._batch
        qtbot.waitUntil(lambda: entered.is_set() and batch[0].state is JobState.RUNNING, timeout=TIMEOUT)
        assert view.batch.isVisible() and (view.batch.bar.value(), view.batch.bar.maximum()) == (0, 6)
        assert view.batch.bar.text() == "0 / 6" and view.status_label.text() == "Approve: 0 of 6 done"
        assert view.batch.cancel_button.isVisible()
        qtbot.keyClick(view.tree, Qt.Key.Key_Escape)
        with qtbot.waitSignal(view.action_finished, timeout=TIMEOUT) as done:
            gate.set()
    finally:
        gate.set()
    result = done.args[0]
    assert (len(result.updated), len(result.cancelled)) == (1, 5)
    assert result.summary == "1 changed, 5 not sent (cancelled)"
    stored = [li.get_review_item(sandbox_clients, i.item_id).status for i in items]
    assert sorted(stored) == ["APPROVED"] + ["PENDING"] * 5
    audited = [r for r in view.session.ctx.audit.read() if r.targets and r.targets[0] in {i.item_id for i in items}]
    assert [r.result for r in audited] == ["ok"]  # nothing cancelled was sent, nor audited
    assert seen[0] == (0, 6) and seen[-1] == (6, 6)
    assert not view.batch.isVisible() and not view.batch.cancel_button.isVisible()

    # Again, to the end: the count goes up item by item.
    seen.clear()
    gate.set()
    with qtbot.waitSignal(view.action_finished, timeout=TIMEOUT) as done:
        qtbot.keyClick(view.tree, Qt.Key.Key_A)
    assert done.args[0].summary == "5 changed"
    assert seen == [(n, 5) for n in range(6)]
    assert [li.get_review_item(sandbox_clients, i.item_id).status for i in items] == ["APPROVED"] * 6
    QApplication.processEvents()


def test_deploy_counts_distinct_phrases_and_its_bar_follows_the_build(
    qtbot, sandbox_clients, lex, put_item, open_ops, restore_es
):
    twice = [put_item("¿cuánto dinero tengo en la cuenta corriente?", "CheckBalance", "es_US", "APPROVED"),
             put_item("¿Cuánto dinero tengo en la cuenta  corriente", "CheckBalance", "es_US", "APPROVED")]
    once = put_item("quiero saber mi saldo de hoy", "CheckBalance", "es_US", "APPROVED")
    view = open_ops().ops_view
    choose_locale(qtbot, view, "BankingHelpDesk · es_US")
    qtbot.waitUntil(view.deploy_button.isEnabled)
    approved = view.approved_for(view.target_locale())
    distinct = len(li.distinct_phrases(approved))
    assert distinct == len(approved) - 1  # the phrase forwarded twice counts once
    assert view.deploy_button.text() == f"Deploy es_US ({distinct})…"
    view.deploy_button.setFocus()
    qtbot.keyClick(view.deploy_button, Qt.Key.Key_Space)
    confirm = view.history.confirm_dialog
    said = " ".join(label.text() for label in confirm.findChildren(QLabel))
    assert f"{distinct} approved phrases (forwarded {len(approved)} times) into" in said
    details = confirm.findChild(QPlainTextEdit).toPlainText()
    assert details.lower().count("dinero tengo") == 1 and "(×2)" in details and once.text in details
    reports = []
    qtbot.keyClick(confirm.ok, Qt.Key.Key_Space)
    progress = view.history.progress_dialog
    progress.job.progress.connect(lambda p: reports.append((p.done, p.total, p.text)))
    with qtbot.waitSignal(view.history.deployment_finished, timeout=TIMEOUT) as finished:
        pass
    result = finished.args[0]
    assert result.status == "SUCCEEDED", result.notes
    assert result.phrase_count == distinct and len(result.phrases) == len(approved)
    assert f"{distinct} phrase(s) are in version" in progress.outcome.text()
    # The bar is weighted by time: the build, not the step count, takes most of it.
    assert {total for _d, total, _t in reports} == {SCALE}
    dones = [d for d, _t, _x in reports]
    assert dones == sorted(dones)
    building = next(d for d, _t, text in reports if text.startswith("Building"))
    versioning = next(d for d, _t, text in reports if text.startswith("Creating a bot version"))
    assert building <= SCALE * 0.1 and versioning >= SCALE * 0.8
    for item in [*twice, once]:
        assert li.get_review_item(sandbox_clients, item.item_id).status == "DEPLOYED"


def test_rows_arriving_above_do_not_move_what_the_reader_looks_at(qtbot, sandbox_clients, lex, open_ops):
    from opsconsole.core.lexreview.store import to_attrs

    ddb, table = sandbox_clients.client("dynamodb"), lex["tables"]["review_items"]
    many = [lr.new_item(lr.Phrase(f"ops scrolled phrase {n:03d}", "OpsScrollTest"), bot_id=lex["bot_id"],
                        bot_name=lex["bot_name"], locale_id="en_US", by="amy.ops") for n in range(120)]
    for start in range(0, len(many), 25):
        ddb.batch_write_item(RequestItems={table: [{"PutRequest": {"Item": to_attrs(i.to_record())}}
                                                   for i in many[start:start + 25]]})
    view = open_ops().ops_view
    tree = view.tree
    tree.setFocus()
    qtbot.keyClick(tree, Qt.Key.Key_Home)
    qtbot.keyClick(tree, Qt.Key.Key_End)
    for _ in range(3):  # the reader is well down the list, not at its end (where Qt keeps the view itself)
        qtbot.keyClick(tree, Qt.Key.Key_PageUp)
    qtbot.waitUntil(lambda: 0 < tree.verticalScrollBar().value() < tree.verticalScrollBar().maximum())
    top = tree.indexAt(tree.viewport().rect().topLeft()).data(GROUP_ITEMS_ROLE)[0].item_id
    current = tree.currentIndex().data(GROUP_ITEMS_ROLE)[0].item_id
    view.changes.timer.setInterval(200)
    # Forwarded a minute later than the others: the newest, so the first row of its intent, above the reader.
    arrived = lr.new_item(lr.Phrase("ops scrolled phrase arriving on top", "OpsScrollTest"), bot_id=lex["bot_id"],
                          bot_name=lex["bot_name"], locale_id="en_US", by="amy.ops",
                          now=max(i.created_at for i in many) + timedelta(minutes=1))
    ddb.put_item(TableName=table, Item=to_attrs(arrived.to_record()))
    try:
        qtbot.waitUntil(lambda: view.model.index_of_item(arrived.item_id).isValid(), timeout=TIMEOUT)
        assert tree.indexAt(tree.viewport().rect().topLeft()).data(GROUP_ITEMS_ROLE)[0].item_id == top
        assert tree.currentIndex().data(GROUP_ITEMS_ROLE)[0].item_id == current
    finally:  # a hundred rows less for the tests after this one
        gone = [*many, arrived]
        for start in range(0, len(gone), 25):
            ddb.batch_write_item(RequestItems={table: [{"DeleteRequest": {"Key": to_attrs({"item_id": i.item_id})}}
                                                       for i in gone[start:start + 25]]})
