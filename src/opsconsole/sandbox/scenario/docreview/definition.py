"""The ``document-processing`` state machine (Amazon States Language).

Documents arrive in S3 -> text and key-value extraction (Textract) -> entity
extraction (Comprehend) -> a Choice on the lowest confidence -> either an A2I
human loop or the console's review task -> consolidate into the order record.

Textract and Comprehend are modelled as Pass states that carry what the
extraction wrote to S3 (``extraction.json``); moto's interpreter runs the rest
for real: the console's review task is ``sqs:sendMessage.waitForTaskToken``
(the task token travels in the message to ``document-review-requests``), the
A2I branch is the AWS SDK integration ``sagemakera2iruntime:startHumanLoop``
with ``.waitForTaskToken`` (the token travels in the loop's input; whoever sees
the loop finish, here the simulated workforce, answers SendTaskSuccess or
SendTaskFailure), and the order record is a DynamoDB PutItem.
"""

from __future__ import annotations

from typing import Any

from opsconsole.sandbox.scenario import catalog as c

#: a review waits this long for its answer before the state times out (7 days)
REVIEW_TIMEOUT = 7 * 86400


def document_processing(review_queue_url: str) -> dict[str, Any]:
    review_catch = [{"ErrorEquals": ["DocumentRejected", "HumanLoopFailed", "HumanLoopExpired", "HumanLoopStopped"],
                     "ResultPath": "$.rejection", "Next": "Document rejected"}]
    return {
        "Comment": "Invoices and customs forms: extraction, entities, human review under the confidence "
                   "threshold (A2I or the console's review queue), order record.",
        "StartAt": "Extract text and key-values",
        "States": {
            "Extract text and key-values": {
                "Type": "Pass", "Comment": "Textract AnalyzeDocument (FORMS); results in extraction.json",
                "Parameters": {"JobStatus": "SUCCEEDED", "DocumentLocation.$": "$.documentUri",
                               "Pages.$": "$.pages"},
                "ResultPath": "$.textract", "Next": "Extract entities"},
            "Extract entities": {
                "Type": "Pass", "Comment": "Comprehend DetectEntities over the extracted text",
                "Parameters": {"EntityCount.$": "States.ArrayLength($.fields)",
                               "MinConfidence.$": "$.minConfidence"},
                "ResultPath": "$.comprehend", "Next": "Confident enough?"},
            "Confident enough?": {
                "Type": "Choice",
                "Choices": [
                    {"Variable": "$.minConfidence", "NumericGreaterThanEqualsPath": "$.threshold",
                     "Next": "Accept machine extraction"},
                    {"Variable": "$.route", "StringEquals": "a2i", "Next": "Start human loop"}],
                "Default": "Request console review"},
            "Accept machine extraction": {
                "Type": "Pass",
                "Parameters": {"documentId.$": "$.documentId", "fields.$": "$.fields", "reviewedBy": "machine",
                               "outputUri.$": "States.Format('{}extraction.json', $.documentUri)"},
                "ResultPath": "$.review", "Next": "Consolidate order record"},
            "Start human loop": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:sagemakera2iruntime:startHumanLoop.waitForTaskToken",
                "Parameters": {
                    "HumanLoopName.$": "$.humanLoopName",
                    "FlowDefinitionArn.$": "$.flowDefinitionArn",
                    # the task token travels in the loop's input ($$.Task is {"Token": ...})
                    "HumanLoopInput": {"InputContent.$":
                                       "States.JsonToString(States.JsonMerge($.loopInput, $$.Task, false))"},
                    "DataAttributes": {"ContentClassifiers": ["FreeOfPersonallyIdentifiableInformation"]}},
                "TimeoutSeconds": REVIEW_TIMEOUT, "ResultPath": "$.review", "Catch": review_catch,
                "Next": "Consolidate order record"},
            "Request console review": {
                "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {
                    "QueueUrl": review_queue_url,
                    "MessageBody": {"TaskToken.$": "$$.Task.Token", "documentId.$": "$.documentId",
                                    "docType.$": "$.docType", "tenant.$": "$.tenant",
                                    "documentUri.$": "$.documentUri", "pages.$": "$.pages",
                                    "reasons.$": "$.reasons", "executionArn.$": "$$.Execution.Id",
                                    "requestedAt.$": "$$.State.EnteredTime"}},
                "TimeoutSeconds": REVIEW_TIMEOUT, "ResultPath": "$.review", "Catch": review_catch,
                "Next": "Consolidate order record"},
            "Document rejected": {"Type": "Fail", "ErrorPath": "$.rejection.Error", "CausePath": "$.rejection.Cause"},
            "Consolidate order record": {
                "Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
                "Parameters": {"TableName": c.ORDER_RECORDS_TABLE,
                               "Item": {"document_id": {"S.$": "$.documentId"},
                                        "doc_type": {"S.$": "$.docType"},
                                        "tenant": {"S.$": "$.tenant"},
                                        "reviewed_by": {"S.$": "$.review.reviewedBy"},
                                        "record": {"S.$": "States.JsonToString($.review)"},
                                        "recorded_at": {"S.$": "$$.State.EnteredTime"}}},
                "ResultPath": None, "Next": "Recorded"},
            "Recorded": {"Type": "Succeed"},
        },
    }
