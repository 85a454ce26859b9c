"""DLQ redrive: StartMessageMoveTask, ListMessageMoveTasks, CancelMessageMoveTask, ListDeadLetterSourceQueues.

SQS API reference: StartMessageMoveTask, ListMessageMoveTasks, CancelMessageMoveTask,
ListDeadLetterSourceQueues; SQS developer guide, "Configure a dead-letter queue redrive".
"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError


def _depth(sqs, url: str) -> int:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


def _fill(sqs, url: str, count: int) -> None:
    for start in range(0, count, 10):
        sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "MessageBody": f"request {i}",
             "MessageAttributes": {"n": {"DataType": "Number", "StringValue": str(i)}}}
            for i in range(start, min(count, start + 10))])


def _code(caught) -> tuple[str, int]:
    return caught.value.response["Error"]["Code"], caught.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_redrive_of_n_messages_moves_exactly_n_back(sqs, dlq_pair, wait_for):
    """A redrive to the source queue moves every message: N more in the source, none left in the DLQ;
    the task ends COMPLETED with ApproximateNumberOfMessagesMoved == ToMove == N; bodies and
    message attributes arrive intact."""
    source, dlq, dlq_arn = dlq_pair()
    _fill(sqs, dlq, 23)
    before = _depth(sqs, source)
    handle = sqs.start_message_move_task(SourceArn=dlq_arn)["TaskHandle"]
    assert handle
    task = wait_for(lambda: next((t for t in sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"]
                                  if t["Status"] == "COMPLETED"), None), what="the move task to complete")
    assert task["ApproximateNumberOfMessagesMoved"] == task["ApproximateNumberOfMessagesToMove"] == 23
    assert "TaskHandle" not in task and "DestinationArn" not in task  # only RUNNING tasks show the handle
    assert _depth(sqs, source) == before + 23 and _depth(sqs, dlq) == 0
    message = sqs.receive_message(QueueUrl=source, MessageAttributeNames=["All"])["Messages"][0]
    assert message["Body"].startswith("request ") and "n" in message["MessageAttributes"]


def test_rate_cancel_and_one_task_per_queue(sqs, dlq_pair, wait_for):
    """At 1 message/s a task is RUNNING with its TaskHandle; a second task on the same DLQ is refused;
    CancelMessageMoveTask answers the count moved so far and does not undo it; cancelling again
    (no longer RUNNING) is refused."""
    source, dlq, dlq_arn = dlq_pair()
    _fill(sqs, dlq, 10)
    handle = sqs.start_message_move_task(SourceArn=dlq_arn, DestinationArn=sqs.get_queue_attributes(
        QueueUrl=source, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"], MaxNumberOfMessagesPerSecond=1)[
        "TaskHandle"]
    running = sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"][0]
    assert (running["Status"], running["TaskHandle"], running["MaxNumberOfMessagesPerSecond"]) == ("RUNNING", handle, 1)
    with pytest.raises(ClientError) as caught:
        sqs.start_message_move_task(SourceArn=dlq_arn)
    assert _code(caught)[0] == "UnsupportedOperation"
    wait_for(lambda: _depth(sqs, source) >= 1, what="one message moved")
    moved = sqs.cancel_message_move_task(TaskHandle=handle)["ApproximateNumberOfMessagesMoved"]
    assert 1 <= moved < 10
    task = wait_for(lambda: next((t for t in sqs.list_message_move_tasks(SourceArn=dlq_arn, MaxResults=10)["Results"]
                                  if t["Status"] == "CANCELLED"), None), what="the task to be cancelled")
    assert _depth(sqs, source) == task["ApproximateNumberOfMessagesMoved"] >= moved
    assert _depth(sqs, source) + _depth(sqs, dlq) == 10  # nothing lost, nothing undone
    with pytest.raises(ClientError) as caught:
        sqs.cancel_message_move_task(TaskHandle=handle)
    assert _code(caught)[0] == "UnsupportedOperation"


def test_refusals(sqs, dlq_pair):
    """A source that is no queue's DLQ is refused (UnsupportedOperation); a missing queue is
    ResourceNotFoundException; the rate must be 1-500 (InvalidParameterValue); a standard DLQ does
    not move to a FIFO queue; an unknown task handle is ResourceNotFoundException; ListMessageMoveTasks
    lists at most 10."""
    source, _, dlq_arn = dlq_pair()
    source_arn = sqs.get_queue_attributes(QueueUrl=source, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    fifo_source, _, _ = dlq_pair(fifo=True)
    fifo_arn = sqs.get_queue_attributes(QueueUrl=fifo_source, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    cases = [({"SourceArn": source_arn}, "UnsupportedOperation"),
             ({"SourceArn": dlq_arn.replace("test-dlq", "test-gone")}, "ResourceNotFoundException"),
             ({"SourceArn": dlq_arn, "MaxNumberOfMessagesPerSecond": 501}, "InvalidParameterValue"),
             ({"SourceArn": dlq_arn, "MaxNumberOfMessagesPerSecond": 0}, "InvalidParameterValue"),
             ({"SourceArn": dlq_arn, "DestinationArn": fifo_arn}, "UnsupportedOperation")]
    for arguments, code in cases:
        with pytest.raises(ClientError) as caught:
            sqs.start_message_move_task(**arguments)
        assert _code(caught) == (code, 400), arguments
    with pytest.raises(ClientError) as caught:
        sqs.cancel_message_move_task(TaskHandle="bm8tc3VjaC10YXNr")
    assert _code(caught) == ("ResourceNotFoundException", 400)
    with pytest.raises(ClientError) as caught:  # ListMessageMoveTasks: "The upper limit is 10."
        sqs.list_message_move_tasks(SourceArn=dlq_arn, MaxResults=11)
    assert _code(caught) == ("InvalidParameterValue", 400)


def test_fifo_dlq_redrives_to_its_fifo_source(sqs, dlq_pair, wait_for):
    """FIFO to FIFO: the messages keep their group and arrive in the FIFO source queue."""
    source, dlq, dlq_arn = dlq_pair(fifo=True)
    for i in range(4):
        sqs.send_message(QueueUrl=dlq, MessageBody=f"fifo {i}", MessageGroupId="g1", MessageDeduplicationId=f"d{i}")
    sqs.start_message_move_task(SourceArn=dlq_arn)
    wait_for(lambda: sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"][0]["Status"] == "COMPLETED",
             what="the FIFO move")
    assert _depth(sqs, source) == 4 and _depth(sqs, dlq) == 0
    message = sqs.receive_message(QueueUrl=source, AttributeNames=["MessageGroupId"])["Messages"][0]
    assert message["Attributes"]["MessageGroupId"] == "g1"


def test_list_dead_letter_source_queues_pages(sqs, sandbox):
    """ListDeadLetterSourceQueues names the queues whose RedrivePolicy targets the DLQ; with
    MaxResults it pages with NextToken."""
    dlq = sandbox.scenario.queues["dlq"]
    assert [u.rsplit("/", 1)[-1] for u in sqs.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"]] == \
        ["training-requests"]
    first = sqs.list_dead_letter_source_queues(QueueUrl=dlq, MaxResults=1)
    assert len(first["queueUrls"]) == 1 and "NextToken" not in first
    with pytest.raises(ClientError) as caught:
        sqs.list_dead_letter_source_queues(QueueUrl=dlq, MaxResults=0)
    assert _code(caught)[0] == "InvalidParameterValue"
