"""What prison-api tells us (SPEC §4). Only the fields the service uses."""

from __future__ import annotations

from datetime import date, datetime

from attrs import frozen


@frozen
class Booking:
    booking_id: int
    booking_no: str
    active_flag: bool
    offender_no: str
    first_name: str
    last_name: str
    date_of_birth: date
    agency_id: str | None = None
    location_description: str | None = None
    recall: bool | None = None
    legal_status: str | None = None


@frozen
class SentenceDetail:
    sentence_start_date: date | None = None
    confirmed_release_date: date | None = None
    conditional_release_date: date | None = None
    conditional_release_override_date: date | None = None
    licence_expiry_date: date | None = None
    parole_eligibility_date: date | None = None
    sentence_expiry_date: date | None = None
    topup_supervision_expiry_date: date | None = None
    release_date: date | None = None
    home_detention_curfew_eligibility_date: date | None = None


@frozen
class SentenceTerm:
    start_date: date
    sentence_sequence: int
    consecutive_to: int | None = None
    sentence_type_description: str | None = None


@frozen
class Movement:
    offender_no: str
    to_agency: str | None
    movement_type: str
    from_agency: str | None = None
    direction_code: str | None = None
    create_date_time: datetime | None = None
    to_agency_description: str | None = None


@frozen
class BookingIdentifier:
    type: str
    value: str


@frozen
class Prisoner:
    offender_no: str
    pnc_number: str | None = None
    cro_number: str | None = None
    latest_location: str | None = None
    convicted_status: str | None = None
