"""Values a field cannot hold are refused when the object is built, naming the field, instead of being
taken silently: a string where a collection of strings belongs would be read as its letters, a string
where a bool belongs is truthy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ptpu_core import Capabilities, DomainSettings, HmppsDomainEvent, Message, PersonIdentifier


def message(**fields: Any) -> Message:
    return Message(id="m", booking_id=1, event_type="SENTENCE_DATES-CHANGED", message="{}",
                   created_date=datetime(2021, 3, 1, tzinfo=UTC), delete_by=0, **fields)


def event(**fields: Any) -> HmppsDomainEvent:
    given: dict[str, Any] = {"identifiers": [PersonIdentifier("CRN", "X142620")]} | fields
    return HmppsDomainEvent("probation-case.prison-identifier.added", datetime(2021, 3, 1, tzinfo=UTC), "text",
                            **given)


def test_one_prison_given_as_a_string_is_refused_not_read_as_its_letters() -> None:
    with pytest.raises(TypeError, match="only_prisons.*'MDI'"):
        DomainSettings(only_prisons="MDI")
    with pytest.raises(TypeError, match="only_prisons"):
        DomainSettings(only_prisons=b"MDI")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="only_prisons takes strings only, not 7"):
        DomainSettings(only_prisons=["MDI", 7])  # type: ignore[list-item]


def test_a_collection_of_prison_codes_is_still_taken_as_a_frozenset() -> None:
    assert DomainSettings(only_prisons=["MDI", "LEI"]).only_prisons == frozenset({"MDI", "LEI"})
    assert DomainSettings(only_prisons={"MDI"}).is_interested_prison("MDI")
    assert DomainSettings().only_prisons == frozenset()


@pytest.mark.parametrize("text", ["false", "true", "", 0, None])
def test_a_switch_is_only_true_or_false(text: object) -> None:
    with pytest.raises(TypeError, match="dry_run must be True or False"):
        DomainSettings(dry_run=text)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="key_dates must be True or False"):
        Capabilities(key_dates=text)  # type: ignore[arg-type]


def test_the_hold_back_is_a_duration_of_zero_or_more() -> None:
    with pytest.raises(TypeError, match="hold_back must be a datetime.timedelta"):
        DomainSettings(hold_back=15)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="hold_back must not be negative"):
        DomainSettings(hold_back=timedelta(minutes=-1))
    assert DomainSettings(hold_back=timedelta(0)).hold_back == timedelta(0)


@pytest.mark.parametrize("field", ["booking_id", "delete_by", "retry_count"])
@pytest.mark.parametrize("value", ["1200835", 1200835.0, True, None])
def test_a_records_whole_number_fields_refuse_anything_but_an_int(field: str, value: object) -> None:
    fields: dict[str, Any] = {"id": "m", "booking_id": 1, "event_type": "SENTENCE_DATES-CHANGED", "message": "{}",
                              "created_date": datetime(2021, 3, 1, tzinfo=UTC), "delete_by": 0}
    with pytest.raises(TypeError, match=f"{field} must be a whole number"):
        Message(**fields | {field: value})
    record = Message(**fields | {field: 7})
    assert getattr(record, field) == 7
    with pytest.raises(TypeError, match=f"{field} must be a whole number"):
        setattr(record, field, value)


def test_a_records_applied_steps_are_a_set_of_strings_when_built_and_when_set() -> None:
    with pytest.raises(TypeError, match="applied_steps"):
        message(applied_steps="w:abc")
    record = message(applied_steps=["w:abc"])
    assert record.applied_steps == frozenset({"w:abc"})
    with pytest.raises(TypeError, match="applied_steps"):
        record.applied_steps = "w:def"  # type: ignore[assignment]
    record.applied_steps = record.applied_steps | {"w:def"}
    assert record.applied_steps == frozenset({"w:abc", "w:def"})


def test_a_domain_events_identifiers_and_information_are_collections_not_strings() -> None:
    with pytest.raises(TypeError, match="identifiers"):
        event(identifiers="CRN")
    with pytest.raises(TypeError, match="identifiers takes PersonIdentifier"):
        event(identifiers=[("CRN", "X142620")])
    with pytest.raises(TypeError, match="additional_information"):
        event(additional_information="bookingNumber")
    assert event(additional_information={"bookingNumber": "38339A"}).information == {"bookingNumber": "38339A"}
    assert event(additional_information=[("a", "1")]).additional_information == (("a", "1"),)


@pytest.mark.parametrize("switches", [None, "off", {"key_dates": False}, False])
def test_the_capabilities_are_a_capabilities_value(switches: object) -> None:
    with pytest.raises(TypeError, match="capabilities"):
        DomainSettings(capabilities=switches)  # type: ignore[arg-type]
    assert not DomainSettings(capabilities=Capabilities(key_dates=False)).capabilities.key_dates


# The same agency ids PRISONTOPROBATION_ONLY_PRISONS takes (ptpu_runtime.config_kinds): 2 to 6 characters.
@pytest.mark.parametrize("codes", [{"mdi"}, {""}, {" MDI"}, {"MDI "}, {"MDI", "L-I"}, {"M"}, {"ABCDEFG"}])
def test_a_prison_code_that_no_agency_id_could_equal_is_refused(codes: set[str]) -> None:
    with pytest.raises(ValueError, match=r"only_prisons takes NOMIS agency ids .*not '"):
        DomainSettings(only_prisons=codes)


def test_the_refusal_names_every_code_that_cannot_be_an_agency_id() -> None:
    with pytest.raises(ValueError, match=r"not ' MDI', 'lei'$"):
        DomainSettings(only_prisons=["lei", "MDI", " MDI", "WI1"])


@pytest.mark.parametrize("hold_back", [timedelta(days=30), timedelta(days=31)])
def test_a_hold_back_as_long_as_a_records_lifetime_is_refused(hold_back: timedelta) -> None:
    with pytest.raises(ValueError, match="hold_back must be shorter than a record's lifetime"):
        DomainSettings(hold_back=hold_back)
    assert DomainSettings(hold_back=timedelta(days=29, hours=23)).hold_back == timedelta(days=29, hours=23)


@pytest.mark.parametrize("values", [None, 42, 1.5])
def test_a_collection_field_given_no_collection_is_refused_naming_the_field(values: object) -> None:
    with pytest.raises(TypeError, match="only_prisons takes a collection"):
        DomainSettings(only_prisons=values)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="applied_steps takes a collection"):
        message(applied_steps=values)
    with pytest.raises(TypeError, match="identifiers takes a collection"):
        event(identifiers=values)
    with pytest.raises(TypeError, match="additional_information takes a collection"):
        event(additional_information=values)


def test_additional_information_given_pairs_that_are_not_sequences_is_refused_naming_the_field() -> None:
    with pytest.raises(TypeError, match="additional_information takes \\(name, value\\) pairs, not 7"):
        event(additional_information=[7])
