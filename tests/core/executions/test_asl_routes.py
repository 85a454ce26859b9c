"""How edges are routed between the boxes of a drawn graph: where they leave and enter, their lanes, their bends.

The layout tests check what every graph promises (edges attached, nothing drawn across a box); these pin the
routes of small definitions where the right drawing can be seen: edges fanning out of or into a box do not cross
next to it, an edge to the state right below is one straight line, a long edge keeps a box gap from the states
it passes.
"""

from __future__ import annotations

import pytest

from opsconsole.core.executions.asl import build_graph
from opsconsole.core.executions.asl.placement import NODE_GAP


def _choice(rules, default=None):
    body = {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericEquals": i, "Next": t} for i, t in enumerate(rules)]}
    return body | ({"Default": default} if default else {})


def _turn(a, b, c):
    return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])


def _cross(p, q, r, s):
    """Do segments p-q and r-s cross (not merely touch)?"""
    d1, d2, d3, d4 = _turn(r, s, p), _turn(r, s, q), _turn(p, q, r), _turn(p, q, s)
    return d1 * d2 < -1e-6 and d3 * d4 < -1e-6 and min(abs(d) for d in (d1, d2, d3, d4)) > 1e-6


def crossings_at_box_sides(graph):
    """Pairs of edges attached to the same side of a box whose last two segments before it cross."""
    found = []
    for n in graph.nodes:
        for side in (n.y, n.y + n.h):
            ends = []
            for e in graph.edges:
                if e.source == e.target:
                    continue
                if e.source == n.id and e.points[0][1] == pytest.approx(side):
                    ends.append((e, e.points[:3]))
                if e.target == n.id and e.points[-1][1] == pytest.approx(side):
                    ends.append((e, e.points[::-1][:3]))
            for i, (e, a) in enumerate(ends):
                for f, b in ends[i + 1:]:
                    if any(_cross(p, q, r, s) for p, q in zip(a, a[1:]) for r, s in zip(b, b[1:])):
                        found.append((n.id, (e.source, e.target), (f.source, f.target)))
    return found


def test_edges_leaving_a_state_start_in_the_order_of_their_first_bends_and_do_not_cross_below_it():
    # Route's rule to Review is labelled on the left, its Default to Reject passes Review on the left too:
    # where they leave Route's bottom edge follows where they turn first, not where they end.
    states = {"Route": _choice(["Review"], "Reject"), "Review": _choice(["Reject"], "Approve"),
              "Reject": {"Type": "Fail"}, "Approve": {"Type": "Fail"}}
    graph = build_graph({"StartAt": "Route", "States": states})
    rule, default = (next(e for e in graph.edges if e.source == "Route" and e.kind == k) for k in ("choice", "default"))
    route = graph.node_for_state("Route")
    assert rule.points[0][1] == default.points[0][1] == route.y + route.h
    assert rule.points[1][0] < default.points[1][0]
    assert default.points[0][0] - rule.points[0][0] == pytest.approx(12.0)
    assert crossings_at_box_sides(graph) == []


def test_edges_into_a_join_arrive_side_by_side_in_the_order_they_come_from_whatever_order_the_states_are_listed_in():
    # Listed C, B, A but drawn A, B, C left to right (Pick's rules): the arrows into Join keep that order.
    states = {"Pick": _choice(["A", "B", "C"]), "C": {"Type": "Pass", "Next": "Join"},
              "B": {"Type": "Pass", "Next": "Join"}, "A": {"Type": "Pass", "Next": "Join"}, "Join": {"Type": "Succeed"}}
    graph = build_graph({"StartAt": "Pick", "States": states})
    into = {e.source: e.points for e in graph.edges if e.target == "Join"}
    assert [graph.node_for_state(s).x for s in "ABC"] == sorted(graph.node_for_state(s).x for s in "ABC")
    assert into["A"][-1][0] < into["B"][-1][0] < into["C"][-1][0]
    assert crossings_at_box_sides(graph) == []


def test_an_edge_to_the_only_state_right_below_is_one_straight_line():
    # Left and Right fork from Pick; Tail hangs under Left alone and the edge to it drops straight down.
    states = {"Pick": _choice(["Left"], "Right"), "Left": {"Type": "Pass", "Next": "Tail"},
              "Right": {"Type": "Fail"}, "Tail": {"Type": "Fail"}}
    graph = build_graph({"StartAt": "Pick", "States": states})
    left, tail = graph.node_for_state("Left"), graph.node_for_state("Tail")
    edge = next(e for e in graph.edges if (e.source, e.target) == ("Left", "Tail"))
    centre = left.x + left.w / 2
    assert tail.x + tail.w / 2 == pytest.approx(centre)
    assert edge.points == ((centre, left.y + left.h), (centre, tail.y))


def test_a_long_edge_passing_beside_states_keeps_one_box_gap_from_them():
    # Pick's Default runs past A and B down to Far; pulled in by both ends, its lane stands exactly a box gap
    # (NODE_GAP) right of the states it passes: no nearer, and no further either.
    states = {"Pick": _choice(["A"], "Far"), "A": {"Type": "Pass", "Next": "B"},
              "B": {"Type": "Pass", "Next": "Far"}, "Far": {"Type": "Fail"}}
    graph = build_graph({"StartAt": "Pick", "States": states})
    default = next(e for e in graph.edges if e.kind == "default")
    for name in ("A", "B"):
        box = graph.node_for_state(name)
        lane = {x for x, y in default.points if box.y <= y <= box.y + box.h}
        assert len(lane) == 1, f"straight down beside {name}"
        assert lane.pop() - (box.x + box.w) == pytest.approx(NODE_GAP, abs=0.02)


def test_edges_into_a_state_arrive_in_the_order_of_their_last_bends_even_after_crossing_on_the_way():
    # Found by trying small definitions. Verify's rule back to Fix up crosses the Default lane from Check input
    # on its way down; below the crossing the two arrive at Fix up side by side in the order they now run in.
    states = {"Check input": _choice(["Process"], "Fix up"), "Fix up": {"Type": "Pass", "Next": "Process"},
              "Process": {"Type": "Pass", "Next": "Verify"}, "Verify": _choice(["Publish", "Fix up"], "Publish"),
              "Publish": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True,
                          "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Check input"}]}}
    graph = build_graph({"StartAt": "Check input", "States": states})
    lane, rule = (next(e for e in graph.edges if (e.source, e.target) == (s, "Fix up")) for s in ("Check input", "Verify"))
    verify = graph.node_for_state("Verify")
    assert lane.points[-4][1] == verify.y + verify.h  # the lane passes Verify (on its left) ...
    assert lane.points[-4][0] < rule.points[0][0]  # ... where the rule leaves Verify
    assert rule.points[-2][0] < lane.points[-2][0] and rule.points[-1][0] < lane.points[-1][0]
    assert crossings_at_box_sides(graph) == []
