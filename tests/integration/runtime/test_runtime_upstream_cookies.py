"""Upstream sessions keep no cookies: one requests.Session per upstream is shared by the
listener, scheduler and health threads, and a cookie one upstream sets must never ride on later calls."""

from __future__ import annotations

from pytest_httpserver import HTTPServer
from werkzeug import Response

from ptpu_runtime.config import load_settings
from ptpu_runtime.container import Container


def with_cookie(body: str, content_type: str = "application/json") -> Response:
    response = Response(body, content_type=content_type)
    response.set_cookie("JSESSIONID", "sticky-session", path="/")
    return response


def test_cookies_set_by_upstreams_are_never_sent_back(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/auth/oauth/token", method="POST").respond_with_response(
        with_cookie('{"access_token": "t", "token_type": "bearer", "expires_in": 3600}')
    )
    httpserver.expect_request("/prison/api/anything").respond_with_response(with_cookie("{}"))
    settings = load_settings({
        "OAUTH_ENDPOINT_URL": httpserver.url_for("/auth"), "OAUTH_CLIENT_ID": "client",
        "OAUTH_CLIENT_SECRET": "secret", "PRISON_ENDPOINT_URL": httpserver.url_for("/prison"),
        "COMMUNITY_ENDPOINT_URL": httpserver.url_for("/community"),
        "OFFENDER_SEARCH_ENDPOINT_URL": httpserver.url_for("/search"),
        "DYNAMODB_TABLENAME": "messages", "DYNAMODB_SCHEDULE_TABLENAME": "schedule",
    })
    container = Container(settings=settings)
    prison = container.prison_http()
    prison.call("GET", "/api/anything")
    container.token_provider().invalidate()  # the next call fetches a token again
    prison.call("GET", "/api/anything")

    requests_made = [request for request, _ in httpserver.log]
    assert [request.path for request in requests_made].count("/prison/api/anything") == 2
    assert [request.path for request in requests_made].count("/auth/oauth/token") == 2
    assert all("Cookie" not in request.headers for request in requests_made)
