"""Amazon States Language definitions: parse, validate, and answer questions about their states.

:func:`parse_definition` checks a definition the way an operator needs it
checked: an :class:`AslError` with one readable reason naming the problem.
:func:`top_level_ancestors` works on any definition AWS accepted, without
validating it (the re-run and the sandbox's redrive both ask it where to restart).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from opsconsole.core import strictjson

from opsconsole.core.errors import DomainError

STATE_TYPES = ("Task", "Pass", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map")
QUERY_LANGUAGES = ("JSONPath", "JSONata")
#: States that move on by themselves and so need exactly one of Next / End.
_FLOWING = frozenset({"Task", "Pass", "Wait", "Parallel", "Map"})
_CATCHING = frozenset({"Task", "Parallel", "Map"})


class AslError(DomainError, ValueError):
    """A definition that is not valid JSON or not valid ASL; ``str(e)`` is the one-line reason.

    The reason names the field to fix (``States.Score needs Next or "End": true``);
    still a ValueError for callers that catch that.
    """

    title = "Invalid state machine definition"

    def __init__(self, message: str, code: str = "SCHEMA_VALIDATION_FAILED", location: str | None = None):
        super().__init__(message)
        #: AWS's diagnostic code (ValidateStateMachineDefinition) and the JSON pointer of the field.
        self.code, self.location = code, location


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


def parse_definition(source: str | bytes | Mapping[str, Any], machine_type: str = "STANDARD") -> Definition:
    """Parse and validate; raises :class:`AslError` naming the first problem found.

    The checks are the ones Step Functions makes before it creates a state
    machine (see :func:`diagnose`): the structure first, then the rules that
    need the whole definition (reachability, query-language fields, Retry and
    Catch order, Map modes, what an EXPRESS machine cannot do).
    """
    if isinstance(source, Definition):
        return source
    definition = _parse_structure(source)
    problems = rule_problems(definition, machine_type)
    if problems:
        first = problems[0]
        raise AslError(f"{dotted(first.location)}: {first.message}" if first.location else first.message,
                       first.code, first.location)
    return definition


def dotted(location: str) -> str:
    """``/States/Fan out/Branches/0/States/A`` as the path the other reasons use, ``States.Fan out.Branches[0].States.A``."""
    text = ""
    for part in location.strip("/").split("/"):
        part = part.replace("~1", "/").replace("~0", "~")  # a name with "/" in it is one part
        text += f"[{part}]" if part.isdigit() else f".{part}" if text else part
    return text


def _parse_structure(source: str | bytes | Mapping[str, Any]) -> Definition:
    if isinstance(source, (str, bytes)):
        try:
            raw = strictjson.loads(source)
        except json.JSONDecodeError as exc:
            raise AslError(f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}",
                           "INVALID_JSON_DESCRIPTION") from None
        except (strictjson.JsonRefused, UnicodeDecodeError) as exc:
            raise AslError(f"not JSON AWS would take: {exc}", "INVALID_JSON_DESCRIPTION") from None
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


def as_definition(definition: Definition | str | Mapping[str, Any]) -> Definition:
    """``definition`` itself when already parsed, else :func:`parse_definition` of it."""
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
            raise AslError(f'state name "{name}" is used twice: {index[name].path} and {path}',
                           "DUPLICATE_STATE_NAME", pointer(path))
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
        if not isinstance(config, Mapping):
            raise AslError(f"{path}.{key}.ProcessorConfig must be an object")
        mode = config.get("Mode", "INLINE")
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
        raise AslError(f'{path} points to "{target}", which is outside its own branch or processor',
                       "MISSING_TRANSITION_TARGET", pointer(path))
    raise AslError(f'{path} points to missing state "{target}"', "MISSING_TRANSITION_TARGET", pointer(path))


# --------------------------------------------------------------------------- AWS's rules on the whole definition
#: Diagnostic severities of ValidateStateMachineDefinition.
ERROR, WARNING = "ERROR", "WARNING"
#: Fields only a JSONPath state has, and only a JSONata state has (AWS refuses the other language's).
JSONPATH_ONLY = ("InputPath", "Parameters", "ResultSelector", "ResultPath", "OutputPath", "ItemsPath",
                 "SecondsPath", "TimestampPath", "TimeoutSecondsPath", "HeartbeatSecondsPath",
                 "MaxConcurrencyPath", "ErrorPath", "CausePath")
JSONATA_ONLY = ("Arguments", "Output", "Items")
_DISTRIBUTED_ONLY = ("ItemReader", "ItemBatcher", "ResultWriter")
_RETRYING = _CATCHING
#: State names: at most 80 characters (AWS's INVALID_STATE_NAME).
MAX_STATE_NAME = 80


@dataclass(frozen=True)
class Diagnostic:
    """One finding of ValidateStateMachineDefinition: severity, AWS's code, a message, where."""

    severity: str
    code: str
    message: str
    location: str | None = None

    def as_api(self) -> dict[str, str]:
        """The ``ValidateStateMachineDefinitionDiagnostic`` shape."""
        found = {"severity": self.severity, "code": self.code, "message": self.message}
        if self.location:
            found["location"] = self.location
        return found


def pointer(path: str) -> str:
    """``States.M.ItemProcessor.States.A.Next`` as the JSON pointer AWS reports, ``/States/M/.../Next``."""
    parts: list[str] = []
    for part in path.split("."):
        name, _, rest = part.partition("[")
        parts.append(name)
        if rest:
            parts.extend(index.rstrip("]") for index in ("[" + rest).split("[")[1:])
    return "/" + "/".join(p for p in parts if p != "")


def _escaped(name: str) -> str:
    """A state or field name as one JSON pointer part (RFC 6901): ``~`` as ``~0``, ``/`` as ``~1``."""
    return name.replace("~", "~0").replace("/", "~1")


def diagnose(source: str | bytes | Mapping[str, Any] | None, machine_type: str = "STANDARD") -> list[Diagnostic]:
    """Every problem AWS reports for a definition, as ValidateStateMachineDefinition lists them.

    A structural problem (JSON, a missing member, a transition to nowhere) stops
    the check at the first one, as the definition cannot be read further; the
    rules that need the whole definition are all reported.
    """
    if source is None or (isinstance(source, (str, bytes)) and not source.strip()):
        return [Diagnostic(ERROR, "MISSING_DESCRIPTION", "The definition is empty.")]
    try:
        definition = _parse_structure(source)
    except AslError as exc:
        return [Diagnostic(ERROR, exc.code, str(exc), exc.location)]
    return rule_problems(definition, machine_type)


def aws_definition_message(problems: list[Diagnostic]) -> str:
    """The message of CreateStateMachine's ``InvalidDefinition``, in AWS's style."""
    parts = [f"{p.code}: {p.message}" + (f" at {p.location}" if p.location else "")
             for p in problems if p.severity == ERROR]
    return "Invalid State Machine Definition: '" + ", ".join(parts) + "'"


def rule_problems(definition: Definition, machine_type: str = "STANDARD") -> list[Diagnostic]:
    """The rules of a structurally sound definition; every problem, in reading order."""
    found: list[Diagnostic] = []
    _scope_rules(definition.raw, "", definition.query_language, machine_type, found)
    return found


def _scope_rules(machine: Mapping[str, Any], at: str, ql: str, machine_type: str, found: list[Diagnostic]) -> None:
    """The rules of one scope; ``at`` is its JSON pointer ("" for the top level), built from names as they are."""
    states: Mapping[str, Any] = machine["States"]
    reached, todo = set(), [machine["StartAt"]]
    while todo:
        name = todo.pop()
        if name in reached or name not in states:
            continue
        reached.add(name)
        todo.extend(target for _, target in _transitions(states[name], ""))
    for name, body in states.items():
        where = f"{at}/States/{_escaped(name)}"
        if name not in reached:
            found.append(Diagnostic(ERROR, "MISSING_TRANSITION_TARGET", f'State "{name}" is not reachable.', where))
        if len(name) > MAX_STATE_NAME:
            found.append(Diagnostic(ERROR, "INVALID_STATE_NAME",
                                    f"State name is longer than {MAX_STATE_NAME} characters.", where))
        _state_rules(body, where, body.get("QueryLanguage", ql), machine_type, found)
    if not any(_terminal(body) for body in states.values()):
        found.append(Diagnostic(ERROR, "MISSING_END_STATE", "Workflow has no terminal state.", f"{at}/States"))


def _terminal(body: Mapping[str, Any]) -> bool:
    return body["Type"] in ("Succeed", "Fail") or body.get("End") is True


def _state_rules(body: Mapping[str, Any], where: str, ql: str, machine_type: str, found: list[Diagnostic]) -> None:
    kind = body["Type"]

    def error(member: str, message: str, code: str = "SCHEMA_VALIDATION_FAILED", field: bool = False) -> None:
        # member: "Retry[0].ErrorEquals", or with field=True one field named as written ("Parameters.$").
        found.append(Diagnostic(ERROR, code, message,
                                where + (f"/{_escaped(member)}" if field else pointer(member) if member else "")))

    if ql == "JSONata":
        for member in JSONPATH_ONLY:
            if member in body:
                error(member, f'The field "{member}" is not supported for a JSONata state; '
                             'use Arguments, Output, Items or Assign.')
        for key in body:
            if isinstance(key, str) and key.endswith(".$"):
                error(key, f'The field "{key}" uses a JSONPath ".$" name in a JSONata state.', field=True)
    else:
        for member in JSONATA_ONLY:
            if member in body:
                error(member, f'The field "{member}" is supported only for a JSONata state '
                             '("QueryLanguage": "JSONata").')
    if kind == "Choice":
        for i, rule in enumerate(body["Choices"]):
            if ql == "JSONata" and "Condition" not in rule:
                error(f"Choices[{i}]", "A JSONata Choice rule needs a Condition.")
            if ql == "JSONPath" and "Condition" in rule:
                error(f"Choices[{i}].Condition", "Condition is supported only for a JSONata state.")
    if kind == "Task":
        resource = body["Resource"]
        if not resource.startswith("arn:") and not (ql == "JSONata" and resource.startswith("{%")):
            error("Resource", f'"{resource}" is not a valid resource ARN.', "INVALID_RESOURCE")
        if machine_type == "EXPRESS":
            for suffix in (".sync", ".waitForTaskToken"):
                if suffix in resource:
                    error("Resource", f"Express state machine does not support '{suffix}' service integration.")
        _timeout_rules(body, error)
    if kind == "Wait":
        given = [f for f in ("Seconds", "Timestamp", "SecondsPath", "TimestampPath") if f in body]
        if len(given) != 1:
            error("", "A Wait state needs exactly one of Seconds, Timestamp, SecondsPath or TimestampPath"
                      + (f" (it has {', '.join(given)})." if given else "."))
    if kind == "Fail":
        for plain, by_path in (("Error", "ErrorPath"), ("Cause", "CausePath")):
            if plain in body and by_path in body:
                error(by_path, f"A Fail state cannot have both {plain} and {by_path}.")
    if "Retry" in body and kind not in _RETRYING:
        error("Retry", f"A {kind} state cannot have Retry.")
    for member in ("Retry", "Catch"):
        if isinstance(body.get(member), list):
            _error_list_rules(body[member], member, error)
    if kind == "Map":
        _map_rules(body, error, machine_type)
        key = "ItemProcessor" if "ItemProcessor" in body else "Iterator"
        _scope_rules(body[key], f"{where}/{key}", ql, machine_type, found)
    elif kind == "Parallel":
        for i, branch in enumerate(body["Branches"]):
            _scope_rules(branch, f"{where}/Branches/{i}", branch.get("QueryLanguage", ql), machine_type, found)


def _timeout_rules(body: Mapping[str, Any], error: Any) -> None:
    for member in ("TimeoutSeconds", "HeartbeatSeconds"):
        value = body.get(member)
        if member in body and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            if not (isinstance(value, str) and value.startswith("{%")):
                error(member, f"{member} must be a positive integer.")
        if member in body and f"{member}Path" in body:
            error(f"{member}Path", f"A Task state cannot have both {member} and {member}Path.")
    timeout, heartbeat = body.get("TimeoutSeconds"), body.get("HeartbeatSeconds")
    if isinstance(timeout, int) and isinstance(heartbeat, int) and heartbeat >= timeout:
        error("HeartbeatSeconds", "HeartbeatSeconds must be smaller than TimeoutSeconds.")


def _error_list_rules(entries: list[Any], member: str, error: Any) -> None:
    """Retriers and catchers: ErrorEquals not empty; States.ALL alone, and only in the last one."""
    for i, entry in enumerate(entries):
        errors = entry.get("ErrorEquals") if isinstance(entry, Mapping) else None
        if not isinstance(errors, list):
            if member == "Retry":
                error(f"Retry[{i}].ErrorEquals", "ErrorEquals is missing.")
            continue
        if not errors:
            error(f"{member}[{i}].ErrorEquals", "ErrorEquals needs at least one error name.")
        if "States.ALL" in errors:
            if len(errors) > 1:
                error(f"{member}[{i}].ErrorEquals", '"States.ALL" must appear alone in ErrorEquals.')
            if i != len(entries) - 1:
                error(f"{member}[{i}].ErrorEquals", f'"States.ALL" must be in the last {member} entry.')


def _map_rules(body: Mapping[str, Any], error: Any, machine_type: str) -> None:
    key = "ItemProcessor" if "ItemProcessor" in body else "Iterator"
    config = body[key].get("ProcessorConfig") or {}
    mode = config.get("Mode", "INLINE")
    if mode == "DISTRIBUTED":
        if key == "Iterator":
            error("Iterator", "A distributed Map needs ItemProcessor (Iterator is for inline Maps only).")
        kind = config.get("ExecutionType")
        if kind not in ("STANDARD", "EXPRESS"):
            error(f"{key}.ProcessorConfig.ExecutionType",
                  "A distributed Map needs ProcessorConfig.ExecutionType STANDARD or EXPRESS.")
        elif machine_type == "EXPRESS" and kind == "STANDARD":
            error(f"{key}.ProcessorConfig.ExecutionType",
                  "An EXPRESS state machine can run only EXPRESS child workflows.")
        percentage = body.get("ToleratedFailurePercentage")
        if percentage is not None and (isinstance(percentage, bool) or not isinstance(percentage, (int, float))
                                       or not 0 <= percentage <= 100):
            error("ToleratedFailurePercentage", "ToleratedFailurePercentage must be between 0 and 100.")
        batcher = body.get("ItemBatcher")
        if batcher is not None and not isinstance(batcher, Mapping):
            error("ItemBatcher", "ItemBatcher must be an object.")
        reader = body.get("ItemReader")
        if reader is not None and not (isinstance(reader, Mapping) and isinstance(reader.get("Resource"), str)):
            error("ItemReader", "ItemReader needs a Resource.")
    else:
        for member in _DISTRIBUTED_ONLY:
            if member in body:
                error(member, f"{member} is supported only in a distributed Map (ProcessorConfig.Mode DISTRIBUTED).")
        if "ExecutionType" in config:
            error(f"{key}.ProcessorConfig.ExecutionType", "ExecutionType is supported only in a distributed Map.")
    concurrency = body.get("MaxConcurrency")
    if concurrency is not None and (isinstance(concurrency, bool) or not isinstance(concurrency, int)
                                    or concurrency < 0):
        if not (isinstance(concurrency, str) and concurrency.startswith("{%")):
            error("MaxConcurrency", "MaxConcurrency must be a non-negative integer.")


# --------------------------------------------------------------------------- questions about states
def state_names(definition: Definition | str | Mapping[str, Any]) -> list[str]:
    """Every state name, nested ones included, containers before their children."""
    return list(as_definition(definition).states)


def find_state(definition: Definition | str | Mapping[str, Any], name: str) -> dict[str, Any] | None:
    """The state's own JSON object, wherever it is nested; None when there is no such state."""
    info = as_definition(definition).states.get(name)
    return dict(info.body) if info else None


def parent_chain(definition: Definition | str | Mapping[str, Any], name: str) -> list[str]:
    """Enclosing Parallel/Map state names, top-level ancestor first; [] for a top-level state.

    Raises KeyError for a name the definition does not have.
    """
    info = as_definition(definition).states.get(name)
    if info is None:
        raise KeyError(f'no state named "{name}"')
    return list(info.ancestors)


def top_level_ancestors(definition: Mapping[str, Any]) -> dict[str, tuple[str, str | None]]:
    """State name -> (the top-level state it runs in, that state's type when it is nested in one).

    A top-level state maps to ``(itself, None)``; a state inside a Parallel
    branch or a Map processor, however deep, to its outermost enclosing state.
    Works on the raw document of any definition AWS accepted, unvalidated:
    Step Functions can enter only top-level states, so re-running from a state
    and redriving an execution both restart at the ancestor.
    """
    found: dict[str, tuple[str, str | None]] = {}

    def visit(states: Any, top: str | None, top_type: str | None) -> None:
        for name, state in _obj(states).items():
            # State names are unique in a whole state machine; keep the first if not.
            found.setdefault(name, (top, top_type) if top else (name, None))
            state = _obj(state)
            scopes = [_obj(branch).get("States") for branch in state.get("Branches") or []]
            processor = state.get("ItemProcessor") or state.get("Iterator")
            if processor:
                scopes.append(_obj(processor).get("States"))
            for scope in scopes:
                visit(scope, top or name, top_type or state.get("Type"))

    visit(definition.get("States"), None, None)
    return found


def _obj(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


# --------------------------------------------------------------------------- Choice rules
_OPS = {"Equals": "==", "LessThan": "<", "GreaterThan": ">", "LessThanEquals": "<=",
        "GreaterThanEquals": ">="}
_KINDS = ("String", "Numeric", "Boolean", "Timestamp")
_TESTS = {"IsPresent": "present", "IsNull": "null", "IsNumeric": "numeric", "IsString": "a string",
          "IsBoolean": "a boolean", "IsTimestamp": "a timestamp"}


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
