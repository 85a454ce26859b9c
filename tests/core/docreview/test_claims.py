"""Claims on documents: a lease per reviewer, conditional writes, abandoned claims returning.

Checked against the sandbox's DynamoDB (UpdateItem with a ConditionExpression
fails with ConditionalCheckFailedException, as the DynamoDB API reference says).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from opsconsole.core.docreview import (
    CLAIMED,
    WAITING,
    claim,
    claim_next,
    get_task,
    iter_queue,
    release,
    renew,
)
from opsconsole.core.docreview.tasks import REVIEWED, table_definition
from opsconsole.core.writes import Conflict

NOW = datetime.now(UTC)


def test_the_queue_is_oldest_first_and_holds_waiting_documents_and_abandoned_claims(sandbox_clients, review_config,
                                                                                        put_document):
    put_document("doc-new", queued_at=NOW - timedelta(minutes=1))
    put_document("doc-old", queued_at=NOW - timedelta(hours=3))
    put_document("doc-abandoned", queued_at=NOW - timedelta(hours=2), status=CLAIMED, claimed_by="bob",
                 claim_expires_at=NOW - timedelta(minutes=1))
    put_document("doc-held", queued_at=NOW - timedelta(hours=4), status=CLAIMED, claimed_by="carol",
                 claim_expires_at=NOW + timedelta(minutes=9))
    put_document("doc-done", queued_at=NOW - timedelta(hours=5), status=REVIEWED)

    pages = list(iter_queue(sandbox_clients, review_config, page_size=2))

    assert [[t.document_id for t in p] for p in pages] == [["doc-old", "doc-abandoned"], ["doc-new"]]
    assert pages[0][0].why == "Total 0.62, Invoice date 0.81"


def test_a_claim_takes_the_document_out_of_everyone_elses_queue(sandbox_clients, review_config, put_document):
    task = put_document("doc-a")
    mine = claim(sandbox_clients, task, "ana", review_config)

    assert mine.status == CLAIMED and mine.claimed_by == "ana" and mine.version == task.version + 1
    assert mine.remaining() > timedelta(minutes=9)
    assert [t.document_id for p in iter_queue(sandbox_clients, review_config) for t in p] == []
    with pytest.raises(Conflict, match="ana is reviewing document doc-a"):
        claim(sandbox_clients, task, "bob", review_config)


def test_two_reviewers_racing_for_the_queue_never_get_the_same_document(sandbox_clients, review_config, put_document):
    for i in range(6):
        put_document(f"doc-{i}", queued_at=NOW - timedelta(minutes=10 - i))
    got: dict[str, list[str]] = {"ana": [], "bob": []}
    start = threading.Barrier(2)

    def work(who: str) -> None:
        start.wait()
        while (task := claim_next(sandbox_clients, who, review_config)) is not None:
            got[who].append(task.document_id)

    threads = [threading.Thread(target=work, args=(w,)) for w in got]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    assert sorted(got["ana"] + got["bob"]) == [f"doc-{i}" for i in range(6)]
    assert not set(got["ana"]) & set(got["bob"])
    for who, ids in got.items():
        assert all(get_task(sandbox_clients, d, review_config).claimed_by == who for d in ids)


def test_an_expired_claim_returns_to_the_queue_and_its_old_holder_can_no_longer_renew_it(
        sandbox_clients, review_config, put_document):
    task = put_document("doc-x")
    ana = claim(sandbox_clients, task, "ana", review_config, now=NOW - timedelta(minutes=30))
    assert ana.claim_expires_at < NOW  # a 10-minute lease taken 30 minutes ago

    queued = [t for p in iter_queue(sandbox_clients, review_config) for t in p]
    assert [t.document_id for t in queued] == ["doc-x"]
    bob = claim(sandbox_clients, queued[0], "bob", review_config)
    assert bob.claimed_by == "bob"

    with pytest.raises(Conflict, match="bob is reviewing"):
        renew(sandbox_clients, ana, "ana", review_config)
    with pytest.raises(Conflict):
        release(sandbox_clients, ana, "ana", review_config)


def test_renewing_extends_the_lease_and_releasing_returns_the_document(sandbox_clients, review_config, put_document):
    task = put_document("doc-r")
    mine = claim(sandbox_clients, task, "ana", review_config, now=NOW - timedelta(minutes=5))
    renewed = renew(sandbox_clients, mine, "ana", review_config)
    assert renewed.claim_expires_at > mine.claim_expires_at + timedelta(minutes=4)
    assert renewed.version == mine.version + 1

    with pytest.raises(Conflict):  # the version read before the renewal no longer holds
        release(sandbox_clients, mine, "ana", review_config)
    back = release(sandbox_clients, renewed, "ana", review_config)
    assert back.status == WAITING and back.claimed_by == ""
    assert [t.document_id for p in iter_queue(sandbox_clients, review_config) for t in p] == ["doc-r"]


def test_the_table_the_console_creates_has_the_agreed_key_and_index(sandbox_clients, review_config):
    described = sandbox_clients.client("dynamodb").describe_table(TableName=review_config.table)["Table"]
    assert described["KeySchema"] == [{"AttributeName": "document_id", "KeyType": "HASH"}]
    (index,) = described["GlobalSecondaryIndexes"]
    assert index["IndexName"] == "status-queued_at"
    assert [k["AttributeName"] for k in index["KeySchema"]] == ["status", "queued_at"]
    assert table_definition(review_config)["GlobalSecondaryIndexes"][0]["Projection"] == {"ProjectionType": "ALL"}
