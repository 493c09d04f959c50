"""JWKS documents and RS256 tokens for the runtime integration tests (a module of its own: `from conftest
import ...` resolves to whichever conftest pytest imported last)."""

from __future__ import annotations

import time

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm


def jwks(*keys: tuple[str, rsa.RSAPrivateKey]) -> dict:
    return {
        "keys": [
            {**RSAAlgorithm.to_jwk(key.public_key(), as_dict=True), "kid": kid, "use": "sig", "alg": "RS256"}
            for kid, key in keys
        ]
    }


def token(key: rsa.RSAPrivateKey, kid: str, roles: list[str], expires_in: int = 600) -> str:
    claims = {"sub": "ptpu-test", "authorities": roles, "exp": int(time.time()) + expires_in}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})
