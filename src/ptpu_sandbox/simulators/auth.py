"""Simulated HMPPS Auth: client-credentials tokens (RS256 JWTs), the JWKS to verify them, and
`mint_token` so tests and sandbox users can get tokens with the roles they need."""

from __future__ import annotations

import base64
import functools
import time
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

import jwt
from attrs import frozen
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from ptpu_sandbox.simulators.http import Route, SimRequest, SimResponse, ok
from ptpu_sandbox.simulators.server import HttpSimulator

KEY_ID = "ptpu-sandbox-key"
REPORT_ROLE = "ROLE_PTPU_REPORT"
QUEUE_ADMIN_ROLE = "ROLE_PTPU_QUEUE_ADMIN"
RESYNC_ROLE = "ROLE_PTPU_RESYNC"


@functools.cache
def signing_key() -> rsa.RSAPrivateKey:
    """One key pair per process: generating 2048-bit RSA is the slow part of starting Auth."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@frozen
class Client:
    secret: str
    roles: tuple[str, ...] = ()


# The service's own client gets no special roles, as in HMPPS Auth.
DEFAULT_CLIENTS: Mapping[str, Client] = {
    "prison-to-probation-update": Client("sandbox-secret"),
    "ptpu-sandbox-reporter": Client("reporter-secret", (REPORT_ROLE,)),
    "ptpu-sandbox-admin": Client("admin-secret", (REPORT_ROLE, QUEUE_ADMIN_ROLE)),
    "ptpu-sandbox-resync": Client("resync-secret", (RESYNC_ROLE,)),  # POST /resync only
}


class AuthSimulator(HttpSimulator):
    name = "hmpps-auth"

    def __init__(self, clients: Mapping[str, Client] | None = None) -> None:
        self.clients = dict(DEFAULT_CLIENTS if clients is None else clients)
        self._key = signing_key()
        super().__init__()

    def routes(self) -> list[Route]:
        return [
            Route("POST", "/oauth/token", self._token, secured=False),
            Route("GET", "/.well-known/jwks.json", lambda _request: ok(self.jwks()), secured=False),
            Route("GET", "/health/ping", lambda _request: ok({"status": "UP"}), secured=False),
        ]

    @property
    def issuer(self) -> str:
        return f"{self.url}/issuer" if self._server is not None else "http://localhost/issuer"

    def mint_token(
        self,
        roles: list[str],
        subject: str = "sandbox-user",
        expires_in: int = 3600,
        kid: str | None = None,
        client_id: str = "ptpu-sandbox",
    ) -> str:
        """A signed token; a negative `expires_in` gives an expired one, another `kid` an unknown key."""
        now = int(time.time())
        claims = {
            "sub": subject,
            "client_id": client_id,
            "authorities": list(roles),
            "scope": ["read", "write"],
            "grant_type": "client_credentials",
            "iat": now,
            "exp": now + expires_in,
            "iss": self.issuer,
            "jti": str(uuid.uuid4()),
        }
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": kid or KEY_ID})

    def verify(self, token: str) -> bool:
        """Whether `token` is one of ours and unexpired (what the other simulators require)."""
        try:
            self.decode(token)
        except jwt.PyJWTError:
            return False
        return True

    def decode(self, token: str) -> dict[str, Any]:
        return jwt.decode(token, self._key.public_key(), algorithms=["RS256"], options={"verify_aud": False})

    def jwks(self) -> dict[str, Any]:
        jwk = RSAAlgorithm.to_jwk(self._key.public_key(), as_dict=True)
        return {"keys": [{**jwk, "kid": KEY_ID, "use": "sig", "alg": "RS256"}]}

    def _token(self, request: SimRequest) -> SimResponse:
        client_id, secret = _basic_credentials(request)
        client = self.clients.get(client_id or "")
        if client is None or client.secret != secret:
            return SimResponse(401, {"error": "unauthorized", "error_description": "Bad client credentials"})
        grant_type = request.query_param("grant_type") or _form(request).get("grant_type")
        if grant_type != "client_credentials":
            return SimResponse(400, {"error": "unsupported_grant_type", "error_description": str(grant_type)})
        expires_in = 3600
        token = self.mint_token(list(client.roles), subject=client_id or "", client_id=client_id or "")
        return ok({"access_token": token, "token_type": "bearer", "expires_in": expires_in, "scope": "read write"})


def _basic_credentials(request: SimRequest) -> tuple[str | None, str | None]:
    scheme, _, encoded = (request.header("Authorization") or "").partition(" ")
    if scheme.lower() != "basic":
        return None, None
    try:
        client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
    except ValueError:
        return None, None
    return client_id, secret


def _form(request: SimRequest) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.body.decode(errors="replace")).items()}
