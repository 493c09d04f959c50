"""401/403 rules of the bearer-token check, against an in-memory JWKS (the real JWKS fetch is integration)."""

import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

PATH = "/report/in-progress"
ROLE = "ROLE_PTPU_REPORT"


def claims(expires_in: int = 600, **extra) -> dict:
    return {"sub": "someone", "authorities": [ROLE], "exp": int(time.time()) + expires_in, **extra}


def signed(key, payload: dict, kid: str = "test-key", algorithm: str = "RS256") -> str:
    return jwt.encode(payload, key, algorithm=algorithm, headers={"kid": kid})


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hs256_with_public_key(signing_key) -> str:
    """The classic confusion attack: HMAC-sign with the RSA public key as the shared secret."""
    public_pem = signing_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "test-key"}).encode())
    body = b64(json.dumps(claims()).encode())
    signature = hmac.new(public_pem, f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{b64(signature)}"


def unsigned(payload: dict) -> str:
    header = b64(json.dumps({"alg": "none", "typ": "JWT", "kid": "test-key"}).encode())
    return f"{header}.{b64(json.dumps(payload).encode())}."


def test_a_valid_token_with_the_role_is_let_in(client, signing_key):
    response = client.get(PATH, headers={"Authorization": f"Bearer {signed(signing_key, claims())}"})
    assert response.status_code == 200


def test_a_valid_token_without_the_role_is_forbidden(client, signing_key):
    token = signed(signing_key, claims(authorities=["ROLE_SOMETHING_ELSE"]))
    response = client.get(PATH, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403
    assert response.json()["userMessage"] == f"Forbidden, requires an authorisation with role {ROLE}"


def test_a_token_without_authorities_is_forbidden(client, signing_key):
    payload = claims()
    del payload["authorities"]
    response = client.get(PATH, headers={"Authorization": f"Bearer {signed(signing_key, payload)}"})
    assert response.status_code == 403


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer not-a-jwt", "Bearer a.b.c"],
)
def test_missing_or_malformed_credentials_are_401(client, authorization):
    headers = {} if authorization is None else {"Authorization": authorization}
    response = client.get(PATH, headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json()["status"] == 401


def test_an_expired_token_is_401(client, signing_key):
    token = signed(signing_key, claims(expires_in=-60))
    assert client.get(PATH, headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_a_token_without_expiry_is_401(client, signing_key):
    payload = claims()
    del payload["exp"]
    assert client.get(PATH, headers={"Authorization": f"Bearer {signed(signing_key, payload)}"}).status_code == 401


def test_an_unknown_key_id_is_401(client, signing_key):
    token = signed(signing_key, claims(), kid="someone-elses-key")
    assert client.get(PATH, headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_a_token_signed_by_another_key_is_401(client):
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = signed(stranger, claims())  # claims the trusted kid
    assert client.get(PATH, headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_alg_none_is_401(client):
    assert client.get(PATH, headers={"Authorization": f"Bearer {unsigned(claims())}"}).status_code == 401


def test_hs256_signed_with_the_public_key_is_401(client, signing_key):
    token = hs256_with_public_key(signing_key)
    assert client.get(PATH, headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_open_endpoints_need_no_token(client):
    for path in ("/health/ping", "/info", "/prometheus", "/v3/api-docs"):
        assert client.get(path).status_code == 200, path
