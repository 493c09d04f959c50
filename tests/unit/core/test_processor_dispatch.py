"""The record processor picks the processor by event type; unknown or unreadable records end."""

import logging

import pytest
from builders import BOOKING_ID, MOVEMENT, PRISON, SENTENCE_DATES, STATUS_CHANGE, Fakes, a_stored

from ptpu_core import telemetry_names as names
from ptpu_core.errors import UpstreamFailure
from ptpu_core.models.record import SynchroniseState as State
from ptpu_core.outcomes import done


@pytest.fixture
def fakes() -> Fakes:
    world = Fakes(only_prisons=frozenset({PRISON}))
    world.linked_offender("X100001")
    return world


@pytest.mark.parametrize("event_type", ["SOME_OTHER_MESSAGE", "", "imprisonment_status-changed"])
def test_unknown_event_type_is_done_completed_without_any_call(fakes: Fakes, event_type: str) -> None:
    # As the existing service's MessageProcessor, whose `else` branch answers Done.
    assert fakes.processor().process(a_stored(event_type, "{}")) == done(State.COMPLETED)
    assert fakes.prison.calls == []
    assert fakes.community.calls == []


@pytest.mark.parametrize("payload", ["{broken", "", "[]", '{"bookingId": "x"}'])
def test_unreadable_record_is_no_longer_valid_logged_and_counted(fakes: Fakes, caplog, payload: str) -> None:
    with caplog.at_level(logging.ERROR):
        outcome = fakes.processor().process(a_stored(SENTENCE_DATES, payload))
    assert outcome == done(State.NO_LONGER_VALID)
    assert "stored-1" in caplog.text
    assert fakes.metrics.count("unreadableRecord", "message") == 1
    assert fakes.prison.calls == []


def test_stored_real_status_message_without_a_sequence_is_processed_as_the_insert(fakes: Fakes) -> None:
    message = (
        '{"eventType":"IMPRISONMENT_STATUS-CHANGED","eventDatetime":"2020-02-12T15:14:24.125533",'
        f'"bookingId":{BOOKING_ID},"nomisEventType":"OFF_IMP_STAT_OASYS"}}'
    )
    assert fakes.processor().process(a_stored(STATUS_CHANGE, message)) == done(State.COMPLETED, "X100001")
    assert fakes.telemetry.named(names.IMPRISONMENT_STATUS_UPDATED)[0].attributes["imprisonmentStatusSeq"] == "0"


@pytest.mark.parametrize(
    ("event_type", "message", "first_call"),
    [
        (STATUS_CHANGE, '{"bookingId": 1200835, "imprisonmentStatusSeq": 0}', "get_sentence_detail"),
        (MOVEMENT, '{"bookingId": 1200835, "movementSeq": 4}', "get_movement"),
        ("BOOKING_NUMBER-CHANGED", '{"bookingId": 1200835}', "get_booking"),
        ("CONFIRMED_RELEASE_DATE-CHANGED", '{"bookingId": 1200835}', "get_booking"),
    ],
)
def test_each_event_type_reaches_its_processor(fakes: Fakes, event_type: str, message: str, first_call: str) -> None:
    fakes.processor().process(a_stored(event_type, message))
    assert fakes.prison.call_names()[0] == first_call


def test_system_failure_is_not_swallowed(fakes: Fakes) -> None:
    fakes.prison.failing_calls.add("*")
    with pytest.raises(UpstreamFailure):
        fakes.processor().process(a_stored(SENTENCE_DATES))
    assert fakes.telemetry.events == []
