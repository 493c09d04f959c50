"""Capability switches. Which event types serve which capability; a switched-off type is
acknowledged and not stored; a stored one is settled without a call; the status-change flow skips the
step of each capability switched off, saying so in P2PSkippedByConfiguration."""

import pytest
from builders import (
    BOOKING_ID,
    BOOKING_NO,
    BOOKING_NUMBER,
    MOVEMENT,
    OFFENDER_NO,
    PRISON,
    RELEASE_DATE,
    SENTENCE_DATES,
    STATUS_CHANGE,
    Fakes,
    a_stored,
    an_admission,
    inner_message,
)

from ptpu_core import telemetry_names as names
from ptpu_core.models.events import EventType
from ptpu_core.models.record import SynchroniseState as State
from ptpu_core.outcomes import done, try_later
from ptpu_core.rules.capabilities import SERVES, Capabilities, Capability
from ptpu_core.settings import DomainSettings
from ptpu_core.use_cases.receive import Reception

CRN = "X142620"
ALL_OFF = Capabilities(matching=False, location=False, key_dates=False, merges=False)
INNER = {
    STATUS_CHANGE: inner_message(STATUS_CHANGE, imprisonmentStatusSeq=0),
    MOVEMENT: inner_message(MOVEMENT, movementSeq=4),
    SENTENCE_DATES: inner_message(SENTENCE_DATES),
    RELEASE_DATE: inner_message(RELEASE_DATE),
    BOOKING_NUMBER: inner_message(BOOKING_NUMBER),
}


def switched(fakes: Fakes, **off: bool) -> Fakes:
    fakes.settings = DomainSettings(only_prisons=frozenset({PRISON}), capabilities=Capabilities(**off))
    return fakes


@pytest.fixture
def fakes() -> Fakes:
    world = Fakes(only_prisons=frozenset({PRISON}))
    world.linked_offender(CRN)
    world.prison.movements[(BOOKING_ID, 4)] = an_admission()
    world.merged("A9996DY")
    return world


def skipped_events(fakes: Fakes) -> list[dict[str, str]]:
    return [dict(event.attributes) for event in fakes.telemetry.named(names.SKIPPED_BY_CONFIGURATION)]


# --- the mapping ------------------------------------------------------------------------------------------


def test_every_event_type_we_handle_serves_some_capability() -> None:
    assert set(SERVES) == {event_type.value for event_type in EventType}
    assert SERVES[STATUS_CHANGE] == {Capability.MATCHING, Capability.LOCATION, Capability.KEY_DATES}
    assert SERVES[MOVEMENT] == {Capability.LOCATION}
    assert SERVES[SENTENCE_DATES] == SERVES[RELEASE_DATE] == {Capability.KEY_DATES}
    assert SERVES[BOOKING_NUMBER] == {Capability.MERGES}


@pytest.mark.parametrize(
    ("off", "not_handled"),
    [
        ({}, set()),
        ({"matching": False}, set()),
        ({"location": False}, {MOVEMENT}),
        ({"key_dates": False}, {SENTENCE_DATES, RELEASE_DATE}),
        ({"merges": False}, {BOOKING_NUMBER}),
        ({"location": False, "key_dates": False}, {MOVEMENT, SENTENCE_DATES, RELEASE_DATE}),  # the final form
        ({"matching": False, "location": False, "key_dates": False}, {STATUS_CHANGE, MOVEMENT, SENTENCE_DATES,
                                                                      RELEASE_DATE}),
    ],
)
def test_an_event_type_is_handled_while_any_capability_it_serves_is_on(
    off: dict[str, bool], not_handled: set[str]
) -> None:
    capabilities = Capabilities(**off)

    assert {t.value for t in EventType if not capabilities.handles(t.value)} == not_handled
    assert capabilities.handles("OFFENDER_MOVEMENT-DISCHARGE")  # not ours at all: ignored elsewhere


def test_switched_off_for_names_only_the_event_types_own_capabilities_in_a_fixed_order() -> None:
    assert ALL_OFF.switched_off_for(STATUS_CHANGE) == (Capability.MATCHING, Capability.LOCATION, Capability.KEY_DATES)
    assert Capabilities(location=False, merges=False).switched_off_for(BOOKING_NUMBER) == (Capability.MERGES,)
    assert Capabilities(location=False).switched_off_for(SENTENCE_DATES) == ()
    assert not any(ALL_OFF.allows(capability) for capability in Capability)
    assert all(Capabilities().allows(capability) for capability in Capability)
    assert Capabilities.without(*Capability) == ALL_OFF
    assert Capabilities.without(Capability.KEY_DATES) == Capabilities(key_dates=False)


# --- phase 1: acknowledged, not stored --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("off", "event_type"),
    [
        ({"location": False}, MOVEMENT),
        ({"key_dates": False}, SENTENCE_DATES),
        ({"key_dates": False}, RELEASE_DATE),
        ({"merges": False}, BOOKING_NUMBER),
        ({"matching": False, "location": False, "key_dates": False}, STATUS_CHANGE),
    ],
)
def test_a_switched_off_event_type_is_acknowledged_and_not_stored(
    fakes: Fakes, off: dict[str, bool], event_type: str
) -> None:
    reception = switched(fakes, **off).receiver().receive(event_type, INNER[event_type], "sns-1")

    assert reception is Reception.SWITCHED_OFF
    assert fakes.repository.all() == []
    assert fakes.prison.call_names() == []  # not even validated
    assert fakes.metrics.count("eventsReceived", f"{event_type}:SWITCHED_OFF") == 1


@pytest.mark.parametrize("off", [{"matching": False}, {"location": False}, {"key_dates": False}])
def test_a_status_change_is_still_stored_while_one_of_its_capabilities_is_on(
    fakes: Fakes, off: dict[str, bool]
) -> None:
    reception = switched(fakes, **off).receiver().receive(STATUS_CHANGE, INNER[STATUS_CHANGE], "sns-1")

    assert reception is Reception.STORED
    assert [m.event_type for m in fakes.repository.all()] == [STATUS_CHANGE]


def test_other_event_types_are_still_stored_when_one_capability_is_off(fakes: Fakes) -> None:
    receiver = switched(fakes, location=False).receiver()

    receptions = [receiver.receive(t, INNER[t], f"sns-{t}") for t in (SENTENCE_DATES, BOOKING_NUMBER, MOVEMENT)]

    assert receptions == [Reception.STORED, Reception.STORED, Reception.SWITCHED_OFF]
    assert sorted(m.event_type for m in fakes.repository.all()) == [BOOKING_NUMBER, SENTENCE_DATES]


# --- phases 2 and 3: a record stored before the switch ------------------------------------------------------


@pytest.mark.parametrize(
    ("off", "event_type", "capability"),
    [
        ({"location": False}, MOVEMENT, "location"),
        ({"key_dates": False}, SENTENCE_DATES, "keyDates"),
        ({"key_dates": False}, RELEASE_DATE, "keyDates"),
        ({"merges": False}, BOOKING_NUMBER, "merges"),
    ],
)
def test_a_stored_record_of_a_switched_off_type_is_settled_without_a_call(
    fakes: Fakes, off: dict[str, bool], event_type: str, capability: str
) -> None:
    outcome = switched(fakes, **off).processor().process(a_stored(event_type, INNER[event_type]))

    assert outcome == done(State.NO_LONGER_VALID)
    assert fakes.community.call_names() == []
    assert fakes.prison.call_names() == []
    assert skipped_events(fakes) == [{"bookingId": str(BOOKING_ID), "capability": capability, "eventType": event_type}]


def test_a_stored_status_change_with_all_three_off_names_each_capability(fakes: Fakes) -> None:
    fakes.settings = DomainSettings(capabilities=ALL_OFF)

    outcome = fakes.processor().process(a_stored(STATUS_CHANGE, INNER[STATUS_CHANGE]))

    assert outcome == done(State.NO_LONGER_VALID)
    assert fakes.community.call_names() == fakes.search.call_names() == []
    assert [e["capability"] for e in skipped_events(fakes)] == ["matching", "location", "keyDates"]


# --- the status-change flow skips the switched-off steps ----------------------------------------------------


def process_status_change(fakes: Fakes) -> object:
    return fakes.processor().process(a_stored(STATUS_CHANGE, INNER[STATUS_CHANGE]))


def test_all_on_writes_as_before_and_reports_no_skip(fakes: Fakes) -> None:
    assert process_status_change(fakes) == done(State.COMPLETED, CRN)

    assert fakes.community_writes() == ["update_booking_number", "update_custody", "replace_key_dates"]
    assert skipped_events(fakes) == []


@pytest.mark.parametrize(
    ("off", "writes", "skipped"),
    [
        ({"location": False}, ["update_booking_number", "replace_key_dates"], ["location"]),
        ({"key_dates": False}, ["update_booking_number", "update_custody"], ["keyDates"]),
        ({"location": False, "key_dates": False}, ["update_booking_number"], ["location", "keyDates"]),
        ({"matching": False}, ["update_custody", "replace_key_dates"], ["matching"]),
        ({"matching": False, "key_dates": False}, ["update_custody"], ["matching", "keyDates"]),
    ],
)
def test_each_switched_off_step_is_skipped_and_reported(
    fakes: Fakes, off: dict[str, bool], writes: list[str], skipped: list[str]
) -> None:
    outcome = switched(fakes, **off).processor().process(a_stored(STATUS_CHANGE, INNER[STATUS_CHANGE]))

    assert outcome == done(State.COMPLETED, CRN)
    assert fakes.community_writes() == writes
    events = skipped_events(fakes)
    assert [e["capability"] for e in events] == skipped
    assert {e["eventType"] for e in events} == {STATUS_CHANGE}
    assert all(e["offenderNo"] == OFFENDER_NO and e["bookingNumber"] == BOOKING_NO for e in events)
    assert all(e["bookingId"] == str(BOOKING_ID) and e["imprisonmentStatusSeq"] == "0" for e in events)
    assert fakes.telemetry.events[-1].name == names.IMPRISONMENT_STATUS_UPDATED  # still one outcome event, last


def test_matching_off_never_links_an_unlinked_case_and_retries_until_a_successor_has(fakes: Fakes) -> None:
    fakes.delius_offender("X100001")
    fakes.search_finds("PARTIAL_NAME", "X100001")
    switched(fakes, matching=False)

    outcome = process_status_change(fakes)

    assert outcome == try_later(State.NO_MATCH, None, "X100001")
    assert fakes.community.offenders["X100001"].noms_number is None
    assert fakes.community_writes() == []
    last = fakes.telemetry.events[-1]
    assert last.name == names.SKIPPED_BY_CONFIGURATION
    assert last.attributes["capability"] == "matching" and last.attributes["crn"] == "X100001"
    assert names.OFFENDER_NUMBER_SET not in fakes.telemetry.names()

    # prison-identifier-and-delius links it meanwhile: the retry finds it already linked and goes on.
    fakes.community.offenders["X100001"].noms_number = OFFENDER_NO
    fakes.search_finds("HMPPS_KEY", "X100001")

    assert process_status_change(fakes) == done(State.COMPLETED, "X100001")
    assert fakes.community_writes() == ["update_custody", "replace_key_dates"]
