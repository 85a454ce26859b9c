"""Amazon A2I for the sandbox: the ``sagemaker-a2i-runtime`` API and SageMaker's flow definitions.

moto has neither. Served here, on the sandbox's endpoint (both signed for ``sagemaker``):

* A2I runtime (REST-JSON): StartHumanLoop, DescribeHumanLoop, ListHumanLoops,
  StopHumanLoop, DeleteHumanLoop;
* SageMaker (JSON 1.1, ``X-Amz-Target: SageMaker.<Operation>``):
  CreateFlowDefinition, DescribeFlowDefinition, ListFlowDefinitions,
  DeleteFlowDefinition, CreateHumanTaskUi, DescribeHumanTaskUi, ListHumanTaskUis.

Every request is validated against botocore's model first (:mod:`.wire`); the
rules AWS's API reference states beyond the model (a loop is deleted only once
Failed, Completed or Stopped; a name is taken until its loop is deleted; the
flow definition must exist) are :mod:`.backend`'s. What could not be confirmed
from the documentation is listed in docs/sandbox-docreview.md. Other SageMaker
operations are not served here and reach moto.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from opsconsole.sandbox.a2i import backend as a2i_backend
from opsconsole.sandbox.a2i.backend import A2IBackend
from opsconsole.sandbox.a2i.wire import (
    SAGEMAKER_TARGET,
    ServiceError,
    a2i_answer,
    a2i_error,
    a2i_model,
    page,
    sagemaker_answer,
    sagemaker_error,
    sagemaker_model,
    validation,
)
from opsconsole.sandbox.server import (
    ExtensionRegistry,
    ExtensionRequest,
    ExtensionResponse,
)

__all__ = ["backend", "register", "reset"]

log = logging.getLogger(__name__)

backend = a2i_backend.backend
Operation = Callable[[A2IBackend, dict[str, Any]], dict[str, Any]]
A2I_OPERATIONS: dict[str, Operation] = {}
SAGEMAKER_OPERATIONS: dict[str, Operation] = {}


def _op(table: dict[str, Operation], name: str) -> Callable[[Operation], Operation]:
    def add(work: Operation) -> Operation:
        table[name] = work
        return work
    return add


# -- A2I runtime ------------------------------------------------------------------------------
@_op(A2I_OPERATIONS, "StartHumanLoop")
def start_human_loop(a2i: A2IBackend, params: dict[str, Any]) -> dict[str, Any]:
    loop = a2i.start_loop(params["HumanLoopName"], params["FlowDefinitionArn"],
                          params["HumanLoopInput"]["InputContent"], params.get("DataAttributes"))
    return {"HumanLoopArn": loop.arn}


@_op(A2I_OPERATIONS, "DescribeHumanLoop")
def describe_human_loop(a2i: A2IBackend, params: dict[str, Any]) -> dict[str, Any]:
    return a2i.loop(params["HumanLoopName"]).describe()


@_op(A2I_OPERATIONS, "ListHumanLoops")
def list_human_loops(a2i: A2IBackend, params: dict[str, Any]) -> dict[str, Any]:
    after, before = params.get("CreationTimeAfter"), params.get("CreationTimeBefore")
    if after and before and after >= before:
        raise validation("CreationTimeAfter must be earlier than CreationTimeBefore.")
    descending = params.get("SortOrder", "Descending") == "Descending"
    loops = a2i.list_loops(params["FlowDefinitionArn"], after, before, descending)
    scope = [params["FlowDefinitionArn"], str(after), str(before), descending]
    chunk, token = page(loops, params.get("MaxResults") or 100, params.get("NextToken"), scope)
    return {"HumanLoopSummaries": [loop.summary() for loop in chunk], "NextToken": token}


@_op(A2I_OPERATIONS, "StopHumanLoop")
def stop_human_loop(a2i: A2IBackend, params: dict[str, Any]) -> dict[str, Any]:
    a2i.stop_loop(params["HumanLoopName"])
    return {}


@_op(A2I_OPERATIONS, "DeleteHumanLoop")
def delete_human_loop(a2i: A2IBackend, params: dict[str, Any]) -> dict[str, Any]:
    a2i.delete_loop(params["HumanLoopName"])
    return {}


#: (method, path regex) -> operation
_ROUTES = (("POST", r"/human-loops", "StartHumanLoop"),
           ("GET", r"/human-loops", "ListHumanLoops"),
           ("POST", r"/human-loops/stop", "StopHumanLoop"),
           ("GET", r"/human-loops/(?P<HumanLoopName>[^/]*)", "DescribeHumanLoop"),
           ("DELETE", r"/human-loops/(?P<HumanLoopName>[^/]*)", "DeleteHumanLoop"))


def _a2i_handler(operation: str) -> Callable[[ExtensionRequest], ExtensionResponse]:
    def handle(request: ExtensionRequest) -> ExtensionResponse:
        model = a2i_model()
        try:
            params = model.rest_parameters(operation, request.path_params, request.query, request.body)
            params = model.validate(operation, params)
            result = A2I_OPERATIONS[operation](backend(request.region, request.account_id), params)
        except ServiceError as error:
            return a2i_error(error)
        return a2i_answer(operation, result)
    return handle


# -- SageMaker: flow definitions and human task UIs ------------------------------------------
@_op(SAGEMAKER_OPERATIONS, "CreateHumanTaskUi")
def create_human_task_ui(a2i: A2IBackend, params: dict[str, Any]) -> dict[str, Any]:
    ui = a2i.create_task_ui(params["HumanTaskUiName"], params["UiTemplate"]["Content"], params.get("Tags"))
    return {"HumanTaskUiArn": ui.arn}


@_op(SAGEMAKER_OPERATIONS, "DescribeHumanTaskUi")
def describe_human_task_ui(a2i: A2IBackend, params: dict[str, Any]) -> dict[str, Any]:
    return a2i.task_ui(params["HumanTaskUiName"]).describe()


@_op(SAGEMAKER_OPERATIONS, "ListHumanTaskUis")
def list_human_task_uis(a2i: A2IBackend, params: dict[str, Any]) -> dict[str, Any]:
    with a2i.lock:
        items = list(a2i.task_uis.values())
    chunk, token = _listed(items, params)
    return {"HumanTaskUiSummaries": [{"HumanTaskUiName": ui.name, "HumanTaskUiArn": ui.arn,
                                      "CreationTime": ui.created} for ui in chunk], "NextToken": token}


@_op(SAGEMAKER_OPERATIONS, "CreateFlowDefinition")
def create_flow_definition(a2i: A2IBackend, params: dict[str, Any]) -> dict[str, Any]:
    if not params.get("HumanLoopConfig"):
        raise validation("HumanLoopConfig is required: the sandbox serves private workforces only.")
    return {"FlowDefinitionArn": a2i.create_flow(params).arn}


@_op(SAGEMAKER_OPERATIONS, "DescribeFlowDefinition")
def describe_flow_definition(a2i: A2IBackend, params: dict[str, Any]) -> dict[str, Any]:
    return a2i.flow(params["FlowDefinitionName"]).describe()


@_op(SAGEMAKER_OPERATIONS, "ListFlowDefinitions")
def list_flow_definitions(a2i: A2IBackend, params: dict[str, Any]) -> dict[str, Any]:
    with a2i.lock:
        items = list(a2i.flows.values())
    chunk, token = _listed(items, params)
    return {"FlowDefinitionSummaries": [{"FlowDefinitionName": f.name, "FlowDefinitionArn": f.arn,
                                         "FlowDefinitionStatus": "Active", "CreationTime": f.created}
                                        for f in chunk], "NextToken": token}


@_op(SAGEMAKER_OPERATIONS, "DeleteFlowDefinition")
def delete_flow_definition(a2i: A2IBackend, params: dict[str, Any]) -> dict[str, Any]:
    a2i.delete_flow(params["FlowDefinitionName"])
    return {}


def _listed(items: list[Any], params: dict[str, Any]) -> tuple[list[Any], str | None]:
    """SageMaker's List*: creation time filters, SortOrder (default Descending), MaxResults 1-100 (default 10)."""
    after, before = params.get("CreationTimeAfter"), params.get("CreationTimeBefore")
    chosen = [i for i in items if (not after or i.created > after) and (not before or i.created < before)]
    descending = params.get("SortOrder", "Descending") == "Descending"
    chosen.sort(key=lambda i: (i.created, i.name), reverse=descending)
    scope = [str(after), str(before), descending]
    return page(chosen, params.get("MaxResults") or 10, params.get("NextToken"), scope)


def _sagemaker(request: ExtensionRequest) -> ExtensionResponse:
    operation = request.headers.get("X-Amz-Target", "").split(".", 1)[-1]
    model = sagemaker_model()
    try:
        params = model.validate(operation, model.json_parameters(request.body))
        result = SAGEMAKER_OPERATIONS[operation](backend(request.region, request.account_id), params)
    except ServiceError as error:
        return sagemaker_error(error)
    return sagemaker_answer(operation, result)


def reset() -> None:
    a2i_backend.reset()


def register(registry: ExtensionRegistry) -> None:
    """Serve the operations above on the sandbox's endpoint (and start with no flow definitions)."""
    reset()
    for method, path, operation in _ROUTES:
        registry.add_rest(method, path, _a2i_handler(operation), service="sagemaker")
    for operation in SAGEMAKER_OPERATIONS:
        registry.add_json_target(f"{SAGEMAKER_TARGET}.{operation}", _sagemaker)
    _teach_interpreter()


def _teach_interpreter() -> None:
    """moto's interpreter names an ``aws-sdk:<service>`` integration's boto3 client after the
    service part of the ARN; for A2I that part is ``sagemakera2iruntime`` (as in AWS's
    ``arn:aws:states:::aws-sdk:sagemakera2iruntime:startHumanLoop``), boto3's name is
    ``sagemaker-a2i-runtime``."""
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service import (
        StateTaskService,
    )

    StateTaskService._SERVICE_NAME_SFN_TO_BOTO_OVERRIDES["sagemakera2iruntime"] = "sagemaker-a2i-runtime"  # type: ignore[index]
