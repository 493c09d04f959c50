"""A value from upstream is one path segment, never URL structure.

For hostile strings (`/`, `..`, `?`, `#`, `%`, controls, any unicode), the path community-api and
prison-api actually receive (the raw request line, as the stub saw it) has exactly the intended
segments, and each data segment decodes back to the value; `.`, `..` and the empty string are
refused before anything is sent.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import unquote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from ptpu_adapters.http.community_api import CommunityApiClient
from ptpu_adapters.http.prison_api import PrisonApiClient
from ptpu_adapters.http.wire import UnsafePathSegment, path
from ptpu_core.errors import UpstreamFailure
from ptpu_core.models.probation import NotFound, ReplaceCustodyKeyDates, UpdateCustody, UpdateCustodyBookingNumber

V = "{}"  # marks a data segment in the expected path
STRUCTURAL = ("", ".", "..")
HOSTILE = st.one_of(
    st.sampled_from(["../../crn/X200006", "..", ".", "", "a/b", "?x=1", "#frag", "%2F", "%2e%2e", "..%2f", "a b"]),
    st.text(alphabet=st.sampled_from("/.?#%\\;&=+:@ ~aZ09\n\t\x00é"), max_size=12),
    st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=12),
)

Call = Callable[[Any, str, str], Any]
COMMUNITY_CALLS: list[tuple[str, Call]] = [
    ("/secure/offenders/crn/{}/convictions", lambda c, a, b: c.get_convictions(a)),
    ("/secure/offenders/crn/{}/nomsNumber", lambda c, a, b: c.update_noms_number(a, "A5089DY")),
    ("/secure/offenders/nomsNumber/{}/nomsNumber", lambda c, a, b: c.replace_noms_number(a, "A5089DY")),
    (
        "/secure/offenders/nomsNumber/{}/custody/bookingNumber",
        lambda c, a, b: c.update_booking_number(a, UpdateCustodyBookingNumber(date(2020, 1, 1), b)),
    ),
    (
        "/secure/offenders/nomsNumber/{}/custody/bookingNumber/{}",
        lambda c, a, b: c.update_custody(a, b, UpdateCustody("MDI")),
    ),
    (
        "/secure/offenders/nomsNumber/{}/bookingNumber/{}/custody/keyDates",
        lambda c, a, b: c.replace_key_dates(a, b, ReplaceCustodyKeyDates()),
    ),
]


def _not_found(_: Request) -> Response:
    return Response("{}", status=404, content_type="application/json")


@pytest.fixture
def community_api(httpserver: HTTPServer, make_upstream) -> CommunityApiClient:
    httpserver.expect_request(re.compile(r"(?!/oauth/token).*", re.DOTALL)).respond_with_handler(_not_found)
    return CommunityApiClient(make_upstream("community-api", retries=0))


def sent_paths(httpserver: HTTPServer) -> list[str]:
    """The raw request targets (still percent-encoded), query cut off, other than token requests."""
    targets = [request.environ["REQUEST_URI"] for request, _ in httpserver.log]
    return [target.split("?", 1)[0] for target in targets if not target.startswith("/oauth/token")]


def expected_segments(template: str, values: list[str]) -> list[str]:
    pool = iter(values)
    return [next(pool) if part == V else part for part in template.split("/")]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=HOSTILE, second=HOSTILE)
@pytest.mark.parametrize(("template", "call"), COMMUNITY_CALLS, ids=[t for t, _ in COMMUNITY_CALLS])
def test_community_api_paths_keep_their_segments(
    httpserver: HTTPServer, community_api: CommunityApiClient, template: str, call: Call, first: str, second: str
) -> None:
    httpserver.clear_log()
    values = [first, second][: template.count(V)]
    try:
        call(community_api, first, second)
    except UnsafePathSegment:
        assert any(value in STRUCTURAL for value in values)
        assert sent_paths(httpserver) == []
        return
    except UpstreamFailure:
        pass  # the stub answers 404 to everything; only the path matters here
    assert not any(value in STRUCTURAL for value in values)
    [sent] = sent_paths(httpserver)
    segments = sent.split("/")
    assert len(segments) == len(template.split("/"))
    assert [unquote(s) for s in segments] == expected_segments(template, values)
    assert not set("?#") & set(sent)


def test_the_attack_value_stays_inside_its_segment(httpserver: HTTPServer, community_api: CommunityApiClient) -> None:
    answer = community_api.replace_key_dates("A5089DY", "../../crn/X200006", ReplaceCustodyKeyDates())
    assert isinstance(answer, NotFound)
    assert sent_paths(httpserver) == [
        "/secure/offenders/nomsNumber/A5089DY/bookingNumber/..%2F..%2Fcrn%2FX200006/custody/keyDates"
    ]


def test_prison_api_paths_use_the_same_encoding(httpserver: HTTPServer, make_upstream) -> None:
    httpserver.expect_request(re.compile(r"/api/.*")).respond_with_handler(_not_found)
    prison_api = PrisonApiClient(make_upstream("prison-api", retries=0))
    assert prison_api.get_movement(1200835, 3) is None
    assert sent_paths(httpserver) == ["/api/bookings/1200835/movement/3"]


def test_path_refuses_dot_segments_and_a_wrong_count() -> None:
    for value in STRUCTURAL:
        with pytest.raises(UnsafePathSegment):
            path("/a/{}/b", value)
    assert path("/a/{}/b/{}", "x/y", "...") == "/a/x%2Fy/b/..."
    with pytest.raises(ValueError, match="placeholders"):
        path("/a/{}", "x", "y")
