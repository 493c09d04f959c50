"""What prison-api tells us (SPEC §4), only the fields used. A field is required only where prison-api's model
(`uk.gov.justice.hmpps.prison.api.model`, named per class) always fills it: it leaves nulls out."""

from __future__ import annotations

from datetime import date, datetime

from attrs import frozen


@frozen(kw_only=True)  # its optional fields moved when upstream nulls were modelled: no positional use
class Booking:
    """`InmateDetail` (GET /api/bookings/{id}); bookingNo is always sent for a booking fetched by its id."""

    booking_no: str
    active_flag: bool
    offender_no: str
    first_name: str
    last_name: str
    date_of_birth: date
    booking_id: int | None = None
    agency_id: str | None = None
    location_description: str | None = None
    recall: bool | None = None
    legal_status: str | None = None


@frozen
class SentenceDetail:
    """`SentenceCalcDates` (GET /api/bookings/{id}/sentenceDetail): every date is optional."""

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
    """`OffenderSentenceTerms` (GET /api/offender-sentences/booking/{id}/sentenceTerms): no field required."""

    start_date: date | None = None
    sentence_sequence: int | None = None
    consecutive_to: int | None = None
    sentence_type_description: str | None = None


@frozen
class Movement:
    """`Movement` (GET /api/bookings/{id}/movement/{seq}); createDateTime and directionCode are tolerated absent."""

    offender_no: str
    to_agency: str | None
    movement_type: str
    from_agency: str | None = None
    direction_code: str | None = None
    create_date_time: datetime | None = None
    to_agency_description: str | None = None


@frozen
class BookingIdentifier:
    """`OffenderIdentifier` (GET /api/bookings/{id}/identifiers): type and value are required there."""

    type: str
    value: str


@frozen
class Prisoner:
    """`PrisonerDetail` (GET /api/prisoners?offenderNo=): only offenderNo is required (`@NotBlank`)."""

    offender_no: str
    pnc_number: str | None = None
    cro_number: str | None = None
    latest_location: str | None = None
    convicted_status: str | None = None
