"""What the existing service accepts on its queue, ptpu accepts too.

The existing service reads only `Message` and `MessageAttributes.eventType.Value` from the SQS body,
and its Gson reader takes a numeric string for a Long bookingId.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ptpu_core.errors import InvalidMessage
from ptpu_core.rules.sns_envelope import SnsNotification, booking_id_of, event_type_hint, parse_envelope

INNER = json.dumps({"eventType": "SENTENCE_DATES-CHANGED", "bookingId": 1200835})
ATTRIBUTES = {"eventType": {"Type": "String", "Value": "SENTENCE_DATES-CHANGED"}}


def test_an_envelope_without_type_but_with_message_and_attributes_is_a_notification() -> None:
    body = json.dumps({"MessageId": "sns-1", "Message": INNER, "MessageAttributes": ATTRIBUTES})
    assert parse_envelope(body, "m1") == SnsNotification("SENTENCE_DATES-CHANGED", INNER, "sns-1")


def test_an_envelope_of_another_type_is_still_poison() -> None:
    body = json.dumps({"Type": "SubscriptionConfirmation", "Message": INNER, "MessageAttributes": ATTRIBUTES})
    with pytest.raises(InvalidMessage, match="SubscriptionConfirmation"):
        parse_envelope(body, "m1")


@pytest.mark.parametrize("body", [None, {"Message": INNER, "MessageAttributes": ATTRIBUTES}, b"{}", 7])
def test_a_body_that_is_not_text_is_poison_naming_what_it_is(body: object) -> None:
    with pytest.raises(InvalidMessage, match=f"body is not text but {type(body).__name__}") as poison:
        parse_envelope(body, "m1")  # type: ignore[arg-type]
    assert poison.value.message_id == "m1"


@pytest.mark.parametrize("event_type", ["", " ", "\t\n"])
def test_a_blank_event_type_attribute_is_poison_not_a_type(event_type: str) -> None:
    body = json.dumps({"Message": INNER, "MessageAttributes": {"eventType": {"Value": event_type}}})
    with pytest.raises(InvalidMessage, match="blank"):
        parse_envelope(body, "m1")
    assert event_type_hint(body) is None


@pytest.mark.parametrize(
    "envelope",
    [{"MessageAttributes": ATTRIBUTES}, {"Message": INNER}, {"Message": INNER, "MessageAttributes": {}}],
    ids=["no-message", "no-attributes", "no-event-type"],
)
def test_without_type_an_envelope_still_needs_message_and_event_type(envelope: dict[str, object]) -> None:
    with pytest.raises(InvalidMessage):
        parse_envelope(json.dumps(envelope), "m1")


@pytest.mark.parametrize(
    ("inner", "booking_id"),
    [('{"bookingId": "1200835"}', 1200835), ('{"bookingId": 1200835}', 1200835), ('{"bookingId": "x"}', None)],
)
def test_booking_id_for_ordering_reads_numeric_strings(inner: str, booking_id: int | None) -> None:
    assert booking_id_of(inner) == booking_id


@pytest.mark.parametrize(
    ("body", "hint"),
    [
        (json.dumps({"Type": "SubscriptionConfirmation", "MessageAttributes": ATTRIBUTES}), "SENTENCE_DATES-CHANGED"),
        (json.dumps({"Message": 7, "MessageAttributes": ATTRIBUTES}), "SENTENCE_DATES-CHANGED"),
        (json.dumps({"Message": INNER, "MessageAttributes": {"eventType": {"Value": 7}}}), None),
        (json.dumps({"Message": INNER, "MessageAttributes": []}), None),
        (json.dumps([ATTRIBUTES]), None),
        ("[" * 100_000, None),
        ("not json", None),
    ],
)
def test_a_poison_bodys_event_type_is_read_wherever_the_envelope_still_shows_it(body: str, hint: str | None) -> None:
    """For naming a poison message's `<eventType>-sent-to-dlq` (hmpps-sqs HmppsErrorVisibilityHandler reads
    MessageAttributes.eventType.Value from the body however the rest of it reads)."""
    assert event_type_hint(body) == hint


@given(st.text())
def test_reading_an_event_type_hint_never_raises(body: str) -> None:
    assert event_type_hint(body) is None or isinstance(event_type_hint(body), str)
