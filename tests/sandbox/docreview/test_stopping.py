"""Stopping the sandbox while the document pipeline's executions are still being started: the seed
gives up at once (Ctrl+C must not wait for work that would be thrown away) and says nothing alarming."""

from __future__ import annotations

import logging
import threading
from typing import Any

import pytest

from opsconsole.sandbox.scenario.docreview import DocReviewActivity, DocReviewSeed, SeedStopped, intake


class _Registry:
    def __init__(self) -> None:
        self.routes: list[tuple[str, str]] = []

    def add_rest(self, method: str, path: str, handler: Any, service: str) -> None:
        self.routes.append((method, path))

    def remove(self, handler: Any) -> None:
        self.routes.clear()


def test_stopping_tells_the_unfinished_seed_to_stop_and_logs_no_error(caplog: pytest.LogCaptureFixture) -> None:
    started = threading.Event()
    told: list[bool] = []

    def finish(stopping: threading.Event) -> None:
        started.set()
        told.append(stopping.wait(30))  # the seed's next step sees the sandbox stopping
        raise SeedStopped

    seeded = DocReviewSeed({}, {}, finish)
    registry = _Registry()
    activity = DocReviewActivity(seeded, registry, stepfunctions=None, sqs=None, dynamodb=None, seed=7,
                                 live=False).start()
    assert started.wait(30)
    assert registry.routes, "page images are served while the sandbox runs"
    with caplog.at_level(logging.ERROR):
        activity.stop()
    assert told == [True]
    assert seeded.ready.is_set(), "whoever waits for the seed is not left waiting"
    assert not registry.routes
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_seed_that_fails_while_the_sandbox_runs_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    def finish(stopping: threading.Event) -> None:
        raise RuntimeError("the state machine could not be created")

    seeded = DocReviewSeed({}, {}, finish)
    activity = DocReviewActivity(seeded, _Registry(), stepfunctions=None, sqs=None, dynamodb=None, seed=7,
                                 live=False)
    with caplog.at_level(logging.ERROR):
        activity.start()
        assert seeded.ready.wait(30)
    activity.stop()
    assert any("could not be started" in r.getMessage() for r in caplog.records)


class _Untouched:
    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"{name} called after the sandbox began to stop")


def test_intake_gives_up_before_reading_the_queue_once_stopping() -> None:
    stopping = threading.Event()
    stopping.set()
    with pytest.raises(SeedStopped):
        intake(_Untouched(), _Untouched(), "https://queue", wait=60, expected=1000, stopping=stopping)
