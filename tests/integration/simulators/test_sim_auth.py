import jwt
import pytest
import requests

from ptpu_sandbox.simulators import QUEUE_ADMIN_ROLE, REPORT_ROLE, SimulatedHmpps
from ptpu_sandbox.simulators.auth import KEY_ID


def test_client_credentials_token_has_the_hmpps_auth_shape(hmpps: SimulatedHmpps) -> None:
    response = requests.post(
        f"{hmpps.auth_url}/oauth/token",
        params={"grant_type": "client_credentials"},
        auth=("ptpu-sandbox-admin", "admin-secret"),
        timeout=5,
    )

    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600
    claims = hmpps.auth.decode(body["access_token"])
    assert claims["sub"] == claims["client_id"] == "ptpu-sandbox-admin"
    assert sorted(claims["authorities"]) == sorted([REPORT_ROLE, QUEUE_ADMIN_ROLE])
    assert claims["exp"] - claims["iat"] == 3600
    assert claims["iss"] == f"{hmpps.auth_url}/issuer"
    assert claims["jti"]


def test_the_services_own_client_gets_no_roles(hmpps: SimulatedHmpps, service_token: str) -> None:
    assert hmpps.auth.decode(service_token)["authorities"] == []


@pytest.mark.parametrize(
    "credentials",
    [("prison-to-probation-update", "wrong-secret"), ("nobody", "sandbox-secret")],
)
def test_bad_client_credentials_are_refused(hmpps: SimulatedHmpps, credentials: tuple[str, str]) -> None:
    response = requests.post(
        f"{hmpps.auth_url}/oauth/token", data={"grant_type": "client_credentials"}, auth=credentials, timeout=5
    )

    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"


def test_other_grant_types_are_refused(hmpps: SimulatedHmpps) -> None:
    response = requests.post(
        f"{hmpps.auth_url}/oauth/token",
        data={"grant_type": "password"},
        auth=("prison-to-probation-update", "sandbox-secret"),
        timeout=5,
    )

    assert response.status_code == 400


def test_jwks_verifies_a_minted_token(hmpps: SimulatedHmpps) -> None:
    token = hmpps.auth.mint_token([REPORT_ROLE], subject="a-reporter")

    signing_key = jwt.PyJWKClient(f"{hmpps.auth_url}/.well-known/jwks.json").get_signing_key_from_jwt(token)
    claims = jwt.decode(token, signing_key.key, algorithms=["RS256"])

    assert signing_key.key_id == KEY_ID
    assert claims["sub"] == "a-reporter"
    assert claims["authorities"] == [REPORT_ROLE]


def test_a_token_naming_an_unknown_key_is_not_in_the_jwks(hmpps: SimulatedHmpps) -> None:
    token = hmpps.auth.mint_token([REPORT_ROLE], kid="rotated-away")

    with pytest.raises(jwt.PyJWKClientError):
        jwt.PyJWKClient(f"{hmpps.auth_url}/.well-known/jwks.json").get_signing_key_from_jwt(token)


def test_expired_tokens_are_refused_by_the_apis(hmpps: SimulatedHmpps) -> None:
    expired = hmpps.auth.mint_token([], expires_in=-60)

    response = requests.get(
        f"{hmpps.prison_url}/api/bookings/1200835", headers={"Authorization": f"Bearer {expired}"}, timeout=5
    )

    assert response.status_code == 401


def test_a_token_signed_by_another_key_is_refused(hmpps: SimulatedHmpps) -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa

    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode({"sub": "x", "authorities": [], "exp": 9_999_999_999}, stranger, algorithm="RS256")

    response = requests.get(
        f"{hmpps.community_url}/secure/offenders/crn/X142620/convictions",
        headers={"Authorization": f"Bearer {forged}"},
        timeout=5,
    )

    assert response.status_code == 401


def test_every_simulator_answers_health_ping_without_a_token(hmpps: SimulatedHmpps) -> None:
    for url in (hmpps.auth_url, hmpps.prison_url, hmpps.search_url, hmpps.community_url):
        response = requests.get(f"{url}/health/ping", timeout=5)
        assert response.status_code == 200, url
        assert response.json() == {"status": "UP"}
