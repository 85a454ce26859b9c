"""State changes of review items: conditional writes, plain conflict messages, batches."""

from __future__ import annotations

import dataclasses
import threading

import pytest

from opsconsole.core.lexreview import conversations as lc
from opsconsole.core.lexreview import triage as lr
from opsconsole.core.lexreview import items as li
from opsconsole.core.aws import Clients
from opsconsole.core.errors import ErrorKind, describe
from opsconsole.core.lexreview.store import to_attrs


@pytest.fixture(scope="module")
def lex(sandbox):
    return sandbox.scenario.lex


@pytest.fixture
def put_item(sandbox_clients, lex):
    """Write a PENDING item of our own into the review table."""

    def put(text: str = "am I overdrawn", intent: str = "CheckBalance", locale: str = "en_US") -> lr.ReviewItem:
        item = lr.new_item(lr.Phrase(text, intent), bot_id=lex["bot_id"], bot_name=lex["bot_name"],
                           locale_id=locale, by="amy.test", contact_id="test-items")
        sandbox_clients.client("dynamodb").put_item(TableName=lex["tables"]["review_items"],
                                                    Item=to_attrs(item.to_record()))
        return item

    return put


def test_approve_then_reopen_then_reject_with_a_reason(sandbox_clients, put_item):
    item = put_item()
    approved = li.transition(sandbox_clients, item, "APPROVED", "dana.k")
    assert (approved.status, approved.revision, approved.updated_by) == ("APPROVED", 2, "dana.k")
    assert li.get_review_item(sandbox_clients, item.item_id) == approved
    reopened = li.transition(sandbox_clients, approved, "PENDING", "dana.k")
    rejected = li.transition(sandbox_clients, reopened, "REJECTED", "dana.k", reason="Too vague")
    stored = li.get_review_item(sandbox_clients, item.item_id)
    assert (stored.status, stored.reason, stored.revision) == ("REJECTED", "Too vague", 4) and stored == rejected
    back = li.transition(sandbox_clients, rejected, "PENDING", "dana.k")
    assert li.get_review_item(sandbox_clients, item.item_id).reason == "" == back.reason


def test_changes_a_status_does_not_allow_are_refused_before_any_write(sandbox_clients, put_item):
    item = put_item()
    with pytest.raises(li.InvalidChange, match="needs a reason"):
        li.transition(sandbox_clients, item, "REJECTED", "dana.k", reason=" ")
    with pytest.raises(li.InvalidChange):
        li.transition(sandbox_clients, item, "DEPLOYED", "dana.k")
    unassigned = put_item(intent="")
    with pytest.raises(li.InvalidChange, match="no intent yet"):
        li.transition(sandbox_clients, unassigned, "APPROVED", "dana.k")
    assert li.get_review_item(sandbox_clients, item.item_id).revision == 1


def test_a_refused_change_reaches_the_reviewer_as_its_sentence(sandbox_clients, put_item):
    item = put_item()
    with pytest.raises(li.InvalidChange) as caught:
        li.transition(sandbox_clients, li.transition(sandbox_clients, item, "REJECTED", "dana.k", reason="No"),
                      "APPROVED", "dana.k")
    err = describe(caught.value, operation="Approve review items")
    assert err.kind is ErrorKind.REFUSED and err.title == "Change not allowed"
    assert err.message == "A rejected item cannot be approved: reopen it first"


def test_a_stale_copy_is_told_who_changed_the_item_and_when(sandbox_clients, put_item):
    item = put_item()
    li.transition(sandbox_clients, item, "REJECTED", "dana.k", reason="Not a banking request")
    with pytest.raises(lr.Conflict) as err:
        li.transition(sandbox_clients, item, "APPROVED", "erin.m")  # still thinks it is PENDING
    assert err.value.message.startswith("Already rejected by dana.k at ")
    assert err.value.message.endswith(" — your approval was not applied")
    assert err.value.current.status == "REJECTED"


def test_edit_and_move_keep_the_first_text_and_are_conditional(sandbox_clients, put_item):
    item = put_item("am i over drawn")
    edited = li.edit_item(sandbox_clients, item, "dana.k", text="  am I   overdrawn ")
    assert (edited.text, edited.original_text, edited.revision) == ("am I overdrawn", "am i over drawn", 2)
    moved = li.edit_item(sandbox_clients, edited, "dana.k", intent_name="DisputeCharge")
    assert moved.intent_name == "DisputeCharge" and moved.original_text == "am i over drawn"
    assert li.get_review_item(sandbox_clients, item.item_id) == moved
    with pytest.raises(lr.Conflict, match=r"^Changed by dana.k at .* your edit was not applied"):
        li.edit_item(sandbox_clients, edited, "erin.m", text="overdrawn?")


def test_batch_changes_report_conflicts_instead_of_stopping(sandbox_clients, put_item):
    items = [put_item(f"batch phrase {n}") for n in range(3)]
    li.transition(sandbox_clients, items[1], "APPROVED", "dana.k")  # someone else got to one first
    result = li.transition_many(sandbox_clients, items, "REJECTED", "erin.m", "Out of scope for this bot")
    assert [i.item_id for i in result.updated] == [items[0].item_id, items[2].item_id]
    assert len(result.conflicts) == 1 and "Already approved by dana.k" in result.conflicts[0].message
    assert result.summary == "2 changed, 1 changed by someone else first"
    moved = li.edit_many(sandbox_clients, [result.updated[0]], "erin.m", intent_name="SpeakToAgent")
    assert moved.invalid == ["A rejected item cannot be edited: reopen it first"]


def test_two_reviewers_at_once_end_in_exactly_one_state(sandbox_connection, put_item):
    """Approve and reject the same item from two consoles at the same moment, many times."""
    for _round in range(8):
        item = put_item("did my paycheck come in yet")
        start = threading.Barrier(2)
        outcomes: dict[str, object] = {}

        def act(who: str, to_status: str, reason: str | None, item=item, start=start, outcomes=outcomes) -> None:
            clients = Clients(sandbox_connection)  # each console has its own clients
            start.wait(10)
            try:
                outcomes[who] = li.transition(clients, item, to_status, who, reason)
            except lr.Conflict as exc:
                outcomes[who] = exc
            except Exception as exc:  # reported by the assertion below, not lost in the thread
                outcomes[who] = repr(exc)

        threads = [threading.Thread(target=act, args=("dana.k", "APPROVED", None)),
                   threading.Thread(target=act, args=("erin.m", "REJECTED", "Duplicate of a sample"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        winners = [w for w, o in outcomes.items() if isinstance(o, lr.ReviewItem)]
        losers = [o for o in outcomes.values() if isinstance(o, lr.Conflict)]
        assert len(winners) == 1 and len(losers) == 1, outcomes
        final = li.get_review_item(Clients(sandbox_connection), item.item_id)
        assert final.updated_by == winners[0] and final.revision == 2
        assert final.status == ("APPROVED" if winners[0] == "dana.k" else "REJECTED")
        past = "approved" if winners[0] == "dana.k" else "rejected"
        noun = "rejection" if winners[0] == "dana.k" else "approval"
        assert losers[0].message.startswith(f"Already {past} by {winners[0]} at ")
        assert losers[0].message.endswith(f"your {noun} was not applied")


# -- what a reviewer may do with a selection -------------------------------------------------
def _item(status: str, locale: str = "en_US", text: str = "am I overdrawn") -> lr.ReviewItem:
    from dataclasses import replace

    fresh = lr.new_item(lr.Phrase(text, "CheckBalance"), bot_id="BOT", bot_name="Bank", locale_id=locale, by="amy")
    return replace(fresh, status=status)


@pytest.mark.parametrize(
    ("statuses", "allowed"),
    [
        ((), set()),
        (("PENDING",), {"approve", "reject", "edit", "move"}),
        (("APPROVED",), {"reject", "reopen", "edit", "move"}),
        (("REJECTED",), {"reopen"}),
        (("DEPLOYED",), set()),
        (("PENDING", "PENDING"), {"approve", "reject", "move"}),  # edit is for one item at a time
        (("PENDING", "DEPLOYED"), {"approve", "reject", "move"}),
        (("REJECTED", "DEPLOYED"), {"reopen"}),
    ],
)
def test_allowed_actions_follow_the_status_rules(statuses, allowed):
    assert li.allowed_actions([_item(s) for s in statuses]) == allowed


def test_items_move_only_within_one_locale_and_each_action_takes_only_the_items_it_applies_to():
    mixed = [_item("PENDING", "en_US"), _item("APPROVED", "es_US")]
    assert "move" not in li.allowed_actions(mixed)
    assert "move" in li.allowed_actions([*mixed[:1], _item("REJECTED", "es_US")])  # rejected ones are not moved
    chosen = [_item(s) for s in ("PENDING", "APPROVED", "REJECTED", "DEPLOYED")]
    assert [i.status for i in li.items_for("approve", chosen)] == ["PENDING"]
    assert [i.status for i in li.items_for("reject", chosen)] == ["PENDING", "APPROVED"]
    assert [i.status for i in li.items_for("reopen", chosen)] == ["APPROVED", "REJECTED"]
    assert [i.status for i in li.items_for("edit", chosen)] == ["PENDING", "APPROVED"]


def test_one_phrase_is_the_same_text_in_one_intent_of_one_locale_as_lex_compares_it():
    def item(text, intent="CheckBalance", locale="en_US"):
        return dataclasses.replace(_item("PENDING", locale), text=text, intent_name=intent)

    same = [item("What's my balance?"), item("whats my  BALANCE"), item("What’s my balance")]
    others = [item("What's my balance", "ReportLostCard"), item("What's my balance", locale="es_US"),
              item("What's my balance today")]
    phrases = li.distinct_phrases([*same, *others])
    assert len(phrases) == 4 and list(phrases.values())[0] == same  # grouped, in the order first seen
    assert {li.phrase_key(i) for i in same} == {li.phrase_key(same[0])}


def test_a_change_is_described_before_it_is_sent_and_sent_exactly_as_described(sandbox_clients, put_item):
    item = put_item("described before sent")
    change = li.transition_request(item, "REJECTED", "dana.k", "  Not a banking phrase ")
    request = change.request
    assert change.call.operation == "UpdateItem" and change.call.params == request
    assert request["Key"] == {"item_id": {"S": item.item_id}}
    # Conditional on what we saw: revision and status, by name.
    assert request["ConditionExpression"] == "#revision = :c_revision AND #status = :c_status"
    values = request["ExpressionAttributeValues"]
    assert (values[":c_revision"], values[":c_status"]) == ({"N": "1"}, {"S": "PENDING"})
    assert (values[":n_status"], values[":n_reason"]) == ({"S": "REJECTED"}, {"S": "Not a banking phrase"})
    assert values[":n_status_updated"]["S"].startswith("REJECTED#")
    assert set(request["ExpressionAttributeNames"].values()) >= {"status", "reason", "revision", "status_updated"}
    # Describing sends nothing; sending makes exactly the described item.
    assert li.get_review_item(sandbox_clients, item.item_id).status == "PENDING"
    assert li.send_change(sandbox_clients, change) == change.new
    assert li.get_review_item(sandbox_clients, item.item_id) == change.new
    # The same request again finds revision 2: refused, and said as who got there first.
    with pytest.raises(lr.Conflict, match="^Already rejected by dana.k at "):
        li.send_change(sandbox_clients, change)
    with pytest.raises(li.InvalidChange):
        li.transition_request(change.new, "APPROVED", "dana.k")  # refused before anything is built
    assert li.edit_request(dataclasses.replace(change.new, status="PENDING"), "dana.k",
                           text="described before sent") is None  # nothing changes: nothing to send


def test_a_triage_change_is_described_before_it_is_sent(sandbox_clients, lex):
    conversation = lc.Conversation(contact_id="test-described-triage", bot_id=lex["bot_id"], bot_name="",
                                   locale_id="en_US", agent="amy", channel="voice",
                                   started_at=lr.parse_time("2026-06-15T09:30:00Z"), turns=())
    ddb, table = sandbox_clients.client("dynamodb"), lex["tables"]["conversations"]
    ddb.put_item(TableName=table, Item=to_attrs({"contact_id": conversation.contact_id, "triage_status": "NEW",
                                                 "started_at": "2026-06-15T09:30:00Z", "missed_count": 0}))
    try:
        submission = lr.submit_request(conversation, [lr.Phrase("described phrase", "CheckBalance")], "amy")
        [put, check] = submission.request["TransactItems"]
        assert put["Put"]["Item"]["item_id"] == {"S": submission.items[0].item_id}  # the id is made here
        assert check["ConditionCheck"]["Key"] == {"contact_id": {"S": conversation.contact_id}}
        assert lr.send_submission(sandbox_clients, submission) == list(submission.items)
        change = lr.triage_request(conversation, "amy")
        assert change.call.operation == "UpdateItem" and change.request["ConditionExpression"].startswith(
            "attribute_exists(contact_id)")
        assert lr.send_triage(sandbox_clients, change) == change.closed
        with pytest.raises(lr.Conflict, match="^Already marked nothing to learn by amy at "):
            lr.send_triage(sandbox_clients, change)
    finally:
        ddb.delete_item(TableName=table, Key=to_attrs({"contact_id": conversation.contact_id}))
        for item in submission.items:
            ddb.delete_item(TableName=lex["tables"]["review_items"], Key=to_attrs({"item_id": item.item_id}))
