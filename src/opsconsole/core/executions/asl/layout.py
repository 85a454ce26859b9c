"""A layered (Sugiyama-style) top-to-bottom layout for nested boxes and the links between them.

Knows nothing of ASL nor of text: :mod:`opsconsole.core.executions.asl.graph` turns a definition into a tree
of :class:`Box` es (a graph scope, a row of branches, a leaf) and reads the
coordinates back. Steps per graph scope: break cycles, longest-path layering
on doubled ranks (odd ranks hold edge labels and bends), barycentric crossing
reduction, x placement by repeated weighted isotonic regression, then routing
through the reserved bends. Containers are sized from their children first.
Everything is deterministic: ties always fall back to declaration order.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Literal

from opsconsole.core.executions.asl.placement import NODE_GAP, Vertex, order, x_positions, y_positions

PORT_SPACING = 12.0
LOOP_W = 18.0  # how far a self-loop sticks out of its box


@dataclass(eq=False)
class Link:
    """An edge inside one graph scope. Results: ``points`` and ``label_pos`` (absolute)."""

    source: str
    target: str
    label_w: float = 0.0
    label_h: float = 0.0
    points: list[tuple[float, float]] = field(default_factory=list)
    label_pos: tuple[float, float] | None = None


@dataclass(eq=False)
class Box:
    """A leaf (fixed ``w``/``h``), a ``graph`` of children joined by links, or a ``row`` of children.

    Containers get ``header`` px on top for their title and ``pad`` px around
    the children; ``min_w`` keeps the title readable. After :func:`layout`,
    ``x``/``y``/``w``/``h`` are absolute.
    """

    id: str
    kind: Literal["leaf", "graph", "row"] = "leaf"
    w: float = 0.0
    h: float = 0.0
    header: float = 0.0
    pad: float = 0.0
    min_w: float = 0.0
    children: list["Box"] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    x: float = 0.0
    y: float = 0.0


def layout(root: Box) -> None:
    """Size every container from its children, then give every box and link absolute coordinates."""
    _measure(root)
    _place(root, 0.0, 0.0)


def _measure(box: Box) -> None:
    if box.kind == "leaf":
        return
    for child in box.children:
        _measure(child)
    if box.kind == "graph":
        cw, ch = _layered(box.children, box.links)
    else:
        # Branches of a Parallel side by side, tops aligned, equal heights: reads as "at once".
        ch = max((c.h for c in box.children), default=0.0)
        x = 0.0
        for c in box.children:
            c.x, c.y, c.h = x, 0.0, ch
            x += c.w + NODE_GAP / 2
        cw = max(0.0, x - NODE_GAP / 2)
    inner_w = max(cw, box.min_w - 2 * box.pad)
    shift_x, shift_y = box.pad + (inner_w - cw) / 2, box.header + box.pad
    for c in box.children:  # relative to the box's own top-left until _place
        c.x += shift_x
        c.y += shift_y
    for link in box.links:
        link.points = [(px + shift_x, py + shift_y) for px, py in link.points]
        if link.label_pos:
            link.label_pos = (link.label_pos[0] + shift_x, link.label_pos[1] + shift_y)
    box.w = inner_w + 2 * box.pad
    box.h = box.header + ch + 2 * box.pad


def _place(box: Box, ox: float, oy: float) -> None:
    box.x += ox
    box.y += oy
    for link in box.links:
        link.points = [(px + box.x, py + box.y) for px, py in link.points]
        if link.label_pos:
            link.label_pos = (link.label_pos[0] + box.x, link.label_pos[1] + box.y)
    for child in box.children:
        _place(child, box.x, box.y)


# --------------------------------------------------------------------------- one graph scope
def _layered(boxes: list[Box], links: list[Link]) -> tuple[float, float]:
    """Lay out one scope; box/link coordinates come out relative to the scope's top-left."""
    if not boxes:
        return 0.0, 0.0
    index = {b.id: i for i, b in enumerate(boxes)}
    verts = [Vertex(b.w, b.h, box=b) for b in boxes]
    dag, loops, visit = _acyclic(len(boxes), [(index[l.source], index[l.target]) for l in links])
    for li in loops:  # a transition back to itself loops out on the right: keep room there
        v = verts[index[links[li].source]]
        v.w = max(v.w, v.box.w + LOOP_W + (links[li].label_w + 4 if links[li].label_w else 4))
    _rank(verts, dag)
    chains = _chains(verts, links, dag)
    layers = order(verts, chains, visit)
    xs = x_positions(verts, layers)
    tops, heights = y_positions(verts, layers)
    centres = list(xs)
    for i, v in enumerate(verts):
        if v.box is not None:
            v.box.x = xs[i] - v.w / 2
            v.box.y = tops[v.rank]  # top-aligned: a small box beside a tall container stays level with its top
            centres[i] = v.box.x + v.box.w / 2
    _route(verts, links, chains, dag, centres, tops, heights)
    for li in loops:
        b, link = verts[index[links[li].source]].box, links[li]
        right, mid = b.x + b.w, b.y + b.h / 2
        link.points = [(right, mid - 8), (right + LOOP_W, mid - 8), (right + LOOP_W, mid + 8), (right, mid + 8)]
        if link.label_w:
            link.label_pos = (right + LOOP_W + 4 + link.label_w / 2, mid)
    width = max(xs[i] + v.w / 2 for i, v in enumerate(verts))
    return width, tops[-1] + heights[-1]


def _acyclic(n: int, pairs: list[tuple[int, int]]) -> tuple[list[tuple[int, int, bool] | None], list[int], list[int]]:
    """Per link (upper, lower, reversed), back edges of a DFS turned round; self-loops; the DFS visit order."""
    out: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    indeg = [0] * n
    for li, (s, t) in enumerate(pairs):
        if s != t:
            out[s].append((t, li))
            indeg[t] += 1
    back: set[int] = set()
    state = [0] * n  # 0 unseen, 1 on the DFS stack, 2 done
    visit: list[int] = []
    for root in [i for i in range(n) if indeg[i] == 0] + list(range(n)):
        if state[root]:
            continue
        state[root] = 1
        visit.append(root)
        stack = [(root, iter(out[root]))]
        while stack:
            v, it = stack[-1]
            for t, li in it:
                if state[t] == 1:
                    back.add(li)
                elif state[t] == 0:
                    state[t] = 1
                    visit.append(t)
                    stack.append((t, iter(out[t])))
                    break
            else:
                state[v] = 2
                stack.pop()
    dag: list[tuple[int, int, bool] | None] = []
    loops = []
    for li, (s, t) in enumerate(pairs):
        if s == t:
            dag.append(None)
            loops.append(li)
        else:
            dag.append((t, s, True) if li in back else (s, t, False))
    return dag, loops, visit


def _rank(verts: list[Vertex], dag: list[tuple[int, int, bool] | None]) -> None:
    """Longest path from the sources, on even ranks only (odd ranks are for labels and bends)."""
    n = len(verts)
    succ: list[list[int]] = [[] for _ in range(n)]
    indeg = [0] * n
    for e in dag:
        if e is not None:
            succ[e[0]].append(e[1])
            indeg[e[1]] += 1
    queue = deque(i for i in range(n) if indeg[i] == 0)
    while queue:
        v = queue.popleft()
        for t in succ[v]:
            verts[t].rank = max(verts[t].rank, verts[v].rank + 2)
            indeg[t] -= 1
            if indeg[t] == 0:
                queue.append(t)


def _chains(verts: list[Vertex], links: list[Link], dag: list[tuple[int, int, bool] | None]) -> list[list[int]]:
    """Per link, its vertices from upper to lower end, with a bend vertex on every rank between."""
    chains: list[list[int]] = []
    for li, e in enumerate(dag):
        if e is None:
            chains.append([])
            continue
        upper, lower, rev = e
        chain = [upper]
        for r in range(verts[upper].rank + 1, verts[lower].rank):
            # The label sits on the bend next to where the transition starts.
            labelled = r == (verts[lower].rank - 1 if rev else verts[upper].rank + 1)
            w, h = (links[li].label_w, links[li].label_h) if labelled else (0.0, 0.0)
            verts.append(Vertex(w, h, rank=r))
            chain.append(len(verts) - 1)
        chain.append(lower)
        for a, b in zip(chain, chain[1:]):
            verts[a].down.append(b)
            verts[b].up.append(a)
        chains.append(chain)
    return chains


def _route(verts: list[Vertex], links: list[Link], chains: list[list[int]],
           dag: list[tuple[int, int, bool] | None], xs: list[float], tops: list[float],
           heights: list[float]) -> None:
    """Polylines: straight down inside every rank, bends only in the gaps between ranks."""
    ports_out: dict[int, list[tuple[float, int]]] = {}
    ports_in: dict[int, list[tuple[float, int]]] = {}
    for li, chain in enumerate(chains):
        if chain:
            ports_out.setdefault(chain[0], []).append((xs[chain[1]], li))
            ports_in.setdefault(chain[-1], []).append((xs[chain[-2]], li))
    offset: dict[tuple[int, int], float] = {}
    for side, ports in ((0, ports_out), (1, ports_in)):
        for v, lst in ports.items():
            lst.sort()
            spacing = min(PORT_SPACING, max(0.0, verts[v].w - 16) / max(1, len(lst)))
            for i, (_, li) in enumerate(lst):
                offset[(side, li)] = (i - (len(lst) - 1) / 2) * spacing
    for li, chain in enumerate(chains):
        if not chain:
            continue
        upper, lower = verts[chain[0]], verts[chain[-1]]
        ux, lx = xs[chain[0]] + offset[(0, li)], xs[chain[-1]] + offset[(1, li)]
        ub, lt = upper.box, lower.box
        pts = [(ux, ub.y + ub.h), (ux, tops[upper.rank] + heights[upper.rank])]
        for v in chain[1:-1]:
            r = verts[v].rank
            # Vertical through every rank (so never across a neighbour's box or label);
            # the sideways jogs happen only in the empty gaps between ranks.
            pts += [(xs[v], tops[r]), (xs[v], tops[r] + heights[r])]
            if verts[v].h:
                links[li].label_pos = (xs[v], tops[r] + heights[r] / 2)
        pts += [(lx, tops[lower.rank]), (lx, lt.y)]
        if dag[li][2]:
            pts.reverse()
        links[li].points = _simplify(pts)


def _simplify(pts: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Drop repeated points and the middle of straight runs."""
    out: list[tuple[float, float]] = []
    for p in pts:
        if out and math.isclose(out[-1][0], p[0], abs_tol=0.01) and math.isclose(out[-1][1], p[1], abs_tol=0.01):
            continue
        if len(out) >= 2:
            (ax, ay), (bx, by) = out[-2], out[-1]
            if abs((bx - ax) * (p[1] - ay) - (by - ay) * (p[0] - ax)) < 0.01:
                out[-1] = p
                continue
        out.append(p)
    return out if len(out) >= 2 else out + out
