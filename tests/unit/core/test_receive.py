"""SPEC §2-§3: receiving an event: ignored, dropped or stored with the booking's details; failures propagate."""

import json
import logging
import uuid

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
from ptpu_core.rules.retry_policy import epoch_seconds
from ptpu_core.settings import RECORD_LIFETIME
from ptpu_core.use_cases.receive import SNS_MESSAGE_NAMESPACE, Reception, record_id_for


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


@pytest.mark.parametrize("body", [{"bookingId": 0}, {"bookingId": -7}, {"bookingId": 1, "imprisonmentStatusSeq": -1}])
def test_an_id_below_one_or_a_negative_sequence_is_a_poison_message_and_no_call_is_made(
    fakes: Fakes, body: dict[str, int]
) -> None:
    with pytest.raises(InvalidMessage, match="must be from"):  # the listener sends it to the DLQ: nothing lost
        fakes.receiver().receive(STATUS_CHANGE, json.dumps({"eventType": STATUS_CHANGE} | body))
    assert fakes.repository.all() == []
    assert fakes.prison.calls == []


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


SNS_ID = "a9e1f3f2-1b5e-5f7c-9a40-0c6d8c8f2f11"


def test_the_record_id_derives_from_the_sns_message_id(fakes: Fakes) -> None:
    message = inner_message(SENTENCE_DATES)
    assert fakes.receiver().receive(SENTENCE_DATES, message, SNS_ID) is Reception.STORED

    [stored] = fakes.repository.all()
    assert stored.id == record_id_for(SNS_ID) == str(uuid.uuid5(SNS_MESSAGE_NAMESPACE, SNS_ID))
    assert stored.id != record_id_for("another-sns-id")


def test_a_second_copy_is_acknowledged_counted_and_logged_not_stored_or_validated_again(
    fakes: Fakes, caplog: pytest.LogCaptureFixture
) -> None:
    receiver = fakes.receiver()
    message = inner_message(SENTENCE_DATES)
    receiver.receive(SENTENCE_DATES, message, SNS_ID)
    prison_calls = len(fakes.prison.calls)

    with caplog.at_level(logging.INFO, logger="ptpu.receive"):
        assert receiver.receive(SENTENCE_DATES, message, SNS_ID) is Reception.DUPLICATE

    assert len(fakes.repository.all()) == 1
    assert len(fakes.prison.calls) == prison_calls  # not validated again
    assert fakes.metrics.count("duplicateMessage", SENTENCE_DATES) == 1
    assert any("Duplicate" in r.getMessage() and SNS_ID in r.getMessage() for r in caplog.records)


def test_a_copy_stored_meanwhile_by_another_instance_is_a_duplicate(fakes: Fakes) -> None:
    """The conditional write decides when two copies are validated at the same time."""

    class RacingRepository(type(fakes.repository)):  # type: ignore[misc]
        def get(self, message_id: str):  # the look-up before validation misses the other copy
            return None

    racing = RacingRepository()
    fakes.repository = racing
    receiver = fakes.receiver()
    message = inner_message(SENTENCE_DATES)
    assert receiver.receive(SENTENCE_DATES, message, SNS_ID) is Reception.STORED
    assert receiver.receive(SENTENCE_DATES, message, SNS_ID) is Reception.DUPLICATE
    assert len(racing.all()) == 1
    assert fakes.metrics.count("duplicateMessage", SENTENCE_DATES) == 1


def test_without_a_message_id_each_copy_gets_its_own_random_id(fakes: Fakes) -> None:
    receiver = fakes.receiver()
    message = inner_message(SENTENCE_DATES)
    assert receiver.receive(SENTENCE_DATES, message, None) is Reception.STORED
    assert receiver.receive(SENTENCE_DATES, message) is Reception.STORED
    assert sorted(m.id for m in fakes.repository.all()) == ["id-1", "id-2"]


def test_every_reception_is_counted_by_event_type(fakes: Fakes) -> None:
    receiver = fakes.receiver()
    receiver.receive("SOME_OTHER_MESSAGE", '{"eventType":"SOME_OTHER_MESSAGE"}')
    receiver.receive(SENTENCE_DATES, inner_message(SENTENCE_DATES), "sns-1")
    receiver.receive(SENTENCE_DATES, inner_message(SENTENCE_DATES), "sns-1")
    receiver.receive(MOVEMENT, inner_message(MOVEMENT, movementSeq=3))  # no such movement
    with pytest.raises(InvalidMessage):
        receiver.receive(SENTENCE_DATES, "not json")  # the listener's DLQ counts it, not reception

    assert {key: n for (metric, key), n in fakes.metrics.counts.items() if metric == "eventsReceived"} == {
        "SOME_OTHER_MESSAGE:IGNORED": 1, f"{SENTENCE_DATES}:STORED": 1, f"{SENTENCE_DATES}:DUPLICATE": 1,
        f"{MOVEMENT}:NOT_VALID": 1}
