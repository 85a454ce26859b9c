"""How fast documents get reviewed: A2I's outputs and the console's reviews of the last hours, read as S3 and
DynamoDB answer (Stubber), counted per hour, per reviewer and overall."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pandas as pd
import pytest
from stubbed_aws import StubbedClients, body

from opsconsole.core.docreview.config import ReviewConfig
from opsconsole.core.docreview.throughput import Review, frame, from_outputs, load, overall, per_hour, per_reviewer

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
CONFIG = ReviewConfig(bucket="docs", table="review-tasks")


def t(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def output(loop: str, *answers: tuple[str, str | None, float | None]) -> bytes:
    human = []
    for worker, submitted, spent in answers:
        a = {"workerId": worker, "answerContent": {"fields": []}}
        if submitted:
            a["submissionTime"] = submitted
        if spent is not None:
            a["timeSpentInSeconds"] = spent
        human.append(a)
    return json.dumps({"humanLoopName": loop, "inputContent": {}, "humanAnswers": human}).encode()


def flows(stub, *names: str) -> None:
    stub.add_response("list_objects_v2", {"CommonPrefixes": [{"Prefix": f"a2i-output/{n}/"} for n in names]},
                      {"Bucket": "docs", "Prefix": "a2i-output/", "Delimiter": "/"})


def day(stub, flow: str, date: str, objects: list[tuple[str, datetime]]) -> None:
    stub.add_response("list_objects_v2", {"Contents": [{"Key": k, "LastModified": m, "Size": 1} for k, m in objects]},
                      {"Bucket": "docs", "Prefix": f"a2i-output/{flow}/{date}/"})


def read(stub, key: str, data: bytes) -> None:
    stub.add_response("get_object", {"Body": body(data)}, {"Bucket": "docs", "Key": key})


INV1 = "a2i-output/invoices/2026/11/29/20/00/00/doc-inv-1/output.json"
INV9 = "a2i-output/invoices/2026/11/30/09/00/00/doc-inv-9/output.json"
CONSOLE2 = "a2i-output/console-review/2026/11/30/10/00/00/doc-inv-2/output.json"


def outputs_of_the_last_day(stub) -> None:
    flows(stub, "invoices", "console-review")
    day(stub, "invoices", "2026/11/29", [(INV1, t("2026-11-29T20:05:00")),
                                         ("a2i-output/invoices/2026/11/29/20/00/00/doc-inv-1/manifest.json", NOW)])
    read(stub, INV1, output("doc-inv-1", ("w-1", "2026-11-29T20:00:30Z", 90),
                            ("w-2", "2026-11-29T20:05:00Z", 120),
                            ("w-old", "2026-11-29T10:00:00Z", 10)))  # before the window
    day(stub, "invoices", "2026/11/30", [(INV9, t("2026-11-30T09:00:00")),
                                         ("a2i-output/invoices/2026/11/30/x/output.json", NOW)])
    read(stub, INV9, output("doc-inv-9", ("w-3", None, 60)))  # no submission time: the file's time
    read(stub, "a2i-output/invoices/2026/11/30/x/output.json", b"<not json>")
    day(stub, "console-review", "2026/11/29", [])
    day(stub, "console-review", "2026/11/30", [(CONSOLE2, NOW)])
    read(stub, CONSOLE2, output("doc-inv-2", ("Ana", "2026-11-30T10:00:00Z", 30)))


def reviewed(stub, *tasks: dict) -> None:
    items = []
    for task in tasks:
        items.append({k: {"S": v} for k, v in task.items()})
    stub.add_response("query", {"Items": items, "Count": len(items), "ScannedCount": len(items)}, {
        "TableName": "review-tasks", "IndexName": "status-queued_at", "KeyConditionExpression": "#s = :s",
        "ExpressionAttributeNames": {"#s": "status"}, "ExpressionAttributeValues": {":s": {"S": "REVIEWED"}},
        "ScanIndexForward": False, "Limit": 500})


def the_last_day() -> pd.DataFrame:
    clients = StubbedClients("s3", "dynamodb")
    outputs_of_the_last_day(clients.stub("s3"))
    reviewed(clients.stub("dynamodb"),
             {"document_id": "inv-2", "status": "REVIEWED", "reviewed_by": "Ana", "reviewed_at": "2026-11-30T10:00:00Z"},
             {"document_id": "inv-3", "status": "REVIEWED", "reviewed_by": "Bob", "reviewed_at": "2026-11-30T11:00:00Z"},
             {"document_id": "inv-4", "status": "REVIEWED", "reviewed_by": "Bob", "reviewed_at": "2026-11-28T11:00:00Z"},
             {"document_id": "inv-5", "status": "REVIEWED"},
             {"document_id": "inv-6", "status": "REVIEWED", "reviewed_at": "2026-11-30T11:30:00Z"})
    with clients.active():
        return load(clients, CONFIG, hours=24, now=NOW)


def test_the_last_day_holds_every_answer_in_it_and_console_reviews_without_an_output_once():
    df = the_last_day()
    rows = sorted(zip(df["reviewer"], df["source"], df["item"], df["seconds"].fillna(-1)))
    assert rows == [
        ("?", "console", "console/inv-6", -1),
        ("Ana", "console", "console-review/doc-inv-2", 30),
        ("Bob", "console", "console/inv-3", -1),
        ("w-1", "invoices", "invoices/doc-inv-1", 90),
        ("w-2", "invoices", "invoices/doc-inv-1", 120),
        ("w-3", "invoices", "invoices/doc-inv-9", 60),
    ]
    w3 = df[df["reviewer"] == "w-3"].iloc[0]
    assert w3["submitted"] == pd.Timestamp("2026-11-30T09:00:00Z")
    assert str(df["submitted"].dt.tz) == "UTC"


def test_documents_per_hour_count_each_document_once_at_its_last_answer():
    df = the_last_day()
    hourly = per_hour(df)
    assert list(hourly.columns) == ["all"]
    assert hourly["all"].to_dict() == {pd.Timestamp("2026-11-29T20:00Z"): 1, pd.Timestamp("2026-11-30T09:00Z"): 1,
                                       pd.Timestamp("2026-11-30T10:00Z"): 1, pd.Timestamp("2026-11-30T11:00Z"): 2}
    by_source = per_hour(df, "source")
    assert by_source.loc[pd.Timestamp("2026-11-29T20:00Z"), "invoices"] == 1
    assert by_source.loc[pd.Timestamp("2026-11-30T11:00Z"), "console"] == 2
    assert by_source.loc[pd.Timestamp("2026-11-30T11:00Z"), "invoices"] == 0


def test_per_reviewer_each_answer_counts():
    by_reviewer = per_hour(the_last_day(), "reviewer")
    evening = by_reviewer.loc[pd.Timestamp("2026-11-29T20:00Z")]
    assert evening["w-1"] == 1 and evening["w-2"] == 1 and evening["Ana"] == 0


def test_reviewer_figures_busiest_first_with_their_rate_and_median_time():
    df = frame([Review("Ana", "console", t("2026-11-30T10:00"), 30, "a"),
                Review("Ana", "console", t("2026-11-30T10:10"), 50, "b"),
                Review("Ana", "console", t("2026-11-30T10:20"), None, "c"),
                Review("w-1", "invoices", t("2026-11-30T10:00"), None, "d"),
                Review("Ana", "invoices", t("2026-11-30T11:00"), 70, "e")])
    figures = per_reviewer(df, 2)
    assert [(f.reviewer, f.source, f.documents) for f in figures][0] == ("Ana", "console", 3)
    ana = figures[0]
    assert ana.per_hour == pytest.approx(1.5) and ana.median_seconds == pytest.approx(40)
    others = {(f.reviewer, f.source): f for f in figures[1:]}
    assert others[("w-1", "invoices")].median_seconds is None
    assert others[("Ana", "invoices")].documents == 1 and others[("Ana", "invoices")].median_seconds == 70
    every = overall(df, 2)
    assert (every.reviewer, every.source, every.documents) == ("all", "all", 5)
    assert every.per_hour == pytest.approx(2.5) and every.median_seconds == pytest.approx(50)


def test_several_answers_to_one_document_count_once_overall():
    df = the_last_day()
    every = overall(df, 24)
    assert every.documents == 5  # doc-inv-1 (two workers), doc-inv-9, doc-inv-2, inv-3, inv-6
    assert every.per_hour == pytest.approx(5 / 24)
    assert every.median_seconds == pytest.approx(75)  # 90, 120, 60, 30


def test_nothing_reviewed_shows_no_figures():
    empty = frame([])
    assert list(empty.columns) == ["reviewer", "source", "submitted", "seconds", "item"] and empty.empty
    assert per_hour(empty).empty and per_reviewer(empty, 24) == []
    none = overall(empty, 24)
    assert (none.documents, none.per_hour, none.median_seconds) == (0, 0.0, None)
    assert overall(empty, 0).per_hour == 0.0


def test_at_most_the_limit_of_output_files_is_read():
    clients = StubbedClients("s3")
    stub = clients.stub("s3")
    flows(stub, "invoices")
    day(stub, "invoices", "2026/11/30", [(INV9, NOW), (INV9.replace("inv-9", "inv-10"), NOW)])
    read(stub, INV9, output("doc-inv-9", ("w-3", "2026-11-30T09:00:00Z", 60)))
    with clients.active():
        reviews = from_outputs(clients, CONFIG, since=t("2026-11-30T00:00"), now=NOW, limit=1)
    assert [(r.reviewer, r.item) for r in reviews] == [("w-3", "invoices/doc-inv-9")]


def test_without_a_start_the_last_day_is_read_and_an_output_without_a_loop_name_is_named_by_its_key():
    clients = StubbedClients("s3")
    stub = clients.stub("s3")
    flows(stub, "invoices")
    day(stub, "invoices", "2026/11/29", [])
    day(stub, "invoices", "2026/11/30", [(INV9, NOW)])
    read(stub, INV9, json.dumps({"humanAnswers": [{"workerId": "", "submissionTime": "2026-11-30T09:00:00Z"}]}).encode())
    with clients.active():
        (review,) = from_outputs(clients, CONFIG, now=NOW)
    assert (review.reviewer, review.source, review.item, review.seconds) == ("?", "invoices", f"invoices/{INV9}", None)
    assert review.submitted == t("2026-11-30T09:00")


def test_a_document_answered_across_an_hour_counts_in_the_hour_of_its_last_answer():
    df = frame([Review("w-1", "invoices", t("2026-11-30T09:50"), 60, "invoices/doc-1"),
                Review("w-2", "invoices", t("2026-11-30T10:10"), 60, "invoices/doc-1")])
    assert per_hour(df)["all"].to_dict() == {pd.Timestamp("2026-11-30T10:00Z"): 1}
    assert per_hour(df, "source")["invoices"].to_dict() == {pd.Timestamp("2026-11-30T10:00Z"): 1}


def test_rates_over_a_window_shorter_than_an_hour_are_per_hour():
    df = frame([Review("Ana", "console", t("2026-11-30T10:00"), 30, "a"),
                Review("Ana", "console", t("2026-11-30T10:10"), 30, "b")])
    (ana,) = per_reviewer(df, 0.5)
    assert ana.per_hour == pytest.approx(4.0)
    assert overall(df, 0.5).per_hour == pytest.approx(4.0)


def test_other_files_and_garbled_outputs_are_skipped_and_reading_stops_at_the_limit():
    clients = StubbedClients("s3")
    stub = clients.stub("s3")
    flows(stub, "invoices")
    keys = [f"a2i-output/invoices/2026/11/29/0{i}/00/00/doc-{i}/output.json" for i in range(4)]
    day(stub, "invoices", "2026/11/29", [("a2i-output/invoices/2026/11/29/manifest.json", NOW),
                                         *[(k, t(f"2026-11-29T0{i}:00")) for i, k in enumerate(keys)]])
    read(stub, keys[0], b"<garbled>")
    read(stub, keys[1], output("doc-1", ("w-1", "2026-11-29T00:00:00Z", 10)))  # exactly at the start: counted
    # The limit (2 files) is reached: keys[2], keys[3] and the next day are not read.
    with clients.active():
        reviews = from_outputs(clients, CONFIG, since=t("2026-11-29T00:00"), now=NOW, limit=2)
    assert [(r.reviewer, r.item) for r in reviews] == [("w-1", "invoices/doc-1")]


def test_answers_submitted_at_different_offsets_are_counted_in_utc_hours():
    from datetime import timedelta, timezone

    paris = timezone(timedelta(hours=1))
    df = frame([Review("w-1", "invoices", datetime(2026, 11, 30, 11, 30, tzinfo=paris), 60.0, "invoices/a"),
                Review("w-2", "invoices", datetime(2026, 11, 30, 10, 45, tzinfo=UTC), 30.0, "invoices/b")])
    assert str(df["submitted"].dt.tz) == "UTC"
    assert per_hour(df)["all"].to_dict() == {pd.Timestamp("2026-11-30T10:00Z"): 2}


def test_a_window_of_three_days_reads_the_outputs_of_each_of_its_days():
    clients = StubbedClients("s3", "dynamodb")
    s3 = clients.stub("s3")
    flows(s3, "invoices")
    key = "a2i-output/invoices/2026/11/28/08/00/00/doc-inv-7/output.json"
    day(s3, "invoices", "2026/11/27", [])
    day(s3, "invoices", "2026/11/28", [(key, t("2026-11-28T08:05:00"))])
    read(s3, key, output("doc-inv-7", ("w-1", "2026-11-28T08:00:00Z", 45)))
    day(s3, "invoices", "2026/11/29", [])
    day(s3, "invoices", "2026/11/30", [])
    reviewed(clients.stub("dynamodb"),
             {"document_id": "inv-4", "status": "REVIEWED", "reviewed_by": "Bob", "reviewed_at": "2026-11-28T11:00:00Z"})
    with clients.active():
        df = load(clients, CONFIG, hours=72, now=NOW)
    assert sorted(zip(df["reviewer"], df["item"], df["seconds"].fillna(-1))) == [
        ("Bob", "console/inv-4", -1), ("w-1", "invoices/doc-inv-7", 45)]
