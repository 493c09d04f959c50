"""No SQS body, however hostile, escapes the listener's grouping and parse path.

A fake SQS client stands in for the queue (the real one is covered in tests/integration/aws): it
hands out one batch and records which messages were deleted and which were made visible again.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ptpu_adapters.sqs.listener import ListenerSettings, SqsListener
from ptpu_core.errors import InvalidMessage
from ptpu_core.rules.sns_envelope import booking_id_of, parse_envelope

DEEP = 20_000  # far beyond the interpreter's recursion limit, well inside SQS's 256 KB


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def envelope(inner: str, event_type: str = "SENTENCE_DATES-CHANGED") -> str:
    return json.dumps(
        {"Type": "Notification", "Message": inner, "MessageAttributes": {"eventType": {"Value": event_type}}}
    )


class OneBatchSqs:
    """Gives out one batch, then nothing; records deletes and early releases by MessageId."""

    def __init__(self, bodies: list[str]) -> None:
        self._batch = [
            {"MessageId": f"m{n}", "ReceiptHandle": f"r{n}", "Body": body, "Attributes": {}}
            for n, body in enumerate(bodies)
        ]
        self._by_handle = {m["ReceiptHandle"]: m["MessageId"] for m in self._batch}
        self._lock = threading.Lock()
        self.deleted: list[str] = []
        self.released: list[str] = []

    def receive_message(self, **_: Any) -> dict[str, Any]:
        batch, self._batch = self._batch, []
        return {"Messages": batch}

    def delete_message(self, QueueUrl: str, ReceiptHandle: str) -> None:  # noqa: N803 - boto3's names
        with self._lock:
            self.deleted.append(self._by_handle[ReceiptHandle])

    def change_message_visibility_batch(self, QueueUrl: str, Entries: list[dict[str, Any]]) -> None:  # noqa: N803
        with self._lock:
            self.released.extend(self._by_handle[e["ReceiptHandle"]] for e in Entries)


def accept_all(event_type: str, message: str, sns_message_id: str | None = None) -> None:
    return None


def poll(bodies: list[str]) -> OneBatchSqs:
    sqs = OneBatchSqs(bodies)
    listener = SqsListener(sqs, "queue-url", accept_all, ListenerSettings(workers=2, wait_seconds=0))
    try:
        assert listener.poll_once() == len(bodies)
    finally:
        listener.stop(timeout_seconds=1)
    return sqs


def test_a_deeply_nested_body_is_poison_and_the_rest_of_its_batch_is_handled() -> None:
    good = envelope(json.dumps({"bookingId": 1}))
    sqs = poll([good, nested(DEEP), envelope(nested(DEEP)), good])

    assert sorted(sqs.deleted) == ["m0", "m2", "m3"]  # the inner message is the handler's business
    assert sqs.released == ["m1"]


def test_parse_envelope_calls_a_deeply_nested_body_invalid() -> None:
    try:
        parse_envelope(nested(DEEP), "m1")
    except InvalidMessage as poison:
        assert poison.reason == "body is not JSON"
    else:
        raise AssertionError("a deeply nested body parsed")


def test_booking_id_of_a_deeply_nested_message_is_none() -> None:
    assert booking_id_of(nested(DEEP)) is None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=20,
)
inner_messages = st.one_of(
    st.text(max_size=50),
    json_values.map(json.dumps),
    st.builds(lambda booking, extra: json.dumps({"bookingId": booking, "x": extra}), st.integers(0, 3), json_values),
    st.integers(1, 3 * DEEP).map(nested),
)
bodies = st.one_of(
    st.text(max_size=200),
    json_values.map(json.dumps),
    inner_messages.map(envelope),
    st.integers(1, 3 * DEEP).map(nested),
    st.integers(1, 3 * DEEP).map(lambda depth: '{"Type": "Notification", "Message": ' + nested(depth) + "}"),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(bodies, min_size=1, max_size=10))
def test_every_message_of_any_batch_is_either_handled_or_released(batch: list[str]) -> None:
    sqs = poll(batch)

    ids = [f"m{n}" for n in range(len(batch))]
    assert sorted(sqs.deleted + sqs.released) == sorted(ids)  # each exactly once, none stranded
    for message_id, body in zip(ids, batch, strict=True):
        try:
            parse_envelope(body)
        except InvalidMessage:
            assert message_id in sqs.released
        else:
            assert message_id in sqs.deleted


class LastReceiveSqs(OneBatchSqs):
    """One batch of messages on their last receive before the DLQ (maxReceiveCount 1)."""

    def __init__(self, messages: list[dict[str, Any]]) -> None:
        super().__init__([])
        self._batch = [{"MessageId": f"m{n}", "ReceiptHandle": f"r{n}", "Attributes": {}} | message
                       for n, message in enumerate(messages)]
        self._by_handle = {m["ReceiptHandle"]: m["MessageId"] for m in self._batch}

    def get_queue_attributes(self, **_: Any) -> dict[str, Any]:
        return {"Attributes": {"RedrivePolicy": json.dumps({"maxReceiveCount": 1, "deadLetterTargetArn": "a:b"})}}


def test_a_body_that_is_not_text_or_a_blank_event_type_goes_the_poison_way_to_the_dlq() -> None:
    from ptpu_adapters.sqs.error_visibility import ErrorVisibility
    from ptpu_core.testing import RecordingTelemetry

    raw_type = {"eventType": {"DataType": "String", "StringValue": "BOOKING_NUMBER-CHANGED"}}
    sqs = LastReceiveSqs([
        {"Body": envelope(json.dumps({"bookingId": 1}), event_type=" ")},
        {"Body": {"Message": "{}"}, "MessageAttributes": raw_type},
        {"Body": None},
    ])
    telemetry = RecordingTelemetry()
    listener = SqsListener(sqs, "http://sqs/1/q", accept_all, ListenerSettings(workers=1, wait_seconds=0),
                           error_visibility=ErrorVisibility(sqs, "http://sqs/1/q", [0], telemetry, "dlq"))
    try:
        assert listener.poll_once() == 3
    finally:
        listener.stop(timeout_seconds=1)

    assert sqs.deleted == []
    assert sorted(sqs.released) == ["m0", "m1", "m2"]
    assert sorted(event.name for event in telemetry.events) == [
        "BOOKING_NUMBER-CHANGED-sent-to-dlq", "null-sent-to-dlq", "null-sent-to-dlq"]
