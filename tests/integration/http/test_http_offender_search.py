"""OffenderSearchClient against a stub probation-offender-search (SPEC §4)."""

from __future__ import annotations

from datetime import date

import pytest
from http_stubs import BEARER, fixture_body
from pytest_httpserver import HTTPServer

from ptpu_adapters.http.offender_search import OffenderSearchClient
from ptpu_core.errors import UpstreamFailure
from ptpu_core.models.probation import MatchRequest, OffenderMatch, OffenderMatches


@pytest.fixture
def offender_search(make_upstream) -> OffenderSearchClient:
    return OffenderSearchClient(make_upstream("offender-search"))


def test_match_sends_only_known_identifiers(httpserver: HTTPServer, offender_search: OffenderSearchClient) -> None:
    httpserver.expect_oneshot_request(
        "/match",
        method="POST",
        json={
            "firstName": "ANDY",
            "surname": "MARKE",
            "dateOfBirth": "1970-01-01",
            "nomsNumber": "A5089DY",
            "activeSentence": True,
            "croNumber": "SF80/655108T",
        },
        headers=BEARER,
    ).respond_with_json(fixture_body("postMatch_A5089DY.json"))
    request = MatchRequest("ANDY", "MARKE", date(1970, 1, 1), "A5089DY", cro_number="SF80/655108T")

    matches = offender_search.match(request)

    assert matches == OffenderMatches((OffenderMatch("X142620"), OffenderMatch("X181002")), "EXTERNAL_KEY")
    httpserver.check_assertions()


def test_match_failure(httpserver: HTTPServer, offender_search: OffenderSearchClient) -> None:
    httpserver.expect_request("/match").respond_with_data("down", status=500)

    with pytest.raises(UpstreamFailure) as failure:
        offender_search.match(MatchRequest("A", "B", date(1970, 1, 1), "A1"))
    assert (failure.value.service, failure.value.status) == ("offender-search", 500)
