"""Amazon States Language: validate a state machine definition and turn it into a laid-out graph.

``parse_definition`` checks a definition the way an operator needs it checked
(one readable reason naming the problem); ``build_graph`` gives every state a
box and every transition a routed polyline, ready to draw. No Qt here: the
layout itself lives in :mod:`opsconsole.core.executions.asl.layout`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from opsconsole.core.executions.asl import layout as lay

STATE_TYPES = ("Task", "Pass", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map")
QUERY_LANGUAGES = ("JSONPath", "JSONata")
#: States that move on by themselves and so need exactly one of Next / End.
_FLOWING = frozenset({"Task", "Pass", "Wait", "Parallel", "Map"})
_CATCHING = frozenset({"Task", "Parallel", "Map"})
#: Types of the pseudo-nodes a graph adds around real states.
PSEUDO_TYPES = ("Start", "End", "Branch", "Processor")
START_ID, END_ID = "#start", "#end"

EdgeKind = Literal["next", "choice", "default", "catch", "start", "end"]


class AslError(ValueError):
    """A definition that is not valid JSON or not valid ASL; ``str(e)`` is the one-line reason."""


# --------------------------------------------------------------------------- the definition
@dataclass(frozen=True)
class StateInfo:
    """Where one state sits in the definition."""

    name: str
    path: str  # e.g. "States.Fan out.Branches[0].States.Score"
    body: Mapping[str, Any]
    ancestors: tuple[str, ...]  # enclosing Parallel/Map state names, outermost first
    query_language: str


@dataclass(frozen=True, eq=False)
class Definition:
    """A validated definition: the raw document plus an index of every state, nested ones included."""

    raw: Mapping[str, Any]
    states: Mapping[str, StateInfo] = field(repr=False)

    @property
    def start_at(self) -> str:
        return self.raw["StartAt"]

    @property
    def query_language(self) -> str:
        return self.raw.get("QueryLanguage", "JSONPath")


def parse_definition(source: str | bytes | Mapping[str, Any]) -> Definition:
    """Parse and validate; raises :class:`AslError` naming the first problem found."""
    if isinstance(source, Definition):
        return source
    if isinstance(source, (str, bytes)):
        try:
            raw = json.loads(source)
        except json.JSONDecodeError as exc:
            raise AslError(f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    else:
        raw = source
    if not isinstance(raw, Mapping):
        raise AslError("the definition must be a JSON object with StartAt and States")
    ql = raw.get("QueryLanguage", "JSONPath")
    if ql not in QUERY_LANGUAGES:
        raise AslError(f'QueryLanguage "{ql}" is not JSONPath or JSONata')
    index: dict[str, StateInfo] = {}
    refs: list[tuple[Any, str, Mapping[str, Any]]] = []
    _check_machine(raw, "", (), ql, index, refs)
    # Targets last, once every name is known: a jump out of a branch then gets its own reason.
    for target, path, scope in refs:
        _check_target(target, path, scope, index)
    return Definition(raw=raw, states=index)


def _as_definition(definition: Definition | str | Mapping[str, Any]) -> Definition:
    return definition if isinstance(definition, Definition) else parse_definition(definition)


def _check_machine(machine: Any, prefix: str, ancestors: tuple[str, ...], ql: str,
                   index: dict[str, StateInfo], refs: list[tuple[Any, str, Mapping[str, Any]]]) -> None:
    """One scope (the top level, a Parallel branch, a Map processor): its states and transitions."""
    where = prefix.rstrip(".") or "the definition"
    if not isinstance(machine, Mapping):
        raise AslError(f"{where} must be an object with StartAt and States")
    if "StartAt" not in machine:
        raise AslError(f"{prefix}StartAt is missing")
    states = machine.get("States")
    if not isinstance(states, Mapping):
        raise AslError(f"{prefix}States is missing" if states is None else f"{prefix}States must be an object")
    if not states:
        raise AslError(f"{prefix}States is empty")
    for name, body in states.items():
        path = f"{prefix}States.{name}"
        if name in index:
            raise AslError(f'state name "{name}" is used twice: {index[name].path} and {path}')
        if not isinstance(body, Mapping):
            raise AslError(f"{path} must be an object")
        state_ql = body.get("QueryLanguage", ql)
        if state_ql not in QUERY_LANGUAGES:
            raise AslError(f'{path}.QueryLanguage "{state_ql}" is not JSONPath or JSONata')
        index[name] = StateInfo(name, path, body, ancestors, state_ql)
        _check_state(name, body, path, ancestors, state_ql, index, refs)
    # A transition may only stay inside its own scope (AWS rejects jumps into or out of a branch).
    refs.append((machine["StartAt"], f"{prefix}StartAt", states))
    for name, body in states.items():
        refs.extend((target, path, states) for path, target in _transitions(body, f"{prefix}States.{name}"))


def _check_state(name: str, body: Mapping[str, Any], path: str, ancestors: tuple[str, ...], ql: str,
                 index: dict[str, StateInfo], refs: list[tuple[Any, str, Mapping[str, Any]]]) -> None:
    kind = body.get("Type")
    if kind is None:
        raise AslError(f"{path}: Type is missing")
    if kind not in STATE_TYPES:
        raise AslError(f'{path}: Type "{kind}" is not a state type')
    has_next, has_end = "Next" in body, body.get("End") is True
    if kind in _FLOWING:
        if has_next and has_end:
            raise AslError(f"{path} has both Next and End")
        if not has_next and not has_end:
            raise AslError(f'{path} needs Next or "End": true')
    elif has_next or "End" in body:
        raise AslError(f"{path}: a {kind} state cannot have {'Next' if has_next else 'End'}")
    if kind == "Task" and not isinstance(body.get("Resource"), str):
        raise AslError(f"{path}: Task needs a Resource")
    if kind == "Choice":
        choices = body.get("Choices")
        if not isinstance(choices, list) or not choices:
            raise AslError(f"{path}: Choice needs a non-empty Choices list")
        for i, rule in enumerate(choices):
            _check_rule(rule, f"{path}.Choices[{i}]", top=True)
    if "Catch" in body:
        if kind not in _CATCHING:
            raise AslError(f"{path}: a {kind} state cannot have Catch")
        if not isinstance(body["Catch"], list):
            raise AslError(f"{path}.Catch must be an array")
        for i, catcher in enumerate(body["Catch"]):
            if not isinstance(catcher, Mapping) or not isinstance(catcher.get("ErrorEquals"), list):
                raise AslError(f"{path}.Catch[{i}].ErrorEquals is missing")
            if "Next" not in catcher:
                raise AslError(f"{path}.Catch[{i}].Next is missing")
    inner = ancestors + (name,)
    if kind == "Parallel":
        branches = body.get("Branches")
        if not isinstance(branches, list) or not branches:
            raise AslError(f"{path}: Parallel needs a non-empty Branches list")
        for i, branch in enumerate(branches):
            _check_machine(branch, f"{path}.Branches[{i}].", inner, ql, index, refs)
    elif kind == "Map":
        key = "ItemProcessor" if "ItemProcessor" in body else "Iterator" if "Iterator" in body else None
        if key is None:
            raise AslError(f"{path}: Map needs an ItemProcessor (or Iterator)")
        config = body[key].get("ProcessorConfig", {}) if isinstance(body[key], Mapping) else {}
        mode = config.get("Mode", "INLINE") if isinstance(config, Mapping) else None
        if mode not in ("INLINE", "DISTRIBUTED"):
            raise AslError(f'{path}.{key}.ProcessorConfig.Mode "{mode}" is not INLINE or DISTRIBUTED')
        _check_machine(body[key], f"{path}.{key}.", inner, ql, index, refs)


_COMPOUND = ("And", "Or", "Not")


def _check_rule(rule: Any, path: str, top: bool) -> None:
    if not isinstance(rule, Mapping):
        raise AslError(f"{path} must be an object")
    if top and "Next" not in rule:
        raise AslError(f"{path}.Next is missing")
    if "Condition" in rule:
        return
    for op in _COMPOUND:
        if op in rule:
            operands = [rule[op]] if op == "Not" else rule[op]
            if not isinstance(operands, list) or not operands:
                raise AslError(f"{path}.{op} needs at least one rule")
            for i, sub in enumerate(operands):
                _check_rule(sub, f"{path}.{op}" + ("" if op == "Not" else f"[{i}]"), top=False)
            return
    if "Variable" in rule and _comparator(rule) is not None:
        return
    raise AslError(f"{path} has no condition (Variable with a comparison, And/Or/Not, or Condition)")


def _transitions(body: Mapping[str, Any], path: str) -> Iterator[tuple[str, Any]]:
    """(path, target) for every transition a state declares, in reading order."""
    if "Next" in body:
        yield f"{path}.Next", body["Next"]
    if body["Type"] == "Choice":  # other states' stray Choices/Default fields lead nowhere
        for i, rule in enumerate(body["Choices"]):
            yield f"{path}.Choices[{i}].Next", rule["Next"]
        if "Default" in body:
            yield f"{path}.Default", body["Default"]
    for i, catcher in enumerate(body.get("Catch", ())):
        yield f"{path}.Catch[{i}].Next", catcher["Next"]


def _check_target(target: Any, path: str, scope: Mapping[str, Any], index: Mapping[str, StateInfo]) -> None:
    if not isinstance(target, str):
        raise AslError(f"{path} must be a state name")
    if target in scope:
        return
    if target in index:
        raise AslError(f'{path} points to "{target}", which is outside its own branch or processor')
    raise AslError(f'{path} points to missing state "{target}"')


# --------------------------------------------------------------------------- questions about states
def state_names(definition: Definition | str | Mapping[str, Any]) -> list[str]:
    """Every state name, nested ones included, containers before their children."""
    return list(_as_definition(definition).states)


def find_state(definition: Definition | str | Mapping[str, Any], name: str) -> dict[str, Any] | None:
    """The state's own JSON object, wherever it is nested; None when there is no such state."""
    info = _as_definition(definition).states.get(name)
    return dict(info.body) if info else None


def parent_chain(definition: Definition | str | Mapping[str, Any], name: str) -> list[str]:
    """Enclosing Parallel/Map state names, top-level ancestor first; [] for a top-level state.

    Raises KeyError for a name the definition does not have.
    """
    info = _as_definition(definition).states.get(name)
    if info is None:
        raise KeyError(f'no state named "{name}"')
    return list(info.ancestors)


# --------------------------------------------------------------------------- readable labels
_OPS = {"Equals": "==", "LessThan": "<", "GreaterThan": ">", "LessThanEquals": "<=",
        "GreaterThanEquals": ">="}
_KINDS = ("String", "Numeric", "Boolean", "Timestamp")
_TESTS = {"IsPresent": "present", "IsNull": "null", "IsNumeric": "numeric", "IsString": "a string",
          "IsBoolean": "a boolean", "IsTimestamp": "a timestamp"}
MAX_LABEL = 48


def _comparator(rule: Mapping[str, Any]) -> tuple[str, Any] | None:
    for key, value in rule.items():
        if key in _TESTS or key == "StringMatches":
            return key, value
        for kind in _KINDS:
            if key.startswith(kind) and key[len(kind):].removesuffix("Path") in _OPS:
                return key, value
    return None


def describe_rule(rule: Mapping[str, Any]) -> str:
    """A Choice rule as a short expression: ``$.score >= 0.8``, ``not ($.a == "x")``, a JSONata Condition."""
    if "Condition" in rule:
        cond = str(rule["Condition"]).strip()
        if cond.startswith("{%") and cond.endswith("%}"):
            cond = cond[2:-2].strip()
        return cond
    if "Not" in rule:
        return f"not ({describe_rule(rule['Not'])})"
    for op in ("And", "Or"):
        if op in rule:
            parts = [describe_rule(sub) for sub in rule[op]]
            wrapped = [f"({p})" if " and " in p or " or " in p else p for p in parts]
            return f" {op.lower()} ".join(wrapped)
    found = _comparator(rule)
    var = rule.get("Variable", "?")
    if found is None:
        return str(var)
    key, value = found
    if key in _TESTS:
        return f"{var} is {'' if value else 'not '}{_TESTS[key]}"
    if key == "StringMatches":
        return f'{var} matches "{value}"'
    kind = next(k for k in _KINDS if key.startswith(k))
    op = key[len(kind):]
    if op.endswith("Path"):
        shown = str(value)
    elif isinstance(value, bool):
        shown = "true" if value else "false"
    elif kind in ("String", "Timestamp"):
        shown = json.dumps(value)
    else:
        shown = str(value)
    return f"{var} {_OPS[op.removesuffix('Path')]} {shown}"


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


def build_graph(definition: Definition | str | Mapping[str, Any]) -> Graph:
    """Validate (if needed) and lay out: one node per state, edges routed as polylines."""
    asm = _Assembly(_as_definition(definition))
    root = lay.Box("#root", kind="graph", pad=MARGIN)
    asm.scope(root, asm.d.raw, None, 0)
    lay.layout(root)
    nodes = tuple(StateNode(b.id, *meta[:4], round(b.x, 2), round(b.y, 2), round(b.w, 2), round(b.h, 2),
                            *meta[4:6], b.kind != "leaf", meta[6]) for b, meta in asm.nodes)
    edges = tuple(Edge(link.source, link.target, kind, label, tuple((round(x, 2), round(y, 2)) for x, y in link.points),
                       link.label_pos) for link, kind, label in asm.edges)
    return Graph(nodes=nodes, edges=edges, width=root.w, height=root.h)


MARGIN = 24.0
STATE_MAX_W, STATE_MIN_W = 240.0, 120.0
_NAME_CHARS = int((STATE_MAX_W - 24) / lay.NAME_CHAR_W)
_LABEL_CHARS = int((STATE_MAX_W - 24) / lay.LABEL_CHAR_W)


def text_lines(node: StateNode) -> tuple[list[str], list[str]]:
    """The wrapped name and label lines a box was sized for (the view draws exactly these)."""
    if node.type in PSEUDO_TYPES:
        return [node.name], [node.label] if node.label else []
    return _wrap_text(node.name, node.label, node.is_container)


def _wrap_text(name: str, label: str, container: bool) -> tuple[list[str], list[str]]:
    # Containers are wide anyway: their titles get longer lines and so stay whole.
    scale = 1.6 if container else 1.0
    return (lay.wrap(name, int(_NAME_CHARS * scale), 3),
            lay.wrap(label, int(_LABEL_CHARS * scale), 3 if container else 2) if label else [])


class _Assembly:
    """Walks a definition once, building layout boxes and remembering what each one stands for."""

    def __init__(self, definition: Definition) -> None:
        self.d = definition
        # (box, (name, type, parent, depth, label, resource, query language)), parents first
        self.nodes: list[tuple[lay.Box, tuple[Any, ...]]] = []
        self.edges: list[tuple[lay.Link, EdgeKind, str]] = []

    def _node(self, box: lay.Box, *meta: Any) -> lay.Box:
        self.nodes.append((box, meta))
        return box

    def _link(self, scope: lay.Box, source: str, target: str, kind: EdgeKind, label: str = "") -> None:
        link = lay.Link(source, target)
        if label:  # the layout reserves this much room for the label's pill
            link.label_w, link.label_h = len(label) * lay.LABEL_CHAR_W + 14, lay.LABEL_LINE_H + 5
        scope.links.append(link)
        self.edges.append((link, kind, label))

    def scope(self, box: lay.Box, machine: Mapping[str, Any], parent: str | None, depth: int) -> None:
        top, ql = parent is None, self.d.query_language
        if top:
            box.children.append(self._node(lay.Box(START_ID, w=70, h=26), "Start", "Start", None, 0, "", None, ql))
            self._link(box, START_ID, machine["StartAt"], "start")
        ends = []
        for name, body in machine["States"].items():
            box.children.append(self.state(name, body, parent, depth))
            for target, kind, label in _edges_of(body):
                self._link(box, name, target, kind, label)
            # Fail states are ends in themselves; only successful ends lead to End.
            if top and (body.get("End") is True or body["Type"] == "Succeed"):
                ends.append(name)
        if ends:
            box.children.append(self._node(lay.Box(END_ID, w=70, h=26), "End", "End", None, 0, "", None, ql))
            for name in ends:
                self._link(box, name, END_ID, "end")

    def state(self, name: str, body: Mapping[str, Any], parent: str | None, depth: int) -> lay.Box:
        ql, kind = self.d.states[name].query_language, body["Type"]
        label = _subtitle(body, ql, self.d.query_language)
        meta = (name, kind, parent, depth, label, body["Resource"] if kind == "Task" else None, ql)
        name_lines, label_lines = _wrap_text(name, label, kind in ("Parallel", "Map"))
        tw = max([len(t) * lay.NAME_CHAR_W for t in name_lines] + [len(t) * lay.LABEL_CHAR_W for t in label_lines])
        th = len(name_lines) * lay.NAME_LINE_H + len(label_lines) * lay.LABEL_LINE_H
        if kind not in ("Parallel", "Map"):
            return self._node(lay.Box(name, w=min(STATE_MAX_W, max(STATE_MIN_W, tw + 24)), h=th + 20), *meta)
        box = self._node(lay.Box(name, kind="row", header=th + 14, pad=12, min_w=tw + 24), *meta)
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

    def pseudo(self, node_id: str, title: str, detail: str, kind: str, machine: Mapping[str, Any],
               parent: str, depth: int, ql: str) -> lay.Box:
        text = f"{title} · {detail}" if detail else title
        box = lay.Box(node_id, kind="graph", header=lay.LABEL_LINE_H + 8, pad=10,
                      min_w=len(text) * lay.LABEL_CHAR_W + 24)
        self._node(box, title, kind, parent, depth, detail, None, ql)
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
