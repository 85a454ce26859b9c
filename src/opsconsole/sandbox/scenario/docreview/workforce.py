"""The simulated A2I workforce: takes human loops in progress, answers them over time.

A private work team of eight workers. Each loop gets ``TaskCount`` answers
(1-3, from the flow definition); workers mostly type what the page says, and
now and then one disagrees on an uncertain field. Some loops are never picked
up and fail when their ``TaskAvailabilityLifetimeInSeconds`` runs out, a few
fail for other reasons. Answers go to S3 as output.json in A2I's layout
(:mod:`.outputs`) and the loop becomes Completed with its ``OutputS3Uri``.
A loop started by the ``document-processing`` state machine carries its task
token in the input: the workforce then plays the EventBridge rule and Lambda
that resume the execution (SendTaskSuccess with the consolidated record, or
SendTaskFailure).

Deterministic for a seed; :meth:`Workforce.step` does one round (the tests call
it with a chosen time), :meth:`Workforce.start` runs rounds every few seconds
in a daemon thread. A round looks at the loops in progress only: cheap.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
from collections import Counter
from typing import Any

from opsconsole.sandbox.a2i.backend import A2IBackend, HumanLoop
from opsconsole.sandbox.scenario import catalog as c
from opsconsole.sandbox.scenario.docreview import outputs
from opsconsole.sandbox.scenario.background import Background

log = logging.getLogger(__name__)

WORKERS = tuple(f"{n:016x}" for n in (0x3f2a91c0d4e5b607, 0x81bd2e7f90c4a315, 0x5c07e9a1b2d38f46,
                                      0xa4e1f0b9c8d72653, 0x0d9c3b8a7f6e5142, 0x6e2f1a0b9c8d7345,
                                      0xb7a6958473625140, 0x29d8c7b6a5f4e301))
#: DescribeHumanLoop's FailureCode values are ValidationError, Expired and InternalError (API reference)
EXPIRED_CODE = "Expired"
EXPIRED_REASON = "The human loop expired: no worker completed the task within TaskAvailabilityLifetimeInSeconds."
FAILED_CODE = "InternalError"
FAILED_REASON = "The worker task could not be created: the task template failed to render the input."
#: the errors the pipeline's A2I step fails with (SendTaskFailure), by failure code
PIPELINE_ERRORS = {EXPIRED_CODE: "HumanLoopExpired", FAILED_CODE: "HumanLoopFailed"}


def worker_answers(fields: list[dict[str, Any]], truth: dict[str, Any], count: int, rng: random.Random,
                   started: dt.datetime) -> list[dict[str, Any]]:
    """``count`` workers' answers to a document whose machine fields are ``fields``."""
    answers = []
    workers = rng.sample(WORKERS, count)
    accepted = started + dt.timedelta(seconds=rng.uniform(60, 3600))
    for worker in workers:
        answered = []
        for f in fields:
            value = truth.get(f["id"], f["value"])
            if f["confidence"] < 0.95 and rng.random() < 0.25:  # a worker sees it differently
                value = f["value"] if f["value"] != value else (None if rng.random() < 0.3 else f"{value} ")
                value = value.strip() if isinstance(value, str) else value
            status = "missing" if value is None else "accepted" if value == f["value"] else "edited"
            answered.append({"id": f["id"], "key": f["key"], "value": value, "entityType": f["entityType"],
                             "status": status})
        seconds = int(rng.uniform(25, 40) * max(1, sum(1 for f in fields if f["confidence"] < 0.95)) + rng.uniform(5, 90))
        answers.append(outputs.answer(answered, worker, accepted, seconds))
        accepted += dt.timedelta(seconds=rng.uniform(30, 900))
    return answers


def consolidated(input_content: dict[str, Any], answers: list[dict[str, Any]], output_uri: str,
                 loop_name: str) -> dict[str, Any]:
    """The corrected record a loop's answers amount to: per field, the value most workers gave."""
    fields = []
    per_worker = [a["answerContent"]["fields"] for a in answers]
    for i, f in enumerate(input_content.get("fields", [])):
        votes = Counter(json.dumps(w[i]["value"]) for w in per_worker if i < len(w))
        value = json.loads(votes.most_common(1)[0][0]) if votes else f["value"]
        status = "missing" if value is None else "accepted" if value == f["value"] else "edited"
        fields.append({"id": f["id"], "key": f["key"], "value": value, "entityType": f["entityType"],
                       "status": status})
    return {"documentId": input_content.get("documentId"), "fields": fields, "reviewedBy": f"a2i:{loop_name}",
            "outputUri": output_uri}


def _content(loop: HumanLoop) -> dict[str, Any]:
    try:
        content = json.loads(loop.input_content)
    except ValueError:
        return {}
    return content if isinstance(content, dict) else {}


class Workforce(Background):
    """Answers the A2I loops in progress of one account, over time."""

    thread_name = "sandbox-a2i-workforce"

    def __init__(self, a2i: A2IBackend, put_object: Any, stepfunctions: Any, seed: int,
                 truths: dict[str, dict[str, Any]] | None = None, interval: float = 4.0,
                 started_at: dt.datetime | None = None):
        self.a2i = a2i
        self.put_object = put_object          # (key, bytes) -> None, into the document bucket
        self.stepfunctions = stepfunctions    # boto3 client: resumes executions waiting on a loop
        self.truths = truths or {}            # documentId -> field id -> true value
        self.interval = interval
        self.seed = seed
        #: a live workforce comes to work at this time: loops overdue then are taken over its first minutes
        self.started_at = started_at
        self._cache: dict[str, tuple[str, float, str | None]] = {}
        self._waiting: dict[str, str] = {}  # loop name -> task token of the execution waiting on it
        self.completed: list[str] = []
        self.failed: list[str] = []
        super().__init__()

    def fate(self, loop: HumanLoop) -> tuple[str, float]:
        """What happens to a loop and when (seconds after its creation): fixed per loop and seed."""
        rng = random.Random(f"{self.seed}:workforce:{loop.name}")
        flow = self.a2i.flow_by_arn(loop.flow_arn)
        lifetime = float((flow.config if flow else {}).get("TaskAvailabilityLifetimeInSeconds") or 864000)
        roll = rng.random()
        if roll < 0.08:
            return "expire", lifetime
        if roll < 0.12:
            return "fail", rng.uniform(30, min(lifetime, 1800))
        # a third are taken at once; the others when a worker gets to them, within the lifetime
        return "answer", rng.uniform(15, 240) if rng.random() < 0.35 else rng.uniform(20, lifetime * 0.9)

    def step(self, now: dt.datetime | None = None, only: set[str] | None = None) -> int:
        """One round: settle every loop (of ``only``, if given) whose time has come, and tell the
        executions whose loops were stopped; returns how many loops changed."""
        now = now or dt.datetime.now(dt.timezone.utc)
        changed = 0
        for loop in self.a2i.in_progress():
            if only is not None and loop.name not in only:
                continue
            fate, after, token = self._known(loop)
            if token:
                self._waiting[loop.name] = token
            due = loop.created + dt.timedelta(seconds=after)
            if self.started_at is not None:
                late = random.Random(f"{self.seed}:workforce:late:{loop.name}").uniform(5, 900)
                due = max(due, self.started_at + dt.timedelta(seconds=late))
            if now < due:
                continue
            try:
                changed += self._settle(loop, fate, now)
            except Exception:
                log.exception("sandbox: the workforce could not settle %s", loop.name)
        self._stopped()
        return changed

    def _known(self, loop: HumanLoop) -> tuple[str, float, str | None]:
        """A loop's fate and task token, worked out once (a round then costs little per loop)."""
        if loop.name not in self._cache:
            fate, after = self.fate(loop)
            self._cache[loop.name] = (fate, after, _content(loop).get("Token"))
        return self._cache[loop.name]

    def _stopped(self) -> None:
        """Executions waiting on a loop someone stopped fail with HumanLoopStopped (what the
        status-change rule and its Lambda do in the pipeline)."""
        for name, token in list(self._waiting.items()):
            loop = self.a2i.loops.get(name)
            if loop is not None and loop.status == "InProgress":
                continue
            del self._waiting[name]
            if loop is not None and loop.status in ("Stopping", "Stopped"):
                self._resume(lambda token=token, name=name: self.stepfunctions.send_task_failure(
                    taskToken=token, error="HumanLoopStopped", cause=f"{name}: the human loop was stopped."))

    def _settle(self, loop: HumanLoop, fate: str, now: dt.datetime) -> int:
        content = _content(loop)
        token = content.get("Token")
        self._waiting.pop(loop.name, None)
        if fate in ("expire", "fail"):
            code, reason = (EXPIRED_CODE, EXPIRED_REASON) if fate == "expire" else (FAILED_CODE, FAILED_REASON)
            if not self.a2i.fail(loop.name, code, reason, now):
                return 0
            self.failed.append(loop.name)
            if token:
                self._resume(lambda: self.stepfunctions.send_task_failure(
                    taskToken=token, error=PIPELINE_ERRORS[code], cause=f"{loop.name}: {reason}"))
            return 1
        flow = self.a2i.flow_by_arn(loop.flow_arn)
        count = int((flow.config if flow else {}).get("TaskCount") or 1)
        rng = random.Random(f"{self.seed}:workforce:answers:{loop.name}")
        fields = content.get("fields") or []
        truth = self.truths.get(content.get("documentId", ""), {})
        answers = worker_answers(fields, truth, count, rng, loop.created)
        flow_name = loop.flow_arn.rsplit("/", 1)[-1]
        key = outputs.output_key(flow_name, loop.created, loop.name)
        uri = f"s3://{c.DOCUMENT_BUCKET}/{key}"
        self.put_object(key, outputs.document(loop.flow_arn, loop.name, loop.input_content, answers))
        if not self.a2i.complete(loop.name, uri, now):
            return 0
        self.completed.append(loop.name)
        if token:
            record = consolidated(content, answers, uri, loop.name)
            self._resume(lambda: self.stepfunctions.send_task_success(taskToken=token, output=json.dumps(record)))
        return 1

    @staticmethod
    def _resume(call: Any) -> None:
        try:
            call()
        except Exception as exc:  # the execution ended meanwhile (stopped, timed out)
            log.debug("sandbox: workforce could not resume an execution: %s", exc)

    # -- live -------------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stopping.wait(self.interval):
            self.step()
