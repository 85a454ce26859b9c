"""Re-running a finished execution from a chosen state (AWS has no API for it).

The console creates (or updates) a helper state machine ``<name>--from-<State>``
with the original definition, role and tags, whose ``StartAt`` is the chosen
state's top-level ancestor (states inside a Parallel branch or a Map cannot be
entered directly), drops the states that can no longer be reached, and starts
it with the input that ancestor received in the original run, read from its
``*StateEntered`` history event. See docs/rerun-from-state.md for the limits.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from opsconsole.core.executions.actions.export import iter_history
from opsconsole.core.aws import Clients
from opsconsole.core.errors import DomainError
from opsconsole.core.executions.asl import top_level_ancestors

#: Tags every helper carries, so they can be found and cleaned up.
TAG_RERUN_OF = "opsconsole:rerun-of"
TAG_FROM_STATE = "opsconsole:from-state"
HELPER_SEPARATOR = "--from-"
_NAME_LIMIT = 80
_UNSAFE = re.compile(r"[\s<>{}\[\]?*\"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f]+")


class RerunError(DomainError, ValueError):
    """The chosen state cannot be re-run from this execution; the message says why and what to do instead."""

    title = "Cannot re-run from this state"


@dataclass(frozen=True)
class RerunPlan:
    """What a re-run will do, worked out before anything is written."""

    execution_arn: str
    execution_name: str
    state_machine_arn: str
    state_machine_name: str
    role_arn: str
    #: The state the operator picked, and the top-level state the re-run starts at.
    chosen_state: str
    start_state: str
    #: "Map" or "Parallel" when the chosen state is nested in one (then start_state is that state).
    enclosing_type: str | None
    #: The JSON the start state received in the original run.
    input_text: str
    entered_at: datetime | None
    helper_name: str
    helper_arn: str
    helper_definition: dict[str, Any] = field(repr=False)
    #: Only standard executions keep a history to re-run from, so helpers are standard too.
    machine_type: str = "STANDARD"

    @property
    def nested(self) -> bool:
        return self.start_state != self.chosen_state


def _targets(state: dict[str, Any]) -> list[str]:
    targets = [state.get("Next"), state.get("Default")]
    targets += [choice.get("Next") for choice in state.get("Choices", [])]
    targets += [catcher.get("Next") for catcher in state.get("Catch", [])]
    return [t for t in targets if isinstance(t, str)]


def helper_definition(definition: dict[str, Any], start_state: str, original_name: str) -> dict[str, Any]:
    """The original definition starting at ``start_state``, without states it can no longer reach."""
    states = definition.get("States", {})
    if start_state not in states:
        raise RerunError(f"'{start_state}' is not a top-level state of this state machine; "
                         "re-run from the state that contains it.")
    reachable, todo = set(), [start_state]
    while todo:
        name = todo.pop()
        if name in reachable or name not in states:
            continue
        reachable.add(name)
        todo.extend(_targets(states[name]))
    clone = copy.deepcopy(definition)
    clone["StartAt"] = start_state
    clone["States"] = {name: state for name, state in clone["States"].items() if name in reachable}
    note = f"Re-run helper for {original_name}, starting at {start_state} (made by opsconsole)."
    clone["Comment"] = f"{note} {definition['Comment']}" if definition.get("Comment") else note
    return clone


def helper_name(state_machine_name: str, state_name: str) -> str:
    """``<name>--from-<State>``, made a valid state machine name (spaces and the like become '-').

    Names over 80 characters are shortened (both parts, keeping ``--from-``)
    and end in a hash of the full name, so two long names never share a helper.
    """
    state = _UNSAFE.sub("-", state_name).strip("-") or "state"
    full = f"{state_machine_name}{HELPER_SEPARATOR}{state}"
    if len(full) <= _NAME_LIMIT:
        return full
    digest = hashlib.sha1(full.encode("utf-8")).hexdigest()[:8]
    budget = _NAME_LIMIT - len(digest) - 1
    suffix = f"{HELPER_SEPARATOR}{state}"[: budget // 2]
    return f"{state_machine_name[: budget - len(suffix)]}{suffix}-{digest}"


def _machine_arn(original_arn: str, name: str) -> str:
    # arn:aws:states:region:account:stateMachine:NAME[:version|alias]
    parts = original_arn.split(":")
    return ":".join(parts[:6] + [name])


def _recorded_input(clients: Clients, execution_arn: str, state: str) -> tuple[str, datetime | None]:
    """The input of the last ``*StateEntered`` event of ``state`` (newest pages first, stops when found)."""
    for event in iter_history(clients, execution_arn, reverse=True):
        details = event.get("stateEnteredEventDetails")
        if details and details.get("name") == state:
            if (details.get("inputDetails") or {}).get("truncated"):
                raise RerunError(f"The input '{state}' received is truncated in the history, so it cannot be "
                                 "re-used; start a new execution with that input instead.")
            return details.get("input") or "{}", event.get("timestamp")
    raise RerunError(f"'{state}' never ran in this execution, so there is no input to start it with; "
                     "pick a state that ran.")


def prepare_rerun(clients: Clients, execution_arn: str, state_name: str) -> RerunPlan:
    """Read the definition the run used and its history; work out the re-run. Writes nothing."""
    sfn = clients.client("stepfunctions")
    machine = sfn.describe_state_machine_for_execution(executionArn=execution_arn)
    definition = json.loads(machine["definition"])
    ancestors = top_level_ancestors(definition)
    if state_name not in ancestors:
        raise RerunError(f"'{state_name}' is not a state of this state machine; pick one from its graph.")
    start_state, enclosing = ancestors[state_name]
    input_text, entered_at = _recorded_input(clients, execution_arn, start_state)
    name = machine["name"]
    helper = helper_name(name, start_state)
    return RerunPlan(
        execution_arn=execution_arn,
        execution_name=execution_arn.rsplit(":", 1)[-1],
        state_machine_arn=machine["stateMachineArn"],
        state_machine_name=name,
        role_arn=machine["roleArn"],
        chosen_state=state_name,
        start_state=start_state,
        enclosing_type=enclosing,
        input_text=input_text,
        entered_at=entered_at,
        helper_name=helper,
        helper_arn=_machine_arn(machine["stateMachineArn"], helper),
        helper_definition=helper_definition(definition, start_state, name),
    )


def _tags(sfn: Any, plan: RerunPlan) -> list[dict[str, str]]:
    try:
        tags = sfn.list_tags_for_resource(resourceArn=plan.state_machine_arn).get("tags", [])
    except ClientError:
        tags = []  # e.g. no tag permission: the helper still works, just untagged by tenant
    ours = {TAG_RERUN_OF: plan.state_machine_arn, TAG_FROM_STATE: plan.start_state[:256]}
    return [t for t in tags if t["key"] not in ours] + [{"key": k, "value": v} for k, v in ours.items()]


def ensure_helper(clients: Clients, plan: RerunPlan) -> str:
    """Create the helper state machine, or update it when the definition or role changed; its ARN."""
    sfn = clients.client("stepfunctions")
    wanted = json.dumps(plan.helper_definition, indent=2)
    try:
        current = sfn.describe_state_machine(stateMachineArn=plan.helper_arn)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in ("StateMachineDoesNotExist", "ResourceNotFound"):
            raise
        out = sfn.create_state_machine(name=plan.helper_name, definition=wanted, roleArn=plan.role_arn,
                                       type=plan.machine_type, tags=_tags(sfn, plan))
        return str(out["stateMachineArn"])
    if json.loads(current["definition"]) != plan.helper_definition or current.get("roleArn") != plan.role_arn:
        sfn.update_state_machine(stateMachineArn=plan.helper_arn, definition=wanted, roleArn=plan.role_arn)
    return plan.helper_arn


def rerun_execution_name(plan: RerunPlan) -> str:
    """``<original execution>-rerun-<8 hex>``, within the 80-character limit."""
    suffix = f"-rerun-{uuid.uuid4().hex[:8]}"
    base = _UNSAFE.sub("-", plan.execution_name)[:_NAME_LIMIT - len(suffix)]
    return f"{base}{suffix}"


def start_rerun(clients: Clients, plan: RerunPlan, input_text: str | None = None) -> str:
    """Create/update the helper and start it with the recorded (or given) input; the new execution's ARN."""
    arn = ensure_helper(clients, plan)
    out = clients.client("stepfunctions").start_execution(
        stateMachineArn=arn, name=rerun_execution_name(plan),
        input=plan.input_text if input_text is None else input_text)
    return str(out["executionArn"])


def rerun_from_state(clients: Clients, execution_arn: str, state_name: str) -> str:
    """Start a new execution that begins at ``state_name`` (or its top-level ancestor) with its recorded input."""
    return start_rerun(clients, prepare_rerun(clients, execution_arn, state_name))
