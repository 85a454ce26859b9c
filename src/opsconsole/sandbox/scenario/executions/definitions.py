"""Amazon States Language definitions of the scenario's state machines.

Every Task uses a service integration moto's interpreter really executes
without Docker (DynamoDB, SQS incl. ``.waitForTaskToken``, SNS); SageMaker
steps are modelled as Pass/Wait states, and SageMaker-style failures as Fail
states. Outcomes are decided by data (DynamoDB items) or by the input, so each
one is reproducible by starting an execution with the same input. Waits and
retry intervals are 1 s so that real runs finish quickly.
"""

from __future__ import annotations

import copy
from typing import Any

from opsconsole.sandbox.scenario import catalog as c

Definition = dict[str, Any]


def _ddb(action: str, parameters: dict[str, Any], **state: Any) -> dict[str, Any]:
    return {"Type": "Task", "Resource": f"arn:aws:states:::dynamodb:{action}",
            "Parameters": parameters, **state}


def _publish(topic: str, subject: str, message_format: str, *args: str, **state: Any) -> dict[str, Any]:
    message = f"States.Format('{message_format}', {', '.join(args)})" if args else message_format
    return {"Type": "Task", "Resource": "arn:aws:states:::sns:publish",
            "Parameters": {"TopicArn": c.topic_arn(topic), "Subject": subject, "Message.$": message},
            **state}


_THROTTLE_RETRY = {"ErrorEquals": ["DynamoDB.ProvisionedThroughputExceededException",
                                   "DynamoDB.ThrottlingException"],
                   "IntervalSeconds": 1, "MaxAttempts": 3, "BackoffRate": 2.0}


def training() -> Definition:
    """Dataset manifest -> data-quality gate -> processing || capacity -> HPO (Map) -> register."""
    return {
        "Comment": "Train a per-country item classifier: SageMaker Processing, hyperparameter "
                   "tuning with parallel training jobs, best model to the registry.",
        "StartAt": "Load dataset manifest",
        "TimeoutSeconds": 43200,
        "States": {
            "Load dataset manifest": _ddb(
                "getItem", {"TableName": c.MANIFEST_TABLE,
                            "Key": {"datasetId": {"S.$": "$.datasetId"}}},
                ResultSelector={"s3Uri.$": "$.Item.s3Uri.S", "rows.$": "States.StringToJson($.Item.rows.N)",
                                "labelCoverage.$": "States.StringToJson($.Item.labelCoverage.N)",
                                "qualityStatus.$": "$.Item.qualityStatus.S",
                                "qualityReport.$": "$.Item.qualityReport.S",
                                "benchmarkF1.$": "States.StringToJson($.Item.benchmarkF1.N)"},
                ResultPath="$.dataset", Retry=[_THROTTLE_RETRY], Next="Data quality gate"),
            "Data quality gate": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.dataset.qualityStatus", "StringEquals": "PASSED",
                             "Next": "Prepare training"}],
                "Default": "Data quality check failed"},
            "Data quality check failed": {"Type": "Fail", "Error": "DataQualityCheckFailed",
                                          "CausePath": "$.dataset.qualityReport"},
            "Prepare training": {
                "Type": "Parallel",
                "Comment": "Feature processing and capacity reservation run side by side.",
                "Branches": [
                    {"StartAt": "Start processing job", "States": {
                        "Start processing job": {
                            "Type": "Pass",
                            "Parameters": {
                                "ProcessingJobName.$": "States.Format('prep-{}-{}', $.country, $.requestId)",
                                "ProcessingInputs.$": "$.dataset.s3Uri",
                                "ProcessingOutput.$": "States.Format('s3://" + c.DATA_BUCKET + "/" + c.TENANT_RETAIL
                                                      + "/{}/features/{}/', $.country, $.requestId)"},
                            "Next": "Wait for processing job"},
                        "Wait for processing job": {"Type": "Wait", "Seconds": 1, "End": True}}},
                    {"StartAt": "Reserve training capacity", "States": {
                        "Reserve training capacity": _ddb(
                            "updateItem",
                            {"TableName": c.CAPACITY_TABLE,
                             "Key": {"instanceType": {
                                 "S.$": "States.ArrayGetItem($.instanceTypes, $$.State.RetryCount)"}},
                             "UpdateExpression": "ADD reservations :one",
                             "ConditionExpression": "quota >= :one",
                             "ExpressionAttributeValues": {":one": {"N": "1"}},
                             "ReturnValues": "ALL_NEW"},
                            Comment="Try the preferred instance types in order; a type without quota "
                                    "fails the condition.",
                            ResultSelector={"instanceType.$": "$.Attributes.instanceType.S"},
                            Retry=[{"ErrorEquals": ["DynamoDB.ConditionalCheckFailedException"],
                                    "IntervalSeconds": 1, "MaxAttempts": 2, "BackoffRate": 1.0}],
                            End=True)}}],
                "ResultSelector": {"processing.$": "$[0]", "capacity.$": "$[1]"},
                "ResultPath": "$.prepared",
                "Catch": [{"ErrorEquals": ["DynamoDB.ConditionalCheckFailedException"],
                           "ResultPath": "$.capacityError", "Next": "Training capacity unavailable"}],
                "Next": "Hyperparameter tuning"},
            "Training capacity unavailable": {
                "Type": "Fail", "Error": "SageMaker.ResourceLimitExceeded",
                "CausePath": "States.Format('The account-level service limit {} for training job usage "
                             "is 2 Instances, with current utilization of 2 Instances and a request delta "
                             "of 1 Instances. Please use AWS Service Quotas to request an increase for "
                             "this quota.', $.instanceTypes[0])"},
            "Hyperparameter tuning": {
                "Type": "Map", "ItemsPath": "$.hpo.candidates", "MaxConcurrency": 3,
                "ItemSelector": {"candidate.$": "$$.Map.Item.Value", "country.$": "$.country",
                                 "requestId.$": "$.requestId",
                                 "instanceType.$": "$.prepared.capacity.instanceType"},
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "Start training job",
                    "States": {
                        "Start training job": {
                            "Type": "Pass",
                            "Parameters": {"TrainingJobName.$": "States.Format('{}-{}', $.requestId, $.candidate.id)",
                                           "InstanceType.$": "$.instanceType",
                                           "HyperParameters.$": "$.candidate"},
                            "Next": "Wait for training job"},
                        "Wait for training job": {"Type": "Wait", "Seconds": 1, "End": True}}},
                "ResultPath": "$.tuning", "Next": "Select best model"},
            "Select best model": {
                "Type": "Pass",
                "Parameters": {"modelName.$": "States.Format('clf-{}-{}-{}', $.country, $.modelFamily, $.requestId)",
                               "macroF1.$": "$.dataset.benchmarkF1",
                               "bestTrainingJob.$": "States.ArrayGetItem($.tuning, 0)"},
                "ResultPath": "$.model", "Next": "Register and notify"},
            "Register and notify": {
                "Type": "Parallel", "ResultPath": None, "Next": "Training complete",
                "Branches": [
                    {"StartAt": "Register model package", "States": {"Register model package": _ddb(
                        "putItem", {"TableName": c.REGISTRY_TABLE,
                                    "Item": {"modelName": {"S.$": "$.model.modelName"},
                                             "country": {"S.$": "$.country"},
                                             "macroF1": {"N.$": "States.Format('{}', $.model.macroF1)"},
                                             "datasetId": {"S.$": "$.datasetId"},
                                             "trainedBy": {"S.$": "$$.Execution.Id"}}},
                        Retry=[_THROTTLE_RETRY], End=True)}},
                    {"StartAt": "Publish training finished", "States": {"Publish training finished": _publish(
                        c.NOTIFICATION_TOPIC, "Training finished",
                        "Training finished for {}: model {} (macro F1 {})",
                        "$.country", "$.model.modelName", "$.model.macroF1", End=True)}}]},
            "Training complete": {"Type": "Succeed"},
        },
    }


def evaluation() -> Definition:
    """Inference on the held-out test set, then metrics to the evaluations table."""
    return {
        "Comment": "Evaluate a freshly trained model: batch inference on the held-out labeled test set.",
        "StartAt": "Load test set manifest",
        "TimeoutSeconds": 7200,
        "States": {
            "Load test set manifest": _ddb(
                "getItem", {"TableName.$": "$.testSet.table",
                            "Key": {"datasetId": {"S.$": "$.testSet.datasetId"}}},
                ResultSelector={"s3Uri.$": "$.Item.s3Uri.S",
                                "referenceF1.$": "States.StringToJson($.Item.benchmarkF1.N)"},
                ResultPath="$.testSetManifest",
                Retry=[{"ErrorEquals": ["States.TaskFailed"], "IntervalSeconds": 1,
                        "MaxAttempts": 2, "BackoffRate": 1.0}],
                Next="Plan batches"),
            "Plan batches": {"Type": "Pass",
                             "Parameters": {"batches.$": "States.ArrayRange(1, $.batchCount, 1)"},
                             "ResultPath": "$.plan", "Next": "Wait for endpoint"},
            "Wait for endpoint": {"Type": "Wait", "Seconds": 1, "Next": "Run batch inference"},
            "Run batch inference": {
                "Type": "Map", "ItemsPath": "$.plan.batches", "MaxConcurrency": 5,
                "ItemSelector": {"batch.$": "$$.Map.Item.Value", "model.$": "$.modelName"},
                "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Score test batch",
                                  "States": {"Score test batch": {"Type": "Pass", "End": True}}},
                "ResultPath": None, "Next": "Compute metrics"},
            "Compute metrics": {"Type": "Pass",
                                "Parameters": {"macroF1.$": "$.testSetManifest.referenceF1",
                                               "evaluationId.$": "$$.Execution.Name"},
                                "ResultPath": "$.metrics", "Next": "Store evaluation"},
            "Store evaluation": _ddb(
                "putItem", {"TableName": c.EVALUATION_TABLE,
                            "Item": {"evaluationId": {"S.$": "$.metrics.evaluationId"},
                                     "country": {"S.$": "$.country"},
                                     "modelName": {"S.$": "$.modelName"},
                                     "macroF1": {"N.$": "States.Format('{}', $.metrics.macroF1)"}}},
                ResultPath=None, Retry=[_THROTTLE_RETRY], Next="Evaluation complete"),
            "Evaluation complete": {"Type": "Succeed"},
        },
    }


def comparison(approval_queue_url: str) -> Definition:
    """New model vs the current winner; a human approves the promotion."""
    return {
        "Comment": "Compare a candidate with the country's winner model; promotion needs a manual approval.",
        "StartAt": "Get current winner",
        "TimeoutSeconds": 604800,
        "States": {
            "Get current winner": _ddb(
                "getItem", {"TableName": c.WINNER_TABLE, "Key": {"country": {"S.$": "$.country"}}},
                ResultSelector={"modelName.$": "$.Item.model.S",
                                "macroF1.$": "States.StringToJson($.Item.metricValue.N)",
                                "promotedAt.$": "$.Item.promotedAt.S"},
                ResultPath="$.current", Retry=[_THROTTLE_RETRY], Next="Is candidate better?"),
            "Is candidate better?": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.candidate.macroF1", "NumericGreaterThanPath": "$.current.macroF1",
                             "Next": "Request promotion approval"}],
                "Default": "Keep current model"},
            "Request promotion approval": {
                "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {"QueueUrl": approval_queue_url,
                               "MessageBody": {"TaskToken.$": "$$.Task.Token",
                                               "type": "model-promotion",
                                               "country.$": "$.country",
                                               "candidate.$": "$.candidate",
                                               "current.$": "$.current",
                                               "executionArn.$": "$$.Execution.Id",
                                               "requestedAt.$": "$$.State.EnteredTime",
                                               "requestedBy.$": "$.requestedBy"}},
                "TimeoutSeconds": 259200, "ResultPath": "$.approval",
                "Catch": [{"ErrorEquals": ["ModelPromotionRejected"], "ResultPath": "$.rejection",
                           "Next": "Notify rejection"}],
                "Next": "Promote candidate"},
            "Notify rejection": _publish(c.NOTIFICATION_TOPIC, "Model promotion rejected",
                                         "Promotion of {} for {} was rejected", "$.candidate.modelName",
                                         "$.country", ResultPath=None, Next="Promotion rejected"),
            "Promotion rejected": {"Type": "Fail", "Error": "ModelPromotionRejected",
                                   "CausePath": "$.rejection.Cause"},
            "Promote candidate": _ddb(
                "putItem", {"TableName": c.WINNER_TABLE,
                            "Item": {"country": {"S.$": "$.country"},
                                     "model": {"S.$": "$.candidate.modelName"},
                                     "metric": {"S": "macro_f1"},
                                     "metricValue": {"N.$": "States.Format('{}', $.candidate.macroF1)"},
                                     "promotedAt": {"S.$": "$$.State.EnteredTime"},
                                     "previousModel": {"S.$": "$.current.modelName"}}},
                ResultPath=None, Retry=[_THROTTLE_RETRY], Next="Notify promotion"),
            "Notify promotion": _publish(c.NOTIFICATION_TOPIC, "New winner model",
                                         "{} is the new winner model for {} (macro F1 {} vs {})",
                                         "$.candidate.modelName", "$.country", "$.candidate.macroF1",
                                         "$.current.macroF1", ResultPath=None, Next="Comparison complete"),
            "Keep current model": _publish(c.NOTIFICATION_TOPIC, "Winner model unchanged",
                                           "{} stays the winner model for {} ({} did not beat it)",
                                           "$.current.modelName", "$.country", "$.candidate.modelName",
                                           ResultPath=None, Next="Comparison complete"),
            "Comparison complete": {"Type": "Succeed"},
        },
    }


def inference() -> Definition:
    """Monthly per-country classification with the winner model, fanned out per batch."""
    return {
        "Comment": "Classify a country's sold items with its winner model; predictions to S3, SNS when done.",
        "StartAt": "Get winner model",
        "TimeoutSeconds": 14400,
        "States": {
            "Get winner model": _ddb(
                "getItem", {"TableName": c.WINNER_TABLE, "Key": {"country": {"S.$": "$.country"}}},
                ResultPath="$.winner", Retry=[_THROTTLE_RETRY], Next="Winner model registered?"),
            "Winner model registered?": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.winner.Item", "IsPresent": True, "Next": "Plan batches"}],
                "Default": "No winner model"},
            "No winner model": {
                "Type": "Fail", "Error": "ModelNotFound",
                "CausePath": "States.Format('No winner model registered for country {} in table "
                             + c.WINNER_TABLE + "', $.country)"},
            "Plan batches": {"Type": "Pass",
                             "Parameters": {"batches.$": "States.ArrayRange(1, $.batchCount, 1)",
                                            "model.$": "$.winner.Item.model.S"},
                             "ResultPath": "$.plan", "Next": "Wait for batch transform"},
            "Wait for batch transform": {"Type": "Wait", "Seconds": 1, "Next": "Classify item batches"},
            "Classify item batches": {
                "Type": "Map", "ItemsPath": "$.plan.batches", "MaxConcurrency": 5,
                "ItemSelector": {"batch.$": "$$.Map.Item.Value", "model.$": "$.plan.model",
                                 "outputPrefix.$": "$.outputPrefix",
                                 "quarantined.$": "States.ArrayContains($.quarantinedParts, $$.Map.Item.Value)"},
                "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Batch readable?",
                                  "States": {
                                      "Batch readable?": {
                                          "Type": "Choice",
                                          "Choices": [{"Variable": "$.quarantined", "BooleanEquals": True,
                                                       "Next": "Batch transform failed"}],
                                          "Default": "Classify batch"},
                                      "Batch transform failed": {
                                          "Type": "Fail", "Error": "SageMaker.TransformJobFailed",
                                          "CausePath": "States.Format('Batch transform job for part-{} failed: "
                                                       "ClientError: {}part-{}.jsonl is not valid JSON Lines', "
                                                       "$.batch, $.outputPrefix, $.batch)"},
                                      "Classify batch": {
                                          "Type": "Pass",
                                          "Parameters": {"batch.$": "$.batch", "model.$": "$.model",
                                                         "predictions.$": "States.Format('{}part-{}.jsonl', $.outputPrefix, $.batch)"},
                                          "End": True}}},
                "ResultPath": None, "Next": "Publish predictions ready"},
            "Publish predictions ready": _publish(c.NOTIFICATION_TOPIC, "Predictions ready",
                                                  "Predictions for {} ({}) are in {}", "$.country",
                                                  "$.month", "$.outputPrefix",
                                                  ResultPath=None, Next="Inference complete"),
            "Inference complete": {"Type": "Succeed"},
        },
    }


def transaction(review_queue_url: str) -> Definition:
    """One sold item: winner model, confidence gate, human review below threshold, record."""
    return {
        "Comment": "Classify one sold item; low-confidence results go to human review.",
        "StartAt": "Get winner model",
        "TimeoutSeconds": 300,
        "States": {
            "Get winner model": _ddb(
                "getItem", {"TableName": c.WINNER_TABLE, "Key": {"country": {"S.$": "$.country"}}},
                ResultPath="$.model", Retry=[_THROTTLE_RETRY], Next="Winner model registered?"),
            "Winner model registered?": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.model.Item", "IsPresent": True, "Next": "Confident enough?"}],
                "Default": "No winner model"},
            "No winner model": {
                "Type": "Fail", "Error": "ModelNotFound",
                "CausePath": "States.Format('No winner model registered for country {}: item {} cannot be "
                             "classified', $.country, $.itemId)"},
            "Confident enough?": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.prediction.confidence",
                             "NumericGreaterThanEqualsPath": "$.confidenceThreshold",
                             "Next": "Record classification"}],
                "Default": "Queue for human review"},
            "Queue for human review": {
                "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
                "Parameters": {"QueueUrl": review_queue_url,
                               "MessageBody": {"itemId.$": "$.itemId", "country.$": "$.country",
                                               "prediction.$": "$.prediction",
                                               "threshold.$": "$.confidenceThreshold"}},
                "ResultPath": None, "Next": "Record classification"},
            "Record classification": _ddb(
                "putItem", {"TableName": c.CLASSIFICATION_TABLE,
                            "Item": {"itemId": {"S.$": "$.itemId"}, "country": {"S.$": "$.country"},
                                     "label": {"S.$": "$.prediction.label"},
                                     "model": {"S.$": "$.model.Item.model.S"}}},
                ResultPath=None, Retry=[_THROTTLE_RETRY], Next="Classified"),
            "Classified": {"Type": "Succeed"},
        },
    }


def recording_variant(definition: Definition, *, timeout_seconds: int | None = None,
                      wait_seconds: int | None = None,
                      state_timeouts: dict[str, int] | None = None,
                      replace: dict[str, str] | None = None) -> Definition:
    """A copy for recording a template run: shorter timeouts/longer waits, other queues."""
    clone = copy.deepcopy(definition)
    if timeout_seconds is not None:
        clone["TimeoutSeconds"] = timeout_seconds

    def visit(states: dict[str, Any]) -> None:
        for name, state in states.items():
            if wait_seconds is not None and state.get("Type") == "Wait":
                state["Seconds"] = wait_seconds
            if state_timeouts and name in state_timeouts:
                state["TimeoutSeconds"] = state_timeouts[name]
            for branch in state.get("Branches", []):
                visit(branch["States"])
            if "ItemProcessor" in state:
                visit(state["ItemProcessor"]["States"])

    visit(clone["States"])
    if replace:
        import json

        text = json.dumps(clone)
        for old, new in replace.items():
            text = text.replace(old, new)
        clone = json.loads(text)
    return clone


def build_definitions(endpoint_url: str) -> dict[str, Definition]:
    """role -> ASL definition (queue URLs depend on the endpoint)."""
    return {
        "training": training(),
        "evaluation": evaluation(),
        "comparison": comparison(c.queue_url(endpoint_url, c.APPROVAL_QUEUE)),
        "inference": inference(),
        "transaction": transaction(c.queue_url(endpoint_url, c.REVIEW_QUEUE)),
    }
