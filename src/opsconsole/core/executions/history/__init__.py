"""Execution histories: events, per-state runs, failure point, progress, Map runs and links.

The one module callers import; the work is split by idea:
``history_events`` (parsing, paging, which state an event is about),
``history_runs`` (events -> :class:`StateRun`), ``history_summary``
(outcomes, failure point, progress), ``history_links`` (console and logs
URLs), ``history_maps`` (Distributed Map runs), ``history_filter`` (the
table's filters), ``history_timeline`` (Gantt lanes), ``history_synthetic``
(a big generated history for benchmarks and tests).
"""

from __future__ import annotations

from opsconsole.core.executions.history.events import (
    MAX_PAGE_SIZE,
    HistoryEvent,
    HistoryParser,
    event_summary,
    iter_history,
    parse_events,
)
from opsconsole.core.executions.history.filter import EventFilter
from opsconsole.core.executions.history.links import console_url, lambda_function_name, log_group_url, logs_link, region_of
from opsconsole.core.executions.history.maps import MapRun, iter_map_runs, list_map_runs
from opsconsole.core.executions.history.runs import RUN_STATUSES, StateRun, find_failed_run, state_runs
from opsconsole.core.executions.history.summary import (
    OUTCOMES,
    HistorySummary,
    RunProgress,
    current_runs,
    failed_run,
    failure_point,
    progress,
    state_input,
    state_outcomes,
    summarise,
)

__all__ = [
    "MAX_PAGE_SIZE", "OUTCOMES", "RUN_STATUSES",
    "EventFilter", "HistoryEvent", "HistoryParser", "HistorySummary", "MapRun", "RunProgress", "StateRun",
    "console_url", "current_runs", "event_summary", "failed_run", "failure_point", "find_failed_run", "iter_history",
    "iter_map_runs", "lambda_function_name", "list_map_runs", "log_group_url", "logs_link", "parse_events",
    "progress", "region_of", "state_input", "state_outcomes", "state_runs", "summarise",
]
