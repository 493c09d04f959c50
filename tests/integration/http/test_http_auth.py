"""HmppsAuthTokenProvider against a stub HMPPS Auth: caching, expiry, invalidation, failures."""

from __future__ import annotations

import logging
import threading

import pytest
import requests
from http_stubs import BASIC, CLIENT_ID, CLIENT_SECRET, expect_token, token_requests
from pytest_httpserver import HTTPServer

from ptpu_adapters.http.auth import HmppsAuthTokenProvider
from ptpu_core.errors import UpstreamFailure


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def provider(httpserver: HTTPServer, clock: FakeClock):
    session = requests.Session()
    yield HmppsAuthTokenProvider(httpserver.url_for("/"), CLIENT_ID, CLIENT_SECRET, session, clock=clock, timeout=1.0)
    session.close()


def test_token_is_fetched_once_and_cached(httpserver: HTTPServer, provider: HmppsAuthTokenProvider) -> None:
    expect_token(httpserver, token="abc")

    tokens = {provider.token() for _ in range(5)}

    assert tokens == {"abc"}
    assert token_requests(httpserver) == 1


def test_api_calls_share_one_token(httpserver: HTTPServer, make_upstream) -> None:
    httpserver.expect_request("/api/thing").respond_with_json({})
    client = make_upstream()

    for _ in range(4):
        client.call("GET", "/api/thing")

    assert token_requests(httpserver) == 1


def test_refreshes_sixty_seconds_before_expiry(
    httpserver: HTTPServer, provider: HmppsAuthTokenProvider, clock: FakeClock
) -> None:
    expect_token(httpserver, token="abc", expires_in=3600)
    provider.token()

    clock.now += 3600 - 61
    provider.token()
    assert token_requests(httpserver) == 1

    clock.now += 1
    provider.token()
    assert token_requests(httpserver) == 2


def test_short_lived_token_refreshes_at_ninety_percent(
    httpserver: HTTPServer, provider: HmppsAuthTokenProvider, clock: FakeClock
) -> None:
    expect_token(httpserver, expires_in=100)
    provider.token()

    clock.now += 89
    provider.token()
    assert token_requests(httpserver) == 1

    clock.now += 1
    provider.token()
    assert token_requests(httpserver) == 2


def test_invalidate_forces_a_new_token(httpserver: HTTPServer, provider: HmppsAuthTokenProvider) -> None:
    expect_token(httpserver)
    provider.token()

    provider.invalidate()
    provider.token()

    assert token_requests(httpserver) == 2


def test_concurrent_callers_share_one_fetch(httpserver: HTTPServer, provider: HmppsAuthTokenProvider) -> None:
    expect_token(httpserver, token="shared")
    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(provider.token())) for _ in range(8)]

    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results == ["shared"] * 8
    assert token_requests(httpserver) == 1


def test_sends_client_credentials_with_basic_auth(httpserver: HTTPServer, provider: HmppsAuthTokenProvider) -> None:
    # scope=read, as the existing service's client registrations ask (its application.yml).
    httpserver.expect_oneshot_request(
        "/oauth/token", method="POST", data="grant_type=client_credentials&scope=read", headers=BASIC
    ).respond_with_json({"access_token": "abc", "expires_in": 60})

    assert provider.token() == "abc"
    httpserver.check_assertions()


def test_refusal_is_a_system_failure_that_never_reveals_the_secret(
    httpserver: HTTPServer, provider: HmppsAuthTokenProvider, caplog: pytest.LogCaptureFixture
) -> None:
    httpserver.expect_request("/oauth/token").respond_with_json({"error": "invalid_client"}, status=401)
    caplog.set_level(logging.DEBUG)

    with pytest.raises(UpstreamFailure) as failure:
        provider.token()

    assert (failure.value.service, failure.value.status) == ("hmpps-auth", 401)
    assert CLIENT_SECRET not in str(failure.value)
    assert CLIENT_SECRET not in caplog.text


def test_token_never_logged(
    httpserver: HTTPServer, provider: HmppsAuthTokenProvider, caplog: pytest.LogCaptureFixture
) -> None:
    expect_token(httpserver, token="very-secret-token")
    caplog.set_level(logging.DEBUG)

    provider.token()

    assert "very-secret-token" not in caplog.text
    assert CLIENT_SECRET not in caplog.text
    assert "hmpps-auth token" in caplog.text


def test_unreadable_token_response(httpserver: HTTPServer, provider: HmppsAuthTokenProvider) -> None:
    httpserver.expect_request("/oauth/token").respond_with_json({"token_type": "bearer"})

    with pytest.raises(UpstreamFailure, match="unreadable"):
        provider.token()
