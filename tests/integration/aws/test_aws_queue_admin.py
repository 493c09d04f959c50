"""SqsQueueAdmin against SQS (moto server): counts, DLQ transfer, purge, peek, DLQ health."""

import threading

import pytest

from ptpu_adapters.aws.clients import AwsClients
from ptpu_adapters.provisioning import ProvisionedResources
from ptpu_adapters.sqs.queue_admin import SqsQueueAdmin, UnknownQueue
from ptpu_core.errors import PurgeTooSoon, SystemFailure


@pytest.fixture
def admin(aws_clients: AwsClients, resources: ProvisionedResources) -> SqsQueueAdmin:
    return SqsQueueAdmin(aws_clients.sqs, resources.queue_url, resources.dlq_url, dlq_client=aws_clients.dlq_sqs)


def send(aws_clients: AwsClients, url: str, bodies: list[str]) -> None:
    for body in bodies:
        aws_clients.sqs.send_message(
            QueueUrl=url,
            MessageBody=body,
            MessageAttributes={"eventType": {"DataType": "String", "StringValue": "SENTENCE_DATES-CHANGED"}},
        )


def test_names_and_counts(admin: SqsQueueAdmin, aws_clients: AwsClients, resources: ProvisionedResources) -> None:
    queue, dlq = admin.queue_name(), admin.dlq_name()
    assert resources.queue_url.endswith("/" + queue) and dlq is not None and resources.dlq_url.endswith("/" + dlq)
    send(aws_clients, resources.queue_url, ["a", "b", "c"])
    send(aws_clients, resources.dlq_url, ["x"])
    aws_clients.sqs.receive_message(QueueUrl=resources.queue_url, MaxNumberOfMessages=1, VisibilityTimeout=30)
    assert (admin.message_count(queue), admin.messages_in_flight(queue), admin.message_count(dlq)) == (2, 1, 1)
    with pytest.raises(UnknownQueue):
        admin.message_count("not-ours")


def test_transfer_moves_every_dlq_message_back_with_its_attributes(
    admin: SqsQueueAdmin, aws_clients: AwsClients, resources: ProvisionedResources
) -> None:
    bodies = [f"message {n}" for n in range(23)]
    send(aws_clients, resources.dlq_url, bodies)
    assert admin.transfer_dlq_to_queue() == 23
    assert admin.message_count(admin.dlq_name() or "") == 0
    moved = []
    while batch := aws_clients.sqs.receive_message(
        QueueUrl=resources.queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], VisibilityTimeout=30
    ).get("Messages"):
        moved.extend(batch)
    assert sorted(m["Body"] for m in moved) == sorted(bodies)
    assert {m["MessageAttributes"]["eventType"]["StringValue"] for m in moved} == {"SENTENCE_DATES-CHANGED"}
    assert admin.transfer_dlq_to_queue() == 0


def test_transfer_moves_only_what_the_dlq_held_when_messages_come_straight_back(
    aws_clients: AwsClients, resources: ProvisionedResources
) -> None:
    """A poison message moved back lands on the DLQ again at once. Modelled exactly by a
    queue that is its own DLQ: every message re-sent is back on the DLQ before the next receive."""
    send(aws_clients, resources.dlq_url, ["p1", "p2", "p3"])
    looping = SqsQueueAdmin(aws_clients.sqs, resources.dlq_url, resources.dlq_url)
    result: dict[str, int] = {}
    transfer = threading.Thread(target=lambda: result.update(moved=looping.transfer_dlq_to_queue()), daemon=True)

    transfer.start()
    transfer.join(60)  # a guard against the old endless loop, not a timing assertion

    assert result == {"moved": 3}
    assert looping.message_count(looping.dlq_name() or "") == 3


def test_purge_empties_a_queue_and_says_how_many_it_held(
    admin: SqsQueueAdmin, aws_clients: AwsClients, resources: ProvisionedResources
) -> None:
    send(aws_clients, resources.dlq_url, ["x", "y"])
    dlq = admin.dlq_name() or ""
    assert admin.purge(dlq) == 2
    assert admin.message_count(dlq) == 0
    assert admin.purge(dlq) == 0


def test_a_second_purge_within_the_minute_is_refused_as_too_soon_not_as_an_outage(
    admin: SqsQueueAdmin, aws_clients: AwsClients, resources: ProvisionedResources
) -> None:
    """AWS SQS API Reference, PurgeQueue: one purge of a queue every 60 seconds; another is refused with
    PurgeQueueInProgress (code AWS.SimpleQueueService.PurgeQueueInProgress). The moto server enforces it
    (MOTO_SQS_ENFORCE_STRICT_QUEUE_PURGE_BEHAVIOUR, on by default), so this is the real error shape."""
    dlq = admin.dlq_name() or ""
    send(aws_clients, resources.dlq_url, ["x"])
    assert admin.purge(dlq) == 1
    send(aws_clients, resources.dlq_url, ["y"])

    with pytest.raises(PurgeTooSoon, match="one purge of a queue every 60 seconds") as refused:
        admin.purge(dlq)

    assert not isinstance(refused.value, SystemFailure)
    assert refused.value.queue_name == dlq
    assert admin.message_count(dlq) == 1  # nothing was purged


def test_peek_returns_dlq_messages_and_leaves_them_there(
    admin: SqsQueueAdmin, aws_clients: AwsClients, resources: ProvisionedResources
) -> None:
    bodies = [f'{{"n": {n}}}' for n in range(14)]
    send(aws_clients, resources.dlq_url, bodies)
    peeked = admin.peek_dlq(100)
    assert sorted(body for _, body in peeked) == sorted(bodies)
    assert len({message_id for message_id, _ in peeked}) == 14
    assert admin.message_count(admin.dlq_name() or "") == 14  # visible again straight away
    assert len(admin.peek_dlq(5)) == 5


def test_dlq_attached_reflects_the_redrive_policy(
    admin: SqsQueueAdmin, aws_clients: AwsClients, resources: ProvisionedResources
) -> None:
    assert admin.dlq_attached()
    bare_url = aws_clients.sqs.create_queue(QueueName=admin.queue_name() + "-bare")["QueueUrl"]
    assert not SqsQueueAdmin(aws_clients.sqs, bare_url, None).dlq_attached()
