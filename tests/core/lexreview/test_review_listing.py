"""The review listings Query their indexes, newest first, page by page, against tables of their own in the sandbox."""

from __future__ import annotations

import itertools
import random
import threading
import time
import uuid
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from opsconsole.core.aws import Clients
from opsconsole.core.lexreview import items as li
from opsconsole.core.lexreview import conversations as lc
from opsconsole.core.lexreview import triage as lr
from opsconsole.core.lexreview.deploy import record as dr
from opsconsole.core.lexreview.deploy.lock import DeployLock
from opsconsole.core.lexreview.store import Tables, merge_newest, to_attrs
from opsconsole.core.lexreview.tables import (
    backfill_index_attributes,
    create_missing_tables,
    table_definitions,
)

BOT, OTHER = "BOTLISTING", "BOTOTHER"
NOW = datetime(2026, 6, 15, 9, 30, tzinfo=timezone.utc)


class DynamoCalls:
    """The DynamoDB operations a client really sends (name, parameters)."""

    def __init__(self, clients: Clients) -> None:
        self.calls: list[tuple[str, dict]] = []
        self._lock = threading.Lock()
        self._events = clients.client("dynamodb").meta.events

    def __enter__(self) -> DynamoCalls:
        self._events.register("before-parameter-build.dynamodb.*", self._record)
        return self

    def __exit__(self, *exc: object) -> None:
        self._events.unregister("before-parameter-build.dynamodb.*", self._record)

    def _record(self, model, params, **_kwargs) -> None:
        with self._lock:
            self.calls.append((model.name, dict(params)))

    def names(self) -> list[str]:
        with self._lock:
            return [name for name, _ in self.calls]


@pytest.fixture(scope="module")
def tables(sandbox_clients):
    """The review tables under names of their own (created as an operator would), deleted afterwards."""
    suffix = uuid.uuid4().hex[:8]
    mine = Tables(conversations=f"test-conv-{suffix}", items=f"test-items-{suffix}",
                  locks=f"test-locks-{suffix}", deployments=f"test-deploy-{suffix}")
    ddb = sandbox_clients.client("dynamodb")
    done = create_missing_tables(ddb, mine)
    assert len(done) == 4 and all(d.startswith("created table") for d in done)
    yield mine
    for name in (mine.conversations, mine.items, mine.locks, mine.deployments):
        ddb.delete_table(TableName=name)


@pytest.fixture
def clients(sandbox_connection):
    return Clients(sandbox_connection)  # its own client: the call recorder sees only this test's calls


def batch_put(clients: Clients, table: str, records: list[dict]) -> None:
    ddb = clients.client("dynamodb")
    for start in range(0, len(records), 25):
        ddb.batch_write_item(RequestItems={table: [{"PutRequest": {"Item": to_attrs(r)}}
                                                   for r in records[start:start + 25]]})


@pytest.fixture(scope="module")
def seeded_items(sandbox_clients, tables):
    """130 items over four statuses, two bot locales and another bot, written as the console writes them."""
    rng = random.Random(5)
    made = []
    for n, minutes in enumerate(rng.sample(range(60 * 24 * 20), 130)):  # no two at the same time
        when = NOW - timedelta(minutes=minutes)
        bot, locale = rng.choice([(BOT, "en_US"), (BOT, "es_US"), (OTHER, "en_US")])
        item = lr.new_item(lr.Phrase(f"listing phrase {n}", "CheckBalance"), bot_id=bot, bot_name=bot,
                           locale_id=locale, by="amy.test", now=when, item_id=f"item-{n:04d}")
        status = rng.choice(lr.STATUSES)
        made.append(replace(item, status=status))
    batch_put(sandbox_clients, tables.items, [i.to_record() for i in made])
    return made


def newest_first(items):
    return sorted(items, key=lambda i: i.updated_at, reverse=True)


def seeded(items):
    """Leave out what later tests add."""
    return [i for i in items if i.item_id.startswith("item-")]


def test_tables_come_with_the_indexes_the_listings_query(sandbox_clients, tables):
    ddb = sandbox_clients.client("dynamodb")
    for role, spec in table_definitions(tables).items():
        table = ddb.describe_table(TableName=spec["TableName"])["Table"]
        indexes = {i["IndexName"]: i["KeySchema"] for i in table.get("GlobalSecondaryIndexes") or []}
        assert indexes == {i["IndexName"]: i["KeySchema"] for i in spec.get("GlobalSecondaryIndexes", [])}, role
    assert create_missing_tables(ddb, tables) == []  # nothing missing any more


def test_an_existing_table_without_the_indexes_gets_them(sandbox_clients):
    ddb = sandbox_clients.client("dynamodb")
    name = f"test-old-items-{uuid.uuid4().hex[:8]}"
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "item_id", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "item_id", "AttributeType": "S"}])
    try:
        old = Tables(items=name, conversations=f"{name}-c", locks=f"{name}-l", deployments=f"{name}-d")
        done = create_missing_tables(ddb, old)
        assert f"added index status-updated_at to {name}" in done
        assert f"added index bot_locale-status_updated to {name}" in done
        indexes = ddb.describe_table(TableName=name)["Table"]["GlobalSecondaryIndexes"]
        assert {i["IndexName"] for i in indexes} == {"status-updated_at", "bot_locale-status_updated"}
    finally:
        for table in (name, f"{name}-c", f"{name}-l", f"{name}-d"):
            try:
                ddb.delete_table(TableName=table)
            except ddb.exceptions.ResourceNotFoundException:
                pass


@pytest.mark.parametrize("statuses", [("PENDING", "APPROVED"), ("DEPLOYED",), None])
def test_items_by_status_newest_first_over_several_pages(clients, tables, seeded_items, statuses):
    want = newest_first(i for i in seeded_items if statuses is None or i.status in statuses)
    with DynamoCalls(clients) as calls:
        pages = list(li.iter_review_items(clients, statuses=statuses, page_size=10, tables=tables))
    got = seeded(i for p in pages for i in p)
    assert [i.item_id for i in got] == [i.item_id for i in want]
    assert got == want  # every field as written
    names = calls.names()
    assert "Scan" not in names and names.count("Query") > len(statuses or lr.STATUSES)  # several pages each
    assert {p["IndexName"] for _n, p in calls.calls} == {"status-updated_at"}
    assert all(p["ScanIndexForward"] is False and p["Limit"] == 10 for _n, p in calls.calls)
    if statuses is None:  # an empty list is no filter either, as it always was
        assert seeded(li.list_review_items(clients, statuses=[], tables=tables)) == want


def test_what_changed_since_a_time_is_read_from_the_key_condition_alone(clients, tables, seeded_items):
    since = NOW - timedelta(days=3)
    want = newest_first(i for i in seeded_items if i.updated_at >= since)
    assert 0 < len(want) < len(seeded_items)
    with DynamoCalls(clients) as calls:
        got = li.list_review_items(clients, changed_since=since, tables=tables)
    assert [i.item_id for i in seeded(got)] == [i.item_id for i in want]
    assert {n for n, _p in calls.calls} == {"Query"} and len(calls.calls) == len(lr.STATUSES)  # one page each
    assert all(p["KeyConditionExpression"] == "#pk = :v_pk AND #sk >= :v_since" for _n, p in calls.calls)


def test_items_of_one_bot_locale_use_the_locale_index(clients, tables, seeded_items):
    want = newest_first(i for i in seeded_items if (i.bot_id, i.locale_id) == (BOT, "es_US")
                        and i.status in ("PENDING", "APPROVED"))
    with DynamoCalls(clients) as calls:
        got = li.list_review_items(clients, statuses=["PENDING", "APPROVED"], bot_id=BOT, locale_id="es_US",
                                   page_size=5, tables=tables)
    assert want and [i.item_id for i in seeded(got)] == [i.item_id for i in want]
    assert {p["IndexName"] for _n, p in calls.calls} == {"bot_locale-status_updated"}
    # A locale alone (any bot) is a filter on the status index.
    en = li.list_review_items(clients, statuses=["REJECTED"], locale_id="en_US", tables=tables)
    assert [i.item_id for i in seeded(en)] == [i.item_id for i in newest_first(
        i for i in seeded_items if i.locale_id == "en_US" and i.status == "REJECTED")]


def test_a_consumer_that_stops_costs_no_further_query(clients, tables, seeded_items):
    with DynamoCalls(clients) as calls:
        pages = li.iter_review_items(clients, statuses=["DEPLOYED"], page_size=5, tables=tables)
        assert calls.names() == [], "nothing is read before the first page is asked for"
        first = next(pages)
        pages.close()  # what a cancelled job amounts to
    assert len(first) == 5 and calls.names() == ["Query"]


def test_items_the_console_writes_are_found_where_their_status_says(clients, tables, seeded_items):
    item = lr.new_item(lr.Phrase("moved between statuses", "CheckBalance"), bot_id=BOT, bot_name=BOT,
                       locale_id="en_US", by="amy.test", now=NOW + timedelta(days=1))
    clients.client("dynamodb").put_item(TableName=tables.items, Item=to_attrs(item.to_record()),
                                        ConditionExpression="attribute_not_exists(item_id)")

    def heads(status, **kw):
        return [i.item_id for i in next(li.iter_review_items(clients, statuses=[status], tables=tables, **kw))]

    assert heads("PENDING")[0] == item.item_id  # the newest change heads its status
    approved = li.transition(clients, item, "APPROVED", "dana.test", now=NOW + timedelta(days=2), tables=tables)
    assert item.item_id not in heads("PENDING")
    assert heads("APPROVED")[0] == item.item_id
    assert heads("APPROVED", bot_id=BOT, locale_id="en_US")[0] == item.item_id
    li.edit_item(clients, approved, "dana.test", text="moved between statuses again", now=NOW + timedelta(days=3),
                 tables=tables)
    assert li.get_review_item(clients, item.item_id, tables).text == "moved between statuses again"
    assert heads("APPROVED", bot_id=BOT, locale_id="en_US")[0] == item.item_id


def test_items_written_before_the_indexes_are_found_after_the_backfill(clients, tables, seeded_items):
    old = lr.new_item(lr.Phrase("written before the indexes", "CheckBalance"), bot_id=BOT, bot_name=BOT,
                      locale_id="es_US", by="amy.test", now=NOW + timedelta(days=5))
    record = {k: v for k, v in old.to_record().items() if k not in ("bot_locale", "status_updated")}
    clients.client("dynamodb").put_item(TableName=tables.items, Item=to_attrs(record))

    def found():
        return old.item_id in {i.item_id for i in li.list_review_items(
            clients, statuses=["PENDING"], bot_id=BOT, locale_id="es_US", tables=tables)}

    assert not found()
    assert backfill_index_attributes(clients, tables) >= 1
    assert found()
    assert backfill_index_attributes(clients, tables) == 0  # nothing left to do


# -- conversations ------------------------------------------------------------------------------
def conversation_row(n: int, when: datetime, triage: str, missed: int, locale: str, spelling: int) -> dict:
    turns = [{"index": 0, "speaker": "bot", "text": "Hi"}]
    for m in range(missed):
        turns.append({"index": len(turns), "speaker": "customer", "text": f"missed {n}.{m}", "missed": True,
                      "intent": "FallbackIntent"})
    # The spellings a pipeline may use: 'Z', '+00:00', with microseconds.
    started = (when.strftime("%Y-%m-%dT%H:%M:%SZ"), when.isoformat(),
               when.replace(microsecond=123456).isoformat())[spelling]
    return {"contact_id": f"contact-{n:04d}", "bot_id": BOT, "bot_name": BOT, "locale_id": locale,
            "agent": "amy.test", "channel": "chat", "started_at": started, "turns": turns,
            "triage_status": triage, "missed_count": missed}


@pytest.fixture(scope="module")
def seeded_conversations(sandbox_clients, tables):
    rng = random.Random(9)
    rows = []
    for n, seconds in enumerate(rng.sample(range(86400 * 10), 140)):
        when = NOW - timedelta(seconds=seconds)
        triage = rng.choices(["NEW", "FORWARDED", "NOTHING_TO_LEARN"], [6, 2, 1])[0]
        rows.append(conversation_row(n, when, triage, rng.choice([0, 1, 1, 2, 3]), rng.choice(["en_US", "es_US"]),
                                     n % 3))
    batch_put(sandbox_clients, tables.conversations, rows)
    return [lc.Conversation.from_record(r) for r in rows]


def test_the_queue_is_untriaged_conversations_with_missed_turns_newest_first(clients, tables, seeded_conversations):
    want = sorted((c for c in seeded_conversations if c.missed_count and not c.triaged),
                  key=lambda c: c.started_at, reverse=True)
    with DynamoCalls(clients) as calls:
        pages = list(lc.iter_conversations(clients, page_size=15, tables=tables))
    assert [c.contact_id for p in pages for c in p] == [c.contact_id for c in want]
    assert len(pages) > 3 and "Scan" not in calls.names()
    assert {(p["IndexName"], p["ScanIndexForward"]) for _n, p in calls.calls} == {("triage_status-started_at", False)}


def test_the_queue_filters_by_locale_and_time_and_shows_triaged_ones_on_request(clients, tables,
                                                                               seeded_conversations):
    since, until = NOW - timedelta(days=6), NOW - timedelta(days=2)
    got = [c for p in lc.iter_conversations(clients, locale_id="es_US", since=since, until=until, page_size=7,
                                            include_triaged=True, tables=tables) for c in p]
    want = sorted((c for c in seeded_conversations if c.missed_count and c.locale_id == "es_US"
                   and since <= c.started_at < until), key=lambda c: c.started_at, reverse=True)
    assert {c.triage_status for c in want} == {"NEW", "FORWARDED", "NOTHING_TO_LEARN"}
    assert [c.contact_id for c in got] == [c.contact_id for c in want]
    recent = [c for p in lc.iter_conversations(clients, since=NOW - timedelta(days=1), tables=tables) for c in p]
    assert recent and all(c.started_at >= NOW - timedelta(days=1) for c in recent)
    assert [c for p in lc.iter_conversations(clients, bot_id="NOSUCHBOT", tables=tables) for c in p] == []


def test_a_triaged_conversation_leaves_the_queue(clients, tables, seeded_conversations):
    head = next(c for p in lc.iter_conversations(clients, tables=tables) for c in p)
    lr.mark_nothing_to_learn(clients, head, "amy.test", tables=tables)
    queue = [c.contact_id for p in lc.iter_conversations(clients, tables=tables) for c in p]
    assert head.contact_id not in queue
    shown = [c for p in lc.iter_conversations(clients, include_triaged=True, tables=tables) for c in p]
    assert next(c for c in shown if c.contact_id == head.contact_id).triage_status == "NOTHING_TO_LEARN"


# -- deployment history -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def seeded_deployments(sandbox_clients, tables):
    made = []
    for n in range(23):
        locale = ("en_US", "es_US")[n % 2]
        d = dr.Deployment(deployment_id=f"deploy-{n:03d}", bot_id=BOT, bot_name=BOT, locale_id=locale,
                          started_by="dana.test", started_at=NOW - timedelta(hours=5 * n + n % 3),
                          status=dr.SUCCEEDED if n else dr.IN_PROGRESS)
        dr.save(sandbox_clients, d, tables)
        made.append(d)
    return made


def test_the_history_is_newest_first_page_by_page(clients, tables, seeded_deployments):
    with DynamoCalls(clients) as calls:
        pages = list(dr.iter_deployments(clients, time.time(), page_size=5, tables=tables))
    assert [len(p) for p in pages[:4]] == [5, 5, 5, 5]
    got = [d.deployment_id for p in pages for d in p]
    assert got == [d.deployment_id for d in sorted(seeded_deployments, key=lambda d: d.started_at, reverse=True)]
    assert "Scan" not in calls.names()
    # The one IN_PROGRESS deployment's lock is looked up by key, once.
    assert calls.names().count("BatchGetItem") == 1
    assert dr.list_deployments(clients, time.time(), tables)[0].interrupted  # nobody holds its lock
    es = [d for p in dr.iter_deployments(clients, time.time(), bot_id=BOT, locale_id="es_US", tables=tables)
          for d in p]
    assert [d.deployment_id for d in es] == [d.deployment_id for d in sorted(
        (d for d in seeded_deployments if d.locale_id == "es_US"), key=lambda d: d.started_at, reverse=True)]


def test_a_deployment_whose_lock_is_held_is_not_interrupted(clients, tables, seeded_deployments):
    running = seeded_deployments[0]
    lock = DeployLock(clients, BOT, running.locale_id, running.deployment_id, "dana.test", tables=tables)
    assert lock.try_acquire() is None
    try:
        head = dr.list_deployments(clients, time.time(), tables)[0]
        assert head.deployment_id == running.deployment_id and not head.interrupted
    finally:
        lock.release()


# -- the merge ----------------------------------------------------------------------------------------
def test_merging_streams_asks_one_page_per_yield_and_stays_newest_first():
    rng = random.Random(3)
    asked: list[int] = []

    def stream(number: int, keys: list[str], size: int):
        for start in range(0, len(keys), size):
            asked.append(number)
            yield [(k, f"{number}:{k}") for k in keys[start:start + size]]

    data = [sorted((f"{rng.randrange(10**6):06d}" for _ in range(n)), reverse=True) for n in (0, 7, 40, 13)]
    merged = merge_newest([stream(i, keys, 4) for i, keys in enumerate(data)])
    out = [value for page in merged for value in page]
    keys = [v.split(":")[1] for v in out]
    assert keys == sorted(keys, reverse=True) and len(out) == sum(map(len, data))
    asked.clear()
    lazy = merge_newest([stream(i, keys, 4) for i, keys in enumerate(data)])
    for count in itertools.count(1):
        next(lazy)
        assert len(asked) <= count  # at most one page asked of the streams per yield
        if count == 6:
            break


def test_the_first_page_is_small_and_the_rest_follow_on_from_it(clients, tables, seeded_items, monkeypatch):
    from opsconsole.core.lexreview import store

    monkeypatch.setattr(store, "FIRST_PAGE", 4)
    want = newest_first(i for i in seeded_items if i.status == "REJECTED")
    with DynamoCalls(clients) as calls:
        pages = list(li.iter_review_items(clients, statuses=["REJECTED"], page_size=9, tables=tables))
    assert [len(p) for p in pages[:3]] == [4, 9, 9]
    assert [i.item_id for i in seeded(i for p in pages for i in p)] == [i.item_id for i in want]
    assert [p["Limit"] for _n, p in calls.calls][:3] == [4, 9, 9]
