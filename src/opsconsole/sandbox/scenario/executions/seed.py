"""Step Functions side of the scenario: state machines, template runs, replays, pending approvals.

1. The five state machines are created over HTTP (tagged with their tenant).
2. Template runs: one real run per (state machine, outcome) on a throw-away
   recording copy of the definition (shorter timeouts, its own approval queue),
   all concurrently; operators' actions (stop, approve, reject) are played by
   small drivers. Their histories become :class:`~opsconsole.sandbox.stepfunctions.replay.Template`.
3. The plan's past executions are installed as replays; the model comparisons
   still waiting for approval are started for real, so their task tokens in the
   approval queue really resume them.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from opsconsole.sandbox.stepfunctions import replay
from opsconsole.sandbox.scenario import catalog as c
from opsconsole.sandbox.scenario.executions import definitions
from opsconsole.sandbox.scenario.executions.cases import OUTCOMES, Case, build_case
from opsconsole.sandbox.scenario.executions.plan import PlannedExecution

_RUN_DEADLINE = 30.0
_POLL = 0.1
_HEAD_START = 0.4


def create_state_machines(sfn: Any, defs: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Create the scenario's state machines; returns role -> ARN."""
    arns = {}
    for role, definition in defs.items():
        arns[role] = sfn.create_state_machine(
            name=c.STATE_MACHINES[role], definition=json.dumps(definition, indent=2),
            roleArn=c.ROLE_ARN, type="STANDARD",
            tags=[{"key": "tenant", "value": c.TENANT_RETAIL},
                  {"key": "workflow", "value": "item-classification"},
                  {"key": "stage", "value": role}])["stateMachineArn"]
    return arns


def _wait(condition: Callable[[], Any], what: str, deadline: float = _RUN_DEADLINE) -> Any:
    """Poll ``condition`` until it returns something truthy, or raise after ``deadline`` s."""
    end = time.monotonic() + deadline
    pause = threading.Event()
    while time.monotonic() < end:
        result = condition()
        if result:
            return result
        pause.wait(_POLL)
    raise TimeoutError(f"sandbox: gave up waiting for {what}")


def _history(backend: Any, arn: str) -> list[dict[str, Any]]:
    # Watching a run in-process keeps dozens of concurrent pollers off the HTTP server.
    env = backend.describe_execution(arn).exec_worker.env
    return env.event_manager.get_event_history() if env is not None else []


def _find_event(backend: Any, arn: str,
                predicate: Callable[[dict[str, Any]], bool]) -> dict[str, Any] | None:
    return next((e for e in _history(backend, arn) if predicate(e)), None)


def _task_token(backend: Any, arn: str) -> str:
    _wait(lambda: _find_event(backend, arn, lambda e: e["type"] == "TaskSubmitted"),
          f"the approval request of {arn}")
    scheduled = _find_event(backend, arn, lambda e: e["type"] == "TaskScheduled" and e[
        "taskScheduledEventDetails"]["resource"] == "sendMessage.waitForTaskToken")
    parameters = json.loads(scheduled["taskScheduledEventDetails"]["parameters"])
    return parameters["MessageBody"]["TaskToken"]


def _drive(sfn: Any, backend: Any, arn: str, driver: tuple[str, ...] | None, case: Case) -> None:
    """Play the operator's part in a template run."""
    if driver is None:
        return
    if driver[0] == "stop_at":
        state = driver[1]
        _wait(lambda: _find_event(backend, arn, lambda e: e.get("stateEnteredEventDetails", {})
                                  .get("name") == state), f"{arn} to enter {state}")
        sfn.stop_execution(executionArn=arn)
    elif driver[0] == "stop_waiting":
        _task_token(backend, arn)
        sfn.stop_execution(executionArn=arn, error=case.decision["error"], cause=case.decision["cause"])
    elif driver[0] == "approve":
        sfn.send_task_success(taskToken=_task_token(backend, arn), output=json.dumps(case.decision))
    elif driver[0] == "reject":
        sfn.send_task_failure(taskToken=_task_token(backend, arn), error=case.decision["error"],
                              cause=case.decision["cause"])


def _finished(backend: Any, arn: str) -> bool:
    """Ended, and its closing event written (moto reports TIMED_OUT slightly before)."""
    if backend.describe_execution(arn).status == "RUNNING":
        return False
    return any(event["type"] in replay.TERMINAL_EVENTS for event in _history(backend, arn))


def record_templates(sfn: Any, backend: Any, defs: dict[str, dict[str, Any]],
                     cases: dict[tuple[str, str], Case], endpoint_url: str,
                     ) -> dict[tuple[str, str], replay.Template]:
    """Run every (role, outcome) case once for real, concurrently, and capture the histories."""
    approval_url = c.queue_url(endpoint_url, c.APPROVAL_QUEUE)
    recording_url = c.queue_url(endpoint_url, c.RECORDING_QUEUE)
    machines: dict[str, str] = {}
    lock = threading.Lock()

    def machine(role: str, outcome: str) -> str:
        """The recording copy for this run, created by the first run that needs it."""
        settings = OUTCOMES[role][outcome].recording
        variant = f"{role}-{outcome}" if settings else role  # runs without overrides share a copy
        with lock:
            if variant not in machines:
                clone = definitions.recording_variant(defs[role], replace={approval_url: recording_url},
                                                      **settings)
                machines[variant] = sfn.create_state_machine(
                    name=f"sandbox-recording-{variant}", definition=json.dumps(clone),
                    roleArn=c.ROLE_ARN)["stateMachineArn"]
            return machines[variant]

    def run(key: tuple[str, str]) -> replay.Template:
        role, outcome = key
        case = cases[key]
        if role != "training":  # the longest runs get the server to themselves for a moment
            threading.Event().wait(_HEAD_START)
        arn = sfn.start_execution(stateMachineArn=machine(role, outcome), name=f"rec-{role}-{outcome}",
                                  input=json.dumps(case.input))["executionArn"]
        _drive(sfn, backend, arn, OUTCOMES[role][outcome].driver, case)
        _wait(lambda: _finished(backend, arn), f"template run {arn}")
        template = replay.Template.capture(backend.describe_execution(arn), role, outcome,
                                           case.values(), constants={recording_url: approval_url})
        expected = OUTCOMES[role][outcome].status
        if template.status != expected:
            raise RuntimeError(f"sandbox template {role}/{outcome} ended {template.status}, "
                               f"expected {expected}: {template.error} {template.cause}")
        return template

    try:
        with ThreadPoolExecutor(max_workers=len(cases), thread_name_prefix="sandbox-template") as pool:
            return dict(zip(cases, pool.map(run, cases)))
    finally:
        for arn in machines.values():
            sfn.delete_state_machine(stateMachineArn=arn)


def template_cases(rng: Any, now: dt.datetime, winners: dict[str, dict[str, Any]],
                   avoid: set[str]) -> dict[tuple[str, str], Case]:
    """One case per (role, outcome), in countries without pending approvals (``avoid``).

    Each comparison template gets a country of its own: the promotion template
    rewrites its country's winner model while the others read theirs.
    """
    free = [x for x in c.COUNTRIES if x not in avoid]
    country, comparison_countries = free[0], iter(free[1:])
    cases = {}
    for role, outcomes in OUTCOMES.items():
        for outcome in outcomes:
            if outcome == "no_model":
                where = c.ONBOARDING_COUNTRIES[0]
            else:
                where = next(comparison_countries) if role == "comparison" else country
            cases[(role, outcome)] = build_case(rng, role, outcome, where, now, winners)
    return cases


def install_replays(backend: Any, arns: dict[str, str], plan: list[PlannedExecution],
                    templates: dict[tuple[str, str], replay.Template], now: dt.datetime) -> int:
    """Put every non-real planned execution into moto's backend as a replay."""
    by_role: dict[str, list[replay.ReplayedExecution]] = {role: [] for role in arns}
    for planned in plan:
        if planned.real:
            continue
        machine = backend.describe_state_machine(arns[planned.role])
        by_role[planned.role].append(replay.ReplayedExecution(
            machine, templates[(planned.role, planned.outcome)], planned.name, planned.case.input,
            planned.case.values(), planned.start, planned.duration,
            (now - planned.start) if planned.running else None,
            account_id=c.ACCOUNT_ID, region_name=c.REGION))
    for role, executions in by_role.items():
        replay.install(backend.describe_state_machine(arns[role]), executions)
    return sum(len(v) for v in by_role.values())


def start_pending_approvals(sfn: Any, backend: Any, arns: dict[str, str],
                            plan: list[PlannedExecution]) -> list[str]:
    """Start the real comparisons that wait for approval; backdate them to their planned start."""
    pending = [p for p in plan if p.real]
    started = [sfn.start_execution(stateMachineArn=arns[p.role], name=p.name,
                                   input=json.dumps(p.case.input))["executionArn"] for p in pending]
    for planned, arn in zip(pending, started):
        _wait(lambda arn=arn: _find_event(backend, arn, lambda e: e["type"] == "TaskSubmitted"),
              f"{arn} to wait for its approval")
        _backdate(backend.describe_execution(arn), planned.start)
    return started


def _backdate(execution: Any, start: dt.datetime) -> None:
    """Move a real, waiting execution's start and events so far back to ``start``."""
    from moto.core.utils import iso_8601_datetime_with_milliseconds

    shift = start - execution.start_date
    execution.start_date = start
    # moto keeps no public way to edit a history; the execution is parked on its
    # task token, so nothing appends to the list while it is rewritten.
    for event in execution.exec_worker.env.event_manager._history_event_list:
        when = dt.datetime.fromisoformat(event["timestamp"].replace("Z", "+00:00")) + shift
        event["timestamp"] = iso_8601_datetime_with_milliseconds(when)
