"""SPEC §2-§3: receiving an event: ignored, dropped or stored with the booking's details; failures propagate."""

import logging

import pytest
from builders import (
    BOOKING_ID,
    BOOKING_NO,
    MOVEMENT,
    NOW,
    OFFENDER_NO,
    PRISON,
    SENTENCE_DATES,
    STATUS_CHANGE,
    Fakes,
    an_admission,
    inner_message,
)

from ptpu_core.errors import InvalidMessage, UpstreamFailure
from ptpu_core.models.record import SynchroniseState
from ptpu_core.receive import Reception
from ptpu_core.retry_policy import epoch_seconds
from ptpu_core.settings import RECORD_LIFETIME


@pytest.fixture
def fakes() -> Fakes:
    return Fakes(only_prisons=frozenset({PRISON}))


def test_kept_event_is_stored_with_the_booking_details_copied_in(fakes: Fakes) -> None:
    fakes.booking(recall=True, legal_status="RECALL", location_description="Moorland HMP")
    message = inner_message(STATUS_CHANGE, imprisonmentStatusSeq=0)

    assert fakes.receiver(["the-id"]).receive(STATUS_CHANGE, message) is Reception.STORED

    [stored] = fakes.repository.all()
    assert stored.id == "the-id"
    assert stored.booking_id == BOOKING_ID
    assert stored.event_type == STATUS_CHANGE
    assert stored.message == message
    assert stored.created_date == NOW
    assert stored.delete_by == epoch_seconds(NOW + RECORD_LIFETIME)
    assert stored.retry_count == 0
    assert stored.processed_date is None
    assert stored.status is SynchroniseState.VALIDATED
    assert stored.reportable is True
    assert (stored.offender_no, stored.booking_no) == (OFFENDER_NO, BOOKING_NO)
    assert (stored.location_id, stored.location_description) == (PRISON, "Moorland HMP")
    assert (stored.recall, stored.legal_status) == (True, "RECALL")
    assert stored.matching_crns is None


def test_delete_by_is_thirty_days_after_receipt_in_utc_epoch_seconds(fakes: Fakes) -> None:
    fakes.receiver().receive(SENTENCE_DATES, inner_message(SENTENCE_DATES))
    [stored] = fakes.repository.all()
    assert stored.delete_by == 1615377600 + 30 * 86400  # 2021-03-10T12:00:00Z + 30 days


def test_each_kept_event_is_a_new_record(fakes: Fakes) -> None:
    receiver = fakes.receiver()
    receiver.receive(SENTENCE_DATES, inner_message(SENTENCE_DATES))
    receiver.receive(SENTENCE_DATES, inner_message(SENTENCE_DATES))
    assert len({m.id for m in fakes.repository.all()}) == 2


def test_dropped_event_is_not_stored(fakes: Fakes) -> None:
    fakes.booking(active_flag=False)
    assert fakes.receiver().receive(SENTENCE_DATES, inner_message(SENTENCE_DATES)) is Reception.NOT_VALID
    assert fakes.repository.all() == []


def test_movement_not_found_is_not_valid(fakes: Fakes) -> None:
    assert fakes.receiver().receive(MOVEMENT, inner_message(MOVEMENT, movementSeq=3)) is Reception.NOT_VALID
    assert fakes.repository.all() == []


def test_movement_is_stored(fakes: Fakes) -> None:
    fakes.prison.movements[(BOOKING_ID, 3)] = an_admission()
    assert fakes.receiver().receive(MOVEMENT, inner_message(MOVEMENT, movementSeq=3)) is Reception.STORED


def test_unknown_event_type_is_ignored_without_calling_prison_api(fakes: Fakes) -> None:
    assert fakes.receiver().receive("SOME_OTHER_MESSAGE", '{"eventType":"SOME_OTHER_MESSAGE"}') is Reception.IGNORED
    assert fakes.prison.calls == []
    assert fakes.repository.all() == []


def test_non_zero_status_sequence_needs_no_prison_api_call(fakes: Fakes) -> None:
    message = inner_message(STATUS_CHANGE, imprisonmentStatusSeq=2)
    assert fakes.receiver().receive(STATUS_CHANGE, message) is Reception.NOT_VALID
    assert fakes.prison.calls == []


def test_poison_message_raises_invalid_message_and_stores_nothing(fakes: Fakes) -> None:
    with pytest.raises(InvalidMessage):
        fakes.receiver().receive(SENTENCE_DATES, '{"eventType": "SENTENCE_DATES-CHANGED"}')
    assert fakes.repository.all() == []


@pytest.mark.parametrize("failing", ["get_booking", "get_sentence_detail"])
def test_prison_api_failure_propagates_and_stores_nothing(fakes: Fakes, failing: str) -> None:
    fakes.prison.failing_calls.add(failing)
    with pytest.raises(UpstreamFailure):
        fakes.receiver().receive(STATUS_CHANGE, inner_message(STATUS_CHANGE, imprisonmentStatusSeq=0))
    assert fakes.repository.all() == []


def test_store_failure_propagates(fakes: Fakes) -> None:
    class BrokenRepository(type(fakes.repository)):  # type: ignore[misc]
        def add(self, message):
            raise UpstreamFailure("dynamodb", "unavailable")

    fakes.repository = BrokenRepository()
    with pytest.raises(UpstreamFailure):
        fakes.receiver().receive(SENTENCE_DATES, inner_message(SENTENCE_DATES))


def test_validation_emits_no_telemetry(fakes: Fakes) -> None:
    fakes.receiver().receive(SENTENCE_DATES, inner_message(SENTENCE_DATES))
    assert fakes.telemetry.events == []


@pytest.mark.parametrize(
    ("event_type", "message", "expected"),
    [
        (SENTENCE_DATES, inner_message(SENTENCE_DATES), "Stored SENTENCE_DATES-CHANGED for booking 1200835 as id-1"),
        (MOVEMENT, inner_message(MOVEMENT, movementSeq=9), "booking 1200835: Movement not found"),
        ("SOME_OTHER_MESSAGE", "{}", "Ignoring event of type SOME_OTHER_MESSAGE"),
    ],
)
def test_one_log_line_per_outcome(fakes: Fakes, caplog, event_type: str, message: str, expected: str) -> None:
    with caplog.at_level(logging.INFO, logger="ptpu.receive"):
        fakes.receiver().receive(event_type, message)
    lines = [r.getMessage() for r in caplog.records if r.name == "ptpu.receive"]
    assert len(lines) == 1
    assert expected in lines[0]
