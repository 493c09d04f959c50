"""Capability switches in the sandbox: `ptpu sandbox --demo` expects what the switches the service runs with make of
each seeded scenario (the seed's states assume every capability on)."""

from __future__ import annotations

import pytest

from ptpu_core.rules.capabilities import Capabilities, Capability
from ptpu_sandbox.simulators.seed import IGNORED, SCENARIOS
from ptpu_sandbox.switched_expectations import capabilities_in, expected_state

FINAL_FORM = Capabilities.without(Capability.LOCATION, Capability.KEY_DATES)


def expectations(capabilities: Capabilities) -> dict[str, str]:
    return {name: expected_state(scenario, capabilities) for name, scenario in SCENARIOS.items()}


def test_all_on_expects_exactly_what_the_seed_says() -> None:
    assert expectations(Capabilities()) == {name: s.expected_state for name, s in SCENARIOS.items()}


def test_the_final_form_ignores_movements_and_sentence_dates_only() -> None:
    changed = {name: state for name, state in expectations(FINAL_FORM).items()
               if state != SCENARIOS[name].expected_state}

    assert changed == {"transfer": IGNORED, "sentence-dates": IGNORED, "confirmed-release-date": IGNORED}


def test_merges_off_ignores_the_merge() -> None:
    assert expectations(Capabilities.without(Capability.MERGES))["merge"] == IGNORED


def test_matching_off_leaves_an_unlinked_prisoner_unmatched_and_a_linked_one_waiting_for_its_book_number() -> None:
    expected = expectations(Capabilities.without(Capability.MATCHING))

    assert expected["new-conviction"] == "NO_MATCH"  # nobody in the seeded Delius holds A5089DY yet
    # Linked by NOMS number, but its custody has no book number: setting it is part of linking, so the
    # location write (addressed by book number) fails until a successor sets it.
    assert expected["already-linked"] == "LOCATION_NOT_UPDATED"
    assert expected["transfer"] == expected["merge"] == "COMPLETED"
    without_location = expectations(Capabilities.without(Capability.MATCHING, Capability.LOCATION))
    assert without_location["already-linked"] == "KEY_DATES_NOT_UPDATED"
    only_merges = expectations(Capabilities.without(Capability.MATCHING, Capability.LOCATION, Capability.KEY_DATES))
    assert only_merges["already-linked"] == IGNORED


@pytest.mark.parametrize(
    ("env", "off"),
    [
        ({}, set()),
        ({"PRISONTOPROBATION_SYNC_LOCATION": "false", "PRISONTOPROBATION_SYNC_KEYDATES": "FALSE"},
         {Capability.LOCATION, Capability.KEY_DATES}),
        ({"PRISONTOPROBATION_SYNC_MERGES": "true", "PRISONTOPROBATION_SYNC_MATCHING": "false"}, {Capability.MATCHING}),
        ({"PRISONTOPROBATION_SYNC_MERGES": "maybe"}, set()),  # the service would refuse it; the demo says so
    ],
)
def test_the_switches_are_read_from_the_service_environment(env: dict[str, str], off: set[Capability]) -> None:
    assert capabilities_in(env) == Capabilities.without(*off)
