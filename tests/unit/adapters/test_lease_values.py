"""Which stored lease times count as unreadable, and the once-per-item WARNING (dynamodb/lease_values.py)."""

from __future__ import annotations

import logging

import pytest

from ptpu_adapters.dynamodb.lease_values import UnreadableLeaseValues, readable

ITEM = "bookingLease-7"


@pytest.mark.parametrize(
    ("attribute", "value", "expected"),
    [
        ("lockUntil", None, True),  # absent: attribute_not_exists already frees it
        ("lockUntil", {"S": "2021-03-04T10:21:12.123Z"}, True),  # ShedLock's form
        ("lockUntil", {"S": "garbage"}, False),
        ("lockUntil", {"N": "1614852672"}, False),
        ("lockUntil", {"S": ""}, False),
        ("lockUntil", {"S": "2021-13-04T10:21:12.123Z"}, False),  # the form, but no such month
        ("lockUntil", {"S": "2021-03-04T10:21:12Z"}, False),  # another width: string order breaks
        ("lockUntil", {"NULL": True}, False),
        ("retryShortTermRun", {"S": "2026-11-30T04:31:45.024003"}, True),
        ("retryShortTermRun", {"S": "zzz"}, False),
        ("retryShortTermRun", {"N": "5"}, False),
    ],
)
def test_readable(attribute: str, value: dict[str, object] | None, expected: bool) -> None:
    assert readable(attribute, value) is expected


def test_an_unreadable_value_is_remembered_per_booking_and_named_once_per_item(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="ptpu_adapters.dynamodb.lease_values")
    values = UnreadableLeaseValues()
    bad = {"_id": {"S": ITEM}, "lockUntil": {"S": "garbage"}, "lockedBy": {"S": "x"}}

    assert values.note(7, bad, ("lockUntil",)) == {"lockUntil"}
    assert values.note(7, bad, ("lockUntil",)) == set()  # seen already: no second try of the take
    assert values.seen(7) == {"lockUntil": {"S": "garbage"}}
    assert values.note(7, {**bad, "lockUntil": {"N": "3"}}, ("lockUntil",)) == {"lockUntil"}  # a new value
    assert values.note(8, {"_id": {"S": "bookingLease-8"}, "lockUntil": {"S": "2021-03-04T10:21:12.123Z"}},
                       ("lockUntil",)) == set()

    assert [r.getMessage() for r in caplog.records] == [
        "Lease item bookingLease-7 has an unreadable lockUntil ({'S': 'garbage'}): counted as expired,"
        " so the booking is leased again"
    ]
    values.taken(7)
    assert values.seen(7) == {}
