"""Sending a waiting document to an A2I human loop instead of the console's reviewers.

The document's execution waits on the console's task token. The loop carries
that token in its input (``Token``, as the pipeline's own A2I branch does), so
whatever handles the loop's completion (the platform's handler of A2I's
status-change event; the sandbox's workforce) completes the same step with
the workers' answer. The item leaves the console's queue as ``IN_A2I`` and
names its loop; a reviewer who claimed it first keeps it (the claim is taken
before the loop is started, and given back if A2I refuses the loop).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from opsconsole.core.aws import Clients
from opsconsole.core.docreview.config import CONFIG, ReviewConfig
from opsconsole.core.docreview.loops import FlowDefinition, start_loop_write
from opsconsole.core.docreview.store import iso, utcnow
from opsconsole.core.docreview.tasks import CLAIMED, IN_A2I, ReviewTask, claim, finish, release, renew
from opsconsole.core.identity import Identity
from opsconsole.core.writes import Write

#: The member of the loop's input that carries the execution's task token.
TOKEN_KEY = "Token"


def loop_input(task: ReviewTask, content: Mapping[str, Any]) -> dict[str, Any]:
    """The loop's input: the document's content and the token of the step that waits for the answer."""
    return {**content, "documentId": task.document_id, "executionArn": task.execution_arn,
            TOKEN_KEY: task.task_token}


def hand_to_a2i(clients: Clients, task: ReviewTask, flow: FlowDefinition | str, name: str,
                content: Mapping[str, Any], who: Identity, *, config: ReviewConfig = CONFIG) -> ReviewTask:
    """Claim the document, start the loop with the step's token, mark the item IN_A2I; the item as stored."""
    write = start_loop_write(flow, name, loop_input(task, content), who)  # refuses a bad name or input first
    if task.status == CLAIMED and task.claimed_by == who.name:
        mine = renew(clients, task, who.name, config)
    else:
        mine = claim(clients, task, who.name, config)  # Conflict: a reviewer has it
    try:
        write.calls[0].send(clients)
    except Exception:
        release(clients, mine, who.name, config)  # back to the queue: nothing was handed over
        raise
    arn = flow.arn if isinstance(flow, FlowDefinition) else flow
    return finish(clients, mine, who.name, IN_A2I, {
        "human_loop_name": name, "flow_definition_arn": arn, "sent_by": who.name, "sent_at": iso(utcnow())}, config)


def hand_to_a2i_write(task: ReviewTask, flow: FlowDefinition | str, name: str, content: Mapping[str, Any],
                      who: Identity, *, config: ReviewConfig = CONFIG) -> Write:
    """The audited write of a hand-off (claim, StartHumanLoop, IN_A2I: three calls, each depending on the last)."""
    arn = flow.arn if isinstance(flow, FlowDefinition) else flow
    start_loop_write(flow, name, loop_input(task, content), who)  # the same refusals, before anything is queued
    return Write(
        "Send document to A2I", f"document {task.document_id}", "sagemaker-a2i-runtime", "StartHumanLoop",
        run=lambda clients: hand_to_a2i(clients, task, flow, name, content, who, config=config),
        who=who, targets=(task.document_id, name, arn),
        details={"document_id": task.document_id, "execution_arn": task.execution_arn, "human_loop": name,
                 "flow_definition": arn, "input_chars": len(json.dumps(loop_input(task, content)))},
        no_cli="Sending claims the document, starts the human loop with the step's token and takes the "
               "document out of the queue: three calls, each depending on the one before.",
    )
