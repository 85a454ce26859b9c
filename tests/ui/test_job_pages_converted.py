"""Jobs whose pages are converted on a thread of their own: the next page is asked for meanwhile, and
what the GUI receives is the same as without it (every page, in order, none after a cancel or a failure)."""

from __future__ import annotations

import threading

from botocore.exceptions import EndpointConnectionError

from opsconsole.core.errors import ErrorKind
from opsconsole.core.progress import Progress
from opsconsole.jobs.runner import JobState


def record(job):
    """Everything the GUI is told, in the order it is told."""
    seen = []
    job.page.connect(lambda page: seen.append(("page", page)))
    job.progress.connect(lambda p: seen.append(("progress", p.done)))
    job.done.connect(lambda result: seen.append(("done", result)))
    job.failed.connect(lambda err: seen.append(("failed", err)))
    return seen


def test_every_page_arrives_converted_in_order_then_the_result(qtbot, runner):
    def listing():
        for i in range(30):
            yield list(range(i * 10, i * 10 + 10))
            if i == 10:
                yield Progress(done=1, total=2)
        return "all read"

    job = runner.submit(listing, name="listing", convert=lambda page: [f"row {n}" for n in page])
    seen = record(job)
    qtbot.waitSignal(job.finished, timeout=10_000).wait()
    pages = [value for kind, value in seen if kind == "page"]
    assert pages == [[f"row {n}" for n in range(i * 10, i * 10 + 10)] for i in range(30)]
    assert [kind for kind, _ in seen].index("progress") == 11, "a progress report keeps its place"
    assert seen[-1] == ("done", "all read")
    assert job.pages == 30 and job.state is JobState.DONE


def test_the_next_page_is_asked_for_while_the_last_is_being_converted(qtbot, runner):
    asked_for_second = threading.Event()
    overlapped = []

    def listing():
        yield ["first"]
        asked_for_second.set()  # the call for page 2 starts here
        yield ["second"]

    def convert(page):
        if page == ["first"]:
            # Without the overlap, page 2 is asked for only after this returns: the wait runs out.
            overlapped.append(asked_for_second.wait(10))
        return page

    job = runner.submit(listing, convert=convert)
    seen = record(job)
    qtbot.waitSignal(job.finished, timeout=15_000).wait()
    assert overlapped == [True]
    assert seen == [("page", ["first"]), ("page", ["second"]), ("done", None)]


def test_a_failure_after_some_pages_comes_after_them_and_says_the_list_is_incomplete(qtbot, runner):
    def listing():
        yield [1, 2, 3]
        yield [4, 5]
        raise EndpointConnectionError(endpoint_url="http://127.0.0.1:1")

    gate = threading.Event()

    def convert(page):
        gate.wait(10)  # still converting when the listing has already failed
        return [n * 10 for n in page]

    job = runner.submit(listing, name="ListExecutions", convert=convert)
    seen = record(job)
    gate.set()
    qtbot.waitSignal(job.finished, timeout=10_000).wait()
    assert [value for kind, value in seen[:2]] == [[10, 20, 30], [40, 50]]
    kind, err = seen[2]
    assert kind == "failed" and len(seen) == 3
    assert err.kind is ErrorKind.UNREACHABLE
    assert "incomplete" in err.message and "2 page" in err.message


def test_a_page_that_cannot_be_converted_fails_the_job_after_the_pages_before_it(qtbot, runner):
    asked = []

    def listing():
        for i in range(100):
            asked.append(i)
            yield [i]

    def convert(page):
        if page == [3]:
            raise ValueError("a page we cannot read")
        return page

    job = runner.submit(listing, name="ListExecutions", convert=convert)
    seen = record(job)
    qtbot.waitSignal(job.finished, timeout=10_000).wait()
    assert [value for kind, value in seen if kind == "page"] == [[0], [1], [2]]
    assert seen[-1][0] == "failed" and "incomplete" in seen[-1][1].message
    qtbot.waitUntil(lambda: runner.threads_busy() == 0, timeout=5000)
    assert len(asked) <= 5, "the listing stops once a page has failed (page 4 may have been asked for meanwhile)"


def test_cancel_while_a_page_is_converted_delivers_nothing_more_and_asks_for_nothing_more(qtbot, runner):
    calls: list[int] = []
    converting = threading.Event()
    release = threading.Event()

    def listing():
        for i in range(10):
            calls.append(i)
            yield [i]

    def convert(page):
        if page == [1]:
            converting.set()
            release.wait(10)
        return page

    job = runner.submit(listing, name="ListExecutions", convert=convert)
    seen = record(job)
    qtbot.waitUntil(converting.is_set, timeout=5000)
    qtbot.waitUntil(lambda: seen == [("page", [0])], timeout=5000)
    job.cancel()
    asked_by_then = len(calls)
    release.set()
    qtbot.waitUntil(lambda: runner.threads_busy() == 0, timeout=5000)
    qtbot.wait(0)  # whatever was queued for the GUI is delivered now
    assert seen == [("page", [0])], "nothing is delivered after a cancel"
    assert len(calls) <= asked_by_then + 1, "at most the call already in flight"
    assert job.state is JobState.CANCELLED
