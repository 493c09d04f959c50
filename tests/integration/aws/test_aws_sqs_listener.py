"""SqsListener against SNS + SQS (moto server): the real 2021 envelopes, poison, failures, order, stop."""

import json
import threading
from collections import defaultdict
from pathlib import Path

import pytest

from ptpu_adapters.aws.clients import AwsClients
from ptpu_adapters.provisioning import ProvisionedResources
from ptpu_adapters.sqs.listener import ListenerSettings, SqsListener
from ptpu_adapters.sqs.queue_admin import SqsQueueAdmin
from ptpu_core.errors import InvalidMessage, SystemFailure

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "original-2021" / "messages"
HANDLED_TYPES = {
    "IMPRISONMENT_STATUS-CHANGED",
    "EXTERNAL_MOVEMENT_RECORD-INSERTED",
    "BOOKING_NUMBER-CHANGED",
    "SENTENCE_DATES-CHANGED",
    "CONFIRMED_RELEASE_DATE-CHANGED",
}


def fixture_envelopes() -> list[dict]:
    return [json.loads(path.read_text()) for path in sorted(FIXTURES.glob("*.json"))]


class RecordingHandler:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self.sns_message_ids: list[str | None] = []
        self._lock = threading.Lock()

    def __call__(self, event_type: str, message: str, sns_message_id: str | None = None) -> None:
        with self._lock:
            self.calls.append((event_type, message))
            self.sns_message_ids.append(sns_message_id)


def listener_for(aws_clients: AwsClients, resources: ProvisionedResources, handler, workers: int = 4) -> SqsListener:
    return SqsListener(aws_clients.sqs, resources.queue_url, handler, ListenerSettings(workers=workers, wait_seconds=1))


def drain(listener: SqsListener, polls: int = 2) -> None:
    """Poll until a few consecutive receives come back empty."""
    empty = 0
    while empty < polls:
        empty = empty + 1 if listener.poll_once() == 0 else 0


def envelope_body(event_type: str, inner: dict) -> str:
    return json.dumps(
        {
            "Type": "Notification",
            "MessageId": f"sns-{inner.get('bookingId')}-{inner.get('seq')}",
            "Message": json.dumps(inner),
            "MessageAttributes": {"eventType": {"Type": "String", "Value": event_type}},
        }
    )


def counts(aws_clients: AwsClients, resources: ProvisionedResources) -> tuple[int, int, int]:
    """(visible on queue, in flight on queue, on the DLQ)."""
    admin = SqsQueueAdmin(aws_clients.sqs, resources.queue_url, resources.dlq_url)
    dlq = admin.dlq_name() or ""
    return (
        admin.message_count(admin.queue_name()),
        admin.messages_in_flight(admin.queue_name()),
        admin.message_count(dlq),
    )


def test_events_published_to_the_topic_reach_the_handler_and_are_deleted(
    aws_clients: AwsClients, resources: ProvisionedResources
) -> None:
    envelopes = fixture_envelopes()
    for envelope in envelopes:
        aws_clients.sns.publish(
            TopicArn=resources.topic_arn,
            Message=envelope["Message"],
            MessageAttributes={
                "eventType": {"DataType": "String", "StringValue": envelope["MessageAttributes"]["eventType"]["Value"]}
            },
        )
    handler = RecordingHandler()
    drain(listener_for(aws_clients, resources, handler))

    # The subscription's filter policy keeps SOME_OTHER_MESSAGE off the queue altogether.
    expected = {
        (e["MessageAttributes"]["eventType"]["Value"], e["Message"])
        for e in envelopes
        if e["MessageAttributes"]["eventType"]["Value"] in HANDLED_TYPES
    }
    assert sorted(handler.calls) == sorted(expected)
    assert len(expected) == 5
    assert counts(aws_clients, resources) == (0, 0, 0)


def test_raw_envelopes_sent_to_the_queue_are_unwrapped(
    aws_clients: AwsClients, resources: ProvisionedResources
) -> None:
    envelopes = fixture_envelopes()
    for envelope in envelopes:
        aws_clients.sqs.send_message(QueueUrl=resources.queue_url, MessageBody=json.dumps(envelope))
    handler = RecordingHandler()
    drain(listener_for(aws_clients, resources, handler))

    # Unknown event types are not the listener's business: the service acknowledges and ignores them.
    expected = [(e["MessageAttributes"]["eventType"]["Value"], e["Message"]) for e in envelopes]
    assert sorted(handler.calls) == sorted(expected)
    assert counts(aws_clients, resources) == (0, 0, 0)


@pytest.mark.parametrize(
    "poison",
    [
        "this is not json",
        json.dumps({"Type": "Notification", "Message": "{}"}),  # no eventType attribute
        envelope_body("SENTENCE_DATES-CHANGED", {"reject": "me"}),  # the handler says InvalidMessage
    ],
)
def test_a_poison_message_ends_on_the_dlq_while_good_ones_around_it_are_handled(
    aws_clients: AwsClients, resources: ProvisionedResources, poison: str
) -> None:
    good_before = envelope_body("SENTENCE_DATES-CHANGED", {"bookingId": 1, "seq": 1})
    good_after = envelope_body("SENTENCE_DATES-CHANGED", {"bookingId": 2, "seq": 1})
    for body in (good_before, poison, good_after):
        aws_clients.sqs.send_message(QueueUrl=resources.queue_url, MessageBody=body)
    handler = RecordingHandler()

    def handle(event_type: str, message: str, sns_message_id: str | None = None) -> None:
        if "reject" in message:
            raise InvalidMessage("bookingId missing")
        handler(event_type, message)

    listener = listener_for(aws_clients, resources, handle)
    while counts(aws_clients, resources)[2] == 0:
        listener.poll_once()

    assert sorted(handler.calls) == sorted(
        ("SENTENCE_DATES-CHANGED", json.loads(body)["Message"]) for body in (good_before, good_after)
    )
    dlq_messages = aws_clients.sqs.receive_message(QueueUrl=resources.dlq_url, AttributeNames=["All"])["Messages"]
    assert [m["Body"] for m in dlq_messages] == [poison]
    assert dlq_messages[0]["Attributes"]["ApproximateReceiveCount"] == "4"  # 3 on the queue, 1 here
    assert counts(aws_clients, resources)[:2] == (0, 0)


def test_a_system_failure_leaves_the_message_for_redelivery(
    aws_clients: AwsClients, resources: ProvisionedResources
) -> None:
    body = envelope_body("IMPRISONMENT_STATUS-CHANGED", {"bookingId": 5, "seq": 1})
    aws_clients.sqs.send_message(QueueUrl=resources.queue_url, MessageBody=body)
    attempts: list[str] = []

    def handle(event_type: str, message: str, sns_message_id: str | None = None) -> None:
        attempts.append(message)
        if len(attempts) == 1:
            raise SystemFailure("prison-api: HTTP 503")

    listener = listener_for(aws_clients, resources, handle)
    assert listener.poll_once() == 1
    assert counts(aws_clients, resources) == (0, 1, 0)  # not deleted: in flight until the visibility ends
    while len(attempts) < 2:
        listener.poll_once()
    assert attempts == [json.loads(body)["Message"]] * 2
    assert counts(aws_clients, resources) == (0, 0, 0)


def test_a_bookings_messages_in_one_batch_are_handled_in_arrival_order_one_at_a_time(
    aws_clients: AwsClients, resources: ProvisionedResources
) -> None:
    sent = [(booking, seq) for seq in range(5) for booking in (101, 202)]
    aws_clients.sqs.send_message_batch(
        QueueUrl=resources.queue_url,
        Entries=[
            {"Id": str(n), "MessageBody": envelope_body("SENTENCE_DATES-CHANGED", {"bookingId": b, "seq": s})}
            for n, (b, s) in enumerate(sent)
        ],
    )
    seen: dict[int, list[int]] = defaultdict(list)
    busy: dict[int, int] = defaultdict(int)
    overlaps: list[int] = []
    guard = threading.Lock()
    pause = threading.Event()

    def handle(event_type: str, message: str, sns_message_id: str | None = None) -> None:
        inner = json.loads(message)
        booking = inner["bookingId"]
        with guard:
            busy[booking] += 1
            if busy[booking] > 1:
                overlaps.append(booking)
        pause.wait(0.01)  # widen the window in which an overlap would show
        with guard:
            busy[booking] -= 1
            seen[booking].append(inner["seq"])

    listener = listener_for(aws_clients, resources, handle, workers=4)
    assert listener.poll_once() == len(sent)  # one batch of ten
    assert overlaps == []
    assert dict(seen) == {101: [0, 1, 2, 3, 4], 202: [0, 1, 2, 3, 4]}


def test_stop_waits_for_in_flight_messages_to_finish(aws_clients: AwsClients, resources: ProvisionedResources) -> None:
    aws_clients.sqs.send_message(
        QueueUrl=resources.queue_url, MessageBody=envelope_body("BOOKING_NUMBER-CHANGED", {"bookingId": 9})
    )
    started, release, finished = threading.Event(), threading.Event(), threading.Event()

    def handle(event_type: str, message: str, sns_message_id: str | None = None) -> None:
        started.set()
        release.wait(30)
        finished.set()

    listener = listener_for(aws_clients, resources, handle)
    listener.start()
    assert started.wait(30)
    outcome: dict[str, bool] = {}

    def stop() -> None:
        outcome["stopped"] = listener.stop(timeout_seconds=30)
        outcome["finished_when_stop_returned"] = finished.is_set()

    stopper = threading.Thread(target=stop)
    stopper.start()
    release.set()
    stopper.join()
    assert outcome == {"stopped": True, "finished_when_stop_returned": True}
    assert counts(aws_clients, resources) == (0, 0, 0)  # handled, so deleted before stop returned
