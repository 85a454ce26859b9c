"""A2I as operations read it, against the sandbox's seeded flow definitions, loops and outputs."""

from __future__ import annotations

import pytest

from opsconsole.core.docreview import describe_loop, iter_flow_definitions, iter_loops
from opsconsole.core.docreview.loops import iter_flow_overview
from opsconsole.core.docreview.throughput import load, overall, per_hour, per_reviewer


@pytest.fixture(scope="module")
def seeded(sandbox):
    sandbox.scenario.docreview_seed.wait_ready()
    return sandbox.scenario.docreview


def test_flow_definitions_carry_their_human_task_settings(sandbox_clients, seeded):
    flows = {f.name: f for page in iter_flow_definitions(sandbox_clients) for f in page}
    assert {"doc-review-invoices", "doc-review-customs"} <= set(flows)
    assert {flows[n].task_count for n in ("doc-review-invoices", "doc-review-customs")} == {1, 2}
    assert all(f.output_path == "s3://ml-platform-documents/a2i-output" for f in flows.values())
    assert all(f.availability_s > 0 for f in flows.values())


def test_loops_come_a_page_at_a_time_newest_first_and_the_counts_add_up(sandbox_clients, seeded):
    overview = {f.name: f for f in iter_flow_overview(sandbox_clients)}
    flow = overview["doc-review-invoices"]
    pages = list(iter_loops(sandbox_clients, flow.arn, page_size=50))
    assert all(len(p) <= 50 for p in pages)
    loops = [loop for p in pages for loop in p]
    created = [loop.created for loop in loops]
    assert created == sorted(created, reverse=True)
    assert flow.total == len(loops)
    assert flow.counts.get("InProgress", 0) == sum(1 for loop in loops if loop.status == "InProgress")
    if flow.counts.get("InProgress"):
        assert flow.oldest_open == min(loop.created for loop in loops if loop.status == "InProgress")


def test_a_completed_loop_of_a_two_worker_flow_shows_both_answers_and_their_agreement(sandbox_clients, seeded):
    flows = {f.name: f for page in iter_flow_definitions(sandbox_clients) for f in page}
    two = next(f for f in flows.values() if f.task_count == 2)
    completed = next(loop for p in iter_loops(sandbox_clients, two.arn) for loop in p if loop.status == "Completed")

    detail = describe_loop(sandbox_clients, completed.name)

    assert detail.status == "Completed" and detail.output_uri.startswith("s3://ml-platform-documents/a2i-output/")
    assert f"/{two.name}/" in detail.output_uri and detail.output_uri.endswith(f"/{completed.name}/output.json")
    assert len(detail.answers) == 2 and all(a.worker_id for a in detail.answers)
    assert all(a.time_spent_s and a.time_spent_s > 0 for a in detail.answers)
    rows = detail.comparison()
    assert rows and all(len(r.answers) == 2 for r in rows)
    assert 0.0 <= detail.agreement() <= 1.0
    assert detail.machine  # the machine's answer, from inputContent


def test_an_open_loop_has_no_output_yet(sandbox_clients, seeded):
    flows = [f for page in iter_flow_definitions(sandbox_clients) for f in page]
    for flow in flows:
        running = next((loop for p in iter_loops(sandbox_clients, flow.arn) for loop in p
                        if loop.status == "InProgress"), None)
        if running:
            detail = describe_loop(sandbox_clients, running.name)
            assert detail.status == "InProgress" and not detail.answers and not detail.output_uri
            return
    pytest.skip("no loop in progress in this seed")


def test_throughput_counts_a2i_answers_and_console_reviews_per_reviewer(sandbox_clients, seeded):
    df = load(sandbox_clients, hours=72)
    assert not df.empty
    assert {"console"} <= set(df["source"]) or {"doc-review-invoices", "doc-review-customs"} & set(df["source"])
    everyone = overall(df, 72)
    figures = per_reviewer(df, 72)
    assert sum(f.documents for f in figures) == len(df)  # every answer, by who gave it
    assert everyone.documents == df["item"].nunique() < len(df)  # a two-worker loop is one document
    assert per_hour(df)["all"].sum() == everyone.documents
