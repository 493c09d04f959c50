"""SPEC §7 EXTERNAL_MOVEMENT_RECORD-INSERTED: re-check, update the Delius custody location, always Done."""

import pytest
from builders import BOOKING_ID, BOOKING_NO, MOVEMENT, OFFENDER_NO, PRISON, Fakes, a_stored, an_admission, inner_message

from ptpu_core import telemetry_names as names
from ptpu_core.errors import UpstreamFailure
from ptpu_core.models.prison import Prisoner
from ptpu_core.models.probation import UpdateCustody
from ptpu_core.models.record import SynchroniseState as State
from ptpu_core.outcomes import Outcome, done

CRN = "X142620"


@pytest.fixture
def fakes() -> Fakes:
    world = Fakes(only_prisons=frozenset({PRISON, "LEI"}))
    world.delius_offender(CRN, OFFENDER_NO)
    world.prison.movements[(BOOKING_ID, 1)] = an_admission()
    world.prison.prisoners[OFFENDER_NO] = Prisoner(
        OFFENDER_NO, latest_location="Moorland (HMP & YOI)", convicted_status="Convicted"
    )
    return world


def process(fakes: Fakes) -> Outcome:
    return fakes.processor().process(a_stored(MOVEMENT, inner_message(MOVEMENT, movementSeq=1)))


def movement_counts(fakes: Fakes) -> dict[str, int]:
    return {kind: fakes.metrics.count("movement", kind) for kind in ("total", "success", "fail")}


def test_admission_updates_the_custody_location(fakes: Fakes) -> None:
    assert process(fakes) == done(State.COMPLETED)

    assert fakes.telemetry.names() == [names.EXTERNAL_MOVEMENT, names.TRANSFER_PROBATION_UPDATED]
    assert fakes.telemetry.events[0].attributes == {"bookingId": str(BOOKING_ID), "movementSeq": "1"}
    updated = fakes.telemetry.events[1].attributes
    assert updated["toAgencyDescription"] == f"{PRISON} prison"
    assert updated["toAgency"] == PRISON
    assert updated["fromAgency"] == "LEI"
    assert updated["movementType"] == "ADM"
    assert (updated["offenderNo"], updated["bookingNumber"]) == (OFFENDER_NO, BOOKING_NO)
    # The prisoner is looked up, as the existing service does, for where NOMIS has them.
    assert (updated["latestLocation"], updated["convictedStatus"]) == ("Moorland (HMP & YOI)", "Convicted")
    assert ("get_prisoner", (OFFENDER_NO,)) in fakes.prison.calls
    assert fakes.community.calls == [("update_custody", (OFFENDER_NO, BOOKING_NO, UpdateCustody(PRISON)))]
    assert movement_counts(fakes) == {"total": 1, "success": 1, "fail": 0}


def test_delius_record_not_found_is_done_and_counted_as_failed(fakes: Fakes) -> None:
    fakes.community.custody_not_found.add((OFFENDER_NO, BOOKING_NO))
    # Stored COMPLETED as the existing service stores it; the outcome is in the telemetry.
    assert process(fakes) == done(State.COMPLETED)
    assert fakes.telemetry.names() == [names.EXTERNAL_MOVEMENT, names.TRANSFER_PROBATION_RECORD_NOT_FOUND]
    not_found = fakes.telemetry.events[1].attributes
    assert not_found["toAgency"] == PRISON
    assert (not_found["latestLocation"], not_found["convictedStatus"]) == ("Moorland (HMP & YOI)", "Convicted")
    assert movement_counts(fakes) == {"total": 1, "success": 0, "fail": 1}


@pytest.mark.parametrize(
    ("arrange", "reason"),
    [
        (lambda f: f.prison.movements.clear(), "Movement not found"),
        (lambda f: f.prison.movements.update({(BOOKING_ID, 1): an_admission(movement_type="REL")}), "Not a transfer"),
        (lambda f: f.prison.movements.update({(BOOKING_ID, 1): an_admission(to_agency=None)}), "Not a transfer"),
        (
            lambda f: f.prison.movements.update({(BOOKING_ID, 1): an_admission(to_agency="BXI")}),
            "Not an interested prison",
        ),
        (lambda f: f.booking(active_flag=False), "Not an active booking"),
    ],
    ids=["no-movement", "release", "no-destination", "prison-of-no-interest", "inactive-booking"],
)
def test_movement_no_longer_valid_is_ignored_and_not_counted(fakes: Fakes, arrange, reason: str) -> None:
    arrange(fakes)
    assert process(fakes) == done(State.COMPLETED)
    assert fakes.telemetry.names() == [names.EXTERNAL_MOVEMENT, names.TRANSFER_IGNORED]
    ignored = fakes.telemetry.events[1].attributes
    assert ignored["reason"] == reason
    assert ignored["bookingId"] == str(BOOKING_ID)
    assert fakes.community.calls == []
    assert movement_counts(fakes) == {"total": 0, "success": 0, "fail": 0}


def test_institution_without_description_is_not_known(fakes: Fakes) -> None:
    class NamelessInstitutions(type(fakes.community)):  # type: ignore[misc]
        def update_custody(self, noms_number, booking_number, body):
            custody = super().update_custody(noms_number, booking_number, body)
            return custody and type(custody)(custody.booking_number, None)

    fakes.community = NamelessInstitutions()
    fakes.delius_offender(CRN, OFFENDER_NO)
    process(fakes)
    assert fakes.telemetry.events[1].attributes["toAgencyDescription"] == "Not known"


def test_prisoner_without_location_or_status_is_not_present(fakes: Fakes) -> None:
    fakes.prison.prisoners.clear()
    assert process(fakes) == done(State.COMPLETED)
    updated = fakes.telemetry.events[1].attributes
    assert (updated["latestLocation"], updated["convictedStatus"]) == ("not present", "not present")


@pytest.mark.parametrize(
    ("fake", "call"),
    [
        ("prison", "get_movement"),
        ("prison", "get_booking"),
        ("prison", "get_prisoner"),
        ("community", "update_custody"),
    ],
)
def test_system_failure_propagates(fakes: Fakes, fake: str, call: str) -> None:
    getattr(fakes, fake).failing_calls.add(call)
    with pytest.raises(UpstreamFailure):
        process(fakes)
    assert movement_counts(fakes)["success"] == 0
