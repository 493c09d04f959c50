"""Who gets in: the real app (Container-built) with the JWKS served by the simulated HMPPS Auth.
401 for every kind of untrustworthy token, 403 for a valid one without the role, 200 only with it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient

from ptpu_runtime.config import load_settings
from ptpu_runtime.container import Container
from ptpu_sandbox.simulators import QUEUE_ADMIN_ROLE, REPORT_ROLE
from ptpu_sandbox.simulators.auth import KEY_ID, AuthSimulator, signing_key
from reliability.harness import ReliabilityStack

REPO = Path(__file__).resolve().parents[2]
# One protected endpoint per role (GETs and PUTs that change nothing on an empty queue).
PROTECTED = [
    ("GET", "/report/in-progress", REPORT_ROLE),
    ("GET", "/report/match-summary", REPORT_ROLE),
    ("PUT", "/queue-admin/transfer-event-dlq", QUEUE_ADMIN_ROLE),
    ("PUT", "/queue-admin/purge-event-dlq", QUEUE_ADMIN_ROLE),
]
IDS = [f"{method} {path}" for method, path, _ in PROTECTED]


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReliabilityStack]:
    stack = ReliabilityStack(tmp_path_factory.mktemp("security")).start()
    try:
        yield stack
    finally:
        stack.stop()


@pytest.fixture(scope="module")
def client(running: ReliabilityStack) -> TestClient:
    container = Container(settings=load_settings(running.env()))
    container.queue_urls()
    return TestClient(container.app())


@pytest.fixture(scope="module")
def auth(running: ReliabilityStack) -> AuthSimulator:
    assert running.hmpps is not None
    return running.hmpps.auth


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims(roles: list[str]) -> dict:
    now = int(time.time())
    return {"sub": "attacker", "authorities": roles, "iat": now, "exp": now + 600}


def alg_none_token(roles: list[str]) -> str:
    header = _b64(json.dumps({"alg": "none", "typ": "JWT", "kid": KEY_ID}).encode())
    return f"{header}.{_b64(json.dumps(_claims(roles)).encode())}."


def hs256_with_public_key_token(roles: list[str]) -> str:
    """The classic key-confusion attack: HMAC keyed with Auth's (public) RSA key as PEM."""
    pem = signing_key().public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = f"{_b64(json.dumps({'alg': 'HS256', 'typ': 'JWT', 'kid': KEY_ID}).encode())}." \
                    f"{_b64(json.dumps(_claims(roles)).encode())}"
    signature = hmac.new(pem, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def foreign_key_token(roles: list[str]) -> str:
    """Right kid and algorithm, signed by a key that is not Auth's."""
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(_claims(roles), other, algorithm="RS256", headers={"kid": KEY_ID})


def call(client: TestClient, method: str, path: str, token: str | None):
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    return client.request(method, path, headers=headers)


def assert_unauthorised(response) -> None:
    assert response.status_code == 401, response.text
    assert response.json()["status"] == 401


@pytest.mark.parametrize(("method", "path", "role"), PROTECTED, ids=IDS)
def test_no_token_is_401(client: TestClient, method: str, path: str, role: str) -> None:
    assert_unauthorised(call(client, method, path, None))


@pytest.mark.parametrize(("method", "path", "role"), PROTECTED, ids=IDS)
def test_malformed_token_is_401(client: TestClient, method: str, path: str, role: str) -> None:
    assert_unauthorised(call(client, method, path, "not.a-jwt"))


@pytest.mark.parametrize(("method", "path", "role"), PROTECTED, ids=IDS)
def test_bad_signature_is_401(client: TestClient, method: str, path: str, role: str) -> None:
    assert_unauthorised(call(client, method, path, foreign_key_token([role])))


@pytest.mark.parametrize(("method", "path", "role"), PROTECTED, ids=IDS)
def test_tampered_claims_is_401(client: TestClient, auth: AuthSimulator, method: str, path: str, role: str) -> None:
    header, _, signature = auth.mint_token([]).split(".")
    forged = f"{header}.{_b64(json.dumps(_claims([role])).encode())}.{signature}"
    assert_unauthorised(call(client, method, path, forged))


@pytest.mark.parametrize(("method", "path", "role"), PROTECTED, ids=IDS)
def test_alg_none_is_401(client: TestClient, method: str, path: str, role: str) -> None:
    assert_unauthorised(call(client, method, path, alg_none_token([role])))


@pytest.mark.parametrize(("method", "path", "role"), PROTECTED, ids=IDS)
def test_hs256_signed_with_the_public_key_is_401(
    client: TestClient, auth: AuthSimulator, method: str, path: str, role: str
) -> None:
    assert_unauthorised(call(client, method, path, hs256_with_public_key_token([role])))


@pytest.mark.parametrize(("method", "path", "role"), PROTECTED, ids=IDS)
def test_expired_token_is_401(client: TestClient, auth: AuthSimulator, method: str, path: str, role: str) -> None:
    assert_unauthorised(call(client, method, path, auth.mint_token([role], expires_in=-60)))


@pytest.mark.parametrize(("method", "path", "role"), PROTECTED, ids=IDS)
def test_unknown_kid_is_401(client: TestClient, auth: AuthSimulator, method: str, path: str, role: str) -> None:
    assert_unauthorised(call(client, method, path, auth.mint_token([role], kid="not-a-known-key")))


@pytest.mark.parametrize(("method", "path", "role"), PROTECTED, ids=IDS)
def test_valid_token_without_the_role_is_403(
    client: TestClient, auth: AuthSimulator, method: str, path: str, role: str
) -> None:
    other_role = QUEUE_ADMIN_ROLE if role == REPORT_ROLE else REPORT_ROLE
    response = call(client, method, path, auth.mint_token([other_role, "ROLE_SOMETHING_ELSE"]))
    assert response.status_code == 403, response.text
    assert role in response.json()["userMessage"]


@pytest.mark.parametrize(("method", "path", "role"), PROTECTED, ids=IDS)
def test_valid_token_with_the_role_is_200(
    client: TestClient, auth: AuthSimulator, method: str, path: str, role: str
) -> None:
    assert call(client, method, path, auth.mint_token([role])).status_code == 200


def operations(client: TestClient) -> dict[str, dict]:
    spec = client.get("/v3/api-docs").json()
    return {f"{method.upper()} {path}": op for path, item in spec["paths"].items() for method, op in item.items()}


@pytest.mark.parametrize("operation", ["GET /prometheus", "PUT /queue-admin/queue-housekeeping"])
def test_unauthenticated_operational_endpoints_are_documented_as_internal(client: TestClient, operation: str) -> None:
    documented = operations(client)[operation]
    text = f"{documented.get('summary', '')} {documented.get('description', '')}"
    assert re.search(r"\binternal\b", text, re.IGNORECASE), text


def test_the_image_runs_as_a_non_root_user() -> None:
    users = re.findall(r"^\s*USER\s+(\S+)", (REPO / "Dockerfile").read_text(), re.MULTILINE)
    assert users, "the Dockerfile sets no USER, so the container runs as root"
    assert users[-1].split(":")[0] not in {"root", "0"}

