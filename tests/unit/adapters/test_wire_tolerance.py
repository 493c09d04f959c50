"""Every upstream payload reads whatever optional fields the upstream leaves out or nulls.

prison-api, community-api and probation-offender-search serialise with Jackson's NON_NULL, so a field
without a value is simply absent. Starting from a real answer (the existing service's captured
fixtures), hypothesis drops or nulls any subset of the fields their published models do not require;
the adapter must still read the answer (never an `UpstreamFailure` "unreadable ... response").

REQUIRED lists, per payload, the wire paths the upstream's own model always fills (written from
ministryofjustice/prison-api `InmateDetail`, `Movement`, `OffenderIdentifier`, `PrisonerDetail`;
probation-offender-search `OffenderMatch`/`OffenderDetail`/`IDs`; community-api `OffenderIdentifiers`),
with `*` standing for any list element. Everything else in the example is fair game.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ptpu_adapters.http.wire import make_converter, read
from ptpu_core.models.prison import Booking, BookingIdentifier, Movement, Prisoner, SentenceDetail, SentenceTerm
from ptpu_core.models.probation import Conviction, Custody, IDs, OffenderMatches

MAPPINGS = Path(__file__).resolve().parents[2] / "fixtures" / "original-2021" / "api-mappings"
converter = make_converter()

Path_ = tuple[str, ...]

# fixture -> (model, service, wire paths the upstream always sends)
PAYLOADS: dict[str, tuple[Any, str, frozenset[Path_]]] = {
    "getBooking_1200835.json": (
        Booking,
        "prison-api",
        frozenset({("bookingNo",), ("activeFlag",), ("offenderNo",), ("firstName",), ("lastName",), ("dateOfBirth",)}),
    ),
    "getSentenceDetail_1200835.json": (SentenceDetail, "prison-api", frozenset()),
    "getSentenceTerms_1200835.json": (list[SentenceTerm], "prison-api", frozenset()),
    "getMovement_1200835_1.json": (Movement, "prison-api", frozenset({("offenderNo",), ("movementType",)})),
    "getBookingIdentifiers_1200835.json": (
        list[BookingIdentifier],
        "prison-api",
        frozenset({("*", "type"), ("*", "value")}),
    ),
    "getPrisoner_A5089DY.json": (list[Prisoner], "prison-api", frozenset({("*", "offenderNo")})),
    "postMatch_A5089DY.json": (
        OffenderMatches,
        "offender-search",
        frozenset(
            {
                ("matches", "*", "offender"),
                ("matches", "*", "offender", "otherIds"),
                ("matches", "*", "offender", "otherIds", "crn"),
            }
        ),
    ),
    "getConviction_X142620.json": (list[Conviction], "community-api", frozenset()),
    "getConviction_X181002.json": (list[Conviction], "community-api", frozenset()),
    "getConviction_Test.json": (list[Conviction], "community-api", frozenset()),
    "putCustodyBookingNumber_A5089DY.json": (Custody, "community-api", frozenset()),
    "putCustody_A5089DY_38339A.json": (Custody, "community-api", frozenset()),
    "postReplaceCustodyKeyDates_A5089DY_38339A.json": (Custody, "community-api", frozenset()),
    "putOffenderNomsNumber_X142620.json": (IDs, "community-api", frozenset({("crn",)})),
    "putOffenderNomsNumber_A9999DY.json": (list[IDs], "community-api", frozenset({("*", "crn")})),
}


def example(name: str) -> Any:
    return json.loads((MAPPINGS / name).read_text())["response"]["jsonBody"]


def field_paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every object key in `data`, as the path of keys and list indexes leading to it."""
    paths: list[tuple[Any, ...]] = []
    if isinstance(data, dict):
        for key, value in data.items():
            paths.append((*prefix, key))
            paths.extend(field_paths(value, (*prefix, key)))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            paths.extend(field_paths(value, (*prefix, index)))
    return paths


def wildcard(path: tuple[Any, ...]) -> Path_:
    return tuple("*" if isinstance(step, int) else step for step in path)


def optional_paths(name: str) -> list[tuple[Any, ...]]:
    required = PAYLOADS[name][2]
    return [path for path in field_paths(example(name)) if wildcard(path) not in required]


def mutate(data: Any, path: tuple[Any, ...], drop: bool) -> None:
    """Drop the field at `path`, or set it to null; nothing when an earlier change removed its parent."""
    *parents, last = path
    node = data
    for step in parents:
        in_object = isinstance(node, dict) and node.get(step) is not None
        in_list = isinstance(node, list) and isinstance(step, int) and step < len(node)
        if not (in_object or in_list):
            return
        node = node[step]
    if isinstance(node, dict) and last in node:
        if drop:
            del node[last]
        else:
            node[last] = None


def test_every_fixture_with_a_body_has_a_payload_entry() -> None:
    with_json = {p.name for p in MAPPINGS.glob("*.json") if "jsonBody" in json.loads(p.read_text())["response"]}
    assert with_json == set(PAYLOADS)


def test_required_paths_exist_in_the_examples() -> None:
    """A typo in REQUIRED would silently make a field droppable; every listed path is in its example."""
    for name, (_, _, required) in PAYLOADS.items():
        present = {wildcard(path) for path in field_paths(example(name))}
        assert required <= present, name


@pytest.mark.parametrize("name", sorted(PAYLOADS))
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_any_optional_fields_left_out_or_null_still_read(name: str, data: st.DataObject) -> None:
    model, service, _ = PAYLOADS[name]
    paths = optional_paths(name)
    chosen = data.draw(st.lists(st.sampled_from(paths), unique=True), label="fields") if paths else []
    payload = copy.deepcopy(example(name))
    for path in chosen:
        mutate(payload, path, drop=data.draw(st.booleans(), label=f"drop {path}"))
    read(converter, payload, model, service)  # raises UpstreamFailure if the answer became unreadable


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_every_optional_field_left_out_at_once_still_reads(name: str) -> None:
    model, service, required = PAYLOADS[name]
    payload = copy.deepcopy(example(name))
    for path in sorted(optional_paths(name), key=len, reverse=True):
        mutate(payload, path, drop=True)
    result = read(converter, payload, model, service)
    if not required and isinstance(result, list):
        assert all(item == type(item)() for item in result)  # nothing left but defaults
