"""DLQ transfer by SQS's message-move task, and its fallback, against real servers.

moto 5.2.5 (the emulator installed here) does not implement StartMessageMoveTask / ListMessageMoveTasks:
its server answers HTTP 500 ("The start_message_move_task action has not been implemented"). So against
moto a DLQ over the threshold must still be moved, by the receive/re-send loop, with every attribute.
"""

import logging

import pytest

from ptpu_adapters.aws.clients import AwsClients
from ptpu_adapters.provisioning import ProvisionedResources
from ptpu_adapters.sqs.queue_admin import SqsQueueAdmin


def send(aws_clients: AwsClients, url: str, bodies: list[str]) -> None:
    for body in bodies:
        aws_clients.sqs.send_message(
            QueueUrl=url, MessageBody=body,
            MessageAttributes={"eventType": {"DataType": "String", "StringValue": "SENTENCE_DATES-CHANGED"}},
        )


def received(aws_clients: AwsClients, url: str) -> list[dict]:
    messages: list[dict] = []
    while batch := aws_clients.sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], VisibilityTimeout=30
    ).get("Messages"):
        messages.extend(batch)
    return messages


def test_moto_has_no_message_move_task_so_the_task_declines(
    aws_clients: AwsClients, resources: ProvisionedResources, caplog: pytest.LogCaptureFixture
) -> None:
    send(aws_clients, resources.dlq_url, ["one"])
    admin = SqsQueueAdmin(aws_clients.sqs, resources.queue_url, resources.dlq_url, move_task_from=1)

    with caplog.at_level(logging.WARNING, logger="ptpu_adapters.sqs.queue_admin"):
        assert admin.transfer_dlq_to_queue() == 1
    assert "SQS message-move task not available" in caplog.text


@pytest.mark.parametrize("threshold", [1, 12, 13])
def test_a_dlq_over_the_threshold_on_a_server_without_the_api_is_moved_by_the_loop(
    aws_clients: AwsClients, resources: ProvisionedResources, threshold: int
) -> None:
    bodies = [f"message {n}" for n in range(12)]
    send(aws_clients, resources.dlq_url, bodies)
    admin = SqsQueueAdmin(aws_clients.sqs, resources.queue_url, resources.dlq_url, aws_clients.dlq_sqs,
                          move_task_from=threshold)

    assert admin.transfer_dlq_to_queue() == 12

    moved = received(aws_clients, resources.queue_url)
    assert sorted(m["Body"] for m in moved) == sorted(bodies)
    assert {m["MessageAttributes"]["eventType"]["StringValue"] for m in moved} == {"SENTENCE_DATES-CHANGED"}
    assert admin.message_count(admin.dlq_name() or "") == 0
