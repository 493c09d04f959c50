"""Items as the existing (Kotlin) service writes them are read exactly, and the backfill update for
each; an item with a required attribute missing or malformed is unreadable, naming the record.

The item format is the existing service's `entity/Message.kt` (ministryofjustice/prison-to-probation-update)
saved by the AWS SDK v1 DynamoDBMapper: `status` is a `String?`, dates go through
`LocalDateTime.toString()`, booleans are numbers, nulls are absent. The fixtures are captured items.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ptpu_adapters.dynamodb.backfill import index_update
from ptpu_adapters.dynamodb.record_codec import (
    CREATED_SHARD,
    PENDING_SORT,
    PROCESSED_SHARD,
    UnreadableRecord,
    message_from_item,
    message_to_item,
    parse_local_date_time,
)
from ptpu_core.models.record import SynchroniseState, state_of, state_text
from ptpu_core.models.service_time import instant
from ptpu_core.rules.retry_policy import initial_delete_by

ITEMS = Path(__file__).resolve().parents[2] / "fixtures" / "original-2021" / "dynamodb-items"


def fixture(name: str) -> dict:
    return json.loads((ITEMS / f"{name}.json").read_text())


def java_to_string(moment: datetime, nanos: int | None = None) -> str:
    """Java's LocalDateTime.toString(), restated from its javadoc: HH:mm, then :ss unless the seconds
    and the fraction are zero, then the fraction in the shortest of 3, 6 or 9 digits."""
    nano = moment.microsecond * 1000 if nanos is None else nanos
    text = moment.strftime("%Y-%m-%dT%H:%M")
    if moment.second or nano:
        text += f":{moment.second:02d}"
    if nano:
        if nano % 1_000_000 == 0:
            text += f".{nano // 1_000_000:03d}"
        elif nano % 1000 == 0:
            text += f".{nano // 1000:06d}"
        else:
            text += f".{nano:09d}"
    return text


def test_the_captured_pending_item_is_read_exactly() -> None:
    record = message_from_item(fixture("pending-first-time"))
    assert record.created_date == instant(datetime(2026, 11, 29, 8, 0))  # "2026-11-29T08:00"
    assert record.booking_id == 1200837
    assert record.retry_count == 0
    assert record.delete_by == 1798531200
    assert (record.reportable, record.recall) == (True, False)  # N 1 / N 0
    assert record.status is SynchroniseState.VALIDATED
    assert record.processed_date is None


def test_the_captured_processed_and_retrying_items_are_read_exactly() -> None:
    processed = message_from_item(fixture("processed"))
    assert processed.created_date == instant(datetime(2026, 11, 27, 9, 0, 3, 250941))
    assert processed.processed_date == instant(datetime(2026, 11, 27, 10, 0, 5, 2000))  # ".002"
    assert processed.recall is None  # absent
    retrying = message_from_item(fixture("retrying-too-many-matches"))
    assert retrying.retry_count == 3
    assert retrying.matching_crns == "X142620, X181002"
    assert retrying.status is SynchroniseState.TOO_MANY_MATCHES


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2021-05-04T10:15", datetime(2021, 5, 4, 10, 15)),
        ("2021-05-04T10:15:30", datetime(2021, 5, 4, 10, 15, 30)),
        ("2021-05-04T10:15:30.5", datetime(2021, 5, 4, 10, 15, 30, 500000)),
        ("2021-05-04T10:15:30.12", datetime(2021, 5, 4, 10, 15, 30, 120000)),
        ("2021-05-04T10:15:30.123", datetime(2021, 5, 4, 10, 15, 30, 123000)),
        ("2021-05-04T10:15:30.1234567", datetime(2021, 5, 4, 10, 15, 30, 123456)),
        ("2021-05-04T10:15:30.123456789", datetime(2021, 5, 4, 10, 15, 30, 123456)),
        ("2021-05-04T00:00", datetime(2021, 5, 4)),
    ],
)
def test_every_fraction_length_and_none(text: str, expected: datetime) -> None:
    assert parse_local_date_time(text) == expected


@pytest.mark.parametrize(
    "text", ["2021-05-04", "2021-05-04 10:15", "2021-05-04T10:15Z", "2021-05-04T10:15:30+01:00",
             "2021-05-04T10", "2021-05-04T10:15:30.1234567890", "2021-13-04T10:15", ""]
)
def test_what_java_never_writes_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_local_date_time(text)


@given(st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(9999, 1, 1)), st.integers(0, 999))
def test_any_java_date_time_reads_back_to_the_microsecond(moment: datetime, extra_nanos: int) -> None:
    nanos = moment.microsecond * 1000 + extra_nanos
    assert parse_local_date_time(java_to_string(moment, nanos)) == moment
    assert parse_local_date_time(java_to_string(moment)) == moment


@pytest.mark.parametrize("status", ["MATCHED", "matched", "", "SOMETHING NEW", "NO_MATCH "])
def test_an_unknown_status_is_kept_verbatim(status: str) -> None:
    item = fixture("pending-first-time") | {"status": {"S": status}}
    record = message_from_item(item)
    assert record.status == status
    assert state_text(record.status) == status
    assert message_to_item(record)["status"] == {"S": status}  # written back unchanged


def test_known_states_are_members_and_unknown_ones_strings() -> None:
    assert state_of("NO_MATCH") is SynchroniseState.NO_MATCH
    assert state_of("MATCHED") == "MATCHED"
    assert not isinstance(state_of("MATCHED"), SynchroniseState)


def test_absent_attributes_get_the_existing_services_defaults() -> None:
    item = fixture("pending-first-time")
    for name in ("eventType", "message", "deleteBy", "retryCount", "reportable", "status"):
        del item[name]
    record = message_from_item(item)
    assert (record.event_type, record.message, record.retry_count, record.reportable) == ("", "", 0, False)
    assert record.status is None
    assert record.delete_by == initial_delete_by(datetime(2026, 11, 29, 8, 0))


@pytest.mark.parametrize(
    "change",
    [
        {"bookingId": None},
        {"createdDate": None},
        {"bookingId": {"S": "1200837"}},
        {"bookingId": {"N": "twelve"}},
        {"createdDate": {"S": "yesterday"}},
        {"processedDate": {"S": "2026-11-29"}},
        {"retryCount": {"S": "3"}},
        {"status": {"N": "1"}},
    ],
)
def test_a_missing_or_malformed_required_attribute_is_unreadable_naming_the_record(change: dict) -> None:
    item = fixture("pending-first-time")
    for name, value in change.items():
        if value is None:
            del item[name]
        else:
            item[name] = value
    with pytest.raises(UnreadableRecord) as raised:
        message_from_item(item)
    assert raised.value.record_id == "2c7d5f1a-3b9e-4c7f-9f0e-8a1b2c3d4e5f"


def test_the_backfill_of_a_pending_item_puts_it_in_the_pending_indexes() -> None:
    update = index_update(fixture("retrying-too-many-matches"))
    assert update is not None
    request, record = update
    assert not record.is_processed and record.status is not None and state_text(record.status) == "TOO_MANY_MATCHES"
    values, condition = request["ExpressionAttributeValues"], request["ConditionExpression"]
    assert values[":pendingShard"] == {"S": "P"}
    # The sort key holds the retry count and the created date in this service's form (microseconds).
    assert values[f":{PENDING_SORT}"] == {"S": "0003#2026-11-20T10:16:02.417000"}
    assert values[":pendingBookingId"] == {"N": "1200835"}
    assert values[f":{CREATED_SHARD}"] == {"S": "C"}
    assert f":{PROCESSED_SHARD}" not in values
    # Only if no one wrote it since: still unindexed, same retry count, still unprocessed.
    assert "attribute_not_exists(#createdShard)" in condition
    assert "#retryCount = :was_retryCount" in condition
    assert "attribute_not_exists(#processedDate)" in condition
    assert values[":was_retryCount"] == {"N": "3"}


def test_the_backfill_of_a_processed_item_puts_it_in_the_report_indexes_only() -> None:
    update = index_update(fixture("processed"))
    assert update is not None
    request, record = update
    assert record.is_processed
    values = request["ExpressionAttributeValues"]
    assert values[f":{PROCESSED_SHARD}"] == {"S": "D"}
    assert values[f":{CREATED_SHARD}"] == {"S": "C"}
    assert ":pendingShard" not in values
    assert "#processedDate = :was_processedDate" in request["ConditionExpression"]
    # SPEC attributes are never rewritten: only helpers, and deleteBy only where it is absent.
    assert request["UpdateExpression"] == (
        "SET #processedShard = :processedShard, #createdShard = :createdShard,"
        " #deleteBy = if_not_exists(#deleteBy, :deleteBy)"
    )


def test_an_item_this_service_wrote_needs_no_backfill() -> None:
    item = message_to_item(message_from_item(fixture("pending-first-time")))
    assert CREATED_SHARD in item
    assert index_update(item) is None


def test_an_unreadable_item_cannot_be_backfilled() -> None:
    item = fixture("processed")
    del item["createdDate"]
    with pytest.raises(UnreadableRecord):
        index_update(item)
