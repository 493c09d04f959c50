"""The DynamoDB item codec: round trip for any record (pure; lives beside the adapter's other tests)."""

from datetime import datetime

from hypothesis import given
from hypothesis import strategies as st

from ptpu_adapters.dynamodb.record_codec import (
    APPLIED_STEPS,
    PENDING_SHARD,
    PROCESSED_SHARD,
    message_from_item,
    message_to_item,
)
from ptpu_core.models.record import Message, SynchroniseState

text = st.text(min_size=1, max_size=30)
moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1))

messages = st.builds(
    Message,
    id=text,
    booking_id=st.integers(min_value=1, max_value=2**53),
    event_type=text,
    message=text,
    created_date=moments,
    delete_by=st.integers(min_value=0, max_value=2**40),
    retry_count=st.integers(min_value=0, max_value=20_000),
    processed_date=st.none() | moments,
    reportable=st.booleans(),
    offender_no=st.none() | text,
    booking_no=st.none() | text,
    location_id=st.none() | text,
    location_description=st.none() | text,
    recall=st.none() | st.booleans(),
    legal_status=st.none() | text,
    status=st.none() | st.sampled_from(SynchroniseState),
    matching_crns=st.none() | text,
    applied_steps=st.frozensets(text, max_size=5),
    sns_message_id=st.none() | text,
)


@given(messages)
def test_item_round_trip(message: Message) -> None:
    assert message_from_item(message_to_item(message)) == message


@given(messages)
def test_a_record_is_in_exactly_one_of_the_pending_and_processed_indexes(message: Message) -> None:
    item = message_to_item(message)
    assert (PENDING_SHARD in item) != (PROCESSED_SHARD in item)
    assert (PROCESSED_SHARD in item) == message.is_processed


def test_java_sdk_numeric_booleans_are_read() -> None:
    item = message_to_item(Message("x", 1, "E", "{}", datetime(2021, 1, 1), 0))
    item["reportable"] = {"N": "1"}
    item["recall"] = {"N": "0"}
    decoded = message_from_item(item)
    assert (decoded.reportable, decoded.recall) == (True, False)


def test_applied_steps_are_a_string_set_absent_when_none() -> None:
    """A DynamoDB string set may not be empty, so no steps means no attribute."""
    message = Message("id-1", 1, "SENTENCE_DATES-CHANGED", "{}", datetime(2021, 3, 4), 1)
    assert APPLIED_STEPS not in message_to_item(message)
    message.applied_steps = frozenset({"w:replace_key_dates:ab", "a0:t:P2PSentenceDatesChanged#1"})
    assert message_to_item(message)[APPLIED_STEPS] == {
        "SS": ["a0:t:P2PSentenceDatesChanged#1", "w:replace_key_dates:ab"]
    }
