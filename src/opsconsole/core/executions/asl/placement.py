"""Where the vertices of one layered scope go: their order within each rank, then their coordinates.

The middle phases of :mod:`opsconsole.core.executions.asl.layout`: barycentric
crossing reduction (the best of a few sweeps kept), then x centres by repeated
weighted isotonic regression, which keeps each rank's order and spacing while
pulling vertices towards their neighbours, then y by rank. Deterministic: ties
fall back to the order given.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

NODE_GAP, THIN_GAP = 30.0, 10.0  # between boxes / next to a bend of a long edge
RANK_GAP = 22.0  # above and below every odd (label) rank: where edges bend


@dataclass(eq=False)
class Vertex:
    """A box of the scope, or a bend of a link crossing a rank; ``up``/``down`` are neighbour indexes."""

    w: float
    h: float
    rank: int = 0
    box: Any = None  # the layout's box; None for a bend (dummy) vertex
    up: list[int] = field(default_factory=list)
    down: list[int] = field(default_factory=list)


def order(verts: list[Vertex], chains: list[list[int]], visit: list[int]) -> list[list[int]]:
    """Vertices per rank, ordered to keep crossings low (barycentre sweeps, best pass kept)."""
    layers: list[list[int]] = [[] for _ in range(max(v.rank for v in verts) + 1)]
    placed = [False] * len(verts)
    # Initial order: boxes as a DFS from the start meets them (Choice rules left to right, Default
    # and Catch targets to the right), each link's bends right after its upper end.
    starts: dict[int, list[list[int]]] = {}
    for chain in chains:
        if chain:
            starts.setdefault(chain[0], []).append(chain)
    for b in visit:
        for v in [b] + [x for c in starts.get(b, []) for x in c[1:-1]]:
            if not placed[v]:
                placed[v] = True
                layers[verts[v].rank].append(v)
    pos = [0.0] * len(verts)

    def renumber(layer: list[int]) -> None:
        for i, v in enumerate(layer):
            pos[v] = float(i)

    for layer in layers:
        renumber(layer)
    best, best_cross = [list(l) for l in layers], _crossings(layers, verts, pos)
    sweeps = 8 if len(verts) < 4000 else 4
    for sweep in range(sweeps):
        down = sweep % 2 == 0
        rng = range(1, len(layers)) if down else range(len(layers) - 2, -1, -1)
        for r in rng:
            layer = layers[r]
            bary = {}
            for v in layer:
                nbrs = verts[v].up if down else verts[v].down
                bary[v] = sum(pos[u] for u in nbrs) / len(nbrs) if nbrs else pos[v]
            layer.sort(key=lambda v: (bary[v], pos[v]))
            renumber(layer)
        cross = _crossings(layers, verts, pos)
        if cross < best_cross:
            best, best_cross = [list(l) for l in layers], cross
        if best_cross == 0:
            break
    return best


def _crossings(layers: list[list[int]], verts: list[Vertex], pos: list[float]) -> int:
    """Edge crossings between consecutive ranks: inversions of lower ends, counted by bisection."""
    total = 0
    for layer in layers[:-1]:
        ends: list[float] = []
        for _, b in sorted((pos[v], pos[t]) for v in layer for t in verts[v].down):
            total += len(ends) - bisect.bisect_right(ends, b)  # earlier edges ending to the right cross
            bisect.insort(ends, b)
    return total


def x_positions(verts: list[Vertex], layers: list[list[int]]) -> list[float]:
    """Centres in x: each rank pulled towards its neighbours, order and spacing kept."""
    xs = [0.0] * len(verts)
    for layer in layers:  # packed, centred on 0, to start from
        offsets = _offsets(layer, verts)
        for v, o in zip(layer, offsets):
            xs[v] = o - offsets[-1] / 2
    passes = [range(1, len(layers)), range(len(layers) - 2, -1, -1)] * (4 if len(verts) < 4000 else 2)
    passes.append(range(len(layers)))
    for p, rng in enumerate(passes):
        both = p == len(passes) - 1
        for r in rng:
            layer = layers[r]
            desired, weight = [], []
            for v in layer:
                nbrs = (verts[v].up + verts[v].down) if both else (verts[v].up if p % 2 == 0 else verts[v].down)
                wsum = xsum = 0.0
                for u in nbrs:
                    # Bends pull hardest on bends: long edges stay straight lanes.
                    wt = 8.0 if verts[u].box is None and verts[v].box is None else 1.0
                    wsum += wt
                    xsum += wt * xs[u]
                desired.append(xsum / wsum if wsum else xs[v])
                weight.append(wsum or 0.05)
            for v, x in zip(layer, _isotonic(layer, verts, desired, weight)):
                xs[v] = x
    left = min(xs[v] - verts[v].w / 2 for v in range(len(verts)))
    return [x - left for x in xs]


def _offsets(layer: list[int], verts: list[Vertex]) -> list[float]:
    """Centre-to-centre distances from the first vertex: boxes keep NODE_GAP, bends THIN_GAP."""
    offsets = [0.0]
    for a, b in zip(layer, layer[1:]):
        gap = NODE_GAP if verts[a].box is not None or verts[b].box is not None else THIN_GAP
        offsets.append(offsets[-1] + (verts[a].w + verts[b].w) / 2 + gap)
    return offsets


def _isotonic(layer: list[int], verts: list[Vertex], desired: list[float], weight: list[float]) -> list[float]:
    """Closest positions to ``desired`` (weighted least squares) keeping order and minimum spacing.

    Subtracting the cumulative spacing turns it into isotonic regression, solved
    by pooling adjacent violators.
    """
    offsets = _offsets(layer, verts)
    blocks: list[list[float]] = []  # [weighted sum, weight, count]
    for d, w, o in zip(desired, weight, offsets):
        blocks.append([w * (d - o), w, 1])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            s, wt, c = blocks.pop()
            blocks[-1][0] += s
            blocks[-1][1] += wt
            blocks[-1][2] += c
    out: list[float] = []
    for s, wt, c in blocks:
        out.extend([s / wt] * int(c))
    return [y + o for y, o in zip(out, offsets)]


def y_positions(verts: list[Vertex], layers: list[list[int]]) -> tuple[list[float], list[float]]:
    heights = [max((verts[v].h for v in layer), default=0.0) for layer in layers]
    tops, y = [], 0.0
    for r, h in enumerate(heights):
        if r % 2:
            y += RANK_GAP
        tops.append(y)
        y += h + (RANK_GAP if r % 2 else 0.0)
    return tops, heights
