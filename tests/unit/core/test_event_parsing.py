"""SPEC §2: the inner message of each event type, read from the real captured envelopes and from bad input."""

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ptpu_core.errors import InvalidMessage
from ptpu_core.models.events import (
    BookingNumberChangedEvent,
    ConfirmedReleaseDateChangedEvent,
    EventType,
    ExternalMovementInsertedEvent,
    ImprisonmentStatusChangedEvent,
    SentenceDatesChangedEvent,
)
from ptpu_core.rules.event_parsing import parse_event, whole_number

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "original-2021"


def envelope(name: str, folder: str = "messages") -> tuple[str, str]:
    body = json.loads((FIXTURES / folder / name).read_text())
    return body["MessageAttributes"]["eventType"]["Value"], body["Message"]


@pytest.mark.parametrize(
    ("fixture", "folder", "expected"),
    [
        # The captured status event has no imprisonmentStatusSeq: the existing service read it as 0.
        ("imprisonmentStatusChanged.json", "messages", ImprisonmentStatusChangedEvent(1200835, 0)),
        ("imprisonmentStatusChanged.json", "unit-messages", ImprisonmentStatusChangedEvent(1200835, 0)),
        ("externalMovement.json", "messages", ExternalMovementInsertedEvent(1200835, 1)),
        ("bookingNumberChanged.json", "messages", BookingNumberChangedEvent(1200835)),
        ("sentenceDatesChanged.json", "messages", SentenceDatesChangedEvent(1200835)),
        ("confirmedReleaseDateChanged.json", "messages", ConfirmedReleaseDateChangedEvent(1200835)),
    ],
)
def test_real_messages_parse(fixture: str, folder: str, expected: object) -> None:
    assert parse_event(*envelope(fixture, folder)) == expected


def test_an_event_type_we_do_not_handle_is_none_even_when_its_body_is_garbage() -> None:
    assert parse_event(*envelope("notAnExternalMovement.json")) is None
    assert parse_event("SOME_OTHER_MESSAGE", "not json at all") is None


def test_imprisonment_status_sequence_is_read_when_present() -> None:
    message = json.dumps({"bookingId": 7, "imprisonmentStatusSeq": 2})
    assert parse_event(EventType.IMPRISONMENT_STATUS_CHANGED.value, message) == ImprisonmentStatusChangedEvent(7, 2)


@pytest.mark.parametrize(
    ("event_type", "message", "complaint"),
    [
        ("SENTENCE_DATES-CHANGED", "{not json", "not valid JSON"),
        ("SENTENCE_DATES-CHANGED", "", "not valid JSON"),
        ("SENTENCE_DATES-CHANGED", "[1, 2]", "not a JSON object"),
        ("SENTENCE_DATES-CHANGED", '"a string"', "not a JSON object"),
        ("SENTENCE_DATES-CHANGED", "{}", "lacks required field bookingId"),
        ("BOOKING_NUMBER-CHANGED", '{"offenderId": 1}', "lacks required field bookingId"),
        ("SENTENCE_DATES-CHANGED", '{"bookingId": 1.5}', "bookingId must be an integer"),
        ("SENTENCE_DATES-CHANGED", '{"bookingId": "1.5"}', "bookingId must be an integer"),
        ("SENTENCE_DATES-CHANGED", '{"bookingId": ""}', "bookingId must be an integer"),
        ("SENTENCE_DATES-CHANGED", '{"bookingId": "12 34"}', "bookingId must be an integer"),
        ("EXTERNAL_MOVEMENT_RECORD-INSERTED", '{"bookingId": 1, "movementSeq": "one"}', "movementSeq must be"),
        ("SENTENCE_DATES-CHANGED", '{"bookingId": true}', "bookingId must be an integer"),
        ("SENTENCE_DATES-CHANGED", '{"bookingId": null}', "bookingId must be an integer"),
        ("EXTERNAL_MOVEMENT_RECORD-INSERTED", '{"bookingId": 1}', "lacks required field movementSeq"),
        ("IMPRISONMENT_STATUS-CHANGED", '{"bookingId": 1, "imprisonmentStatusSeq": null}', "imprisonmentStatusSeq"),
    ],
)
def test_malformed_messages_are_invalid(event_type: str, message: str, complaint: str) -> None:
    with pytest.raises(InvalidMessage, match=complaint):
        parse_event(event_type, message)


@pytest.mark.parametrize(
    ("event_type", "message", "expected"),
    [
        ("SENTENCE_DATES-CHANGED", '{"bookingId": "1200835"}', SentenceDatesChangedEvent(1200835)),
        (
            "EXTERNAL_MOVEMENT_RECORD-INSERTED",
            '{"bookingId": "1200835", "movementSeq": "3"}',
            ExternalMovementInsertedEvent(1200835, 3),
        ),
        (
            "IMPRISONMENT_STATUS-CHANGED",
            '{"bookingId": "1200835", "imprisonmentStatusSeq": "0"}',
            ImprisonmentStatusChangedEvent(1200835, 0),
        ),
    ],
)
def test_numbers_sent_as_numeric_strings_read_as_the_numbers(event_type: str, message: str, expected: object) -> None:
    """The existing service's Gson reads "1200835" into its Long bookingId."""
    assert parse_event(event_type, message) == expected


def test_absurdly_nested_json_is_invalid_not_a_crash() -> None:
    with pytest.raises(InvalidMessage):
        parse_event("SENTENCE_DATES-CHANGED", "[" * 100_000)


HANDLED = st.sampled_from([e.value for e in EventType])


@given(event_type=HANDLED, text=st.text())
def test_arbitrary_text_is_parsed_or_invalid_never_anything_else(event_type: str, text: str) -> None:
    # Anything but InvalidMessage escaping here fails the test; a parsed event is of the type asked for.
    try:
        event = parse_event(event_type, text)
    except InvalidMessage:
        return
    assert event is not None
    assert isinstance(event.booking_id, int)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=10,
)


@given(
    event_type=HANDLED,
    body=st.dictionaries(
        st.sampled_from(["bookingId", "movementSeq", "imprisonmentStatusSeq", "eventType"]), JSON_VALUES
    ),
)
def test_arbitrary_objects_parse_to_their_own_ids_or_are_invalid(event_type: str, body: dict[str, object]) -> None:
    try:
        event = parse_event(event_type, json.dumps(body))
    except InvalidMessage:
        return
    assert event is not None
    assert event.booking_id == whole_number(body["bookingId"])
    assert isinstance(event.booking_id, int)
    assert not isinstance(event.booking_id, bool)


STATUS = EventType.IMPRISONMENT_STATUS_CHANGED.value


@pytest.mark.parametrize(
    ("event_type", "body", "field"),
    [
        *[(event_type.value, {"bookingId": bad, "movementSeq": 1}, "bookingId")
          for event_type in EventType for bad in (0, -1, "-5", 2**63)],
        *[(STATUS, {"bookingId": 7, "imprisonmentStatusSeq": bad}, "imprisonmentStatusSeq") for bad in (-1, "-3")],
        (EventType.EXTERNAL_MOVEMENT_RECORD_INSERTED.value, {"bookingId": 7, "movementSeq": -1}, "movementSeq"),
        (EventType.EXTERNAL_MOVEMENT_RECORD_INSERTED.value, {"bookingId": 7, "movementSeq": 2**63}, "movementSeq"),
    ],
)
def test_an_id_below_one_or_a_negative_sequence_or_beyond_a_long_is_invalid(
    event_type: str, body: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidMessage, match=f"field {field} must be from"):
        parse_event(event_type, json.dumps(body))


@given(event_type=HANDLED, booking_id=st.integers(min_value=1, max_value=2**63 - 1), seq=st.integers(0, 2**63 - 1))
def test_every_positive_long_id_and_sequence_from_zero_parses(event_type: str, booking_id: int, seq: int) -> None:
    body = {"bookingId": booking_id, "movementSeq": seq, "imprisonmentStatusSeq": seq}
    event = parse_event(event_type, json.dumps(body))
    assert event is not None and event.booking_id == booking_id
