"""Values that cannot be identifiers are refused in the core before any Delius call.

A booking number of `../../crn/X200006` (or any NOMS number, CRN or booking number that is not the
identifier's shape) ends the record NOT_VALID with P2PIdentifierRejected naming the field and the
value; nothing is written to Delius, whatever the event type.
"""

import pytest
from builders import (
    BOOKING_ID,
    BOOKING_NUMBER,
    MOVEMENT,
    OFFENDER_NO,
    PRISON,
    SENTENCE_DATES,
    STATUS_CHANGE,
    Fakes,
    a_stored,
    an_admission,
    inner_message,
)

from ptpu_core import telemetry_names as names
from ptpu_core.models.record import SynchroniseState as State
from ptpu_core.outcomes import done
from ptpu_core.rules.identifiers import (
    InvalidIdentifier,
    require_booking_number,
    require_crn,
    require_noms_number,
)

HOSTILE = ["../../crn/X200006", "38339A/../X", "38339A?x=1", "38339A#f", "38339%2F", ".", "..", "", "38339A\n"]
EVENTS = {
    SENTENCE_DATES: inner_message(SENTENCE_DATES),
    MOVEMENT: inner_message(MOVEMENT, movementSeq=3),
    STATUS_CHANGE: inner_message(STATUS_CHANGE, imprisonmentStatusSeq=0),
}


def a_world() -> Fakes:
    fakes = Fakes(only_prisons=frozenset({PRISON}))
    fakes.linked_offender("X142620")
    fakes.delius_offender("X200006", "B1234CD")  # the offender a hostile path would have hit
    fakes.prison.movements[(BOOKING_ID, 3)] = an_admission()
    return fakes


def rejected(fakes: Fakes) -> list[dict[str, str]]:
    return [dict(e.attributes) for e in fakes.telemetry.named(names.IDENTIFIER_REJECTED)]


@pytest.mark.parametrize("event_type", list(EVENTS))
@pytest.mark.parametrize("bad", HOSTILE)
def test_a_hostile_booking_number_is_refused_before_any_write(event_type: str, bad: str) -> None:
    fakes = a_world()
    fakes.booking(booking_no=bad)

    outcome = fakes.processor().process(a_stored(event_type, EVENTS[event_type]))

    assert outcome == done(State.NOT_VALID)
    assert fakes.community_writes() == []
    assert fakes.community.offenders["X200006"].key_dates == {}
    assert rejected(fakes) == [
        {"bookingId": str(BOOKING_ID), "eventType": event_type, "field": "bookingNumber", "value": bad}
    ]


@pytest.mark.parametrize("event_type", list(EVENTS))
def test_a_hostile_noms_number_is_refused(event_type: str) -> None:
    fakes = a_world()
    fakes.booking(offender_no="../crn/X200006")

    assert fakes.processor().process(a_stored(event_type, EVENTS[event_type])) == done(State.NOT_VALID)
    assert fakes.community_writes() == []
    assert [r["field"] for r in rejected(fakes)] == ["offenderNo"]


def test_a_hostile_merged_number_is_refused_before_any_merge_is_written() -> None:
    fakes = a_world()
    fakes.merged("A1111AA", "../../crn/X200006")

    outcome = fakes.processor().process(a_stored(BOOKING_NUMBER))

    assert outcome == done(State.NOT_VALID)
    assert fakes.community_writes() == []  # not even the first, valid, one
    assert rejected(fakes) == [{
        "bookingId": str(BOOKING_ID),
        "eventType": BOOKING_NUMBER,
        "field": "oldOffenderNo",
        "value": "../../crn/X200006",
    }]


def test_a_hostile_crn_from_offender_search_is_refused_before_any_call_with_it() -> None:
    fakes = a_world()
    fakes.search_finds("ALL_SUPPLIED", "X142620/../../X200006")

    outcome = fakes.processor().process(a_stored(STATUS_CHANGE, EVENTS[STATUS_CHANGE]))

    assert outcome == done(State.NOT_VALID)
    assert fakes.community.call_names() == []  # not even get_convictions
    assert rejected(fakes)[0]["field"] == "crn"


def test_real_identifiers_still_sync() -> None:
    fakes = a_world()
    outcome = fakes.processor().process(a_stored(SENTENCE_DATES, EVENTS[SENTENCE_DATES]))
    assert outcome == done(State.COMPLETED)
    assert fakes.community_writes() == ["replace_key_dates"]
    assert rejected(fakes) == []


@pytest.mark.parametrize("good", [OFFENDER_NO, "Z9999ZZ"])
def test_noms_number_shape(good: str) -> None:
    assert require_noms_number(good) == good
    for bad in ["a5089dy", "A5089D", "A5089DYY", "A508ADY", "A5089DY\n", " A5089DY", "Ａ5089DY"]:
        with pytest.raises(InvalidIdentifier):
            require_noms_number(bad)


def test_crn_and_booking_number_shapes() -> None:
    assert require_crn("X200006") == "X200006"
    assert require_booking_number("38339A") == "38339A"
    for bad_crn in ["X20000", "X2000066", "x200006", "X200006\n", "XX00006"]:
        with pytest.raises(InvalidIdentifier):
            require_crn(bad_crn)
    for bad_no in ["", "38 339", "38-339", "३८३३९", "A" * 21]:
        with pytest.raises(InvalidIdentifier) as raised:
            require_booking_number(bad_no)
        assert raised.value.field == "bookingNumber" and raised.value.value == bad_no
