"""Moving the DLQ back by receive, re-send and delete does not stop short when receives come back empty while the
DLQ's count still shows messages (a short poll samples SQS's servers; an emulator under load answers empty too),
and does stop once the count reads 0. The SQS client here is a scripted stand-in for boto3's: it answers each
receive from a script and counts what it is asked."""

from __future__ import annotations

from collections import deque
from typing import Any

from ptpu_adapters.sqs.queue_admin import SqsQueueAdmin

QUEUE = "http://sqs.local/000000000000/events"
DLQ = "http://sqs.local/000000000000/events-dlq"


class ScriptedSqs:
    def __init__(self, counts: list[int], receives: list[int]) -> None:
        self.counts = deque(counts)  # ApproximateNumberOfMessages answers, in order (the last repeats)
        self.receives = deque(receives)  # how many messages each receive hands back (then 0)
        self.sent: list[str] = []
        self.deleted = 0
        self.count_reads = 0
        self._next = 0

    def get_queue_attributes(self, QueueUrl: str, AttributeNames: list[str]) -> dict[str, Any]:  # noqa: N803
        self.count_reads += 1
        count = self.counts.popleft() if len(self.counts) > 1 else self.counts[0]
        return {"Attributes": {name: str(count) for name in AttributeNames}}

    def receive_message(self, **request: Any) -> dict[str, Any]:
        handed = self.receives.popleft() if self.receives else 0
        messages = []
        for _ in range(min(handed, request["MaxNumberOfMessages"])):
            self._next += 1
            messages.append({"Body": f"event-{self._next}", "ReceiptHandle": f"handle-{self._next}"})
        return {"Messages": messages} if messages else {}

    def send_message(self, QueueUrl: str, MessageBody: str, **_: Any) -> None:  # noqa: N803
        assert QueueUrl == QUEUE
        self.sent.append(MessageBody)

    def delete_message(self, QueueUrl: str, ReceiptHandle: str) -> None:  # noqa: N803
        assert QueueUrl == DLQ
        self.deleted += 1


def test_empty_receives_while_the_count_shows_messages_do_not_end_the_transfer() -> None:
    # 12 held: 10 come back, then two empty receives, the count still says 2, then the last 2 come back.
    sqs = ScriptedSqs(counts=[12, 2], receives=[10, 0, 0, 2])
    assert SqsQueueAdmin(sqs, QUEUE, DLQ).transfer_dlq_to_queue() == 12
    assert len(sqs.sent) == sqs.deleted == 12


def test_empty_receives_and_a_count_of_zero_end_the_transfer_at_once() -> None:
    # Another consumer took the last 2: the recount reads 0 and no more receives are spent.
    sqs = ScriptedSqs(counts=[12, 0], receives=[10, 0, 0, 2])
    assert SqsQueueAdmin(sqs, QUEUE, DLQ).transfer_dlq_to_queue() == 10
    assert sqs.count_reads == 2 and list(sqs.receives) == [2]


def test_a_count_that_never_drops_is_recounted_a_bounded_number_of_times() -> None:
    # Messages the count shows but no receive ever hands back (held by another consumer): the transfer ends.
    sqs = ScriptedSqs(counts=[5], receives=[])
    assert SqsQueueAdmin(sqs, QUEUE, DLQ).transfer_dlq_to_queue() == 0
    assert sqs.count_reads == 1 + 3  # the first read, then one per run of two empty receives
