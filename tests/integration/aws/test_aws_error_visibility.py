"""Error visibility back-off before the DLQ against the moto server.

The rule is hmpps-sqs's HmppsErrorVisibilityHandler (ministryofjustice/hmpps-spring-boot-sqs): failure n
makes the message visible again after errorVisibilityTimeout[n-1] seconds; the receive before redrive
waits 0 and sends `<eventType>-sent-to-dlq`. The listener receives with a 30 s visibility timeout, so a
message back sooner than that came back because of the back-off. The pauses are checked from below
(a message never returns early) and by empty receives in between; no upper time bound is asserted.
"""

import json
import time

import pytest

from ptpu_adapters.aws.clients import AwsClients
from ptpu_adapters.provisioning import ProvisionedResources
from ptpu_adapters.sqs.error_visibility import UNKNOWN_EVENT_TYPE, ErrorVisibility
from ptpu_adapters.sqs.listener import ListenerSettings, SqsListener
from ptpu_core.errors import SystemFailure
from ptpu_core.rules.event_parsing import parse_event
from ptpu_core.testing import RecordingTelemetry

RECEIVE_VISIBILITY = 30
EVENT_TYPE = "IMPRISONMENT_STATUS-CHANGED"
GIVE_UP_AFTER_POLLS = 200


def envelope_body(event_type: str, inner: dict) -> str:
    return json.dumps({
        "Type": "Notification", "MessageId": "sns-1", "Message": json.dumps(inner),
        "MessageAttributes": {"eventType": {"Type": "String", "Value": event_type}},
    })


def set_max_receive_count(aws_clients: AwsClients, resources: ProvisionedResources, count: int) -> None:
    policy = json.loads(aws_clients.sqs.get_queue_attributes(
        QueueUrl=resources.queue_url, AttributeNames=["RedrivePolicy"])["Attributes"]["RedrivePolicy"])
    policy["maxReceiveCount"] = count
    aws_clients.sqs.set_queue_attributes(QueueUrl=resources.queue_url, Attributes={"RedrivePolicy": json.dumps(policy)})


def backed_off_listener(aws_clients: AwsClients, resources: ProvisionedResources, handle, timeouts,
                        telemetry: RecordingTelemetry) -> SqsListener:
    visibility = ErrorVisibility(aws_clients.sqs, resources.queue_url, timeouts, telemetry, dlq_name="the-dlq")
    return SqsListener(aws_clients.sqs, resources.queue_url, handle,
                       ListenerSettings(wait_seconds=0, visibility_timeout=RECEIVE_VISIBILITY),
                       error_visibility=visibility)


def dlq_messages(aws_clients: AwsClients, resources: ProvisionedResources) -> list[dict]:
    return aws_clients.sqs.receive_message(
        QueueUrl=resources.dlq_url, AttributeNames=["All"], WaitTimeSeconds=0).get("Messages", [])


class FailingHandler:
    """Fails every time with a system failure, noting when each receive was handled."""

    def __init__(self) -> None:
        self.handled_at: list[float] = []

    def __call__(self, event_type: str, message: str, sns_message_id: str | None = None) -> None:
        self.handled_at.append(time.monotonic())
        raise SystemFailure("prison-api: HTTP 503")


def poll_until_handled(listener: SqsListener, handler: FailingHandler, times: int) -> int:
    """Short-poll until the handler has run `times` times; returns the empty receives on the way."""
    empty = 0
    for _ in range(GIVE_UP_AFTER_POLLS):
        if len(handler.handled_at) >= times:
            return empty
        if listener.poll_once() == 0:
            empty += 1
            time.sleep(0.1)
    raise AssertionError(f"handled {len(handler.handled_at)} times, wanted {times}")


def test_a_failed_message_returns_after_a_pause_growing_with_its_receive_count_then_goes_to_the_dlq(
    aws_clients: AwsClients, resources: ProvisionedResources
) -> None:
    set_max_receive_count(aws_clients, resources, 4)
    aws_clients.sqs.send_message(QueueUrl=resources.queue_url,
                                 MessageBody=envelope_body(EVENT_TYPE, {"bookingId": 7, "seq": 1}))
    handler, telemetry = FailingHandler(), RecordingTelemetry()
    listener = backed_off_listener(aws_clients, resources, handler, (0, 1, 2), telemetry)

    empty_before = [poll_until_handled(listener, handler, n) for n in (1, 2, 3)]
    assert telemetry.events == []  # receives 1-3 are not the last
    empty_before.append(poll_until_handled(listener, handler, 4))
    gaps = [later - earlier for earlier, later in zip(handler.handled_at, handler.handled_at[1:], strict=False)]

    # Receive 1 failed → visible at once (no empty receive); 2 → after 1 s; 3 → after 2 s.
    assert empty_before[1] == 0
    assert empty_before[2] > 0 and gaps[1] >= 1.0
    assert empty_before[3] > 0 and gaps[2] >= 2.0
    # Receive 4 is the last before redrive (maxReceiveCount 4): released at once, and said so.
    [event] = telemetry.named(f"{EVENT_TYPE}-sent-to-dlq")
    assert event.attributes["queueName"] == resources.queue_url.rsplit("/", 1)[-1]
    assert event.attributes["dlqName"] == "the-dlq"
    assert event.attributes["timeouts"] == "[0, 1, 2]"
    assert event.attributes["maxReceiveCount"] == "4"
    for _ in range(5):
        listener.poll_once()
    [on_dlq] = dlq_messages(aws_clients, resources)
    assert on_dlq["MessageId"] == event.attributes["messageId"]
    assert len(handler.handled_at) == 4
    assert telemetry.names() == [f"{EVENT_TYPE}-sent-to-dlq"]


def test_counts_beyond_the_list_wait_its_last_entry(
    aws_clients: AwsClients, resources: ProvisionedResources
) -> None:
    set_max_receive_count(aws_clients, resources, 10)
    aws_clients.sqs.send_message(QueueUrl=resources.queue_url,
                                 MessageBody=envelope_body(EVENT_TYPE, {"bookingId": 8, "seq": 1}))
    handler, telemetry = FailingHandler(), RecordingTelemetry()
    listener = backed_off_listener(aws_clients, resources, handler, (0, 1), telemetry)

    empty_before = [poll_until_handled(listener, handler, n) for n in (1, 2, 3, 4)]
    gaps = [later - earlier for earlier, later in zip(handler.handled_at, handler.handled_at[1:], strict=False)]

    assert empty_before[1] == 0
    assert all(empty > 0 for empty in empty_before[2:])
    assert all(gap >= 1.0 for gap in gaps[1:])
    assert telemetry.events == []  # far from the redrive count


def parse_only(event_type: str, message: str, sns_message_id: str | None = None) -> None:
    """The receiver's first step (`parse_event`): raises InvalidMessage for an unreadable event."""
    parse_event(event_type, message)


@pytest.mark.parametrize(
    ("body", "attributes", "named"),
    [
        pytest.param("this is not json", {}, UNKNOWN_EVENT_TYPE, id="body-not-json"),
        pytest.param(envelope_body(EVENT_TYPE, {"bookingId": 7})[:-9], {}, UNKNOWN_EVENT_TYPE, id="body-cut-short"),
        pytest.param(
            json.dumps({"Type": "Notification", "Message": "{}", "MessageAttributes": {}}), {}, UNKNOWN_EVENT_TYPE,
            id="envelope-without-event-type",
        ),
        pytest.param(
            json.dumps({"Type": "Notification", "MessageAttributes": {
                "eventType": {"Type": "String", "Value": EVENT_TYPE}}}), {}, EVENT_TYPE,
            id="envelope-without-message-keeps-its-event-type",
        ),
        pytest.param(
            json.dumps({"bookingId": 7}), {"eventType": {"DataType": "String", "StringValue": EVENT_TYPE}},
            EVENT_TYPE, id="raw-delivery-event-type-attribute",
        ),
        pytest.param(
            json.dumps({"Type": "Notification", "Message": "not json", "MessageAttributes": {
                "eventType": {"Type": "String", "Value": EVENT_TYPE}}}), {}, EVENT_TYPE,
            id="inner-message-not-json",
        ),
        pytest.param(envelope_body(EVENT_TYPE, {"offenderIdDisplay": "A5089DY"}), {}, EVENT_TYPE,
                     id="inner-message-without-booking-id"),
    ],
)
def test_poison_goes_to_the_dlq_at_once_and_its_last_receive_is_announced(
    aws_clients: AwsClients, resources: ProvisionedResources, body: str, attributes: dict, named: str
) -> None:
    """hmpps-sqs (ministryofjustice/hmpps-spring-boot-sqs, HmppsErrorVisibilityHandler, 9707c52 #240) sends
    `<eventType>-sent-to-dlq` for any listener failure on the last receive, reading the event type from
    the SNS envelope's MessageAttributes or the SQS message attributes; a poison message is such a failure.
    With no event type anywhere the name is `null-sent-to-dlq`, as Kotlin prints hmpps-sqs's null."""
    aws_clients.sqs.send_message(QueueUrl=resources.queue_url, MessageBody=body, MessageAttributes=attributes)
    telemetry = RecordingTelemetry()
    listener = backed_off_listener(aws_clients, resources, parse_only, (20, 20, 20), telemetry)

    # Never hidden: each of its 3 receives (maxReceiveCount) finds it again; the 4th redrives it.
    assert [listener.poll_once() for _ in range(2)] == [1, 1]
    assert telemetry.events == []  # receives 1 and 2 are not the last
    assert [listener.poll_once() for _ in range(2)] == [1, 0]
    [on_dlq] = dlq_messages(aws_clients, resources)
    assert on_dlq["Body"] == body
    [event] = telemetry.events
    assert event.name == f"{named}-sent-to-dlq"
    assert event.attributes["messageId"] == on_dlq["MessageId"]
    assert event.attributes["maxReceiveCount"] == "3"
    assert event.attributes["dlqName"] == "the-dlq"


def test_a_queue_without_a_redrive_policy_backs_off_and_sends_no_event(aws_clients: AwsClients) -> None:
    queue_url = aws_clients.sqs.create_queue(QueueName=f"no-dlq-{time.monotonic_ns()}")["QueueUrl"]
    aws_clients.sqs.send_message(QueueUrl=queue_url, MessageBody=envelope_body(EVENT_TYPE, {"bookingId": 9}))
    handler, telemetry = FailingHandler(), RecordingTelemetry()
    visibility = ErrorVisibility(aws_clients.sqs, queue_url, (0, 1), telemetry)
    listener = SqsListener(aws_clients.sqs, queue_url, handler,
                           ListenerSettings(wait_seconds=0, visibility_timeout=RECEIVE_VISIBILITY),
                           error_visibility=visibility)

    empty_before = [poll_until_handled(listener, handler, n) for n in (1, 2, 3)]

    assert visibility.max_receive_count() is None
    assert empty_before[1] == 0 and empty_before[2] > 0
    assert telemetry.events == []
