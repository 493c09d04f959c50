"""Runtime integration fixtures: an RSA signing key for the JWKS tests (the loopback HTTP stub, the AWS
emulator and the simulated HMPPS cluster come from tests/integration/conftest.py)."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa


@pytest.fixture(scope="session")
def signing_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)
