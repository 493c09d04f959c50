"""Bearer JWTs from HMPPS Auth (SPEC §9): RS256 only, roles in `authorities`; 401 for a token that cannot be
trusted, 403 without the role. `exp`, `nbf` and `iat` with 60 s of leeway, as Spring's JwtTimestampValidator."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import jwt
from fastapi import Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ptpu_adapters.http.jwks import JWKS_PATH, JwksCache, KeyUnavailable
from ptpu_runtime.api.errors import ApiError

ALGORITHMS = ["RS256"]
ROLE_QUEUE_ADMIN = "ROLE_PTPU_QUEUE_ADMIN"
ROLE_REPORT = "ROLE_PTPU_REPORT"
ROLE_RESYNC = "ROLE_PTPU_RESYNC"  # POST /resync (api/resync.py says why it is not the queue-admin role)
CLOCK_SKEW_SECONDS = 60


class SigningKeys(Protocol):
    def key(self, kid: str) -> jwt.PyJWK: ...


# The bearer scheme in /v3/api-docs (Swagger UI's Authorize); auto_error=False: our own 401 body applies.
BEARER_SCHEME = HTTPBearer(
    auto_error=False, scheme_name="hmpps-auth", bearerFormat="JWT",
    description="An HMPPS Auth token (client credentials) carrying ROLE_PTPU_REPORT, ROLE_PTPU_QUEUE_ADMIN or "
                "ROLE_PTPU_RESYNC")


def _unauthorised(reason: str) -> ApiError:
    return ApiError(401, "Unauthorised, requires a valid Oauth2 token", reason, {"WWW-Authenticate": "Bearer"})


class TokenVerifier:
    """Verifies tokens against HMPPS Auth's keys (`keys`, default a JwksCache of `{oauth}/.well-known/jwks.json`)."""

    def __init__(self, oauth_endpoint_url: str, keys: SigningKeys | None = None) -> None:
        self.jwks_url = oauth_endpoint_url.rstrip("/") + JWKS_PATH
        self._keys = keys or JwksCache(self.jwks_url)

    def claims(self, token: str) -> dict[str, Any]:
        """The verified claims (a JSON object); ApiError(401) when the token cannot be trusted."""
        try:
            header = jwt.get_unverified_header(token)
            if header.get("alg") not in ALGORITHMS:
                raise _unauthorised("token algorithm is not RS256")
            kid = header.get("kid")
            if not isinstance(kid, str):
                raise _unauthorised("token names no key id")
            claims: dict[str, Any] = jwt.decode(
                token, self._keys.key(kid).key, algorithms=ALGORITHMS, leeway=CLOCK_SKEW_SECONDS,
                options={"require": ["exp"], "verify_aud": False})
        except KeyUnavailable:
            raise _unauthorised("token signed by a key HMPPS Auth does not publish (or its keys are unavailable)") \
                from None
        except jwt.PyJWTError as error:
            raise _unauthorised(f"invalid token: {error}") from None
        return claims


def require_role(verifier: TokenVerifier, role: str) -> Callable[..., object]:
    """A FastAPI dependency admitting only a token whose `authorities` hold `role`; its value is who asked."""

    def check(credentials: HTTPAuthorizationCredentials | None = Security(BEARER_SCHEME)) -> object:
        if credentials is None:
            raise _unauthorised("no bearer token")
        claims = verifier.claims(credentials.credentials)
        authorities = claims.get("authorities")
        if not isinstance(authorities, list) or role not in authorities:
            raise ApiError(403, f"Forbidden, requires an authorisation with role {role}", f"missing {role}")
        return claims.get("user_name") or claims.get("client_id") or claims.get("sub")

    return check


def role_errors(role: str, described: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI responses of an operation needing `role`: `described` (status: description), 401 and 403."""
    described = {**described, 401: "No valid bearer token", 403: f"The token lacks {role}"}
    return {status: {"description": described[status]} for status in sorted(described)}
