"""A state machine definition as a laid-out graph: a box per state, a routed polyline per transition.

:func:`build_graph` validates (if needed), sizes every box for its wrapped text
with the caller's :class:`~opsconsole.core.executions.asl.text.TextMetrics`
(the view's fonts; average glyph widths by default) and lays the boxes out with
:mod:`opsconsole.core.executions.asl.layout`. No Qt here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from opsconsole.core.executions.asl import layout as lay
from opsconsole.core.executions.asl.text import DEFAULT_METRICS, TextMetrics, wrap
from opsconsole.core.executions.asl.validate import (
    STATE_TYPES,
    Definition,
    as_definition,
    describe_rule,
)

#: Types of the pseudo-nodes a graph adds around real states.
PSEUDO_TYPES = ("Start", "End", "Branch", "Processor")
START_ID, END_ID = "#start", "#end"
#: Longest edge label, in characters (longer ones end in an ellipsis).
MAX_LABEL = 48

EdgeKind = Literal["next", "choice", "default", "catch", "start", "end"]


def shorten(text: str, limit: int = MAX_LABEL) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def short_resource(resource: str) -> str:
    """``arn:aws:states:::dynamodb:getItem`` -> ``dynamodb:getItem``; Lambda/activity ARNs -> their names."""
    parts = resource.split(":")
    if resource.startswith("arn:") and len(parts) >= 6:
        service, rest = parts[2], parts[5:]
        if service == "states" and not parts[3] and not parts[4]:
            if rest[0] == "aws-sdk":
                rest = rest[1:]
            return ":".join(rest)
        if service == "lambda" and rest[0] == "function" and len(rest) > 1:
            return f"lambda:{rest[1]}"
        if service == "states" and rest[0] == "activity" and len(rest) > 1:
            return f"activity:{rest[1]}"
        return ":".join([service] + rest[-1:])
    return resource


def _obj(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _processor_config(body: Mapping[str, Any]) -> Mapping[str, Any]:
    return _obj(_obj(body.get("ItemProcessor", body.get("Iterator"))).get("ProcessorConfig"))


def _subtitle(body: Mapping[str, Any], ql: str, top_ql: str) -> str:
    """The second line of a state's box: its type and what it calls or does."""
    kind = body["Type"]
    parts = [kind]
    if kind == "Task":
        parts.append(short_resource(body["Resource"]))
    elif kind == "Map":
        if "ItemProcessor" not in body:
            parts.append("Iterator")
        elif _processor_config(body).get("Mode") == "DISTRIBUTED":
            parts.append("distributed")
        reader = _obj(body.get("ItemReader"))
        if isinstance(reader.get("Resource"), str):  # optional fields: shown when well-formed
            fmt = _obj(reader.get("ReaderConfig")).get("InputType")
            parts.append(f"reads {short_resource(reader['Resource'])}" + (f" {fmt}" if isinstance(fmt, str) else ""))
        if isinstance(body.get("ResultWriter"), Mapping):
            parts.append("writes results")
        if "MaxConcurrency" in body:
            parts.append(f"max {body['MaxConcurrency']}")
    elif kind == "Wait":
        for key, unit in (("Seconds", " s"), ("Timestamp", ""), ("SecondsPath", ""), ("TimestampPath", "")):
            if key in body:
                parts.append(f"{body[key]}{unit}")
                break
    elif kind == "Fail" and isinstance(body.get("Error"), str):
        parts.append(body["Error"])
    if ql != top_ql or (ql == "JSONata" and body["Type"] in ("Parallel", "Map")):
        parts.append(ql)
    return shorten(" · ".join(parts), 90)


# --------------------------------------------------------------------------- the graph
@dataclass(frozen=True)
class StateNode:
    """One box: a state, or a pseudo-node (Start, End, a Parallel branch, a Map's processor)."""

    id: str
    name: str
    type: str
    parent: str | None
    depth: int
    x: float
    y: float
    w: float
    h: float
    label: str
    resource: str | None
    is_container: bool
    query_language: str
    #: The wrapped lines the box was sized for: the view draws exactly these.
    name_lines: tuple[str, ...] = ()
    label_lines: tuple[str, ...] = ()

    @property
    def is_state(self) -> bool:
        return self.type in STATE_TYPES


@dataclass(frozen=True)
class Edge:
    """A transition drawn as a polyline from ``source``'s box to ``target``'s box."""

    source: str
    target: str
    kind: EdgeKind
    label: str
    points: tuple[tuple[float, float], ...]
    #: Centre of the label's slot, which the layout kept clear; None when unlabelled.
    label_pos: tuple[float, float] | None = None


@dataclass(frozen=True)
class Graph:
    """Every node and edge with coordinates (abstract px, y grows downwards)."""

    nodes: tuple[StateNode, ...]
    edges: tuple[Edge, ...]
    width: float
    height: float
    #: Line heights of the metrics the boxes were sized with (a view spaces its lines by them).
    name_line_height: float = DEFAULT_METRICS.name_line_height
    label_line_height: float = DEFAULT_METRICS.label_line_height
    _by_id: dict[str, StateNode] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {n.id: n for n in self.nodes})

    def node(self, node_id: str) -> StateNode | None:
        return self._by_id.get(node_id)

    def node_for_state(self, name: str) -> StateNode | None:
        node = self._by_id.get(name)
        return node if node is not None and node.is_state else None

    @property
    def state_count(self) -> int:
        return sum(1 for n in self.nodes if n.is_state)


def build_graph(definition: Definition | str | Mapping[str, Any], metrics: TextMetrics = DEFAULT_METRICS) -> Graph:
    """Validate (if needed) and lay out: one node per state, edges routed as polylines.

    ``metrics`` measures text as the view will draw it; boxes are sized and
    names wrapped by it.
    """
    asm = _Assembly(as_definition(definition), metrics)
    root = lay.Box("#root", kind="graph", pad=MARGIN)
    asm.scope(root, asm.d.raw, None, 0)
    lay.layout(root)
    nodes = tuple(StateNode(b.id, *meta[:4], round(b.x, 2), round(b.y, 2), round(b.w, 2), round(b.h, 2),
                            *meta[4:6], b.kind != "leaf", *meta[6:]) for b, meta in asm.nodes)
    edges = tuple(Edge(link.source, link.target, kind, label, tuple((round(x, 2), round(y, 2)) for x, y in link.points),
                       link.label_pos) for link, kind, label in asm.edges)
    return Graph(nodes=nodes, edges=edges, width=root.w, height=root.h,
                 name_line_height=metrics.name_line_height, label_line_height=metrics.label_line_height)


MARGIN = 24.0
STATE_MAX_W, STATE_MIN_W = 240.0, 120.0
#: Room left and right of the text in a box.
TEXT_PAD = 24.0


def text_lines(node: StateNode) -> tuple[list[str], list[str]]:
    """The wrapped name and label lines a box was sized for (the view draws exactly these)."""
    return list(node.name_lines), list(node.label_lines)


class _Assembly:
    """Walks a definition once, building layout boxes and remembering what each one stands for."""

    def __init__(self, definition: Definition, metrics: TextMetrics) -> None:
        self.d = definition
        self.m = metrics
        # (box, (name, type, parent, depth, label, resource, query language, name lines, label lines)), parents first
        self.nodes: list[tuple[lay.Box, tuple[Any, ...]]] = []
        self.edges: list[tuple[lay.Link, EdgeKind, str]] = []

    def _node(self, box: lay.Box, *meta: Any) -> lay.Box:
        self.nodes.append((box, meta))
        return box

    def _link(self, scope: lay.Box, source: str, target: str, kind: EdgeKind, label: str = "") -> None:
        link = lay.Link(source, target)
        if label:  # the layout reserves this much room for the label's pill
            link.label_w, link.label_h = self.m.label_width(label) + 14, self.m.label_line_height + 5
        scope.links.append(link)
        self.edges.append((link, kind, label))

    def scope(self, box: lay.Box, machine: Mapping[str, Any], parent: str | None, depth: int) -> None:
        top, ql = parent is None, self.d.query_language
        if top:
            box.children.append(self._node(lay.Box(START_ID, w=70, h=26), "Start", "Start", None, 0, "", None, ql,
                                                ("Start",), ()))
            self._link(box, START_ID, machine["StartAt"], "start")
        ends = []
        # The state a scope starts at first: the layout breaks loops from the first box it meets, so a
        # branch that lists a looping state before its StartAt is still drawn from its start downwards.
        states = machine["States"]
        for name in [machine["StartAt"]] + [n for n in states if n != machine["StartAt"]]:
            body = states[name]
            box.children.append(self.state(name, body, parent, depth))
            for target, kind, label in _edges_of(body):
                self._link(box, name, target, kind, label)
            # Fail states are ends in themselves; only successful ends lead to End.
            if top and (body.get("End") is True or body["Type"] == "Succeed"):
                ends.append(name)
        if ends:
            box.children.append(self._node(lay.Box(END_ID, w=70, h=26), "End", "End", None, 0, "", None, ql,
                                                    ("End",), ()))
            for name in ends:
                self._link(box, name, END_ID, "end")

    def state(self, name: str, body: Mapping[str, Any], parent: str | None, depth: int) -> lay.Box:
        ql, kind = self.d.states[name].query_language, body["Type"]
        label = _subtitle(body, ql, self.d.query_language)
        name_lines, label_lines = self.wrap_text(name, label, kind in ("Parallel", "Map"))
        meta = (name, kind, parent, depth, label, body["Resource"] if kind == "Task" else None, ql,
                name_lines, label_lines)
        m = self.m
        tw = max([m.name_width(t) for t in name_lines] + [m.label_width(t) for t in label_lines])
        th = len(name_lines) * m.name_line_height + len(label_lines) * m.label_line_height
        if kind not in ("Parallel", "Map"):
            return self._node(lay.Box(name, w=min(STATE_MAX_W, max(STATE_MIN_W, tw + TEXT_PAD)), h=th + 20), *meta)
        box = self._node(lay.Box(name, kind="row", header=th + 14, pad=12, min_w=tw + TEXT_PAD), *meta)
        if kind == "Parallel":
            for i, branch in enumerate(body["Branches"]):
                box.children.append(self.pseudo(f"{name}#branch{i}", f"Branch {i + 1}", "", "Branch",
                                                branch, name, depth + 1, ql))
            return box
        config, legacy = _processor_config(body), "ItemProcessor" not in body
        detail = " · ".join(str(v) for v in (config.get("Mode", "INLINE"), config.get("ExecutionType")) if v)
        box.children.append(self.pseudo(f"{name}#processor", "Iterator" if legacy else "Item processor", detail,
                                        "Processor", body["Iterator" if legacy else "ItemProcessor"], name, depth + 1,
                                        ql))
        return box

    def wrap_text(self, name: str, label: str, container: bool) -> tuple[tuple[str, ...], tuple[str, ...]]:
        # Containers are wide anyway: their titles get longer lines and so stay whole.
        line_w = (STATE_MAX_W - TEXT_PAD) * (1.6 if container else 1.0)
        return (tuple(wrap(name, self.m.name_width, line_w, 3)),
                tuple(wrap(label, self.m.label_width, line_w, 3 if container else 2)) if label else ())

    def pseudo(self, node_id: str, title: str, detail: str, kind: str, machine: Mapping[str, Any],
               parent: str, depth: int, ql: str) -> lay.Box:
        text = f"{title} · {detail}" if detail else title
        box = lay.Box(node_id, kind="graph", header=self.m.label_line_height + 8, pad=10,
                      min_w=self.m.label_width(text) + TEXT_PAD)
        self._node(box, title, kind, parent, depth, detail, None, ql, (title,), (detail,) if detail else ())
        self.scope(box, machine, node_id, depth + 1)
        return box


def _edges_of(body: Mapping[str, Any]) -> Iterator[tuple[str, EdgeKind, str]]:
    if "Next" in body:
        yield body["Next"], "next", ""
    if body["Type"] == "Choice":
        for rule in body["Choices"]:
            yield rule["Next"], "choice", shorten(describe_rule(rule))
        if "Default" in body:
            yield body["Default"], "default", "Default"
    for catcher in body.get("Catch", ()):
        yield catcher["Next"], "catch", shorten(", ".join(map(str, catcher["ErrorEquals"])) or "(no errors)")
