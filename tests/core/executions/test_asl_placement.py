"""Where the boxes of one graph scope go: the order within each rank, then x and y.

The layout tests check the drawn graph as a whole (no overlaps, edges downwards); these pin the
placement step on small graphs built by hand, where the right answer can be seen, or found by
trying every order: links that need not cross do not, lanes of long links stay straight, a box
with one neighbour sits right under it, and the boxes of a rank keep their order and gaps.
"""

from __future__ import annotations

import itertools
import random

import pytest

from opsconsole.core.executions.asl.placement import (
    NODE_GAP,
    RANK_GAP,
    THIN_GAP,
    Vertex,
    _crossings,
    _isotonic,
    order,
    x_positions,
    y_positions,
)


def graph(ranks, edges, bends=(), widths=None):
    """Vertices on the given ranks (boxes, except the indexes in ``bends``), joined by ``edges``."""
    verts = [
        Vertex((widths or {}).get(i, 40.0), 20.0, rank=r, box=None if i in bends else f"box{i}")
        for i, r in enumerate(ranks)
    ]
    for a, b in edges:
        verts[a].down.append(b)
        verts[b].up.append(a)
    return verts


def crossings(layers, verts):
    """Pairs of links between neighbouring ranks that cross, counted pair by pair."""
    pos = {v: i for layer in layers for i, v in enumerate(layer)}
    total = 0
    for layer in layers:
        edges = [(pos[a], pos[b]) for a in layer for b in verts[a].down]
        for (a1, b1), (a2, b2) in itertools.combinations(edges, 2):
            total += (a1 - a2) * (b1 - b2) < 0
    return total


def counted(layers, verts):
    pos = [0.0] * len(verts)
    for layer in layers:
        for i, v in enumerate(layer):
            pos[v] = float(i)
    return _crossings(layers, verts, pos)


def fewest_crossings(verts, n_ranks):
    """The fewest crossings any order of the ranks can have (every order tried)."""
    ranks = [[i for i, v in enumerate(verts) if v.rank == r] for r in range(n_ranks)]
    return min(crossings([list(p) for p in perm], verts)
               for perm in itertools.product(*(itertools.permutations(r) for r in ranks)))


def random_graph(rng, max_ranks=4, max_width=4, density=0.4):
    sizes = [rng.randint(1, max_width) for _ in range(rng.randint(2, max_ranks))]
    ranks = [r for r, size in enumerate(sizes) for _ in range(size)]
    ids = [[i for i, r in enumerate(ranks) if r == k] for k in range(len(sizes))]
    edges = [(a, b) for k in range(len(sizes) - 1) for a in ids[k] for b in ids[k + 1] if rng.random() < density]
    return graph(ranks, edges), ids


# --------------------------------------------------------------------------- order within ranks
def test_two_links_crossing_between_two_ranks_are_uncrossed():
    # a b          a b
    #  X     ->    | |
    # c d          d c
    verts = graph([0, 0, 1, 1], [(0, 3), (1, 2)])
    layers = order(verts, [[0, 3], [1, 2]], [0, 1, 2, 3])
    assert layers == [[0, 1], [3, 2]]
    assert crossings(layers, verts) == 0


def test_a_crossing_two_ranks_down_from_the_dfs_order_is_swept_away():
    # a branches to b and c; b continues to e, c to d; the DFS met d before e, so they cross.
    verts = graph([0, 1, 1, 2, 2], [(0, 1), (0, 2), (1, 4), (2, 3)])
    layers = order(verts, [[0, 1], [0, 2], [1, 4], [2, 3]], [0, 1, 2, 3, 4])
    assert layers == [[0], [1, 2], [4, 3]]
    assert crossings(layers, verts) == 0


def test_a_crossing_resolved_by_reordering_the_rank_above():
    # The bottom rank's order is fixed by a third rank: only the upward sweep can uncross a/b.
    #   a   b        rank 0
    #   c   d        rank 1: a -> d, b -> c, and c -> e, d -> f
    #   e   f        rank 2, f also under a box g to its right
    verts = graph([0, 0, 1, 1, 2, 2], [(0, 3), (1, 2), (2, 4), (3, 5)])
    layers = order(verts, [], [0, 1, 2, 3, 4, 5])
    assert crossings(layers, verts) == 0
    assert sorted(map(sorted, layers)) == [[0, 1], [2, 3], [4, 5]]


@pytest.mark.parametrize("ranks, edges", [
    # a -> y, b -> x, c -> y: x and y tie on the way down; only reordering the top rank (b a c) uncrosses.
    ([0, 0, 0, 1, 1], [(0, 4), (1, 3), (2, 4)]),
    # Found by trying small graphs: crossing-free only after several sweeps down and up again.
    ([0, 0, 0, 0, 1, 1, 2, 2, 2], [(0, 4), (0, 5), (1, 5), (2, 4), (4, 6), (5, 6), (5, 7)]),
    ([0, 0, 0, 0, 1, 1, 1, 2, 2, 2], [(0, 5), (0, 6), (1, 4), (1, 5), (2, 6), (3, 6), (4, 7), (5, 7)]),
    # Also found so: crossing-free with sweeps taking turns down and up; two upward ones in a row leave a crossing.
    ([0, 0, 0, 0, 1, 1, 1], [(0, 6), (2, 4), (2, 6), (3, 5), (3, 6)]),
])
def test_graphs_that_can_be_drawn_without_crossings_are(ranks, edges):
    verts = graph(ranks, edges)
    met = [[i for i, r in enumerate(ranks) if r == k] for k in range(max(ranks) + 1)]
    assert crossings(met, verts) > 0 == fewest_crossings(verts, len(met))
    layers = order(verts, [], list(range(len(ranks))))
    assert crossings(layers, verts) == 0
    assert [sorted(layer) for layer in layers] == met


def test_links_that_do_not_cross_keep_the_order_the_definition_was_read_in():
    # Nothing crosses: the DFS order stays, even though the box e (rightmost) leads to c (leftmost).
    verts = graph([0, 0, 0, 1, 1], [(2, 3)])
    assert order(verts, [[2, 3]], [0, 1, 2, 3, 4]) == [[0, 1, 2], [3, 4]]


@pytest.mark.parametrize("visit, second", [([0, 1, 2, 3, 4, 5], [4, 5, 2, 3]), ([0, 1, 5, 4, 3, 2], [5, 4, 3, 2])])
def test_targets_of_one_state_keep_the_order_they_were_met_in(visit, second):
    # a's two targets and b's two targets swap sides to uncross; within each pair the order met stays.
    verts = graph([0, 0, 1, 1, 1, 1], [(0, 4), (0, 5), (1, 2), (1, 3)])
    layers = order(verts, [], visit)
    assert layers == [[0, 1], second]
    assert crossings(layers, verts) == 0


def test_a_long_links_bends_come_right_after_its_upper_end():
    # a -> (bend) -> c spans a rank; a -> b is met after a: the bend stands left of b, as a was.
    verts = graph([0, 1, 1, 2], [(0, 2), (0, 1), (2, 3), (1, 3)], bends={2})
    chains = [[0, 2, 3], [0, 1], [], [1, 3]]  # [] is a self-loop's: no vertices
    assert order(verts, chains, [0, 1, 3]) == [[0], [2, 1], [3]]


def test_bends_of_several_links_from_one_state_follow_it_in_link_order():
    # a has two long links (to d through bend 1, to e through bend 2) and a short one to b.
    verts = graph([0, 1, 1, 1, 2, 2], [(0, 1), (0, 2), (0, 3), (1, 4), (2, 5)], bends={1, 2})
    layers = order(verts, [[0, 1, 4], [0, 2, 5], [0, 3]], [0, 3, 4, 5])
    assert layers == [[0], [1, 2, 3], [4, 5]]


def test_the_order_with_fewest_crossings_is_kept_not_the_last_sweeps():
    # Found by trying small graphs: the sweeps go 3 -> 1 -> 2 -> 1 -> 2 ... crossings; the last
    # sweep ends on 2, the best on 1, which is also the fewest any order of these ranks allows.
    edges = [(0, 2), (0, 4), (1, 2), (1, 3), (3, 5), (3, 6), (4, 5), (4, 6)]
    verts = graph([0, 0, 1, 1, 1, 2, 2], edges)
    layers = order(verts, [], list(range(7)))
    assert crossings(layers, verts) == 1 == fewest_crossings(verts, 3)
    assert sorted(map(sorted, layers)) == [[0, 1], [2, 3, 4], [5, 6]]


def test_the_order_never_has_more_crossings_than_the_order_the_states_were_met_in():
    rng = random.Random(15)
    improved = 0
    for _ in range(300):
        verts, ids = random_graph(rng)
        layers = order(verts, [], list(range(len(verts))))
        assert [sorted(layer) for layer in layers] == ids  # every vertex once, on its own rank
        assert crossings(layers, verts) <= crossings(ids, verts)
        improved += crossings(layers, verts) < crossings(ids, verts)
    assert improved > 50  # the sweeps do something on a good share of them


def test_crossing_count_equals_counting_every_pair_of_links():
    rng = random.Random(7)
    for _ in range(300):
        verts, ids = random_graph(rng, max_ranks=5, max_width=5, density=0.5)
        layers = [rng.sample(layer, len(layer)) for layer in ids]
        assert counted(layers, verts) == crossings(layers, verts)


def test_links_sharing_an_end_do_not_count_as_crossing():
    # a fans out to c and d, b goes to d: drawn a b / c d nothing crosses.
    verts = graph([0, 0, 1, 1], [(0, 2), (0, 3), (1, 3)])
    assert counted([[0, 1], [2, 3]], verts) == 0
    # b left of a: b -> d crosses a -> c; a -> d shares an end with each, so it crosses neither
    assert counted([[1, 0], [2, 3]], verts) == 1


# --------------------------------------------------------------------------- x within a rank
def best_spacing(layer, verts, desired, weight):
    """The weighted least-squares positions keeping order and spacing, found by trying which gaps are closed."""
    gaps = [(verts[a].w + verts[b].w) / 2 + (NODE_GAP if verts[a].box or verts[b].box else THIN_GAP)
            for a, b in zip(layer, layer[1:])]
    best = None
    for closed in itertools.product([False, True], repeat=len(gaps)):
        # Runs joined by closed gaps move together: each run at its weighted best, then check the rest.
        xs, start = [], 0
        for end in range(len(layer)):
            if end < len(gaps) and closed[end]:
                continue
            offs = [0.0]
            for g in gaps[start:end]:
                offs.append(offs[-1] + g)
            w = weight[start:end + 1]
            shift = sum(wi * (d - o) for wi, d, o in zip(w, desired[start:end + 1], offs)) / sum(w)
            xs += [shift + o for o in offs]
            start = end + 1
        if all(b - a >= g - 1e-9 for a, b, g in zip(xs, xs[1:], gaps)):
            cost = sum(w * (x - d) ** 2 for w, x, d in zip(weight, xs, desired))
            if best is None or cost < best[0] - 1e-9:
                best = (cost, xs)
    return best[1]


def test_boxes_of_a_rank_are_put_as_near_as_they_can_to_where_they_are_pulled():
    rng = random.Random(3)
    for _ in range(400):
        n = rng.randint(1, 5)
        verts = [Vertex(rng.choice([0.0, 40.0, 90.0]), 20.0, box=rng.choice([None, "box"])) for _ in range(n)]
        layer = rng.sample(range(n), n)
        desired = [rng.uniform(-150, 150) for _ in range(n)]
        weight = [rng.choice([0.05, 1.0, 2.0, 8.0, 9.0]) for _ in range(n)]
        xs = _isotonic(layer, verts, desired, weight)
        assert xs == pytest.approx(best_spacing(layer, verts, desired, weight), abs=1e-6)


def test_boxes_pulled_to_one_spot_share_it_the_lighter_one_moving_more():
    verts = graph([0, 0], [])
    assert _isotonic([0, 1], verts, [0.0, 0.0], [1.0, 1.0]) == pytest.approx([-35.0, 35.0])  # 40/2 + 30 + 40/2 apart
    assert _isotonic([0, 1], verts, [0.0, 0.0], [3.0, 1.0]) == pytest.approx([-17.5, 52.5])
    assert _isotonic([1, 0], verts, [100.0, 0.0], [1.0, 1.0]) == pytest.approx([15.0, 85.0])  # order kept


def test_boxes_keep_a_box_gap_and_bends_a_thin_gap():
    verts = graph([0, 0, 0, 0], [], bends={1, 2}, widths={0: 40.0, 1: 0.0, 2: 0.0, 3: 60.0})
    xs = _isotonic([0, 1, 2, 3], verts, [0.0] * 4, [1.0] * 4)
    assert [b - a for a, b in zip(xs, xs[1:])] == pytest.approx([20 + NODE_GAP, THIN_GAP, NODE_GAP + 30])


def test_boxes_already_apart_stay_where_they_are_pulled():
    verts = graph([0, 0, 0], [])
    assert _isotonic([0, 1, 2], verts, [-100.0, 0.0, 300.0], [1.0, 0.05, 8.0]) == pytest.approx([-100.0, 0.0, 300.0])


def test_a_state_with_one_neighbour_lines_up_under_it():
    # a over b over c, and d beside b: b sits right under a, c right under b.
    verts = graph([0, 1, 1, 2], [(0, 1), (1, 3)], widths={0: 120.0, 1: 40.0, 2: 40.0, 3: 80.0})
    xs = x_positions(verts, [[0], [1, 2], [3]])
    assert xs[1] == pytest.approx(xs[0])
    assert xs[3] == pytest.approx(xs[1])
    assert xs[2] - xs[1] >= 40.0 + NODE_GAP - 1e-9


def test_the_leftmost_box_edge_is_at_zero():
    rng = random.Random(11)
    for _ in range(50):
        verts, ids = random_graph(rng)
        for v in verts:
            v.w = rng.choice([30.0, 80.0, 150.0])
        xs = x_positions(verts, ids)
        assert min(x - v.w / 2 for x, v in zip(xs, verts)) == pytest.approx(0.0, abs=1e-9)


def test_boxes_of_one_rank_never_overlap_and_keep_their_order():
    rng = random.Random(5)
    for _ in range(100):
        verts, ids = random_graph(rng, max_width=5)
        for v in verts:
            v.w = rng.choice([30.0, 80.0, 150.0])
        layers = [rng.sample(layer, len(layer)) for layer in ids]
        xs = x_positions(verts, layers)
        for layer in layers:
            for a, b in zip(layer, layer[1:]):
                assert xs[b] - xs[a] >= (verts[a].w + verts[b].w) / 2 + NODE_GAP - 1e-6


def test_a_fork_is_centred_under_the_state_it_leaves():
    # a over b and c (equal sizes): a sits midway between them.
    verts = graph([0, 1, 1], [(0, 1), (0, 2)])
    xs = x_positions(verts, [[0], [1, 2]])
    assert xs[0] == pytest.approx((xs[1] + xs[2]) / 2)
    assert xs[2] - xs[1] == pytest.approx(40.0 + NODE_GAP)
    assert xs[1] == pytest.approx(20.0)  # the left one's edge at 0


LANES = [
    # Found by trying small graphs (boxes on even ranks, bends of long links on the ranks between).
    # 1: the link 2 -> 6 crosses five ranks beside boxes 3 and 4 and a link 5 -> 6 pulling it sideways;
    #    with bends pulled as hard as boxes its lane drifts ~22 px.
    ([(0, 120), (0, 200), (0, 60), (2, 200), (2, 60), (4, 120), (6, 60), (1, 0), (1, 0), (2, 0), (3, 0), (4, 0),
      (5, 0), (5, 0)],
     [[0, 7, 3], [2, 8, 9, 10, 11, 12, 6], [5, 13, 6]],
     [[0, 1, 2], [7, 8], [3, 9, 4], [10], [11, 5], [12, 13], [6]]),
    # 2: two long links among seven short ones; without the last pass pulling from both sides at once
    #    they jog ~12 px.
    ([(0, 60), (0, 60), (0, 60), (2, 120), (2, 60), (2, 60), (4, 200), (4, 60), (1, 0), (1, 0), (1, 0), (2, 0),
      (3, 0), (1, 0), (1, 0), (1, 0), (2, 0), (3, 0), (1, 0)],
     [[0, 8, 3], [0, 9, 4], [0, 10, 11, 12, 6], [1, 13, 3], [1, 14, 5], [1, 15, 16, 17, 7], [2, 18, 5]],
     [[0, 1, 2], [9, 10, 8, 13, 15, 14, 18], [4, 11, 3, 16, 5], [12, 17], [6, 7]]),
    # 3: four ranks of boxes, two long links; with the passes' last one skipped they jog ~23 px.
    ([(0, 120), (0, 60), (2, 60), (2, 200), (4, 60), (4, 60), (4, 60), (6, 120), (6, 200), (6, 120), (1, 0),
      (1, 0), (1, 0), (3, 0), (3, 0), (3, 0), (4, 0), (5, 0), (3, 0), (3, 0), (4, 0), (5, 0), (5, 0), (5, 0),
      (5, 0)],
     [[0, 10, 2], [0, 11, 3], [1, 12, 3], [2, 13, 5], [2, 14, 6], [2, 15, 16, 17, 8], [3, 18, 6],
      [3, 19, 20, 21, 9], [4, 22, 7], [4, 23, 8], [4, 24, 9]],
     [[0, 1], [10, 11, 12], [2, 3], [13, 15, 14, 18, 19], [5, 16, 4, 6, 20], [22, 17, 23, 24, 21], [7, 8, 9]]),
]


@pytest.mark.parametrize("shape, chains, layers", LANES)
def test_a_long_link_runs_as_one_straight_lane_past_the_boxes_beside_it(shape, chains, layers):
    # The jogs of a long link happen next to its ends; between its first and last bend it holds one lane.
    ranks = [r for r, _ in shape]
    bends = {i for i, (_, w) in enumerate(shape) if w == 0}
    edges = [(a, b) for chain in chains for a, b in zip(chain, chain[1:])]
    verts = graph(ranks, edges, bends=bends, widths={i: float(w) for i, (_, w) in enumerate(shape)})
    xs = x_positions(verts, layers)
    for chain in chains:
        lane = [xs[v] for v in chain[1:-1]]
        assert max(lane) - min(lane) < 3.0, chain


def test_an_unlinked_box_stays_beside_its_rank_not_pulled_anywhere():
    # c has no links: it keeps its place right of b, a box gap away.
    verts = graph([0, 1, 1], [(0, 1)])
    xs = x_positions(verts, [[0], [1, 2]])
    assert xs[0] == pytest.approx(xs[1])
    assert xs[2] - xs[1] == pytest.approx(40.0 + NODE_GAP)


def test_ranks_with_no_links_between_them_are_centred_on_each_other():
    verts = graph([0, 1, 1, 2, 2, 2], [], widths={0: 40.0, 1: 40.0, 2: 40.0, 3: 100.0, 4: 20.0, 5: 100.0})
    xs = x_positions(verts, [[0], [1, 2], [3, 4, 5]])
    assert xs[0] == pytest.approx((xs[1] + xs[2]) / 2) == pytest.approx(xs[4])
    assert xs[3] == pytest.approx(50.0)  # the widest rank starts at the left edge


# --------------------------------------------------------------------------- y by rank
def test_ranks_are_as_tall_as_their_tallest_vertex_with_a_gap_around_label_ranks():
    verts = [Vertex(10, h, rank=r, box="b") for r, h in [(0, 30.0), (0, 50.0), (1, 12.0), (2, 40.0), (3, 0.0), (4, 25.0)]]
    tops, heights = y_positions(verts, [[0, 1], [2], [3], [4], [5]])
    assert heights == [50.0, 12.0, 40.0, 0.0, 25.0]
    assert tops == [0.0, 50.0 + RANK_GAP, 50.0 + 2 * RANK_GAP + 12.0, 102.0 + 2 * RANK_GAP + RANK_GAP,
                    102.0 + 4 * RANK_GAP]


def test_an_empty_rank_takes_no_height():
    verts = [Vertex(10, 30.0, rank=0, box="b"), Vertex(10, 20.0, rank=2, box="b")]
    tops, heights = y_positions(verts, [[0], [], [1]])
    assert heights == [30.0, 0.0, 20.0]
    assert tops == [0.0, 30.0 + RANK_GAP, 30.0 + 2 * RANK_GAP]


def test_a_graph_needing_more_than_four_sweeps_still_gets_its_fewest_crossings():
    # Found by trying small graphs: four sweeps leave 6 crossings; the eight a graph this size gets reach 4,
    # the fewest any order of its ranks allows.
    edges = [(0, 4), (1, 5), (2, 4), (5, 7), (6, 10), (6, 12), (6, 13), (7, 10), (7, 11), (8, 10), (8, 11), (8, 12),
             (8, 13), (9, 12)]
    verts = graph([0, 0, 0, 0, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3], edges)
    layers = order(verts, [], list(range(14)))
    assert crossings(layers, verts) == 4 == fewest_crossings(verts, 4)
