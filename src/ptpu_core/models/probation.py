"""What probation-offender-search and community-api take and give (SPEC §4). A field is required only where
the upstream's model (named per class) always fills it: Jackson leaves nulls out."""

from __future__ import annotations

from datetime import date

from attrs import field, frozen


@frozen
class MatchRequest:
    first_name: str
    surname: str
    date_of_birth: date
    noms_number: str
    active_sentence: bool = True
    pnc_number: str | None = None
    cro_number: str | None = None


@frozen
class OffenderMatch:
    """offender-search `OffenderMatch` -> `OffenderDetail` -> `IDs`: only `offender.otherIds.crn` is
    read (`required = true` there); the adapter flattens the nesting."""

    crn: str


@frozen
class OffenderMatches:
    """offender-search `OffenderMatches`: both fields have defaults there (no matches, NOTHING)."""

    matches: tuple[OffenderMatch, ...] = ()
    matched_by: str = "NOTHING"


@frozen
class Institution:
    """community-api `Institution`: every field optional."""

    description: str | None = None
    code: str | None = None
    noms_prison_institution_code: str | None = None


@frozen
class Custody:
    """community-api `Custody` (convictions, and the custody PUT/POST answers): every field optional."""

    booking_number: str | None = None
    institution: Institution | None = None


@frozen
class Sentence:
    """community-api `Sentence`: every field optional; no start date means no date to compare."""

    start_date: date | None = None
    description: str | None = None


@frozen
class Conviction:
    """community-api `Conviction`: none required; `active` is not used to pick sentences (`_sentenced_near`)."""

    conviction_id: int | None = None
    active: bool | None = None
    sentence: Sentence | None = None
    custody: Custody | None = None


@frozen
class IDs:
    """community-api `IDs` (the nomsNumber PUT answers): crn always filled; the rest optional."""

    crn: str
    noms_number: str | None = None


@frozen
class UpdateCustodyBookingNumber:
    sentence_start_date: date
    booking_number: str


@frozen
class UpdateCustody:
    noms_prison_institution_code: str


@frozen
class ReplaceCustodyKeyDates:
    conditional_release_date: date | None = None
    licence_expiry_date: date | None = None
    hdc_eligibility_date: date | None = None
    parole_eligibility_date: date | None = None
    sentence_expiry_date: date | None = None
    expected_release_date: date | None = None
    post_sentence_supervision_end_date: date | None = None


@frozen
class NotFound:
    """A community-api 404 that is a business outcome; `detail` is the body's message."""

    detail: str = field(default="")
