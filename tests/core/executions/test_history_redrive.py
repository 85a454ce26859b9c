"""After a redrive: the states it ran again count by their new runs, the others keep theirs."""

from __future__ import annotations

import json
from pathlib import Path

from opsconsole.core.executions.history import current_runs, parse_events, progress, state_runs, summarise

DATA = Path(__file__).resolve().parents[2] / "data" / "histories"


def recorded(name: str):
    events = parse_events(json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))["events"])
    return events, state_runs(events)


def test_a_redriven_state_counts_by_its_new_run():
    events, runs = recorded("redriven_running")  # 'Load config' failed, was redriven, then succeeded
    assert [(r.state, r.status) for r in runs if r.state == "Load config"] == [
        ("Load config", "failed"), ("Load config", "succeeded")]
    assert [(r.state, r.status) for r in current_runs(events, runs)] == [
        ("Prepare", "succeeded"), ("Load config", "succeeded"), ("Settle", "running")]
    summary = summarise(events, runs)
    assert summary.current == current_runs(events, runs)
    assert summary.outcomes == {"Prepare": "succeeded", "Load config": "succeeded", "Settle": "running"}
    assert summary.failure == (None, None, None)


def test_without_a_redrive_every_run_stands():
    events, runs = recorded("retries_exhausted")
    assert current_runs(events, runs) == runs
    assert summarise(events, runs).outcomes["Load test set manifest"] == "failed"


def test_a_redriven_map_counts_its_kept_and_re_run_iterations_once():
    events, runs = recorded("map_redriven")  # 3 of 5 iterations kept, 2 run again by the redrive
    summary = summarise(events, runs)
    assert summary.outcomes == {"Each item": "succeeded", "Each item hold": "succeeded", "Each item read": "succeeded"}
    assert summary.failure == (None, None, None)
    done = progress(events)
    assert done.maps == {"Each item": (5, 5)} and (done.map_iterations_done, done.map_iterations_total) == (5, 5)

