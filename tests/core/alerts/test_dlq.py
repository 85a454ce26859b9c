"""Dead-letter queues: discovery from redrive policies, execution ARNs in messages, export, and against
the sandbox: peek leaves every message in place, a redrive of N messages leaves exactly N more in the
source and none in the DLQ, cancel only while running, delete only what was chosen.

Each sandbox test makes its own source queue and DLQ: the scenario's DLQ is shared by the session."""

from __future__ import annotations

import json
import os
import stat
import uuid

import pytest
from botocore.exceptions import ClientError
from support import wait_until

from opsconsole.core.alerts import dlq
from opsconsole.core.alerts.dlq import DeadLetter, MoveRefused, MoveTask

ACCOUNT = "123456789012"


def arn(name: str) -> str:
    return f"arn:aws:sqs:eu-west-1:{ACCOUNT}:{name}"


# -- pure rules ------------------------------------------------------------------------------------------
def test_dead_letter_queues_are_the_targets_of_redrive_policies():
    attributes = {
        "u/a": {"QueueArn": arn("a"), "RedrivePolicy": json.dumps({"deadLetterTargetArn": arn("dlq"),
                                                                     "maxReceiveCount": 3})},
        "u/b": {"QueueArn": arn("b"), "RedrivePolicy": json.dumps({"deadLetterTargetArn": arn("dlq"),
                                                                     "maxReceiveCount": "5"})},
        "u/c": {"QueueArn": arn("c"), "RedrivePolicy": json.dumps({"deadLetterTargetArn": arn("other-dlq")})},
        "u/dlq": {"QueueArn": arn("dlq")},
        "u/broken": {"QueueArn": arn("broken"), "RedrivePolicy": "{not json"},
        "u/empty": {"QueueArn": arn("empty"), "RedrivePolicy": json.dumps({"maxReceiveCount": 2})},
    }
    found = dlq.redrive_targets(attributes)
    assert found == {arn("dlq"): [(arn("a"), 3), (arn("b"), 5)], arn("other-dlq"): [(arn("c"), None)]}


def test_a_message_naming_executions_gives_their_arns_in_order_without_repeats():
    ex1 = f"arn:aws:states:eu-west-1:{ACCOUNT}:execution:mlops-training:train-DE-2026-10-28-3c09"
    ex2 = f"arn:aws:states:eu-west-1:{ACCOUNT}:execution:mlops-inference:inf-FR-1"
    machine = f"arn:aws:states:eu-west-1:{ACCOUNT}:stateMachine:mlops-training"
    message = DeadLetter("m", json.dumps({"executionArn": ex1, "machine": machine, "again": ex1}), None, 4, None,
                         {"parent": ex2})
    assert message.execution_arns == [ex1, ex2]
    assert DeadLetter("m", "no arn here", None, 1, None).execution_arns == []


def test_export_writes_json_readable_by_the_owner_only(tmp_path):
    path = tmp_path / "out.json"
    path.write_text("old")
    os.chmod(path, 0o644)
    messages = [DeadLetter("m1", '{"a": "<b>"}', None, 2, None, {"country": "DE"})]
    assert dlq.export_messages(messages, path) == 1
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    document = json.loads(path.read_text())
    assert document["messages"][0]["Body"] == '{"a": "<b>"}'
    assert document["messages"][0]["MessageAttributes"] == {"country": "DE"}


@pytest.mark.parametrize("rate", [0, 501, -1])
def test_a_rate_outside_1_to_500_is_refused_before_sending(rate):
    queue = dlq.DeadLetterQueue("u", arn("dlq"), "dlq", 3, 0, 0, (arn("src"),))
    with pytest.raises(MoveRefused):
        dlq.redrive_write(queue, rate=rate)


@pytest.mark.parametrize("status", ["COMPLETED", "CANCELLING", "CANCELLED", "FAILED"])
def test_cancel_is_refused_unless_the_move_is_running(status):
    task = MoveTask(status, arn("dlq"), 3, 9, None, handle="h" if status == "CANCELLING" else None)
    with pytest.raises(MoveRefused, match="Only a running move"):
        dlq.cancel_write(task)


def test_redrive_and_cancel_are_destructive_writes_with_their_exact_requests():
    queue = dlq.DeadLetterQueue("u", arn("dlq"), "dlq", 3, 0, 0, (arn("src"),))
    write = dlq.redrive_write(queue, arn("elsewhere"), 25)
    assert write.destructive and write.calls[0].params == {
        "SourceArn": arn("dlq"), "DestinationArn": arn("elsewhere"), "MaxNumberOfMessagesPerSecond": 25}
    cancel = dlq.cancel_write(MoveTask("RUNNING", arn("dlq"), 1, 9, None, handle="h-1"))
    assert cancel.destructive and cancel.calls[0].params == {"TaskHandle": "h-1"}


# -- against the sandbox --------------------------------------------------------------------------------------
@pytest.fixture
def pair(sandbox_clients):
    """A fresh source queue whose redrive policy names a fresh DLQ: (source url, dlq url)."""
    sqs = sandbox_clients.client("sqs")
    tag = uuid.uuid4().hex[:8]
    dlq_url = sqs.create_queue(QueueName=f"test-dlq-{tag}")["QueueUrl"]
    source_url = sqs.create_queue(QueueName=f"test-src-{tag}", Attributes={"RedrivePolicy": json.dumps(
        {"deadLetterTargetArn": arn(f"test-dlq-{tag}"), "maxReceiveCount": 2})})["QueueUrl"]
    yield source_url, dlq_url
    for url in (source_url, dlq_url):
        sqs.delete_queue(QueueUrl=url)


def fill(sandbox_clients, url: str, n: int) -> list[str]:
    sqs = sandbox_clients.client("sqs")
    return [sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"n": i}))["MessageId"] for i in range(n)]


def find(sandbox_clients, dlq_url: str) -> dlq.DeadLetterQueue:
    [queues] = list(dlq.dead_letter_queues(sandbox_clients))
    return next(q for q in queues if q.url == dlq_url)


def wait_for_move(sandbox_clients, source_arn: str, timeout: float = 20.0) -> MoveTask:
    """The move task once it has ended (the sandbox moves messages on its own thread)."""
    def ended() -> MoveTask | None:
        task = dlq.move_tasks(sandbox_clients, source_arn)[0]
        return None if task.active else task

    return wait_until(ended, timeout=timeout, what="the move to finish")


def test_discovery_finds_the_dlq_with_its_source_depth_and_receive_limit(sandbox_clients, pair):
    source_url, dlq_url = pair
    fill(sandbox_clients, dlq_url, 4)
    queue = find(sandbox_clients, dlq_url)
    assert queue.visible == 4 and queue.depth == 4
    assert queue.source_names == [source_url.rsplit("/", 1)[-1]] and queue.max_receive_count == 2
    # the scenario's DLQ is found too
    [queues] = list(dlq.dead_letter_queues(sandbox_clients))
    assert "training-requests-dlq" in {q.name for q in queues}


def test_a_peek_leaves_every_message_in_the_queue_visible_and_says_its_receive_count(sandbox_clients, pair):
    _, dlq_url = pair
    sent = fill(sandbox_clients, dlq_url, 12)
    first = dlq.peek(sandbox_clients, dlq_url)
    assert sorted(m.message_id for m in first) == sorted(sent)
    assert dlq.queue_counts(sandbox_clients, [dlq_url]) == {dlq_url: 12}
    attrs = sandbox_clients.client("sqs").get_queue_attributes(
        QueueUrl=dlq_url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    assert attrs["ApproximateNumberOfMessagesNotVisible"] == "0"  # back at once, not in 30 s
    second = dlq.peek(sandbox_clients, dlq_url)
    assert {m.receive_count for m in second} == {m.receive_count + 1 for m in first}


def test_a_redrive_of_n_messages_leaves_exactly_n_more_in_the_source_and_none_in_the_dlq(sandbox_clients, pair):
    source_url, dlq_url = pair
    fill(sandbox_clients, source_url, 2)  # already there, must stay
    fill(sandbox_clients, dlq_url, 7)
    queue = find(sandbox_clients, dlq_url)
    before = dlq.counts_by_arn(sandbox_clients, [queue.arn, *queue.sources])
    handle = dlq.redrive_write(queue).run(sandbox_clients)
    assert handle
    task = wait_for_move(sandbox_clients, queue.arn)
    assert task.status == "COMPLETED" and task.moved == 7
    after = dlq.counts_by_arn(sandbox_clients, [queue.arn, *queue.sources])
    assert after == {queue.arn: 0, queue.sources[0]: before[queue.sources[0]] + 7}
    assert before[queue.arn] == 7


def test_a_redrive_to_a_chosen_queue_at_a_rate(sandbox_clients, pair):
    _, dlq_url = pair
    sqs = sandbox_clients.client("sqs")
    other_name = f"test-other-{uuid.uuid4().hex[:8]}"
    other = sqs.create_queue(QueueName=other_name)["QueueUrl"]
    try:
        fill(sandbox_clients, dlq_url, 3)
        queue = find(sandbox_clients, dlq_url)
        dlq.redrive_write(queue, arn(other_name), 100).run(sandbox_clients)
        task = wait_for_move(sandbox_clients, queue.arn)
        assert task.destination_arn == arn(other_name) and task.rate == 100
        assert dlq.counts_by_arn(sandbox_clients, [queue.arn, arn(other_name)]) == {queue.arn: 0, arn(other_name): 3}
    finally:
        sqs.delete_queue(QueueUrl=other)


def test_cancel_stops_a_running_move_keeps_what_moved_and_is_refused_after(sandbox_clients, pair):
    _, dlq_url = pair
    fill(sandbox_clients, dlq_url, 6)
    queue = find(sandbox_clients, dlq_url)
    dlq.redrive_write(queue, rate=1).run(sandbox_clients)
    task = dlq.move_tasks(sandbox_clients, queue.arn)[0]
    assert task.status == "RUNNING" and task.handle
    cancelled = dlq.cancel_write(task).run(sandbox_clients)
    assert cancelled.status == "CANCELLING"
    done = wait_for_move(sandbox_clients, queue.arn)
    assert done.status == "CANCELLED" and done.moved < 6
    counts = dlq.counts_by_arn(sandbox_clients, [queue.arn, *queue.sources])
    assert counts == {queue.arn: 6 - done.moved, queue.sources[0]: done.moved}  # nothing lost, nothing undone
    # the old handle: the console refuses before sending; SQS refuses too
    with pytest.raises(MoveRefused, match="no longer running"):
        dlq.cancel_write(task).run(sandbox_clients)
    with pytest.raises(ClientError) as refused:
        sandbox_clients.client("sqs").cancel_message_move_task(TaskHandle=task.handle)
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_delete_removes_exactly_the_chosen_messages(sandbox_clients, pair):
    _, dlq_url = pair
    sent = fill(sandbox_clients, dlq_url, 5)
    dlq.peek(sandbox_clients, dlq_url)  # the receipts of this peek are stale by the time the user chooses
    result = dlq.delete_messages(sandbox_clients, dlq_url, [sent[1], sent[3], "not-a-message"])
    assert sorted(result.deleted) == sorted([sent[1], sent[3]]) and result.not_found == ("not-a-message",)
    left = dlq.peek(sandbox_clients, dlq_url)
    assert sorted(m.message_id for m in left) == sorted([sent[0], sent[2], sent[4]])
    assert dlq.delete_write(find(sandbox_clients, dlq_url), [sent[0]]).destructive
