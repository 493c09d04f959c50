"""Property: every request/response model survives unstructure -> JSON text -> structure unchanged."""

from __future__ import annotations

import json
import typing
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ptpu_adapters.http.wire import make_converter
from ptpu_core.models.prison import (
    Booking,
    BookingIdentifier,
    Movement,
    Prisoner,
    SentenceDetail,
    SentenceTerm,
)
from ptpu_core.models.probation import (
    Conviction,
    Custody,
    IDs,
    MatchRequest,
    OffenderMatches,
    ReplaceCustodyKeyDates,
    UpdateCustody,
    UpdateCustodyBookingNumber,
)

MODELS = [
    Booking,
    SentenceDetail,
    SentenceTerm,
    Movement,
    BookingIdentifier,
    Prisoner,
    MatchRequest,
    OffenderMatches,
    Conviction,
    Custody,
    IDs,
    UpdateCustodyBookingNumber,
    UpdateCustody,
    ReplaceCustodyKeyDates,
]
converter = make_converter()


def every_field(model: type) -> st.SearchStrategy[Any]:
    """All fields drawn, optional ones included (st.builds alone would keep their defaults)."""
    attrs.resolve_types(model)
    return st.builds(model, **{f.name: strategy_for(f.type) for f in attrs.fields(model)})


def strategy_for(field_type: Any) -> st.SearchStrategy[Any]:
    if attrs.has(field_type):
        return every_field(field_type)
    args = typing.get_args(field_type)
    if type(None) in args:
        return st.none() | st.one_of([strategy_for(arg) for arg in args if arg is not type(None)])
    if typing.get_origin(field_type) is tuple:
        return st.lists(strategy_for(args[0]), max_size=3).map(tuple)
    return st.from_type(field_type)


def through_json(data: Any) -> Any:
    return json.loads(json.dumps(data))


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_round_trip(model: type) -> None:
    @given(every_field(model))
    def round_trip(instance: Any) -> None:
        assert converter.structure(through_json(converter.unstructure(instance)), model) == instance

    round_trip()


@given(every_field(ReplaceCustodyKeyDates))
def test_written_bodies_have_no_nulls_and_camel_keys(body: ReplaceCustodyKeyDates) -> None:
    written = converter.unstructure(body)
    assert None not in written.values()
    assert all("_" not in key for key in written)
