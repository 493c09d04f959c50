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
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jwt.algorithms import RSAAlgorithm

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


def bearer_of(signing_key, payload: dict, kid: str = "test-key") -> dict[str, str]:
    return {"Authorization": f"Bearer {signed(signing_key, payload, kid=kid)}"}


# 60 s of clock-skew leeway on exp, nbf and iat, as Spring Security's JwtTimestampValidator gives the existing
# service: HMPPS Auth's clock may run ahead of ours.
@pytest.mark.parametrize(
    ("claim", "offset", "status"),
    [("exp", -30, 200), ("exp", -90, 401), ("nbf", 30, 200), ("nbf", 90, 401), ("iat", 30, 200), ("iat", 120, 401)],
    ids=["expired-30s-ago", "expired-90s-ago", "nbf-in-30s", "nbf-in-90s", "iat-in-30s", "iat-in-120s"],
)
def test_timestamps_have_sixty_seconds_of_leeway(client, signing_key, claim, offset, status):
    payload = {**claims(), claim: int(time.time()) + offset}  # the time taken when the test runs
    assert client.get(PATH, headers=bearer_of(signing_key, payload)).status_code == status


@pytest.mark.parametrize(
    "authorities",
    [5, 1.5, True, {ROLE: True}, {"authority": ROLE}, ROLE, f"{ROLE} OTHER", [[ROLE]], [{"authority": ROLE}], None],
    ids=["int", "float", "bool", "object-keyed-by-role", "object", "bare-string", "spaced-string", "nested-list",
         "list-of-objects", "null"],
)
def test_authorities_of_the_wrong_type_grant_nothing(client, signing_key, authorities):
    # The existing service reads `authorities` as a collection of strings; anything else is no role (403).
    response = client.get(PATH, headers=bearer_of(signing_key, claims(authorities=authorities)))
    assert response.status_code == 403, response.text


def test_only_the_string_roles_of_a_mixed_list_count(client, signing_key):
    response = client.get(PATH, headers=bearer_of(signing_key, claims(authorities=[7, None, {"x": 1}, ROLE])))
    assert response.status_code == 200


@pytest.mark.parametrize(
    "extra",
    [{"exp": "soon"}, {"exp": [1]}, {"exp": {"at": 1}}, {"exp": 1e400}, {"nbf": []}, {"nbf": "x"}, {"iat": {}},
     {"iat": "later"}, {"sub": 7}, {"jti": []}],
    ids=["exp-text", "exp-list", "exp-object", "exp-infinite", "nbf-list", "nbf-text", "iat-object", "iat-text",
         "sub-number", "jti-list"],
)
def test_time_and_identity_claims_of_the_wrong_type_are_401(client, signing_key, extra):
    response = client.get(PATH, headers=bearer_of(signing_key, {**claims(), **extra}))
    assert response.status_code == 401, response.text


@pytest.mark.parametrize("kid", [7, None, ["test-key"], {"kid": "test-key"}])
def test_a_key_id_that_is_not_a_string_is_401(client, signing_key, kid):
    # Signed by hand: PyJWT will not encode such a header, but a caller can send anything.
    signing_input = f"{b64(json.dumps({'alg': 'RS256', 'typ': 'JWT', 'kid': kid}).encode())}." \
                    f"{b64(json.dumps(claims()).encode())}"
    signature = RSAAlgorithm(RSAAlgorithm.SHA256).sign(signing_input.encode(), signing_key)
    token = f"{signing_input}.{b64(signature)}"
    assert client.get(PATH, headers={"Authorization": f"Bearer {token}"}).status_code == 401


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.fixed_dictionaries({}, optional={c: JSON for c in ("authorities", "exp", "nbf", "iat", "sub")}))
def test_any_claim_values_are_answered_200_401_or_403_never_500(client, signing_key, values):
    payload = {**claims(), **values}
    assert client.get(PATH, headers=bearer_of(signing_key, payload)).status_code in {200, 401, 403}
