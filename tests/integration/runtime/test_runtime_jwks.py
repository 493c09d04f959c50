"""TokenVerifier with the real JwksCache fetching the JWKS over HTTP from a loopback HMPPS Auth stand-in."""

from __future__ import annotations

import logging
import threading
import time

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from pytest_httpserver import HTTPServer
from runtime_tokens import jwks, token
from werkzeug import Request, Response

from ptpu_adapters.http.jwks import JwksCache
from ptpu_runtime.api.errors import ApiError
from ptpu_runtime.api.security import TokenVerifier

JWKS_PATH = "/auth/.well-known/jwks.json"


def verifier_for(httpserver: HTTPServer, **options: float) -> TokenVerifier:
    url = httpserver.url_for(JWKS_PATH)
    return TokenVerifier(httpserver.url_for("/auth"), keys=JwksCache(url, **{"min_interval_seconds": 0, **options}))


def jwks_fetches(httpserver: HTTPServer) -> int:
    return len([request for request, _ in httpserver.log if request.path == JWKS_PATH])


def status_of(verifier: TokenVerifier, bearer: str) -> int:
    try:
        verifier.claims(bearer)
    except ApiError as error:
        return error.status
    return 200


def test_the_default_keys_come_from_the_auth_jwks_endpoint(httpserver, signing_key):
    httpserver.expect_request(JWKS_PATH).respond_with_json(jwks(("k1", signing_key)))
    verifier = TokenVerifier(httpserver.url_for("/auth"))
    assert verifier.jwks_url == httpserver.url_for(JWKS_PATH)
    for _ in range(3):
        assert verifier.claims(token(signing_key, "k1", ["ROLE_PTPU_REPORT"]))["authorities"] == ["ROLE_PTPU_REPORT"]
    assert jwks_fetches(httpserver) == 1


def test_an_unknown_kid_refreshes_the_keys_once(httpserver, signing_key):
    rotated = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    httpserver.expect_ordered_request(JWKS_PATH).respond_with_json(jwks(("k1", signing_key)))
    httpserver.expect_ordered_request(JWKS_PATH).respond_with_json(jwks(("k1", signing_key), ("k2", rotated)))
    verifier = verifier_for(httpserver)
    verifier.claims(token(signing_key, "k1", []))
    assert verifier.claims(token(rotated, "k2", ["ROLE_X"]))["authorities"] == ["ROLE_X"]
    assert jwks_fetches(httpserver) == 2


def test_unknown_kids_do_not_refetch_within_the_interval(httpserver, signing_key):
    httpserver.expect_request(JWKS_PATH).respond_with_json(jwks(("k1", signing_key)))
    verifier = verifier_for(httpserver, min_interval_seconds=600)
    verifier.claims(token(signing_key, "k1", []))
    assert [status_of(verifier, token(signing_key, f"made-up-{n}", [])) for n in range(50)] == [401] * 50
    assert jwks_fetches(httpserver) == 1


def test_an_auth_answering_500_is_asked_once_however_many_kids_arrive(httpserver, signing_key):
    # 200 requests with random kids while Auth answers 500 made 200 JWKS fetches.
    httpserver.expect_request(JWKS_PATH).respond_with_data("down", status=500)
    verifier = verifier_for(httpserver, min_interval_seconds=30)
    assert {status_of(verifier, token(signing_key, f"kid-{n}", [])) for n in range(200)} == {401}
    assert jwks_fetches(httpserver) == 1


@pytest.mark.parametrize(
    ("body", "content_type"),
    [("<html><body>Sign in</body></html>", "text/html"), ('{"keys": 42}', "application/json"),
     ("[" * 100_000, "application/json"), ('{"keys": [{"kid": "k1", "kty": "RSA"}]}', "application/json")],
    ids=["html", "keys-not-a-list", "deeply-nested", "key-without-material"],
)
def test_a_garbage_jwks_is_401_and_a_log_line(httpserver, signing_key, caplog, body, content_type):
    httpserver.expect_request(JWKS_PATH).respond_with_data(body, content_type=content_type)
    with caplog.at_level(logging.ERROR, logger="ptpu_adapters.http.jwks"):
        assert status_of(verifier_for(httpserver), token(signing_key, "k1", ["ROLE_PTPU_REPORT"])) == 401
    assert f"Cannot read the JWKS from {httpserver.url_for(JWKS_PATH)}" in caplog.text


def test_a_key_withdrawn_from_the_jwks_is_no_longer_trusted_once_re_read(httpserver, signing_key):
    # Before, a withdrawn key was accepted until the service restarted.
    withdrawn = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    httpserver.expect_ordered_request(JWKS_PATH).respond_with_json(jwks(("k1", signing_key), ("old", withdrawn)))
    httpserver.expect_ordered_request(JWKS_PATH).respond_with_json(jwks(("k1", signing_key)))
    httpserver.expect_request(JWKS_PATH).respond_with_json(jwks(("k1", signing_key)))
    verifier = verifier_for(httpserver, ttl_seconds=0.5)
    assert status_of(verifier, token(withdrawn, "old", [])) == 200
    time.sleep(0.6)  # the cached set is now stale: the next use re-reads it
    status_of(verifier, token(signing_key, "k1", []))
    deadline = time.monotonic() + 5
    while status_of(verifier, token(withdrawn, "old", [])) == 200 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert status_of(verifier, token(withdrawn, "old", [])) == 401
    assert status_of(verifier, token(signing_key, "k1", [])) == 200


def test_a_stalled_jwks_keeps_one_fetch_in_flight_and_callers_wait_a_bounded_time(httpserver, signing_key):
    release = threading.Event()

    def stall(request: Request) -> Response:
        release.wait(10)
        return Response("{}", content_type="application/json")

    httpserver.expect_request(JWKS_PATH).respond_with_handler(stall)
    keys = JwksCache(httpserver.url_for(JWKS_PATH), min_interval_seconds=0, wait_seconds=0.3, fetch_timeout=(1.0, 8.0))
    verifier = TokenVerifier(httpserver.url_for("/auth"), keys=keys)
    statuses: list[int] = []
    callers = [
        threading.Thread(target=lambda n=n: statuses.append(status_of(verifier, token(signing_key, f"k{n}", []))))
        for n in range(30)
    ]
    try:
        for caller in callers:
            caller.start()
        for caller in callers:
            caller.join(5)  # each caller waits 0.3 s for the fetch, not the stall's 10 s
        assert statuses == [401] * 30
        assert keys.fetches == 1  # one fetch started, still stalled; every caller waited on it
    finally:
        release.set()
