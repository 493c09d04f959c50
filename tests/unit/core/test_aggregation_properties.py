"""SPEC §6: the aggregation rules, as properties."""

from collections import Counter

from hypothesis import given
from records import record_batches

from ptpu_core.models.events import EVENT_PRIORITY, OTHER_EVENT_PRIORITY
from ptpu_core.models.record import Message
from ptpu_core.rules.aggregation import aggregate


def _ids(messages: tuple[Message, ...] | list[Message]) -> list[str]:
    return [m.id for m in messages]


@given(record_batches())
def test_no_record_is_both_kept_and_deleted(batch: list[Message]) -> None:
    result = aggregate(batch)

    assert not set(_ids(result.kept)) & set(_ids(result.duplicates))


@given(record_batches())
def test_every_record_is_kept_or_deleted_exactly_once(batch: list[Message]) -> None:
    result = aggregate(batch)

    assert sorted(_ids(result.kept) + _ids(result.duplicates)) == sorted(_ids(batch))


@given(record_batches())
def test_exactly_one_kept_per_booking_and_event_type(batch: list[Message]) -> None:
    result = aggregate(batch)

    kept_keys = Counter((m.booking_id, m.event_type) for m in result.kept)
    assert set(kept_keys) == {(m.booking_id, m.event_type) for m in batch}
    assert all(count == 1 for count in kept_keys.values())


@given(record_batches())
def test_the_kept_record_is_the_newest_with_ties_to_the_greater_id(batch: list[Message]) -> None:
    result = aggregate(batch)

    for kept in result.kept:
        rivals = [m for m in batch if (m.booking_id, m.event_type) == (kept.booking_id, kept.event_type)]
        assert all(m.created_date <= kept.created_date for m in rivals)
        assert all(m.id <= kept.id for m in rivals if m.created_date == kept.created_date)


@given(record_batches())
def test_within_a_booking_kept_records_are_in_priority_order(batch: list[Message]) -> None:
    result = aggregate(batch)

    for booking_id in {m.booking_id for m in batch}:
        kept = [m for m in result.kept if m.booking_id == booking_id]
        priorities = [EVENT_PRIORITY.get(m.event_type, OTHER_EVENT_PRIORITY) for m in kept]
        assert priorities == sorted(priorities)


@given(record_batches())
def test_each_booking_is_one_contiguous_run(batch: list[Message]) -> None:
    bookings = [m.booking_id for m in aggregate(batch).kept]

    runs = [b for n, b in enumerate(bookings) if n == 0 or bookings[n - 1] != b]
    assert len(runs) == len(set(bookings))


@given(record_batches())
def test_aggregating_the_kept_records_again_changes_nothing(batch: list[Message]) -> None:
    kept = aggregate(batch).kept

    again = aggregate(kept)

    assert again.kept == kept
    assert again.duplicates == ()


@given(record_batches())
def test_the_result_does_not_depend_on_input_order(batch: list[Message]) -> None:
    assert set(_ids(aggregate(batch).kept)) == set(_ids(aggregate(list(reversed(batch))).kept))
