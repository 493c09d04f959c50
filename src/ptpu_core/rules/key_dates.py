"""Sentence dates: prison-api's sentence detail mapped to Delius key dates (SPEC §4), and the start date."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from ptpu_core.models.prison import SentenceDetail, SentenceTerm
from ptpu_core.models.probation import ReplaceCustodyKeyDates
from ptpu_core.telemetry_names import NOT_PRESENT


def probation_key_dates(detail: SentenceDetail) -> ReplaceCustodyKeyDates:
    return ReplaceCustodyKeyDates(
        # A manual override in NOMIS wins over the calculated date.
        conditional_release_date=detail.conditional_release_override_date or detail.conditional_release_date,
        licence_expiry_date=detail.licence_expiry_date,
        hdc_eligibility_date=detail.home_detention_curfew_eligibility_date,
        parole_eligibility_date=detail.parole_eligibility_date,
        sentence_expiry_date=detail.sentence_expiry_date,
        expected_release_date=detail.confirmed_release_date,
        post_sentence_supervision_end_date=detail.topup_supervision_expiry_date,
    )


def latest_sentence_start_date(terms: Iterable[SentenceTerm]) -> date | None:
    """The start of the newest sentence not consecutive to another (SPEC §7 step 3); None when none has one."""
    starts = [term.start_date for term in terms if term.consecutive_to is None and term.start_date is not None]
    return max(starts, default=None)


def sentence_date_attributes(detail: SentenceDetail) -> dict[str, str]:
    """Every sentence date as telemetry attributes, named as prison-api names them. The names (and their
    order) are the existing service's telemetry: a contract, written out so a renamed field cannot change it."""
    dates = {
        "sentenceStartDate": detail.sentence_start_date,
        "confirmedReleaseDate": detail.confirmed_release_date,
        "conditionalReleaseDate": detail.conditional_release_date,
        "conditionalReleaseOverrideDate": detail.conditional_release_override_date,
        "licenceExpiryDate": detail.licence_expiry_date,
        "paroleEligibilityDate": detail.parole_eligibility_date,
        "sentenceExpiryDate": detail.sentence_expiry_date,
        "topupSupervisionExpiryDate": detail.topup_supervision_expiry_date,
        "releaseDate": detail.release_date,
        "homeDetentionCurfewEligibilityDate": detail.home_detention_curfew_eligibility_date,
    }
    return {name: value.isoformat() if value else NOT_PRESENT for name, value in dates.items()}
