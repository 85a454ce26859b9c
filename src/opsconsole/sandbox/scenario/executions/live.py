"""Light live activity: a new real execution every few seconds, so the console shows change.

A background thread starts an execution of a random state machine for a
random country every 3-6 s (seeded), with an input that ends by itself within
seconds (no approval waits, no long timeouts). Stopped by :meth:`LiveActivity.stop`.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import random

from opsconsole.sandbox.scenario.clients import Clients
from opsconsole.sandbox.scenario import catalog as c
from opsconsole.sandbox.scenario.executions.cases import OUTCOMES, build_case
from opsconsole.sandbox.scenario.executions.models import put_rows, read_winners
from opsconsole.sandbox.scenario.executions.plan import PREFIX
from opsconsole.sandbox.scenario.background import Background

log = logging.getLogger(__name__)

_ROLE_WEIGHTS = {"transaction": 45, "inference": 15, "training": 15, "evaluation": 15, "comparison": 10}
#: outcomes a live run reaches by itself: no operator action, no recording-only timeout
_LIVE_OUTCOMES = {role: [name for name, outcome in outcomes.items()
                         if outcome.driver is None and not outcome.recording
                         and not (role == "comparison" and name != "kept")]
                  for role, outcomes in OUTCOMES.items()}


class LiveActivity(Background):
    """Starts real executions in the background until stopped."""

    thread_name = "sandbox-live"

    def __init__(self, clients: Clients, state_machines: dict[str, str], seed: int,
                 interval: tuple[float, float] = (3.0, 6.0)):
        self.clients = clients
        self.state_machines = state_machines
        self.interval = interval
        self.started: list[str] = []
        self._rng = random.Random(f"{seed}:live")
        super().__init__()

    def _run(self) -> None:
        while not self._stopping.wait(self._rng.uniform(*self.interval)):
            try:
                self.started.append(self.start_one())
            except Exception:  # keep the sandbox alive; the next tick tries again
                if not self._stopping.is_set():
                    log.exception("sandbox: live activity could not start an execution")

    def start_one(self) -> str:
        """Start one real execution; returns its ARN."""
        rng = self._rng
        role = rng.choices(list(_ROLE_WEIGHTS), list(_ROLE_WEIGHTS.values()))[0]
        outcome = rng.choice(_LIVE_OUTCOMES[role])
        winners = read_winners(self.clients.dynamodb)
        if outcome == "no_model":
            country = rng.choice(c.ONBOARDING_COUNTRIES)
        else:
            country = rng.choice(sorted(winners))
        now = dt.datetime.now(dt.timezone.utc)
        case = build_case(rng, role, outcome, country, now, winners)
        if case.writes:
            put_rows(self.clients.dynamodb, case.writes)
        name = f"{PREFIX[role]}-{country}-{now:%Y-%m-%d}-{rng.getrandbits(16):04x}"
        response = self.clients.stepfunctions.start_execution(
            stateMachineArn=self.state_machines[role], name=name, input=json.dumps(case.input))
        log.debug("sandbox: live %s/%s started %s", role, outcome, name)
        return response["executionArn"]
