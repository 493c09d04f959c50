"""SPEC §3: which events are kept, for every event type and every reason to drop one, with ONLY_PRISONS."""

import pytest
from builders import BOOKING_ID, PRISON, Fakes, a_sentence_detail, an_admission

from ptpu_core.models.events import (
    BookingNumberChangedEvent,
    ConfirmedReleaseDateChangedEvent,
    ExternalMovementInsertedEvent,
    ImprisonmentStatusChangedEvent,
    OffenderEvent,
    SentenceDatesChangedEvent,
)
from ptpu_core.rules import validation
from ptpu_core.rules.validation import Dropped, Kept, validate
from ptpu_core.settings import DomainSettings

STATUS = ImprisonmentStatusChangedEvent(BOOKING_ID, 0)
MOVEMENT = ExternalMovementInsertedEvent(BOOKING_ID, 1)
DATES = SentenceDatesChangedEvent(BOOKING_ID)
RELEASE = ConfirmedReleaseDateChangedEvent(BOOKING_ID)
BOOK_NO = BookingNumberChangedEvent(BOOKING_ID)


@pytest.fixture
def fakes() -> Fakes:
    world = Fakes(only_prisons=frozenset({PRISON, "LEI"}))
    world.prison.movements[(BOOKING_ID, 1)] = an_admission()
    world.merged("A1234AA")
    return world


def verdict(fakes: Fakes, event: OffenderEvent) -> Kept | Dropped:
    return validate(event, fakes.prison, fakes.settings)


@pytest.mark.parametrize("event", [STATUS, MOVEMENT, DATES, RELEASE, BOOK_NO])
def test_every_event_type_is_kept_with_its_booking_when_it_may_matter(fakes: Fakes, event: OffenderEvent) -> None:
    result = verdict(fakes, event)
    assert isinstance(result, Kept)
    assert result.booking == fakes.prison.bookings[BOOKING_ID]


def test_status_change_with_non_zero_sequence_is_dropped_without_asking_prison_api(fakes: Fakes) -> None:
    assert verdict(fakes, ImprisonmentStatusChangedEvent(BOOKING_ID, 1)) == Dropped(validation.NOT_SEQUENCE_ZERO)
    assert fakes.prison.calls == []


def test_status_change_without_sentence_start_date_is_dropped(fakes: Fakes) -> None:
    fakes.prison.sentence_details[BOOKING_ID] = a_sentence_detail(sentence_start_date=None)
    assert verdict(fakes, STATUS) == Dropped(validation.NO_SENTENCE_START_DATE)
    assert "get_booking" not in fakes.prison.call_names()


@pytest.mark.parametrize("event", [STATUS, DATES, RELEASE])
def test_inactive_booking_is_dropped(fakes: Fakes, event: OffenderEvent) -> None:
    fakes.booking(active_flag=False)
    assert verdict(fakes, event) == Dropped(validation.NOT_ACTIVE)


@pytest.mark.parametrize("event", [STATUS, DATES, RELEASE, BOOK_NO])
def test_booking_at_a_prison_of_no_interest_is_dropped(fakes: Fakes, event: OffenderEvent) -> None:
    fakes.booking(agency_id="BXI")
    assert verdict(fakes, event) == Dropped(validation.NOT_INTERESTED_PRISON)


@pytest.mark.parametrize("event", [STATUS, DATES, RELEASE, BOOK_NO])
def test_booking_without_a_prison_is_of_no_interest_when_only_some_prisons_are(
    fakes: Fakes, event: OffenderEvent
) -> None:
    fakes.booking(agency_id=None)
    assert verdict(fakes, event) == Dropped(validation.NOT_INTERESTED_PRISON)


@pytest.mark.parametrize("event", [STATUS, MOVEMENT, DATES, RELEASE, BOOK_NO])
def test_empty_only_prisons_means_every_prison(fakes: Fakes, event: OffenderEvent) -> None:
    fakes.booking(agency_id="BXI")
    fakes.prison.movements[(BOOKING_ID, 1)] = an_admission(to_agency="BXI")
    assert isinstance(validate(event, fakes.prison, DomainSettings()), Kept)


def test_booking_number_change_keeps_an_inactive_booking(fakes: Fakes) -> None:
    fakes.booking(active_flag=False)
    assert isinstance(verdict(fakes, BOOK_NO), Kept)


def test_booking_number_change_without_merged_identifiers_is_dropped(fakes: Fakes) -> None:
    fakes.merged()
    assert verdict(fakes, BOOK_NO) == Dropped(validation.NO_MERGED_IDENTIFIERS)


def test_missing_movement_is_dropped_before_looking_at_the_booking(fakes: Fakes) -> None:
    assert verdict(fakes, ExternalMovementInsertedEvent(BOOKING_ID, 2)) == Dropped(validation.MOVEMENT_NOT_FOUND)
    assert fakes.prison.call_names() == ["get_movement"]


@pytest.mark.parametrize(
    ("movement", "reason"),
    [
        (an_admission(movement_type="REL"), validation.NOT_A_TRANSFER),
        (an_admission(movement_type="TRN"), validation.NOT_A_TRANSFER),
        (an_admission(to_agency=None), validation.NOT_A_TRANSFER),
        (an_admission(to_agency="BXI"), validation.MOVEMENT_NOT_INTERESTED_PRISON),
    ],
)
def test_movement_that_is_not_an_admission_to_an_interested_prison_is_dropped(fakes, movement, reason) -> None:
    fakes.prison.movements[(BOOKING_ID, 1)] = movement
    assert verdict(fakes, MOVEMENT) == Dropped(reason)


def test_movement_into_another_interested_prison_is_kept(fakes: Fakes) -> None:
    fakes.prison.movements[(BOOKING_ID, 1)] = an_admission(to_agency="LEI")
    assert isinstance(verdict(fakes, MOVEMENT), Kept)


def test_movement_of_an_inactive_booking_is_dropped(fakes: Fakes) -> None:
    fakes.booking(active_flag=False)
    assert verdict(fakes, MOVEMENT) == Dropped(validation.NOT_ACTIVE)


def test_movement_checks_the_prison_moved_to_not_the_booking_agency(fakes: Fakes) -> None:
    # prison-api may not yet show the booking at the new prison; the admission's toAgency decides.
    fakes.booking(agency_id="BXI")
    assert isinstance(verdict(fakes, MOVEMENT), Kept)
