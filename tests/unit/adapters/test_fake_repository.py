"""The in-memory store agrees with the DynamoDB store on which records are pending."""

from datetime import datetime, timedelta

from ptpu_core.models.record import Message
from ptpu_core.rules.retry_policy import epoch_seconds
from ptpu_core.testing import FixedClock, InMemoryMessageRepository

NOW = datetime(2026, 11, 28, 12, 0)


def _record(record_id: str, delete_by: datetime, retry_count: int = 0) -> Message:
    return Message(
        id=record_id,
        booking_id=1,
        event_type="SENTENCE_DATES-CHANGED",
        message="{}",
        created_date=NOW - timedelta(days=2),
        delete_by=epoch_seconds(delete_by),
        retry_count=retry_count,
    )


def test_with_a_clock_expired_records_are_no_longer_pending() -> None:
    repository = InMemoryMessageRepository(FixedClock(NOW))
    live, expired = NOW + timedelta(hours=1), NOW - timedelta(seconds=1)
    repository.add(_record("new", live))
    repository.add(_record("new-expired", expired))
    repository.add(_record("retried", live, retry_count=3))
    repository.add(_record("retried-expired", expired, retry_count=3))

    assert [m.id for m in repository.unprocessed_created_before(NOW)] == ["new"]
    assert {m.id for m in repository.unprocessed_for_booking(1)} == {"new", "retried"}
    assert [m.id for m in repository.unprocessed_with_retries(1, 4)] == ["retried"]
    # Reports still list them until the TTL deletes them, as the DynamoDB store does.
    assert len(list(repository.unprocessed())) == 4


def test_without_a_clock_nothing_is_treated_as_expired() -> None:
    repository = InMemoryMessageRepository()
    repository.add(_record("old", NOW - timedelta(days=400)))

    assert [m.id for m in repository.unprocessed_created_before(NOW)] == ["old"]
