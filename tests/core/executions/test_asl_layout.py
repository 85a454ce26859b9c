"""Layout properties of every graph (not pixel positions): containment, no overlaps, edges attached, layering."""

from __future__ import annotations

import hashlib
import json
import os
import random
import subprocess
import sys
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from opsconsole.core.executions.asl import Graph, StateNode, build_graph, parse_definition, state_names

DATA = Path(__file__).resolve().parents[2] / "data" / "asl"
EPS = 0.5


def _definitions() -> dict[str, object]:
    from opsconsole.sandbox.scenario.executions.definitions import build_definitions

    defs: dict[str, object] = {p.stem: p.read_text(encoding="utf-8") for p in sorted(DATA.glob("*.json"))}
    defs.update({f"sandbox-{k}": v for k, v in build_definitions("http://127.0.0.1:4599").items()})
    return defs


DEFINITIONS = _definitions()


def inside(inner: StateNode, outer: StateNode) -> bool:
    return (inner.x >= outer.x - EPS and inner.y >= outer.y - EPS
            and inner.x + inner.w <= outer.x + outer.w + EPS and inner.y + inner.h <= outer.y + outer.h + EPS)


def overlap(a: StateNode, b: StateNode) -> bool:
    return (a.x < b.x + b.w - EPS and b.x < a.x + a.w - EPS and a.y < b.y + b.h - EPS and b.y < a.y + a.h - EPS)


def on_box(point: tuple[float, float], n: StateNode) -> bool:
    x, y = point
    return n.x - EPS <= x <= n.x + n.w + EPS and n.y - EPS <= y <= n.y + n.h + EPS


def ancestors(graph: Graph, node_id: str) -> set[str]:
    out, node = set(), graph.node(node_id)
    while node is not None and node.parent is not None:
        out.add(node.parent)
        node = graph.node(node.parent)
    return out


def check_layout(graph: Graph, definition: object) -> None:
    """Every structural promise of the layout, for one graph."""
    ids = {n.id for n in graph.nodes}
    assert len(ids) == len(graph.nodes), "node ids are unique"
    assert {n.id for n in graph.nodes if n.is_state} == set(state_names(definition))
    siblings: dict[str | None, list[StateNode]] = defaultdict(list)
    for n in graph.nodes:
        assert n.w > 0 and n.h > 0
        assert n.x >= -EPS and n.y >= -EPS and n.x + n.w <= graph.width + EPS and n.y + n.h <= graph.height + EPS
        siblings[n.parent].append(n)
        if n.parent is not None:
            parent = graph.node(n.parent)
            assert parent is not None and parent.is_container, n.id
            assert inside(n, parent), f"{n.id} lies outside {n.parent}"
            assert n.depth == parent.depth + 1
    for group in siblings.values():
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                assert not overlap(a, b), f"{a.id} overlaps {b.id}"
    leaves = [n for n in graph.nodes if not n.is_container]
    scopes = siblings
    for e in graph.edges:
        src, dst = graph.node(e.source), graph.node(e.target)
        assert src is not None and dst is not None
        assert src.parent == dst.parent, "transitions stay inside their scope"
        assert len(e.points) >= 2
        assert on_box(e.points[0], src), f"{e.source}->{e.target} does not start at its source"
        assert on_box(e.points[-1], dst), f"{e.source}->{e.target} does not end at its target"
        if e.label:
            assert e.label_pos is not None
        if e.source == e.target:
            continue
        # No segment runs through a box it has nothing to do with.
        exempt = {e.source, e.target} | ancestors(graph, e.source)
        others = [(o.x, o.x + o.w, o.y, o.y + o.h, o) for o in scopes[src.parent] if o.id not in exempt]
        for p, q in zip(e.points, e.points[1:]):
            lox, hix, loy, hiy = min(p[0], q[0]), max(p[0], q[0]), min(p[1], q[1]), max(p[1], q[1])
            for x0, x1, y0, y1, other in others:
                if x0 > hix or x1 < lox or y0 > hiy or y1 < loy:
                    continue  # wholly beside the segment: it cannot cross the box
                assert not segment_hits(p, q, other), f"{e.source}->{e.target} crosses {other.id}"
        if e.label_pos:
            for other in leaves:
                if other.parent == src.parent:
                    assert not (other.x < e.label_pos[0] < other.x + other.w
                                and other.y < e.label_pos[1] < other.y + other.h), f"label over {other.id}"


def segment_hits(p: tuple[float, float], q: tuple[float, float], n: StateNode, shrink: float = 1.0) -> bool:
    """Does segment p-q pass through the interior of n's box (Liang-Barsky clipping)?"""
    x0, y0, x1, y1 = n.x + shrink, n.y + shrink, n.x + n.w - shrink, n.y + n.h - shrink
    t0, t1 = 0.0, 1.0
    dx, dy = q[0] - p[0], q[1] - p[1]
    for pk, qk in ((-dx, p[0] - x0), (dx, x1 - p[0]), (-dy, p[1] - y0), (dy, y1 - p[1])):
        if pk == 0:
            if qk < 0:
                return False
        else:
            t = qk / pk
            if pk < 0:
                t0 = max(t0, t)
            else:
                t1 = min(t1, t)
    return t0 < t1


def reaches(definition: object) -> dict[str, set[str]]:
    """For each state, the states reachable from it through transitions in its own scope."""
    d = parse_definition(definition)
    succ: dict[str, list[str]] = {}
    for name, info in d.states.items():
        body = info.body
        targets = [body.get("Next"), body.get("Default")]
        targets += [r.get("Next") for r in body.get("Choices", [])] + [c.get("Next") for c in body.get("Catch", [])]
        succ[name] = [t for t in targets if t]
    out = {}
    for name in succ:
        seen, stack = set(), list(succ[name])
        while stack:
            t = stack.pop()
            if t not in seen:
                seen.add(t)
                stack.extend(succ.get(t, []))
        out[name] = seen
    return out


@pytest.fixture(scope="module")
def graphs() -> Callable[[str], Graph]:
    """A sample definition's graph by name, laid out once for the tests that only read it (a Graph is frozen).

    Laid out when first asked for in a test, never at import: a mutation run's child must lay it out with
    its own mutant, not inherit a graph laid out before.
    """
    built: dict[str, Graph] = {}

    def graph(name: str) -> Graph:
        if name not in built:
            built[name] = build_graph(DEFINITIONS[name])
        return built[name]

    return graph


@pytest.mark.parametrize("name", sorted(DEFINITIONS))
def test_layout_properties(name, graphs):
    check_layout(graphs(name), DEFINITIONS[name])


@pytest.mark.parametrize("name", sorted(DEFINITIONS))
def test_next_targets_lie_below_their_source_outside_cycles(name, graphs):
    definition = DEFINITIONS[name]
    graph, reach = graphs(name), reaches(definition)
    for e in graph.edges:
        if e.kind in ("start", "end") or e.source in reach.get(e.target, set()):
            continue  # part of a cycle: one of its edges has to point up
        src, dst = graph.node(e.source), graph.node(e.target)
        assert dst.y >= src.y + src.h, f"{e.source} -> {e.target} does not go down"
    start = graph.node("#start")
    assert all(n.y > start.y for n in graph.nodes if n.parent is None and n.id != "#start")


def test_cycles_are_drawn_with_an_upward_edge():
    graph = build_graph(DEFINITIONS["catch_and_retry"])
    back = next(e for e in graph.edges if e.kind == "default")
    assert (back.source, back.target) == ("Job finished?", "Wait before polling")
    assert back.points[0][1] > back.points[-1][1]


def test_a_transition_back_to_its_own_state_loops_out_on_the_right_with_its_label_beside_it():
    from opsconsole.core.executions.asl import DEFAULT_METRICS, MARGIN

    definition = {"StartAt": "Score", "States": {
        "Score": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Next": "Poll",
                  "Catch": [{"ErrorEquals": ["States.Timeout"], "Next": "Score"}]},
        "Poll": {"Type": "Choice", "Choices": [{"Variable": "$.again", "BooleanEquals": True, "Next": "Poll"}],
                 "Default": "Done"},
        "Done": {"Type": "Succeed"}}}
    graph = build_graph(definition)
    loops = [e for e in graph.edges if e.source == e.target]
    assert [(e.source, e.label) for e in loops] == [("Score", "States.Timeout"), ("Poll", "$.again == true")]
    for e in loops:
        box = graph.node_for_state(e.source)
        right, mid = box.x + box.w, box.y + box.h / 2
        # Out of the right side 8 px above the middle, 18 px across, back in 8 px below.
        assert e.points == ((right, mid - 8), (right + 18, mid - 8), (right + 18, mid + 8), (right, mid + 8))
        # The label's pill starts 4 px right of the loop, level with it, and stays inside the graph's margin.
        pill = DEFAULT_METRICS.label_width(e.label) + 14
        assert e.label_pos == (right + 18 + 4 + pill / 2, mid)
        assert e.label_pos[0] + pill / 2 <= graph.width - MARGIN
        for other in graph.nodes:
            if other.id != e.source and other.parent == box.parent:
                assert not (other.x < e.label_pos[0] + pill / 2 and e.label_pos[0] - pill / 2 < other.x + other.w
                            and other.y < mid + 9 and mid - 9 < other.y + other.h), f"label over {other.id}"


def test_layout_is_deterministic(graphs):
    for name, definition in DEFINITIONS.items():
        assert build_graph(definition) == graphs(name)  # laid out twice, in this test or an earlier one
    text = DEFINITIONS["deep_nesting"]
    assert build_graph(text) == build_graph(json.loads(text))


def test_layout_does_not_depend_on_hash_seeds(graphs):
    # This process hashes strings with a random seed (or the one PYTHONHASHSEED names); the child hashes
    # them with another one: the same graph either way.
    seed = "2" if os.environ.get("PYTHONHASHSEED") == "1" else "1"
    script = ("import hashlib, sys; from opsconsole.core.executions.asl import build_graph; "
              "print(hashlib.sha256(repr(build_graph(open(sys.argv[1]).read())).encode()).hexdigest())")
    out = subprocess.run([sys.executable, "-c", script, str(DATA / "generated_300_states.json")],
                         capture_output=True, text=True, check=True, env={**os.environ, "PYTHONHASHSEED": seed})
    here = hashlib.sha256(repr(graphs("generated_300_states")).encode()).hexdigest()
    assert out.stdout.strip() == here


def test_containers_are_sized_from_their_children():
    graph = build_graph(DEFINITIONS["parallel_three_branches"])
    parallel = graph.node_for_state("Fan out checks")
    branches = [n for n in graph.nodes if n.parent == "Fan out checks"]
    assert [b.id for b in branches] == [f"Fan out checks#branch{i}" for i in range(3)]
    assert all(b.type == "Branch" and b.is_container for b in branches)
    # Branches sit side by side, in order, and equally tall.
    assert [b.x for b in branches] == sorted(b.x for b in branches)
    assert len({b.h for b in branches}) == 1
    assert parallel.w >= sum(b.w for b in branches)


def test_deep_nesting_keeps_depths():
    graph = build_graph(DEFINITIONS["deep_nesting"])
    assert graph.node_for_state("Tokenise").depth == 10  # 5 containers, each with a branch/processor frame
    assert graph.node_for_state("Analyse catalogue").depth == 0


def test_300_states_lay_out(graphs):
    graph = graphs("generated_300_states")
    assert graph.state_count == 300
    assert graph.height > graph.width  # a pipeline reads top to bottom


# A random but valid definition: a chain of states in each scope, with forward
# jumps, back jumps (loops), catches and nested Parallel/Map containers. Made with
# a Random Hypothesis seeds: drawing each choice through Hypothesis took most of the
# test's time; a failure shows the definition (``note``) and Hypothesis keeps its seed.
def random_definition(rng: random.Random, depth: int = 0, prefix: str = "S") -> dict:
    n = rng.randint(1, 6 if depth else 8)
    names = [f"{prefix}{i}" for i in range(n)]
    states: dict = {}
    for i, name in enumerate(names):
        kind = rng.choice(["Pass", "Task", "Choice", "Wait", "Fail"] + (["Parallel", "Map"] if depth < 3 else []))
        nxt = names[i + 1] if i + 1 < n else None
        if kind == "Fail" or (kind == "Choice" and nxt is None):
            states[name] = {"Type": "Fail"} if kind == "Fail" else {"Type": "Succeed"}
            continue
        if kind == "Choice":
            rules = [{"Variable": "$.x", "NumericEquals": j, "Next": rng.choice(names)} for j in range(rng.randint(1, 3))]
            states[name] = {"Type": "Choice", "Choices": rules, "Default": nxt}
            continue
        body: dict = {"Type": kind}
        if kind == "Task":
            body["Resource"] = "arn:aws:states:::lambda:invoke"
        if kind == "Wait":
            body["Seconds"] = 1
        if kind == "Parallel":
            body["Branches"] = [random_definition(rng, depth + 1, f"{name}b{j}_") for j in range(rng.randint(1, 3))]
        if kind == "Map":
            body["ItemProcessor"] = random_definition(rng, depth + 1, f"{name}m_")
        if kind in ("Task", "Parallel", "Map") and rng.random() < 0.5:
            body["Catch"] = [{"ErrorEquals": ["States.ALL"], "Next": rng.choice(names)}]
        body.update({"Next": nxt} if nxt else {"End": True})
        states[name] = body
    # AWS refuses states nothing leads to: keep the ones reachable from the start.
    reached, todo = set(), [names[0]]
    while todo:
        name = todo.pop()
        if name not in reached:
            reached.add(name)
            body = states[name]
            todo += [body.get("Next"), body.get("Default")] if body.get("Next") or body.get("Default") else []
            todo += [r["Next"] for r in body.get("Choices", [])] + [c["Next"] for c in body.get("Catch", [])]
            todo = [t for t in todo if t]
    return {"StartAt": names[0], "States": {k: v for k, v in states.items() if k in reached}}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.randoms(use_true_random=True))
def test_layout_properties_hold_for_random_definitions(rng):
    definition = random_definition(rng)
    note(json.dumps(definition))
    graph = build_graph(definition)
    check_layout(graph, definition)
    assert graph == build_graph(definition)


def test_random_definitions_are_valid_and_nest_every_container_kind():
    rng = random.Random(5)
    made = [random_definition(rng) for _ in range(200)]
    types = set()

    def walk(machine: dict, depth: int) -> None:
        for body in machine["States"].values():
            types.add((body["Type"], min(depth, 2)))
            for inner in body.get("Branches", []) + ([body["ItemProcessor"]] if "ItemProcessor" in body else []):
                walk(inner, depth + 1)

    for definition in made:
        parse_definition(definition)  # valid: raises otherwise
        walk(definition, 0)
    assert {("Parallel", 1), ("Map", 1), ("Parallel", 2), ("Map", 2), ("Choice", 2), ("Task", 2)} <= types


# -- text measured by the caller -----------------------------------------------------------------
class _Proportional:
    """A font where 'W' is four times as wide as 'i': what a real font does to average-width guesses."""

    name_line_height, label_line_height = 18.0, 14.0

    @staticmethod
    def _w(text: str, base: float) -> float:
        return sum(base * (2.0 if c in "WM" else 0.5 if c in "il" else 1.0) for c in text)

    def name_width(self, text: str) -> float:
        return self._w(text, 7.0)

    def label_width(self, text: str) -> float:
        return self._w(text, 6.0)


def _two_states(first: str, second: str) -> dict:
    return {"StartAt": first, "States": {first: {"Type": "Pass", "Next": second}, second: {"Type": "Succeed"}}}


def test_boxes_are_sized_with_the_callers_text_metrics():
    metrics = _Proportional()
    wide, narrow = "WWWWWWWWWWWW", "iiiiiiiiiiii"  # the same number of characters
    graph = build_graph(_two_states(wide, narrow), metrics)
    w, n = graph.node_for_state(wide), graph.node_for_state(narrow)
    assert w.w > n.w  # average glyph widths would make them equal
    assert w.w == metrics.name_width(wide) + 24
    assert (graph.name_line_height, graph.label_line_height) == (18.0, 14.0)
    assert w.h == 18.0 + 14.0 + 20  # one name line, one label line ("Pass")
    plain = build_graph(_two_states(wide, narrow))
    assert plain.node_for_state(wide).w == plain.node_for_state(narrow).w


def test_names_wrap_where_the_callers_font_runs_out_of_room():
    metrics = _Proportional()
    name = " ".join(["WWWW"] * 8)  # three words to a 216 px line in this font
    graph = build_graph(_two_states(name, "Done"), metrics)
    node = graph.node_for_state(name)
    assert node.name_lines == ("WWWW WWWW WWWW", "WWWW WWWW WWWW", "WWWW WWWW")
    assert all(metrics.name_width(line) <= 216 for line in node.name_lines)
    assert len(build_graph(_two_states(name, "Done")).node_for_state(name).name_lines) == 2


def test_wrap_breaks_long_words_and_ends_cut_text_with_an_ellipsis():
    from opsconsole.core.executions.asl import wrap

    assert wrap("a" * 25, len, 10, 5) == ["a" * 10, "a" * 10, "a" * 5]
    assert wrap("one two three four", len, 9, 1) == ["one two…"]
    assert wrap("abcdefghij klm", len, 10, 1) == ["abcdefghi…"]
    assert wrap("", len, 10, 2) == [""]


def test_a_word_too_long_for_a_line_fills_every_line_it_is_broken_over():
    from opsconsole.core.executions.asl import wrap

    word = "arn:aws:states:eu"
    for room in range(1, 9):  # down to a line with room for a single character
        lines = wrap(word, len, room, 99)
        assert "".join(lines) == word
        assert [len(line) for line in lines[:-1]] == [room] * (len(lines) - 1)
        assert 1 <= len(lines[-1]) <= room


def test_text_cut_after_its_last_line_keeps_as_much_as_fits_before_the_ellipsis():
    from opsconsole.core.executions.asl import wrap

    for room in range(2, 12):
        # "Validate" is the first line when it fits, else its first `room` letters; one line kept, cut to fit "…"
        assert wrap("Validate incoming orders", len, room, 1) == ["Validate"[:min(room - 1, 8)] + "…"]


def test_words_that_fit_exactly_share_a_line_and_a_cut_line_drops_its_trailing_space():
    from opsconsole.core.executions.asl import wrap

    assert wrap("ab cd", len, 5, 9) == ["ab cd"]
    assert wrap("abcde f gh", len, 7, 1) == ["abcde…"]  # not "abcde …"


def _leaf(name, w, h):
    from opsconsole.core.executions.asl.layout import Box

    return Box(name, w=w, h=h)


def test_parallel_branches_stand_side_by_side_tops_aligned_equal_heights_inside_their_frame():
    from opsconsole.core.executions.asl.layout import Box, layout

    row = Box("P", kind="row", header=20, pad=12, children=[_leaf("a", 100, 50), _leaf("b", 60, 80)])
    layout(row)
    a, b = row.children
    assert (row.x, row.y) == (0.0, 0.0)
    assert (a.x, a.y, a.h) == (12.0, 32.0, 80.0)  # below the title and padding, as tall as the tallest
    assert (b.x, b.y, b.h) == (12.0 + 100 + 15, 32.0, 80.0)  # half a box gap between branches
    assert (row.w, row.h) == (12 + 100 + 15 + 60 + 12, 20 + 12 + 80 + 12)


def test_branches_narrower_than_their_title_are_centred_under_it():
    from opsconsole.core.executions.asl.layout import Box, layout

    row = Box("P", kind="row", header=20, pad=12, min_w=300, children=[_leaf("a", 100, 50), _leaf("b", 60, 80)])
    layout(row)
    a, b = row.children
    assert row.w == 300
    assert a.x - row.x == pytest.approx(row.x + row.w - (b.x + b.w))  # as much room left as right


def test_a_labelled_link_inside_a_nested_scope_has_its_label_between_its_boxes():
    from opsconsole.core.executions.asl.layout import Box, Link, layout

    inner = Box("branch", kind="graph", header=16, pad=10, children=[_leaf("a", 120, 40), _leaf("b", 120, 40)],
                links=[Link("a", "b", label_w=60, label_h=18)])
    row = Box("P", kind="row", header=20, pad=12, children=[_leaf("x", 200, 40), inner])
    root = Box("#root", kind="graph", pad=24, children=[_leaf("s", 70, 26), row], links=[Link("s", "P")])
    layout(root)
    a, b = inner.children
    (lx, ly), link = inner.links[0].label_pos, inner.links[0]
    assert inner.x > 100 and inner.y > 50  # well inside the root: offsets matter
    assert a.y + a.h < ly < b.y
    assert inner.x < lx < inner.x + inner.w
    assert link.points[0][1] == pytest.approx(a.y + a.h) and link.points[-1][1] == pytest.approx(b.y)


def _choice(rules, default=None):
    body = {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericEquals": i, "Next": t} for i, t in enumerate(rules)]}
    return body | ({"Default": default} if default else {})


def test_a_branch_listing_its_states_out_of_order_still_starts_at_the_top_even_in_a_loop():
    # "Check" is listed first but entered second; it loops back to "Fetch", where the branch starts.
    branch = {"StartAt": "Fetch", "States": {"Check": _choice(["Fetch"], "Done"),
                                             "Fetch": {"Type": "Pass", "Next": "Check"},
                                             "Done": {"Type": "Succeed"}}}
    graph = build_graph({"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": True, "Branches": [branch]}}})
    fetch, check, done = (graph.node_for_state(n) for n in ("Fetch", "Check", "Done"))
    assert fetch.y < check.y < done.y


def test_a_loop_further_down_a_branch_is_drawn_in_the_order_it_is_entered_whatever_order_it_is_listed_in():
    # Nothing leads back to Prepare, where the branch starts; the loop below it is entered at Fetch although
    # Check is listed first: Fetch above Check, only the edge back from Check to Fetch points up.
    branch = {"StartAt": "Prepare", "States": {"Check": _choice(["Fetch"], "Done"),
                                               "Fetch": {"Type": "Pass", "Next": "Check"},
                                               "Prepare": {"Type": "Pass", "Next": "Fetch"},
                                               "Done": {"Type": "Succeed"}}}
    graph = build_graph({"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": True, "Branches": [branch]}}})
    prepare, fetch, check, done = (graph.node_for_state(n) for n in ("Prepare", "Fetch", "Check", "Done"))
    assert prepare.y < fetch.y < check.y < done.y
    up = [(e.source, e.target) for e in graph.edges if e.points[-1][1] < e.points[0][1]]
    assert up == [("Check", "Fetch")]


def test_a_states_successor_sits_two_rank_gaps_below_it_and_the_graph_keeps_one_margin_round_its_boxes():
    from opsconsole.core.executions.asl import MARGIN
    from opsconsole.core.executions.asl.placement import RANK_GAP

    graph = build_graph({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Succeed"}}})
    a, b = graph.node_for_state("A"), graph.node_for_state("B")
    assert b.y - (a.y + a.h) == 2 * RANK_GAP
    assert min(n.x for n in graph.nodes) == min(n.y for n in graph.nodes) == MARGIN
    assert graph.width == max(n.x + n.w for n in graph.nodes) + MARGIN
    assert graph.height == max(n.y + n.h for n in graph.nodes) + MARGIN


def test_labels_sit_midway_down_their_edge_near_the_state_the_transition_leaves():
    states = {"Pick": _choice(["A", "B"], "Far"), "A": {"Type": "Pass", "Next": "B"},
              "B": {"Type": "Pass", "Next": "Far"}, "Far": {"Type": "Succeed"}}
    graph = build_graph({"StartAt": "Pick", "States": states})
    pick, a = graph.node_for_state("Pick"), graph.node_for_state("A")
    rule_to_a = next(e for e in graph.edges if (e.source, e.target) == ("Pick", "A"))
    assert rule_to_a.label_pos[1] == pytest.approx((pick.y + pick.h + a.y) / 2)
    from opsconsole.core.executions.asl import DEFAULT_METRICS
    from opsconsole.core.executions.asl.placement import RANK_GAP

    pill = DEFAULT_METRICS.label_line_height + 5  # the label's pill, with room round its text
    assert a.y - (pick.y + pick.h) == 2 * RANK_GAP + pill  # the rank between is as tall as the pill
    default = next(e for e in graph.edges if e.kind == "default")  # Pick -> Far spans three ranks of states
    assert pick.y + pick.h < default.label_pos[1] < a.y  # next to Pick, not further down
    assert all(e.label_pos is None for e in graph.edges if not e.label)


def test_a_loop_back_is_labelled_next_to_the_state_it_leaves():
    states = {"Start": {"Type": "Pass", "Next": "Work"}, "Work": {"Type": "Pass", "Next": "More?"},
              "More?": _choice(["Start"], "Done"), "Done": {"Type": "Succeed"}}
    graph = build_graph({"StartAt": "Start", "States": states})
    work, more = graph.node_for_state("Work"), graph.node_for_state("More?")
    loop = next(e for e in graph.edges if (e.source, e.target) == ("More?", "Start"))
    assert work.y + work.h < loop.label_pos[1] < more.y


def test_edges_leaving_or_entering_one_box_are_spread_around_its_centre_in_the_order_they_go():
    states = {"Pick": _choice(["A", "B"], "C"), "A": {"Type": "Pass", "Next": "Join"},
              "B": {"Type": "Pass", "Next": "Join"}, "C": {"Type": "Pass", "Next": "Join"}, "Join": {"Type": "Succeed"}}
    graph = build_graph({"StartAt": "Pick", "States": states})
    for box, side, other in (("Pick", 0, -1), ("Join", -1, 0)):
        node = graph.node_for_state(box)
        ends = sorted((e.points[other][0], e.points[side][0]) for e in graph.edges
                      if box in (e.source, e.target) and e.kind not in ("start", "end"))
        xs = [x for _, x in ends]  # ordered by where the other end is
        assert xs == sorted(xs)
        assert [b - a for a, b in zip(xs, xs[1:])] == pytest.approx([12.0, 12.0])
        assert sum(xs) / 3 == pytest.approx(node.x + node.w / 2)


@pytest.mark.parametrize(("points", "drawn"), [
    ([(100, 50), (100, 80), (100, 110)], [(100, 50), (100, 110)]),  # a straight run: its ends
    ([(100, 50), (100, 80), (130, 110), (130, 140), (130, 170)], [(100, 50), (100, 80), (130, 110), (130, 170)]),
    ([(40, 20), (60, 40), (80, 60), (80, 90)], [(40, 20), (80, 60), (80, 90)]),  # a diagonal run too
    ([(40, 20), (40, 20), (40, 60), (40, 60)], [(40, 20), (40, 60)]),  # repeated points once
    ([(70, 30), (70, 30)], [(70, 30), (70, 30)]),  # a link with no length is still a line
    # A box 1 px shorter than its rank: the 1 px drop below it and a 1 px jog are corners too, not a straight run.
    ([(100, 50), (100, 51), (101, 73), (101, 90)], [(100, 50), (100, 51), (101, 73), (101, 90)]),
])
def test_an_edge_is_drawn_with_its_corners_and_without_points_in_the_middle_of_straight_runs(points, drawn):
    from opsconsole.core.executions.asl.layout import _simplify

    assert _simplify(points) == drawn
