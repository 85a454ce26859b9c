"""Same seed, same scenario; another seed, another one."""

from __future__ import annotations

import datetime as dt


from opsconsole.sandbox.scenario.seeding import plan_for

NOW = dt.datetime(2026, 6, 15, 9, 30, tzinfo=dt.timezone.utc)


def _summary(plan):
    return [(p.state_machine, p.name, p.status) for p in plan]


def test_same_seed_same_plan():
    assert _summary(plan_for(7, NOW)) == _summary(plan_for(7, NOW))
    assert [p.case.input for p in plan_for(7, NOW)] == [p.case.input for p in plan_for(7, NOW)]


def test_other_seed_other_plan():
    seven, eight = _summary(plan_for(7, NOW)), _summary(plan_for(8, NOW))
    assert seven != eight
    assert len({name for _, name, _ in seven} & {name for _, name, _ in eight}) < len(seven) // 10


def test_the_sandbox_serves_its_plan(sandbox, sfn, all_executions):
    """The listing is the plan for the sandbox's seed and start time (tests may add executions)."""
    planned = {(p.name, p.status) for p in plan_for(sandbox.seed, sandbox.scenario.now)}
    served = {(e["name"], e["status"]) for arn in sandbox.scenario.state_machines.values()
              for e in all_executions(sfn, arn)}
    names = {name for name, _ in planned}
    served_planned = {(name, status) for name, status in served if name in names}
    changed = planned - served_planned  # executions that tests stopped or approved
    assert len(changed) <= len(planned) // 100
    assert {name for name, _ in served_planned} == names
