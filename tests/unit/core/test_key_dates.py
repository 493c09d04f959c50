"""SPEC §4 key-date mapping and SPEC §7 step 3 (the sentence start date from the sentence terms)."""

from datetime import date

from builders import a_sentence_detail, a_term
from hypothesis import given
from hypothesis import strategies as st

from ptpu_core.models.prison import SentenceDetail
from ptpu_core.models.probation import ReplaceCustodyKeyDates
from ptpu_core.rules.key_dates import latest_sentence_start_date, probation_key_dates, sentence_date_attributes


def test_every_key_date_maps_from_its_sentence_detail_field() -> None:
    detail = SentenceDetail(
        sentence_start_date=date(2020, 1, 1),
        confirmed_release_date=date(2021, 1, 1),
        conditional_release_date=date(2021, 1, 2),
        licence_expiry_date=date(2021, 1, 3),
        parole_eligibility_date=date(2021, 1, 4),
        sentence_expiry_date=date(2021, 1, 5),
        topup_supervision_expiry_date=date(2021, 1, 6),
        release_date=date(2021, 1, 7),
        home_detention_curfew_eligibility_date=date(2021, 1, 8),
    )
    assert probation_key_dates(detail) == ReplaceCustodyKeyDates(
        conditional_release_date=date(2021, 1, 2),
        licence_expiry_date=date(2021, 1, 3),
        hdc_eligibility_date=date(2021, 1, 8),
        parole_eligibility_date=date(2021, 1, 4),
        sentence_expiry_date=date(2021, 1, 5),
        expected_release_date=date(2021, 1, 1),
        post_sentence_supervision_end_date=date(2021, 1, 6),
    )


def test_conditional_release_override_date_wins() -> None:
    detail = a_sentence_detail(
        conditional_release_date=date(2023, 5, 2), conditional_release_override_date=date(2023, 1, 9)
    )
    assert probation_key_dates(detail).conditional_release_date == date(2023, 1, 9)


def test_no_dates_map_to_no_dates() -> None:
    assert probation_key_dates(SentenceDetail()) == ReplaceCustodyKeyDates()


def test_telemetry_names_every_sentence_date_and_marks_absent_ones() -> None:
    attributes = sentence_date_attributes(a_sentence_detail(licence_expiry_date=None))
    assert attributes["sentenceStartDate"] == "2020-02-11"
    assert attributes["conditionalReleaseOverrideDate"] == "not present"
    assert attributes["licenceExpiryDate"] == "not present"
    assert attributes["homeDetentionCurfewEligibilityDate"] == "2022-11-01"
    assert list(attributes) == [  # the existing service's telemetry names, in its order
        "sentenceStartDate", "confirmedReleaseDate", "conditionalReleaseDate", "conditionalReleaseOverrideDate",
        "licenceExpiryDate", "paroleEligibilityDate", "sentenceExpiryDate", "topupSupervisionExpiryDate",
        "releaseDate", "homeDetentionCurfewEligibilityDate",
    ]


def test_sentence_start_is_the_latest_term_not_consecutive_to_another() -> None:
    terms = [
        a_term(date(2020, 1, 1), 1),
        a_term(date(2020, 3, 1), 2),
        a_term(date(2021, 6, 1), 3, consecutive_to=2),  # later, but runs on from sentence 2
    ]
    assert latest_sentence_start_date(terms) == date(2020, 3, 1)


def test_no_sentence_start_when_every_term_is_consecutive_or_there_are_none() -> None:
    assert latest_sentence_start_date([]) is None
    assert latest_sentence_start_date([a_term(date(2020, 1, 1), 2, consecutive_to=1)]) is None


@given(st.lists(st.tuples(st.dates(), st.none() | st.integers(1, 5))))
def test_sentence_start_is_one_of_the_concurrent_starts_and_none_is_later(terms) -> None:
    built = [a_term(start, n, consecutive) for n, (start, consecutive) in enumerate(terms)]
    concurrent = [start for start, consecutive in terms if consecutive is None]
    result = latest_sentence_start_date(built)
    if concurrent:
        assert result in concurrent
        assert all(start <= result for start in concurrent)
    else:
        assert result is None
