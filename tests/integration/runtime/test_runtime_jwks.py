"""TokenVerifier with the real PyJWKClient, fetching the JWKS from a loopback HMPPS Auth stand-in."""

import pytest
from conftest import jwks, token
from cryptography.hazmat.primitives.asymmetric import rsa
from pytest_httpserver import HTTPServer

from ptpu_runtime.api.errors import ApiError
from ptpu_runtime.api.security import TokenVerifier

JWKS_PATH = "/auth/.well-known/jwks.json"


def verifier_for(httpserver: HTTPServer, cooldown: float = 0.0) -> TokenVerifier:
    return TokenVerifier(httpserver.url_for("/auth"), refresh_cooldown_seconds=cooldown)


def test_keys_come_from_the_jwks_endpoint_and_are_cached(httpserver, signing_key):
    httpserver.expect_request(JWKS_PATH).respond_with_json(jwks(("k1", signing_key)))
    verifier = verifier_for(httpserver)
    assert verifier.jwks_url == httpserver.url_for(JWKS_PATH)
    for _ in range(3):
        assert verifier.claims(token(signing_key, "k1", ["ROLE_PTPU_REPORT"]))["authorities"] == ["ROLE_PTPU_REPORT"]
    assert len([r for r, _ in httpserver.log if r.path == JWKS_PATH]) == 1


def test_an_unknown_kid_refreshes_the_keys_once(httpserver, signing_key):
    rotated = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    httpserver.expect_ordered_request(JWKS_PATH).respond_with_json(jwks(("k1", signing_key)))
    httpserver.expect_ordered_request(JWKS_PATH).respond_with_json(jwks(("k1", signing_key), ("k2", rotated)))
    verifier = verifier_for(httpserver)
    verifier.claims(token(signing_key, "k1", []))
    assert verifier.claims(token(rotated, "k2", ["ROLE_X"]))["authorities"] == ["ROLE_X"]
    assert len([r for r, _ in httpserver.log if r.path == JWKS_PATH]) == 2


def test_unknown_kids_do_not_refetch_within_the_cooldown(httpserver, signing_key):
    httpserver.expect_request(JWKS_PATH).respond_with_json(jwks(("k1", signing_key)))
    verifier = verifier_for(httpserver, cooldown=600)
    verifier.claims(token(signing_key, "k1", []))
    for kid in ("made-up-1", "made-up-2", "made-up-3"):
        with pytest.raises(ApiError):
            verifier.claims(token(signing_key, kid, []))
    assert len([r for r, _ in httpserver.log if r.path == JWKS_PATH]) <= 2


def test_a_kid_unknown_even_after_refresh_is_401(httpserver, signing_key):
    httpserver.expect_request(JWKS_PATH).respond_with_json(jwks(("k1", signing_key)))
    with pytest.raises(ApiError) as raised:
        verifier_for(httpserver).claims(token(signing_key, "k9", []))
    assert raised.value.status == 401


def test_an_unreachable_jwks_endpoint_is_401_not_500(httpserver, signing_key):
    httpserver.expect_request(JWKS_PATH).respond_with_data("down", status=503)
    with pytest.raises(ApiError) as raised:
        verifier_for(httpserver).claims(token(signing_key, "k1", []))
    assert raised.value.status == 401
