"""Bearer JWTs from HMPPS Auth (SPEC §9): RS256 only, keys from the JWKS endpoint, roles in `authorities`.

401 for a missing, malformed, expired or unverifiable token (including an unknown key id after one JWKS
refresh); 403 for a valid token without the role.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import jwt
from fastapi import Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from jwt import PyJWKClient

from ptpu_runtime.api.errors import ApiError

log = logging.getLogger(__name__)

ALGORITHMS = ["RS256"]
JWKS_PATH = "/.well-known/jwks.json"
ROLE_QUEUE_ADMIN = "ROLE_PTPU_QUEUE_ADMIN"
ROLE_REPORT = "ROLE_PTPU_REPORT"
# Declares the HTTP bearer scheme in /v3/api-docs, so Swagger UI shows an Authorize button and sends the
# token on the report and queue-admin calls (issue 14 §1). auto_error=False: our own 401 body still applies.
BEARER_SCHEME = HTTPBearer(
    auto_error=False, scheme_name="hmpps-auth", bearerFormat="JWT",
    description="An HMPPS Auth token (client credentials) carrying ROLE_PTPU_REPORT or ROLE_PTPU_QUEUE_ADMIN",
)


def _unauthorised(reason: str) -> ApiError:
    return ApiError(401, "Unauthorised, requires a valid Oauth2 token", reason, {"WWW-Authenticate": "Bearer"})


class TokenVerifier:
    """Verifies tokens against a cached JWKS. PyJWKClient refetches the set when it meets an unknown kid."""

    def __init__(
        self, oauth_endpoint_url: str, jwks_client: PyJWKClient | None = None, leeway_seconds: int = 0,
        refresh_cooldown_seconds: float = 30.0,
    ) -> None:
        """`refresh_cooldown_seconds`: tokens with made-up kids must not make us hammer HMPPS Auth."""
        self.jwks_url = oauth_endpoint_url.rstrip("/") + JWKS_PATH
        self._jwks = jwks_client or PyJWKClient(
            self.jwks_url, cache_keys=True, lifespan=3600, timeout=10, cooldown_duration=refresh_cooldown_seconds
        )
        self._leeway = leeway_seconds

    def claims(self, token: str) -> dict[str, Any]:
        """The verified claims; ApiError(401) when the token cannot be trusted."""
        try:
            if jwt.get_unverified_header(token).get("alg") not in ALGORITHMS:
                raise _unauthorised("token algorithm is not RS256")
            signing_key = self._jwks.get_signing_key_from_jwt(token)
            claims: dict[str, Any] = jwt.decode(
                token, signing_key.key, algorithms=ALGORITHMS, leeway=self._leeway,
                options={"require": ["exp"], "verify_aud": False},
            )
        except jwt.PyJWKClientConnectionError as error:
            log.error("Cannot fetch JWKS from %s: %s", self.jwks_url, error)
            raise _unauthorised("token signing keys unavailable") from None
        except jwt.PyJWTError as error:
            raise _unauthorised(f"invalid token: {error}") from None
        return claims


def roles_of(claims: dict[str, Any]) -> set[str]:
    authorities = claims.get("authorities") or []
    if isinstance(authorities, str):
        authorities = [authorities]
    return {str(role) for role in authorities}


def bearer_token(request: Request) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorised("no bearer token")
    return token.strip()


def require_role(verifier: TokenVerifier, role: str) -> Callable[..., dict[str, Any]]:
    """A FastAPI dependency admitting only a valid token carrying `role`; documented as needing the bearer scheme."""

    def check(request: Request, _: HTTPAuthorizationCredentials | None = Security(BEARER_SCHEME)) -> dict[str, Any]:
        claims = verifier.claims(bearer_token(request))
        if role not in roles_of(claims):
            raise ApiError(403, f"Forbidden, requires an authorisation with role {role}", f"missing {role}")
        return claims

    return check
