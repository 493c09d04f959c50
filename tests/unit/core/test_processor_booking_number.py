"""SPEC §7 BOOKING_NUMBER-CHANGED: move Delius records from each merged NOMS number to the current one."""

import attrs
import pytest
from builders import BOOKING_ID, BOOKING_NUMBER, OFFENDER_NO, PRISON, Fakes, a_stored

from ptpu_adapters.http.community_api import DRY_RUN_EVENT, DryRunCommunityApi
from ptpu_core import telemetry_names as names
from ptpu_core.errors import UpstreamFailure
from ptpu_core.models.events import BookingNumberChangedEvent
from ptpu_core.models.record import SynchroniseState as State
from ptpu_core.outcomes import Outcome, done
from ptpu_core.processors import booking_number
from ptpu_core.work.unit_of_work import BookingWork


@pytest.fixture
def fakes() -> Fakes:
    world = Fakes(only_prisons=frozenset({PRISON}))
    world.merged("A1111AA", "A2222BB")
    world.delius_offender("X1", "A1111AA")
    return world


def process(fakes: Fakes) -> Outcome:
    return fakes.processor().process(a_stored(BOOKING_NUMBER))


def test_each_merged_number_is_replaced_with_an_event_per_crn(fakes: Fakes) -> None:
    assert process(fakes) == done(State.COMPLETED, "X1")

    assert fakes.community.offenders["X1"].noms_number == OFFENDER_NO
    assert fakes.telemetry.names() == [names.BOOKING_NUMBER_CHANGED, names.BOOKING_NUMBER_CHANGED_OFFENDER_NOT_FOUND]
    changed, not_found = fakes.telemetry.events
    assert changed.attributes == {
        "bookingId": str(BOOKING_ID),
        "offenderNo": OFFENDER_NO,
        "oldOffenderNo": "A1111AA",
        "crn": "X1",
    }
    assert not_found.attributes == {"bookingId": str(BOOKING_ID), "offenderNo": OFFENDER_NO, "oldOffenderNo": "A2222BB"}


def test_one_event_per_crn_when_several_records_held_the_old_number(fakes: Fakes) -> None:
    fakes.delius_offender("X2", "A2222BB")
    fakes.delius_offender("X3", "A2222BB")
    assert process(fakes) == done(State.COMPLETED, "X1", "X2", "X3")
    assert [e.attributes.get("crn") for e in fakes.telemetry.named(names.BOOKING_NUMBER_CHANGED)] == ["X1", "X2", "X3"]


def test_inactive_booking_is_still_processed(fakes: Fakes) -> None:
    fakes.booking(active_flag=False)
    assert process(fakes) == done(State.COMPLETED, "X1")


def test_booking_at_a_prison_of_no_interest_changes_nothing(fakes: Fakes) -> None:
    fakes.booking(agency_id="BXI")
    assert process(fakes) == done(State.COMPLETED)  # stored as the existing service stores it
    assert fakes.community.calls == []
    assert fakes.community.offenders["X1"].noms_number == "A1111AA"


def test_no_merged_identifiers_left_is_done_with_nothing_to_do(fakes: Fakes) -> None:
    fakes.merged()
    assert process(fakes) == done(State.COMPLETED)
    assert fakes.telemetry.events == []


@pytest.mark.parametrize(
    ("fake", "call"),
    [("prison", "get_booking"), ("prison", "get_merged_identifiers"), ("community", "replace_noms_number")],
)
def test_system_failure_propagates(fakes: Fakes, fake: str, call: str) -> None:
    getattr(fakes, fake).failing_calls.add(call)
    with pytest.raises(UpstreamFailure):
        process(fakes)


def test_a_dry_run_merge_reports_what_it_would_do_without_a_false_not_found_alarm(fakes: Fakes) -> None:
    """In dry-run the write is never sent, so who held the old number is unknown; that is
    not "offender not found"."""
    settings = attrs.evolve(fakes.settings, dry_run=True)
    dry_run_community = DryRunCommunityApi(fakes.community, fakes.telemetry)
    work = BookingWork(fakes.ports(community_api=dry_run_community), settings)

    outcome = booking_number.process(BookingNumberChangedEvent(booking_id=BOOKING_ID), work)

    assert outcome == done(State.COMPLETED)
    assert names.BOOKING_NUMBER_CHANGED_OFFENDER_NOT_FOUND not in fakes.telemetry.names()
    changed = fakes.telemetry.named(names.BOOKING_NUMBER_CHANGED)
    assert [e.attributes for e in changed] == [
        {"bookingId": str(BOOKING_ID), "offenderNo": OFFENDER_NO, "oldOffenderNo": old, "dryRun": "true"}
        for old in ("A1111AA", "A2222BB")
    ]
    assert len(fakes.telemetry.named(DRY_RUN_EVENT)) == 2
    assert fakes.community.offenders["X1"].noms_number == "A1111AA"  # nothing written


def test_outside_dry_run_an_empty_replacement_is_still_an_alarm(fakes: Fakes) -> None:
    fakes.merged("A2222BB")
    process(fakes)
    assert fakes.telemetry.names() == [names.BOOKING_NUMBER_CHANGED_OFFENDER_NOT_FOUND]
