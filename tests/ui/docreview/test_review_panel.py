"""The Document review area against the sandbox: a reviewer clears a document with the keyboard alone."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from support import audit, wait_until

from opsconsole.core.docreview import REVIEWED, get_task
from opsconsole.core.docreview.config import BUCKET, TABLE

TIMEOUT = 30000
CTRL = Qt.KeyboardModifier.ControlModifier
NOW = datetime.now(UTC)


@pytest.fixture
def open_panel(qtbot, ctx, person_connection, review_config):
    """``open_(name)``: the Document review panel, shown and loaded, working as the person ``name`` on the test's table."""
    from opsconsole.ui.docreview import DocReviewPanel

    def open_(name: str, context=None) -> DocReviewPanel:
        c = context or ctx
        c.settings.set(BUCKET, review_config.bucket)
        c.settings.set(TABLE, review_config.table)
        if c.connection is not person_connection(name):
            c.set_connection(person_connection(name))
        qtbot.waitUntil(lambda: c.who.name == name, timeout=TIMEOUT)  # AWS said who we are: records name us
        panel = DocReviewPanel(c)
        qtbot.addWidget(panel)
        panel.resize(1400, 860)
        panel.show()
        qtbot.waitExposed(panel)
        with qtbot.waitSignal(panel.loaded, timeout=TIMEOUT):
            panel.load()
        return panel

    return open_


def press(qtbot, key, modifier=Qt.KeyboardModifier.NoModifier):
    """A key typed into whatever has the keyboard focus, as a person would."""
    target = QApplication.focusWidget()
    assert target is not None, "nothing has the keyboard focus"
    qtbot.keyClick(target, key, modifier)


def at_desk(qtbot, panel) -> None:
    """``panel``'s window is the one the keyboard goes to (each reviewer has their own)."""
    panel.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is panel, timeout=TIMEOUT)
    panel.queue.table.setFocus()


def type_text(qtbot, text: str) -> None:
    qtbot.keyClicks(QApplication.focusWidget(), text)


def test_a_reviewer_clears_a_document_with_keys_only_and_its_execution_gets_the_corrected_record(
        qtbot, ctx, sandbox_clients, put_document, waiting_execution, open_panel, review_config):
    arn, token = waiting_execution("inv-0200")
    put_document("inv-0200", token=token)
    panel = open_panel("Ana")
    assert panel.queue.model.rowCount() == 1
    assert "Total 0.62" in panel.queue.model.index(0, 5).data()

    panel.queue.table.setFocus()
    press(qtbot, Qt.Key.Key_Return)  # claim the selected (oldest) document
    review = panel.review
    qtbot.waitUntil(lambda: review.doc is not None and review.claimed, timeout=TIMEOUT)
    assert panel.tabs.currentWidget() is review
    assert review.current_field().key == "Total"  # lowest confidence first
    assert "left" in review.claim_label.text()
    assert not review.page.boxes["f2"].rect().isEmpty()

    press(qtbot, Qt.Key.Key_E)  # edit the total
    assert review.editor.hasFocus()
    press(qtbot, Qt.Key.Key_A, CTRL)
    type_text(qtbot, "12O.00")
    press(qtbot, Qt.Key.Key_Return)
    assert "amount" in review.edit_error.text()  # refused where it was typed
    assert review.editor.isVisible()
    press(qtbot, Qt.Key.Key_A, CTRL)
    type_text(qtbot, "1,243.50")
    press(qtbot, Qt.Key.Key_Return)
    assert not review.edit_box.isVisible()
    assert review.current_field().key == "Invoice date"  # moved on to the next field to check

    press(qtbot, Qt.Key.Key_F2)
    press(qtbot, Qt.Key.Key_A, CTRL)
    type_text(qtbot, "2026-11-30")
    press(qtbot, Qt.Key.Key_Return)
    assert review.current_field().key == "Vendor"  # every low-confidence field decided: on to the rest
    press(qtbot, Qt.Key.Key_K)
    press(qtbot, Qt.Key.Key_K)  # back to the total: still edited
    assert review.current_field().key == "Total" and review.model.index(0, 1).data() == "1,243.50"
    press(qtbot, Qt.Key.Key_J)
    press(qtbot, Qt.Key.Key_J)  # the vendor, which the machine was sure of
    assert review.current_field().key == "Vendor"
    press(qtbot, Qt.Key.Key_M)  # ...but it is not on the page
    press(qtbot, Qt.Key.Key_Return, CTRL)  # submit

    qtbot.waitUntil(lambda: get_task(sandbox_clients, "inv-0200", review_config).status == REVIEWED, timeout=TIMEOUT)
    execution = wait_until(lambda: (out := sandbox_clients.client("stepfunctions").describe_execution(
        executionArn=arn)) and out["status"] == "SUCCEEDED" and out, what="the execution to succeed")
    fields = {f["key"]: f for f in json.loads(execution["output"])["fields"]}
    assert fields["Total"]["value"] == "1,243.50" and fields["Total"]["status"] == "edited"
    assert fields["Invoice date"]["value"] == "2026-11-30"
    assert fields["Vendor"]["value"] is None and fields["Vendor"]["status"] == "missing"
    assert fields["Currency"]["status"] == "accepted"
    assert json.loads(execution["output"])["reviewedBy"] == "Ana"
    qtbot.waitUntil(lambda: review.message.title_label.text() == "Submitted", timeout=TIMEOUT)
    qtbot.waitUntil(lambda: panel.queue.model.rowCount() == 0, timeout=TIMEOUT)

    records = audit(ctx)
    assert ("Claim document", "document inv-0200", "ok") in records
    assert ("Submit document review", "document inv-0200", "ok") in records


def test_two_reviewers_never_get_the_same_document(qtbot, ctx, runner, tmp_path, put_document, open_panel,
                                                   sandbox_clients, review_config):
    from opsconsole.core.audit import AuditLog
    from opsconsole.core.settings import MemoryStore, Settings
    from opsconsole.ui.context import AppContext

    put_document("inv-0300", queued_at=NOW - timedelta(minutes=9))
    put_document("inv-0301", queued_at=NOW - timedelta(minutes=8))
    ana = open_panel("Ana")
    bob_ctx = AppContext(runner, AuditLog(tmp_path / "bob-audit.jsonl"), settings=Settings(MemoryStore()))
    bob = open_panel("Bob", bob_ctx)
    bob_ctx.set_display_name("Ana")  # a display name is free text: it makes Bob no one else
    assert ana.queue.model.rowCount() == bob.queue.model.rowCount() == 2

    # Both press Enter on the same (oldest) document: one gets it, the other is told who has it.
    at_desk(qtbot, ana)
    qtbot.keyClick(ana.queue.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: ana.review.claimed, timeout=TIMEOUT)
    at_desk(qtbot, bob)
    bob.queue.table.selectRow(0)
    assert bob.queue.selected().document_id == "inv-0300"  # his list was read before Ana claimed
    qtbot.keyClick(bob.queue.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bob.queue.message.isVisible()
                    and "Ana is reviewing document inv-0300" in bob.queue.message.text_label.text(), timeout=TIMEOUT)
    assert not bob.review.claimed
    assert ("Claim document", "document inv-0300", "conflict") in audit(bob_ctx)

    # Ctrl+N takes the oldest document nobody holds.
    qtbot.waitUntil(lambda: bob.queue.model.rowCount() == 1, timeout=TIMEOUT)
    qtbot.keyClick(bob.queue.table, Qt.Key.Key_N, CTRL)
    qtbot.waitUntil(lambda: bob.review.claimed and bob.review.task is not None, timeout=TIMEOUT)
    assert bob.review.task.document_id == "inv-0301"
    assert get_task(sandbox_clients, "inv-0300", review_config).claimed_by == "Ana"
    assert get_task(sandbox_clients, "inv-0301", review_config).claimed_by == "Bob"


def test_cannot_be_processed_asks_for_a_reason_and_a_confirmation_then_fails_the_execution_with_it(
        qtbot, ctx, sandbox_clients, put_document, waiting_execution, open_panel, review_config):
    from opsconsole.core.docreview import REJECTED
    from opsconsole.ui.docreview.reject_dialog import RejectDialog

    arn, token = waiting_execution("inv-0400")
    put_document("inv-0400", token=token)
    panel = open_panel("Ana")
    panel.queue.table.setFocus()
    press(qtbot, Qt.Key.Key_Return)
    review = panel.review
    qtbot.waitUntil(lambda: review.doc is not None and review.claimed, timeout=TIMEOUT)

    press(qtbot, Qt.Key.Key_X, CTRL | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: isinstance(getattr(review, "reject_dialog", None), RejectDialog)
                    and review.reject_dialog.isVisible(), timeout=TIMEOUT)
    dialog = review.reject_dialog
    assert not dialog.ok.isEnabled()  # no reason, no rejection
    qtbot.keyClicks(dialog.reason, "<b>Page 2</b> is missing")
    assert dialog.ok.isEnabled()
    dialog.ok.click()

    qtbot.waitUntil(lambda: get_task(sandbox_clients, "inv-0400", review_config).status == REJECTED,
                    timeout=TIMEOUT)
    execution = wait_until(lambda: (out := sandbox_clients.client("stepfunctions").describe_execution(
        executionArn=arn)) and out["status"] == "FAILED" and out, what="the execution to fail")
    assert execution["error"] == "DocumentRejected" and execution["cause"] == "<b>Page 2</b> is missing"
    # the result is recorded once the write's job has finished, which may be just after AWS shows its effect
    qtbot.waitUntil(lambda: ("Reject document", "document inv-0400", "ok") in audit(ctx), timeout=TIMEOUT)


def test_a_review_whose_execution_stopped_waiting_says_so_and_leaves_the_queue(
        qtbot, ctx, sandbox_clients, put_document, open_panel, review_config):
    from opsconsole.core.docreview import REJECTED

    put_document("inv-0500", token="a-token-no-execution-waits-on")
    panel = open_panel("Ana")
    panel.queue.table.setFocus()
    press(qtbot, Qt.Key.Key_Return)
    review = panel.review
    qtbot.waitUntil(lambda: review.doc is not None and review.claimed, timeout=TIMEOUT)
    for _ in range(2):  # the two doubtful fields, accepted
        press(qtbot, Qt.Key.Key_A)
    press(qtbot, Qt.Key.Key_Return, CTRL)

    qtbot.waitUntil(lambda: review.message.title_label.text() == "Not delivered", timeout=TIMEOUT)
    assert "stopped waiting for this review (InvalidToken)" in review.message.text_label.text()
    assert "s3://" in review.message.text_label.text()  # the corrections are kept
    assert get_task(sandbox_clients, "inv-0500", review_config).status == REJECTED
    assert ("Submit document review", "document inv-0500", "error") in audit(ctx)


def test_the_claim_is_renewed_while_the_reviewer_works_and_its_time_shown(
        qtbot, ctx, sandbox_clients, put_document, open_panel, review_config):
    import time as _time
    from dataclasses import replace

    put_document("inv-0600")
    panel = open_panel("Ana")
    panel.queue.table.setFocus()
    press(qtbot, Qt.Key.Key_Return)
    review = panel.review
    qtbot.waitUntil(lambda: review.doc is not None and review.claimed, timeout=TIMEOUT)
    assert "9 m" in review.claim_label.text() or "10 m" in review.claim_label.text()

    # Two minutes of the lease left, a key pressed just now: the next tick renews it.
    stored = get_task(sandbox_clients, "inv-0600", review_config)
    review.task = replace(review.task, claim_expires_at=datetime.now(UTC) + timedelta(minutes=2),
                          version=stored.version)
    review._last_key = _time.monotonic()
    qtbot.waitUntil(lambda: review.task.remaining() > timedelta(minutes=9), timeout=TIMEOUT)
    assert get_task(sandbox_clients, "inv-0600", review_config).claim_expires_at > \
        datetime.now(UTC) + timedelta(minutes=9)
    assert ("Renew document claim", "document inv-0600", "ok") in audit(ctx)


def test_a_document_in_the_queue_can_be_sent_to_a2i_instead(qtbot, ctx, sandbox, put_document, open_panel):
    sandbox.scenario.docreview_seed.wait_ready()
    put_document("inv-0700")
    panel = open_panel("Ana")
    panel.queue.table.setFocus()
    press(qtbot, Qt.Key.Key_A, CTRL | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: getattr(panel.ops, "start_dialog", None) is not None
                    and panel.ops.start_dialog.isVisible(), timeout=TIMEOUT)
    dialog = panel.ops.start_dialog
    assert dialog.document.text() == "inv-0700" and dialog.name.text() == "doc-inv-0700-a2i"
    assert dialog.flow.currentText() == "doc-review-invoices"
    assert dialog.windowTitle() == "Send document to A2I"
    dialog.ok.click()
    # the document leaves the console's queue, its loop runs in A2I, and the hand-off is audited
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: all(t.document_id != "inv-0700" for t in panel.queue.model.all_rows()), timeout=TIMEOUT)
    assert ("Send document to A2I", "document inv-0700", "ok") in audit(ctx)
    loop = sandbox.client("sagemaker-a2i-runtime").describe_human_loop(HumanLoopName="doc-inv-0700-a2i")
    assert loop["HumanLoopStatus"] == "InProgress"
