from datetime import timedelta

from records import (
    BOOKING_NUMBER,
    MOVEMENT,
    NOW,
    RELEASE_DATE,
    SENTENCE_DATES,
    STATUS_CHANGE,
    record,
)

from ptpu_core.rules.aggregation import aggregate


def test_keeps_the_newest_record_of_each_type_and_orders_by_priority() -> None:
    old_status = record(1, STATUS_CHANGE, NOW - timedelta(hours=3))
    new_status = record(1, STATUS_CHANGE, NOW - timedelta(hours=1))
    booking_number = record(1, BOOKING_NUMBER)
    release = record(1, RELEASE_DATE)
    old_dates = record(1, SENTENCE_DATES, NOW - timedelta(minutes=50))
    new_dates = record(1, SENTENCE_DATES, NOW - timedelta(minutes=40))
    movement = record(1, MOVEMENT)
    unknown = record(1, "SOMETHING_ELSE")

    result = aggregate([booking_number, old_status, unknown, new_dates, release, new_status, movement, old_dates])

    assert [m.event_type for m in result.kept] == [
        STATUS_CHANGE,
        MOVEMENT,
        SENTENCE_DATES,
        RELEASE_DATE,
        BOOKING_NUMBER,
        "SOMETHING_ELSE",
    ]
    assert new_status in result.kept and new_dates in result.kept
    assert result.duplicates == (old_status, old_dates)


def test_equal_created_dates_keep_the_greater_id_whatever_the_input_order() -> None:
    a = record(1, STATUS_CHANGE, NOW, id="a")
    b = record(1, STATUS_CHANGE, NOW, id="b")

    assert aggregate([a, b]).kept == (b,)
    assert aggregate([b, a]).kept == (b,)
    assert aggregate([b, a]).duplicates == (a,)


def test_bookings_are_aggregated_separately_in_order_of_first_appearance() -> None:
    second = record(2, MOVEMENT)
    first = record(1, MOVEMENT)
    second_status = record(2, STATUS_CHANGE)

    result = aggregate([second, first, second_status])

    assert result.kept == (second_status, second, first)
    assert result.duplicates == ()


def test_nothing_in_nothing_out() -> None:
    result = aggregate([])

    assert result.kept == () and result.duplicates == ()
