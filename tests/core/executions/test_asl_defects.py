"""Fuzzing the validator with defects it must find: random valid definitions, each broken once, somewhere known.

Every generated definition is valid and must be accepted. Then one defect is put
into one state at a known depth (top level, inside a Parallel branch, inside a
Map's ItemProcessor or Iterator, nested in several of them), and the validator
must refuse it with the one reason the operator would read: the defect's own
message, naming the state where it is. A check that is skipped at some depth, or
that names the wrong place, fails here.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from opsconsole.core.executions.asl import AslError, parse_definition, state_names

TASK = "arn:aws:states:::lambda:invoke"
MISSING = "Nowhere"
MAX_DEPTH = 3


def _rule(rng: random.Random, target: str, depth: int = 0) -> dict:
    """A Choice rule in one of its shapes; ``target`` is its Next at the top."""
    shapes = ["numeric", "string", "boolean", "path", "test", "timestamp"] + (["not", "and", "or"] if depth < 2 else [])
    shape = rng.choice(shapes)
    if shape == "numeric":
        rule = {"Variable": "$.score", "NumericGreaterThanEquals": rng.choice([0, 0.5, 7])}
    elif shape == "string":
        rule = {"Variable": "$.status", "StringEquals": rng.choice(["PASSED", ""])}
    elif shape == "boolean":
        rule = {"Variable": "$.ok", "BooleanEquals": rng.random() < 0.5}
    elif shape == "path":
        rule = {"Variable": "$.a", "NumericLessThanPath": "$.b"}
    elif shape == "test":
        rule = {"Variable": "$.item", rng.choice(["IsPresent", "IsNull", "IsString"]): rng.random() < 0.5}
    elif shape == "timestamp":
        rule = {"Variable": "$.at", "TimestampLessThan": "2026-01-01T00:00:00Z"}
    elif shape == "not":
        rule = {"Not": _rule(rng, "", depth + 1)}
    else:
        rule = {shape.capitalize(): [_rule(rng, "", depth + 1) for _ in range(rng.randint(1, 3))]}
    if depth == 0:
        rule["Next"] = target
    return rule


def valid_machine(rng: random.Random, depth: int = 0, prefix: str = "") -> dict:
    """A valid scope: a chain of states (every one reachable), Choice loops and catches, nested scopes."""
    n = rng.randint(1, 5 if depth else 6)
    names = [f"{prefix}S{i}" for i in range(n)]
    states: dict = {}
    for i, name in enumerate(names):
        nxt = names[i + 1] if i + 1 < n else None
        if nxt is None:
            kinds = ["Pass", "Task", "Wait", "Succeed", "Fail"]
        else:
            kinds = ["Pass", "Task", "Wait", "Choice"]
        if depth < MAX_DEPTH:
            kinds += ["Parallel", "Map"]
        kind = rng.choice(kinds)
        body: dict = {"Type": kind}
        if kind == "Choice":
            body["Choices"] = [_rule(rng, rng.choice(names)) for _ in range(rng.randint(1, 3))]
            body["Default"] = nxt
            states[name] = body
            continue
        if kind == "Fail":
            body.update({"Error": "Model.Rejected", "Cause": "score too low"} if rng.random() < 0.5 else {})
        if kind in ("Succeed", "Fail"):
            states[name] = body
            continue
        if kind == "Task":
            body["Resource"] = TASK
        elif kind == "Wait":
            body["Seconds"] = rng.randint(1, 60)
        elif kind == "Parallel":
            body["Branches"] = [valid_machine(rng, depth + 1, f"{name}b{j}") for j in range(rng.randint(1, 3))]
        elif kind == "Map":
            key = rng.choice(["ItemProcessor", "Iterator"])
            body[key] = valid_machine(rng, depth + 1, f"{name}m")
        if kind in ("Task", "Parallel", "Map") and rng.random() < 0.3:
            body["Retry"] = [{"ErrorEquals": ["States.TaskFailed"]}, {"ErrorEquals": ["States.ALL"]}]
        if kind in ("Task", "Parallel", "Map") and rng.random() < 0.3:
            body["Catch"] = [{"ErrorEquals": ["States.ALL"], "Next": rng.choice(names)}]
        body.update({"Next": nxt} if nxt else {"End": True})
        states[name] = body
    return {"StartAt": names[0], "States": states}


@dataclass
class Site:
    """One state of a generated definition, and where it is."""

    name: str
    body: dict
    path: str  # as the validator's messages write it: States.P.Branches[1].States.X
    depth: int  # how many Parallel/Map states enclose it
    scope: dict  # the States object it is in
    prefix: str  # the path of that scope, up to "States"


def sites(machine: dict, prefix: str = "", depth: int = 0) -> Iterator[Site]:
    for name, body in machine["States"].items():
        path = f"{prefix}States.{name}"
        yield Site(name, body, path, depth, machine["States"], prefix)
        for i, branch in enumerate(body.get("Branches", [])):
            yield from sites(branch, f"{path}.Branches[{i}].", depth + 1)
        for key in ("ItemProcessor", "Iterator"):
            if key in body:
                yield from sites(body[key], f"{path}.{key}.", depth + 1)


FLOWING = ("Task", "Pass", "Wait", "Parallel", "Map")
#: A defect: breaks the site in place and returns the reason the operator must read, or None if it does not apply.
Defect = Callable[[Site, dict, random.Random], "str | None"]


def no_next_or_end(s: Site, doc: dict, rng: random.Random) -> str | None:
    if s.body["Type"] not in FLOWING:
        return None
    s.body.pop("Next", None)
    s.body.pop("End", None)
    return f'{s.path} needs Next or "End": true'


def next_and_end(s: Site, doc: dict, rng: random.Random) -> str | None:
    if s.body["Type"] not in FLOWING:
        return None
    if "Next" in s.body:
        s.body["End"] = True
    else:
        s.body["Next"] = rng.choice(list(s.scope))
    return f"{s.path} has both Next and End"


def next_to_missing_state(s: Site, doc: dict, rng: random.Random) -> str | None:
    if s.body["Type"] not in FLOWING:
        return None
    s.body.pop("End", None)
    s.body["Next"] = MISSING
    return f'{s.path}.Next points to missing state "{MISSING}"'


def next_out_of_scope(s: Site, doc: dict, rng: random.Random) -> str | None:
    outside = [o.name for o in sites(doc) if o.name not in s.scope]
    if s.body["Type"] not in FLOWING or not outside:
        return None
    target = rng.choice(outside)
    s.body.pop("End", None)
    s.body["Next"] = target
    return f'{s.path}.Next points to "{target}", which is outside its own branch or processor'


def catch_to_missing_state(s: Site, doc: dict, rng: random.Random) -> str | None:
    if "Catch" not in s.body:
        return None
    s.body["Catch"][0]["Next"] = MISSING
    return f'{s.path}.Catch[0].Next points to missing state "{MISSING}"'


def catch_without_next(s: Site, doc: dict, rng: random.Random) -> str | None:
    if s.body["Type"] not in ("Task", "Parallel", "Map"):
        return None
    s.body["Catch"] = [{"ErrorEquals": ["States.ALL"]}]
    return f"{s.path}.Catch[0].Next is missing"


def catch_where_it_cannot_be(s: Site, doc: dict, rng: random.Random) -> str | None:
    if s.body["Type"] in ("Task", "Parallel", "Map"):
        return None
    s.body["Catch"] = [{"ErrorEquals": ["States.ALL"], "Next": s.name}]
    return f"{s.path}: a {s.body['Type']} state cannot have Catch"


def end_on_a_state_that_ends_anyway(s: Site, doc: dict, rng: random.Random) -> str | None:
    kind = s.body["Type"]
    if kind not in ("Choice", "Succeed", "Fail"):
        return None
    if rng.random() < 0.5:
        s.body["Next"] = s.name
        return f"{s.path}: a {kind} state cannot have Next"
    s.body["End"] = rng.choice([True, False])
    return f"{s.path}: a {kind} state cannot have End"


def unknown_type(s: Site, doc: dict, rng: random.Random) -> str | None:
    wrong = s.body["Type"].lower()
    s.body["Type"] = wrong
    return f'{s.path}: Type "{wrong}" is not a state type'


def task_without_resource(s: Site, doc: dict, rng: random.Random) -> str | None:
    if s.body["Type"] != "Task":
        return None
    del s.body["Resource"]
    return f"{s.path}: Task needs a Resource"


def choice_rule_without_condition(s: Site, doc: dict, rng: random.Random) -> str | None:
    if s.body["Type"] != "Choice":
        return None
    i = rng.randrange(len(s.body["Choices"]))
    s.body["Choices"][i] = {"Variable": "$.x", "Next": s.body["Choices"][i]["Next"]}
    return f"{s.path}.Choices[{i}] has no condition (Variable with a comparison, And/Or/Not, or Condition)"


def choice_rule_without_next(s: Site, doc: dict, rng: random.Random) -> str | None:
    if s.body["Type"] != "Choice":
        return None
    i = rng.randrange(len(s.body["Choices"]))
    del s.body["Choices"][i]["Next"]
    return f"{s.path}.Choices[{i}].Next is missing"


def choice_rule_with_a_broken_inner_rule(s: Site, doc: dict, rng: random.Random) -> str | None:
    if s.body["Type"] != "Choice":
        return None
    i = rng.randrange(len(s.body["Choices"]))
    op = rng.choice(["And", "Or", "Not"])
    good = {"Variable": "$.a", "IsPresent": True}
    broken = {"Variable": "$.b"}
    rule = {"Next": s.body["Choices"][i]["Next"]}
    if op == "Not":
        rule["Not"] = broken
        where = f"{s.path}.Choices[{i}].Not"
    else:
        rule[op] = [good, broken]
        where = f"{s.path}.Choices[{i}].{op}[1]"
    s.body["Choices"][i] = rule
    return f"{where} has no condition (Variable with a comparison, And/Or/Not, or Condition)"


def choice_default_to_missing_state(s: Site, doc: dict, rng: random.Random) -> str | None:
    if s.body["Type"] != "Choice":
        return None
    s.body["Default"] = MISSING
    return f'{s.path}.Default points to missing state "{MISSING}"'


def parallel_without_branches(s: Site, doc: dict, rng: random.Random) -> str | None:
    if s.body["Type"] != "Parallel":
        return None
    s.body["Branches"] = rng.choice([[], None])
    return f"{s.path}: Parallel needs a non-empty Branches list"


def branch_without_start(s: Site, doc: dict, rng: random.Random) -> str | None:
    if s.body["Type"] != "Parallel":
        return None
    i = rng.randrange(len(s.body["Branches"]))
    del s.body["Branches"][i]["StartAt"]
    return f"{s.path}.Branches[{i}].StartAt is missing"


def map_without_processor(s: Site, doc: dict, rng: random.Random) -> str | None:
    if s.body["Type"] != "Map":
        return None
    s.body.pop("ItemProcessor", None)
    s.body.pop("Iterator", None)
    return f"{s.path}: Map needs an ItemProcessor (or Iterator)"


def processor_start_at_missing_state(s: Site, doc: dict, rng: random.Random) -> str | None:
    if s.body["Type"] != "Map":
        return None
    key = "ItemProcessor" if "ItemProcessor" in s.body else "Iterator"
    s.body[key]["StartAt"] = MISSING
    return f'{s.path}.{key}.StartAt points to missing state "{MISSING}"'


def unreachable_state(s: Site, doc: dict, rng: random.Random) -> str | None:
    orphan = f"{s.name} orphan"
    s.scope[orphan] = {"Type": "Succeed"}
    return f'{s.prefix}States.{orphan}: State "{orphan}" is not reachable.'


def retry_where_it_cannot_be(s: Site, doc: dict, rng: random.Random) -> str | None:
    kind = s.body["Type"]
    if kind in ("Task", "Parallel", "Map"):
        return None
    s.body["Retry"] = [{"ErrorEquals": ["States.ALL"]}]
    return f"{s.path}.Retry: A {kind} state cannot have Retry."


def states_all_not_last(s: Site, doc: dict, rng: random.Random) -> str | None:
    if s.body["Type"] not in ("Task", "Parallel", "Map"):
        return None
    s.body["Retry"] = [{"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["States.Timeout"]}]
    return f'{s.path}.Retry[0].ErrorEquals: "States.ALL" must be in the last Retry entry.'


def wait_with_two_durations(s: Site, doc: dict, rng: random.Random) -> str | None:
    if s.body["Type"] != "Wait":
        return None
    s.body["Timestamp"] = "2026-12-01T00:00:00Z"
    return (f"{s.path}: A Wait state needs exactly one of Seconds, Timestamp, SecondsPath or TimestampPath"
            " (it has Seconds, Timestamp).")


DEFECTS: list[Defect] = [
    no_next_or_end, next_and_end, next_to_missing_state, next_out_of_scope, catch_to_missing_state,
    catch_without_next, catch_where_it_cannot_be, end_on_a_state_that_ends_anyway, unknown_type,
    task_without_resource, choice_rule_without_condition, choice_rule_without_next,
    choice_rule_with_a_broken_inner_rule, choice_default_to_missing_state, parallel_without_branches,
    branch_without_start, map_without_processor, processor_start_at_missing_state, unreachable_state,
    retry_where_it_cannot_be, states_all_not_last, wait_with_two_durations,
]


def broken_definitions(seed: int, count: int) -> Iterator[tuple[dict, dict, str, str, int]]:
    """(valid definition, the same with one defect, the defect's name, the expected reason, its depth)."""
    rng = random.Random(seed)
    made = 0
    while made < count:
        valid = {"Comment": "generated", **valid_machine(rng)}
        defect = DEFECTS[made % len(DEFECTS)]
        # Deep states are fewer: pick a depth first, so every depth gets its share.
        valid_sites = list(sites(valid))
        depth = rng.choice(sorted({s.depth for s in valid_sites}))
        order = [i for i, s in enumerate(valid_sites) if s.depth == depth]
        rng.shuffle(order)
        broken = None
        for i in order:  # the first state of that depth the defect applies to
            if broken != valid:  # a defect that did not apply may have left it as it was: no new copy then
                broken = json.loads(json.dumps(valid))  # a deep copy (JSON data only), faster than deepcopy
                broken_sites = list(sites(broken))
            site = broken_sites[i]
            reason = defect(site, broken, rng)
            if reason is not None:
                made += 1
                yield valid, broken, defect.__name__, reason, site.depth
                break


def test_generated_definitions_are_valid_and_every_injected_defect_is_refused_with_its_own_reason():
    seen: Counter = Counter()
    for valid, broken, defect, reason, depth in broken_definitions(seed=15, count=1500):
        accepted = parse_definition(valid)
        assert state_names(accepted) == [s.name for s in sites(valid)]
        with pytest.raises(AslError) as caught:
            parse_definition(broken)
        assert str(caught.value) == reason, f"{defect} at depth {depth}"
        seen[defect, min(depth, 2)] += 1
    # Each defect was put at the top level, one level down and deeper, several times.
    missing = [(d.__name__, depth) for d in DEFECTS for depth in (0, 1, 2) if seen[d.__name__, depth] < 3]
    assert not missing, missing


def test_the_generator_reaches_every_depth_and_every_state_type():
    rng = random.Random(3)
    found = [s for _ in range(200) for s in sites(valid_machine(rng))]
    assert {s.depth for s in found} == set(range(MAX_DEPTH + 1))
    assert {s.body["Type"] for s in found if s.depth == MAX_DEPTH} == {"Pass", "Task", "Wait", "Choice", "Succeed",
                                                                       "Fail"}
    assert {"ItemProcessor", "Iterator"} <= {s.path.split(".")[-3] for s in found if s.depth}
