"""Requests AWS refuses and moto takes: state machine definitions and execution starts.

* CreateStateMachine / UpdateStateMachine: the definition is checked with the
  console's own validator (:func:`opsconsole.core.executions.asl.diagnose`),
  refused with ``InvalidDefinition`` and AWS's message
  (``Invalid State Machine Definition: 'CODE: message at /pointer, ...'``).
  A definition AWS accepts but moto's interpreter cannot read (a distributed
  Map with ``ItemBatcher``) is still created, as on AWS; a definition is parsed
  by moto only when an execution starts.
* ValidateStateMachineDefinition (moto answers 501): ``result`` OK/FAIL and the
  diagnostics, from the same validator.
* StartExecution: an unnamed execution gets a UUID name (moto named it
  ``None``); names are checked as AWS does (``InvalidName``); input over
  262,144 UTF-8 bytes is a ``ValidationException``, input that is not JSON
  ``InvalidExecutionInput``; an EXPRESS machine's executions get
  ``arn:...:express:...`` ARNs.
"""

from __future__ import annotations

import copy
import datetime as dt
import uuid
from typing import Any

from opsconsole.core.executions.actions import (
    MAX_INPUT_BYTES,
    validate_execution_name,
    validate_input,
)
from opsconsole.core.executions.asl import aws_definition_message, diagnose
from opsconsole.sandbox.server import (
    ExtensionRegistry,
    ExtensionRequest,
    ExtensionResponse,
    aws_error,
    json_response,
)
from opsconsole.sandbox.stepfunctions.backend import (
    Invalid,
    error_from,
    handler,
    stepfunctions_backend,
    too_long,
)

#: ValidateStateMachineDefinition's maxResults: 0 to 100 (0 and absent mean 100).
MAX_DIAGNOSTICS = 100
_TYPES = ("STANDARD", "EXPRESS")


def _check_definition(definition: Any, machine_type: str) -> None:
    problems = [p for p in diagnose(definition, machine_type) if p.severity == "ERROR"]
    if problems:
        raise Invalid(aws_definition_message(problems), "InvalidDefinition")


def create_state_machine(request: ExtensionRequest) -> ExtensionResponse | None:
    try:
        body = request.json()
        name, kind = body.get("name", ""), body.get("type") or "STANDARD"
        problem = validate_execution_name(name)
        if problem:
            raise Invalid(f"Invalid Name: '{name}' ({problem})", "InvalidName")
        if kind not in _TYPES:
            raise Invalid(f"1 validation error detected: Value '{kind}' at 'type' failed to satisfy constraint: "
                          "Member must satisfy enum value set: [STANDARD, EXPRESS]")
        _check_definition(body.get("definition"), kind)
        if body.get("versionDescription") and not body.get("publish"):
            raise Invalid("Version description can only be set when publish is true")
        from moto.stepfunctions.models import StepFunctionBackend

        backend = stepfunctions_backend(request)
        # moto's own creation (names, tags, versions, logging), without its parser's check: the
        # definition is checked above, and moto's grammar lacks fields AWS takes (ItemBatcher, ...)
        machine = StepFunctionBackend.create_state_machine(
            backend, name=name, definition=body["definition"], roleArn=body.get("roleArn"),
            tags=body.get("tags"), publish=body.get("publish"),
            loggingConfiguration=body.get("loggingConfiguration"),
            tracingConfiguration=body.get("tracingConfiguration"),
            encryptionConfiguration=body.get("encryptionConfiguration"),
            version_description=body.get("versionDescription"), sm_type=kind)
        answer = {"stateMachineArn": machine.arn, "creationDate": machine.creation_date}
        if machine.latest_version:
            answer["stateMachineVersionArn"] = machine.latest_version.arn
        return json_response(answer)
    except Invalid as exc:
        return aws_error(exc.code_name, exc.message)
    except Exception as exc:  # moto's own AWS errors (StateMachineAlreadyExists, ...)
        return error_from(exc)


def update_state_machine(request: ExtensionRequest) -> ExtensionResponse | None:
    try:
        body = request.json()
        if body.get("definition") is None:
            return None
        machine = stepfunctions_backend(request).describe_state_machine(body.get("stateMachineArn", ""))
        _check_definition(body["definition"], getattr(machine, "type", None) or "STANDARD")
        if body.get("versionDescription") and not body.get("publish"):
            raise Invalid("Version description can only be set when publish is true")
        from moto.stepfunctions.models import StepFunctionBackend

        updated = StepFunctionBackend.update_state_machine(
            stepfunctions_backend(request), body["stateMachineArn"], body["definition"], body.get("roleArn"),
            logging_configuration=body.get("loggingConfiguration"),
            tracing_configuration=body.get("tracingConfiguration"),
            encryption_configuration=body.get("encryptionConfiguration"),
            publish=body.get("publish"), version_description=body.get("versionDescription"))
        answer: dict[str, Any] = {"updateDate": updated.update_date}
        if body.get("publish") and updated.latest_version:
            answer["stateMachineVersionArn"] = updated.latest_version.arn
        return json_response(answer)
    except Invalid as exc:
        return aws_error(exc.code_name, exc.message)
    except Exception as exc:
        return error_from(exc)


def validate_state_machine_definition(request: ExtensionRequest, body: dict[str, Any]) -> dict[str, Any]:
    definition = body.get("definition")
    if not isinstance(definition, str):
        raise Invalid("1 validation error detected: Value null at 'definition' failed to satisfy constraint: "
                      "Member must not be null")
    too_long("definition", definition, 1_048_576)
    kind, severity = body.get("type") or "STANDARD", body.get("severity") or "ERROR"
    if kind not in _TYPES:
        raise Invalid(f"1 validation error detected: Value '{kind}' at 'type' failed to satisfy constraint: "
                      "Member must satisfy enum value set: [STANDARD, EXPRESS]")
    if severity not in ("ERROR", "WARNING"):
        raise Invalid(f"1 validation error detected: Value '{severity}' at 'severity' failed to satisfy "
                      "constraint: Member must satisfy enum value set: [ERROR, WARNING]")
    limit = body.get("maxResults") or MAX_DIAGNOSTICS
    if not isinstance(limit, int) or not 0 < limit <= MAX_DIAGNOSTICS:
        raise Invalid(f"1 validation error detected: Value '{limit}' at 'maxResults' failed to satisfy "
                      f"constraint: Member must have value less than or equal to {MAX_DIAGNOSTICS}")
    found = [d for d in diagnose(definition, kind) if severity == "WARNING" or d.severity == "ERROR"]
    return {"result": "FAIL" if any(d.severity == "ERROR" for d in found) else "OK",
            "diagnostics": [d.as_api() for d in found[:limit]], "truncated": len(found) > limit}


def start_execution(request: ExtensionRequest, body: dict[str, Any]) -> dict[str, Any]:
    backend = stepfunctions_backend(request)
    machine = backend.describe_state_machine(body.get("stateMachineArn", ""))
    name = body.get("name")
    if name is None:
        name = str(uuid.uuid4())
    problem = validate_execution_name(name)
    if problem:
        raise Invalid(f"Invalid Name: '{name}' ({problem})", "InvalidName")
    text = body.get("input")
    if text is not None:
        too_long("input", text, MAX_INPUT_BYTES)
        check = validate_input(text)
        if not check.ok:
            raise Invalid(f"Invalid State Machine Execution Input: '{check.message}'", "InvalidExecutionInput")
    kind = getattr(machine, "type", None) or "STANDARD"
    execution = _start(backend, machine, name, text, kind) if kind == "EXPRESS" else \
        backend.start_execution(machine.arn, name, text, body.get("traceHeader"))
    return {"executionArn": execution.execution_arn, "startDate": execution.start_date.timestamp()}


def _start(backend: Any, machine: Any, name: str, text: str | None, kind: str) -> Any:
    """moto's start of an execution, with the ARN AWS gives an EXPRESS one (``:express:``)."""
    from moto.stepfunctions.parser.backend.execution import Execution

    arn = f"arn:{backend.partition}:states:{backend.region_name}:{backend.account_id}:express:{machine.name}:" \
          f"{name}:{uuid.uuid4()}"
    snapshot = copy.deepcopy(machine, {id(machine.executions): [], id(machine.backend): machine.backend})
    execution = Execution(name=name, sm_type=snapshot.sm_type, role_arn=snapshot.roleArn, exec_arn=arn,
                          account_id=backend.account_id, region_name=backend.region_name,
                          state_machine=snapshot, start_date=dt.datetime.now(tz=dt.timezone.utc),
                          cloud_watch_logging_session=None, input_data=text if text is not None else "{}",
                          trace_header=None, activity_store={})
    machine.executions.append(execution)
    execution.start()
    return execution


def register(registry: ExtensionRegistry) -> None:
    """Register the checks in front of moto."""
    registry.add_json_target("AWSStepFunctions.CreateStateMachine", create_state_machine)
    registry.add_json_target("AWSStepFunctions.UpdateStateMachine", update_state_machine)
    registry.add_json_target("AWSStepFunctions.ValidateStateMachineDefinition",
                             handler(validate_state_machine_definition))
    registry.add_json_target("AWSStepFunctions.StartExecution", handler(start_execution))

