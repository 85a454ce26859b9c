"""The 90-day execution plan: which executions exist, when they ran and how they ended.

Pure and deterministic: the same seed and ``now`` give the same plan. Trainings
run weekly per country; a successful training starts an evaluation, a
successful evaluation a model comparison; inference runs weekly per country;
item transactions are spread over the whole period, denser recently. A few
executions are still running at ``now``; model comparisons still waiting for
their approval become real executions (``real=True``) so that an operator can
approve or reject them.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from opsconsole.sandbox.scenario import catalog as c
from opsconsole.sandbox.scenario.executions.cases import OUTCOMES, RUNNING_TEMPLATE, Case, build_case

HORIZON = dt.timedelta(days=90)
PENDING_APPROVALS = 3

_WEIGHTS: dict[str, dict[str, float]] = {
    "training": {"succeeded": 70, "succeeded_after_retry": 12, "data_quality_failed": 8,
                 "capacity_failed": 5, "timed_out": 2, "aborted": 3},
    "evaluation": {"succeeded": 86, "testset_missing": 7, "timed_out": 3, "aborted": 4},
    "comparison": {"kept": 46, "promoted": 38, "rejected": 10, "approval_timed_out": 4, "aborted": 2},
    "inference": {"succeeded": 87, "batch_failed": 5, "timed_out": 3, "aborted": 5},
    "transaction": {"auto": 74, "review": 26},
}
# seconds: (low, high) drawn uniformly, or a fixed duration
_DURATIONS: dict[tuple[str, str], tuple[float, float]] = {
    ("training", "succeeded"): (2 * 3600, 6 * 3600),
    ("training", "succeeded_after_retry"): (2.5 * 3600, 6.5 * 3600),
    ("training", "data_quality_failed"): (90, 360),
    ("training", "capacity_failed"): (15 * 60, 45 * 60),
    ("training", "timed_out"): (43200, 43200),
    ("training", "aborted"): (20 * 60, 3 * 3600),
    ("evaluation", "succeeded"): (20 * 60, 60 * 60),
    ("evaluation", "testset_missing"): (60, 240),
    ("evaluation", "timed_out"): (7200, 7200),
    ("evaluation", "aborted"): (5 * 60, 40 * 60),
    ("comparison", "kept"): (20, 120),
    ("comparison", "promoted"): (40 * 60, 20 * 3600),
    ("comparison", "rejected"): (3600, 30 * 3600),
    ("comparison", "approval_timed_out"): (259205, 259260),
    ("comparison", "aborted"): (2 * 3600, 48 * 3600),
    ("inference", "succeeded"): (15 * 60, 50 * 60),
    ("inference", "no_model"): (5, 30),
    ("inference", "batch_failed"): (12 * 60, 35 * 60),
    ("inference", "timed_out"): (14400, 14400),
    ("inference", "aborted"): (5 * 60, 30 * 60),
    ("transaction", "auto"): (1.2, 4),
    ("transaction", "review"): (2, 8),
    ("transaction", "no_model"): (0.5, 2),
}
PREFIX = {"training": "train", "evaluation": "eval", "comparison": "compare",
           "inference": "infer", "transaction": "txn"}
_TRANSACTIONS = 470


@dataclass
class PlannedExecution:
    """One execution of the scenario."""

    role: str
    outcome: str
    name: str
    country: str
    start: dt.datetime
    duration: dt.timedelta
    running: bool
    case: Case
    real: bool = False

    @property
    def status(self) -> str:
        return "RUNNING" if self.running else OUTCOMES[self.role][self.outcome].status

    @property
    def stop(self) -> dt.datetime | None:
        return None if self.running else self.start + self.duration

    @property
    def state_machine(self) -> str:
        return c.STATE_MACHINES[self.role]


class _Planner:
    def __init__(self, seed: int, now: dt.datetime, winners: dict[str, dict[str, Any]]):
        self.rng = random.Random(f"{seed}:executions")
        self.now = now
        # start dates hang off the hour, so a sandbox started again within the hour has the same ones
        self.base = now.replace(minute=0, second=0, microsecond=0)
        self.winners = winners
        self.names: set[str] = set()
        self.plan: list[PlannedExecution] = []

    def duration(self, role: str, outcome: str) -> dt.timedelta:
        low, high = _DURATIONS[(role, outcome)]
        return dt.timedelta(seconds=round(self.rng.uniform(low, high), 3))

    def name(self, role: str, country: str, start: dt.datetime) -> str:
        while True:
            name = f"{PREFIX[role]}-{country}-{start:%Y-%m-%d}-{self.rng.getrandbits(16):04x}"
            if name not in self.names:
                self.names.add(name)
                return name

    def outcome(self, role: str, country: str) -> str:
        if country not in self.winners and role in ("inference", "transaction"):
            return "no_model"
        weights = _WEIGHTS[role]
        if country not in self.winners and role == "training":
            weights = {"data_quality_failed": 60, "succeeded": 30, "aborted": 10}
        return self.rng.choices(list(weights), list(weights.values()))[0]

    def add(self, role: str, country: str, start: dt.datetime, outcome: str | None = None,
            allow_running: bool = True, force_running: bool = False) -> PlannedExecution | None:
        outcome = outcome or self.outcome(role, country)
        duration = self.duration(role, outcome)
        running = force_running or start + duration > self.now
        if running:
            if not allow_running:
                return None
            outcome = RUNNING_TEMPLATE[role]
            duration = max(self.duration(role, outcome), (self.now - start) * 1.25)
        case = build_case(self.rng, role, outcome, country, start, self.winners)
        planned = PlannedExecution(role, outcome, self.name(role, country, start), country,
                                   start, duration, running, case)
        self.plan.append(planned)
        return planned

    def weekly(self, role: str, countries: tuple[str, ...]) -> list[PlannedExecution]:
        out = []
        for country in countries:
            start = self.base - HORIZON + dt.timedelta(days=self.rng.randrange(7),
                                                       hours=self.rng.uniform(1, 5))
            while start < self.now:
                planned = self.add(role, country, start)
                if planned:
                    out.append(planned)
                start += dt.timedelta(days=7, hours=self.rng.uniform(-3, 3))
        return out

    def chain(self, trainings: list[PlannedExecution]) -> None:
        """Evaluations after successful trainings, comparisons after successful evaluations."""
        for training in trainings:
            if training.status != "SUCCEEDED" or training.country not in self.winners:
                continue
            start = training.start + training.duration + dt.timedelta(minutes=self.rng.uniform(2, 10))
            if start >= self.now:
                continue
            evaluation = self.add("evaluation", training.country, start)
            model = "clf-{country}-{modelFamily}-{requestId}".format(**training.case.input)
            evaluation.case.input["modelName"] = model
            if evaluation.status != "SUCCEEDED":
                continue
            start = evaluation.start + evaluation.duration + dt.timedelta(minutes=self.rng.uniform(1, 5))
            if start >= self.now:
                continue
            pending = sum(p.real for p in self.plan) < PENDING_APPROVALS
            comparison = self.add("comparison", training.country, start, allow_running=pending)
            if comparison is None:
                continue
            comparison.real = comparison.running
            candidate = comparison.case.input["candidate"]
            candidate["modelName"] = model
            candidate["evaluationId"] = evaluation.name
            for _, item in evaluation.case.writes:
                item["benchmarkF1"] = candidate["macroF1"]

    def ensure_running(self, role: str, countries: tuple[str, ...], wanted: int = 1,
                       real: bool = False) -> None:
        """At least ``wanted`` running executions of ``role``."""
        have = sum(1 for p in self.plan if p.role == role and p.running)
        for _ in range(wanted - have):
            outcome = RUNNING_TEMPLATE[role]
            low, _ = _DURATIONS[(role, outcome)]
            ago = dt.timedelta(hours=self.rng.uniform(0.5, 18)) if real else \
                dt.timedelta(seconds=self.rng.uniform(0.15, 0.7) * low)
            busy = {p.country for p in self.plan if p.role == role and p.running}
            planned = self.add(role, self.rng.choice([x for x in countries if x not in busy]),
                               self.base - ago, outcome, force_running=True)
            planned.real = real

    def transactions(self) -> None:
        weights = {country: 3 if country in ("US", "DE", "UK") else 1 for country in c.COUNTRIES}
        weights.update({country: 0.4 for country in c.ONBOARDING_COUNTRIES})
        for _ in range(_TRANSACTIONS):
            ago = HORIZON * (self.rng.random() ** 2)
            country = self.rng.choices(list(weights), list(weights.values()))[0]
            self.add("transaction", country, self.base - ago, allow_running=False)


def plan_executions(seed: int, now: dt.datetime,
                    winners: dict[str, dict[str, Any]]) -> list[PlannedExecution]:
    """Every execution of the scenario, ordered by start date."""
    planner = _Planner(seed, now, winners)
    trainings = planner.weekly("training", c.COUNTRIES + c.ONBOARDING_COUNTRIES)
    planner.chain(trainings)
    planner.weekly("inference", c.COUNTRIES + c.ONBOARDING_COUNTRIES)
    planner.transactions()
    for role, wanted in (("training", 2), ("evaluation", 1), ("inference", 2)):
        planner.ensure_running(role, c.COUNTRIES, wanted)
    planner.ensure_running("comparison", c.COUNTRIES, PENDING_APPROVALS, real=True)
    return sorted(planner.plan, key=lambda p: p.start)
