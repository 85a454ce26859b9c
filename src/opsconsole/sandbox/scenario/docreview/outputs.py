"""Human review outputs in A2I's layout, for both kinds of review.

``s3://<bucket>/<prefix>/<flow-definition-name>/YYYY/MM/DD/hh/mm/ss/<human-loop-name>/output.json``
(the date path is the loop's creation time, UTC) holding ``flowDefinitionArn``,
``humanLoopName``, ``inputContent`` and ``humanAnswers[]`` (``answerContent``,
``acceptanceTime``, ``submissionTime``, ``timeSpentInSeconds``, ``workerId``,
``workerMetadata``). ``answerContent`` is what the task UI's form submits: here
``{"fields": [{"id", "key", "value", "entityType", "status"}]}``, the corrected
record's fields, so an A2I answer and a console review read the same.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from opsconsole.sandbox.scenario import catalog as c

COGNITO_ISSUER = f"https://cognito-idp.{c.REGION}.amazonaws.com/{c.REGION}_DocReview7"


def output_key(flow_name: str, created: dt.datetime, loop_name: str) -> str:
    """The object key of a loop's output.json in the document bucket."""
    return f"{c.A2I_OUTPUT_PREFIX}/{flow_name}/{created.astimezone(dt.timezone.utc):%Y/%m/%d/%H/%M/%S}/{loop_name}/output.json"


def output_uri(flow_name: str, created: dt.datetime, loop_name: str) -> str:
    return f"s3://{c.DOCUMENT_BUCKET}/{output_key(flow_name, created, loop_name)}"


def iso(when: dt.datetime) -> str:
    """ISO 8601 UTC with milliseconds and Z."""
    return when.astimezone(dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def answer(fields: list[dict[str, Any]], worker_id: str, accepted: dt.datetime, seconds: int,
           sub: str | None = None) -> dict[str, Any]:
    """One worker's answer as A2I records it."""
    return {"answerContent": {"fields": fields}, "acceptanceTime": iso(accepted),
            "submissionTime": iso(accepted + dt.timedelta(seconds=seconds)), "timeSpentInSeconds": float(seconds),
            "workerId": worker_id,
            "workerMetadata": {"identityData": {"identityProviderType": "Cognito", "issuer": COGNITO_ISSUER,
                                                "sub": sub or worker_id}}}


def document(flow_arn: str, loop_name: str, input_content: str, answers: list[dict[str, Any]]) -> bytes:
    """The output.json of one loop."""
    return json.dumps({"flowDefinitionArn": flow_arn, "humanLoopName": loop_name, "inputContent": json.loads(input_content),
                       "humanAnswers": answers}, indent=1).encode()
