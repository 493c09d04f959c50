"""The service's own HTTP adapters can read everything the simulators answer (a contract check
between ptpu_adapters.http and the simulated APIs the sandbox and e2e tests run against)."""

from collections.abc import Iterator
from datetime import date

import pytest
import requests

from ptpu_adapters.http.auth import HmppsAuthTokenProvider
from ptpu_adapters.http.base import UpstreamClient
from ptpu_adapters.http.community_api import CommunityApiClient
from ptpu_adapters.http.offender_search import OffenderSearchClient
from ptpu_adapters.http.prison_api import PrisonApiClient
from ptpu_core.models.probation import (
    MatchRequest,
    NotFound,
    ReplaceCustodyKeyDates,
    UpdateCustody,
    UpdateCustodyBookingNumber,
)
from ptpu_sandbox.simulators import SimulatedHmpps


@pytest.fixture
def tokens(hmpps: SimulatedHmpps) -> Iterator[HmppsAuthTokenProvider]:
    with requests.Session() as session:
        yield HmppsAuthTokenProvider(hmpps.auth_url, "prison-to-probation-update", "sandbox-secret", session)


def test_new_conviction_through_the_adapters(hmpps: SimulatedHmpps, tokens: HmppsAuthTokenProvider) -> None:
    prison = PrisonApiClient(UpstreamClient("prison-api", hmpps.prison_url, tokens))
    search = OffenderSearchClient(UpstreamClient("offender-search", hmpps.search_url, tokens))
    community = CommunityApiClient(UpstreamClient("community-api", hmpps.community_url, tokens))

    booking = prison.get_booking(1200835)
    terms = prison.get_sentence_terms(1200835)
    start = max(t.start_date for t in terms if t.consecutive_to is None)
    matches = search.match(
        MatchRequest(booking.first_name, booking.last_name, booking.date_of_birth, booking.offender_no)
    )
    (crn,) = [m.crn for m in matches.matches]
    convictions = community.get_convictions(crn)
    ids = community.update_noms_number(crn, booking.offender_no)
    numbered = community.update_booking_number(
        booking.offender_no, UpdateCustodyBookingNumber(start, booking.booking_no)
    )
    located = community.update_custody(booking.offender_no, booking.booking_no, UpdateCustody("MDI"))
    dated = community.replace_key_dates(
        booking.offender_no, booking.booking_no, ReplaceCustodyKeyDates(sentence_expiry_date=date(2030, 10, 11))
    )

    assert (booking.offender_no, booking.booking_no, start) == ("A5089DY", "38339A", date(2026, 10, 12))
    assert prison.get_sentence_detail(1200835).sentence_start_date == start
    assert matches.matched_by == "NAME"
    assert [c.custody is not None for c in convictions] == [True, False]
    assert ids.noms_number == "A5089DY"
    assert numbered is not None and numbered.booking_number == "38339A"
    assert located is not None and located.institution is not None
    assert located.institution.description == "Moorland (HMP & YOI)"
    assert not isinstance(dated, NotFound)


def test_business_404s_reach_the_adapters_as_outcomes(hmpps: SimulatedHmpps, tokens: HmppsAuthTokenProvider) -> None:
    prison = PrisonApiClient(UpstreamClient("prison-api", hmpps.prison_url, tokens))
    community = CommunityApiClient(UpstreamClient("community-api", hmpps.community_url, tokens))

    missing_custody = community.replace_key_dates("A5094DY", "99999Z", ReplaceCustodyKeyDates())

    assert prison.get_movement(1200835, 9) is None
    assert prison.get_prisoner("Z9999ZZ") is None
    assert community.update_custody("A5093DY", "99999Z", UpdateCustody("PVI")) is None
    assert isinstance(missing_custody, NotFound) and "bookingNumber" in missing_custody.detail
    assert community.replace_noms_number("A0000AA", "A5096DY") == []
